//! The `unique` policy (charon's `check_uniqueness`) when we answer an
//! IKE_AUTH request: what a new IKE SA does to the established IKE SAs
//! with the same identities (RFC 7296 §2.4 for INITIAL_CONTACT). `keep`
//! refuses the new SA in the IKE_AUTH response itself
//! ([`keep_refuses`]); the others act once it is authenticated
//! ([`Endpoint::check_uniqueness`]).

use core::net::SocketAddr;
use core::time::Duration;

use super::Endpoint;
use crate::action::{DownReason, SaHandle};
use crate::config::{IkeConfig, Unique};
use crate::sa::{Ctx, IkeSa, IkeState};
use crate::time::Instant;
use crate::wire::iana::ExchangeType;
use crate::wire::{Identification, Message};

/// How long a duplicate from the peer's address (suspected
/// reauthentication) survives a `replace`, for CHILD_SAs to overlap
/// (charon: 10 s).
pub(crate) const REAUTH_DELETE_DELAY: Duration = Duration::from_secs(10);

/// An established IKE SA as `unique = keep` compares new ones with it.
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    config: String,
    local_id: Option<Identification>,
    remote_id: Option<Identification>,
    remote: SocketAddr,
}

/// Whether `unique = keep` refuses a new IKE SA of `config` from
/// `remote`, authenticated as `remote_id` to us as `local_id`: an
/// established one of the same connection and identities exists from
/// another address (from the same address it may be a reauthentication).
pub(crate) fn keep_refuses(
    peers: &[Peer],
    config: &IkeConfig,
    (local_id, remote_id): (&Identification, &Identification),
    remote: SocketAddr,
) -> bool {
    config.unique == Unique::Keep
        && peers.iter().any(|p| {
            p.config == config.name
                && p.local_id.as_ref() == Some(local_id)
                && p.remote_id.as_ref() == Some(remote_id)
                && p.remote != remote
        })
}

/// What happens to an established duplicate of a new IKE SA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Gone at once without a Delete (INITIAL_CONTACT: the peer forgot it).
    Destroy,
    /// Deleted with an INFORMATIONAL Delete.
    Delete,
    /// Deleted later (suspected reauthentication).
    DeleteLater,
    Keep,
}

/// The decision for one duplicate: `contact` if the peer sent
/// INITIAL_CONTACT, `same_config` and `same_host` comparing the duplicate
/// with the new SA.
fn verdict(policy: Unique, contact: bool, same_config: bool, same_host: bool) -> Verdict {
    match policy {
        Unique::Never => Verdict::Keep,
        _ if contact => Verdict::Destroy,
        Unique::Replace if same_config && same_host => Verdict::DeleteLater,
        Unique::Replace if same_config => Verdict::Delete,
        _ => Verdict::Keep,
    }
}

impl Endpoint {
    /// Before an IKE_AUTH request is handled, the established IKE SAs
    /// `unique = keep` looks at (none without such a connection).
    pub(super) fn collect_peers(&mut self, msg: &Message) {
        self.peers.clear();
        let auth_request = msg.exchange == ExchangeType::IKE_AUTH && !msg.flags.is_response();
        if !auth_request || !self.configs.iter().any(|c| c.unique == Unique::Keep) {
            return;
        }
        let peers = self.sas.values().filter(|s| live(s)).map(|s| Peer {
            config: s.core.config.name.clone(),
            local_id: s.core.local_id.clone(),
            remote_id: s.core.remote_id.clone(),
            remote: s.core.remote,
        });
        self.peers.extend(peers);
    }

    /// Applies the new SA's `unique` policy once it is authenticated as
    /// responder.
    pub(super) fn check_uniqueness(&mut self, now: Instant, handle: SaHandle) {
        let Some(sa) = self.sas.get_mut(&handle) else {
            return;
        };
        let Some(contact) = sa.core.uniqueness.take() else {
            return;
        };
        let policy = sa.core.config.unique;
        let (name, remote) = (sa.core.config.name.clone(), sa.core.remote);
        let ids = (sa.core.local_id.clone(), sa.core.remote_id.clone());
        let peer = ids.1.as_ref().map(ToString::to_string).unwrap_or_default();
        let duplicates: Vec<(SaHandle, Verdict)> = self
            .sas
            .values()
            .filter(|s| s.core.handle != handle && live(s))
            .filter(|s| (s.core.local_id.clone(), s.core.remote_id.clone()) == ids)
            .map(|s| {
                let same_config = s.core.config.name == name;
                let v = verdict(policy, contact, same_config, s.core.remote == remote);
                (s.core.handle, v)
            })
            .collect();
        for (old, verdict) in duplicates {
            match verdict {
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
                Verdict::Keep => {}
            }
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
    fn replace_looks_at_the_config_and_the_peers_address() {
        assert_eq!(
            verdict(Unique::Replace, false, true, false),
            Verdict::Delete
        );
        assert_eq!(
            verdict(Unique::Replace, false, true, true),
            Verdict::DeleteLater
        );
        assert_eq!(verdict(Unique::Replace, false, false, false), Verdict::Keep);
        assert_eq!(verdict(Unique::Keep, false, true, false), Verdict::Keep);
        assert_eq!(verdict(Unique::No, false, true, false), Verdict::Keep);
    }
}
