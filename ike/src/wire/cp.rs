//! The Configuration payload (RFC 7296 §3.15).

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::error::MAX_CONFIG_ATTRIBUTES;
use super::iana::{CfgType, ConfigAttributeType};

/// Configuration payload body (RFC 7296 §3.15):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C| RESERVED    |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   CFG Type    |                    RESERVED                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                   Configuration Attributes                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Configuration {
    /// Request, reply, set or ack.
    pub ty: CfgType,
    /// Attributes in wire order (an empty value asks for one in a request).
    pub attributes: Vec<ConfigAttribute>,
}

/// A configuration attribute (RFC 7296 §3.15.1):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|         Attribute Type      |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// ~                             Value                             ~
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConfigAttribute {
    /// Attribute type (15 bits; the reserved bit is sent as zero).
    pub ty: ConfigAttributeType,
    /// The value; its length is the Length field.
    pub value: Vec<u8>,
}

/// The reserved top bit of the attribute type field.
const RESERVED_BIT: u16 = 0x8000;

impl Codec for Configuration {
    const WHAT: &'static str = "CP payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.ty.0);
        enc.zeros(3);
        if self.attributes.len() > MAX_CONFIG_ATTRIBUTES {
            enc.fail(Error::TooMany {
                what: "configuration attributes",
            });
        }
        for attribute in &self.attributes {
            attribute.encode(enc);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let ty = CfgType(r.u8("CFG type")?);
        r.skip(3, "CP header")?;
        let mut attributes = Vec::new();
        while !r.is_empty() {
            if attributes.len() == MAX_CONFIG_ATTRIBUTES {
                return Err(Error::TooMany {
                    what: "configuration attributes",
                });
            }
            attributes.push(ConfigAttribute::read(r)?);
        }
        Ok(Self { ty, attributes })
    }
}

impl Codec for ConfigAttribute {
    const WHAT: &'static str = "configuration attribute";

    fn encode(&self, enc: &mut Encoder) {
        enc.u16(self.ty.0 & !RESERVED_BIT);
        let from = enc.len() + 2;
        enc.length_u16(from, "configuration attribute")
            .bytes(&self.value);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let ty = ConfigAttributeType(r.u16("configuration attribute type")? & !RESERVED_BIT);
        let len = r.u16("configuration attribute length")?;
        let value = r
            .take(usize::from(len), "configuration attribute value")?
            .to_vec();
        Ok(Self { ty, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_an_address_and_dns_request() {
        let cp = Configuration {
            ty: CfgType::REQUEST,
            attributes: vec![
                ConfigAttribute {
                    ty: ConfigAttributeType::INTERNAL_IP4_ADDRESS,
                    value: vec![],
                },
                ConfigAttribute {
                    ty: ConfigAttributeType::INTERNAL_IP4_DNS,
                    value: vec![],
                },
            ],
        };
        let bytes = cp.get_encoding().unwrap();
        assert_eq!(bytes, [1, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0]);
        assert_eq!(Configuration::read_bytes(&bytes).unwrap(), cp);
    }

    #[test]
    fn rejects_an_attribute_longer_than_the_payload() {
        let err = Configuration::read_bytes(&[2, 0, 0, 0, 0, 1, 0, 4, 10, 0]).unwrap_err();
        assert_eq!(
            err,
            Error::Truncated {
                what: "configuration attribute value"
            }
        );
    }

    #[test]
    fn ignores_the_reserved_bit_of_attribute_types() {
        let cp = Configuration::read_bytes(&[2, 0, 0, 0, 0x80, 1, 0, 0]).unwrap();
        assert_eq!(
            cp.attributes[0].ty,
            ConfigAttributeType::INTERNAL_IP4_ADDRESS
        );
    }
}
