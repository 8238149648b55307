//! CREATE_CHILD_SA for more children, INFORMATIONAL deletes and liveness
//! checks.

use core::time::Duration;

use super::{Pair, assert_sas_match, configs, established};
use crate::IkeState;
use crate::action::{DownReason, Event};

#[test]
fn a_second_child_is_created_with_pfs() {
    let mut pair = established();
    let sa = pair.a.sa().handle;
    // CREATE_CHILD_SA { SA, Ni, KEi, TSi, TSr } -->
    // <-- CREATE_CHILD_SA { SA, Nr, KEr, TSi, TSr }
    pair.a.ep.create_child(pair.now, sa, "net").unwrap();
    pair.flush();
    pair.drive();
    assert_eq!(pair.a.sa().children.len(), 2);
    assert_eq!(pair.b.sa().children.len(), 2);
    assert_eq!(
        pair.a.sa().children[1].proposal.to_string(),
        "ESP:AES_GCM_16_128/CURVE_25519/NO_EXT_SEQ"
    );
    assert_eq!(pair.a.kernel.sas.len(), 4);
    assert_sas_match(&pair);
    // a second CHILD_SA of the same config gets its own reqid and policies
    assert_eq!(pair.a.kernel.policies.len(), 2);
}

#[test]
fn deleting_a_child_removes_it_on_both_sides() {
    let mut pair = established();
    let child = pair.a.sa().children[0].id;
    // INFORMATIONAL { D(ESP, SPIa) } -->  <-- INFORMATIONAL { D(ESP, SPIb) }
    assert!(pair.a.ep.delete_child(pair.now, child));
    pair.flush();
    pair.drive();
    assert!(pair.a.sa().children.is_empty() && pair.b.sa().children.is_empty());
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
    assert!(pair.a.kernel.policies.is_empty() && pair.b.kernel.policies.is_empty());
    assert!(pair.b.take_events().iter().any(|e| matches!(
        e,
        Event::ChildDown {
            reason: DownReason::Peer,
            ..
        }
    )));
}

#[test]
fn deleting_the_ike_sa_from_the_responder_removes_everything() {
    let mut pair = established();
    let sa = pair.b.sa().handle;
    // INFORMATIONAL { D(IKE) } <--  --> INFORMATIONAL { }
    assert!(pair.b.ep.delete_ike(pair.now, sa));
    pair.flush();
    pair.drive();
    for node in [&mut pair.a, &mut pair.b] {
        assert_eq!(node.ep.sas().count(), 0);
        assert!(node.kernel.sas.is_empty() && node.kernel.policies.is_empty());
    }
    let events = pair.a.take_events();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::IkeDown {
            reason: DownReason::Peer,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::ChildDown {
            reason: DownReason::Peer,
            ..
        }
    )));
}

#[test]
fn crossing_child_deletes_both_complete() {
    let mut pair = established();
    let (child_a, child_b) = (pair.a.sa().children[0].id, pair.b.sa().children[0].id);
    pair.a.ep.delete_child(pair.now, child_a);
    pair.b.ep.delete_child(pair.now, child_b);
    pair.flush();
    pair.drive();
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
    assert_eq!(pair.a.sa().state, IkeState::Established);
}

#[test]
fn liveness_checks_run_every_dpd_delay_and_are_answered() {
    let (a, b) = configs(|a| a.dpd_delay = Duration::from_secs(30), |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    pair.advance(Duration::from_secs(95));
    // INFORMATIONAL { } -->  <-- INFORMATIONAL { }, three times
    let dpds = pair
        .a
        .kernel
        .log
        .iter()
        .filter(|l| l.starts_with("transmit INFORMATIONAL request"))
        .count();
    assert_eq!(dpds, 3);
    assert_eq!(pair.a.sa().state, IkeState::Established);
}

#[test]
fn a_dead_peer_is_detected_and_the_sa_removed() {
    let (a, b) = configs(|a| a.dpd_delay = Duration::from_secs(30), |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    pair.drop_from_a = usize::MAX; // B is gone
    pair.advance(Duration::from_secs(30 + 166));
    assert_eq!(pair.a.ep.sas().count(), 0);
    assert!(pair.a.kernel.sas.is_empty());
    assert!(pair.a.take_events().iter().any(|e| matches!(
        e,
        Event::IkeDown {
            reason: DownReason::Timeout,
            ..
        }
    )));
}

#[test]
fn a_child_is_deleted_when_its_hard_lifetime_ends() {
    let no_rekey = |c: &mut crate::config::ChildConfig| {
        c.lifetime.time = crate::config::Limits {
            rekey: 0,
            life: 100,
            rand: 0,
        };
    };
    let (a, b) = configs(
        |a| super::edit_child(a, no_rekey),
        |b| super::edit_child(b, |c| c.lifetime.time.rekey = 0),
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    pair.advance(Duration::from_secs(99));
    assert_eq!(pair.a.sa().children.len(), 1);
    // INFORMATIONAL { D(ESP) } --> at life_time
    pair.advance(Duration::from_secs(2));
    assert!(pair.a.sa().children.is_empty() && pair.b.sa().children.is_empty());
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
    assert!(pair.a.take_events().iter().any(|e| matches!(
        e,
        Event::ChildDown {
            reason: DownReason::Expired,
            ..
        }
    )));
}
