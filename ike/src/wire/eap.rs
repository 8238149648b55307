//! The EAP payload (RFC 7296 §3.16) carrying one EAP message (RFC 3748 §4).

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::iana::{EapCode, EapType};

/// EAP payload body: one EAP message (RFC 7296 §3.16, RFC 3748 §4):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Code      | Identifier    |           Length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      | Type_Data...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The EAP Length field must equal what the payload carries. A message of
/// exactly four octets (Success, Failure) has no type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Eap {
    /// Request, response, success, failure.
    pub code: EapCode,
    /// Matches responses to requests.
    pub identifier: u8,
    /// Method type and data; `None` for a four-octet message.
    pub method: Option<EapMethod>,
}

/// The method part of an EAP request or response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EapMethod {
    /// Method type.
    pub ty: EapType,
    /// Type data.
    pub data: Vec<u8>,
}

impl Codec for Eap {
    const WHAT: &'static str = "EAP payload";

    fn encode(&self, enc: &mut Encoder) {
        let start = enc.len();
        enc.u8(self.code.0);
        enc.u8(self.identifier);
        let mut msg = enc.length_u16(start, "EAP message");
        if let Some(method) = &self.method {
            msg.u8(method.ty.0);
            msg.bytes(&method.data);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let code = EapCode(r.u8("EAP code")?);
        let identifier = r.u8("EAP identifier")?;
        let len = usize::from(r.u16("EAP length")?);
        if len.checked_sub(4) != Some(r.remaining()) {
            return Err(Error::BadLength {
                what: "EAP message",
            });
        }
        let method = match r.is_empty() {
            true => None,
            false => Some(EapMethod {
                ty: EapType(r.u8("EAP type")?),
                data: r.rest().to_vec(),
            }),
        };
        Ok(Self {
            code,
            identifier,
            method,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_an_identity_request_and_a_success() {
        let request = Eap {
            code: EapCode::REQUEST,
            identifier: 7,
            method: Some(EapMethod {
                ty: EapType::IDENTITY,
                data: vec![],
            }),
        };
        let bytes = request.get_encoding().unwrap();
        assert_eq!(bytes, [1, 7, 0, 5, 1]);
        assert_eq!(Eap::read_bytes(&bytes).unwrap(), request);
        let success = Eap {
            code: EapCode::SUCCESS,
            identifier: 8,
            method: None,
        };
        assert_eq!(success.get_encoding().unwrap(), [3, 8, 0, 4]);
        assert_eq!(Eap::read_bytes(&[3, 8, 0, 4]).unwrap(), success);
    }

    #[test]
    fn rejects_an_eap_length_that_disagrees_with_the_payload() {
        let err = Eap::read_bytes(&[1, 7, 0, 6, 1]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "EAP message"
            }
        );
        let err = Eap::read_bytes(&[1, 7, 0, 3]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "EAP message"
            }
        );
    }
}
