//! IKE pre-shared keys (`secrets.ike*`, VICI `load-shared`) and charon's
//! choice among them (`get_shared`): the best match of the peer, then of
//! us; the first of equals. cygnetd loads `secrets.ike*` into it.

use core::fmt;

use ike::config::IdMatch;
use ike::crypto::Secret;
use ike::wire::Identification;
use ike::wire::iana::IdType;

/// charon's `id_match_t` values for the cases secrets use.
const MATCH_NONE: u8 = 0;
const MATCH_ANY: u8 = 1;
const MATCH_ONE_WILDCARD: u8 = 19;
const MATCH_PERFECT: u8 = 20;

struct SharedKey {
    /// The unique ID of a VICI `load-shared`, if any.
    unique: Option<String>,
    key: Secret,
    /// Never empty: no ids means `%any`.
    owners: Vec<IdMatch>,
}

/// The shared keys of a credential store.
#[derive(Default)]
pub struct SharedKeys {
    keys: Vec<SharedKey>,
}

impl fmt::Debug for SharedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedKeys(<{} keys>)", self.keys.len())
    }
}

impl SharedKeys {
    /// Adds a key for `owners` (empty: anyone).
    pub fn add(&mut self, key: Secret, owners: Vec<IdMatch>) {
        let owners = if owners.is_empty() {
            vec![IdMatch::Any]
        } else {
            owners
        };
        self.keys.push(SharedKey {
            unique: None,
            key,
            owners,
        });
    }

    /// Adds the key with unique ID `id`, replacing (in place) one loaded
    /// with the same ID, as charon's `add_shared_unique` does.
    pub fn add_unique(&mut self, id: &str, key: Secret, owners: Vec<IdMatch>) {
        let owners = if owners.is_empty() {
            vec![IdMatch::Any]
        } else {
            owners
        };
        let entry = SharedKey {
            unique: Some(id.to_owned()),
            key,
            owners,
        };
        match self
            .keys
            .iter_mut()
            .find(|k| k.unique.as_deref() == Some(id))
        {
            Some(old) => *old = entry,
            None => self.keys.push(entry),
        }
    }

    /// Removes the key with unique ID `id`; whether there was one.
    pub fn remove_unique(&mut self, id: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.unique.as_deref() != Some(id));
        before != self.keys.len()
    }

    /// The number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key for `me` and `peer` as charon picks it; a key must match at
    /// least one side.
    #[must_use]
    pub fn lookup(&self, me: &Identification, peer: Option<&Identification>) -> Option<Secret> {
        let mut best: Option<(&SharedKey, u8, u8)> = None;
        for key in &self.keys {
            let m = best_match(key, me);
            let p = peer.map_or(MATCH_NONE, |peer| best_match(key, peer));
            if m == MATCH_NONE && p == MATCH_NONE {
                continue;
            }
            if best.is_none_or(|(_, bm, bp)| p > bp || (p == bp && m > bm)) {
                best = Some((key, m, p));
            }
        }
        best.map(|(key, _, _)| Secret::from(key.key.as_bytes()))
    }
}

fn best_match(key: &SharedKey, id: &Identification) -> u8 {
    key.owners
        .iter()
        .map(|owner| rank(id, owner))
        .max()
        .unwrap_or(MATCH_NONE)
}

/// How well `id` matches `owner` (names case-insensitively).
fn rank(id: &Identification, owner: &IdMatch) -> u8 {
    let named = matches!(id.ty, IdType::FQDN | IdType::RFC822_ADDR);
    match owner {
        IdMatch::Any => MATCH_ANY,
        IdMatch::Exact(want) if want.ty == id.ty => {
            let same = if named {
                id.data.eq_ignore_ascii_case(&want.data)
            } else {
                id.data == want.data
            };
            if same { MATCH_PERFECT } else { MATCH_NONE }
        }
        IdMatch::Suffix(ty, suffix) if *ty == id.ty && id.data.len() >= suffix.len() => {
            let tail = &id.data[id.data.len() - suffix.len()..];
            if tail.eq_ignore_ascii_case(suffix) {
                MATCH_ONE_WILDCARD
            } else {
                MATCH_NONE
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[(&str, &[&str])]) -> SharedKeys {
        let mut keys = SharedKeys::default();
        for (secret, owners) in list {
            let owners = owners
                .iter()
                .map(|o| match o.strip_prefix('*') {
                    Some(s) => IdMatch::Suffix(IdType::FQDN, s.as_bytes().to_vec()),
                    None => IdMatch::Exact(Identification::fqdn(o)),
                })
                .collect();
            keys.add(Secret::from(secret.as_bytes()), owners);
        }
        keys
    }

    fn lookup(keys: &SharedKeys, me: &str, peer: Option<&str>) -> Option<String> {
        let peer = peer.map(Identification::fqdn);
        keys.lookup(&Identification::fqdn(me), peer.as_ref())
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
    }

    #[test]
    fn the_peer_counts_before_us_and_wildcards_rank_below_exact_ids() {
        let k = keys(&[
            ("any", &[]),
            ("mine", &["a.test"]),
            ("wild", &["*.peers.test"]),
        ]);
        assert_eq!(
            lookup(&k, "a.test", Some("c.peers.test")).as_deref(),
            Some("wild")
        );
        let k = keys(&[("wild", &["*.peers.test"]), ("exact", &["b.peers.test"])]);
        assert_eq!(
            lookup(&k, "a.test", Some("B.Peers.Test")).as_deref(),
            Some("exact")
        );
    }

    #[test]
    fn no_key_is_found_when_no_owner_matches_either_side() {
        let k = keys(&[("other", &["x.test", "y.test"])]);
        assert_eq!(lookup(&k, "a.test", Some("b.test")), None);
        assert_eq!(format!("{k:?}"), "SharedKeys(<1 keys>)");
    }

    #[test]
    fn a_unique_id_replaces_its_key_in_place_and_can_be_removed() {
        let mut k = SharedKeys::default();
        let a = vec![IdMatch::Exact(Identification::fqdn("a.test"))];
        k.add_unique("ike-1", Secret::from(&b"old"[..]), a.clone());
        k.add_unique("ike-1", Secret::from(&b"new"[..]), a);
        assert_eq!(k.len(), 1);
        assert_eq!(lookup(&k, "a.test", None).as_deref(), Some("new"));
        assert!(k.remove_unique("ike-1"));
        assert!(!k.remove_unique("ike-1"));
        assert!(k.is_empty());
    }
}
