//! The IPv4 header (RFC 791 §3.1), as far as ESP processing needs it.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |Type of Service|          Total Length         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |         Identification        |Flags|      Fragment Offset    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                       Source Address                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                    Options                    |    Padding    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use core::net::Ipv4Addr;

use super::{Error, checksum_add, checksum_finish};

mod field {
    use core::ops::Range;

    pub(super) const VER_IHL: usize = 0;
    pub(super) const TOS: usize = 1;
    pub(super) const LENGTH: Range<usize> = 2..4;
    pub(super) const IDENT: Range<usize> = 4..6;
    pub(super) const FLG_OFF: Range<usize> = 6..8;
    pub(super) const TTL: usize = 8;
    pub(super) const PROTOCOL: usize = 9;
    pub(super) const CHECKSUM: Range<usize> = 10..12;
    pub(super) const SRC: Range<usize> = 12..16;
    pub(super) const DST: Range<usize> = 16..20;
}

/// Octets of a header without options.
pub const HEADER_LEN: usize = 20;

/// Offset of the protocol field.
pub const PROTOCOL_OFFSET: usize = field::PROTOCOL;

/// A read/write view of an IPv4 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
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

    /// Ensures no accessor panics: version 4, IHL ≥ 5, header length ≤
    /// total length ≤ buffer length. Octets after the total length
    /// (link padding) are allowed and ignored by [`payload`](Self::payload).
    ///
    /// # Errors
    /// [`Error::Truncated`] or [`Error::Malformed`].
    pub fn check_len(&self) -> Result<(), Error> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated);
        }
        if self.version() != 4 || self.header_len() < HEADER_LEN {
            return Err(Error::Malformed);
        }
        let total = usize::from(self.total_len());
        if total < self.header_len() {
            return Err(Error::Malformed);
        }
        if total > len {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// IP version (4 once checked).
    #[must_use]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in octets, options included.
    #[must_use]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// DSCP and ECN (RFC 2474, RFC 3168).
    #[must_use]
    pub fn tos(&self) -> u8 {
        self.buffer.as_ref()[field::TOS]
    }

    /// Total length of header and payload.
    #[must_use]
    pub fn total_len(&self) -> u16 {
        be16(&self.buffer.as_ref()[field::LENGTH])
    }

    /// Fragment offset in octets.
    #[must_use]
    pub fn frag_offset(&self) -> u16 {
        (be16(&self.buffer.as_ref()[field::FLG_OFF]) & 0x1fff) << 3
    }

    /// Time to live.
    #[must_use]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol of the payload.
    #[must_use]
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// Source address.
    #[must_use]
    pub fn src_addr(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::SRC])
    }

    /// Destination address.
    #[must_use]
    pub fn dst_addr(&self) -> Ipv4Addr {
        addr(&self.buffer.as_ref()[field::DST])
    }

    /// Whether the header checksum verifies.
    #[must_use]
    pub fn verify_checksum(&self) -> bool {
        let header = &self.buffer.as_ref()[..self.header_len()];
        checksum_finish(checksum_add(0, header)) == 0
    }

    /// The payload: from the end of the header to the total length.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Sets the total length.
    pub fn set_total_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, protocol: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = protocol;
    }

    /// Recomputes the header checksum (RFC 791 §3.1).
    pub fn fill_checksum(&mut self) {
        let header_len = self.header_len();
        let buf = self.buffer.as_mut();
        buf[field::CHECKSUM].fill(0);
        let sum = checksum_finish(checksum_add(0, &buf[..header_len]));
        buf[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    }
}

/// The fields of a header without options, as the data path writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Payload protocol.
    pub protocol: u8,
    /// Payload octets.
    pub payload_len: u16,
    /// Time to live.
    pub ttl: u8,
    /// DSCP and ECN.
    pub tos: u8,
}

impl Ipv4Repr {
    /// Writes a 20-octet header (identification 0, DF clear) with its
    /// checksum into `buf[..20]`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if `buf` is shorter than 20 octets;
    /// [`Error::Malformed`] if the total length exceeds 65535.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), Error> {
        let header = buf.get_mut(..HEADER_LEN).ok_or(Error::Truncated)?;
        let total = u16::try_from(HEADER_LEN + usize::from(self.payload_len))
            .map_err(|_| Error::Malformed)?;
        header[field::VER_IHL] = 0x45;
        header[field::TOS] = self.tos;
        header[field::LENGTH].copy_from_slice(&total.to_be_bytes());
        header[field::IDENT].fill(0);
        header[field::FLG_OFF].fill(0);
        header[field::TTL] = self.ttl;
        header[field::PROTOCOL] = self.protocol;
        header[field::SRC].copy_from_slice(&self.src.octets());
        header[field::DST].copy_from_slice(&self.dst.octets());
        Ipv4Packet::new_unchecked(header).fill_checksum();
        Ok(())
    }
}

fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

fn addr(bytes: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    // An ICMP echo header 10.1.0.1 -> 10.2.0.1, 84 octets in total.
    const HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x54, 0x6f, 0x0d, 0x40, 0x00, 0x40, 0x01, 0xb7, 0x97, 0x0a, 0x01, 0x00,
        0x01, 0x0a, 0x02, 0x00, 0x01,
    ];

    fn packet() -> Vec<u8> {
        let mut bytes = HEADER.to_vec();
        bytes.resize(84, 0xaa);
        bytes
    }

    #[test]
    fn reads_the_header_fields() {
        let bytes = packet();
        let ip = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(ip.header_len(), 20);
        assert_eq!(ip.total_len(), 84);
        assert_eq!(ip.protocol(), 1);
        assert_eq!(ip.ttl(), 64);
        assert_eq!(ip.src_addr(), Ipv4Addr::new(10, 1, 0, 1));
        assert_eq!(ip.dst_addr(), Ipv4Addr::new(10, 2, 0, 1));
        assert_eq!(ip.payload().len(), 64);
        assert_eq!(ip.frag_offset(), 0);
        assert!(ip.verify_checksum());
    }

    #[test]
    fn fill_checksum_produces_a_verifying_header() {
        let mut bytes = packet();
        bytes[10] = 0;
        bytes[11] = 0;
        let mut ip = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        assert!(!ip.verify_checksum());
        ip.fill_checksum();
        assert!(ip.verify_checksum());
    }

    #[test]
    fn rejects_wrong_version_short_ihl_and_inconsistent_lengths() {
        let mut bytes = packet();
        assert_eq!(Ipv4Packet::new_checked(&bytes[..19]), Err(Error::Truncated));
        assert_eq!(Ipv4Packet::new_checked(&bytes[..83]), Err(Error::Truncated));
        bytes[0] = 0x65;
        assert_eq!(Ipv4Packet::new_checked(&bytes[..]), Err(Error::Malformed));
        bytes[0] = 0x44;
        assert_eq!(Ipv4Packet::new_checked(&bytes[..]), Err(Error::Malformed));
        bytes[0] = 0x45;
        bytes[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(Ipv4Packet::new_checked(&bytes[..]), Err(Error::Malformed));
    }

    #[test]
    fn emitted_header_parses_back_with_a_valid_checksum() {
        let repr = Ipv4Repr {
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(192, 0, 2, 2),
            protocol: 6,
            payload_len: 40,
            ttl: 64,
            tos: 0x10,
        };
        let mut bytes = [0u8; 60];
        repr.emit(&mut bytes).unwrap();
        let ip = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!((ip.protocol(), ip.total_len(), ip.tos()), (6, 60, 0x10));
        assert_eq!(repr.emit(&mut [0u8; 19]), Err(Error::Truncated));
    }
}
