//! Reading credentials from PEM or DER blobs (files, VICI `load-cert`,
//! `load-key`, `load-authority`) and from swanctl's directory layout.
//!
//! Private keys: PKCS#1 RSA, SEC1 EC, PKCS#8 (RSA, ECDSA, Ed25519),
//! encrypted PKCS#8 (PBES2 with PBKDF2 or scrypt and AES, RustCrypto's
//! `pkcs8`/`pkcs5`) and PKCS#12 (p12-keystore: PBES2 and the legacy
//! 3DES/RC2 PBEs). aws-lc-rs does neither, and both crates are maintained
//! pure Rust of the same RustCrypto generation as `ike`. Legacy OpenSSL
//! PEM encryption (`Proc-Type: 4,ENCRYPTED`) is refused.

mod dir;
mod keys;
mod pkcs12;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, SubjectPublicKeyInfoDer};

use crate::asn1;
use crate::cert::Certificate;
use crate::error::ParseError;
use crate::key::{KeyKind, PrivateKey, PublicKey, oid};

pub use dir::{LoadReport, Passphrases, SWANCTL_DIRS};
pub(crate) use dir::{load_dir as load_dir_into, load_file};
pub use keys::parse_private_key;
pub use pkcs12::{Pkcs12, parse_pkcs12};

/// The largest blob we read (a CRL of a big CA fits).
pub const MAX_BLOB: usize = 16 << 20;

/// Whether `data` holds PEM (RFC 7468) rather than DER.
pub(crate) fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

pub(crate) fn check_size(data: &[u8]) -> Result<(), ParseError> {
    if data.len() > MAX_BLOB {
        return Err(ParseError::TooLarge { max: MAX_BLOB });
    }
    Ok(())
}

fn pem_error(e: rustls_pki_types::pem::Error) -> ParseError {
    ParseError::Pem(format!("{e:?}"))
}

/// Every certificate of a PEM file, or the one DER certificate.
pub fn parse_certificates(data: &[u8]) -> Result<Vec<Certificate>, ParseError> {
    check_size(data)?;
    if !is_pem(data) {
        return Ok(vec![Certificate::from_der(data)?]);
    }
    let mut certs = Vec::new();
    for der in CertificateDer::pem_slice_iter(data) {
        certs.push(Certificate::from_der(&der.map_err(pem_error)?)?);
    }
    if certs.is_empty() {
        return Err(ParseError::NotFound("certificate"));
    }
    Ok(certs)
}

/// A raw public key: SubjectPublicKeyInfo (PEM `PUBLIC KEY` or DER) or
/// PKCS#1 RSAPublicKey (PEM `RSA PUBLIC KEY` or DER).
pub fn parse_public_key(data: &[u8]) -> Result<PublicKey, ParseError> {
    check_size(data)?;
    if !is_pem(data) {
        return PublicKey::from_spki(data).or_else(|e| rsa_public_key(data).ok_or(e));
    }
    if let Ok(spki) = SubjectPublicKeyInfoDer::from_pem_slice(data) {
        return PublicKey::from_spki(&spki);
    }
    let (label, der) = pkcs8::der::pem::decode_vec(pem_block(data, "RSA PUBLIC KEY")?)
        .map_err(|e| ParseError::Pem(e.to_string()))?;
    if label != "RSA PUBLIC KEY" {
        return Err(ParseError::NotFound("public key"));
    }
    rsa_public_key(&der).ok_or_else(|| ParseError::Key("malformed RSA public key".into()))
}

/// A PKCS#1 RSAPublicKey wrapped into a SubjectPublicKeyInfo.
fn rsa_public_key(der: &[u8]) -> Option<PublicKey> {
    let alg = asn1::wrap(
        asn1::SEQUENCE,
        &[&asn1::wrap(asn1::OID, &[oid::RSA]), &[asn1::NULL, 0]],
    );
    let bits = asn1::wrap(asn1::BIT_STRING, &[&[0], der]);
    let key = PublicKey::from_spki(&asn1::wrap(asn1::SEQUENCE, &[&alg, &bits])).ok()?;
    matches!(key.kind(), KeyKind::Rsa(_)).then_some(key)
}

/// The text from `-----BEGIN <label>-----` to its END line.
pub(crate) fn pem_block<'a>(data: &'a [u8], label: &str) -> Result<&'a [u8], ParseError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let start = find(data, begin.as_bytes()).ok_or(ParseError::NotFound("PEM block"))?;
    let len = find(&data[start..], end.as_bytes())
        .ok_or_else(|| ParseError::Pem(format!("no END line for {label}")))?;
    Ok(&data[start..start + len + end.len()])
}

/// A certificate revocation list (RFC 5280 §5), checked by rustls-webpki.
#[derive(Debug)]
pub struct Crl {
    pub(crate) list: webpki::CertRevocationList<'static>,
    issuer: Vec<u8>,
    this_update: i64,
    der: Vec<u8>,
}

impl Crl {
    /// Parses one DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, ParseError> {
        use x509_parser::prelude::FromDer;
        let bad = |e: String| ParseError::Certificate(format!("CRL: {e}"));
        let (_, parsed) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
            .map_err(|e| bad(e.to_string()))?;
        let list = webpki::BorrowedCertRevocationList::from_der(der)
            .and_then(|crl| crl.to_owned())
            .map_err(|e| bad(format!("{e:?}")))?;
        Ok(Self {
            list: list.into(),
            issuer: parsed.issuer().as_raw().to_vec(),
            this_update: parsed.last_update().timestamp(),
            der: der.to_vec(),
        })
    }

    /// Its DER encoding.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer's DN (DER).
    #[must_use]
    pub fn issuer(&self) -> &[u8] {
        &self.issuer
    }

    /// Whether this is at least as recent as `other` of the same issuer.
    #[must_use]
    pub fn supersedes(&self, other: &Self) -> bool {
        self.issuer == other.issuer && self.this_update >= other.this_update
    }
}

/// Every CRL of a PEM file, or the one DER CRL.
pub fn parse_crls(data: &[u8]) -> Result<Vec<Crl>, ParseError> {
    check_size(data)?;
    if !is_pem(data) {
        return Ok(vec![Crl::from_der(data)?]);
    }
    let mut crls = Vec::new();
    for der in CertificateRevocationListDer::pem_slice_iter(data) {
        crls.push(Crl::from_der(&der.map_err(pem_error)?)?);
    }
    if crls.is_empty() {
        return Err(ParseError::NotFound("CRL"));
    }
    Ok(crls)
}

/// What a VICI blob turned out to be.
#[derive(Debug)]
#[non_exhaustive]
pub enum Loaded {
    /// End-entity certificates (`x509`).
    Certificates(Vec<Certificate>),
    /// CA certificates (`x509ca`, `load-authority`).
    Authorities(Vec<Certificate>),
    /// Attribute authority, OCSP signer or attribute certificates: parsed
    /// but not used for IKE (`x509aa`, `x509ocsp`, `x509ac`).
    Other(Vec<Certificate>),
    /// CRLs (`x509crl`).
    Crls(Vec<Crl>),
    /// A trusted raw public key (`pubkey`).
    PublicKey(PublicKey),
    /// A private key (`rsa`, `ecdsa`, `ed25519`, `pkcs8`, `private`, `any`).
    PrivateKey(PrivateKey),
}

/// A VICI `load-cert` (`type` `x509`, `x509ca`, ..., `pubkey`) or
/// `load-key` (`type` `rsa`, `ecdsa`, `ed25519`, `pkcs8`, `any`) blob, or
/// `x509ca` for `load-authority`. Keys of the wrong type are refused.
pub fn parse_vici(ty: &str, data: &[u8]) -> Result<Loaded, ParseError> {
    match ty {
        "x509" => Ok(Loaded::Certificates(parse_certificates(data)?)),
        "x509ca" => Ok(Loaded::Authorities(parse_certificates(data)?)),
        "x509aa" | "x509ocsp" | "x509ac" => Ok(Loaded::Other(parse_certificates(data)?)),
        "x509crl" => Ok(Loaded::Crls(parse_crls(data)?)),
        "pubkey" => Ok(Loaded::PublicKey(parse_public_key(data)?)),
        "rsa" | "ecdsa" | "ed25519" | "pkcs8" | "private" | "any" => {
            let key = parse_private_key(data, None)?;
            check_key_type(ty, &key)?;
            Ok(Loaded::PrivateKey(key))
        }
        other => Err(ParseError::UnknownType(other.to_owned())),
    }
}

/// `rsa`, `ecdsa` and `ed25519` keys must be of that type.
pub(crate) fn check_key_type(ty: &str, key: &PrivateKey) -> Result<(), ParseError> {
    let kind = key.public_key().kind();
    let ok = match ty {
        "rsa" => matches!(kind, KeyKind::Rsa(_)),
        "ecdsa" => matches!(kind, KeyKind::Ecdsa(_)),
        "ed25519" => kind == KeyKind::Ed25519,
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(ParseError::Key(format!(
        "{kind} key where '{ty}' was expected"
    )))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
