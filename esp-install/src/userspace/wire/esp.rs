//! The ESP header (RFC 4303 §2) and the ESP-in-UDP demultiplexing of
//! RFC 3948 §2.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
//! |               Security Parameters Index (SPI)                 | ^Int.
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
//! |                      Sequence Number                          | |ered
//! +---------------------------------------------------------------+ | ----
//! |                    Payload Data* (variable)                   | |   ^
//! ~                                                               ~ |   |
//! |                                                               | |Conf.
//! +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
//! |               |     Padding (0-255 bytes)                     | |ered*
//! +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |   |
//! |                               |  Pad Length   | Next Header   | v   v
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ------
//! |         Integrity Check Value-ICV   (variable)                |
//! ~                                                               ~
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! The payload starts with the cipher's explicit IV; padding, pad length,
//! next header and ICV are only visible after decryption, so this view
//! covers SPI and sequence number.

use super::Error;

mod field {
    use core::ops::{Range, RangeFrom};

    pub(super) const SPI: Range<usize> = 0..4;
    pub(super) const SEQUENCE_NUMBER: Range<usize> = 4..8;
    pub(super) const PAYLOAD: RangeFrom<usize> = 8..;
}

/// Octets of SPI and sequence number.
pub const HEADER_LEN: usize = field::PAYLOAD.start;

/// IP protocol number of ESP (RFC 4303 §2).
pub const PROTOCOL: u8 = 50;

/// Next-header value of a dummy packet, to be discarded (RFC 4303 §2.6).
pub const NEXT_HEADER_NONE: u8 = 59;

/// A read/write view of an ESP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EspPacket<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    ///
    /// # Errors
    /// [`Error::Truncated`] if the buffer cannot hold the header.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Ensures no accessor panics.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the buffer is shorter than the header.
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Security Parameters Index (RFC 4303 §2.1).
    #[must_use]
    pub fn spi(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SPI])
    }

    /// Low-order 32 bits of the sequence number (RFC 4303 §2.2).
    #[must_use]
    pub fn sequence_number(&self) -> u32 {
        be32(&self.buffer.as_ref()[field::SEQUENCE_NUMBER])
    }

    /// IV, ciphertext and ICV.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EspPacket<T> {
    /// Sets the SPI.
    pub fn set_spi(&mut self, spi: u32) {
        self.buffer.as_mut()[field::SPI].copy_from_slice(&spi.to_be_bytes());
    }

    /// Sets the low-order 32 bits of the sequence number.
    pub fn set_sequence_number(&mut self, seq: u32) {
        self.buffer.as_mut()[field::SEQUENCE_NUMBER].copy_from_slice(&seq.to_be_bytes());
    }

    /// IV, ciphertext and ICV, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD]
    }
}

/// The parsed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EspRepr {
    /// SPI.
    pub spi: u32,
    /// Low-order sequence number bits.
    pub sequence_number: u32,
}

impl EspRepr {
    /// Reads the header of a checked packet.
    #[must_use]
    pub fn parse<T: AsRef<[u8]>>(packet: &EspPacket<T>) -> Self {
        Self {
            spi: packet.spi(),
            sequence_number: packet.sequence_number(),
        }
    }

    /// Octets [`emit`](Self::emit) writes.
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header; the buffer must hold at least
    /// [`buffer_len`](Self::buffer_len) octets (not checked: emitting).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut EspPacket<T>) {
        packet.set_spi(self.spi);
        packet.set_sequence_number(self.sequence_number);
    }
}

/// What a UDP datagram on the NAT-T port carries (RFC 3948 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpPayload {
    /// An ESP packet (the first four octets, the SPI, are not zero).
    Esp,
    /// An IKE message after the four-octet non-ESP marker (RFC 3948 §2.2).
    Ike,
    /// A NAT-keepalive: the single octet 0xFF (RFC 3948 §2.3).
    Keepalive,
}

/// Classifies the payload of a datagram received on UDP port 4500.
///
/// # Errors
/// [`Error::Truncated`] if it is neither a keepalive nor long enough for
/// a marker or an ESP header.
pub fn classify_udp(payload: &[u8]) -> Result<UdpPayload, Error> {
    match payload {
        [0xff] => Ok(UdpPayload::Keepalive),
        [0, 0, 0, 0, ..] => Ok(UdpPayload::Ike),
        _ if payload.len() >= HEADER_LEN => Ok(UdpPayload::Esp),
        _ => Err(Error::Truncated),
    }
}

fn be32(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(bytes);
    u32::from_be_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    // SPI and sequence number of the first a->b frame of the strongSwan
    // aes256gcm16 capture, then eight made-up payload octets.
    const PACKET: [u8; 16] = [
        0x5e, 0xa7, 0xdd, 0x3f, 0x00, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03,
        0x04,
    ];

    #[test]
    fn reads_spi_sequence_number_and_payload() {
        let packet = EspPacket::new_checked(&PACKET[..]).unwrap();
        assert_eq!(packet.spi(), 0x5ea7_dd3f);
        assert_eq!(packet.sequence_number(), 1);
        assert_eq!(packet.payload(), &PACKET[8..]);
    }

    #[test]
    fn emit_writes_the_bytes_parse_read() {
        let mut bytes = [0u8; 16];
        let repr = EspRepr::parse(&EspPacket::new_checked(&PACKET[..]).unwrap());
        assert_eq!(repr.buffer_len(), 8);
        repr.emit(&mut EspPacket::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes[..8], PACKET[..8]);
    }

    #[test]
    fn rejects_a_packet_shorter_than_the_header() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                EspPacket::new_checked(&PACKET[..len]),
                Err(Error::Truncated)
            );
        }
        assert!(
            EspPacket::new_checked(&PACKET[..8])
                .unwrap()
                .payload()
                .is_empty()
        );
    }

    #[test]
    fn classifies_udp_4500_payloads_by_rfc3948_marker() {
        assert_eq!(classify_udp(&[0xff]), Ok(UdpPayload::Keepalive));
        assert_eq!(classify_udp(&[0, 0, 0, 0, 1, 2]), Ok(UdpPayload::Ike));
        assert_eq!(classify_udp(&PACKET), Ok(UdpPayload::Esp));
        assert_eq!(classify_udp(&PACKET[..7]), Err(Error::Truncated));
        assert_eq!(classify_udp(&[]), Err(Error::Truncated));
    }
}
