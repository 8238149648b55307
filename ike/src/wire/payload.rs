//! One parsed payload of any type, and its dispatch by payload type.

use super::Error;
use super::cert::{Certificate, CertificateRequest};
use super::codec::{Codec, Encoder, Reader};
use super::cp::Configuration;
use super::eap::Eap;
use super::iana::PayloadType;
use super::id::{Authentication, Identification};
use super::ke::{KeyExchange, Nonce};
use super::notify::{Delete, Notify, VendorId};
use super::sa::SecurityAssociation;
use super::sk::{Encrypted, EncryptedFragment};
use super::ts::TrafficSelectors;

/// A payload of RFC 7296 §3 (or RFC 7383's SKF) as a parsed value. The
/// generic header is not stored: its Next Payload field follows from the
/// chain, its length from the body, and its critical bit is only meaningful
/// (and kept) for payloads this codec does not understand.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    /// Security Association (§3.3).
    Sa(SecurityAssociation),
    /// Key Exchange (§3.4).
    Ke(KeyExchange),
    /// Identification of the initiator (§3.5).
    IdI(Identification),
    /// Identification of the responder (§3.5).
    IdR(Identification),
    /// Certificate (§3.6).
    Cert(Certificate),
    /// Certificate Request (§3.7).
    CertReq(CertificateRequest),
    /// Authentication (§3.8).
    Auth(Authentication),
    /// Nonce (§3.9).
    Nonce(Nonce),
    /// Notify (§3.10).
    Notify(Notify),
    /// Delete (§3.11).
    Delete(Delete),
    /// Vendor ID (§3.12).
    VendorId(VendorId),
    /// Traffic selectors of the initiator (§3.13).
    TsI(TrafficSelectors),
    /// Traffic selectors of the responder (§3.13).
    TsR(TrafficSelectors),
    /// Encrypted and Authenticated (§3.14); always last.
    Sk(Encrypted),
    /// Encrypted fragment (RFC 7383 §2.5); always last.
    Skf(EncryptedFragment),
    /// Configuration (§3.15).
    Cp(Configuration),
    /// EAP (§3.16).
    Eap(Eap),
    /// A payload type this codec does not interpret, kept so it can be
    /// skipped (non-critical) and re-emitted unchanged.
    Unknown {
        /// Its payload type.
        ty: PayloadType,
        /// Its critical bit (always false when parsed: a critical unknown
        /// payload is an error).
        critical: bool,
        /// Its body.
        body: Vec<u8>,
    },
}

impl Payload {
    /// The payload type this value is sent as.
    #[must_use]
    pub const fn payload_type(&self) -> PayloadType {
        match self {
            Self::Sa(_) => PayloadType::SA,
            Self::Ke(_) => PayloadType::KE,
            Self::IdI(_) => PayloadType::IDI,
            Self::IdR(_) => PayloadType::IDR,
            Self::Cert(_) => PayloadType::CERT,
            Self::CertReq(_) => PayloadType::CERTREQ,
            Self::Auth(_) => PayloadType::AUTH,
            Self::Nonce(_) => PayloadType::NONCE,
            Self::Notify(_) => PayloadType::NOTIFY,
            Self::Delete(_) => PayloadType::DELETE,
            Self::VendorId(_) => PayloadType::VENDOR_ID,
            Self::TsI(_) => PayloadType::TSI,
            Self::TsR(_) => PayloadType::TSR,
            Self::Sk(_) => PayloadType::SK,
            Self::Skf(_) => PayloadType::SKF,
            Self::Cp(_) => PayloadType::CP,
            Self::Eap(_) => PayloadType::EAP,
            Self::Unknown { ty, .. } => *ty,
        }
    }

    /// Whether this payload ends its chain: SK and SKF carry the first
    /// inner payload type in their Next Payload field (RFC 7296 §3.14).
    #[must_use]
    pub const fn is_encrypted(&self) -> bool {
        matches!(self, Self::Sk(_) | Self::Skf(_))
    }

    /// Parses the body of a payload of type `ty`, whose generic header had
    /// the critical bit `critical` and Next Payload `next`. The body must
    /// be consumed exactly.
    pub(crate) fn read_body(
        ty: PayloadType,
        critical: bool,
        next: PayloadType,
        body: &mut Reader<'_>,
    ) -> Result<Self, Error> {
        let payload = match ty {
            PayloadType::SA => Self::Sa(read(body)?),
            PayloadType::KE => Self::Ke(read(body)?),
            PayloadType::IDI => Self::IdI(read(body)?),
            PayloadType::IDR => Self::IdR(read(body)?),
            PayloadType::CERT => Self::Cert(read(body)?),
            PayloadType::CERTREQ => Self::CertReq(read(body)?),
            PayloadType::AUTH => Self::Auth(read(body)?),
            PayloadType::NONCE => Self::Nonce(read(body)?),
            PayloadType::NOTIFY => Self::Notify(read(body)?),
            PayloadType::DELETE => Self::Delete(read(body)?),
            PayloadType::VENDOR_ID => Self::VendorId(read(body)?),
            PayloadType::TSI => Self::TsI(read(body)?),
            PayloadType::TSR => Self::TsR(read(body)?),
            PayloadType::SK => Self::Sk(Encrypted::read_body(next, body)),
            PayloadType::SKF => Self::Skf(EncryptedFragment::read_body(next, body)?),
            PayloadType::CP => Self::Cp(read(body)?),
            PayloadType::EAP => Self::Eap(read(body)?),
            _ if critical => return Err(Error::UnsupportedCritical(ty)),
            _ => Self::Unknown {
                ty,
                critical,
                body: body.rest().to_vec(),
            },
        };
        Ok(payload)
    }

    /// Appends generic header and body; `next` goes into the Next Payload
    /// field unless this is SK/SKF (which carry their first inner type).
    pub(crate) fn encode(&self, enc: &mut Encoder, next: PayloadType) {
        let start = enc.len();
        let (next, critical) = match self {
            Self::Sk(sk) => (sk.first_inner, false),
            Self::Skf(skf) => (skf.first_inner, false),
            Self::Unknown { critical, .. } => (next, *critical),
            _ => (next, false),
        };
        enc.u8(next.0);
        enc.u8(if critical { 0x80 } else { 0 });
        let mut body = enc.length_u16(start, "payload");
        self.encode_body(&mut body);
    }

    fn encode_body(&self, enc: &mut Encoder) {
        match self {
            Self::Sa(p) => p.encode(enc),
            Self::Ke(p) => p.encode(enc),
            Self::IdI(p) | Self::IdR(p) => p.encode(enc),
            Self::Cert(p) => p.encode(enc),
            Self::CertReq(p) => p.encode(enc),
            Self::Auth(p) => p.encode(enc),
            Self::Nonce(p) => p.encode(enc),
            Self::Notify(p) => p.encode(enc),
            Self::Delete(p) => p.encode(enc),
            Self::VendorId(p) => p.encode(enc),
            Self::TsI(p) | Self::TsR(p) => p.encode(enc),
            Self::Sk(p) => p.encode_body(enc),
            Self::Skf(p) => p.encode_body(enc),
            Self::Cp(p) => p.encode(enc),
            Self::Eap(p) => p.encode(enc),
            Self::Unknown { body, .. } => enc.bytes(body),
        }
    }
}

/// Reads a `T` that must fill the whole body.
fn read<T: Codec>(body: &mut Reader<'_>) -> Result<T, Error> {
    let value = T::read(body)?;
    body.expect_empty(T::WHAT)?;
    Ok(value)
}
