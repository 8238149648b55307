//! Our AUTH signature (RFC 7296 §2.15): the scheme is chosen as charon's
//! pubkey authenticator chooses it, signing is done by aws-lc-rs. We never
//! sign with SHA-1, so an RSA key cannot authenticate to a peer without
//! RFC 7427 support (AUTH method 1 is PKCS#1 v1.5 with SHA-1).

use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as s, RsaEncoding};
use ike::auth::{AuthError, Signer};
use ike::wire::Certificate as CertPayload;
use ike::wire::iana::{AuthMethod, CertEncoding, HashAlgorithm};

use crate::key::{Curve, KeyKind, PrivateKey};
use crate::scheme::{self, Hash, Scheme};

/// Signs `octets` with `key` under `scheme`: a raw signature (r | s for
/// the fixed ECDSA formats, DER for RFC 7427 ECDSA).
pub fn sign_raw(key: &PrivateKey, scheme: Scheme, octets: &[u8]) -> Result<Vec<u8>, String> {
    let rng = SystemRandom::new();
    let cannot = || {
        format!(
            "cannot sign {scheme} with a {} key",
            key.public_key().kind()
        )
    };
    if let Some(pair) = key.rsa_pair() {
        let padding: &'static dyn RsaEncoding = match scheme {
            Scheme::RsaPkcs1(Hash::Sha256) => &s::RSA_PKCS1_SHA256,
            Scheme::RsaPkcs1(Hash::Sha384) => &s::RSA_PKCS1_SHA384,
            Scheme::RsaPkcs1(Hash::Sha512) => &s::RSA_PKCS1_SHA512,
            Scheme::RsaPss(Hash::Sha256) => &s::RSA_PSS_SHA256,
            Scheme::RsaPss(Hash::Sha384) => &s::RSA_PSS_SHA384,
            Scheme::RsaPss(Hash::Sha512) => &s::RSA_PSS_SHA512,
            _ => return Err(cannot()),
        };
        let mut sig = vec![0; pair.public_modulus_len()];
        pair.sign(padding, &rng, octets, &mut sig)
            .map_err(|_| cannot())?;
        return Ok(sig);
    }
    if let Some(pair) = key.ed25519_pair() {
        return match scheme {
            Scheme::Ed25519 => Ok(pair.sign(octets).as_ref().to_vec()),
            _ => Err(cannot()),
        };
    }
    let alg = match scheme {
        Scheme::EcdsaFixed(Curve::P256) => &s::ECDSA_P256_SHA256_FIXED_SIGNING,
        Scheme::EcdsaFixed(Curve::P384) => &s::ECDSA_P384_SHA384_FIXED_SIGNING,
        Scheme::EcdsaFixed(Curve::P521) => &s::ECDSA_P521_SHA512_FIXED_SIGNING,
        Scheme::Ecdsa(Hash::Sha256) => match key.public_key().kind() {
            KeyKind::Ecdsa(Curve::P521) => &s::ECDSA_P521_SHA256_ASN1_SIGNING,
            _ => &s::ECDSA_P256_SHA256_ASN1_SIGNING,
        },
        Scheme::Ecdsa(Hash::Sha384) => match key.public_key().kind() {
            KeyKind::Ecdsa(Curve::P521) => &s::ECDSA_P521_SHA384_ASN1_SIGNING,
            _ => &s::ECDSA_P384_SHA384_ASN1_SIGNING,
        },
        Scheme::Ecdsa(Hash::Sha512) => &s::ECDSA_P521_SHA512_ASN1_SIGNING,
        _ => return Err(cannot()),
    };
    let pair = key.ecdsa_pair(alg).ok_or_else(cannot)?;
    let sig = pair.sign(&rng, octets).map_err(|_| cannot())?;
    Ok(sig.as_ref().to_vec())
}

/// Whether [`sign_raw`] can make `scheme` signatures with a key of `kind`.
#[must_use]
pub fn can_sign(kind: KeyKind, scheme: Scheme) -> bool {
    match (kind, scheme) {
        (KeyKind::Rsa(_), Scheme::RsaPkcs1(h) | Scheme::RsaPss(h)) => h >= Hash::Sha256,
        (KeyKind::Ecdsa(c), Scheme::EcdsaFixed(f)) => c == f,
        (KeyKind::Ecdsa(Curve::P256), Scheme::Ecdsa(h)) => h == Hash::Sha256,
        (KeyKind::Ecdsa(Curve::P384), Scheme::Ecdsa(h)) => h == Hash::Sha384,
        (KeyKind::Ecdsa(Curve::P521), Scheme::Ecdsa(h)) => h >= Hash::Sha256,
        (KeyKind::Ed25519, Scheme::Ed25519) => true,
        _ => false,
    }
}

/// charon's preference for a key without configured schemes
/// (`signature_schemes_for_key`): the hash grows with the key; RSASSA-PSS
/// only with `charon.rsa_pss`; for RSA also SHA-384 and SHA-256 last.
#[must_use]
pub fn default_schemes(kind: KeyKind, rsa_pss: bool) -> Vec<Scheme> {
    let by_size = |bits: u32, limits: [u32; 2]| -> Vec<Hash> {
        let all = [Hash::Sha256, Hash::Sha384, Hash::Sha512];
        all.into_iter()
            .zip([limits[0], limits[1], u32::MAX])
            .filter(|&(_, max)| bits <= max)
            .map(|(h, _)| h)
            .collect()
    };
    match kind {
        KeyKind::Rsa(bits) => {
            let hashes = by_size(bits, [3072, 7680]);
            let mut v: Vec<Scheme> = Vec::new();
            if rsa_pss {
                v.extend(hashes.iter().map(|&h| Scheme::RsaPss(h)));
            }
            v.extend(hashes.iter().map(|&h| Scheme::RsaPkcs1(h)));
            for h in [Hash::Sha384, Hash::Sha256] {
                if !v.contains(&Scheme::RsaPkcs1(h)) {
                    v.push(Scheme::RsaPkcs1(h));
                }
            }
            v
        }
        KeyKind::Ecdsa(c) => by_size(c.bits(), [256, 384])
            .into_iter()
            .map(Scheme::Ecdsa)
            .collect(),
        KeyKind::Ed25519 => vec![Scheme::Ed25519],
    }
}

/// A [`Signer`] for one IKE SA: our key, the certificates to send and the
/// configured schemes; `choose` remembers the scheme for `sign`.
pub struct KeySigner {
    key: Arc<PrivateKey>,
    certs: Vec<Vec<u8>>,
    configured: Vec<Scheme>,
    rsa_pss: bool,
    chosen: Mutex<Option<Scheme>>,
}

impl KeySigner {
    /// The scheme `sign` uses for `method`: the one `choose` picked for
    /// method 14, else the method's fixed scheme if it fits the key.
    fn scheme_for(&self, method: AuthMethod) -> Result<Scheme, AuthError> {
        let chosen = self.chosen.lock().ok().and_then(|c| *c);
        match (method, chosen) {
            (AuthMethod::DIGITAL_SIGNATURE, Some(s)) => Ok(s),
            (m, _) => Scheme::of_method(m)
                .filter(|s| s.fits(self.key.public_key().kind()))
                .ok_or(AuthError::MethodNotAllowed(m)),
        }
    }

    /// `certs` are DER, end-entity first; `configured` are the IKE schemes
    /// of `local.auth` (empty: charon's defaults for the key).
    #[must_use]
    pub fn new(
        key: Arc<PrivateKey>,
        certs: Vec<Vec<u8>>,
        configured: Vec<Scheme>,
        rsa_pss: bool,
    ) -> Self {
        Self {
            key,
            certs,
            configured,
            rsa_pss,
            chosen: Mutex::new(None),
        }
    }

    /// The RFC 7427 schemes usable with our key and the peer's hashes, in
    /// our order of preference (charon's `select_signature_schemes`).
    #[must_use]
    pub fn candidates(&self, peer_hashes: &[HashAlgorithm]) -> Vec<Scheme> {
        let kind = self.key.public_key().kind();
        let list = if self.configured.is_empty() {
            default_schemes(kind, self.rsa_pss)
        } else {
            self.configured.clone()
        };
        list.into_iter()
            .filter(|s| !matches!(s, Scheme::EcdsaFixed(_)))
            .filter(|&s| can_sign(kind, s))
            .filter(|s| s.hash_algorithm().is_some_and(|h| peer_hashes.contains(&h)))
            .collect()
    }

    fn classic(&self) -> Result<(AuthMethod, Scheme), AuthError> {
        let why = match self.key.public_key().kind() {
            KeyKind::Ecdsa(c) => {
                let method = match c {
                    Curve::P256 => AuthMethod::ECDSA_256,
                    Curve::P384 => AuthMethod::ECDSA_384,
                    Curve::P521 => AuthMethod::ECDSA_521,
                };
                return Ok((method, Scheme::EcdsaFixed(c)));
            }
            KeyKind::Rsa(_) => "RSA AUTH method 1 needs SHA-1, which we never sign with",
            KeyKind::Ed25519 => "Ed25519 needs RFC 7427",
        };
        Err(AuthError::Certificate(format!(
            "peer does not support RFC 7427 signature authentication: {why}"
        )))
    }
}

impl Signer for KeySigner {
    fn choose(&self, peer_hashes: &[HashAlgorithm]) -> Result<AuthMethod, AuthError> {
        let (method, scheme) = if peer_hashes.is_empty() {
            self.classic()?
        } else {
            let scheme = self
                .candidates(peer_hashes)
                .into_iter()
                .next()
                .ok_or_else(|| {
                    AuthError::Certificate(format!(
                        "no common hash algorithm found to create signature with {} key",
                        self.key.public_key().kind()
                    ))
                })?;
            (AuthMethod::DIGITAL_SIGNATURE, scheme)
        };
        if let Ok(mut chosen) = self.chosen.lock() {
            *chosen = Some(scheme);
        }
        tracing::debug!("authenticating with {scheme} ({method})");
        Ok(method)
    }

    fn sign(&self, method: AuthMethod, octets: &[u8]) -> Result<Vec<u8>, AuthError> {
        let scheme = self.scheme_for(method)?;
        let raw = sign_raw(&self.key, scheme, octets).map_err(AuthError::Certificate)?;
        if method != AuthMethod::DIGITAL_SIGNATURE {
            return Ok(raw);
        }
        scheme::join_auth_data(scheme, &raw)
            .ok_or_else(|| AuthError::Certificate(format!("{scheme} has no RFC 7427 encoding")))
    }

    fn scheme_name(&self, method: AuthMethod) -> String {
        self.scheme_for(method)
            .map_or_else(|_| method.to_string(), |s| s.to_string())
    }

    fn certificates(&self) -> Vec<CertPayload> {
        self.certs
            .iter()
            .map(|der| CertPayload {
                encoding: CertEncoding::X509_SIGNATURE,
                data: der.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
