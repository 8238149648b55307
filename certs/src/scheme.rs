//! Signature schemes and their RFC 7427 encoding: AUTH method 14 data is
//! a one-octet length, an ASN.1 AlgorithmIdentifier (RFC 7427 §3, the
//! encodings of Appendix A) and the signature.

use core::fmt;

use ike::wire::iana::{AuthMethod, HashAlgorithm};

use crate::asn1::{self, Reader};
use crate::key::{Curve, KeyKind};

/// A hash algorithm of a signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hash {
    /// SHA-1: verification of old peers only.
    Sha1,
    /// SHA-224: known in constraints, never used.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The RFC 7427 §4 identifier announced in SIGNATURE_HASH_ALGORITHMS.
    #[must_use]
    pub const fn iana(self) -> Option<HashAlgorithm> {
        match self {
            Self::Sha1 => Some(HashAlgorithm::SHA1),
            Self::Sha224 => None,
            Self::Sha256 => Some(HashAlgorithm::SHA2_256),
            Self::Sha384 => Some(HashAlgorithm::SHA2_384),
            Self::Sha512 => Some(HashAlgorithm::SHA2_512),
        }
    }

    /// The constraint keyword (`sha256`...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        [
            Self::Sha1,
            Self::Sha224,
            Self::Sha256,
            Self::Sha384,
            Self::Sha512,
        ]
        .into_iter()
        .find(|h| h.name() == name)
    }

    /// Output length in octets (the PSS salt length we use, RFC 7427 A.4).
    #[must_use]
    pub const fn output_len(self) -> u8 {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The NIST hash OID contents (SHA-1 has its own arc).
    const fn oid(self) -> &'static [u8] {
        match self {
            Self::Sha1 => &[0x2b, 0x0e, 0x03, 0x02, 0x1a],
            Self::Sha224 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04],
            Self::Sha256 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
            Self::Sha384 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02],
            Self::Sha512 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03],
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        [
            Self::Sha1,
            Self::Sha224,
            Self::Sha256,
            Self::Sha384,
            Self::Sha512,
        ]
        .into_iter()
        .find(|h| h.oid() == oid)
    }
}

/// A signature scheme, independent of a particular key (charon's
/// `signature_params_t`; PSS always with MGF1 of the same hash and a salt
/// as long as the hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    RsaPkcs1(Hash),
    /// RSASSA-PSS (RFC 8017 §8.1).
    RsaPss(Hash),
    /// ECDSA with a DER `ECDSA-Sig-Value` (RFC 7427 method 14, X.509).
    Ecdsa(Hash),
    /// ECDSA with raw r | s and the curve's hash (RFC 4754, methods 9–11).
    EcdsaFixed(Curve),
    /// Ed25519 (RFC 8420).
    Ed25519,
}

/// charon's names (`signature_scheme_names`, PSS with its parameters as
/// charon logs them: the salt is as long as the hash).
impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sha2 = |h: &Hash| match h {
            Hash::Sha1 => ("SHA1", 20),
            Hash::Sha224 => ("SHA2_224", 28),
            Hash::Sha256 => ("SHA2_256", 32),
            Hash::Sha384 => ("SHA2_384", 48),
            Hash::Sha512 => ("SHA2_512", 64),
        };
        match self {
            Self::RsaPkcs1(h) => write!(f, "RSA_EMSA_PKCS1_{}", sha2(h).0),
            Self::RsaPss(h) => write!(f, "RSA_EMSA_PSS_{}_SALT_{}", sha2(h).0, sha2(h).1),
            Self::Ecdsa(h) => write!(f, "ECDSA_WITH_{}_DER", h.name().to_uppercase()),
            Self::EcdsaFixed(c) => write!(f, "ECDSA-{}", c.bits()),
            Self::Ed25519 => f.write_str("ED25519"),
        }
    }
}

/// OID contents of the AlgorithmIdentifiers of RFC 7427 Appendix A.
mod oid {
    pub(super) const PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    pub(super) const ECDSA_WITH: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    pub(super) const MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
    pub(super) const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
}

impl Scheme {
    /// The hash announced for this scheme (RFC 7427 §4); `IDENTITY` for
    /// Ed25519 (RFC 8420).
    #[must_use]
    pub const fn hash_algorithm(self) -> Option<HashAlgorithm> {
        match self {
            Self::RsaPkcs1(h) | Self::RsaPss(h) | Self::Ecdsa(h) => h.iana(),
            Self::EcdsaFixed(Curve::P256) => Some(HashAlgorithm::SHA2_256),
            Self::EcdsaFixed(Curve::P384) => Some(HashAlgorithm::SHA2_384),
            Self::EcdsaFixed(Curve::P521) => Some(HashAlgorithm::SHA2_512),
            Self::Ed25519 => Some(HashAlgorithm::IDENTITY),
        }
    }

    /// Whether a key of `kind` makes signatures of this scheme.
    #[must_use]
    pub fn fits(self, kind: KeyKind) -> bool {
        match (self, kind) {
            (Self::RsaPkcs1(_) | Self::RsaPss(_), KeyKind::Rsa(_))
            | (Self::Ecdsa(_), KeyKind::Ecdsa(_))
            | (Self::Ed25519, KeyKind::Ed25519) => true,
            (Self::EcdsaFixed(c), KeyKind::Ecdsa(k)) => c == k,
            _ => false,
        }
    }

    /// The scheme of a classic AUTH method (RFC 7296 §3.8, RFC 4754);
    /// method 1 is PKCS#1 v1.5 with SHA-1 as every implementation uses it.
    #[must_use]
    pub const fn of_method(method: AuthMethod) -> Option<Self> {
        match method {
            AuthMethod::RSA => Some(Self::RsaPkcs1(Hash::Sha1)),
            AuthMethod::ECDSA_256 => Some(Self::EcdsaFixed(Curve::P256)),
            AuthMethod::ECDSA_384 => Some(Self::EcdsaFixed(Curve::P384)),
            AuthMethod::ECDSA_521 => Some(Self::EcdsaFixed(Curve::P521)),
            _ => None,
        }
    }

    /// The DER AlgorithmIdentifier of RFC 7427 Appendix A (PSS as charon
    /// sends it: explicit hash, MGF1 and salt, no trailer, RFC 7427 errata
    /// 4596), or `None` for the fixed ECDSA formats.
    #[must_use]
    pub fn algorithm_identifier(self) -> Option<Vec<u8>> {
        let oid = |parts: &[&[u8]]| asn1::wrap(asn1::OID, &[&parts.concat()]);
        let null: &[u8] = &[asn1::NULL, 0];
        Some(match self {
            Self::RsaPkcs1(h) => {
                let last: u8 = match h {
                    Hash::Sha1 => 5,
                    Hash::Sha224 => 14,
                    Hash::Sha256 => 11,
                    Hash::Sha384 => 12,
                    Hash::Sha512 => 13,
                };
                asn1::wrap(asn1::SEQUENCE, &[&oid(&[oid::PKCS1, &[last]]), null])
            }
            Self::Ecdsa(h) => {
                let tail: &[u8] = match h {
                    Hash::Sha1 => &[0x01],
                    Hash::Sha224 => &[0x03, 0x01],
                    Hash::Sha256 => &[0x03, 0x02],
                    Hash::Sha384 => &[0x03, 0x03],
                    Hash::Sha512 => &[0x03, 0x04],
                };
                asn1::wrap(asn1::SEQUENCE, &[&oid(&[oid::ECDSA_WITH, tail])])
            }
            Self::RsaPss(h) => {
                let hash = asn1::wrap(asn1::SEQUENCE, &[&oid(&[h.oid()]), null]);
                let mgf = asn1::wrap(asn1::SEQUENCE, &[&oid(&[oid::MGF1]), &hash]);
                let salt = asn1::wrap(asn1::INTEGER, &[&[h.output_len()]]);
                let params = asn1::wrap(
                    asn1::SEQUENCE,
                    &[
                        &asn1::wrap(0xa0, &[&hash]),
                        &asn1::wrap(0xa1, &[&mgf]),
                        &asn1::wrap(0xa2, &[&salt]),
                    ],
                );
                asn1::wrap(asn1::SEQUENCE, &[&oid(&[oid::RSASSA_PSS]), &params])
            }
            Self::Ed25519 => asn1::wrap(asn1::SEQUENCE, &[&oid(&[crate::key::oid::ED25519])]),
            Self::EcdsaFixed(_) => return None,
        })
    }

    /// Reads an AlgorithmIdentifier (RFC 7427 §3, also X.509 signature
    /// algorithms); `Err` names what is unsupported.
    pub fn from_algorithm_identifier(der: &[u8]) -> Result<Self, String> {
        let malformed = || "malformed AlgorithmIdentifier".to_owned();
        let mut outer = Reader::new(der);
        let mut seq = Reader::new(outer.take(asn1::SEQUENCE).ok_or_else(malformed)?);
        if !outer.is_empty() {
            return Err(malformed());
        }
        let id = seq.take(asn1::OID).ok_or_else(malformed)?;
        let params = seq.next();
        let no_params = params.is_none_or(|p| p.tag == asn1::NULL && p.value.is_empty());
        let scheme = match id {
            oid::RSASSA_PSS => return pss_params(params.map(|p| p.value)),
            [pfx @ .., last] if pfx == oid::PKCS1 => match last {
                5 => Self::RsaPkcs1(Hash::Sha1),
                11 => Self::RsaPkcs1(Hash::Sha256),
                12 => Self::RsaPkcs1(Hash::Sha384),
                13 => Self::RsaPkcs1(Hash::Sha512),
                _ => {
                    return Err(format!(
                        "unsupported algorithm {}",
                        crate::key::oid_text(id)
                    ));
                }
            },
            [pfx @ .., 0x01] if pfx == oid::ECDSA_WITH => Self::Ecdsa(Hash::Sha1),
            [pfx @ .., 0x03, n] if pfx == oid::ECDSA_WITH && params.is_none() => match n {
                2 => Self::Ecdsa(Hash::Sha256),
                3 => Self::Ecdsa(Hash::Sha384),
                4 => Self::Ecdsa(Hash::Sha512),
                _ => {
                    return Err(format!(
                        "unsupported algorithm {}",
                        crate::key::oid_text(id)
                    ));
                }
            },
            crate::key::oid::ED25519 if params.is_none() => Self::Ed25519,
            _ => {
                return Err(format!(
                    "unsupported algorithm {}",
                    crate::key::oid_text(id)
                ));
            }
        };
        if !no_params || !seq.is_empty() {
            return Err(malformed());
        }
        Ok(scheme)
    }
}

/// RSASSA-PSS-params (RFC 8017 A.2.3): we verify only MGF1 with the
/// message hash, a salt as long as the hash and trailer 1 (aws-lc-rs).
fn pss_params(params: Option<&[u8]>) -> Result<Scheme, String> {
    let bad = || "malformed RSASSA-PSS parameters".to_owned();
    let mut seq = Reader::new(params.ok_or_else(bad)?);
    let (mut hash, mut mgf_hash, mut salt, mut trailer) = (Hash::Sha1, Hash::Sha1, 20u32, 1u32);
    while let Some(field) = seq.next() {
        let mut inner = Reader::new(field.value);
        match field.tag {
            0xa0 => hash = hash_of(&mut inner).ok_or_else(bad)?,
            0xa1 => {
                let mut mgf = Reader::new(inner.take(asn1::SEQUENCE).ok_or_else(bad)?);
                if mgf.take(asn1::OID) != Some(oid::MGF1) {
                    return Err("unsupported mask generation function".into());
                }
                mgf_hash = hash_of(&mut mgf).ok_or_else(bad)?;
            }
            0xa2 => salt = small_int(&mut inner).ok_or_else(bad)?,
            0xa3 => trailer = small_int(&mut inner).ok_or_else(bad)?,
            _ => return Err(bad()),
        }
    }
    if trailer != 1 {
        return Err(bad());
    }
    if hash != mgf_hash || salt != u32::from(hash.output_len()) || hash < Hash::Sha256 {
        return Err(format!(
            "RSASSA-PSS with {} MGF1-{} salt {salt} not supported",
            hash.name(),
            mgf_hash.name()
        ));
    }
    Ok(Scheme::RsaPss(hash))
}

fn hash_of(r: &mut Reader<'_>) -> Option<Hash> {
    let mut alg = Reader::new(r.take(asn1::SEQUENCE)?);
    let hash = Hash::from_oid(alg.take(asn1::OID)?)?;
    match alg.next() {
        None => Some(hash),
        Some(p) if p.tag == asn1::NULL && p.value.is_empty() && alg.is_empty() => Some(hash),
        Some(_) => None,
    }
}

fn small_int(r: &mut Reader<'_>) -> Option<u32> {
    let v = r.take(asn1::INTEGER)?;
    if v.is_empty() || v.len() > 3 || v[0] & 0x80 != 0 {
        return None;
    }
    Some(v.iter().fold(0, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Splits method 14 AUTH data into its scheme and the signature.
pub(crate) fn split_auth_data(data: &[u8]) -> Result<(Scheme, &[u8]), String> {
    let (&len, rest) = data.split_first().ok_or("empty AUTH data")?;
    let len = usize::from(len);
    if rest.len() < len {
        return Err("AUTH data shorter than its AlgorithmIdentifier".into());
    }
    let (aid, signature) = rest.split_at(len);
    Ok((Scheme::from_algorithm_identifier(aid)?, signature))
}

/// Method 14 AUTH data: the length-prefixed AlgorithmIdentifier and the
/// signature.
pub(crate) fn join_auth_data(scheme: Scheme, signature: &[u8]) -> Option<Vec<u8>> {
    let aid = scheme.algorithm_identifier()?;
    let len = u8::try_from(aid.len()).ok()?;
    Some([&[len], aid.as_slice(), signature].concat())
}

#[cfg(test)]
#[path = "scheme_tests.rs"]
mod tests;
