//! Zero-copy views of the fixed headers: the 28-octet IKE header (RFC 7296
//! §3.1) and the 4-octet generic payload header (§3.2).
//!
//! The views follow smoltcp's contract (see the [`wire`](super) module doc):
//! `new_unchecked` wraps any buffer, `check_len` verifies it is long enough,
//! and after `check_len` has succeeded no accessor panics. Untrusted input
//! must go through `new_checked`.

use super::Error;
use super::iana::{ExchangeType, PayloadType};

type Field = core::ops::Range<usize>;

/// The IKE header flags octet (RFC 7296 §3.1): `|X|X|R|V|I|X|X|X|`. The raw
/// octet is kept so reserved bits survive a round trip; use the accessors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags(pub u8);

impl Flags {
    /// I: set by the original initiator of the IKE SA.
    pub const INITIATOR: Self = Self(0x08);
    /// V: the sender can speak a higher major version.
    pub const VERSION: Self = Self(0x10);
    /// R: this message is a response.
    pub const RESPONSE: Self = Self(0x20);

    /// Whether every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the bits of `other` set.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Sent by the original initiator.
    #[must_use]
    pub const fn is_initiator(self) -> bool {
        self.contains(Self::INITIATOR)
    }

    /// A response (else a request).
    #[must_use]
    pub const fn is_response(self) -> bool {
        self.contains(Self::RESPONSE)
    }

    /// The sender supports a higher major version.
    #[must_use]
    pub const fn higher_version(self) -> bool {
        self.contains(Self::VERSION)
    }
}

mod field {
    use super::Field;

    pub(super) const SPI_I: Field = 0..8;
    pub(super) const SPI_R: Field = 8..16;
    pub(super) const NEXT_PAYLOAD: usize = 16;
    pub(super) const VERSION: usize = 17;
    pub(super) const EXCHANGE_TYPE: usize = 18;
    pub(super) const FLAGS: usize = 19;
    pub(super) const MESSAGE_ID: Field = 20..24;
    pub(super) const LENGTH: Field = 24..28;

    pub(super) const G_NEXT_PAYLOAD: usize = 0;
    pub(super) const G_FLAGS: usize = 1;
    pub(super) const G_LENGTH: Field = 2..4;
}

/// The only IKE major version (RFC 7296 §3.1).
pub const IKE_MAJOR_VERSION: u8 = 2;

/// The IKE header (RFC 7296 §3.1):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       IKE SA Initiator's SPI                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       IKE SA Responder's SPI                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Message ID                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Length                             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IkeHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IkeHeader<T> {
    /// Length of the header.
    pub const LEN: usize = 28;

    /// Wraps `buffer` without checking its length; accessors may panic
    /// until [`IkeHeader::check_len`] has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after [`IkeHeader::check_len`]. Use this for
    /// untrusted input.
    ///
    /// # Errors
    /// [`Error::Truncated`] if `buffer` is shorter than 28 octets.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Succeeds if the buffer holds a whole header, after which no accessor
    /// panics. The Length field is not compared with the buffer here (a
    /// datagram router needs only the SPIs); [`super::Message::parse`] does.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the buffer is shorter than 28 octets.
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < Self::LEN {
            return Err(Error::Truncated { what: "IKE header" });
        }
        Ok(())
    }

    /// Succeeds if the major version is 2; the minor version is ignored
    /// (RFC 7296 §2.5).
    ///
    /// # Errors
    /// [`Error::BadVersion`] with the major version received.
    pub fn check_version(&self) -> Result<(), Error> {
        match self.major_version() {
            IKE_MAJOR_VERSION => Ok(()),
            major => Err(Error::BadVersion { major }),
        }
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn octet(&self, at: usize) -> u8 {
        self.buffer.as_ref()[at]
    }

    fn array<const N: usize>(&self, field: Field) -> [u8; N] {
        let mut out = [0; N];
        out.copy_from_slice(&self.buffer.as_ref()[field]);
        out
    }

    /// IKE SA initiator's SPI.
    pub fn spi_i(&self) -> u64 {
        u64::from_be_bytes(self.array(field::SPI_I))
    }

    /// IKE SA responder's SPI (zero in the first IKE_SA_INIT request).
    pub fn spi_r(&self) -> u64 {
        u64::from_be_bytes(self.array(field::SPI_R))
    }

    /// Type of the first payload.
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.octet(field::NEXT_PAYLOAD))
    }

    /// Major version (high nibble of the version octet).
    pub fn major_version(&self) -> u8 {
        self.octet(field::VERSION) >> 4
    }

    /// Minor version (low nibble; ignored on receipt).
    pub fn minor_version(&self) -> u8 {
        self.octet(field::VERSION) & 0x0f
    }

    /// Exchange type.
    pub fn exchange_type(&self) -> ExchangeType {
        ExchangeType(self.octet(field::EXCHANGE_TYPE))
    }

    /// Flags octet.
    pub fn flags(&self) -> Flags {
        Flags(self.octet(field::FLAGS))
    }

    /// Message ID.
    pub fn message_id(&self) -> u32 {
        u32::from_be_bytes(self.array(field::MESSAGE_ID))
    }

    /// Length of the whole message, header included.
    pub fn length(&self) -> u32 {
        u32::from_be_bytes(self.array(field::LENGTH))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IkeHeader<T> {
    fn set_octet(&mut self, at: usize, value: u8) {
        self.buffer.as_mut()[at] = value;
    }

    fn set_field(&mut self, field: Field, value: &[u8]) {
        self.buffer.as_mut()[field].copy_from_slice(value);
    }

    /// Sets the initiator's SPI.
    pub fn set_spi_i(&mut self, value: u64) {
        self.set_field(field::SPI_I, &value.to_be_bytes());
    }

    /// Sets the responder's SPI.
    pub fn set_spi_r(&mut self, value: u64) {
        self.set_field(field::SPI_R, &value.to_be_bytes());
    }

    /// Sets the type of the first payload.
    pub fn set_next_payload(&mut self, value: PayloadType) {
        self.set_octet(field::NEXT_PAYLOAD, value.0);
    }

    /// Sets major and minor version (each masked to a nibble).
    pub fn set_version(&mut self, major: u8, minor: u8) {
        self.set_octet(field::VERSION, (major << 4) | (minor & 0x0f));
    }

    /// Sets the exchange type.
    pub fn set_exchange_type(&mut self, value: ExchangeType) {
        self.set_octet(field::EXCHANGE_TYPE, value.0);
    }

    /// Sets the flags octet.
    pub fn set_flags(&mut self, value: Flags) {
        self.set_octet(field::FLAGS, value.0);
    }

    /// Sets the message ID.
    pub fn set_message_id(&mut self, value: u32) {
        self.set_field(field::MESSAGE_ID, &value.to_be_bytes());
    }

    /// Sets the message length.
    pub fn set_length(&mut self, value: u32) {
        self.set_field(field::LENGTH, &value.to_be_bytes());
    }
}

/// The generic payload header that starts every payload (RFC 7296 §3.2):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenericPayloadHeader<T: AsRef<[u8]>> {
    buffer: T,
}

/// The critical bit in the second octet of the generic payload header.
const CRITICAL: u8 = 0x80;

impl<T: AsRef<[u8]>> GenericPayloadHeader<T> {
    /// Length of the header.
    pub const LEN: usize = 4;

    /// Wraps `buffer` without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after [`GenericPayloadHeader::check_len`].
    ///
    /// # Errors
    /// [`Error::Truncated`] if `buffer` is shorter than 4 octets.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Succeeds if the buffer holds the 4-octet header, after which no
    /// accessor panics. The Payload Length field is checked by the chain
    /// parser, which knows how much input is left.
    ///
    /// # Errors
    /// [`Error::Truncated`].
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < Self::LEN {
            return Err(Error::Truncated {
                what: "generic payload header",
            });
        }
        Ok(())
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Type of the payload after this one (for SK and SKF: of the first
    /// inner payload).
    pub fn next_payload(&self) -> PayloadType {
        PayloadType(self.buffer.as_ref()[field::G_NEXT_PAYLOAD])
    }

    /// The critical bit: reject the message if this payload's type is not
    /// understood (RFC 7296 §2.5).
    pub fn critical(&self) -> bool {
        self.buffer.as_ref()[field::G_FLAGS] & CRITICAL != 0
    }

    /// Length of the payload, this header included.
    pub fn payload_length(&self) -> u16 {
        let mut raw = [0; 2];
        raw.copy_from_slice(&self.buffer.as_ref()[field::G_LENGTH]);
        u16::from_be_bytes(raw)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GenericPayloadHeader<T> {
    /// Sets the next payload type.
    pub fn set_next_payload(&mut self, value: PayloadType) {
        self.buffer.as_mut()[field::G_NEXT_PAYLOAD] = value.0;
    }

    /// Sets the critical bit and clears the reserved bits.
    pub fn set_critical(&mut self, critical: bool) {
        self.buffer.as_mut()[field::G_FLAGS] = if critical { CRITICAL } else { 0 };
    }

    /// Sets the payload length.
    pub fn set_payload_length(&mut self, value: u16) {
        self.buffer.as_mut()[field::G_LENGTH].copy_from_slice(&value.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The IKE header of the IKE_AUTH request in psk-net2net (frame 3).
    const IKE_AUTH_HEADER: [u8; 28] = [
        0x82, 0x1d, 0x73, 0xf1, 0xe4, 0x0c, 0x28, 0x2d, // SPIi
        0x1b, 0x65, 0x7c, 0x0a, 0x6d, 0x09, 0xaf, 0xc7, // SPIr
        0x2e, 0x20, 0x23, 0x08, // SK, 2.0, IKE_AUTH, I
        0x00, 0x00, 0x00, 0x01, // message ID
        0x00, 0x00, 0x01, 0x20, // length 288
    ];

    #[test]
    fn deconstructs_a_captured_header() {
        let h = IkeHeader::new_checked(&IKE_AUTH_HEADER[..]).unwrap();
        assert_eq!(h.spi_i(), 0x821d_73f1_e40c_282d);
        assert_eq!(h.spi_r(), 0x1b65_7c0a_6d09_afc7);
        assert_eq!(h.next_payload(), PayloadType::SK);
        assert_eq!((h.major_version(), h.minor_version()), (2, 0));
        assert_eq!(h.exchange_type(), ExchangeType::IKE_AUTH);
        assert!(h.flags().is_initiator() && !h.flags().is_response());
        assert!(!h.flags().higher_version());
        assert_eq!(h.message_id(), 1);
        assert_eq!(h.length(), 288);
        assert_eq!(h.check_version(), Ok(()));
    }

    #[test]
    fn constructs_the_same_header() {
        let mut h = IkeHeader::new_unchecked([0xa5_u8; 28]);
        h.set_spi_i(0x821d_73f1_e40c_282d);
        h.set_spi_r(0x1b65_7c0a_6d09_afc7);
        h.set_next_payload(PayloadType::SK);
        h.set_version(2, 0);
        h.set_exchange_type(ExchangeType::IKE_AUTH);
        h.set_flags(Flags::INITIATOR);
        h.set_message_id(1);
        h.set_length(288);
        assert_eq!(h.into_inner(), IKE_AUTH_HEADER);
    }

    #[test]
    fn rejects_a_header_shorter_than_28_bytes() {
        let err = IkeHeader::new_checked(&IKE_AUTH_HEADER[..27]).unwrap_err();
        assert_eq!(err, Error::Truncated { what: "IKE header" });
    }

    #[test]
    fn rejects_major_version_other_than_2_but_ignores_minor() {
        let mut raw = IKE_AUTH_HEADER;
        raw[17] = 0x2f;
        assert_eq!(
            IkeHeader::new_checked(&raw[..]).unwrap().check_version(),
            Ok(())
        );
        raw[17] = 0x30;
        let h = IkeHeader::new_checked(&raw[..]).unwrap();
        assert_eq!(h.check_version(), Err(Error::BadVersion { major: 3 }));
    }

    #[test]
    fn generic_header_reads_the_critical_bit_and_length() {
        let g = GenericPayloadHeader::new_checked(&[0x29, 0x80, 0x00, 0x08][..]).unwrap();
        assert_eq!(g.next_payload(), PayloadType::NOTIFY);
        assert!(g.critical());
        assert_eq!(g.payload_length(), 8);
        let mut g = GenericPayloadHeader::new_unchecked([0xff; 4]);
        g.set_next_payload(PayloadType::NONE);
        g.set_critical(false);
        g.set_payload_length(36);
        assert_eq!(g.into_inner(), [0, 0, 0, 36]);
        let short = GenericPayloadHeader::new_checked(&[0_u8; 3][..]).unwrap_err();
        assert_eq!(
            short,
            Error::Truncated {
                what: "generic payload header"
            }
        );
    }
}
