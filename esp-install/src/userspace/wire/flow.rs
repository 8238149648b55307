//! What a traffic selector looks at in an IP packet (RFC 4301 §4.4.1.1):
//! addresses, next-layer protocol, and ports, or ICMP type and code.

use core::net::IpAddr;

use super::Error;
use super::ipv4::{self, Ipv4Packet};
use super::ipv6::{self, Ipv6Packet};

const ICMP: u8 = 1;
const TCP: u8 = 6;
const UDP: u8 = 17;
const DCCP: u8 = 33;
const ICMPV6: u8 = 58;
const SCTP: u8 = 132;
const UDP_LITE: u8 = 136;

/// The layout facts of a checked IPv4 or IPv6 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpInfo {
    /// 4 or 6.
    pub version: u8,
    /// Offset of the upper layer: IPv4 header with options, or IPv6 fixed
    /// header with the extension headers ESP goes after.
    pub header_len: usize,
    /// Offset of the octet naming the upper layer's protocol.
    pub next_header_offset: usize,
    /// Upper-layer protocol.
    pub protocol: u8,
    /// Length the header declares (IPv4 total length, 40 + IPv6 payload
    /// length); octets after it are not part of the packet.
    pub total_len: usize,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// DSCP and ECN.
    pub tos: u8,
    /// TTL or hop limit.
    pub ttl: u8,
    /// Not the first fragment: there is no upper-layer header.
    pub non_first_fragment: bool,
}

impl IpInfo {
    /// Checks and describes an IPv4 or IPv6 packet (by its version nibble).
    ///
    /// # Errors
    /// [`Error::Truncated`] or [`Error::Malformed`].
    pub fn parse(packet: &[u8]) -> Result<Self, Error> {
        match packet.first().map(|b| b >> 4) {
            Some(4) => Ok(Self::v4(&Ipv4Packet::new_checked(packet)?)),
            Some(6) => Self::v6(&Ipv6Packet::new_checked(packet)?),
            Some(_) => Err(Error::Malformed),
            None => Err(Error::Truncated),
        }
    }

    fn v4(ip: &Ipv4Packet<&[u8]>) -> Self {
        Self {
            version: 4,
            header_len: ip.header_len(),
            next_header_offset: ipv4::PROTOCOL_OFFSET,
            protocol: ip.protocol(),
            total_len: usize::from(ip.total_len()),
            src: ip.src_addr().into(),
            dst: ip.dst_addr().into(),
            tos: ip.tos(),
            ttl: ip.ttl(),
            non_first_fragment: ip.frag_offset() != 0,
        }
    }

    fn v6(ip: &Ipv6Packet<&[u8]>) -> Result<Self, Error> {
        let upper = ip.upper_layer()?;
        Ok(Self {
            version: 6,
            header_len: upper.offset,
            next_header_offset: upper.next_header_offset,
            protocol: upper.protocol,
            total_len: ip.total_len(),
            src: ip.src_addr().into(),
            dst: ip.dst_addr().into(),
            tos: ip.traffic_class(),
            ttl: ip.hop_limit(),
            non_first_fragment: upper.non_first_fragment,
        })
    }

    /// The IP protocol number for a packet of this version inside a tunnel
    /// (RFC 4303 §2.6: 4 for IPv4, 41 for IPv6).
    #[must_use]
    pub const fn tunnel_next_header(&self) -> u8 {
        if self.version == 4 { 4 } else { 41 }
    }

    /// The fixed IPv4 or IPv6 header length of this version.
    #[must_use]
    pub const fn fixed_header_len(&self) -> usize {
        if self.version == 4 {
            ipv4::HEADER_LEN
        } else {
            ipv6::HEADER_LEN
        }
    }
}

/// The ports of a packet as selectors see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ports {
    /// Source and destination port (TCP, UDP, SCTP, DCCP, UDP-Lite).
    Ports {
        /// Source port.
        src: u16,
        /// Destination port.
        dst: u16,
    },
    /// ICMP or ICMPv6 type and code, compared as `type << 8 | code`
    /// (RFC 7296 §3.13.1).
    Icmp {
        /// Type.
        ty: u8,
        /// Code.
        code: u8,
    },
    /// No port information: a non-first fragment or a protocol without
    /// ports; matches only selectors with any port (RFC 4301 §4.4.1.1,
    /// OPAQUE).
    Opaque,
}

/// The selector-relevant fields of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Upper-layer protocol.
    pub protocol: u8,
    /// Ports or ICMP type and code.
    pub ports: Ports,
}

impl Flow {
    /// The flow of a packet described by `info`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if a first fragment of a protocol with ports is
    /// too short to hold them (RFC 4301 §7.3 drops those).
    pub fn of(info: &IpInfo, packet: &[u8]) -> Result<Self, Error> {
        let upper = packet
            .get(info.header_len..info.total_len)
            .ok_or(Error::Truncated)?;
        let ports = if info.non_first_fragment {
            Ports::Opaque
        } else {
            ports(info.protocol, upper)?
        };
        Ok(Self {
            src: info.src,
            dst: info.dst,
            protocol: info.protocol,
            ports,
        })
    }

    /// Parses a packet and returns its layout and flow.
    ///
    /// # Errors
    /// As [`IpInfo::parse`] and [`Flow::of`].
    pub fn parse(packet: &[u8]) -> Result<(IpInfo, Self), Error> {
        let info = IpInfo::parse(packet)?;
        Ok((info, Self::of(&info, packet)?))
    }
}

fn ports(protocol: u8, upper: &[u8]) -> Result<Ports, Error> {
    match protocol {
        TCP | UDP | DCCP | SCTP | UDP_LITE => match upper {
            [a, b, c, d, ..] => Ok(Ports::Ports {
                src: u16::from_be_bytes([*a, *b]),
                dst: u16::from_be_bytes([*c, *d]),
            }),
            _ => Err(Error::Truncated),
        },
        ICMP | ICMPV6 => match upper {
            [ty, code, ..] => Ok(Ports::Icmp {
                ty: *ty,
                code: *code,
            }),
            _ => Err(Error::Truncated),
        },
        _ => Ok(Ports::Opaque),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::userspace::wire::ipv4::Ipv4Repr;
    use crate::userspace::wire::ipv6::Ipv6Repr;

    fn v4(protocol: u8, upper: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0; 20];
        Ipv4Repr {
            src: [10, 1, 0, 1].into(),
            dst: [10, 2, 0, 1].into(),
            protocol,
            payload_len: u16::try_from(upper.len()).unwrap(),
            ttl: 64,
            tos: 0,
        }
        .emit(&mut bytes)
        .unwrap();
        bytes.extend_from_slice(upper);
        bytes
    }

    #[test]
    fn reads_tcp_ports() {
        let bytes = v4(TCP, &[0x30, 0x39, 0x00, 0x50, 0, 0, 0, 0]);
        let (info, flow) = Flow::parse(&bytes).unwrap();
        assert_eq!((info.version, info.header_len, info.total_len), (4, 20, 28));
        assert_eq!(
            flow.ports,
            Ports::Ports {
                src: 12345,
                dst: 80
            }
        );
        assert_eq!(flow.dst, IpAddr::from([10, 2, 0, 1]));
    }

    #[test]
    fn reads_icmp_type_and_code() {
        let bytes = v4(ICMP, &[8, 0, 0xf7, 0xff]);
        assert_eq!(
            Flow::parse(&bytes).unwrap().1.ports,
            Ports::Icmp { ty: 8, code: 0 }
        );
    }

    #[test]
    fn non_first_fragments_and_portless_protocols_are_opaque() {
        let mut bytes = v4(UDP, &[1, 2]);
        bytes[6] = 0x00;
        bytes[7] = 0x10; // offset 128 octets
        assert_eq!(Flow::parse(&bytes).unwrap().1.ports, Ports::Opaque);
        let bytes = v4(47, &[]);
        assert_eq!(Flow::parse(&bytes).unwrap().1.ports, Ports::Opaque);
    }

    #[test]
    fn a_first_fragment_too_short_for_ports_is_rejected() {
        assert_eq!(Flow::parse(&v4(UDP, &[1, 2, 3])), Err(Error::Truncated));
        assert_eq!(Flow::parse(&v4(ICMP, &[8])), Err(Error::Truncated));
    }

    #[test]
    fn reads_udp_ports_of_ipv6_after_extension_headers() {
        let mut bytes = vec![0; 40];
        let mut upper = vec![UDP, 0, 0, 0, 0, 0, 0, 0];
        upper.extend_from_slice(&[0x11, 0x94, 0x11, 0x94, 0, 8, 0, 0]);
        Ipv6Repr {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8::2".parse().unwrap(),
            next_header: 60,
            payload_len: 16,
            hop_limit: 1,
            traffic_class: 0,
        }
        .emit(&mut bytes)
        .unwrap();
        bytes.extend_from_slice(&upper);
        let (info, flow) = Flow::parse(&bytes).unwrap();
        assert_eq!(
            (info.protocol, info.header_len, info.next_header_offset),
            (UDP, 48, 40)
        );
        assert_eq!(
            flow.ports,
            Ports::Ports {
                src: 4500,
                dst: 4500
            }
        );
    }

    #[test]
    fn rejects_unknown_versions_and_empty_packets() {
        assert_eq!(IpInfo::parse(&[]), Err(Error::Truncated));
        assert_eq!(IpInfo::parse(&[0x50; 40]), Err(Error::Malformed));
    }
}
