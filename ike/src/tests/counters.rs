//! The event counters of strongSwan's `counters` plugin (`swanctl
//! --counters`), by exchange, direction and role, globally and by name.

use crate::counters::{COUNTERS, NAMES};

use super::{Pair, established};
use crate::wire::iana::ExchangeType;
use crate::wire::{Flags, Message};

/// The non-zero counters of `values` by name.
fn nonzero(values: Option<&[u64; COUNTERS]>) -> Vec<(&'static str, u64)> {
    values
        .map(|v| {
            NAMES
                .iter()
                .zip(v.iter())
                .filter(|(_, n)| **n > 0)
                .map(|(name, n)| (*name, *n))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn messages_and_rekeys_are_counted_per_role_and_connection() {
    let mut pair = established();
    let (a, b) = (pair.a.ep.counters(), pair.b.ep.counters());
    let a_setup = [
        ("ike-init-in-resp", 1),
        ("ike-init-out-req", 1),
        ("ike-auth-in-resp", 1),
        ("ike-auth-out-req", 1),
    ];
    assert_eq!(nonzero(a.get(None)), a_setup);
    assert_eq!(nonzero(a.get(Some("gw"))), a_setup);
    assert_eq!(
        nonzero(b.get(Some("gw"))),
        [
            ("ike-init-in-req", 1),
            ("ike-init-out-resp", 1),
            ("ike-auth-in-req", 1),
            ("ike-auth-out-resp", 1),
        ]
    );
    assert_eq!(a.get(Some("other")), None);

    let child = pair.a.sa().children[0].id;
    // CREATE_CHILD_SA { N(REKEY_SA), SA, Ni, KEi, TSi, TSr } -->  <-- ...
    // INFORMATIONAL { D(ESP) } (old CHILD_SA) -->  <-- INFORMATIONAL { D(ESP) }
    assert!(pair.a.ep.rekey_child(pair.now, child));
    pair.flush();
    pair.drive();
    let handle = pair.b.sa().handle;
    // CREATE_CHILD_SA { SA, Ni, KEi } <--  --> CREATE_CHILD_SA { SA, Nr, KEr }
    // INFORMATIONAL { D(IKE) } (old SA) <--  --> INFORMATIONAL { }
    pair.b.ep.rekey_ike(pair.now, handle).unwrap();
    pair.flush();
    pair.drive();
    let get = |c: &crate::counters::Counters, name: &str| {
        c.get(Some("gw"))
            .map_or(0, |v| v[NAMES.iter().position(|n| *n == name).unwrap()])
    };
    let (a, b) = (pair.a.ep.counters(), pair.b.ep.counters());
    assert_eq!((get(a, "child-rekey"), get(b, "child-rekey")), (1, 1));
    assert_eq!((get(a, "ike-rekey-init"), get(a, "ike-rekey-resp")), (0, 1));
    assert_eq!((get(b, "ike-rekey-init"), get(b, "ike-rekey-resp")), (1, 0));
    assert_eq!(
        (
            get(a, "create-child-out-req"),
            get(a, "create-child-in-req")
        ),
        (1, 1)
    );
    assert_eq!((get(a, "info-out-req"), get(a, "info-in-req")), (1, 1));
    assert_eq!(a.retransmits + b.retransmits, 0);
}

#[test]
fn garbage_and_unknown_spis_count_as_invalid_and_dropped() {
    let mut pair = established();
    let (local, remote) = (pair.a.addr, pair.b.addr);
    let now = pair.now;
    assert!(
        pair.a
            .ep
            .handle_datagram(now, local, remote, b"junk")
            .is_none()
    );
    let stray = Message {
        spi_i: 0xeeee_eeee_eeee_eeee, // an SPI nobody has
        spi_r: 1,
        exchange: ExchangeType::INFORMATIONAL,
        flags: Flags::INITIATOR,
        message_id: 7,
        payloads: Vec::new(),
    }
    .emit()
    .unwrap();
    assert!(
        pair.a
            .ep
            .handle_datagram(now, local, remote, &stray)
            .is_none()
    );
    let c = pair.a.ep.counters();
    let global = c.get(None).unwrap();
    assert_eq!((global[3], global[4]), (1, 1));
    assert_eq!(c.dropped, 2);
}

#[test]
fn a_lost_response_is_a_retransmit() {
    let (a, b) = super::configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.drop_from_a = 1; // the IKE_SA_INIT request is lost
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().state, crate::IkeState::Established);
    assert_eq!(pair.a.ep.counters().retransmits, 1);
}
