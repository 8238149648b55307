//! The Encrypted and Authenticated payload SK (RFC 7296 §3.14) and its
//! fragment SKF (RFC 7383 §2.5). The codec keeps their bodies opaque:
//! decryption belongs to the crypto provider, and the decrypted inner chain
//! is parsed with [`super::parse_payload_chain`].

use super::Error;
use super::codec::{Encoder, Reader};
use super::error::MAX_FRAGMENTS;
use super::iana::PayloadType;

/// SK payload (RFC 7296 §3.14):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Initialization Vector                     |
/// |         (length is block size for encryption algorithm)       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                    Encrypted IKE Payloads                     ~
/// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               |             Padding (0-255 octets)            |
/// +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
/// |                                               |  Pad Length   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                    Integrity Checksum Data                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// It is always the last payload of its message; its Next Payload field
/// names the first payload inside.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Encrypted {
    /// Type of the first encrypted payload (NONE for an empty
    /// INFORMATIONAL, as in a liveness check).
    pub first_inner: PayloadType,
    /// IV, ciphertext and ICV, as on the wire.
    pub body: Vec<u8>,
}

impl Encrypted {
    pub(crate) fn read_body(first_inner: PayloadType, r: &mut Reader<'_>) -> Self {
        Self {
            first_inner,
            body: r.rest().to_vec(),
        }
    }

    pub(crate) fn encode_body(&self, enc: &mut Encoder) {
        enc.bytes(&self.body);
    }
}

/// SKF payload (RFC 7383 §2.5):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        Fragment Number        |        Total Fragments        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Initialization Vector                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                      Encrypted content                        ~
/// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               |             Padding (0-255 octets)            |
/// +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
/// |                                               |  Pad Length   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                    Integrity Checksum Data                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EncryptedFragment {
    /// Type of the first inner payload in fragment 1; 0 in the others.
    pub first_inner: PayloadType,
    /// 1-based fragment number, at most `total`.
    pub number: u16,
    /// Number of fragments of the message (1 to [`MAX_FRAGMENTS`]).
    pub total: u16,
    /// IV, ciphertext and ICV.
    pub body: Vec<u8>,
}

impl EncryptedFragment {
    pub(crate) fn read_body(first_inner: PayloadType, r: &mut Reader<'_>) -> Result<Self, Error> {
        let number = r.u16("fragment number")?;
        let total = r.u16("total fragments")?;
        if total == 0 {
            return Err(Error::BadValue {
                what: "total fragments",
            });
        }
        if total > MAX_FRAGMENTS {
            return Err(Error::TooMany { what: "fragments" });
        }
        if number == 0 || number > total {
            return Err(Error::BadValue {
                what: "fragment number",
            });
        }
        Ok(Self {
            first_inner,
            number,
            total,
            body: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode_body(&self, enc: &mut Encoder) {
        enc.u16(self.number);
        enc.u16(self.total);
        enc.bytes(&self.body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &[u8]) -> Result<EncryptedFragment, Error> {
        EncryptedFragment::read_body(PayloadType::IDI, &mut Reader::new(body))
    }

    #[test]
    fn round_trips_a_fragment() {
        let frag = read(&[0, 1, 0, 3, 0xaa, 0xbb]).unwrap();
        assert_eq!(
            (frag.number, frag.total, frag.body.as_slice()),
            (1, 3, &[0xaa, 0xbb][..])
        );
        let mut enc = Encoder::new();
        frag.encode_body(&mut enc);
        assert_eq!(enc.finish().unwrap(), [0, 1, 0, 3, 0xaa, 0xbb]);
    }

    #[test]
    fn rejects_fragment_number_zero() {
        assert_eq!(
            read(&[0, 0, 0, 3]),
            Err(Error::BadValue {
                what: "fragment number"
            })
        );
    }

    #[test]
    fn rejects_a_fragment_number_above_the_total() {
        assert_eq!(
            read(&[0, 4, 0, 3]),
            Err(Error::BadValue {
                what: "fragment number"
            })
        );
    }

    #[test]
    fn rejects_zero_total_fragments() {
        assert_eq!(
            read(&[0, 1, 0, 0]),
            Err(Error::BadValue {
                what: "total fragments"
            })
        );
    }

    #[test]
    fn rejects_more_than_64_fragments() {
        assert!(read(&[0, 64, 0, 64]).is_ok());
        assert_eq!(
            read(&[0, 1, 0, 65]),
            Err(Error::TooMany { what: "fragments" })
        );
    }

    #[test]
    fn keeps_the_sk_body_opaque() {
        let sk = Encrypted::read_body(PayloadType::NONE, &mut Reader::new(&[1, 2, 3]));
        assert_eq!(sk.body, [1, 2, 3]);
    }
}
