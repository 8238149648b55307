//! `unique` (charon's `check_uniqueness`) on the responder B when A sets
//! up a second IKE SA with the same identities (RFC 7296 §2.4 for
//! INITIAL_CONTACT).

use core::net::{IpAddr, Ipv4Addr};
use core::time::Duration;

use super::{Pair, configs, restart_a};
use crate::action::{DownReason, Event};
use crate::config::{IkeConfig, Unique};

/// A pair whose B applies `policy` (and accepts A from any address),
/// with A's first IKE SA established.
fn first_sa(policy: Unique) -> Pair {
    let edit_b = |b: &mut IkeConfig| {
        b.unique = policy;
        b.remote_addrs.clear();
    };
    let (a, b) = configs(|_| {}, edit_b);
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    pair.b.take_events();
    pair
}

/// A's second IKE SA, from a NAT's address if `moved`.
fn second_sa(pair: &mut Pair, moved: bool) {
    if moved {
        pair.nat_a = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
    }
    pair.initiate("gw", Some("net"));
    pair.drive();
}

fn duplicates_down(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::IkeDown {
                    reason: DownReason::Duplicate,
                    ..
                }
            )
        })
        .count()
}

#[test]
fn replace_deletes_the_old_sa_of_a_peer_at_another_address() {
    let mut pair = first_sa(Unique::Replace);
    let old = pair.b.sa().handle;
    second_sa(&mut pair, true);
    // INFORMATIONAL { D(IKE) } --> for the old SA: both sides drop it
    assert_ne!(pair.b.sa().handle, old);
    assert_eq!(pair.a.ep.sas().count(), 1);
    assert_eq!(duplicates_down(&pair.b.take_events()), 1);
}

#[test]
fn replace_deletes_a_suspected_reauthentication_after_ten_seconds() {
    let mut pair = first_sa(Unique::Replace);
    second_sa(&mut pair, false);
    assert_eq!(pair.b.ep.sas().count(), 2, "both overlap for a while");
    pair.advance(Duration::from_secs(11));
    pair.drive();
    assert_eq!(pair.b.ep.sas().count(), 1);
    assert_eq!(pair.a.ep.sas().count(), 1);
}

#[test]
fn keep_refuses_the_new_sa_of_a_peer_at_another_address() {
    let mut pair = first_sa(Unique::Keep);
    let old = pair.b.sa().handle;
    second_sa(&mut pair, true);
    // <-- IKE_AUTH { N(AUTHENTICATION_FAILED) }: only the first SA is left
    assert_eq!(pair.b.sa().handle, old);
    assert_eq!(pair.a.ep.sas().count(), 1);
    let failed = pair.b.take_events().into_iter().any(|e| {
        matches!(
            e,
            Event::IkeDown {
                reason: DownReason::Failed(crate::Error::AuthenticationFailed(
                    crate::auth::AuthError::UniquenessPolicy
                )),
                ..
            }
        )
    });
    assert!(failed);
}

#[test]
fn keep_and_no_leave_both_from_the_same_address() {
    for policy in [Unique::Keep, Unique::No] {
        let mut pair = first_sa(policy);
        second_sa(&mut pair, false);
        assert_eq!(pair.b.ep.sas().count(), 2, "{policy:?}");
    }
}

#[test]
fn never_ignores_initial_contact() {
    let mut pair = first_sa(Unique::Never);
    restart_a(&mut pair);
    assert_eq!(pair.b.ep.sas().count(), 2);
    assert_eq!(duplicates_down(&pair.b.take_events()), 0);
}

#[test]
fn initial_contact_destroys_the_stale_sa_as_a_duplicate_under_replace() {
    let mut pair = first_sa(Unique::Replace);
    restart_a(&mut pair);
    assert_eq!(pair.b.ep.sas().count(), 1);
    assert_eq!(duplicates_down(&pair.b.take_events()), 1);
}
