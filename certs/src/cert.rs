//! An X.509 certificate (RFC 5280) with what IKE needs from it parsed once:
//! names, key, validity, CA flag, keyUsage and the signature scheme.

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ike::wire::Identification;
use ike::wire::iana::IdType;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_X509_EXT_CRL_DISTRIBUTION_POINTS, OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::asn1::{self, Reader};
use crate::error::ParseError;
use crate::identity;
use crate::key::PublicKey;
use crate::scheme::Scheme;
use crate::verify;

/// A parsed X.509 certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    public_key: PublicKey,
    sans: Vec<Identification>,
    not_before: i64,
    not_after: i64,
    is_ca: bool,
    path_len: Option<u32>,
    ike_usage: bool,
    crl_uris: bool,
    scheme: Result<Scheme, String>,
    self_signed: bool,
    key_id: Option<Vec<u8>>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate(\"{}\")", self.subject_text())
    }
}

impl Certificate {
    /// Parses one DER certificate (trailing octets are refused).
    pub fn from_der(der: &[u8]) -> Result<Self, ParseError> {
        let bad = |e: String| ParseError::Certificate(e);
        let (rest, x509) = X509Certificate::from_der(der).map_err(|e| bad(e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad("trailing data".into()));
        }
        let (tbs, alg, signature) = split(der).ok_or_else(|| bad("malformed structure".into()))?;
        let public_key = PublicKey::from_spki(x509.public_key().raw)?;
        let mut cert = Self {
            der: der.to_vec(),
            subject: x509.subject().as_raw().to_vec(),
            issuer: x509.issuer().as_raw().to_vec(),
            public_key,
            sans: Vec::new(),
            not_before: x509.validity().not_before.timestamp(),
            not_after: x509.validity().not_after.timestamp(),
            is_ca: x509.is_ca(),
            path_len: None,
            ike_usage: true,
            crl_uris: false,
            scheme: Scheme::from_algorithm_identifier(alg),
            self_signed: false,
            key_id: None,
        };
        cert.read_extensions(&x509)?;
        cert.self_signed = cert.subject == cert.issuer
            && cert.scheme.as_ref().is_ok_and(|&s| {
                verify::verify_signature(&cert.public_key, s, tbs, signature).is_ok()
            });
        Ok(cert)
    }

    fn read_extensions(&mut self, x509: &X509Certificate<'_>) -> Result<(), ParseError> {
        let bad = |e: x509_parser::error::X509Error| ParseError::Certificate(e.to_string());
        // RFC 4945 §5.1.3.2: digitalSignature or nonRepudiation if present
        if let Some(ku) = x509.key_usage().map_err(bad)? {
            self.ike_usage = ku.value.digital_signature() || ku.value.non_repudiation();
        }
        if let Some(bc) = x509.basic_constraints().map_err(bad)? {
            self.path_len = bc.value.path_len_constraint;
        }
        if let Some(san) = x509.subject_alternative_name().map_err(bad)? {
            self.sans = san
                .value
                .general_names
                .iter()
                .filter_map(general_name)
                .collect();
        }
        let cdp = x509.get_extension_unique(&OID_X509_EXT_CRL_DISTRIBUTION_POINTS);
        self.crl_uris = cdp.map_err(bad)?.is_some();
        let skid = x509.get_extension_unique(&OID_X509_EXT_SUBJECT_KEY_IDENTIFIER);
        if let Some(ext) = skid.map_err(bad)?
            && let ParsedExtension::SubjectKeyIdentifier(id) = ext.parsed_extension()
        {
            self.key_id = Some(id.0.to_vec());
        }
        Ok(())
    }

    /// The DER encoding.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject DN (DER).
    #[must_use]
    pub fn subject(&self) -> &[u8] {
        &self.subject
    }

    /// The issuer DN (DER).
    #[must_use]
    pub fn issuer(&self) -> &[u8] {
        &self.issuer
    }

    /// The subject as an ID_DER_ASN1_DN identity.
    #[must_use]
    pub fn subject_id(&self) -> Identification {
        Identification {
            ty: IdType::DER_ASN1_DN,
            data: self.subject.clone(),
        }
    }

    /// The subject in strongSwan's text form (`C=CH, O=..., CN=...`).
    #[must_use]
    pub fn subject_text(&self) -> String {
        identity::dn_text(&self.subject)
    }

    /// The subjectAltNames we can compare with IKE identities.
    #[must_use]
    pub fn alt_names(&self) -> &[Identification] {
        &self.sans
    }

    /// The subject public key.
    #[must_use]
    pub const fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// basicConstraints cA.
    #[must_use]
    pub const fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// basicConstraints pathLenConstraint.
    #[must_use]
    pub const fn path_len(&self) -> Option<u32> {
        self.path_len
    }

    /// Self-issued and verifiable with its own key.
    #[must_use]
    pub const fn is_self_signed(&self) -> bool {
        self.self_signed
    }

    /// keyUsage absent, or with digitalSignature or nonRepudiation.
    #[must_use]
    pub const fn ike_usage(&self) -> bool {
        self.ike_usage
    }

    /// Whether it names CRL distribution points.
    #[must_use]
    pub const fn has_crl_uris(&self) -> bool {
        self.crl_uris
    }

    /// The scheme of the issuer's signature on this certificate.
    pub fn signature_scheme(&self) -> Result<Scheme, String> {
        self.scheme.clone()
    }

    /// subjectKeyIdentifier, if present.
    #[must_use]
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.key_id.as_deref()
    }

    /// notBefore and notAfter.
    #[must_use]
    pub fn validity(&self) -> (SystemTime, SystemTime) {
        (to_time(self.not_before), to_time(self.not_after))
    }

    /// Whether `now` is within the validity period.
    #[must_use]
    pub fn valid_at(&self, now: SystemTime) -> bool {
        let now = unix(now);
        self.not_before <= now && now <= self.not_after
    }
}

/// Seconds since the epoch (negative before it).
pub(crate) fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

fn to_time(secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH.checked_add(d).unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH.checked_sub(d).unwrap_or(UNIX_EPOCH)
    }
}

/// tbsCertificate (with header), signatureAlgorithm and the signature.
fn split(der: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let mut outer = Reader::new(der);
    let mut cert = Reader::new(outer.take(asn1::SEQUENCE)?);
    let (_, tbs) = cert.next_raw()?;
    let (_, alg) = cert.next_raw()?;
    let sig = cert.take(asn1::BIT_STRING)?;
    match sig.split_first() {
        Some((0, sig)) => Some((tbs, alg, sig)),
        _ => None,
    }
}

/// A subjectAltName as an IKE identity (RFC 4945 §5.1.3.2).
fn general_name(name: &GeneralName<'_>) -> Option<Identification> {
    Some(match name {
        GeneralName::DNSName(n) => Identification::fqdn(n),
        GeneralName::RFC822Name(n) => Identification::rfc822(n),
        GeneralName::IPAddress(a) => match a.len() {
            4 => Identification {
                ty: IdType::IPV4_ADDR,
                data: a.to_vec(),
            },
            16 => Identification {
                ty: IdType::IPV6_ADDR,
                data: a.to_vec(),
            },
            _ => return None,
        },
        GeneralName::DirectoryName(dn) => Identification {
            ty: IdType::DER_ASN1_DN,
            data: dn.as_raw().to_vec(),
        },
        _ => return None,
    })
}
