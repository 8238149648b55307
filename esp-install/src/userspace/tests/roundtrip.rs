//! Every suite through both modes and every IP version combination.

use std::time::Instant;

use super::*;
use crate::spec::SaId;
use crate::userspace::wire::flow::IpInfo;

fn round_trip_both_ways(child: &Child, sizes: &[usize]) {
    let now = Instant::now();
    let (mut a, mut b) = child.pair(now);
    let t = &child.topology;
    for &size in sizes {
        let there = udp(t.host_a, t.host_b, size);
        let back = udp(t.host_b, t.host_a, size);
        let what = format!(
            "{:?} {:?} esn={} size {size}",
            child.suite, child.mode, child.esn
        );
        let received = send(&mut a, &mut b, now, &there).expect(&what);
        same_packet(&received, &there, child.mode, &what);
        let received = send(&mut b, &mut a, now, &back).expect(&what);
        same_packet(&received, &back, child.mode, &what);
    }
    assert_eq!(a.drops().total() + b.drops().total(), 0);
}

/// Tunnel mode restores the packet; transport mode over UDP rebuilds the
/// header (TTL 64, TOS 0), so compare addresses, protocol and upper layer.
fn same_packet(received: &[u8], sent: &[u8], mode: Mode, what: &str) {
    if mode == Mode::Tunnel {
        assert_eq!(received, sent, "{what}");
        return;
    }
    let (r, s) = (
        IpInfo::parse(received).unwrap(),
        IpInfo::parse(sent).unwrap(),
    );
    assert_eq!(
        (r.src, r.dst, r.protocol),
        (s.src, s.dst, s.protocol),
        "{what}"
    );
    assert_eq!(&received[r.header_len..], &sent[s.header_len..], "{what}");
}

const SIZES: &[usize] = &[0, 1, 2, 3, 13, 100, 1372];

#[test]
fn every_suite_round_trips_in_tunnel_mode_for_every_inner_and_outer_ip_version() {
    for suite in SUITES {
        for topology in [V4_IN_V4, V6_IN_V6, V6_IN_V4, V4_IN_V6] {
            for esn in [false, true] {
                let child = Child {
                    esn,
                    ..Child::new(*suite, Mode::Tunnel, topology)
                };
                round_trip_both_ways(&child, SIZES);
            }
        }
    }
}

#[test]
fn every_suite_round_trips_in_transport_mode_over_ipv4_and_ipv6() {
    for suite in SUITES {
        for topology in [
            transport("192.0.2.1", "192.0.2.2"),
            transport("2001:db8::1", "2001:db8::2"),
        ] {
            for esn in [false, true] {
                let child = Child {
                    esn,
                    ..Child::new(*suite, Mode::Transport, topology)
                };
                round_trip_both_ways(&child, SIZES);
            }
        }
    }
}

/// Puts a UDP header (port 4500) between the IP header and ESP of a
/// transport-mode packet, as the wire carries ESP-in-UDP (RFC 3948 §2.1).
fn with_udp_header(packet: &[u8], esp_offset: usize) -> Vec<u8> {
    let esp_len = packet.len() - esp_offset;
    let mut udp_header = vec![0x11, 0x94, 0x11, 0x94, 0, 0, 0, 0];
    udp_header[4..6].copy_from_slice(&u16::try_from(8 + esp_len).unwrap().to_be_bytes());
    let info = IpInfo::parse(packet).unwrap();
    let mut out = packet[..esp_offset].to_vec();
    out.extend_from_slice(&udp_header);
    out.extend_from_slice(&packet[esp_offset..]);
    out[info.next_header_offset] = 17;
    let len = out.len();
    if info.version == 4 {
        let mut ip = wire::ipv4::Ipv4Packet::new_unchecked(&mut out[..]);
        ip.set_total_len(u16::try_from(len).unwrap());
        ip.fill_checksum();
    } else {
        let mut ip = wire::ipv6::Ipv6Packet::new_unchecked(&mut out[..]);
        ip.set_payload_len(u16::try_from(len - 40).unwrap());
    }
    out
}

#[test]
fn transport_mode_with_the_ip_header_restores_the_original_packet_exactly() {
    let now = Instant::now();
    for (a_addr, b_addr) in [("192.0.2.1", "192.0.2.2"), ("2001:db8::1", "2001:db8::2")] {
        for encap in [false, true] {
            let child = Child {
                encap,
                ..Child::new(GCM256, Mode::Transport, transport(a_addr, b_addr))
            };
            let (mut a, mut b) = child.pair(now);
            let original = udp(a_addr, b_addr, 200);
            let mut buf = Buf::new(&original);
            let mut frame = buf.frame();
            let out = a.encapsulate(now, &mut frame).unwrap();
            let info = IpInfo::parse(frame.packet()).unwrap();
            assert_eq!(info.protocol, 50, "the header names ESP");
            assert_eq!(out.esp_offset, info.header_len);
            assert_eq!(info.total_len, frame.len(), "and counts it");
            let wire = if encap {
                with_udp_header(frame.packet(), out.esp_offset)
            } else {
                frame.packet().to_vec()
            };
            let mut rx = Buf::new(&wire);
            let mut frame = rx.frame();
            b.decapsulate_ip(now, &mut frame).unwrap();
            assert_eq!(frame.packet(), &original[..], "{a_addr} encap={encap}");
        }
    }
}

#[test]
fn tunnel_mode_accepts_raw_esp_with_its_outer_ip_header() {
    let now = Instant::now();
    let child = Child::new(GCM256, Mode::Tunnel, V6_IN_V4);
    let (mut a, mut b) = child.pair(now);
    let inner = udp(V6_IN_V4.host_a, V6_IN_V4.host_b, 64);
    let mut buf = Buf::new(&inner);
    let mut frame = buf.frame();
    a.encapsulate(now, &mut frame).unwrap();
    let raw = packet("192.0.2.1", "192.0.2.2", 50, frame.packet());
    let mut rx = Buf::new(&raw);
    let mut frame = rx.frame();
    let inbound = b.decapsulate_ip(now, &mut frame).unwrap();
    assert_eq!(inbound.version, 6);
    assert_eq!(frame.packet(), &inner[..]);
}

#[test]
fn outbound_names_endpoints_encapsulation_offset_and_inner_tos() {
    let now = Instant::now();
    let (mut a, _) = Child::new(GCM256, Mode::Tunnel, V4_IN_V4).pair(now);
    let mut buf = Buf::new(&udp("10.1.0.1", "10.2.0.1", 10));
    let out = a.encapsulate(now, &mut buf.frame()).unwrap();
    assert_eq!(out.src, "192.0.2.1:4500".parse().unwrap());
    assert_eq!(out.dst, "192.0.2.2:4500".parse().unwrap());
    assert!(out.encap);
    assert_eq!(out.esp_offset, 0);
    assert_eq!(out.tos, 0x28);
    assert_eq!(out.sa.id.spi, 0x1000);
}

#[test]
fn sequence_numbers_count_up_from_one() {
    let now = Instant::now();
    let (mut a, _) = Child::new(GCM256, Mode::Tunnel, V4_IN_V4).pair(now);
    for expected in 1..=3u32 {
        let mut buf = Buf::new(&udp("10.1.0.1", "10.2.0.1", 10));
        let mut frame = buf.frame();
        a.encapsulate(now, &mut frame).unwrap();
        assert_eq!(frame.packet()[4..8], expected.to_be_bytes());
        assert_eq!(
            frame.packet()[8..16],
            u64::from(expected).to_be_bytes(),
            "IV = seq"
        );
    }
}

#[test]
fn the_newest_outbound_sa_of_a_reqid_is_used_until_it_is_deleted() {
    let now = Instant::now();
    let child = Child::new(GCM256, Mode::Tunnel, V4_IN_V4);
    let (mut a, mut b) = child.pair(now);
    a.add_sa(now, child.config(0x3000, true, Direction::Out))
        .unwrap();
    b.add_sa(now, child.config(0x3000, true, Direction::In))
        .unwrap();
    let spi_of = |a: &mut Dataplane| {
        let mut buf = Buf::new(&udp("10.1.0.1", "10.2.0.1", 10));
        a.encapsulate(now, &mut buf.frame()).unwrap().sa.id.spi
    };
    assert_eq!(spi_of(&mut a), 0x3000, "make-before-break: the new SA");
    let id = |spi| SaId {
        spi,
        dst: ip("192.0.2.2"),
        protocol: crate::spec::Protocol::Esp,
    };
    assert!(a.del_sa(&id(0x3000)));
    assert!(!a.del_sa(&id(0x3000)));
    assert_eq!(spi_of(&mut a), 0x1000, "back to the older one");
    assert!(a.del_sa(&id(0x1000)));
    let mut buf = Buf::new(&udp("10.1.0.1", "10.2.0.1", 10));
    assert_eq!(a.encapsulate(now, &mut buf.frame()), Err(DropReason::NoSa));
}

#[test]
fn duplicate_sas_are_refused() {
    let now = Instant::now();
    let child = Child::new(GCM256, Mode::Tunnel, V4_IN_V4);
    let (mut a, _) = child.pair(now);
    let again = a.add_sa(now, child.config(0x1000, true, Direction::Out));
    assert_eq!(again, Err(SaError::Exists));
    let again = a.add_sa(now, child.config(0x2000, false, Direction::In));
    assert_eq!(again, Err(SaError::Exists));
    let reserved = a.add_sa(now, child.config(255, false, Direction::In));
    assert_eq!(reserved, Err(SaError::ReservedSpi(255)));
}

#[test]
fn query_sa_counts_bytes_packets_and_last_use_on_both_ends() {
    let now = Instant::now();
    let (mut a, mut b) = Child::new(GCM256, Mode::Tunnel, V4_IN_V4).pair(now);
    let packet = udp("10.1.0.1", "10.2.0.1", 72);
    for _ in 0..3 {
        send(&mut a, &mut b, now, &packet).unwrap();
    }
    let id = SaId {
        spi: 0x1000,
        dst: ip("192.0.2.2"),
        protocol: crate::spec::Protocol::Esp,
    };
    for end in [&a, &b] {
        let stats = end.query_sa(&id).unwrap();
        assert_eq!((stats.packets, stats.bytes), (3, 3 * 100));
        assert_eq!(stats.last_used, Some(now));
    }
}

#[test]
fn transport_mode_behind_a_nat_recomputes_the_udp_checksum_for_the_new_source() {
    let now = Instant::now();
    let child = Child::new(GCM256, Mode::Transport, transport("192.0.2.1", "192.0.2.2"));
    let (mut a, _) = child.pair(now);
    let mut b = Dataplane::new();
    let mut config = child.config(0x1000, true, Direction::In);
    config.remote_ts = vec![range("0.0.0.0", "255.255.255.255")];
    b.add_sa(now, config).unwrap();
    let mut buf = Buf::new(&udp("192.0.2.1", "192.0.2.2", 33));
    let mut frame = buf.frame();
    let out = a.encapsulate(now, &mut frame).unwrap();
    let mut rx = Buf::new(&frame.packet()[out.esp_offset..]);
    let mut frame = rx.frame();
    // the NAT rewrote 192.0.2.1 to 198.51.100.7
    b.decapsulate(now, &mut frame, ip("198.51.100.7"), ip("192.0.2.2"))
        .unwrap();
    let received = frame.packet().to_vec();
    let mut fixed = received.clone();
    let info = IpInfo::parse(&fixed).unwrap();
    assert_eq!(info.src, ip("198.51.100.7"));
    mode::fix_l4_checksum(&mut fixed, &info);
    assert_eq!(received, fixed, "the checksum already fits the new source");
}

#[test]
fn batches_protect_and_recover_every_frame_in_order() {
    let now = Instant::now();
    let (mut a, mut b) = Child::new(GCM256, Mode::Tunnel, V4_IN_V4).pair(now);
    let packets: Vec<Vec<u8>> = (0..64)
        .map(|i| udp("10.1.0.1", "10.2.0.1", i * 7))
        .collect();
    let mut bufs: Vec<Buf> = packets.iter().map(|p| Buf::new(p)).collect();
    let mut frames: Vec<Frame<'_>> = bufs.iter_mut().map(Buf::frame).collect();
    let mut results = vec![Err(DropReason::NoSa); 64];
    a.encapsulate_batch(now, &mut frames, &mut results);
    let mut received: Vec<(Frame<'_>, IpAddr, IpAddr)> = frames
        .into_iter()
        .map(|f| (f, ip("192.0.2.1"), ip("192.0.2.2")))
        .collect();
    assert!(results.iter().all(Result::is_ok));
    let mut results = vec![Err(DropReason::NoSa); 64];
    b.decapsulate_batch(now, &mut received, &mut results);
    assert!(results.iter().all(Result::is_ok));
    for ((frame, _, _), sent) in received.iter().zip(&packets) {
        assert_eq!(frame.packet(), &sent[..]);
    }
}
