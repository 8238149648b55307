//! The bundled backend (cargo feature `default-provider`): RustCrypto for
//! PRFs, integrity and SK ciphers, aws-lc-rs for X25519 and ECDH,
//! crypto-bigint for MODP, aws-lc-rs's system RNG; RustCrypto's SHA-1 and
//! SHA-2 as plain hash functions.
//!
//! Not provided (yet): AES-XCBC-PRF-128 (RFC 4434) and AES-CMAC-PRF-128
//! (RFC 4615) with their integrity counterparts AES-XCBC-96 / AES-CMAC-96,
//! AES-CCM, 3DES, and MODP groups other than 14–16. The core already handles
//! the fixed-key-size PRF rule of SKEYSEED ([`Prf::fixed_key_len`]).

use std::borrow::Cow;
use std::sync::Arc;

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::consts::{U8, U12, U16};
use chacha20poly1305::ChaCha20Poly1305;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use self::hash::RcHash;
use self::symmetric::{AesCbc, HmacInteg, HmacPrf, RcAead};
use super::{Aead, CryptoError, Encr, Hash, Integ, KeGroup, Prf, Provider, SecureRandom};
use crate::wire::iana::{EncrId, HashAlgorithm, IntegId, PrfId};

mod hash;
mod ke;
mod symmetric;

static PRF_HMAC_SHA1: HmacPrf<Sha1> = HmacPrf::new(PrfId::HMAC_SHA1, 20);
static PRF_HMAC_SHA2_256: HmacPrf<Sha256> = HmacPrf::new(PrfId::HMAC_SHA2_256, 32);
static PRF_HMAC_SHA2_384: HmacPrf<Sha384> = HmacPrf::new(PrfId::HMAC_SHA2_384, 48);
static PRF_HMAC_SHA2_512: HmacPrf<Sha512> = HmacPrf::new(PrfId::HMAC_SHA2_512, 64);

static HMAC_SHA1_96: HmacInteg<Sha1> = HmacInteg::new(IntegId::HMAC_SHA1_96, 20, 12);
static HMAC_SHA2_256_128: HmacInteg<Sha256> = HmacInteg::new(IntegId::HMAC_SHA2_256_128, 32, 16);
static HMAC_SHA2_384_192: HmacInteg<Sha384> = HmacInteg::new(IntegId::HMAC_SHA2_384_192, 48, 24);
static HMAC_SHA2_512_256: HmacInteg<Sha512> = HmacInteg::new(IntegId::HMAC_SHA2_512_256, 64, 32);

static SHA1: RcHash<Sha1> = RcHash::new(HashAlgorithm::SHA1);
static SHA2_256: RcHash<Sha256> = RcHash::new(HashAlgorithm::SHA2_256);
static SHA2_384: RcHash<Sha384> = RcHash::new(HashAlgorithm::SHA2_384);
static SHA2_512: RcHash<Sha512> = RcHash::new(HashAlgorithm::SHA2_512);

static AES_CBC_128: AesCbc<Aes128> = AesCbc::new(128);
static AES_CBC_192: AesCbc<Aes192> = AesCbc::new(192);
static AES_CBC_256: AesCbc<Aes256> = AesCbc::new(256);

macro_rules! gcm {
    ($name:ident, $aes:ty, $tag:ty, $id:ident, $bits:literal, $icv:literal) => {
        static $name: RcAead<AesGcm<$aes, U12, $tag>> =
            RcAead::new(EncrId::$id, Some($bits), $bits / 8, $icv);
    };
}
gcm!(AES_GCM_16_128, Aes128, U16, AES_GCM_16, 128, 16);
gcm!(AES_GCM_16_192, Aes192, U16, AES_GCM_16, 192, 16);
gcm!(AES_GCM_16_256, Aes256, U16, AES_GCM_16, 256, 16);
gcm!(AES_GCM_12_128, Aes128, U12, AES_GCM_12, 128, 12);
gcm!(AES_GCM_12_192, Aes192, U12, AES_GCM_12, 192, 12);
gcm!(AES_GCM_12_256, Aes256, U12, AES_GCM_12, 256, 12);
gcm!(AES_GCM_8_128, Aes128, U8, AES_GCM_8, 128, 8);
gcm!(AES_GCM_8_192, Aes192, U8, AES_GCM_8, 192, 8);
gcm!(AES_GCM_8_256, Aes256, U8, AES_GCM_8, 256, 8);
/// RFC 7634 §2: 256-bit key, no Key Length attribute, 16-byte ICV.
static CHACHA20_POLY1305: RcAead<ChaCha20Poly1305> =
    RcAead::new(EncrId::CHACHA20_POLY1305, None, 32, 16);

/// AEAD ciphers in preference order (strongest ICV and key first).
pub(super) static AEAD: &[&dyn Aead] = &[
    &AES_GCM_16_256,
    &AES_GCM_16_192,
    &AES_GCM_16_128,
    &CHACHA20_POLY1305,
    &AES_GCM_12_256,
    &AES_GCM_12_192,
    &AES_GCM_12_128,
    &AES_GCM_8_256,
    &AES_GCM_8_192,
    &AES_GCM_8_128,
];
/// CBC ciphers in preference order.
pub(super) static ENCR: &[&dyn Encr] = &[&AES_CBC_256, &AES_CBC_192, &AES_CBC_128];
/// PRFs in preference order.
pub(super) static PRF: &[&dyn Prf] = &[
    &PRF_HMAC_SHA2_512,
    &PRF_HMAC_SHA2_384,
    &PRF_HMAC_SHA2_256,
    &PRF_HMAC_SHA1,
];
/// Integrity algorithms in preference order.
pub(super) static INTEG: &[&dyn Integ] = &[
    &HMAC_SHA2_512_256,
    &HMAC_SHA2_384_192,
    &HMAC_SHA2_256_128,
    &HMAC_SHA1_96,
];
/// Key exchange methods in preference order.
pub(super) static KE: &[&dyn KeGroup] = &[
    &ke::X25519,
    &ke::ECP_384,
    &ke::ECP_256,
    &ke::ECP_521,
    &ke::MODP_3072,
    &ke::MODP_4096,
    &ke::MODP_2048,
];

/// Hash functions, strongest first.
pub(super) static HASH: &[&dyn Hash] = &[&SHA2_512, &SHA2_384, &SHA2_256, &SHA1];

/// The operating system's CSPRNG, through aws-lc-rs. The core never uses it
/// directly: it reaches the core only as [`Provider::rng`].
#[derive(Debug)]
struct SystemRng(aws_lc_rs::rand::SystemRandom);

impl SecureRandom for SystemRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        aws_lc_rs::rand::SecureRandom::fill(&self.0, dest).map_err(|_| CryptoError::Rng)
    }
}

/// The bundled provider with the system RNG. To use another RNG, replace
/// the field: `Provider { rng, ..default_provider() }`.
pub fn default_provider() -> Provider {
    Provider {
        encr: Cow::Borrowed(ENCR),
        aead: Cow::Borrowed(AEAD),
        prf: Cow::Borrowed(PRF),
        integ: Cow::Borrowed(INTEG),
        ke: Cow::Borrowed(KE),
        hash: Cow::Borrowed(HASH),
        rng: Arc::new(SystemRng(aws_lc_rs::rand::SystemRandom::new())),
    }
}
