//! Our view of the kernel's SPD: one kernel policy per selector,
//! direction, mark and if_id, used by one or more specs (a CHILD_SA and its
//! rekeyed successor install the same policy), of which the best is the
//! one enforced (charon's `policy_entry_t.used_by`).

use crate::PolicySpec;

/// What identifies a kernel policy: direction, encoded selector, mark
/// value/mask and if_id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key(pub(crate) Vec<u8>);

/// What the kernel must do after a change to the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Add this policy (none was enforced).
    Add(PolicySpec),
    /// Replace the enforced policy by this one.
    Update(PolicySpec),
    /// Remove the enforced policy.
    Delete(PolicySpec),
    /// Nothing: the enforced policy stays.
    Keep,
}

/// A user of a kernel policy and its priority.
#[derive(Clone, Debug)]
struct User {
    spec: PolicySpec,
    priority: u32,
}

/// Kernel policies and their users, best first.
#[derive(Debug, Default)]
pub(crate) struct Spd {
    entries: Vec<(Key, Vec<User>)>,
}

impl Spd {
    /// Records `spec` under `key`; it is enforced if no user has a lower
    /// (better) priority value, ties going to the newest.
    pub(crate) fn add(&mut self, key: Key, spec: PolicySpec, priority: u32) -> Change {
        let user = User {
            spec: spec.clone(),
            priority,
        };
        let Some((_, users)) = self.entries.iter_mut().find(|(k, _)| *k == key) else {
            self.entries.push((key, vec![user]));
            return Change::Add(spec);
        };
        let at = users
            .iter()
            .position(|u| u.priority >= priority)
            .unwrap_or(users.len());
        users.insert(at, user);
        if at == 0 {
            Change::Update(spec)
        } else {
            Change::Keep
        }
    }

    /// Forgets one user equal to `spec`; `None` if there is none.
    pub(crate) fn remove(&mut self, key: &Key, spec: &PolicySpec) -> Option<Change> {
        let entry = self.entries.iter().position(|(k, _)| k == key)?;
        let users = &mut self.entries.get_mut(entry)?.1;
        let at = users.iter().position(|u| u.spec == *spec)?;
        let removed = users.remove(at);
        if at != 0 {
            return Some(Change::Keep);
        }
        Some(match users.first() {
            Some(next) => Change::Update(next.spec.clone()),
            None => {
                self.entries.remove(entry);
                Change::Delete(removed.spec)
            }
        })
    }

    /// Puts a user back where it was after a kernel failure.
    pub(crate) fn undo_remove(&mut self, key: Key, spec: PolicySpec, priority: u32) {
        self.add(key, spec, priority);
    }

    /// The enforced policy of every entry, emptying the table.
    pub(crate) fn drain(&mut self) -> Vec<PolicySpec> {
        self.entries
            .drain(..)
            .filter_map(|(_, users)| users.into_iter().next().map(|u| u.spec))
            .collect()
    }

    /// The enforced policies.
    pub(crate) fn enforced(&self) -> impl Iterator<Item = &PolicySpec> {
        self.entries
            .iter()
            .filter_map(|(_, users)| users.first().map(|u| &u.spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::policy;
    use crate::{PolicyAction, SaTemplate};

    fn reqid(spec: &PolicySpec, reqid: u32) -> PolicySpec {
        let mut spec = spec.clone();
        if let PolicyAction::Protect(t) = spec.action {
            spec.action = PolicyAction::Protect(SaTemplate { reqid, ..t });
        }
        spec
    }

    #[test]
    fn a_rekeyed_child_takes_over_the_policy_and_hands_it_back_on_delete() {
        let mut spd = Spd::default();
        let key = Key(vec![1]);
        let (old, new) = (reqid(&policy(), 1), reqid(&policy(), 2));
        assert_eq!(
            spd.add(key.clone(), old.clone(), 10),
            Change::Add(old.clone())
        );
        assert_eq!(
            spd.add(key.clone(), new.clone(), 10),
            Change::Update(new.clone())
        );
        // deleting the old one leaves the new one enforced
        assert_eq!(spd.remove(&key, &old), Some(Change::Keep));
        assert_eq!(spd.remove(&key, &new), Some(Change::Delete(new)));
        assert_eq!(spd.remove(&key, &old), None);
    }

    #[test]
    fn a_worse_priority_waits_behind_the_enforced_policy() {
        let mut spd = Spd::default();
        let key = Key(vec![1]);
        let (best, trap) = (reqid(&policy(), 1), reqid(&policy(), 2));
        spd.add(key.clone(), best.clone(), 10);
        assert_eq!(spd.add(key.clone(), trap.clone(), 20), Change::Keep);
        assert_eq!(spd.remove(&key, &best), Some(Change::Update(trap.clone())));
        assert_eq!(spd.enforced().collect::<Vec<_>>(), [&trap]);
    }

    #[test]
    fn different_keys_are_different_kernel_policies() {
        let mut spd = Spd::default();
        spd.add(Key(vec![1]), policy(), 1);
        assert_eq!(spd.add(Key(vec![2]), policy(), 1), Change::Add(policy()));
        assert_eq!(spd.drain().len(), 2);
        assert_eq!(spd.enforced().count(), 0);
    }
}
