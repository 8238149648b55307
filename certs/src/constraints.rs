//! `local.auth` / `remote.auth` public key constraints as swanctl.conf(5)
//! documents them: `-`-separated key types with minimum strengths
//! (`rsa-2048`, `ecdsa-384`), hash algorithms (`pubkey-sha256-sha512`),
//! `rsa/pss` for RSASSA-PSS and `ike:` for constraints on the IKE
//! signature only. Hash constraints without `ike:` apply to the trust
//! chain's certificate signatures and, as in charon, also to the IKE
//! signature.
//!
//! Stricter than charon 5.9.8, which ignores a key type given without a
//! strength or hash: `rsa`, `ecdsa`, `ed25519` alone require that key
//! type, and `rsa/pss` alone requires (and locally selects) RSASSA-PSS.

use crate::error::VerifyError;
use crate::key::{Curve, KeyKind};
use crate::scheme::{Hash, Scheme};

/// A key type without its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// RSA.
    Rsa,
    /// ECDSA.
    Ecdsa,
    /// Ed25519.
    Ed25519,
}

impl KeyType {
    /// The type of a key.
    #[must_use]
    pub const fn of(kind: KeyKind) -> Self {
        match kind {
            KeyKind::Rsa(_) => Self::Rsa,
            KeyKind::Ecdsa(_) => Self::Ecdsa,
            KeyKind::Ed25519 => Self::Ed25519,
        }
    }
}

/// Parsed constraints of one authentication round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthConstraints {
    /// Key types the end-entity key must have (empty: any).
    pub key_types: Vec<KeyType>,
    /// Minimum key sizes per type; every RSA/ECDSA key of the chain must
    /// meet the one of its type (charon's `AUTH_RULE_*_STRENGTH`).
    pub strengths: Vec<(KeyType, u32)>,
    /// Schemes allowed for the chain's certificate signatures (empty: any).
    pub cert_schemes: Vec<Scheme>,
    /// Schemes allowed for the IKE AUTH signature, in preference order
    /// (empty: any).
    pub ike_schemes: Vec<Scheme>,
    /// Tokens that were not understood (charon logs and ignores them).
    pub ignored: Vec<String>,
}

/// The schemes a hash keyword selects for a key type (charon's table).
fn schemes_for(hash: &str, ty: Option<KeyType>) -> Option<Vec<Scheme>> {
    let all: &[(KeyType, Scheme)] = match hash {
        "identity" => &[(KeyType::Ed25519, Scheme::Ed25519)],
        "sha1" => &[
            (KeyType::Rsa, Scheme::RsaPkcs1(Hash::Sha1)),
            (KeyType::Ecdsa, Scheme::Ecdsa(Hash::Sha1)),
        ],
        "sha224" => &[(KeyType::Rsa, Scheme::RsaPkcs1(Hash::Sha224))],
        "sha256" => &[
            (KeyType::Rsa, Scheme::RsaPkcs1(Hash::Sha256)),
            (KeyType::Ecdsa, Scheme::Ecdsa(Hash::Sha256)),
            (KeyType::Ecdsa, Scheme::EcdsaFixed(Curve::P256)),
        ],
        "sha384" => &[
            (KeyType::Rsa, Scheme::RsaPkcs1(Hash::Sha384)),
            (KeyType::Ecdsa, Scheme::Ecdsa(Hash::Sha384)),
            (KeyType::Ecdsa, Scheme::EcdsaFixed(Curve::P384)),
        ],
        "sha512" => &[
            (KeyType::Rsa, Scheme::RsaPkcs1(Hash::Sha512)),
            (KeyType::Ecdsa, Scheme::Ecdsa(Hash::Sha512)),
            (KeyType::Ecdsa, Scheme::EcdsaFixed(Curve::P521)),
        ],
        _ => return None,
    };
    Some(
        all.iter()
            .filter(|(t, _)| ty.is_none_or(|ty| ty == *t))
            .map(|&(_, s)| s)
            .collect(),
    )
}

/// The key token being read: its type (`None` for `pubkey`), whether it
/// is `rsa/pss`, `ike:`-prefixed, and whether hashes followed it.
#[derive(Clone, Copy)]
struct KeyToken {
    ty: Option<KeyType>,
    pss: bool,
    ike: bool,
    hashes: bool,
}

impl AuthConstraints {
    /// Parses an `auth` value (`pubkey`, `rsa-2048`, `ike:rsa/pss-sha256`,
    /// `rsa-2048-sha256-ecdsa-256-sha384`...). `rsa_pss` is charon's
    /// `charon.rsa_pss` (PSS also for plain `rsa`/`pubkey` hash tokens).
    #[must_use]
    pub fn parse(auth: &str, rsa_pss: bool) -> Self {
        let mut c = Self::default();
        let (mut key, mut strength, mut ike_added) = (None::<KeyToken>, None, false);
        let mut bare_pss = false;
        for token in auth.split('-').filter(|t| !t.is_empty()) {
            if let Some(ty) = strength.take()
                && let Ok(bits @ 1..) = token.parse::<u32>()
            {
                c.strengths.push((ty, bits));
                continue;
            }
            let (ike, name) = match token.strip_prefix("ike:") {
                Some(rest) => (true, rest),
                None => (false, token),
            };
            let new_key = |ty, pss| KeyToken {
                ty,
                pss,
                ike,
                hashes: false,
            };
            let next = match name {
                "rsa" => Some((new_key(Some(KeyType::Rsa), false), true)),
                "rsa/pss" => Some((new_key(Some(KeyType::Rsa), true), true)),
                "ecdsa" => Some((new_key(Some(KeyType::Ecdsa), false), true)),
                "ed25519" => Some((new_key(Some(KeyType::Ed25519), false), false)),
                "pubkey" => Some((new_key(None, false), false)),
                _ => None,
            };
            if let Some((k, has_strength)) = next {
                bare_pss |= key.is_some_and(|k| k.pss && !k.hashes);
                if let Some(ty) = k.ty {
                    c.key_types.push(ty);
                }
                strength = has_strength.then_some(k.ty).flatten();
                key = Some(k);
                continue;
            }
            let Some(k) = key.as_mut() else {
                c.ignored.push(token.to_owned());
                continue;
            };
            k.hashes = true;
            let mut found = Vec::new();
            let pss = Hash::from_name(token)
                .filter(|h| *h >= Hash::Sha256)
                .map(Scheme::RsaPss);
            if k.pss {
                found.extend(pss);
            } else {
                if rsa_pss && k.ty.is_none_or(|t| t == KeyType::Rsa) {
                    found.extend(pss);
                }
                found.extend(schemes_for(token, k.ty).unwrap_or_default());
            }
            if found.is_empty() && schemes_for(token, None).is_none() {
                c.ignored.push(token.to_owned());
            }
            if k.ike {
                c.ike_schemes.extend(found);
                ike_added = true;
            } else {
                c.cert_schemes.extend(found);
            }
        }
        bare_pss |= key.is_some_and(|k| k.pss && !k.hashes);
        if !ike_added {
            c.ike_schemes.clone_from(&c.cert_schemes);
        }
        if bare_pss {
            let pss = [Hash::Sha256, Hash::Sha384, Hash::Sha512].map(Scheme::RsaPss);
            for s in pss {
                if !c.ike_schemes.contains(&s) {
                    c.ike_schemes.push(s);
                }
            }
        }
        if auth.split('-').any(|t| t == "pubkey" || t == "ike:pubkey") {
            c.key_types.clear();
        }
        c
    }

    /// The end-entity key's type is one of the required ones.
    pub fn check_key_type(&self, kind: KeyKind) -> Result<(), VerifyError> {
        if self.key_types.is_empty() || self.key_types.contains(&KeyType::of(kind)) {
            return Ok(());
        }
        Err(VerifyError::Constraint(format!(
            "{kind} key not acceptable"
        )))
    }

    /// Every RSA/ECDSA key of the chain is at least as strong as a
    /// constraint of its type requires.
    pub fn check_strengths(&self, keys: &[KeyKind]) -> Result<(), VerifyError> {
        if self.strengths.is_empty() {
            return Ok(());
        }
        for &kind in keys {
            let (ty, bits) = match kind {
                KeyKind::Rsa(bits) => (KeyType::Rsa, bits),
                KeyKind::Ecdsa(c) => (KeyType::Ecdsa, c.bits()),
                KeyKind::Ed25519 => continue,
            };
            if !self
                .strengths
                .iter()
                .any(|&(t, min)| t == ty && min <= bits)
            {
                return Err(VerifyError::Constraint(format!(
                    "{kind} key not acceptable"
                )));
            }
        }
        Ok(())
    }

    /// The peer's AUTH signature scheme is allowed.
    pub fn check_ike_scheme(&self, scheme: Scheme) -> Result<(), VerifyError> {
        if self.ike_schemes.is_empty() || self.ike_schemes.contains(&scheme) {
            return Ok(());
        }
        Err(VerifyError::Constraint(format!(
            "IKE signature scheme {scheme} not acceptable"
        )))
    }

    /// The chain's certificate signature schemes are allowed.
    pub fn check_cert_schemes(&self, schemes: &[Scheme]) -> Result<(), VerifyError> {
        match schemes
            .iter()
            .find(|s| !self.cert_schemes.is_empty() && !self.cert_schemes.contains(s))
        {
            None => Ok(()),
            Some(s) => Err(VerifyError::Constraint(format!(
                "X.509 signature scheme {s} not acceptable"
            ))),
        }
    }
}

#[cfg(test)]
#[path = "constraints_tests.rs"]
mod tests;
