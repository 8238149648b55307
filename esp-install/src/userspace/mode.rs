//! Tunnel and transport mode (RFC 4303 §3.1): which octets ESP protects and
//! how the IP header around it is rewritten.
//!
//! * Tunnel mode protects a whole inner packet; next header 4 or 41; the
//!   outer header is the socket's business (ESP-in-UDP or raw ESP).
//! * Transport mode inserts ESP between the IP header (IPv6: after the
//!   extension headers that must precede it, §3.1.1) and the upper layer,
//!   and rewrites protocol, length and checksum of that header.

use core::net::IpAddr;
use core::ops::Range;

use super::error::DropReason;
use super::frame::Frame;
use super::wire::flow::IpInfo;
use super::wire::ipv4::{Ipv4Packet, Ipv4Repr};
use super::wire::ipv6::{Ipv6Packet, Ipv6Repr};
use super::wire::{checksum_add, checksum_finish, esp, ipv6};

/// TTL or hop limit of a header rebuilt for transport-mode decapsulation
/// (the socket does not tell the original one).
pub(crate) const SYNTHESIZED_TTL: u8 = 64;

const TCP: u8 = 6;
const UDP: u8 = 17;

/// Outbound transport mode, after sealing: the header names ESP and
/// counts the new length (RFC 4303 §3.3.1 for the length fields).
pub(crate) fn fix_outbound_header(frame: &mut Frame<'_>, info: &IpInfo) -> Result<(), DropReason> {
    let len = frame.len();
    let packet = frame.packet_mut();
    packet[info.next_header_offset] = esp::PROTOCOL;
    set_length(packet, info.version, len).ok_or(DropReason::TooBig)
}

/// Writes the total (IPv4) or payload (IPv6) length of a packet of `len`
/// octets, and the IPv4 header checksum; `None` if it does not fit.
fn set_length(packet: &mut [u8], version: u8, len: usize) -> Option<()> {
    if version == 4 {
        let mut ip = Ipv4Packet::new_unchecked(packet);
        ip.set_total_len(u16::try_from(len).ok()?);
        ip.fill_checksum();
    } else {
        let payload = len.checked_sub(ipv6::HEADER_LEN)?;
        Ipv6Packet::new_unchecked(packet).set_payload_len(u16::try_from(payload).ok()?);
    }
    Some(())
}

/// Inbound tunnel mode: the payload (relative to the frame) must be an IP
/// packet of the version `next_header` names; TFC padding after its
/// declared length is cut off (RFC 4303 §2.7).
pub(crate) fn tunnel_inner(
    frame: &mut Frame<'_>,
    payload: Range<usize>,
    next_header: u8,
) -> Result<IpInfo, DropReason> {
    let version = match next_header {
        4 => 4,
        41 => 6,
        _ => return Err(DropReason::BadNextHeader),
    };
    let inner = frame
        .packet()
        .get(payload.clone())
        .ok_or(DropReason::Truncated)?;
    let info = IpInfo::parse(inner).map_err(|_| DropReason::MalformedInner)?;
    if info.version != version {
        return Err(DropReason::BadNextHeader);
    }
    let end = payload.start + info.total_len;
    frame
        .narrow(payload.start..end)
        .then_some(info)
        .ok_or(DropReason::MalformedInner)
}

/// Inbound transport mode without the received IP header (ESP from a UDP
/// socket): a new header `src -> dst` carrying `next_header` is written in
/// front of the payload.
pub(crate) fn transport_new_header(
    frame: &mut Frame<'_>,
    payload: Range<usize>,
    next_header: u8,
    src: IpAddr,
    dst: IpAddr,
) -> Result<IpInfo, DropReason> {
    if !frame.narrow(payload) {
        return Err(DropReason::Truncated);
    }
    let payload_len = frame.len();
    let header_len = if src.is_ipv4() { 20 } else { ipv6::HEADER_LEN };
    frame.grow(header_len, 0)?;
    let header = frame.packet_mut();
    let written = match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => Ipv4Repr {
            src,
            dst,
            protocol: next_header,
            payload_len: u16::try_from(payload_len).map_err(|_| DropReason::MalformedInner)?,
            ttl: SYNTHESIZED_TTL,
            tos: 0,
        }
        .emit(header),
        (IpAddr::V6(src), IpAddr::V6(dst)) => Ipv6Repr {
            src,
            dst,
            next_header,
            payload_len: u16::try_from(payload_len).map_err(|_| DropReason::MalformedInner)?,
            hop_limit: SYNTHESIZED_TTL,
            traffic_class: 0,
        }
        .emit(header),
        _ => return Err(DropReason::MalformedOuter),
    };
    written.map_err(|_| DropReason::MalformedInner)?;
    IpInfo::parse(frame.packet()).map_err(|_| DropReason::MalformedInner)
}

/// Inbound transport mode with the received IP header in front of the
/// frame (`outer.header_len` octets): the header moves up to the payload,
/// names `next_header` and counts the shorter length.
pub(crate) fn transport_keep_header(
    frame: &mut Frame<'_>,
    outer: &IpInfo,
    payload: Range<usize>,
    next_header: u8,
) -> Result<IpInfo, DropReason> {
    let keep = outer.header_len;
    let gap = payload
        .start
        .checked_sub(keep)
        .ok_or(DropReason::MalformedOuter)?;
    if !frame.narrow(0..payload.end) || !frame.close_gap(keep, gap) {
        return Err(DropReason::Truncated);
    }
    let len = frame.len();
    let packet = frame.packet_mut();
    packet[outer.next_header_offset] = next_header;
    set_length(packet, outer.version, len).ok_or(DropReason::MalformedInner)?;
    IpInfo::parse(frame.packet()).map_err(|_| DropReason::MalformedInner)
}

/// Recomputes the TCP or UDP checksum of a transport-mode packet whose
/// addresses a NAT changed (RFC 3948 §3.1.2, the "recompute" option). An
/// IPv4 UDP checksum of zero (none) stays zero; truncated headers are left
/// alone.
pub(crate) fn fix_l4_checksum(packet: &mut [u8], info: &IpInfo) {
    let offset = match info.protocol {
        TCP => 16,
        UDP => 6,
        _ => return,
    };
    let Some(upper) = packet.get_mut(info.header_len..info.total_len) else {
        return;
    };
    if upper.len() < offset + 2 || info.non_first_fragment {
        return;
    }
    if info.protocol == UDP && info.version == 4 && upper[6..8] == [0, 0] {
        return;
    }
    upper[offset..offset + 2].fill(0);
    let mut sum = pseudo_header(info, upper.len());
    sum = checksum_add(sum, upper);
    let mut checksum = checksum_finish(sum);
    if checksum == 0 && info.protocol == UDP {
        checksum = 0xffff;
    }
    upper[offset..offset + 2].copy_from_slice(&checksum.to_be_bytes());
}

/// Sum of the pseudo-header (RFC 793 §3.1, RFC 768, RFC 8200 §8.1).
fn pseudo_header(info: &IpInfo, upper_len: usize) -> u32 {
    let mut sum = match (info.src, info.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => checksum_add(checksum_add(0, &s.octets()), &d.octets()),
        (IpAddr::V6(s), IpAddr::V6(d)) => checksum_add(checksum_add(0, &s.octets()), &d.octets()),
        _ => 0,
    };
    sum = checksum_add(sum, &(upper_len as u32).to_be_bytes());
    checksum_add(sum, &[0, info.protocol])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udp_v4(checksum: [u8; 2]) -> Vec<u8> {
        let mut packet = vec![0; 20];
        let udp = [
            0x30,
            0x39,
            0x00,
            0x35,
            0x00,
            0x0c,
            checksum[0],
            checksum[1],
            1,
            2,
            3,
            4,
        ];
        Ipv4Repr {
            src: [192, 0, 2, 1].into(),
            dst: [192, 0, 2, 2].into(),
            protocol: UDP,
            payload_len: 12,
            ttl: 64,
            tos: 0,
        }
        .emit(&mut packet)
        .unwrap();
        packet.extend_from_slice(&udp);
        packet
    }

    /// Verifies by summing pseudo-header and segment, checksum included.
    fn verifies(packet: &[u8]) -> bool {
        let info = IpInfo::parse(packet).unwrap();
        let upper = &packet[info.header_len..info.total_len];
        checksum_finish(checksum_add(pseudo_header(&info, upper.len()), upper)) == 0
    }

    #[test]
    fn recomputed_udp_checksum_verifies_after_address_rewrite() {
        let mut packet = udp_v4([0x12, 0x34]);
        let info = IpInfo::parse(&packet).unwrap();
        fix_l4_checksum(&mut packet, &info);
        assert!(verifies(&packet));
    }

    #[test]
    fn a_zero_ipv4_udp_checksum_stays_zero() {
        let mut packet = udp_v4([0, 0]);
        let info = IpInfo::parse(&packet).unwrap();
        fix_l4_checksum(&mut packet, &info);
        assert_eq!(packet[26..28], [0, 0]);
    }

    #[test]
    fn a_tunnel_payload_of_the_wrong_version_is_refused() {
        let mut packet = udp_v4([0, 0]);
        let len = packet.len();
        let mut frame = Frame::new(&mut packet, 0..len).unwrap();
        assert_eq!(
            tunnel_inner(&mut frame, 0..len, 41),
            Err(DropReason::BadNextHeader)
        );
        assert_eq!(
            tunnel_inner(&mut frame, 0..len, 17),
            Err(DropReason::BadNextHeader)
        );
        assert_eq!(
            tunnel_inner(&mut frame, 1..len, 4),
            Err(DropReason::MalformedInner)
        );
        assert_eq!(tunnel_inner(&mut frame, 0..len, 4).unwrap().protocol, UDP);
    }

    #[test]
    fn tunnel_inner_cuts_tfc_padding_after_the_declared_length() {
        let mut packet = udp_v4([0, 0]);
        packet.extend_from_slice(&[0xee; 10]);
        let len = packet.len();
        let mut frame = Frame::new(&mut packet, 0..len).unwrap();
        tunnel_inner(&mut frame, 0..len, 4).unwrap();
        assert_eq!(frame.len(), 32);
    }
}
