//! Data path tests: two [`Dataplane`]s with mirrored SAs and policies,
//! packets built from templates.

mod alloc;
mod lifetime;
mod malformed;
mod roundtrip;
mod strongswan;
mod vectors;

use core::net::{IpAddr, SocketAddr};
use std::time::Instant;

use super::wire::ipv4::Ipv4Repr;
use super::wire::ipv6::Ipv6Repr;
use super::*;
use crate::{Direction, Key, Mode, Selector};

/// One ESP proposal: transform IDs and key lengths.
#[derive(Clone, Copy, Debug)]
pub(super) struct Suite {
    pub(super) encr: u16,
    pub(super) encr_len: usize,
    pub(super) integ: Option<u16>,
    pub(super) integ_len: usize,
}

const fn aead(encr: u16, encr_len: usize) -> Suite {
    Suite {
        encr,
        encr_len,
        integ: None,
        integ_len: 0,
    }
}

const fn cbc(encr_len: usize, integ: u16, integ_len: usize) -> Suite {
    Suite {
        encr: encr::AES_CBC,
        encr_len,
        integ: Some(integ),
        integ_len,
    }
}

pub(super) const SUITES: &[Suite] = &[
    aead(encr::AES_GCM_16, 20),
    aead(encr::AES_GCM_16, 28),
    aead(encr::AES_GCM_16, 36),
    aead(encr::AES_GCM_12, 28),
    aead(encr::AES_GCM_8, 20),
    aead(encr::CHACHA20_POLY1305, 36),
    cbc(16, integ::HMAC_SHA1_96, 20),
    cbc(16, integ::HMAC_SHA2_256_128, 32),
    cbc(24, integ::HMAC_SHA2_384_192, 48),
    cbc(32, integ::HMAC_SHA2_512_256, 64),
    Suite {
        encr: encr::NULL,
        encr_len: 0,
        integ: Some(integ::HMAC_SHA2_256_128),
        integ_len: 32,
    },
];

pub(super) const GCM256: Suite = aead(encr::AES_GCM_16, 36);

pub(super) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A selector for `from..=to`, any protocol and port.
pub(super) fn range(from: &str, to: &str) -> Selector {
    Selector {
        from: ip(from),
        to: ip(to),
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
    }
}

/// Addresses of one test topology: outer endpoints and inner networks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Topology {
    pub(super) outer_a: &'static str,
    pub(super) outer_b: &'static str,
    pub(super) net_a: (&'static str, &'static str),
    pub(super) net_b: (&'static str, &'static str),
    pub(super) host_a: &'static str,
    pub(super) host_b: &'static str,
}

pub(super) const V4_IN_V4: Topology = Topology {
    outer_a: "192.0.2.1",
    outer_b: "192.0.2.2",
    net_a: ("10.1.0.0", "10.1.0.255"),
    net_b: ("10.2.0.0", "10.2.0.255"),
    host_a: "10.1.0.1",
    host_b: "10.2.0.1",
};

pub(super) const V6_IN_V6: Topology = Topology {
    outer_a: "2001:db8::1",
    outer_b: "2001:db8::2",
    net_a: ("fd00:a::", "fd00:a::ffff"),
    net_b: ("fd00:b::", "fd00:b::ffff"),
    host_a: "fd00:a::1",
    host_b: "fd00:b::1",
};

pub(super) const V6_IN_V4: Topology = Topology {
    outer_a: "192.0.2.1",
    outer_b: "192.0.2.2",
    ..V6_IN_V6
};

pub(super) const V4_IN_V6: Topology = Topology {
    outer_a: "2001:db8::1",
    outer_b: "2001:db8::2",
    ..V4_IN_V4
};

/// Transport mode: the hosts are the outer endpoints.
pub(super) const fn transport(outer_a: &'static str, outer_b: &'static str) -> Topology {
    Topology {
        outer_a,
        outer_b,
        net_a: (outer_a, outer_a),
        net_b: (outer_b, outer_b),
        host_a: outer_a,
        host_b: outer_b,
    }
}

/// How to build both directions of a CHILD_SA.
#[derive(Clone, Debug)]
pub(super) struct Child {
    pub(super) suite: Suite,
    pub(super) mode: Mode,
    pub(super) topology: Topology,
    pub(super) esn: bool,
    pub(super) encap: bool,
    pub(super) replay_window: u32,
    pub(super) limits: Limits,
}

impl Child {
    pub(super) fn new(suite: Suite, mode: Mode, topology: Topology) -> Self {
        Self {
            suite,
            mode,
            topology,
            esn: false,
            encap: true,
            replay_window: 64,
            limits: Limits::default(),
        }
    }

    /// The SA carrying `from -> to` with `spi`, as `direction` at one end.
    pub(super) fn config(&self, spi: u32, a_to_b: bool, direction: Direction) -> SaConfig {
        let t = &self.topology;
        let (src, dst) = if a_to_b {
            (t.outer_a, t.outer_b)
        } else {
            (t.outer_b, t.outer_a)
        };
        let (src_net, dst_net) = if a_to_b {
            (t.net_a, t.net_b)
        } else {
            (t.net_b, t.net_a)
        };
        let (local, remote) = match direction {
            Direction::Out => (src_net, dst_net),
            Direction::In => (dst_net, src_net),
        };
        let seed = if a_to_b { 0x11 } else { 0x77 };
        SaConfig {
            spi,
            direction,
            src: SocketAddr::new(ip(src), 4500),
            dst: SocketAddr::new(ip(dst), 4500),
            reqid: 1,
            mode: self.mode,
            encap: self.encap,
            encr_alg: self.suite.encr,
            encr_key: Key::new(bytes(self.suite.encr_len, seed)),
            integ_alg: self.suite.integ,
            integ_key: Key::new(bytes(self.suite.integ_len, seed + 1)),
            esn: self.esn,
            replay_window: self.replay_window,
            limits: self.limits,
            local_ts: vec![range(local.0, local.1)],
            remote_ts: vec![range(remote.0, remote.1)],
        }
    }

    /// Ends A and B: A's outbound SA 0x1000 is B's inbound, B's outbound
    /// 0x2000 A's inbound; each end protects towards the other's network.
    pub(super) fn pair(&self, now: Instant) -> (Dataplane, Dataplane) {
        let t = &self.topology;
        let mut a = Dataplane::new();
        let mut b = Dataplane::new();
        a.add_sa(now, self.config(0x1000, true, Direction::Out))
            .unwrap();
        b.add_sa(now, self.config(0x1000, true, Direction::In))
            .unwrap();
        b.add_sa(now, self.config(0x2000, false, Direction::Out))
            .unwrap();
        a.add_sa(now, self.config(0x2000, false, Direction::In))
            .unwrap();
        a.add_policy(protect(
            range(t.net_a.0, t.net_a.1),
            range(t.net_b.0, t.net_b.1),
        ));
        b.add_policy(protect(
            range(t.net_b.0, t.net_b.1),
            range(t.net_a.0, t.net_a.1),
        ));
        (a, b)
    }
}

pub(super) fn protect(src: Selector, dst: Selector) -> Policy {
    Policy {
        src,
        dst,
        action: PolicyAction::Protect { reqid: 1 },
        priority: spd::default_priority(&src, &dst),
    }
}

pub(super) fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add((i as u8).wrapping_mul(31)))
        .collect()
}

/// An IP packet `src -> dst` of protocol `protocol` with `upper` after
/// the header.
pub(super) fn packet(src: &str, dst: &str, protocol: u8, upper: &[u8]) -> Vec<u8> {
    let payload_len = u16::try_from(upper.len()).unwrap();
    let mut bytes = match (ip(src), ip(dst)) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let mut header = vec![0; 20];
            let repr = Ipv4Repr {
                src,
                dst,
                protocol,
                payload_len,
                ttl: 64,
                tos: 0x28,
            };
            repr.emit(&mut header).unwrap();
            header
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let mut header = vec![0; 40];
            let repr = Ipv6Repr {
                src,
                dst,
                next_header: protocol,
                payload_len,
                hop_limit: 64,
                traffic_class: 0x28,
            };
            repr.emit(&mut header).unwrap();
            header
        }
        _ => panic!("mixed families"),
    };
    bytes.extend_from_slice(upper);
    bytes
}

/// A UDP datagram `src:40000 -> dst:53` with `len` payload octets and a
/// correct checksum.
pub(super) fn udp(src: &str, dst: &str, len: usize) -> Vec<u8> {
    let mut upper = vec![0x9c, 0x40, 0x00, 0x35, 0, 0, 0, 0];
    let total = u16::try_from(8 + len).unwrap();
    upper[4..6].copy_from_slice(&total.to_be_bytes());
    upper.extend(bytes(len, 0x42));
    let mut packet = packet(src, dst, 17, &upper);
    let info = wire::flow::IpInfo::parse(&packet).unwrap();
    mode::fix_l4_checksum(&mut packet, &info);
    packet
}

/// A buffer with [`HEADROOM`] and [`TAILROOM`] around `packet`.
pub(super) struct Buf(pub(super) Vec<u8>, pub(super) core::ops::Range<usize>);

impl Buf {
    pub(super) fn new(packet: &[u8]) -> Self {
        let mut buf = vec![0; HEADROOM + packet.len() + TAILROOM];
        buf[HEADROOM..HEADROOM + packet.len()].copy_from_slice(packet);
        Self(buf, HEADROOM..HEADROOM + packet.len())
    }

    pub(super) fn frame(&mut self) -> Frame<'_> {
        Frame::new(&mut self.0, self.1.clone()).unwrap()
    }

    pub(super) fn bytes(&self) -> &[u8] {
        &self.0[self.1.clone()]
    }
}

/// Sends `packet` from A through `a` and receives it at `b` over UDP.
pub(super) fn send(
    a: &mut Dataplane,
    b: &mut Dataplane,
    now: Instant,
    packet: &[u8],
) -> Result<Vec<u8>, DropReason> {
    let mut buf = Buf::new(packet);
    let mut frame = buf.frame();
    let out = a.encapsulate(now, &mut frame)?;
    let esp = frame.packet()[out.esp_offset..].to_vec();
    let mut rx = Buf::new(&esp);
    let mut frame = rx.frame();
    b.decapsulate(now, &mut frame, out.src.ip(), out.dst.ip())?;
    Ok(frame.packet().to_vec())
}
