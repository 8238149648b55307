//! The `unique` policy (charon's `check_uniqueness`), applied when we
//! have answered an IKE_AUTH request: what a new IKE SA does to the
//! established IKE SAs with the same identities (RFC 7296 §2.4 for
//! INITIAL_CONTACT).

use core::time::Duration;

use super::Endpoint;
use crate::action::{DownReason, SaHandle};
use crate::config::Unique;
use crate::sa::{Ctx, IkeSa, IkeState};
use crate::time::Instant;

/// How long a duplicate from the peer's address (suspected
/// reauthentication) survives a `replace`, for CHILD_SAs to overlap
/// (charon: 10 s).
pub(crate) const REAUTH_DELETE_DELAY: Duration = Duration::from_secs(10);

/// What happens to a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Gone at once without a Delete (INITIAL_CONTACT: the peer forgot it).
    Destroy,
    /// Deleted with an INFORMATIONAL Delete.
    Delete,
    /// Deleted later (suspected reauthentication).
    DeleteLater,
    /// The new SA goes instead (`keep`).
    CancelNew,
    Keep,
}

/// The decision for one established duplicate: `contact` if the peer
/// sent INITIAL_CONTACT, `same_config` and `same_host` comparing the
/// duplicate with the new SA.
fn verdict(policy: Unique, contact: bool, same_config: bool, same_host: bool) -> Verdict {
    match policy {
        Unique::Never => Verdict::Keep,
        _ if contact => Verdict::Destroy,
        Unique::Replace if same_config && same_host => Verdict::DeleteLater,
        Unique::Replace if same_config => Verdict::Delete,
        Unique::Keep if same_config && !same_host => Verdict::CancelNew,
        _ => Verdict::Keep,
    }
}

impl Endpoint {
    /// Applies the new SA's `unique` policy once it is authenticated as
    /// responder.
    pub(super) fn check_uniqueness(&mut self, now: Instant, handle: SaHandle) {
        let Some(sa) = self.sas.get_mut(&handle) else {
            return;
        };
        let Some(contact) = sa.core.uniqueness.take() else {
            return;
        };
        let mut policy = sa.core.config.unique;
        let (name, remote) = (sa.core.config.name.clone(), sa.core.remote);
        let ids = (sa.core.local_id.clone(), sa.core.remote_id.clone());
        let peer = ids.1.as_ref().map(ToString::to_string).unwrap_or_default();
        let duplicates: Vec<(SaHandle, bool, bool)> = self
            .sas
            .values()
            .filter(|s| s.core.handle != handle && live(s))
            .filter(|s| (s.core.local_id.clone(), s.core.remote_id.clone()) == ids)
            .map(|s| {
                let same_config = s.core.config.name == name;
                (s.core.handle, same_config, s.core.remote == remote)
            })
            .collect();
        let mut cancel = false;
        for (old, same_config, same_host) in duplicates {
            match verdict(policy, contact, same_config, same_host) {
                Verdict::Destroy => {
                    tracing::info!(
                        "destroying duplicate IKE_SA for peer '{peer}', received INITIAL_CONTACT"
                    );
                    with_sa!(self, now, old, |s, ctx| s
                        .core
                        .destroy(ctx, DownReason::Duplicate));
                }
                Verdict::Delete => {
                    tracing::info!(
                        "deleting duplicate IKE_SA for peer '{peer}' due to uniqueness policy"
                    );
                    with_sa!(self, now, old, |s, ctx| s
                        .delete(ctx, DownReason::Duplicate));
                }
                Verdict::DeleteLater => {
                    tracing::info!(
                        "schedule delete of duplicate IKE_SA for peer '{peer}' due to uniqueness \
                         policy and suspected reauthentication"
                    );
                    if let Some(s) = self.sas.get_mut(&old) {
                        let at = now + REAUTH_DELETE_DELAY;
                        s.core.expire_at = Some(s.core.expire_at.map_or(at, |e| e.min(at)));
                    }
                }
                Verdict::CancelNew => {
                    // the first IKE SA stays, all later duplicates go
                    cancel = true;
                    policy = Unique::Replace;
                }
                Verdict::Keep => {}
            }
        }
        if cancel {
            tracing::info!("canceling IKE_SA setup due to uniqueness policy");
            with_sa!(self, now, handle, |s, ctx| s
                .delete(ctx, DownReason::Duplicate));
        }
    }
}

/// An IKE SA that counts as established for uniqueness (charon's
/// ESTABLISHED and REKEYING).
fn live(sa: &IkeSa) -> bool {
    matches!(sa.core.state, IkeState::Established | IkeState::Rekeying)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_contact_destroys_unless_the_policy_is_never() {
        for policy in [Unique::No, Unique::Keep, Unique::Replace] {
            assert_eq!(verdict(policy, true, false, true), Verdict::Destroy);
        }
        assert_eq!(verdict(Unique::Never, true, true, false), Verdict::Keep);
    }

    #[test]
    fn replace_and_keep_look_at_the_config_and_the_peers_address() {
        assert_eq!(
            verdict(Unique::Replace, false, true, false),
            Verdict::Delete
        );
        assert_eq!(
            verdict(Unique::Replace, false, true, true),
            Verdict::DeleteLater
        );
        assert_eq!(verdict(Unique::Replace, false, false, false), Verdict::Keep);
        assert_eq!(
            verdict(Unique::Keep, false, true, false),
            Verdict::CancelNew
        );
        assert_eq!(verdict(Unique::Keep, false, true, true), Verdict::Keep);
        assert_eq!(verdict(Unique::No, false, true, false), Verdict::Keep);
    }
}
