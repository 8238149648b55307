//! Hostile input: mutated IKE_SA_INIT messages and arbitrary datagrams
//! never panic an endpoint, and never make it install anything.

use proptest::prelude::*;

use super::{Pair, configs};
use crate::action::Action;
use crate::time::Instant;

/// The first datagram A sends (its IKE_SA_INIT request) and B's answer.
fn init_messages() -> (Vec<u8>, Vec<u8>) {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    let now = Instant::ZERO;
    pair.a
        .ep
        .initiate(now, "gw", Some("net"), pair.a.addr, pair.b.addr)
        .unwrap();
    let Some(Action::Transmit(request)) = pair.a.ep.poll_action() else {
        panic!("no IKE_SA_INIT request");
    };
    let incoming = pair
        .b
        .ep
        .handle_datagram(now, pair.b.addr, pair.a.addr, &request.data)
        .unwrap();
    pair.b.ep.admit(now, incoming).unwrap();
    let Some(Action::Transmit(response)) = pair.b.ep.poll_action() else {
        panic!("no IKE_SA_INIT response");
    };
    (request.data, response.data)
}

/// `data` with the octets at `flips` XORed.
fn mutate(mut data: Vec<u8>, flips: &[(usize, u8)]) -> Vec<u8> {
    let len = data.len().max(1);
    for &(at, mask) in flips {
        if let Some(byte) = data.get_mut(at % len) {
            *byte ^= mask.max(1);
        }
    }
    data
}

/// Everything an endpoint did is transmits and events, nothing installed.
fn nothing_installed(pair: &mut Pair, to_a: bool) {
    let node = if to_a { &mut pair.a } else { &mut pair.b };
    while let Some(action) = node.ep.poll_action() {
        assert!(
            matches!(action, Action::Transmit(_) | Action::Event(_)),
            "{action:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_ike_sa_init_messages_are_handled_without_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        truncate in proptest::option::of(any::<usize>()),
    ) {
        let (request, response) = init_messages();
        let (a, b) = configs(|_| {}, |_| {});
        let mut pair = Pair::new(a, b);
        let now = Instant::ZERO;
        let mut bad_request = mutate(request, &flips);
        if let Some(len) = truncate {
            bad_request.truncate(len % (bad_request.len() + 1));
        }
        if let Some(incoming) = pair.b.ep.handle_datagram(now, pair.b.addr, pair.a.addr, &bad_request) {
            let _ = pair.b.ep.admit(now, incoming);
        }
        nothing_installed(&mut pair, false);
        // and a mutated answer to A's own request
        pair.a.ep.initiate(now, "gw", Some("net"), pair.a.addr, pair.b.addr).unwrap();
        nothing_installed(&mut pair, true);
        let bad_response = mutate(response, &flips);
        let _ = pair.a.ep.handle_datagram(now, pair.a.addr, pair.b.addr, &bad_response);
        nothing_installed(&mut pair, true);
        pair.a.ep.handle_timeout(Instant::from_duration(core::time::Duration::from_secs(200)));
        nothing_installed(&mut pair, true);
    }

    #[test]
    fn arbitrary_datagrams_are_dropped_without_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (a, b) = configs(|_| {}, |_| {});
        let mut pair = Pair::new(a, b);
        pair.initiate("gw", Some("net"));
        pair.drive();
        let now = pair.now;
        for node in [&mut pair.a, &mut pair.b] {
            let (local, remote) = (node.addr, core::net::SocketAddr::new(super::B, 500));
            if let Some(incoming) = node.ep.handle_datagram(now, local, remote, &data) {
                let _ = node.ep.admit(now, incoming);
            }
        }
        nothing_installed(&mut pair, true);
        nothing_installed(&mut pair, false);
    }
}
