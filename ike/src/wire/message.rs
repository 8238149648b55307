//! A whole IKE message: header fields and the payload chain (RFC 7296 §3).

use core::fmt;

use super::Error;
use super::chain::{PayloadIter, encode_chain, first_payload_type};
use super::codec::Encoder;
use super::error::MAX_MESSAGE_LEN;
use super::header::{Flags, IKE_MAJOR_VERSION, IkeHeader};
use super::iana::ExchangeType;
use super::payload::Payload;
use super::summary::chain_summary;

/// An IKE message as a value. The version is always 2.0 on emit (the minor
/// version is ignored on receipt, RFC 7296 §2.5); the header's Next Payload
/// and Length follow from `payloads`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    /// IKE SA initiator's SPI.
    pub spi_i: u64,
    /// IKE SA responder's SPI.
    pub spi_r: u64,
    /// Exchange type.
    pub exchange: ExchangeType,
    /// I, V and R flags (reserved bits are dropped on parse, zero on emit).
    pub flags: Flags,
    /// Message ID.
    pub message_id: u32,
    /// The outer payload chain; for a protected message it ends with SK
    /// (or SKF).
    pub payloads: Vec<Payload>,
}

/// The flag bits RFC 7296 §3.1 defines.
const KNOWN_FLAGS: u8 = Flags::INITIATOR.0 | Flags::VERSION.0 | Flags::RESPONSE.0;

impl Message {
    /// Parses one IKE message (a UDP/500 payload, or a UDP/4500 payload
    /// after the non-ESP marker). The Length field must match `bytes`.
    ///
    /// # Errors
    /// [`Error::BadVersion`] for a major version other than 2, any error of
    /// the header or of the payload chain ([`PayloadIter`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let header = IkeHeader::new_checked(bytes)?;
        header.check_version()?;
        let length = usize::try_from(header.length()).unwrap_or(usize::MAX);
        if length < IkeHeader::<&[u8]>::LEN {
            return Err(Error::BadLength {
                what: "IKE message",
            });
        }
        if length > MAX_MESSAGE_LEN {
            return Err(Error::TooLong {
                what: "IKE message",
            });
        }
        if length > bytes.len() {
            return Err(Error::Truncated {
                what: "IKE message",
            });
        }
        if length < bytes.len() {
            return Err(Error::TrailingData {
                what: "IKE message",
            });
        }
        let chain = bytes.get(IkeHeader::<&[u8]>::LEN..).unwrap_or_default();
        let payloads = PayloadIter::new(header.next_payload(), chain).collect::<Result<_, _>>()?;
        Ok(Self {
            spi_i: header.spi_i(),
            spi_r: header.spi_r(),
            exchange: header.exchange_type(),
            flags: Flags(header.flags().0 & KNOWN_FLAGS),
            message_id: header.message_id(),
            payloads,
        })
    }

    /// The wire form, with every Next Payload and Length field written.
    ///
    /// # Errors
    /// [`Error::TooLong`] beyond 64 KiB or for a payload over 64 KiB,
    /// [`Error::NotLast`] for SK/SKF before other payloads, and the other
    /// emit errors of the payloads.
    pub fn emit(&self) -> Result<Vec<u8>, Error> {
        let mut header = IkeHeader::new_unchecked([0; 28]);
        header.set_spi_i(self.spi_i);
        header.set_spi_r(self.spi_r);
        header.set_next_payload(first_payload_type(&self.payloads));
        header.set_version(IKE_MAJOR_VERSION, 0);
        header.set_exchange_type(self.exchange);
        header.set_flags(Flags(self.flags.0 & KNOWN_FLAGS));
        header.set_message_id(self.message_id);
        let mut enc = Encoder::new();
        enc.bytes(&header.into_inner());
        encode_chain(&self.payloads, &mut enc);
        match u32::try_from(enc.len()) {
            Ok(len) if enc.len() <= MAX_MESSAGE_LEN => enc.patch_u32(24, len),
            _ => enc.fail(Error::TooLong {
                what: "IKE message",
            }),
        }
        enc.finish()
    }

    /// The payloads' types in order.
    pub fn payload_types(&self) -> impl Iterator<Item = super::iana::PayloadType> + '_ {
        self.payloads.iter().map(Payload::payload_type)
    }
}

/// charon's one-line form, e.g. `IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]`.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = if self.flags.is_response() {
            "response"
        } else {
            "request"
        };
        let summary = chain_summary(&self.payloads);
        write!(f, "{} {role} {} {summary}", self.exchange, self.message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures::{IKE_SA_INIT_REQUEST, IKE_SA_INIT_RESPONSE};
    use crate::wire::iana::PayloadType;
    use crate::wire::sk::Encrypted;

    #[test]
    fn parses_the_captured_ike_sa_init_request_like_charon() {
        let msg = Message::parse(&IKE_SA_INIT_REQUEST).unwrap();
        assert_eq!(msg.spi_i, 0x821d_73f1_e40c_282d);
        assert_eq!(msg.spi_r, 0);
        assert_eq!(msg.flags, Flags::INITIATOR);
        assert_eq!(
            msg.to_string(),
            "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) \
             N(HASH_ALG) N(REDIR_SUP) ]"
        );
    }

    #[test]
    fn parses_the_captured_ike_sa_init_response_like_charon() {
        let msg = Message::parse(&IKE_SA_INIT_RESPONSE).unwrap();
        assert_eq!(msg.flags, Flags::RESPONSE);
        assert_eq!(
            msg.to_string(),
            "IKE_SA_INIT response 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) \
             N(HASH_ALG) N(CHDLESS_SUP) N(MULT_AUTH) ]"
        );
    }

    #[test]
    fn emits_the_captured_messages_byte_for_byte() {
        for bytes in [&IKE_SA_INIT_REQUEST[..], &IKE_SA_INIT_RESPONSE[..]] {
            assert_eq!(Message::parse(bytes).unwrap().emit().unwrap(), bytes);
        }
    }

    #[test]
    fn rejects_major_version_3() {
        let mut bytes = IKE_SA_INIT_REQUEST;
        bytes[17] = 0x30;
        assert_eq!(Message::parse(&bytes), Err(Error::BadVersion { major: 3 }));
    }

    #[test]
    fn ignores_the_minor_version_and_reserved_flags() {
        let mut bytes = IKE_SA_INIT_REQUEST;
        bytes[17] = 0x21;
        bytes[19] |= 0x01;
        let msg = Message::parse(&bytes).unwrap();
        assert_eq!(msg, Message::parse(&IKE_SA_INIT_REQUEST).unwrap());
        assert_eq!(msg.emit().unwrap(), IKE_SA_INIT_REQUEST);
    }

    #[test]
    fn rejects_a_length_field_that_disagrees_with_the_datagram() {
        let short = &IKE_SA_INIT_REQUEST[..239];
        assert_eq!(
            Message::parse(short),
            Err(Error::Truncated {
                what: "IKE message"
            })
        );
        let mut long = IKE_SA_INIT_REQUEST.to_vec();
        long.push(0);
        assert_eq!(
            Message::parse(&long),
            Err(Error::TrailingData {
                what: "IKE message"
            })
        );
        let mut bytes = IKE_SA_INIT_REQUEST;
        bytes[27] = 27;
        bytes[26] = 0;
        assert_eq!(
            Message::parse(&bytes),
            Err(Error::BadLength {
                what: "IKE message"
            })
        );
    }

    #[test]
    fn rejects_trailing_bytes_after_the_last_payload() {
        let mut bytes = IKE_SA_INIT_REQUEST.to_vec();
        bytes.extend_from_slice(&[0; 4]);
        bytes[27] += 4;
        let err = Message::parse(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::TrailingData {
                what: "payload chain"
            }
        );
    }

    #[test]
    fn emits_an_empty_protected_informational() {
        let msg = Message {
            spi_i: 1,
            spi_r: 2,
            exchange: ExchangeType::INFORMATIONAL,
            flags: Flags::INITIATOR,
            message_id: 5,
            payloads: vec![Payload::Sk(Encrypted {
                first_inner: PayloadType::NONE,
                body: vec![7; 48],
            })],
        };
        let bytes = msg.emit().unwrap();
        assert_eq!(bytes.len(), 28 + 4 + 48);
        assert_eq!(bytes[16], PayloadType::SK.0);
        assert_eq!(bytes[28], 0, "SK names the (absent) first inner payload");
        assert_eq!(Message::parse(&bytes).unwrap(), msg);
        assert_eq!(msg.to_string(), "INFORMATIONAL request 5 [ SK ]");
    }

    #[test]
    fn refuses_to_emit_a_message_over_64_kib() {
        let big = Payload::Unknown {
            ty: PayloadType(200),
            critical: false,
            body: vec![0; 60_000],
        };
        let msg = Message {
            spi_i: 1,
            spi_r: 0,
            exchange: ExchangeType::IKE_SA_INIT,
            flags: Flags::INITIATOR,
            message_id: 0,
            payloads: vec![big.clone(), big],
        };
        assert_eq!(
            msg.emit(),
            Err(Error::TooLong {
                what: "IKE message"
            })
        );
    }
}
