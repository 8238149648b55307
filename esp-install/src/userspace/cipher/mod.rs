//! The ESP transforms: seal and open one ESP packet in place.
//!
//! Layout of the bytes a [`Transform`] works on (RFC 4303 §2):
//! `SPI | seq | IV | body | ICV`, where the body is payload, padding, pad
//! length and next header. Sealing writes IV, ciphertext and ICV;
//! opening verifies the ICV and leaves the plaintext body in place.
//!
//! | transform | RFC | IV | ICV | body alignment |
//! |---|---|---|---|---|
//! | AES-GCM-16 (aws-lc-rs), -12, -8 (RustCrypto) | 4106 | 8 | 16/12/8 | 4 |
//! | ChaCha20-Poly1305 (aws-lc-rs) | 7634 | 8 | 16 | 4 |
//! | AES-CBC + HMAC-SHA1-96/SHA2-256-128/384-192/512-256 | 3602, 2404, 4868 | 16 | 12/16/24/32 | 16 |
//! | NULL + HMAC | 2410 | 0 | as the HMAC | 4 |
//!
//! Key material is wiped on drop: aws-lc-rs zeroizes its AES key schedules
//! and aws-lc cleanses AEAD and HMAC contexts when freeing them; the
//! RustCrypto GCM keys use the `zeroize` feature; salts are `Zeroizing`.

mod aead;
mod cbc;

use core::fmt;

use super::error::SaError;
use super::wire::esp::HEADER_LEN;

/// IKEv2 encryption transform IDs (IANA "Transform Type 1").
pub mod encr {
    /// ENCR_AES_CBC (RFC 3602).
    pub const AES_CBC: u16 = 12;
    /// ENCR_NULL (RFC 2410): integrity only.
    pub const NULL: u16 = 11;
    /// ENCR_AES_GCM_8 (RFC 4106).
    pub const AES_GCM_8: u16 = 18;
    /// ENCR_AES_GCM_12 (RFC 4106).
    pub const AES_GCM_12: u16 = 19;
    /// ENCR_AES_GCM_16 (RFC 4106).
    pub const AES_GCM_16: u16 = 20;
    /// ENCR_CHACHA20_POLY1305 (RFC 7634).
    pub const CHACHA20_POLY1305: u16 = 28;
}

/// IKEv2 integrity transform IDs (IANA "Transform Type 3").
pub mod integ {
    /// NONE (with AEAD).
    pub const NONE: u16 = 0;
    /// AUTH_HMAC_SHA1_96 (RFC 2404).
    pub const HMAC_SHA1_96: u16 = 2;
    /// AUTH_HMAC_SHA2_256_128 (RFC 4868).
    pub const HMAC_SHA2_256_128: u16 = 12;
    /// AUTH_HMAC_SHA2_384_192 (RFC 4868).
    pub const HMAC_SHA2_384_192: u16 = 13;
    /// AUTH_HMAC_SHA2_512_256 (RFC 4868).
    pub const HMAC_SHA2_512_256: u16 = 14;
}

/// A crypto operation failed: for opening, the ICV did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CryptoError;

/// The keyed transform of one SA direction.
pub(crate) enum Transform {
    Aead(aead::Aead),
    /// Boxed: the key schedules and HMAC states are large.
    CbcHmac(Box<cbc::CbcHmac>),
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Transform {
    /// Keys the transform; AEAD keys carry the 4-octet salt at the end
    /// (RFC 4106 §8.1, RFC 7634 §2).
    pub(crate) fn new(
        encr_alg: u16,
        encr_key: &[u8],
        integ_alg: Option<u16>,
        integ_key: &[u8],
    ) -> Result<Self, SaError> {
        let integ_alg = integ_alg.filter(|id| *id != integ::NONE);
        match encr_alg {
            encr::AES_GCM_8 | encr::AES_GCM_12 | encr::AES_GCM_16 | encr::CHACHA20_POLY1305 => {
                if integ_alg.is_some() {
                    return Err(SaError::AeadWithIntegrity);
                }
                aead::Aead::new(encr_alg, encr_key).map(Self::Aead)
            }
            encr::AES_CBC | encr::NULL => {
                let integ_alg = integ_alg.ok_or(SaError::MissingIntegrity)?;
                cbc::CbcHmac::new(encr_alg, encr_key, integ_alg, integ_key)
                    .map(|t| Self::CbcHmac(Box::new(t)))
            }
            other => Err(SaError::UnsupportedEncryption(other)),
        }
    }

    /// The algorithm in charon's notation, for logs (never the key).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Aead(t) => t.name(),
            Self::CbcHmac(t) => t.name(),
        }
    }

    /// Explicit IV octets after the sequence number.
    pub(crate) fn iv_len(&self) -> usize {
        match self {
            Self::Aead(_) => aead::IV_LEN,
            Self::CbcHmac(t) => t.iv_len(),
        }
    }

    /// ICV octets.
    pub(crate) fn icv_len(&self) -> usize {
        match self {
            Self::Aead(t) => t.icv_len(),
            Self::CbcHmac(t) => t.icv_len(),
        }
    }

    /// The body (payload, padding, pad length, next header) is padded to
    /// a multiple of this: the cipher block, at least 4 (RFC 4303 §2.4).
    pub(crate) fn align(&self) -> usize {
        match self {
            Self::Aead(_) => 4,
            Self::CbcHmac(t) => t.block_len().max(4),
        }
    }

    /// Whether a received body of `len` octets can be decrypted.
    pub(crate) fn body_len_ok(&self, len: usize) -> bool {
        match self {
            Self::Aead(_) => true,
            Self::CbcHmac(t) => len.is_multiple_of(t.block_len()),
        }
    }

    /// Octets around the body: header and IV before, ICV after.
    pub(crate) fn overhead(&self) -> usize {
        HEADER_LEN + self.iv_len() + self.icv_len()
    }

    /// Seals `esp` (header written, body in clear, IV and ICV to fill).
    /// `seq` is the full sequence number (the AEAD IV), `seq_hi` its high
    /// half if ESN is on; `iv` overrides the IV (known-answer tests).
    pub(crate) fn seal(
        &self,
        esp: &mut [u8],
        seq: u64,
        seq_hi: Option<u32>,
        iv: Option<&[u8]>,
    ) -> Result<(), CryptoError> {
        match self {
            Self::Aead(t) => t.seal(esp, seq, seq_hi, iv),
            Self::CbcHmac(t) => t.seal(esp, seq_hi, iv),
        }
    }

    /// Verifies the ICV of `esp` and decrypts its body in place.
    pub(crate) fn open(&self, esp: &mut [u8], seq_hi: Option<u32>) -> Result<(), CryptoError> {
        match self {
            Self::Aead(t) => t.open(esp, seq_hi),
            Self::CbcHmac(t) => t.open(esp, seq_hi),
        }
    }
}

/// Checks a key's length against the lengths an algorithm takes.
fn key_len(what: &'static str, key: &[u8], expected: &'static [usize]) -> Result<(), SaError> {
    if expected.contains(&key.len()) {
        Ok(())
    } else {
        Err(SaError::KeyLength {
            what,
            expected,
            got: key.len(),
        })
    }
}

/// Splits `esp` into header, IV, body and ICV.
fn split(esp: &mut [u8], iv_len: usize, icv_len: usize) -> Option<EspParts<'_>> {
    let body_end = esp.len().checked_sub(icv_len)?;
    let (front, icv) = esp.split_at_mut(body_end);
    let (header, rest) = front.split_at_mut_checked(HEADER_LEN)?;
    let (iv, body) = rest.split_at_mut_checked(iv_len)?;
    Some(EspParts {
        header,
        iv,
        body,
        icv,
    })
}

struct EspParts<'a> {
    header: &'a mut [u8],
    iv: &'a mut [u8],
    body: &'a mut [u8],
    icv: &'a mut [u8],
}

#[cfg(test)]
mod tests;
