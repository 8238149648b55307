//! `secrets.ike*` as an [`ike::auth::Credentials`] store. The core
//! computes and checks AUTH values (RFC 7296 §2.15); this only picks the
//! key for a pair of identities, as charon's credential manager does.

use ike::auth::Credentials;
use ike::config::IdMatch;
use ike::crypto::Secret;
use ike::wire::Identification;
use ike::wire::iana::IdType;
use swanctl_parser::config as sw;

use crate::config::id_match;

/// How well an identity matches a secret's owner (charon's `id_match_t`).
const MATCH_NONE: u8 = 0;
const MATCH_ANY: u8 = 1;
const MATCH_ONE_WILDCARD: u8 = 19;
const MATCH_PERFECT: u8 = 20;

/// One shared IKE key and the identities it belongs to.
struct SharedKey {
    key: Vec<u8>,
    /// Never empty: a secret without ids belongs to `%any` (as VICI's
    /// `load-shared` makes it).
    owners: Vec<IdMatch>,
}

/// The IKE pre-shared keys of swanctl.conf.
#[derive(Default)]
pub(crate) struct SharedKeys {
    keys: Vec<SharedKey>,
}

impl core::fmt::Debug for SharedKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SharedKeys(<{} keys>)", self.keys.len())
    }
}

impl SharedKeys {
    /// The `ike` secrets of the configuration; other types are skipped.
    pub(crate) fn from_config(secrets: &[sw::Secret]) -> Self {
        let mut keys = Vec::new();
        for secret in secrets {
            let sw::SecretKind::Shared { data, owners } = &secret.kind else {
                continue;
            };
            if secret.secret_type != sw::SecretType::Ike {
                tracing::info!(target: "cfg", "skipping {} secret '{}': not supported yet",
                    secret.secret_type.as_str(), secret.name);
                continue;
            }
            let owners: Vec<IdMatch> = owners.iter().map(id_match).collect();
            let shown: Vec<String> = owners_text(owners_or_any(&owners));
            tracing::info!(target: "cfg", "loaded IKE shared key with id '{}' for: {}",
                secret.name, shown.join(", "));
            keys.push(SharedKey {
                key: data.expose().to_vec(),
                owners: if owners.is_empty() {
                    vec![IdMatch::Any]
                } else {
                    owners
                },
            });
        }
        Self { keys }
    }
}

fn owners_or_any(owners: &[IdMatch]) -> &[IdMatch] {
    const ANY: &[IdMatch] = &[IdMatch::Any];
    if owners.is_empty() { ANY } else { owners }
}

fn owners_text(owners: &[IdMatch]) -> Vec<String> {
    owners
        .iter()
        .map(|o| match o {
            IdMatch::Any => "'%any'".to_owned(),
            IdMatch::Exact(id) => format!("'{id}'"),
            IdMatch::Suffix(_, s) => format!("'*{}'", String::from_utf8_lossy(s)),
            IdMatch::Pattern(p) => format!("'{}'", p.0.identity()),
        })
        .collect()
}

impl Credentials for SharedKeys {
    /// The key whose owners match the peer best, then us best; the first
    /// of equals (charon's `get_shared`). A key must match at least one
    /// side.
    fn shared_key(&self, me: &Identification, peer: Option<&Identification>) -> Option<Secret> {
        let mut best: Option<(&SharedKey, u8, u8)> = None;
        for key in &self.keys {
            let m = best_match(key, me);
            let p = peer.map_or(MATCH_NONE, |peer| best_match(key, peer));
            if m == MATCH_NONE && p == MATCH_NONE {
                continue;
            }
            let better = best.is_none_or(|(_, bm, bp)| p > bp || (p == bp && m > bm));
            if better {
                best = Some((key, m, p));
            }
        }
        best.map(|(key, _, _)| Secret::from(key.key.as_slice()))
    }
}

fn best_match(key: &SharedKey, id: &Identification) -> u8 {
    key.owners
        .iter()
        .map(|owner| matches(id, owner))
        .max()
        .unwrap_or(MATCH_NONE)
}

/// charon's `identification_t.matches` for the types swanctl secrets use:
/// names compare case-insensitively, `*suffix` is one wildcard.
fn matches(id: &Identification, owner: &IdMatch) -> u8 {
    match owner {
        IdMatch::Any => MATCH_ANY,
        IdMatch::Exact(want) if same(id, want) => MATCH_PERFECT,
        IdMatch::Suffix(ty, suffix) if *ty == id.ty && ends_with(&id.data, suffix) => {
            MATCH_ONE_WILDCARD
        }
        IdMatch::Pattern(p) if p.0.matches(id) => {
            if p.0.has_wildcards() {
                MATCH_ONE_WILDCARD
            } else {
                MATCH_PERFECT
            }
        }
        _ => MATCH_NONE,
    }
}

fn same(id: &Identification, want: &Identification) -> bool {
    let named = id.ty == IdType::FQDN || id.ty == IdType::RFC822_ADDR;
    id.ty == want.ty
        && if named {
            id.data.eq_ignore_ascii_case(&want.data)
        } else {
            id.data == want.data
        }
}

fn ends_with(data: &[u8], suffix: &[u8]) -> bool {
    data.len() >= suffix.len() && data[data.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str, owners: &[&str]) -> SharedKey {
        let owners = owners
            .iter()
            .map(|o| id_match(&sw::Identity::parse(o).unwrap()))
            .collect::<Vec<_>>();
        SharedKey {
            key: secret.as_bytes().to_vec(),
            owners: if owners.is_empty() {
                vec![IdMatch::Any]
            } else {
                owners
            },
        }
    }

    fn lookup(keys: Vec<SharedKey>, me: &str, peer: Option<&str>) -> Option<String> {
        let store = SharedKeys { keys };
        let me = Identification::fqdn(me);
        let peer = peer.map(Identification::fqdn);
        store
            .shared_key(&me, peer.as_ref())
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
    }

    #[test]
    fn the_best_match_of_the_peer_wins_over_a_secret_without_ids() {
        let keys = vec![key("any", &[]), key("both", &["a.test", "b.test"])];
        assert_eq!(
            lookup(keys, "a.test", Some("b.test")).as_deref(),
            Some("both")
        );
    }

    #[test]
    fn a_secret_without_ids_matches_everyone() {
        let keys = vec![key("any", &[]), key("other", &["x.test"])];
        assert_eq!(
            lookup(keys, "a.test", Some("b.test")).as_deref(),
            Some("any")
        );
    }

    #[test]
    fn the_peer_counts_before_us_and_wildcards_rank_below_exact_ids() {
        let keys = vec![
            key("mine", &["a.test"]),
            key("wild", &["*.peers.test"]),
            key("exact", &["b.peers.test"]),
        ];
        let got = lookup(keys, "a.test", Some("B.Peers.Test"));
        assert_eq!(got.as_deref(), Some("exact"));
        let keys = vec![key("mine", &["a.test"]), key("wild", &["*.peers.test"])];
        assert_eq!(
            lookup(keys, "a.test", Some("c.peers.test")).as_deref(),
            Some("wild")
        );
    }

    #[test]
    fn no_key_is_found_when_no_owner_matches_either_side() {
        let keys = vec![key("other", &["x.test", "y.test"])];
        assert_eq!(lookup(keys, "a.test", Some("b.test")), None);
        let keys = vec![key("mine", &["a.test"])];
        assert_eq!(lookup(keys, "a.test", None).as_deref(), Some("mine"));
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let store = SharedKeys {
            keys: vec![key("topsecret", &[])],
        };
        assert_eq!(format!("{store:?}"), "SharedKeys(<1 keys>)");
    }
}
