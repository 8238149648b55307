//! Public keys (from SubjectPublicKeyInfo, RFC 5280 §4.1.2.7) and private
//! keys held by aws-lc-rs (RSA, ECDSA P-256/384/521, Ed25519).

use core::fmt;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, RsaKeyPair,
};

use crate::asn1::{self, Reader};
use crate::error::ParseError;

/// OIDs (contents octets) of the key algorithms and curves we know.
pub(crate) mod oid {
    /// rsaEncryption (RFC 8017).
    pub(crate) const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// id-ecPublicKey (RFC 5480).
    pub(crate) const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// id-Ed25519 (RFC 8410).
    pub(crate) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// prime256v1 / secp256r1.
    pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// secp384r1.
    pub(crate) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// secp521r1.
    pub(crate) const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
}

/// An elliptic curve for ECDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl Curve {
    /// The key size in bits, as charon counts ECDSA strength.
    #[must_use]
    pub const fn bits(self) -> u32 {
        match self {
            Self::P256 => 256,
            Self::P384 => 384,
            Self::P521 => 521,
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        [
            (oid::P256, Self::P256),
            (oid::P384, Self::P384),
            (oid::P521, Self::P521),
        ]
        .into_iter()
        .find_map(|(o, c)| (o == oid).then_some(c))
    }

    const fn oid(self) -> &'static [u8] {
        match self {
            Self::P256 => oid::P256,
            Self::P384 => oid::P384,
            Self::P521 => oid::P521,
        }
    }
}

/// What kind of key, with its size where it varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// RSA with this modulus size in bits.
    Rsa(u32),
    /// ECDSA on this curve.
    Ecdsa(Curve),
    /// Ed25519 (RFC 8032).
    Ed25519,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa(bits) => write!(f, "{bits} bit RSA"),
            Self::Ecdsa(c) => write!(f, "{} bit ECDSA", c.bits()),
            Self::Ed25519 => f.write_str("ED25519"),
        }
    }
}

/// A public key: its kind and the raw form aws-lc-rs verifies with
/// (RSAPublicKey DER, an uncompressed EC point, or 32 Ed25519 octets).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    kind: KeyKind,
    raw: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.kind)
    }
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki(spki: &[u8]) -> Result<Self, ParseError> {
        let bad = || ParseError::Key("malformed SubjectPublicKeyInfo".into());
        let mut outer = Reader::new(spki);
        let mut info = Reader::new(outer.take(asn1::SEQUENCE).ok_or_else(bad)?);
        if !outer.is_empty() {
            return Err(bad());
        }
        let mut alg = Reader::new(info.take(asn1::SEQUENCE).ok_or_else(bad)?);
        let bits = info.take(asn1::BIT_STRING).ok_or_else(bad)?;
        let raw = match bits.split_first() {
            Some((0, raw)) => raw.to_vec(),
            _ => return Err(bad()),
        };
        let algorithm = alg.take(asn1::OID).ok_or_else(bad)?;
        let kind = match algorithm {
            oid::RSA => Self::rsa_kind(&raw).ok_or_else(bad)?,
            oid::EC => {
                let curve = alg.take(asn1::OID).ok_or_else(bad)?;
                let curve = Curve::from_oid(curve)
                    .ok_or_else(|| ParseError::Key("unsupported elliptic curve".into()))?;
                KeyKind::Ecdsa(curve)
            }
            oid::ED25519 if raw.len() == 32 => KeyKind::Ed25519,
            other => {
                return Err(ParseError::Key(format!(
                    "unsupported public key algorithm {}",
                    oid_text(other)
                )));
            }
        };
        Ok(Self { kind, raw })
    }

    fn rsa_kind(raw: &[u8]) -> Option<KeyKind> {
        let mut outer = Reader::new(raw);
        let mut key = Reader::new(outer.take(asn1::SEQUENCE)?);
        let modulus = key.take(asn1::INTEGER)?;
        key.take(asn1::INTEGER)?;
        Some(KeyKind::Rsa(asn1::integer_bits(modulus)))
    }

    /// The key's kind and size.
    #[must_use]
    pub const fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The raw key octets aws-lc-rs verifies with.
    #[must_use]
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The DER SubjectPublicKeyInfo.
    #[must_use]
    pub fn to_spki(&self) -> Vec<u8> {
        let null: &[u8] = &[asn1::NULL, 0];
        let alg = match self.kind {
            KeyKind::Rsa(_) => asn1::wrap(asn1::SEQUENCE, &[&oid_tlv(oid::RSA), null]),
            KeyKind::Ecdsa(c) => {
                asn1::wrap(asn1::SEQUENCE, &[&oid_tlv(oid::EC), &oid_tlv(c.oid())])
            }
            KeyKind::Ed25519 => asn1::wrap(asn1::SEQUENCE, &[&oid_tlv(oid::ED25519)]),
        };
        let bits = asn1::wrap(asn1::BIT_STRING, &[&[0], &self.raw]);
        asn1::wrap(asn1::SEQUENCE, &[&alg, &bits])
    }

    /// SHA-1 of the DER SubjectPublicKeyInfo: charon's keyid for CERTREQ
    /// (RFC 7296 §3.7) and for ID_KEY_ID lookups.
    #[must_use]
    pub fn spki_sha1(&self) -> [u8; 20] {
        sha1(&self.to_spki())
    }
}

pub(crate) fn sha1(data: &[u8]) -> [u8; 20] {
    let d = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, data);
    let mut out = [0; 20];
    out.copy_from_slice(d.as_ref());
    out
}

fn oid_tlv(oid: &[u8]) -> Vec<u8> {
    asn1::wrap(asn1::OID, &[oid])
}

pub(crate) use ike::wire::dn_text::oid_text;

/// A private key. aws-lc-rs owns (and wipes) the key material; ECDSA
/// keys are parsed once per signing algorithm we may use.
pub struct PrivateKey {
    inner: Inner,
    public: PublicKey,
}

enum Inner {
    Rsa(RsaKeyPair),
    Ecdsa(Vec<(&'static EcdsaSigningAlgorithm, EcdsaKeyPair)>),
    Ed25519(Ed25519KeyPair),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({})", self.public.kind)
    }
}

/// The signing algorithms of each curve (aws-lc-rs signs P-256 and P-384
/// only with their own hash).
fn ecdsa_algs(curve: Curve) -> &'static [&'static EcdsaSigningAlgorithm] {
    use signature as s;
    match curve {
        Curve::P256 => &[
            &s::ECDSA_P256_SHA256_FIXED_SIGNING,
            &s::ECDSA_P256_SHA256_ASN1_SIGNING,
        ],
        Curve::P384 => &[
            &s::ECDSA_P384_SHA384_FIXED_SIGNING,
            &s::ECDSA_P384_SHA384_ASN1_SIGNING,
        ],
        Curve::P521 => &[
            &s::ECDSA_P521_SHA512_FIXED_SIGNING,
            &s::ECDSA_P521_SHA512_ASN1_SIGNING,
            &s::ECDSA_P521_SHA384_ASN1_SIGNING,
            &s::ECDSA_P521_SHA256_ASN1_SIGNING,
        ],
    }
}

const CURVES: [Curve; 3] = [Curve::P256, Curve::P384, Curve::P521];

impl PrivateKey {
    /// An unencrypted PKCS#8 PrivateKeyInfo (RFC 5208/5958) of an RSA,
    /// ECDSA or Ed25519 key.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, ParseError> {
        let alg = pkcs8_algorithm(der)
            .ok_or_else(|| ParseError::Key("malformed PKCS#8 private key".into()))?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| ParseError::Key(format!("{e}"));
        match alg {
            oid::RSA => Self::rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?),
            oid::EC => CURVES
                .into_iter()
                .find_map(|c| Self::ecdsa(c, |alg| EcdsaKeyPair::from_pkcs8(alg, der)).ok())
                .ok_or_else(|| ParseError::Key("unsupported or invalid ECDSA key".into())),
            oid::ED25519 => {
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?;
                let public = PublicKey {
                    kind: KeyKind::Ed25519,
                    raw: pair.public_key().as_ref().to_vec(),
                };
                Ok(Self {
                    inner: Inner::Ed25519(pair),
                    public,
                })
            }
            other => Err(ParseError::Key(format!(
                "unsupported private key algorithm {}",
                oid_text(other)
            ))),
        }
    }

    /// A PKCS#1 RSAPrivateKey (RFC 8017 A.1.2).
    pub fn from_pkcs1(der: &[u8]) -> Result<Self, ParseError> {
        Self::rsa(RsaKeyPair::from_der(der).map_err(|e| ParseError::Key(format!("{e}")))?)
    }

    /// A SEC1 ECPrivateKey (RFC 5915).
    pub fn from_sec1(der: &[u8]) -> Result<Self, ParseError> {
        CURVES
            .into_iter()
            .find_map(|c| Self::ecdsa(c, |alg| EcdsaKeyPair::from_private_key_der(alg, der)).ok())
            .ok_or_else(|| ParseError::Key("unsupported or invalid ECDSA key".into()))
    }

    fn rsa(pair: RsaKeyPair) -> Result<Self, ParseError> {
        let raw = pair.public_key().as_ref().to_vec();
        let kind = PublicKey::rsa_kind(&raw)
            .ok_or_else(|| ParseError::Key("malformed RSA public key".into()))?;
        Ok(Self {
            inner: Inner::Rsa(pair),
            public: PublicKey { kind, raw },
        })
    }

    fn ecdsa(
        curve: Curve,
        parse: impl Fn(
            &'static EcdsaSigningAlgorithm,
        ) -> Result<EcdsaKeyPair, aws_lc_rs::error::KeyRejected>,
    ) -> Result<Self, ParseError> {
        let mut pairs = Vec::new();
        for &alg in ecdsa_algs(curve) {
            let pair = parse(alg).map_err(|e| ParseError::Key(format!("{e}")))?;
            pairs.push((alg, pair));
        }
        let raw = pairs
            .first()
            .map(|(_, p)| p.public_key().as_ref().to_vec())
            .ok_or_else(|| ParseError::Key("no ECDSA algorithm".into()))?;
        Ok(Self {
            inner: Inner::Ecdsa(pairs),
            public: PublicKey {
                kind: KeyKind::Ecdsa(curve),
                raw,
            },
        })
    }

    /// The public half.
    #[must_use]
    pub const fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub(crate) const fn rsa_pair(&self) -> Option<&RsaKeyPair> {
        match &self.inner {
            Inner::Rsa(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn ecdsa_pair(&self, alg: &EcdsaSigningAlgorithm) -> Option<&EcdsaKeyPair> {
        match &self.inner {
            Inner::Ecdsa(pairs) => pairs.iter().find(|(a, _)| *a == alg).map(|(_, p)| p),
            _ => None,
        }
    }

    pub(crate) const fn ed25519_pair(&self) -> Option<&Ed25519KeyPair> {
        match &self.inner {
            Inner::Ed25519(p) => Some(p),
            _ => None,
        }
    }
}

/// The algorithm OID of a PKCS#8 PrivateKeyInfo, without touching the key.
fn pkcs8_algorithm(der: &[u8]) -> Option<&[u8]> {
    let mut outer = Reader::new(der);
    let mut info = Reader::new(outer.take(asn1::SEQUENCE)?);
    info.take(asn1::INTEGER)?;
    let mut alg = Reader::new(info.take(asn1::SEQUENCE)?);
    alg.take(asn1::OID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_print_dotted() {
        assert_eq!(oid_text(oid::RSA), "1.2.840.113549.1.1.1");
        assert_eq!(oid_text(oid::P384), "1.3.132.0.34");
    }

    #[test]
    fn a_truncated_spki_is_refused_without_panicking() {
        let spki = crate::testpki::ecdsa_key(Curve::P256)
            .public_key()
            .to_spki();
        for len in 0..spki.len() {
            assert!(PublicKey::from_spki(&spki[..len]).is_err(), "{len}");
        }
        assert!(PublicKey::from_spki(&spki).is_ok());
    }
}
