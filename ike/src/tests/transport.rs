//! NAT traversal (RFC 7296 §2.23, RFC 3948) and IKE fragmentation
//! (RFC 7383) between two endpoints.

use core::net::{IpAddr, Ipv4Addr};

use super::{Pair, assert_sas_match, configs};
use crate::IkeState;
use crate::config::Fragmentation;
use crate::settings::Settings;

#[test]
fn forced_encapsulation_moves_ike_to_4500_and_encapsulates_esp() {
    let (a, b) = configs(|a| a.encap = true, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let (sa_a, sa_b) = (pair.a.sa(), pair.b.sa());
    assert_eq!((sa_a.local.port(), sa_a.remote.port()), (4500, 4500));
    assert_eq!((sa_b.local.port(), sa_b.remote.port()), (4500, 4500));
    // B sees a NAT in front of A (the faked NAT-D source hash)
    assert!(sa_b.nat.remote_behind && sa_b.nat.encap && sa_a.nat.encap);
    assert!(
        pair.a
            .kernel
            .sas
            .values()
            .chain(pair.b.kernel.sas.values())
            .all(|s| s.encap)
    );
    assert_sas_match(&pair);
}

#[test]
fn a_nat_in_front_of_the_initiator_is_detected_by_both() {
    let (a, b) = configs(|_| {}, |b| b.remote_addrs.clear());
    let mut pair = Pair::new(a, b);
    pair.nat_a = Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
    pair.initiate("gw", Some("net"));
    pair.drive();
    let (sa_a, sa_b) = (pair.a.sa(), pair.b.sa());
    assert_eq!(sa_a.state, IkeState::Established);
    assert!(sa_a.nat.local_behind && !sa_a.nat.remote_behind);
    assert!(sa_b.nat.remote_behind && !sa_b.nat.local_behind);
    // B answers the NAT's mapping of A's port 4500
    assert_eq!(sa_b.remote.to_string(), "203.0.113.7:5500");
    assert_eq!(sa_a.local.port(), 4500);
    assert_sas_match(&pair);
}

#[test]
fn without_a_nat_nothing_is_encapsulated() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().local.port(), 500);
    assert!(!pair.a.sa().nat.encap && !pair.b.sa().nat.encap);
    assert!(pair.a.kernel.sas.values().all(|s| !s.encap));
}

fn small_fragments() -> (Settings, Settings) {
    let settings = || Settings {
        fragment_size: 200,
        ..Settings::default()
    };
    (settings(), settings())
}

#[test]
fn large_messages_are_fragmented_and_reassembled() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::with_settings(a, b, small_fragments(), (1, 2));
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
    assert_sas_match(&pair);
    // IKE_AUTH left A as datagrams of at most 172 octets (200 less the IP
    // and UDP headers)
    let auth: Vec<_> = pair
        .a
        .kernel
        .log
        .iter()
        .filter(|l| *l == "transmit IKE_AUTH request 1")
        .collect();
    assert!(auth.len() >= 2, "{auth:?}");
    assert!(pair.a.sizes.iter().all(|&n| n <= 172), "{:?}", pair.a.sizes);
}

#[test]
fn fragments_lost_on_the_way_are_retransmitted_whole() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::with_settings(a, b, small_fragments(), (1, 2));
    pair.initiate("gw", Some("net"));
    pair.advance(core::time::Duration::from_millis(15)); // IKE_SA_INIT done
    pair.drop_from_a = 1; // the first IKE_AUTH fragment is lost
    pair.drive();
    assert_eq!(pair.b.sa().state, IkeState::Established);
    assert_sas_match(&pair);
}

#[test]
fn fragmentation_is_not_used_unless_both_announce_it() {
    let (a, b) = configs(|_| {}, |b| b.fragmentation = Fragmentation::No);
    let mut pair = Pair::with_settings(a, b, small_fragments(), (1, 2));
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
    let auth = pair
        .a
        .kernel
        .log
        .iter()
        .filter(|l| *l == "transmit IKE_AUTH request 1")
        .count();
    assert_eq!(auth, 1);
}
