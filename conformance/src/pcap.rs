//! A small reader for classic pcap files (the libpcap format tcpdump writes:
//! a 24-octet global header, then a 16-octet record header per frame) with
//! Ethernet, IPv4 and UDP decoding; enough for the lab captures.
//!
//! Frames that are not Ethernet/IPv4/UDP, and IPv4 fragments after the
//! first, are skipped (they keep their frame number, so numbers match
//! Wireshark's). Malformed input is a typed error, never a panic.

use std::fmt;
use std::net::Ipv4Addr;

/// One UDP datagram from a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpDatagram {
    /// 1-based frame number, as Wireshark counts.
    pub frame: usize,
    /// IPv4 source address.
    pub src: Ipv4Addr,
    /// IPv4 destination address.
    pub dst: Ipv4Addr,
    /// UDP source port.
    pub sport: u16,
    /// UDP destination port.
    pub dport: u16,
    /// UDP payload.
    pub payload: Vec<u8>,
}

/// Why a capture could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PcapError {
    /// The file does not start with a classic pcap magic number.
    BadMagic([u8; 4]),
    /// The link type is not Ethernet (1).
    UnsupportedLinkType(u32),
    /// The file ends inside `what` (of frame `frame`, 0 for the header).
    Truncated {
        /// What was being read.
        what: &'static str,
        /// The frame number.
        frame: usize,
    },
    /// A header of frame `frame` has an impossible length field.
    BadLength {
        /// Which header.
        what: &'static str,
        /// The frame number.
        frame: usize,
    },
}

impl fmt::Display for PcapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadMagic(m) => write!(f, "not a classic pcap file (magic {m:02x?})"),
            Self::UnsupportedLinkType(t) => write!(f, "unsupported link type {t}"),
            Self::Truncated { what, frame } => write!(f, "truncated {what} in frame {frame}"),
            Self::BadLength { what, frame } => write!(f, "bad {what} length in frame {frame}"),
        }
    }
}

impl std::error::Error for PcapError {}

const LINKTYPE_ETHERNET: u32 = 1;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_VLAN: u16 = 0x8100;
const IPPROTO_UDP: u8 = 17;

/// Byte order of the file, from its magic number.
#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

/// A bounds-checked cursor that names what ran out.
struct Cursor<'a> {
    rest: &'a [u8],
    frame: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], PcapError> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(PcapError::Truncated {
            what,
            frame: self.frame,
        })?;
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], PcapError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u32(&mut self, endian: Endian, what: &'static str) -> Result<u32, PcapError> {
        let raw = self.array(what)?;
        Ok(match endian {
            Endian::Little => u32::from_le_bytes(raw),
            Endian::Big => u32::from_be_bytes(raw),
        })
    }

    fn be16(&mut self, what: &'static str) -> Result<u16, PcapError> {
        self.array(what).map(u16::from_be_bytes)
    }
}

/// Reads every Ethernet/IPv4/UDP datagram of a classic pcap file.
///
/// # Errors
/// [`PcapError`] if the file is not a classic Ethernet pcap or is
/// truncated or malformed.
pub fn udp_datagrams(file: &[u8]) -> Result<Vec<UdpDatagram>, PcapError> {
    let mut c = Cursor {
        rest: file,
        frame: 0,
    };
    let magic = c.array::<4>("global header")?;
    let endian = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => Endian::Little,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => Endian::Big,
        other => return Err(PcapError::BadMagic(other)),
    };
    c.take(16, "global header")?;
    let link_type = c.u32(endian, "global header")?;
    if link_type != LINKTYPE_ETHERNET {
        return Err(PcapError::UnsupportedLinkType(link_type));
    }
    let mut out = Vec::new();
    while !c.rest.is_empty() {
        c.frame += 1;
        c.take(8, "record header")?;
        let captured = c.u32(endian, "record header")?;
        c.take(4, "record header")?;
        let len = usize::try_from(captured).map_err(|_| PcapError::BadLength {
            what: "record",
            frame: c.frame,
        })?;
        let frame = c.take(len, "frame")?;
        if let Some(datagram) = decode_frame(frame, c.frame)? {
            out.push(datagram);
        }
    }
    Ok(out)
}

/// Ethernet (optionally one VLAN tag) → IPv4 → UDP, or `None` for other
/// traffic.
fn decode_frame(frame: &[u8], number: usize) -> Result<Option<UdpDatagram>, PcapError> {
    let mut c = Cursor {
        rest: frame,
        frame: number,
    };
    c.take(12, "Ethernet header")?;
    let mut ethertype = c.be16("Ethernet header")?;
    if ethertype == ETHERTYPE_VLAN {
        c.take(2, "VLAN tag")?;
        ethertype = c.be16("VLAN tag")?;
    }
    if ethertype != ETHERTYPE_IPV4 {
        return Ok(None);
    }
    decode_ipv4(c.rest, number)
}

fn decode_ipv4(packet: &[u8], number: usize) -> Result<Option<UdpDatagram>, PcapError> {
    let mut c = Cursor {
        rest: packet,
        frame: number,
    };
    let [version_ihl] = c.array("IPv4 header")?;
    let header_len = usize::from(version_ihl & 0x0f) * 4;
    if version_ihl >> 4 != 4 || header_len < 20 {
        return Err(PcapError::BadLength {
            what: "IPv4 header",
            frame: number,
        });
    }
    c.take(1, "IPv4 header")?;
    let total_len = usize::from(c.be16("IPv4 header")?);
    c.take(2, "IPv4 header")?;
    let fragment = c.be16("IPv4 header")? & 0x1fff;
    let [_ttl, protocol] = c.array("IPv4 header")?;
    c.take(2, "IPv4 header")?;
    let src = Ipv4Addr::from(c.array::<4>("IPv4 header")?);
    let dst = Ipv4Addr::from(c.array::<4>("IPv4 header")?);
    c.take(header_len - 20, "IPv4 options")?;
    if protocol != IPPROTO_UDP || fragment != 0 {
        return Ok(None);
    }
    let ip_payload_len = total_len
        .checked_sub(header_len)
        .ok_or(PcapError::BadLength {
            what: "IPv4 total",
            frame: number,
        })?;
    let mut udp = Cursor {
        rest: c.take(ip_payload_len, "IPv4 payload")?,
        frame: number,
    };
    let sport = udp.be16("UDP header")?;
    let dport = udp.be16("UDP header")?;
    let udp_len = usize::from(udp.be16("UDP header")?);
    udp.take(2, "UDP header")?;
    let payload_len = udp_len.checked_sub(8).ok_or(PcapError::BadLength {
        what: "UDP",
        frame: number,
    })?;
    let payload = udp.take(payload_len, "UDP payload")?.to_vec();
    Ok(Some(UdpDatagram {
        frame: number,
        src,
        dst,
        sport,
        dport,
        payload,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pcap file with one frame: Ethernet, IPv4 192.0.2.1 → 192.0.2.2,
    /// UDP 500 → 500 carrying `payload`.
    fn one_frame(payload: &[u8]) -> Vec<u8> {
        let mut file = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&65_535_u32.to_le_bytes());
        file.extend_from_slice(&1_u32.to_le_bytes());
        let mut frame = vec![0; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        let total = u16::try_from(20 + 8 + payload.len()).unwrap();
        frame.extend_from_slice(&[0x45, 0]);
        frame.extend_from_slice(&total.to_be_bytes());
        frame.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
        frame.extend_from_slice(&[1, 0xf4, 1, 0xf4]);
        frame.extend_from_slice(&(total - 20).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(payload);
        let len = u32::try_from(frame.len()).unwrap();
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&len.to_le_bytes());
        file.extend_from_slice(&len.to_le_bytes());
        file.extend(frame);
        file
    }

    #[test]
    fn reads_a_udp_frame() {
        let datagrams = udp_datagrams(&one_frame(b"hello")).unwrap();
        let expected = UdpDatagram {
            frame: 1,
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(192, 0, 2, 2),
            sport: 500,
            dport: 500,
            payload: b"hello".to_vec(),
        };
        assert_eq!(datagrams, [expected]);
    }

    #[test]
    fn reports_truncation_at_every_cut_without_panicking() {
        let file = one_frame(b"hello");
        // A cut right after the global header is a valid empty capture.
        for cut in (1..file.len()).filter(|&cut| cut != 24) {
            assert!(udp_datagrams(&file[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn rejects_other_formats() {
        let err = udp_datagrams(b"\x0a\x0d\x0d\x0a....").unwrap_err();
        assert_eq!(err, PcapError::BadMagic([0x0a, 0x0d, 0x0d, 0x0a]));
        let mut file = one_frame(b"");
        file[20] = 113;
        assert_eq!(
            udp_datagrams(&file),
            Err(PcapError::UnsupportedLinkType(113))
        );
    }
}
