//! AES-GCM (RFC 4106) and ChaCha20-Poly1305 (RFC 7634) for ESP.
//!
//! Nonce = 4-octet salt (the last four octets of the key material) | the
//! 8-octet explicit IV, which is the 64-bit sequence number: unique per key
//! because sequence numbers never repeat (RFC 4106 §3.1, RFC 7634 §2).
//! AAD = SPI | sequence number, or SPI | ESN high | ESN low (RFC 4106 §5,
//! RFC 7634 §2.1). The 16-octet ICVs run on aws-lc-rs; GCM with 8- and
//! 12-octet ICVs, which aws-lc-rs does not offer, on RustCrypto.

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::consts::{U8, U12};
use aes_gcm::aead::{AeadCore, AeadInOut, KeyInit, Nonce as RcNonce, Tag as RcTag};
use aws_lc_rs::aead::{self as lc, LessSafeKey, UnboundKey};
use zeroize::Zeroizing;

use super::{CryptoError, EspParts, encr, key_len, split};
use crate::userspace::error::SaError;

/// Explicit IV octets of every AEAD transform here.
pub(crate) const IV_LEN: usize = 8;
const SALT_LEN: usize = 4;
const NONCE_LEN: usize = SALT_LEN + IV_LEN;

pub(crate) struct Aead {
    key: Key,
    salt: Zeroizing<[u8; SALT_LEN]>,
    icv_len: usize,
    name: &'static str,
}

enum Key {
    AwsLc(LessSafeKey),
    Truncated(Box<dyn TruncatedGcm>),
}

impl Aead {
    pub(crate) fn new(alg: u16, key: &[u8]) -> Result<Self, SaError> {
        if alg == encr::CHACHA20_POLY1305 {
            key_len("ChaCha20-Poly1305", key, &[36])?;
        } else {
            key_len("AES-GCM", key, &[20, 28, 36])?;
        }
        let (cipher_key, salt) = key.split_last_chunk::<SALT_LEN>().ok_or(SaError::Backend)?;
        let (key, icv_len, name) = match (alg, cipher_key.len()) {
            (encr::CHACHA20_POLY1305, _) => {
                let key = aws(&lc::CHACHA20_POLY1305, cipher_key)?;
                (key, 16, "CHACHA20_POLY1305")
            }
            (encr::AES_GCM_16, 16) => (aws(&lc::AES_128_GCM, cipher_key)?, 16, "AES_GCM_16_128"),
            (encr::AES_GCM_16, 24) => (aws(&lc::AES_192_GCM, cipher_key)?, 16, "AES_GCM_16_192"),
            (encr::AES_GCM_16, _) => (aws(&lc::AES_256_GCM, cipher_key)?, 16, "AES_GCM_16_256"),
            _ => truncated(alg, cipher_key)?,
        };
        Ok(Self {
            key,
            salt: Zeroizing::new(*salt),
            icv_len,
            name,
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn icv_len(&self) -> usize {
        self.icv_len
    }

    pub(crate) fn seal(
        &self,
        esp: &mut [u8],
        seq: u64,
        seq_hi: Option<u32>,
        iv: Option<&[u8]>,
    ) -> Result<(), CryptoError> {
        let parts = split(esp, IV_LEN, self.icv_len).ok_or(CryptoError)?;
        match iv {
            Some(iv) if iv.len() == IV_LEN => parts.iv.copy_from_slice(iv),
            Some(_) => return Err(CryptoError),
            None => parts.iv.copy_from_slice(&seq.to_be_bytes()),
        }
        let (nonce, aad, aad_len) = self.nonce_and_aad(&parts, seq_hi);
        let aad = &aad[..aad_len];
        match &self.key {
            Key::AwsLc(key) => {
                let nonce = lc::Nonce::assume_unique_for_key(nonce);
                let tag = key
                    .seal_in_place_separate_tag(nonce, lc::Aad::from(aad), parts.body)
                    .map_err(|_| CryptoError)?;
                parts.icv.copy_from_slice(tag.as_ref());
                Ok(())
            }
            Key::Truncated(key) => key.seal(&nonce, aad, parts.body, parts.icv),
        }
    }

    pub(crate) fn open(&self, esp: &mut [u8], seq_hi: Option<u32>) -> Result<(), CryptoError> {
        let parts = split(esp, IV_LEN, self.icv_len).ok_or(CryptoError)?;
        let (nonce, aad, aad_len) = self.nonce_and_aad(&parts, seq_hi);
        let aad = &aad[..aad_len];
        match &self.key {
            Key::AwsLc(key) => {
                let nonce = lc::Nonce::assume_unique_for_key(nonce);
                key.open_in_place_separate_tag(nonce, lc::Aad::from(aad), parts.icv, parts.body)
                    .map(|_| ())
                    .map_err(|_| CryptoError)
            }
            Key::Truncated(key) => key.open(&nonce, aad, parts.body, parts.icv),
        }
    }

    /// The nonce, and the AAD with its length (8, or 12 with ESN).
    fn nonce_and_aad(
        &self,
        parts: &EspParts<'_>,
        seq_hi: Option<u32>,
    ) -> ([u8; NONCE_LEN], [u8; 12], usize) {
        let mut nonce = [0; NONCE_LEN];
        nonce[..SALT_LEN].copy_from_slice(&*self.salt);
        nonce[SALT_LEN..].copy_from_slice(parts.iv);
        let mut aad = [0; 12];
        aad[..4].copy_from_slice(&parts.header[..4]);
        let len = match seq_hi {
            Some(hi) => {
                aad[4..8].copy_from_slice(&hi.to_be_bytes());
                aad[8..12].copy_from_slice(&parts.header[4..8]);
                12
            }
            None => {
                aad[4..8].copy_from_slice(&parts.header[4..8]);
                8
            }
        };
        (nonce, aad, len)
    }
}

fn aws(alg: &'static lc::Algorithm, key: &[u8]) -> Result<Key, SaError> {
    let key = UnboundKey::new(alg, key).map_err(|_| SaError::Backend)?;
    Ok(Key::AwsLc(LessSafeKey::new(key)))
}

/// AES-GCM with an 8- or 12-octet ICV (RFC 4106 §8: "AES-GCM with an 8
/// octet ICV" and 12), on RustCrypto.
fn truncated(alg: u16, cipher_key: &[u8]) -> Result<(Key, usize, &'static str), SaError> {
    let boxed: Box<dyn TruncatedGcm> = match (alg, cipher_key.len()) {
        (encr::AES_GCM_8, 16) => rc::<AesGcm<Aes128, U12, U8>>(cipher_key)?,
        (encr::AES_GCM_8, 24) => rc::<AesGcm<Aes192, U12, U8>>(cipher_key)?,
        (encr::AES_GCM_8, _) => rc::<AesGcm<Aes256, U12, U8>>(cipher_key)?,
        (encr::AES_GCM_12, 16) => rc::<AesGcm<Aes128, U12, U12>>(cipher_key)?,
        (encr::AES_GCM_12, 24) => rc::<AesGcm<Aes192, U12, U12>>(cipher_key)?,
        (encr::AES_GCM_12, _) => rc::<AesGcm<Aes256, U12, U12>>(cipher_key)?,
        (other, _) => return Err(SaError::UnsupportedEncryption(other)),
    };
    let icv_len = if alg == encr::AES_GCM_8 { 8 } else { 12 };
    let name = match (icv_len, cipher_key.len()) {
        (8, 16) => "AES_GCM_8_128",
        (8, 24) => "AES_GCM_8_192",
        (8, _) => "AES_GCM_8_256",
        (_, 16) => "AES_GCM_12_128",
        (_, 24) => "AES_GCM_12_192",
        _ => "AES_GCM_12_256",
    };
    Ok((Key::Truncated(boxed), icv_len, name))
}

fn rc<A>(key: &[u8]) -> Result<Box<dyn TruncatedGcm>, SaError>
where
    A: AeadInOut + AeadCore<NonceSize = U12> + KeyInit + Send + Sync + 'static,
{
    let aead = A::new_from_slice(key).map_err(|_| SaError::Backend)?;
    Ok(Box::new(aead))
}

/// A RustCrypto AEAD with a 12-octet nonce and a detached tag.
trait TruncatedGcm: Send + Sync {
    fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError>;
    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError>;
}

impl<A> TruncatedGcm for A
where
    A: AeadInOut + AeadCore<NonceSize = U12> + Send + Sync,
{
    fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError> {
        let nonce = RcNonce::<A>::from(*nonce);
        let full = self
            .encrypt_inout_detached(&nonce, aad, buf.into())
            .map_err(|_| CryptoError)?;
        if full.len() != tag.len() {
            return Err(CryptoError);
        }
        tag.copy_from_slice(&full);
        Ok(())
    }

    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        let nonce = RcNonce::<A>::from(*nonce);
        let tag = RcTag::<A>::try_from(tag).map_err(|_| CryptoError)?;
        self.decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
            .map_err(|_| CryptoError)
    }
}
