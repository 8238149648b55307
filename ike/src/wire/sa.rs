//! The Security Association payload (RFC 7296 §3.3): proposals, transforms
//! and transform attributes. Order is kept everywhere and unknown transform
//! types, IDs and attributes are carried as they are, so emit reproduces
//! the received bytes.

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::error::{MAX_ATTRIBUTES, MAX_PROPOSALS, MAX_TRANSFORMS};
use super::iana::{
    EncrId, EsnId, IntegId, KeId, PrfId, ProtocolId, TransformAttributeType, TransformType,
};

/// "Last Substruc" of a proposal that is followed by another (RFC 7296
/// §3.3.1); the last one carries 0.
const MORE_PROPOSALS: u8 = 2;
/// "Last Substruc" of a transform that is followed by another (§3.3.2).
const MORE_TRANSFORMS: u8 = 3;
/// Attribute Format bit: set for the two-octet TV form (§3.3.5).
const ATTRIBUTE_FORMAT_TV: u16 = 0x8000;

/// SA payload body: proposals, most preferred first (RFC 7296 §3.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SecurityAssociation {
    /// The proposals in wire order.
    pub proposals: Vec<Proposal>,
}

/// A proposal substructure (RFC 7296 §3.3.1):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Last Substruc |   RESERVED    |         Proposal Length       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        SPI (variable)                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        <Transforms>                           ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Proposal {
    /// Proposal number (1 for the first, RFC 7296 §3.3.1).
    pub number: u8,
    /// IKE, AH or ESP.
    pub protocol: ProtocolId,
    /// Empty in IKE_SA_INIT, 8 octets when rekeying an IKE SA, 4 for AH/ESP.
    pub spi: Vec<u8>,
    /// Transforms in wire order.
    pub transforms: Vec<Transform>,
}

/// A transform substructure (RFC 7296 §3.3.2):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Last Substruc |   RESERVED    |        Transform Length       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Transform Type |   RESERVED    |          Transform ID         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                      Transform Attributes                     ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Transform {
    /// ENCR, PRF, INTEG, KE or ESN.
    pub ty: TransformType,
    /// Transform ID in the registry of `ty` (see the typed accessors).
    pub id: u16,
    /// Attributes in wire order.
    pub attributes: Vec<Attribute>,
}

/// A transform attribute (RFC 7296 §3.3.5):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |A|       Attribute Type        |    AF=0  Attribute Length     |
/// |F|                             |    AF=1  Attribute Value      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   AF=0  Attribute Value                       |
/// |                   AF=1  Not Transmitted                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// Attribute type (15 bits; the format bit is in `value`).
    pub ty: TransformAttributeType,
    /// The value, in the form it was (or will be) sent.
    pub value: AttributeValue,
}

/// The two attribute formats (RFC 7296 §3.3.5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    /// AF=1: a two-octet value in place of the length.
    Tv(u16),
    /// AF=0: a length-prefixed value.
    Tlv(Vec<u8>),
}

impl Transform {
    /// A transform without attributes.
    #[must_use]
    pub const fn new(ty: TransformType, id: u16) -> Self {
        Self {
            ty,
            id,
            attributes: Vec::new(),
        }
    }

    /// An encryption transform, with a KEY_LENGTH attribute if given.
    #[must_use]
    pub fn encr(id: EncrId, key_length: Option<u16>) -> Self {
        let mut t = Self::new(TransformType::ENCR, id.0);
        if let Some(bits) = key_length {
            let value = AttributeValue::Tv(bits);
            t.attributes.push(Attribute {
                ty: TransformAttributeType::KEY_LENGTH,
                value,
            });
        }
        t
    }

    /// A PRF transform.
    #[must_use]
    pub const fn prf(id: PrfId) -> Self {
        Self::new(TransformType::PRF, id.0)
    }

    /// An integrity transform.
    #[must_use]
    pub const fn integ(id: IntegId) -> Self {
        Self::new(TransformType::INTEG, id.0)
    }

    /// A key exchange method transform.
    #[must_use]
    pub const fn ke(id: KeId) -> Self {
        Self::new(TransformType::KE, id.0)
    }

    /// An extended sequence numbers transform.
    #[must_use]
    pub const fn esn(id: EsnId) -> Self {
        Self::new(TransformType::ESN, id.0)
    }

    /// The KEY_LENGTH attribute in bits, if present in TV form.
    #[must_use]
    pub fn key_length(&self) -> Option<u16> {
        self.attributes.iter().find_map(|a| match (a.ty, &a.value) {
            (TransformAttributeType::KEY_LENGTH, AttributeValue::Tv(bits)) => Some(*bits),
            _ => None,
        })
    }
}

impl Codec for SecurityAssociation {
    const WHAT: &'static str = "SA payload";

    fn encode(&self, enc: &mut Encoder) {
        let count = self.proposals.len();
        for (i, proposal) in self.proposals.iter().enumerate() {
            let more = i + 1 < count;
            proposal.encode_with(enc, if more { MORE_PROPOSALS } else { 0 });
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let mut proposals = Vec::new();
        while !r.is_empty() {
            if proposals.len() == MAX_PROPOSALS {
                return Err(Error::TooMany { what: "proposals" });
            }
            let (last_substruc, proposal) = Proposal::read_with(r)?;
            let expected = if r.is_empty() { 0 } else { MORE_PROPOSALS };
            if last_substruc != expected {
                return Err(Error::BadValue {
                    what: "proposal last substruc",
                });
            }
            proposals.push(proposal);
        }
        Ok(Self { proposals })
    }
}

impl Proposal {
    fn encode_with(&self, enc: &mut Encoder, last_substruc: u8) {
        let start = enc.len();
        enc.u8(last_substruc);
        enc.zeros(1);
        let mut p = enc.length_u16(start, "proposal");
        p.u8(self.number);
        p.u8(self.protocol.0);
        p.count_u8(self.spi.len(), "proposal SPI octets");
        p.count_u8(self.transforms.len(), "transforms");
        p.bytes(&self.spi);
        let count = self.transforms.len();
        for (i, transform) in self.transforms.iter().enumerate() {
            let more = i + 1 < count;
            transform.encode_with(&mut p, if more { MORE_TRANSFORMS } else { 0 });
        }
    }

    fn read_with(r: &mut Reader<'_>) -> Result<(u8, Self), Error> {
        let last_substruc = r.u8("proposal header")?;
        r.skip(1, "proposal header")?;
        let len = r.u16("proposal length")?;
        let body_len = usize::from(len)
            .checked_sub(4)
            .ok_or(Error::BadLength { what: "proposal" })?;
        let mut p = r.sub(body_len, "proposal")?;
        let number = p.u8("proposal number")?;
        let protocol = ProtocolId(p.u8("proposal protocol")?);
        let spi_size = p.u8("proposal SPI size")?;
        let transform_count = usize::from(p.u8("proposal transform count")?);
        if !matches!(spi_size, 0 | 4 | 8) {
            return Err(Error::BadLength {
                what: "proposal SPI",
            });
        }
        let spi = p.take(usize::from(spi_size), "proposal SPI")?.to_vec();
        if transform_count > MAX_TRANSFORMS {
            return Err(Error::TooMany { what: "transforms" });
        }
        let mut transforms = Vec::new();
        for i in 0..transform_count {
            let (last_substruc, transform) = Transform::read_with(&mut p)?;
            let expected = if i + 1 < transform_count {
                MORE_TRANSFORMS
            } else {
                0
            };
            if last_substruc != expected {
                return Err(Error::BadValue {
                    what: "transform last substruc",
                });
            }
            transforms.push(transform);
        }
        p.expect_empty("proposal")?;
        Ok((
            last_substruc,
            Self {
                number,
                protocol,
                spi,
                transforms,
            },
        ))
    }
}

impl Transform {
    fn encode_with(&self, enc: &mut Encoder, last_substruc: u8) {
        let start = enc.len();
        enc.u8(last_substruc);
        enc.zeros(1);
        let mut t = enc.length_u16(start, "transform");
        t.u8(self.ty.0);
        t.zeros(1);
        t.u16(self.id);
        if self.attributes.len() > MAX_ATTRIBUTES {
            t.fail(Error::TooMany {
                what: "transform attributes",
            });
        }
        for attribute in &self.attributes {
            attribute.encode(&mut t);
        }
    }

    fn read_with(r: &mut Reader<'_>) -> Result<(u8, Self), Error> {
        let last_substruc = r.u8("transform header")?;
        r.skip(1, "transform header")?;
        let len = r.u16("transform length")?;
        let body_len = usize::from(len)
            .checked_sub(4)
            .ok_or(Error::BadLength { what: "transform" })?;
        let mut t = r.sub(body_len, "transform")?;
        let ty = TransformType(t.u8("transform type")?);
        t.skip(1, "transform type")?;
        let id = t.u16("transform ID")?;
        let mut attributes = Vec::new();
        while !t.is_empty() {
            if attributes.len() == MAX_ATTRIBUTES {
                return Err(Error::TooMany {
                    what: "transform attributes",
                });
            }
            attributes.push(Attribute::read(&mut t)?);
        }
        Ok((last_substruc, Self { ty, id, attributes }))
    }
}

impl Codec for Attribute {
    const WHAT: &'static str = "transform attribute";

    fn encode(&self, enc: &mut Encoder) {
        let ty = self.ty.0 & !ATTRIBUTE_FORMAT_TV;
        match &self.value {
            AttributeValue::Tv(value) => {
                enc.u16(ty | ATTRIBUTE_FORMAT_TV);
                enc.u16(*value);
            }
            AttributeValue::Tlv(value) => {
                enc.u16(ty);
                let from = enc.len() + 2;
                enc.length_u16(from, "transform attribute").bytes(value);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let raw = r.u16("transform attribute type")?;
        let ty = TransformAttributeType(raw & !ATTRIBUTE_FORMAT_TV);
        let value = if raw & ATTRIBUTE_FORMAT_TV != 0 {
            AttributeValue::Tv(r.u16("transform attribute value")?)
        } else {
            let len = r.u16("transform attribute length")?;
            AttributeValue::Tlv(
                r.take(usize::from(len), "transform attribute value")?
                    .to_vec(),
            )
        };
        Ok(Self { ty, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SA payload body of psk-net2net's IKE_SA_INIT request (frame 1):
    /// one IKE proposal, AES_CBC/128, HMAC_SHA2_256_128, PRF_HMAC_SHA2_256,
    /// CURVE_25519.
    const IKE_SA_INIT_SA: [u8; 44] = [
        0x00, 0x00, 0x00, 0x2c, 0x01, 0x01, 0x00, 0x04, // proposal 1, IKE, 4 transforms
        0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0c, 0x80, 0x0e, 0x00,
        0x80, // ENCR AES_CBC 128
        0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c, // INTEG HMAC_SHA2_256_128
        0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05, // PRF HMAC_SHA2_256
        0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1f, // KE CURVE_25519
    ];

    fn ike_proposal() -> SecurityAssociation {
        SecurityAssociation {
            proposals: vec![Proposal {
                number: 1,
                protocol: ProtocolId::IKE,
                spi: vec![],
                transforms: vec![
                    Transform::encr(EncrId::AES_CBC, Some(128)),
                    Transform::integ(IntegId::HMAC_SHA2_256_128),
                    Transform::prf(PrfId::HMAC_SHA2_256),
                    Transform::ke(KeId::CURVE_25519),
                ],
            }],
        }
    }

    #[test]
    fn annotated_fixture_is_the_captured_sa_payload() {
        assert_eq!(crate::wire::fixtures::request_body(0), IKE_SA_INIT_SA);
    }

    #[test]
    fn parses_the_captured_ike_proposal() {
        let sa = SecurityAssociation::read_bytes(&IKE_SA_INIT_SA).unwrap();
        assert_eq!(sa, ike_proposal());
        assert_eq!(sa.proposals[0].transforms[0].key_length(), Some(128));
    }

    #[test]
    fn emits_the_captured_ike_proposal() {
        assert_eq!(ike_proposal().get_encoding().unwrap(), IKE_SA_INIT_SA);
    }

    #[test]
    fn keeps_unknown_attributes_and_tlv_form() {
        let mut t = Transform::new(TransformType(200), 0x1234);
        t.attributes.push(Attribute {
            ty: TransformAttributeType(99),
            value: AttributeValue::Tlv(vec![1, 2, 3]),
        });
        let sa = SecurityAssociation {
            proposals: vec![Proposal {
                number: 1,
                protocol: ProtocolId::ESP,
                spi: vec![0xc0, 0xff, 0xee, 0x01],
                transforms: vec![t],
            }],
        };
        let bytes = sa.get_encoding().unwrap();
        assert_eq!(SecurityAssociation::read_bytes(&bytes).unwrap(), sa);
    }

    #[test]
    fn rejects_proposal_spi_sizes_other_than_0_4_8() {
        let mut bytes = IKE_SA_INIT_SA;
        bytes[6] = 2;
        let err = SecurityAssociation::read_bytes(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "proposal SPI"
            }
        );
    }

    #[test]
    fn rejects_a_transform_count_that_disagrees_with_the_proposal_length() {
        let mut bytes = IKE_SA_INIT_SA;
        bytes[7] = 3;
        let err = SecurityAssociation::read_bytes(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::BadValue {
                what: "transform last substruc"
            }
        );
        bytes[7] = 5;
        bytes[36] = MORE_TRANSFORMS;
        let err = SecurityAssociation::read_bytes(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::Truncated {
                what: "transform header"
            }
        );
    }

    #[test]
    fn rejects_a_proposal_length_below_its_header() {
        let mut bytes = IKE_SA_INIT_SA;
        bytes[3] = 3;
        let err = SecurityAssociation::read_bytes(&bytes).unwrap_err();
        assert_eq!(err, Error::BadLength { what: "proposal" });
    }

    #[test]
    fn rejects_a_wrong_last_substruc() {
        let mut bytes = IKE_SA_INIT_SA;
        bytes[0] = 2;
        let err = SecurityAssociation::read_bytes(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::BadValue {
                what: "proposal last substruc"
            }
        );
    }

    #[test]
    fn rejects_more_than_64_transforms() {
        let mut p = Proposal {
            number: 1,
            protocol: ProtocolId::IKE,
            ..Proposal::default()
        };
        p.transforms = vec![Transform::prf(PrfId::HMAC_SHA2_256); 65];
        let sa = SecurityAssociation { proposals: vec![p] };
        let bytes = sa.get_encoding().unwrap();
        let err = SecurityAssociation::read_bytes(&bytes).unwrap_err();
        assert_eq!(err, Error::TooMany { what: "transforms" });
    }
}
