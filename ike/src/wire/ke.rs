//! Key Exchange (RFC 7296 §3.4) and Nonce (§3.9) payloads.

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::iana::KeId;

/// Key Exchange payload body (RFC 7296 §3.4):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Diffie-Hellman Group Num    |           RESERVED            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       Key Exchange Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The data length is not checked against the group here; that is the key
/// exchange's business (an INVALID_SYNTAX, not a codec error).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyExchange {
    /// Key exchange method (Diffie-Hellman group).
    pub group: KeId,
    /// Public value.
    pub data: Vec<u8>,
}

impl Codec for KeyExchange {
    const WHAT: &'static str = "KE payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u16(self.group.0);
        enc.zeros(2);
        enc.bytes(&self.data);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let group = KeId(r.u16("KE group")?);
        r.skip(2, "KE header")?;
        Ok(Self {
            group,
            data: r.rest().to_vec(),
        })
    }
}

/// Nonce payload body (RFC 7296 §3.9): 16 to 256 random octets.
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                            Nonce Data                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Nonce(pub Vec<u8>);

impl Nonce {
    /// Shortest nonce allowed (RFC 7296 §3.9).
    pub const MIN_LEN: usize = 16;
    /// Longest nonce allowed (RFC 7296 §3.9).
    pub const MAX_LEN: usize = 256;
}

impl Codec for Nonce {
    const WHAT: &'static str = "nonce";

    fn encode(&self, enc: &mut Encoder) {
        enc.bytes(&self.0);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let data = r.rest();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&data.len()) {
            return Err(Error::BadLength {
                what: "nonce (16 to 256 octets)",
            });
        }
        Ok(Self(data.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KE payload body of psk-net2net's IKE_SA_INIT request (frame 1).
    const KE_BODY: [u8; 36] = [
        0x00, 0x1f, 0x00, 0x00, // CURVE_25519, reserved
        0x5c, 0x46, 0x0a, 0x89, 0x05, 0x9c, 0xd2, 0x44, 0x8e, 0x62, 0xd6, 0x27, 0x16, 0xcf, 0x97,
        0x5e, 0xce, 0x11, 0x8c, 0x61, 0x03, 0xb8, 0xb5, 0x80, 0xb1, 0x7d, 0x88, 0xa4, 0x57, 0xe9,
        0xa3, 0x44,
    ];

    /// Nonce of the same message.
    const NONCE: [u8; 32] = [
        0x44, 0x2b, 0x6a, 0x9a, 0x6e, 0xad, 0xf0, 0x1c, 0x7e, 0xb6, 0x34, 0x7e, 0x93, 0x91, 0xea,
        0x5d, 0x1b, 0xaf, 0xe2, 0x56, 0xef, 0x93, 0x9e, 0x96, 0xe6, 0xe0, 0xff, 0x19, 0x9e, 0x49,
        0x0b, 0x97,
    ];

    #[test]
    fn annotated_fixtures_are_the_captured_payloads() {
        assert_eq!(crate::wire::fixtures::request_body(1), KE_BODY);
        assert_eq!(crate::wire::fixtures::request_body(2), NONCE);
    }

    #[test]
    fn round_trips_the_captured_ke_payload() {
        let ke = KeyExchange::read_bytes(&KE_BODY).unwrap();
        assert_eq!(ke.group, KeId::CURVE_25519);
        assert_eq!(ke.data, KE_BODY[4..]);
        assert_eq!(ke.get_encoding().unwrap(), KE_BODY);
    }

    #[test]
    fn rejects_a_ke_payload_without_its_group() {
        let err = KeyExchange::read_bytes(&[0x00]).unwrap_err();
        assert_eq!(err, Error::Truncated { what: "KE group" });
    }

    #[test]
    fn round_trips_the_captured_nonce() {
        let nonce = Nonce::read_bytes(&NONCE).unwrap();
        assert_eq!(nonce.0, NONCE);
        assert_eq!(nonce.get_encoding().unwrap(), NONCE);
    }

    #[test]
    fn rejects_nonce_shorter_than_16_bytes() {
        let err = Nonce::read_bytes(&NONCE[..15]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "nonce (16 to 256 octets)"
            }
        );
        assert!(Nonce::read_bytes(&NONCE[..16]).is_ok());
    }

    #[test]
    fn rejects_nonce_longer_than_256_bytes() {
        assert!(Nonce::read_bytes(&[7; 256]).is_ok());
        let err = Nonce::read_bytes(&[7; 257]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "nonce (16 to 256 octets)"
            }
        );
    }
}
