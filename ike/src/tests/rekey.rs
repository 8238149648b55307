//! CHILD_SA and IKE SA rekeys: by lifetime, by command and by the data
//! plane's soft expire; make-before-break on both sides.

use core::time::Duration;

use super::{Pair, assert_sas_match, configs, edit_child, established};
use crate::IkeState;
use crate::action::{Direction, DownReason, Event, KernelEvent};
use crate::wire::iana::ProtocolId;

/// The one CHILD_SA's SPIs on A: (in, out).
fn spis(pair: &Pair) -> (u32, u32) {
    let sa = pair.a.sa();
    assert_eq!(sa.children.len(), 1, "{:#?}", sa.children);
    (sa.children[0].spi_in, sa.children[0].spi_out)
}

#[test]
fn a_child_is_rekeyed_at_its_soft_lifetime_make_before_break() {
    let mut pair = established();
    let old = spis(&pair);
    let rekey_at = pair.a.sa().children[0].rekey_at.unwrap();
    // between rekey_time - rand_time and rekey_time (charon's jitter)
    assert!(
        rekey_at.as_duration() >= Duration::from_secs(3240)
            && rekey_at.as_duration() <= Duration::from_secs(3601)
    );
    // CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr } -->
    // <-- CREATE_CHILD_SA { SA, Nr, KEr, TSi, TSr }
    // INFORMATIONAL { D(ESP, old) } -->  <-- INFORMATIONAL { D(ESP, old) }
    pair.advance(Duration::from_secs(3601));
    let new = spis(&pair);
    assert_ne!(new, old);
    assert_eq!(pair.a.kernel.sas.len(), 2);
    assert_sas_match(&pair);
    // the policies were never removed: same reqid throughout
    assert_eq!(pair.a.kernel.policies.len(), 1);
    assert!(!pair.a.kernel.log.iter().any(|l| l.starts_with("unpolicy")));
    // the rekey initiator installed both new SAs before deleting the old
    // ones; the responder installed its new outbound SA only on the DELETE
    // of the old one, and before removing that (no moment without an
    // outbound SA for the reqid)
    let a_started = pair
        .a
        .kernel
        .log
        .iter()
        .any(|l| l == "transmit CREATE_CHILD_SA request 0");
    let (init, resp) = if a_started {
        (&pair.a.kernel.log, &pair.b.kernel.log)
    } else {
        (&pair.b.kernel.log, &pair.a.kernel.log)
    };
    let (init_old_out, init_new_out) = if a_started {
        (old.1, new.1)
    } else {
        (old.0, new.0)
    };
    let (resp_old_out, resp_new_out) = if a_started {
        (old.0, new.0)
    } else {
        (old.1, new.1)
    };
    let pos = |log: &[String], what: String| log.iter().position(|l| *l == what).unwrap();
    assert!(
        pos(init, format!("install Outbound {init_new_out:08x}"))
            < pos(init, format!("delete Outbound {init_old_out:08x}"))
    );
    let resp_answered = resp
        .iter()
        .position(|l| l.starts_with("transmit CREATE_CHILD_SA response"))
        .unwrap();
    assert!(resp_answered < pos(resp, format!("install Outbound {resp_new_out:08x}")));
    assert!(
        pos(resp, format!("install Outbound {resp_new_out:08x}"))
            < pos(resp, format!("delete Outbound {resp_old_out:08x}"))
    );
    let rekeyed = |events: Vec<Event>| {
        events
            .iter()
            .filter(|e| matches!(e, Event::ChildRekeyed { .. }))
            .count()
    };
    assert_eq!(
        (rekeyed(pair.a.take_events()), rekeyed(pair.b.take_events())),
        (1, 1)
    );
}

#[test]
fn a_soft_packet_expire_from_the_data_plane_rekeys_the_child() {
    let mut pair = established();
    let old = spis(&pair);
    // the backend counted rekey_packets on the inbound SA
    pair.b.ep.handle_kernel_event(
        pair.now,
        KernelEvent::Expire {
            protocol: ProtocolId::ESP,
            spi: old.1,
            hard: false,
        },
    );
    pair.flush();
    pair.drive();
    assert_ne!(spis(&pair), old);
    assert_sas_match(&pair);
    assert_eq!(pair.b.kernel.sas.len(), 2);
}

#[test]
fn a_hard_expire_deletes_the_child() {
    let mut pair = established();
    let old = spis(&pair);
    pair.a.ep.handle_kernel_event(
        pair.now,
        KernelEvent::Expire {
            protocol: ProtocolId::ESP,
            spi: old.0,
            hard: true,
        },
    );
    pair.flush();
    pair.drive();
    assert!(pair.a.sa().children.is_empty() && pair.b.sa().children.is_empty());
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
}

#[test]
fn a_rekey_without_pfs_sends_no_key_exchange() {
    let no_pfs = |c: &mut crate::config::ChildConfig| {
        c.proposals =
            vec![crate::proposal::Proposal::parse(ProtocolId::ESP, "aes256gcm16").unwrap()];
    };
    let (a, b) = configs(|a| edit_child(a, no_pfs), |b| edit_child(b, no_pfs));
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let child = pair.a.sa().children[0].id;
    pair.a.ep.rekey_child(pair.now, child);
    pair.flush();
    pair.drive();
    assert_eq!(
        pair.a.sa().children[0].proposal.to_string(),
        "ESP:AES_GCM_16_256/NO_EXT_SEQ"
    );
    assert_sas_match(&pair);
}

#[test]
fn the_ike_sa_is_rekeyed_and_its_children_move_to_the_new_one() {
    let mut pair = established();
    let old = pair.a.sa();
    // CREATE_CHILD_SA { SA, Ni, KEi } -->  <-- CREATE_CHILD_SA { SA, Nr, KEr }
    // INFORMATIONAL { D(IKE) } (old SA) -->  <-- INFORMATIONAL { }
    pair.a.ep.rekey_ike(pair.now, old.handle).unwrap();
    pair.flush();
    pair.drive();
    let (new_a, new_b) = (pair.a.sa(), pair.b.sa());
    assert_ne!(new_a.handle, old.handle);
    assert_eq!((new_a.spi_i, new_a.spi_r), (new_b.spi_i, new_b.spi_r));
    assert_ne!(new_a.spi_i, old.spi_i);
    assert_eq!(new_a.state, IkeState::Established);
    // the CHILD_SA moved untouched
    assert_eq!(new_a.children.len(), 1);
    assert_eq!(new_a.children[0].spi_in, old.children[0].spi_in);
    assert_eq!(pair.a.kernel.sas.len(), 2);
    assert_sas_match(&pair);
    assert!(pair.a.take_events().contains(&Event::IkeRekeyed {
        old: old.handle,
        new: new_a.handle
    }));
    assert!(pair.b.take_events().iter().any(|e| matches!(
        e,
        Event::IkeDown {
            reason: DownReason::Rekeyed,
            ..
        }
    )));
    // the new SA works: its CHILD_SA can be rekeyed
    let child = new_a.children[0].id;
    pair.b.ep.rekey_child(pair.now, child);
    pair.a.ep.rekey_child(pair.now, child);
    pair.flush();
    pair.drive();
    assert_sas_match(&pair);
}

#[test]
fn the_ike_sa_is_rekeyed_by_its_lifetime() {
    let mut pair = established();
    let old = pair.a.sa().handle;
    pair.advance(Duration::from_secs(4 * 3600 + 1));
    assert_ne!(pair.a.sa().handle, old);
    assert_eq!(pair.b.ep.sas().count(), 1);
    // child rekeys happened on the way (every <= 1 h) and still match
    assert_sas_match(&pair);
    assert_eq!(pair.a.kernel.sas.len(), 2);
    assert_eq!(pair.a.kernel.spis(Direction::Inbound).len(), 1);
}
