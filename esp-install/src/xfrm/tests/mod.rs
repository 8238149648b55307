//! Our XFRM messages against what iproute2 sends for the same SA or
//! policy, and the kernel's events decoded; fixtures (and the commands
//! that made them) in tests/fixtures/xfrm, from its capture.sh.

use core::net::IpAddr;

use netlink_packet_core::NLM_F_ACK;
use netlink_packet_xfrm::XfrmMessage;

use super::wire;
use crate::{Key, Selector};

/// The bytes of a fixture file (hex after the `#` comments).
pub(super) fn fixture(text: &str) -> Vec<u8> {
    let hex: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split_whitespace())
        .collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// A fixture by name.
macro_rules! fixture {
    ($name:literal) => {
        fixture(include_str!(concat!(
            "../../../tests/fixtures/xfrm/",
            $name,
            ".txt"
        )))
    };
}

/// Frames our message and compares it with iproute2's, ignoring the
/// sequence number and port ID; `ack` says iproute2 sent the request
/// without `NLM_F_ACK` (we always ask for one).
#[track_caller]
pub(super) fn assert_same(ours: XfrmMessage, ip: &[u8], ack_added: bool) {
    let mut ours = wire::request(ours, 0, 0).to_vec();
    let mut ip = ip.to_vec();
    for m in [&mut ours, &mut ip] {
        m[8..16].fill(0);
    }
    if ack_added {
        ip[6] |= u8::try_from(NLM_F_ACK).unwrap();
    }
    assert_eq!(hex(&ours), hex(&ip));
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|line| {
            line.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `000102…` of `len` octets, the keys of capture.sh.
pub(super) fn key(len: u8) -> Key {
    Key::new((0..len).collect())
}

pub(super) fn v6(last: u16) -> IpAddr {
    IpAddr::V6([0x2001, 0xdb8, 0, 0, 0, 0, 0, last].into())
}

pub(super) fn host(addr: IpAddr) -> Selector {
    Selector {
        from: addr,
        to: addr,
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
    }
}

// after the macro, which they use
mod events;
mod policy;
mod sa;
