//! Cryptographic provider: PRFs, key derivation, SK payload protection,
//! key exchange (RFC 7296 §2.13–2.18, §3.14–3.15) and plain hash functions
//! (NAT detection §2.23, cookies §2.6, CERTREQ key hashes §3.7).
//!
//! The shape follows rustls' `CryptoProvider`: a [`Provider`] is a plain
//! struct listing the algorithms it supports **in preference order**; each
//! element carries its IANA transform ID and its operations, so proposals can
//! be derived from and checked against it ([`Provider::supports`]).
//!
//! Nothing in this module depends on a crypto crate. The bundled backend
//! (RustCrypto for symmetric algorithms, aws-lc-rs for X25519/ECDH,
//! crypto-bigint for MODP) lives in `backend` behind the default cargo
//! feature `default-provider`; [`default_provider`] returns it.
//!
//! The core never draws randomness itself: every operation that needs it takes
//! a [`SecureRandom`] (normally [`Provider::rng`]).

use std::borrow::Cow;
use std::fmt::Debug;
use std::sync::Arc;

use crate::proposal::{Algorithm, Transform};
use crate::wire::iana::{EncrId, HashAlgorithm, IntegId, KeId, PrfId};

mod error;
pub mod keymat;
pub mod prf;
mod secret;
pub mod sk;
mod suite;

#[cfg(feature = "default-provider")]
mod backend;
#[cfg(any(test, feature = "test-provider"))]
#[cfg(feature = "default-provider")]
mod test_provider;

#[cfg(feature = "default-provider")]
pub use backend::default_provider;
pub use error::CryptoError;
pub use keymat::{ChildKeys, IkeKeyLengths, IkeKeys};
pub use prf::prf_plus;
pub use secret::Secret;
pub use sk::SkProtector;
pub use suite::{IkeSuite, child_key_lengths};
#[cfg(test)]
pub(crate) use test_provider::test_protector;
#[cfg(any(test, feature = "test-provider"))]
#[cfg(feature = "default-provider")]
pub use test_provider::{TestRng, test_provider};

/// Bytes of a test vector written in hex (whitespace ignored).
#[cfg(test)]
#[cfg(feature = "default-provider")]
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A cryptographically secure random number generator.
pub trait SecureRandom: Send + Sync + Debug {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError>;
}

/// A hash function (FIPS 180-4), named by its number in the IKEv2 "Hash
/// Algorithms" registry (RFC 7427 §4). Used unkeyed: NAT detection hashes
/// are SHA-1 (RFC 7296 §2.23), CERTREQ carries SHA-1 key hashes (§3.7).
pub trait Hash: Send + Sync + Debug {
    /// The IANA hash algorithm number.
    fn id(&self) -> HashAlgorithm;
    /// Digest length in bytes.
    fn output_len(&self) -> usize;
    /// `H(data[0] | data[1] | ...)`, written into `out`, which must be
    /// exactly [`output_len`](Self::output_len) bytes long (a shorter `out`
    /// receives a prefix of the digest).
    fn hash_into(&self, data: &[&[u8]], out: &mut [u8]);

    /// `H(data[0] | data[1] | ...)` as a new vector.
    fn hash(&self, data: &[&[u8]]) -> Vec<u8> {
        let mut out = vec![0; self.output_len()];
        self.hash_into(data, &mut out);
        out
    }
}

/// A pseudorandom function (transform type 2, RFC 7296 §3.3.2).
pub trait Prf: Send + Sync + Debug {
    /// The IANA transform ID.
    fn id(&self) -> PrfId;
    /// Output length in bytes, also the preferred key length (the length of
    /// SK_d, SK_pi and SK_pr, RFC 7296 §2.14).
    fn output_len(&self) -> usize;
    /// For PRFs that take a fixed-size key (AES-XCBC-PRF-128, AES-CMAC-PRF-128)
    /// its size; `None` for HMAC. Decides the nonce halving of SKEYSEED
    /// (RFC 7296 §2.14).
    fn fixed_key_len(&self) -> Option<usize> {
        None
    }
    /// `prf(key, data[0] | data[1] | ...)`, written into `out`, which must be
    /// exactly [`output_len`](Self::output_len) bytes long.
    fn compute_into(&self, key: &[u8], data: &[&[u8]], out: &mut [u8]);

    /// `prf(key, data[0] | data[1] | ...)` as a new secret.
    fn compute(&self, key: &[u8], data: &[&[u8]]) -> Secret {
        let mut out = Secret::zeroed(self.output_len());
        self.compute_into(key, data, out.as_mut_bytes());
        out
    }
}

/// An integrity algorithm (transform type 3) used with a non-AEAD cipher.
pub trait Integ: Send + Sync + Debug {
    /// The IANA transform ID.
    fn id(&self) -> IntegId;
    /// Key length in bytes (the length of SK_ai / SK_ar).
    fn key_len(&self) -> usize;
    /// Length of the (truncated) ICV in bytes.
    fn icv_len(&self) -> usize;
    /// Prepares a key; fails if `key` is not [`key_len`](Self::key_len) bytes.
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn IntegKey>, CryptoError>;
}

/// A keyed integrity algorithm.
pub trait IntegKey: Send + Sync {
    /// Writes the truncated ICV of `data[0] | data[1] | ...` into `out`
    /// (`out.len()` is the algorithm's ICV length).
    fn sign(&self, data: &[&[u8]], out: &mut [u8]);
}

/// A block cipher in CBC mode, used with a separate [`Integ`]
/// (transform type 1, RFC 7296 §3.14, RFC 3602).
pub trait Encr: Send + Sync + Debug {
    /// The IANA transform ID.
    fn id(&self) -> EncrId;
    /// The Key Length attribute this entry implements (`None` for ciphers
    /// that must not carry the attribute).
    fn key_bits(&self) -> Option<u16>;
    /// Key length in bytes (the length of SK_ei / SK_er).
    fn key_len(&self) -> usize;
    /// Block size in bytes; the IV has this length too.
    fn block_len(&self) -> usize;
    /// Prepares a key; fails if `key` is not [`key_len`](Self::key_len) bytes.
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn EncrKey>, CryptoError>;
}

/// A keyed CBC cipher. `buf` is a whole number of blocks, `iv` one block.
pub trait EncrKey: Send + Sync {
    /// Encrypts `buf` in place.
    fn encrypt(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError>;
    /// Decrypts `buf` in place.
    fn decrypt(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError>;
}

/// A combined-mode cipher (transform type 1, RFC 5282, RFC 7634) whose
/// nonce is a 4-byte salt from the key material followed by the 8-byte
/// explicit IV.
pub trait Aead: Send + Sync + Debug {
    /// The IANA transform ID.
    fn id(&self) -> EncrId;
    /// The Key Length attribute this entry implements (`None` for
    /// ChaCha20-Poly1305, which must not carry it, RFC 7634 §2).
    fn key_bits(&self) -> Option<u16>;
    /// Cipher key length in bytes, without the salt.
    fn key_len(&self) -> usize;
    /// Salt length in bytes taken from the end of the key material (4 for
    /// GCM, RFC 5282 §7.1, and ChaCha20-Poly1305, RFC 7634 §2).
    fn salt_len(&self) -> usize {
        4
    }
    /// Explicit IV length in bytes (8, RFC 5282 §3.1, RFC 7634 §2).
    fn iv_len(&self) -> usize {
        8
    }
    /// Length of the ICV (authentication tag) in bytes.
    fn icv_len(&self) -> usize;
    /// Length of the key material (SK_e, or ESP KEYMAT): key then salt.
    fn key_material_len(&self) -> usize {
        self.key_len() + self.salt_len()
    }
    /// Prepares a cipher key (without the salt).
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError>;
}

/// A keyed AEAD. Nonces are 12 bytes (salt | IV).
pub trait AeadKey: Send + Sync {
    /// Encrypts `buf` in place and writes the tag into `tag`
    /// (`tag.len()` is the algorithm's ICV length).
    fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError>;
    /// Verifies `tag` over `aad` and `buf` and decrypts `buf` in place;
    /// [`CryptoError::IntegrityCheckFailed`] if it does not verify.
    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError>;
}

/// A key exchange method (transform type 4, RFC 7296 §2.14, §3.4).
pub trait KeGroup: Send + Sync + Debug {
    /// The IANA transform ID.
    fn id(&self) -> KeId;
    /// Generates our ephemeral private value from `rng`.
    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKe>, CryptoError>;
}

/// One side of a key exchange in progress.
pub trait ActiveKe: Send + Sync {
    /// The group this exchange belongs to.
    fn group(&self) -> KeId;
    /// Our public value, exactly as carried in the KE payload.
    fn public_key(&self) -> &[u8];
    /// Checks the peer's KE data and computes the shared secret `g^ir`
    /// (in its RFC 7296 §2.14 / RFC 5903 §7 / RFC 8031 §2.2 encoding).
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret, CryptoError>;
}

/// A cipher for the SK payload: classic (CBC + separate integrity) or AEAD.
#[derive(Debug, Clone, Copy)]
pub enum SkCipher {
    /// A CBC cipher that needs an integrity algorithm.
    Encr(&'static dyn Encr),
    /// A combined-mode cipher.
    Aead(&'static dyn Aead),
}

impl SkCipher {
    /// Length of SK_ei / SK_er (for AEAD including the salt).
    pub fn key_material_len(&self) -> usize {
        match self {
            Self::Encr(encr) => encr.key_len(),
            Self::Aead(aead) => aead.key_material_len(),
        }
    }
}

/// The algorithms available to IKE, in preference order, and the RNG.
#[derive(Debug, Clone)]
pub struct Provider {
    /// CBC ciphers (need an integrity algorithm).
    pub encr: Cow<'static, [&'static dyn Encr]>,
    /// AEAD ciphers.
    pub aead: Cow<'static, [&'static dyn Aead]>,
    /// Pseudorandom functions.
    pub prf: Cow<'static, [&'static dyn Prf]>,
    /// Integrity algorithms.
    pub integ: Cow<'static, [&'static dyn Integ]>,
    /// Key exchange methods.
    pub ke: Cow<'static, [&'static dyn KeGroup]>,
    /// Hash functions (strongest first).
    pub hash: Cow<'static, [&'static dyn Hash]>,
    /// Source of nonces, SPIs, IVs and private values.
    pub rng: Arc<dyn SecureRandom>,
}

impl Provider {
    /// The PRF with this ID.
    pub fn prf(&self, id: PrfId) -> Option<&'static dyn Prf> {
        self.prf.iter().copied().find(|prf| prf.id() == id)
    }

    /// The key exchange method with this ID.
    pub fn ke(&self, id: KeId) -> Option<&'static dyn KeGroup> {
        self.ke.iter().copied().find(|ke| ke.id() == id)
    }

    /// The hash function with this ID.
    pub fn hash(&self, id: HashAlgorithm) -> Option<&'static dyn Hash> {
        self.hash.iter().copied().find(|hash| hash.id() == id)
    }

    /// The integrity algorithm with this ID.
    pub fn integ(&self, id: IntegId) -> Option<&'static dyn Integ> {
        self.integ.iter().copied().find(|integ| integ.id() == id)
    }

    /// The SK cipher with this ID and Key Length attribute.
    pub fn sk_cipher(&self, id: EncrId, key_bits: Option<u16>) -> Option<SkCipher> {
        if id.is_aead() {
            let found = self
                .aead
                .iter()
                .copied()
                .find(|a| a.id() == id && a.key_bits() == key_bits);
            found.map(SkCipher::Aead)
        } else {
            let found = self
                .encr
                .iter()
                .copied()
                .find(|e| e.id() == id && e.key_bits() == key_bits);
            found.map(SkCipher::Encr)
        }
    }

    /// Whether this provider implements `transform` (proposal selection
    /// skips transforms it cannot do).
    pub fn supports(&self, transform: Transform) -> bool {
        match transform {
            Transform {
                alg: Algorithm::Encr(id),
                key_len,
            } => self.sk_cipher(id, key_len).is_some(),
            Transform {
                alg: Algorithm::Prf(id),
                ..
            } => self.prf(id).is_some(),
            Transform {
                alg: Algorithm::Integ(IntegId::NONE),
                ..
            } => true,
            Transform {
                alg: Algorithm::Integ(id),
                ..
            } => self.integ(id).is_some(),
            Transform {
                alg: Algorithm::Ke(id),
                ..
            } => self.ke(id).is_some(),
            Transform {
                alg: Algorithm::Esn(_) | Algorithm::Other(..),
                ..
            } => false,
        }
    }
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_algorithms_by_id_and_key_length() {
        let provider = default_provider();
        assert!(provider.prf(PrfId::HMAC_SHA2_256).is_some());
        assert!(provider.prf(PrfId::HMAC_MD5).is_none());
        assert!(provider.ke(KeId::CURVE_25519).is_some());
        assert!(provider.integ(IntegId::HMAC_SHA2_256_128).is_some());
        assert!(provider.hash(HashAlgorithm::SHA1).is_some());
        assert!(provider.hash(HashAlgorithm::IDENTITY).is_none());
        assert!(matches!(
            provider.sk_cipher(EncrId::AES_CBC, Some(256)),
            Some(SkCipher::Encr(_))
        ));
        assert!(matches!(
            provider.sk_cipher(EncrId::AES_GCM_16, Some(128)),
            Some(SkCipher::Aead(_))
        ));
        assert!(provider.sk_cipher(EncrId::AES_CBC, None).is_none());
        assert!(provider.sk_cipher(EncrId::AES_CBC, Some(100)).is_none());
        assert!(
            provider
                .sk_cipher(EncrId::CHACHA20_POLY1305, None)
                .is_some()
        );
        assert!(
            provider
                .sk_cipher(EncrId::CHACHA20_POLY1305, Some(256))
                .is_none()
        );
    }

    #[test]
    fn supports_answers_for_every_transform_type() {
        let provider = default_provider();
        assert!(provider.supports(Transform::new(Algorithm::Encr(EncrId::AES_GCM_8), 192)));
        assert!(!provider.supports(Transform::new(Algorithm::Encr(EncrId::TRIPLE_DES_CBC), 0)));
        assert!(provider.supports(Transform::new(Algorithm::Integ(IntegId::NONE), 0)));
        assert!(!provider.supports(Transform::new(Algorithm::Integ(IntegId::HMAC_MD5_96), 0)));
        assert!(provider.supports(Transform::new(Algorithm::Ke(KeId::MODP_3072), 0)));
        assert!(!provider.supports(Transform::new(Algorithm::Ke(KeId::MODP_1024), 0)));
        assert!(provider.supports(Transform::new(Algorithm::Prf(PrfId::HMAC_SHA1), 0)));
    }
}
