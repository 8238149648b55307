//! The IPv6 header (RFC 8200 §3) and the walk over the extension headers
//! that precede the upper layer or ESP (RFC 8200 §4, RFC 4303 §3.1.1).
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Traffic Class |           Flow Label                  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Payload Length        |  Next Header  |   Hop Limit   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                   Source Address (128 bits)                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                Destination Address (128 bits)                 |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use core::net::Ipv6Addr;

use super::Error;

mod field {
    use core::ops::Range;

    pub(super) const VER_TC_FL: Range<usize> = 0..4;
    pub(super) const LENGTH: Range<usize> = 4..6;
    pub(super) const NEXT_HEADER: usize = 6;
    pub(super) const HOP_LIMIT: usize = 7;
    pub(super) const SRC: Range<usize> = 8..24;
    pub(super) const DST: Range<usize> = 24..40;
}

/// Octets of the fixed header.
pub const HEADER_LEN: usize = 40;

/// Offset of the fixed header's next-header field.
pub const NEXT_HEADER_OFFSET: usize = field::NEXT_HEADER;

const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const DEST_OPTIONS: u8 = 60;

/// A read/write view of an IPv6 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    ///
    /// # Errors
    /// As [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Ensures no accessor panics: version 6 and 40 + payload length ≤
    /// buffer length. A zero payload length (jumbogram, RFC 2675) is
    /// refused: no ESP packet needs one.
    ///
    /// # Errors
    /// [`Error::Truncated`] or [`Error::Malformed`].
    pub fn check_len(&self) -> Result<(), Error> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if self.version() != 6 || self.payload_len() == 0 {
            return Err(Error::Malformed);
        }
        if self.total_len() > len {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// IP version (6 once checked).
    #[must_use]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// Traffic class (DSCP and ECN).
    #[must_use]
    pub fn traffic_class(&self) -> u8 {
        let word = be32(&self.buffer.as_ref()[field::VER_TC_FL]);
        (word >> 20) as u8
    }

    /// Octets after the fixed header, extension headers included.
    #[must_use]
    pub fn payload_len(&self) -> u16 {
        let bytes = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([bytes[0], bytes[1]])
    }

    /// Fixed header plus payload length.
    #[must_use]
    pub fn total_len(&self) -> usize {
        HEADER_LEN + usize::from(self.payload_len())
    }

    /// The fixed header's next header.
    #[must_use]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NEXT_HEADER]
    }

    /// Hop limit.
    #[must_use]
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    #[must_use]
    pub fn src_addr(&self) -> Ipv6Addr {
        addr(&self.buffer.as_ref()[field::SRC])
    }

    /// Destination address.
    #[must_use]
    pub fn dst_addr(&self) -> Ipv6Addr {
        addr(&self.buffer.as_ref()[field::DST])
    }

    /// Walks hop-by-hop, routing, fragment and destination options headers
    /// to the first other header (RFC 8200 §4.1 order; ESP goes after
    /// these in transport mode, RFC 4303 §3.1.1).
    ///
    /// # Errors
    /// [`Error::Truncated`] if an extension header runs past the payload.
    pub fn upper_layer(&self) -> Result<UpperLayer, Error> {
        let packet = &self.buffer.as_ref()[..self.total_len()];
        let mut layer = UpperLayer {
            protocol: self.next_header(),
            offset: HEADER_LEN,
            next_header_offset: field::NEXT_HEADER,
            non_first_fragment: false,
        };
        loop {
            let len = match layer.protocol {
                HOP_BY_HOP | ROUTING | DEST_OPTIONS => {
                    let hdr_len = *packet.get(layer.offset + 1).ok_or(Error::Truncated)?;
                    (usize::from(hdr_len) + 1) * 8
                }
                FRAGMENT => {
                    let off = packet.get(layer.offset + 2..layer.offset + 4);
                    let off = off.ok_or(Error::Truncated)?;
                    layer.non_first_fragment |= u16::from_be_bytes([off[0], off[1]]) >> 3 != 0;
                    8
                }
                _ => return Ok(layer),
            };
            if layer.offset + len > packet.len() {
                return Err(Error::Truncated);
            }
            layer.next_header_offset = layer.offset;
            layer.protocol = packet[layer.offset];
            layer.offset += len;
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Sets the payload length.
    pub fn set_payload_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }
}

/// Where the upper layer (or ESP) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpperLayer {
    /// Its protocol number.
    pub protocol: u8,
    /// Its offset from the start of the packet.
    pub offset: usize,
    /// Offset of the next-header octet that names it (6 in the fixed
    /// header, 0 of an extension header).
    pub next_header_offset: usize,
    /// A fragment header with a non-zero offset was passed: no ports.
    pub non_first_fragment: bool,
}

/// The fields of a fixed header, as the data path writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Repr {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Next header.
    pub next_header: u8,
    /// Octets after the fixed header.
    pub payload_len: u16,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
}

impl Ipv6Repr {
    /// Writes the 40-octet fixed header into `buf[..40]` (flow label 0).
    ///
    /// # Errors
    /// [`Error::Truncated`] if `buf` is shorter than 40 octets.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), Error> {
        let header = buf.get_mut(..HEADER_LEN).ok_or(Error::Truncated)?;
        let word = (6u32 << 28) | (u32::from(self.traffic_class) << 20);
        header[field::VER_TC_FL].copy_from_slice(&word.to_be_bytes());
        header[field::LENGTH].copy_from_slice(&self.payload_len.to_be_bytes());
        header[field::NEXT_HEADER] = self.next_header;
        header[field::HOP_LIMIT] = self.hop_limit;
        header[field::SRC].copy_from_slice(&self.src.octets());
        header[field::DST].copy_from_slice(&self.dst.octets());
        Ok(())
    }
}

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn addr(bytes: &[u8]) -> Ipv6Addr {
    let mut octets = [0; 16];
    octets.copy_from_slice(bytes);
    Ipv6Addr::from(octets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(next_header: u8, payload: &[u8]) -> Vec<u8> {
        let repr = Ipv6Repr {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8::2".parse().unwrap(),
            next_header,
            payload_len: u16::try_from(payload.len()).unwrap(),
            hop_limit: 64,
            traffic_class: 0xb8,
        };
        let mut bytes = vec![0; HEADER_LEN];
        repr.emit(&mut bytes).unwrap();
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn emitted_header_reads_back() {
        let bytes = packet(17, &[0; 8]);
        let ip = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.src_addr(), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(ip.dst_addr(), "2001:db8::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            (ip.next_header(), ip.payload_len(), ip.hop_limit()),
            (17, 8, 64)
        );
        assert_eq!(ip.traffic_class(), 0xb8);
    }

    #[test]
    fn rejects_wrong_version_jumbograms_and_short_buffers() {
        let mut bytes = packet(17, &[0; 8]);
        assert_eq!(Ipv6Packet::new_checked(&bytes[..39]), Err(Error::Truncated));
        assert_eq!(Ipv6Packet::new_checked(&bytes[..47]), Err(Error::Truncated));
        bytes[4..6].fill(0);
        assert_eq!(Ipv6Packet::new_checked(&bytes[..]), Err(Error::Malformed));
        bytes[0] = 0x40;
        assert_eq!(Ipv6Packet::new_checked(&bytes[..]), Err(Error::Malformed));
    }

    #[test]
    fn upper_layer_skips_hop_by_hop_and_fragment_headers() {
        // HBH (8 octets) -> Fragment (offset 0) -> UDP
        let mut ext = vec![FRAGMENT, 0, 1, 4, 0, 0, 0, 0];
        ext.extend_from_slice(&[17, 0, 0, 0, 0, 0, 0, 1]);
        ext.extend_from_slice(&[0; 8]);
        let bytes = packet(HOP_BY_HOP, &ext);
        let layer = Ipv6Packet::new_checked(&bytes[..])
            .unwrap()
            .upper_layer()
            .unwrap();
        assert_eq!(layer.protocol, 17);
        assert_eq!(layer.offset, 56);
        assert_eq!(layer.next_header_offset, 48);
        assert!(!layer.non_first_fragment);
    }

    #[test]
    fn upper_layer_marks_non_first_fragments() {
        let bytes = packet(FRAGMENT, &[6, 0, 0x05, 0x00, 0, 0, 0, 1, 0, 0]);
        let layer = Ipv6Packet::new_checked(&bytes[..])
            .unwrap()
            .upper_layer()
            .unwrap();
        assert_eq!((layer.protocol, layer.offset), (6, 48));
        assert!(layer.non_first_fragment);
    }

    #[test]
    fn upper_layer_rejects_an_extension_header_past_the_payload() {
        let bytes = packet(DEST_OPTIONS, &[17, 1, 0, 0, 0, 0, 0, 0]);
        let ip = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.upper_layer(), Err(Error::Truncated));
        let bytes = packet(ROUTING, &[17]);
        let ip = Ipv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.upper_layer(), Err(Error::Truncated));
    }
}
