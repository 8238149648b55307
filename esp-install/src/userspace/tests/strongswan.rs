//! Known answers from real strongSwan 5.9.8 (libipsec) traffic: the ESP
//! frames of conformance/fixtures/keylog/*/exchange.pcap (three pings
//! 10.1.0.1 -> 10.2.0.1 through an ESP-in-UDP tunnel) decrypt with the
//! CHILD_SA keys charon logged, and sealing the recovered packets with the
//! captured sequence numbers and IVs reproduces the captured octets.

use std::time::Instant;

use super::*;
use crate::userspace::wire::flow::IpInfo;

macro_rules! fixture {
    ($dir:literal) => {
        (
            $dir,
            include_str!(concat!(
                "../../../../conformance/fixtures/keylog/",
                $dir,
                "/keys.txt"
            )),
            include_bytes!(concat!(
                "../../../../conformance/fixtures/keylog/",
                $dir,
                "/exchange.pcap"
            )),
        )
    };
}

const FIXTURES: &[(&str, &str, &[u8])] = &[
    fixture!("aes128-sha256-x25519"),
    fixture!("aes128-sha384-modp4096"),
    fixture!("aes128gcm12-prfsha512-ecp521"),
    fixture!("aes192gcm8-prfsha256-ecp256"),
    fixture!("aes256-sha1-modp2048"),
    fixture!("aes256-sha512-modp3072"),
    fixture!("aes256gcm16-prfsha384-ecp384"),
    fixture!("chacha20poly1305-prfsha256-x25519"),
];

fn value<'a>(keys: &'a str, name: &str) -> &'a str {
    keys.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            l.split_once(" = ")
                .filter(|(n, _)| *n == name)
                .map(|(_, v)| v)
        })
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn spi(keys: &str, name: &str) -> u32 {
    u32::from_str_radix(value(keys, name), 16).unwrap()
}

/// Transform IDs of charon's ESP proposal notation.
fn algorithms(proposal: &str) -> (u16, Option<u16>) {
    let mut parts = proposal.split('/');
    let cipher = parts.next().unwrap();
    let encr = match cipher {
        c if c.starts_with("AES_GCM_16") => encr::AES_GCM_16,
        c if c.starts_with("AES_GCM_12") => encr::AES_GCM_12,
        c if c.starts_with("AES_GCM_8") => encr::AES_GCM_8,
        c if c.starts_with("AES_CBC") => encr::AES_CBC,
        "CHACHA20_POLY1305" => encr::CHACHA20_POLY1305,
        other => panic!("{other}"),
    };
    let integ = match parts.next() {
        Some("HMAC_SHA1_96") => Some(integ::HMAC_SHA1_96),
        Some("HMAC_SHA2_256_128") => Some(integ::HMAC_SHA2_256_128),
        Some("HMAC_SHA2_384_192") => Some(integ::HMAC_SHA2_384_192),
        Some("HMAC_SHA2_512_256") => Some(integ::HMAC_SHA2_512_256),
        _ => None,
    };
    (encr, integ)
}

/// One captured ESP-in-UDP frame.
struct Captured {
    src: IpAddr,
    dst: IpAddr,
    esp: Vec<u8>,
}

/// The UDP 4500 payloads that are ESP (no non-ESP marker) of an Ethernet
/// libpcap file.
fn esp_frames(pcap: &[u8]) -> Vec<Captured> {
    assert_eq!(pcap[..4], [0xd4, 0xc3, 0xb2, 0xa1], "little-endian libpcap");
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        let ip = &pcap[at + 16 + 14..at + 16 + len];
        at += 16 + len;
        let info = IpInfo::parse(ip).unwrap();
        let udp = &ip[info.header_len..info.total_len];
        if info.protocol == 17 && udp[2..4] == [0x11, 0x94] && udp[8..12] != [0, 0, 0, 0] {
            frames.push(Captured {
                src: info.src,
                dst: info.dst,
                esp: udp[8..].to_vec(),
            });
        }
    }
    frames
}

/// An SA of the captured CHILD_SA: `a_to_b` uses the responder's SPI and
/// the initiator's keys (keylog README).
fn config(keys: &str, a_to_b: bool, direction: Direction) -> SaConfig {
    let (encr_alg, integ_alg) = algorithms(value(keys, "esp_proposal"));
    let (spi_name, e, a) = if a_to_b {
        ("child_spi_r", "child_ei", "child_ai")
    } else {
        ("child_spi_i", "child_er", "child_ar")
    };
    let topology = V4_IN_V4;
    let child = Child::new(GCM256, Mode::Tunnel, topology);
    let mut config = child.config(spi(keys, spi_name), a_to_b, direction);
    config.encr_alg = encr_alg;
    config.encr_key = Key::new(hex(value(keys, e)));
    config.integ_alg = integ_alg;
    config.integ_key = Key::new(integ_alg.map(|_| hex(value(keys, a))).unwrap_or_default());
    config.replay_window = 32;
    config
}

fn is_a(addr: IpAddr) -> bool {
    addr == ip("192.0.2.1")
}

#[test]
fn every_captured_strongswan_esp_frame_decrypts_to_the_ping_it_carried() {
    let now = Instant::now();
    for (name, keys, pcap) in FIXTURES {
        let mut at_b = Dataplane::new();
        let mut at_a = Dataplane::new();
        at_b.add_sa(now, config(keys, true, Direction::In)).unwrap();
        at_a.add_sa(now, config(keys, false, Direction::In))
            .unwrap();
        let frames = esp_frames(pcap);
        assert_eq!(frames.len(), 6, "{name}: three pings and replies");
        for (i, captured) in frames.iter().enumerate() {
            let receiver = if is_a(captured.src) {
                &mut at_b
            } else {
                &mut at_a
            };
            let mut buf = Buf::new(&captured.esp);
            let mut frame = buf.frame();
            let inbound = receiver.decapsulate(now, &mut frame, captured.src, captured.dst);
            assert!(inbound.is_ok(), "{name} frame {i}: {inbound:?}");
            let inner = frame.packet();
            let info = IpInfo::parse(inner).unwrap();
            let request = is_a(captured.src);
            let (src, dst) = if request {
                ("10.1.0.1", "10.2.0.1")
            } else {
                ("10.2.0.1", "10.1.0.1")
            };
            assert_eq!(
                (info.src, info.dst, info.protocol),
                (ip(src), ip(dst), 1),
                "{name} {i}"
            );
            assert_eq!(info.total_len, 84, "{name} {i}: ping -s 56");
            let icmp = &inner[info.header_len..];
            assert_eq!(
                icmp[0],
                if request { 8 } else { 0 },
                "{name} {i}: echo type"
            );
            assert_eq!(
                u16::from_be_bytes([icmp[6], icmp[7]]),
                i as u16 / 2 + 1,
                "{name} {i}: ping seq"
            );
            assert!(
                wire::ipv4::Ipv4Packet::new_checked(inner)
                    .unwrap()
                    .verify_checksum()
            );
        }
        assert_eq!(at_a.drops().total() + at_b.drops().total(), 0, "{name}");
    }
}

#[test]
fn sealing_the_recovered_pings_reproduces_strongswans_esp_octets() {
    let now = Instant::now();
    for (name, keys, pcap) in FIXTURES {
        for (i, captured) in esp_frames(pcap).iter().enumerate() {
            let a_to_b = is_a(captured.src);
            let mut rx = Dataplane::new();
            rx.add_sa(now, config(keys, a_to_b, Direction::In)).unwrap();
            let mut buf = Buf::new(&captured.esp);
            let mut frame = buf.frame();
            rx.decapsulate(now, &mut frame, captured.src, captured.dst)
                .unwrap();
            let inner = frame.packet().to_vec();

            let mut tx = Dataplane::new();
            let out = config(keys, a_to_b, Direction::Out);
            let (local, remote) = (out.local_ts[0], out.remote_ts[0]);
            let iv_len = if out.encr_alg == encr::AES_CBC { 16 } else { 8 };
            tx.add_sa(now, out).unwrap();
            tx.add_policy(protect(local, remote));
            let seq = u32::from_be_bytes(captured.esp[4..8].try_into().unwrap());
            tx.set_sequence(1, u64::from(seq) - 1);
            let iv = &captured.esp[8..8 + iv_len];
            let mut buf = Buf::new(&inner);
            let mut frame = buf.frame();
            tx.encapsulate_with_iv(now, &mut frame, Some(iv)).unwrap();
            assert_eq!(frame.packet(), &captured.esp[..], "{name} frame {i}");
        }
    }
}
