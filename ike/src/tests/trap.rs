//! CHILD_SAs for acquires (`start_action = trap`): a caller-chosen reqid
//! and the triggering packet's selectors proposed first (RFC 7296 §2.9).

use core::net::{IpAddr, Ipv4Addr};

use super::{Pair, configs, edit_child, established, subnet};
use crate::ChildInit;
use crate::action::Direction;
use crate::ts::{TsList, TsSpec};
use crate::wire::TrafficSelector;

/// A ping's selector of `host`: ICMP, any type.
fn ping(a: u8, b: u8, c: u8, d: u8) -> TrafficSelector {
    TsSpec::range(
        IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
        IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
    )
    .with_protocol(1, 0, u16::MAX)
    .selector()
    .unwrap()
}

fn acquire(reqid: u32, src: TrafficSelector, dst: TrafficSelector) -> ChildInit {
    ChildInit {
        reqid: Some(reqid),
        packet: Some((src, dst)),
    }
}

/// A initiates `gw` with child `net` as `init` asks, to the end.
fn initiate_acquired(pair: &mut Pair, init: ChildInit) {
    let (from, to) = (pair.a.addr, pair.b.addr);
    pair.a
        .ep
        .initiate_child(pair.now, "gw", "net", init, (from, to))
        .unwrap();
    pair.flush();
    pair.drive();
}

#[test]
fn an_acquired_child_gets_the_traps_reqid_and_the_responder_narrows_as_charon() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    let reqid = pair.a.ep.alloc_reqid();
    let init = acquire(reqid, ping(10, 1, 0, 5), ping(10, 2, 0, 9));
    initiate_acquired(&mut pair, init);
    let child = &pair.a.sa().children[0];
    assert_eq!(child.reqid, reqid);
    assert!(pair.a.kernel.sas.values().all(|s| s.reqid == reqid));
    assert_eq!(pair.a.kernel.policies[&reqid].reqid, reqid);
    // the packet's hosts lie inside the subnets: B keeps the subnets
    for c in [child, &pair.b.sa().children[0]] {
        let both = (
            TsList(&c.local_ts).to_string(),
            TsList(&c.remote_ts).to_string(),
        );
        assert!(
            both == ("10.1.0.0/16".into(), "10.2.0.0/16".into())
                || both == ("10.2.0.0/16".into(), "10.1.0.0/16".into()),
            "{both:?}"
        );
    }
}

/// B allows only hosts of 10.9.9.0/24 and 10.8.8.0/24, which A's
/// configuration does not cover: only packet selectors can make a CHILD_SA
/// possible.
fn narrow_b() -> Pair {
    let (a, b) = configs(
        |_| {},
        |b| {
            edit_child(b, |c| {
                c.local_ts = vec![subnet(9, 9, false)];
                c.remote_ts = vec![subnet(8, 8, false)];
            });
        },
    );
    Pair::new(a, b)
}

#[test]
fn the_packets_selectors_are_proposed_in_tsi_and_tsr() {
    let mut pair = narrow_b();
    let init = acquire(77, ping(10, 8, 8, 1), ping(10, 9, 9, 2));
    initiate_acquired(&mut pair, init);
    let child = &pair.b.sa().children[0];
    assert_eq!(TsList(&child.remote_ts).to_string(), "10.8.8.1/32[icmp]");
    assert_eq!(TsList(&child.local_ts).to_string(), "10.9.9.2/32[icmp]");
    assert_eq!(pair.a.sa().children[0].reqid, 77);
}

#[test]
fn without_the_packet_the_same_configuration_is_refused() {
    let mut pair = narrow_b();
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert!(pair.a.sa().children.is_empty());
}

#[test]
fn create_child_sa_carries_the_reqid_and_packet_too() {
    let mut pair = established();
    let sa = pair.a.sa().handle;
    let init = acquire(42, ping(10, 1, 7, 7), ping(10, 2, 7, 7));
    pair.a
        .ep
        .create_child_with(pair.now, sa, "net", init)
        .unwrap();
    pair.flush();
    pair.drive();
    let children = pair.a.sa().children;
    assert_eq!(children.len(), 2);
    assert_eq!(children[1].reqid, 42);
    let spis = pair.a.kernel.spis(Direction::Inbound);
    assert_eq!(
        spis.iter()
            .filter(|spi| pair.a.kernel.sas[spi].reqid == 42)
            .count(),
        1
    );
}
