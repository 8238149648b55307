//! Lifetimes (bytes, packets, time; soft once, hard once and final),
//! sequence number exhaustion and acquires.

use std::time::{Duration, Instant};

use super::*;
use crate::{Protocol, SaId};

fn child(limits: Limits) -> Child {
    Child {
        limits,
        ..Child::new(GCM256, Mode::Tunnel, V4_IN_V4)
    }
}

fn events(dp: &mut Dataplane) -> Vec<Event> {
    core::iter::from_fn(|| dp.poll_event()).collect()
}

fn expiry(event: &Event) -> (bool, ExpireCause, u32, Direction) {
    match event {
        Event::SoftExpire { sa, cause } => (false, *cause, sa.id.spi, sa.direction),
        Event::HardExpire { sa, cause } => (true, *cause, sa.id.spi, sa.direction),
        Event::Acquire { .. } => panic!("unexpected acquire"),
    }
}

fn a_to_b() -> Vec<u8> {
    udp("10.1.0.1", "10.2.0.1", 72)
}

#[test]
fn a_20_packet_soft_limit_fires_exactly_once_after_20_packets_on_both_ends() {
    let now = Instant::now();
    let (mut a, mut b) = child(Limits {
        soft_packets: 20,
        ..Limits::default()
    })
    .pair(now);
    for n in 1..=19 {
        send(&mut a, &mut b, now, &a_to_b()).unwrap();
        assert!(
            events(&mut a).is_empty() && events(&mut b).is_empty(),
            "after {n}"
        );
    }
    send(&mut a, &mut b, now, &a_to_b()).unwrap();
    let soft = (false, ExpireCause::Packets, 0x1000);
    let at_a: Vec<_> = events(&mut a).iter().map(expiry).collect();
    let at_b: Vec<_> = events(&mut b).iter().map(expiry).collect();
    assert_eq!(at_a, [(soft.0, soft.1, soft.2, Direction::Out)]);
    assert_eq!(at_b, [(soft.0, soft.1, soft.2, Direction::In)]);
    for _ in 0..40 {
        send(&mut a, &mut b, now, &a_to_b()).unwrap();
    }
    assert!(
        events(&mut a).is_empty() && events(&mut b).is_empty(),
        "only once"
    );
}

#[test]
fn a_hard_packet_limit_lets_exactly_that_many_through_then_drops() {
    let now = Instant::now();
    let limits = Limits {
        soft_packets: 3,
        hard_packets: 5,
        ..Limits::default()
    };
    let (mut a, mut b) = child(limits).pair(now);
    for _ in 0..5 {
        send(&mut a, &mut b, now, &a_to_b()).unwrap();
    }
    let at_a: Vec<_> = events(&mut a).iter().map(expiry).collect();
    assert_eq!(
        at_a,
        [
            (false, ExpireCause::Packets, 0x1000, Direction::Out),
            (true, ExpireCause::Packets, 0x1000, Direction::Out),
        ]
    );
    for _ in 0..3 {
        assert_eq!(
            send(&mut a, &mut b, now, &a_to_b()),
            Err(DropReason::SaExpired)
        );
    }
    assert!(events(&mut a).is_empty(), "hard expire is sent once");
    assert_eq!(a.drops().get(DropReason::SaExpired), 3);
}

#[test]
fn byte_limits_count_the_unprotected_packets() {
    let now = Instant::now();
    // each packet is 100 octets: soft after the 3rd, hard after the 5th
    let limits = Limits {
        soft_bytes: 250,
        hard_bytes: 500,
        ..Limits::default()
    };
    let (mut a, mut b) = child(limits).pair(now);
    let mut seen = Vec::new();
    for n in 1..=6 {
        let result = send(&mut a, &mut b, now, &a_to_b());
        assert_eq!(result.is_ok(), n <= 5, "packet {n}");
        seen.extend(events(&mut a).iter().map(|e| (n, expiry(e).0, expiry(e).1)));
    }
    assert_eq!(
        seen,
        [
            (3, false, ExpireCause::Bytes),
            (5, true, ExpireCause::Bytes)
        ]
    );
}

#[test]
fn time_limits_fire_from_tick_and_on_use() {
    let now = Instant::now();
    let (soft, hard) = (Duration::from_secs(10), Duration::from_secs(20));
    let limits = Limits {
        soft_time: Some(soft),
        hard_time: Some(hard),
        ..Limits::default()
    };
    let (mut a, mut b) = child(limits).pair(now);
    assert_eq!(a.next_timeout(), Some(now + soft));
    a.tick(now + soft - Duration::from_millis(1));
    assert!(events(&mut a).is_empty());
    a.tick(now + soft);
    let fired: Vec<_> = events(&mut a).iter().map(expiry).collect();
    assert_eq!(fired.len(), 2, "both SAs of A: {fired:?}");
    assert!(
        fired
            .iter()
            .all(|(hard, cause, ..)| !hard && *cause == ExpireCause::Time)
    );
    assert_eq!(a.next_timeout(), Some(now + hard));
    // B has not ticked: using its outbound SA after the hard time fires it
    assert_eq!(
        send(&mut b, &mut a, now + hard, &udp("10.2.0.1", "10.1.0.1", 1)),
        Err(DropReason::SaExpired)
    );
    let fired: Vec<_> = events(&mut b).iter().map(expiry).collect();
    assert_eq!(fired, [(true, ExpireCause::Time, 0x2000, Direction::Out)]);
    b.tick(now + hard);
    assert_eq!(events(&mut b).len(), 1, "the inbound SA expires on tick");
    assert_eq!(b.next_timeout(), None);
}

#[test]
fn without_esn_the_last_sequence_number_is_2_pow_32_minus_1() {
    let now = Instant::now();
    let (mut a, mut b) = child(Limits::default()).pair(now);
    a.set_sequence(1, u64::from(u32::MAX) - 2);
    for _ in 0..2 {
        send(&mut a, &mut b, now, &a_to_b()).unwrap();
    }
    let fired: Vec<_> = events(&mut a).iter().map(expiry).collect();
    assert_eq!(
        fired,
        [
            (false, ExpireCause::Sequence, 0x1000, Direction::Out),
            (true, ExpireCause::Sequence, 0x1000, Direction::Out),
        ],
        "rekey early, then stop at 2^32 - 1"
    );
    assert_eq!(
        send(&mut a, &mut b, now, &a_to_b()),
        Err(DropReason::SequenceExhausted)
    );
    assert_eq!(a.drops().get(DropReason::SequenceExhausted), 1);
}

#[test]
fn with_esn_sequence_numbers_cross_2_pow_32_and_stop_at_2_pow_64_minus_1() {
    let now = Instant::now();
    let child = Child {
        esn: true,
        ..child(Limits::default())
    };
    let (mut a, mut b) = child.pair(now);
    // a fresh receiver takes 2^32 - 100 as subspace 0 (RFC 4303 A2.2 case B)
    a.set_sequence(1, u64::from(u32::MAX) - 100);
    send(&mut a, &mut b, now, &a_to_b()).unwrap();
    a.set_sequence(1, u64::from(u32::MAX) - 3);
    // then infers the high half across the wrap from its window
    for _ in 0..8 {
        let mut buf = Buf::new(&a_to_b());
        let mut frame = buf.frame();
        a.encapsulate(now, &mut frame).unwrap();
        let mut rx = Buf::new(frame.packet());
        b.decapsulate(now, &mut rx.frame(), ip("192.0.2.1"), ip("192.0.2.2"))
            .unwrap();
    }
    assert!(
        events(&mut a).is_empty(),
        "2^32 is nowhere near the end with ESN"
    );
    let id = SaId {
        spi: 0x1000,
        dst: ip("192.0.2.2"),
        protocol: Protocol::Esp,
    };
    assert_eq!(b.query_sa(&id).unwrap().packets, 9);
    a.set_sequence(1, u64::MAX - 1);
    let mut buf = Buf::new(&a_to_b());
    a.encapsulate(now, &mut buf.frame()).unwrap();
    let fired: Vec<_> = events(&mut a).iter().map(expiry).collect();
    assert_eq!(
        fired.last(),
        Some(&(true, ExpireCause::Sequence, 0x1000, Direction::Out))
    );
    let mut buf = Buf::new(&a_to_b());
    assert_eq!(
        a.encapsulate(now, &mut buf.frame()),
        Err(DropReason::SequenceExhausted)
    );
}

#[test]
fn a_policy_without_sa_acquires_once_per_interval() {
    let now = Instant::now();
    let mut a = Dataplane::new();
    a.add_policy(protect(
        range("10.1.0.0", "10.1.0.255"),
        range("10.2.0.0", "10.2.0.255"),
    ));
    let try_send = |a: &mut Dataplane, at| {
        let mut buf = Buf::new(&a_to_b());
        a.encapsulate(at, &mut buf.frame())
    };
    for _ in 0..3 {
        assert_eq!(try_send(&mut a, now), Err(DropReason::NoSa));
    }
    let acquires = events(&mut a);
    assert_eq!(acquires.len(), 1);
    let Event::Acquire { reqid, flow } = acquires[0] else {
        panic!("{acquires:?}")
    };
    assert_eq!((reqid, flow.dst, flow.protocol), (1, ip("10.2.0.1"), 17));
    assert_eq!(
        try_send(&mut a, now + ACQUIRE_INTERVAL - Duration::from_millis(1)),
        Err(DropReason::NoSa)
    );
    assert!(events(&mut a).is_empty());
    assert_eq!(
        try_send(&mut a, now + ACQUIRE_INTERVAL),
        Err(DropReason::NoSa)
    );
    assert_eq!(events(&mut a).len(), 1, "again after the interval");
}

#[test]
fn flush_removes_every_sa_and_policy() {
    let now = Instant::now();
    let (mut a, _) = child(Limits::default()).pair(now);
    a.flush();
    let mut buf = Buf::new(&a_to_b());
    assert_eq!(
        a.encapsulate(now, &mut buf.frame()),
        Err(DropReason::NoPolicy)
    );
    let id = SaId {
        spi: 0x2000,
        dst: ip("192.0.2.1"),
        protocol: Protocol::Esp,
    };
    assert_eq!(a.query_sa(&id), None);
    assert!(buf.bytes().starts_with(&[0x45]));
}
