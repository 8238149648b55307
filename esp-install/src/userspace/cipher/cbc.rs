//! AES-CBC (RFC 3602) or NULL (RFC 2410) encryption with HMAC integrity:
//! HMAC-SHA1-96 (RFC 2404), HMAC-SHA2-256-128, -384-192, -512-256
//! (RFC 4868 §2.1.1), all on aws-lc-rs.
//!
//! Encrypt, then MAC over SPI | seq | IV | ciphertext, with the ESN high
//! half appended when ESN is on (RFC 4303 §2.2.1, §3.3.2.1). The CBC IV is
//! random per packet (RFC 3602 §2.4: unpredictable).

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    UnboundCipherKey,
};
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use subtle::ConstantTimeEq;

use super::{CryptoError, encr, integ, key_len, split};
use crate::userspace::error::SaError;
use crate::userspace::wire::esp::HEADER_LEN;

const BLOCK_LEN: usize = 16;

pub(crate) struct CbcHmac {
    /// `None` for ENCR_NULL.
    cipher: Option<Cbc>,
    mac: hmac::Key,
    icv_len: usize,
    name: &'static str,
}

struct Cbc {
    enc: EncryptingKey,
    dec: DecryptingKey,
}

impl CbcHmac {
    pub(crate) fn new(
        encr_alg: u16,
        encr_key: &[u8],
        integ_alg: u16,
        integ_key: &[u8],
    ) -> Result<Self, SaError> {
        let (hmac_alg, mac_len, icv_len): (_, &'static [usize], _) = match integ_alg {
            integ::HMAC_SHA1_96 => (hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &[20], 12),
            integ::HMAC_SHA2_256_128 => (hmac::HMAC_SHA256, &[32], 16),
            integ::HMAC_SHA2_384_192 => (hmac::HMAC_SHA384, &[48], 24),
            integ::HMAC_SHA2_512_256 => (hmac::HMAC_SHA512, &[64], 32),
            other => return Err(SaError::UnsupportedIntegrity(other)),
        };
        // RFC 2404 §3, RFC 4868 §2.1.1: the key is as long as the hash output.
        key_len("HMAC", integ_key, mac_len)?;
        let cipher = if encr_alg == encr::NULL {
            key_len("NULL", encr_key, &[0])?;
            None
        } else {
            key_len("AES-CBC", encr_key, &[16, 24, 32])?;
            Some(Cbc::new(encr_key)?)
        };
        Ok(Self {
            name: name(encr_key.len(), integ_alg),
            cipher,
            mac: hmac::Key::new(hmac_alg, integ_key),
            icv_len,
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn iv_len(&self) -> usize {
        if self.cipher.is_some() { BLOCK_LEN } else { 0 }
    }

    pub(crate) fn block_len(&self) -> usize {
        if self.cipher.is_some() { BLOCK_LEN } else { 1 }
    }

    pub(crate) fn icv_len(&self) -> usize {
        self.icv_len
    }

    pub(crate) fn seal(
        &self,
        esp: &mut [u8],
        seq_hi: Option<u32>,
        iv: Option<&[u8]>,
    ) -> Result<(), CryptoError> {
        let parts = split(esp, self.iv_len(), self.icv_len).ok_or(CryptoError)?;
        if let Some(cbc) = &self.cipher {
            let mut fresh = [0; BLOCK_LEN];
            match iv {
                Some(iv) => fresh.copy_from_slice(iv.get(..BLOCK_LEN).ok_or(CryptoError)?),
                None => aws_lc_rs::rand::fill(&mut fresh).map_err(|_| CryptoError)?,
            }
            parts.iv.copy_from_slice(&fresh);
            let context = EncryptionContext::Iv128(FixedLength::from(fresh));
            cbc.enc
                .less_safe_encrypt(parts.body, context)
                .map_err(|_| CryptoError)?;
        }
        let body_end = esp.len() - self.icv_len;
        let tag = self.mac(&esp[..body_end], seq_hi);
        esp[body_end..].copy_from_slice(&tag.as_ref()[..self.icv_len]);
        Ok(())
    }

    pub(crate) fn open(&self, esp: &mut [u8], seq_hi: Option<u32>) -> Result<(), CryptoError> {
        let body_end = esp
            .len()
            .checked_sub(self.icv_len)
            .filter(|end| *end >= HEADER_LEN + self.iv_len())
            .ok_or(CryptoError)?;
        let (covered, icv) = esp.split_at(body_end);
        let tag = self.mac(covered, seq_hi);
        if !bool::from(tag.as_ref()[..self.icv_len].ct_eq(icv)) {
            return Err(CryptoError);
        }
        let Some(cbc) = &self.cipher else {
            return Ok(());
        };
        let parts = split(esp, BLOCK_LEN, self.icv_len).ok_or(CryptoError)?;
        let mut iv = [0; BLOCK_LEN];
        iv.copy_from_slice(parts.iv);
        let context = DecryptionContext::Iv128(FixedLength::from(iv));
        cbc.dec
            .decrypt(parts.body, context)
            .map(|_| ())
            .map_err(|_| CryptoError)
    }

    /// The full HMAC over the covered octets (and the ESN high half).
    fn mac(&self, covered: &[u8], seq_hi: Option<u32>) -> hmac::Tag {
        let mut ctx = hmac::Context::with_key(&self.mac);
        ctx.update(covered);
        if let Some(hi) = seq_hi {
            ctx.update(&hi.to_be_bytes());
        }
        ctx.sign()
    }
}

impl Cbc {
    fn new(key: &[u8]) -> Result<Self, SaError> {
        let alg = match key.len() {
            16 => &AES_128,
            24 => &AES_192,
            _ => &AES_256,
        };
        // The first draw from aws-lc's RNG in a process takes ~30 ms (seeding):
        // pay it here, on the control path, not on the first packet.
        aws_lc_rs::rand::fill(&mut [0; 1]).map_err(|_| SaError::Backend)?;
        let unbound = || UnboundCipherKey::new(alg, key).map_err(|_| SaError::Backend);
        Ok(Self {
            enc: EncryptingKey::cbc(unbound()?).map_err(|_| SaError::Backend)?,
            dec: DecryptingKey::cbc(unbound()?).map_err(|_| SaError::Backend)?,
        })
    }
}

fn name(encr_key_len: usize, integ_alg: u16) -> &'static str {
    match (encr_key_len, integ_alg) {
        (0, integ::HMAC_SHA1_96) => "NULL/HMAC_SHA1_96",
        (0, integ::HMAC_SHA2_256_128) => "NULL/HMAC_SHA2_256_128",
        (0, integ::HMAC_SHA2_384_192) => "NULL/HMAC_SHA2_384_192",
        (0, _) => "NULL/HMAC_SHA2_512_256",
        (16, integ::HMAC_SHA1_96) => "AES_CBC_128/HMAC_SHA1_96",
        (16, integ::HMAC_SHA2_256_128) => "AES_CBC_128/HMAC_SHA2_256_128",
        (16, integ::HMAC_SHA2_384_192) => "AES_CBC_128/HMAC_SHA2_384_192",
        (16, _) => "AES_CBC_128/HMAC_SHA2_512_256",
        (24, integ::HMAC_SHA1_96) => "AES_CBC_192/HMAC_SHA1_96",
        (24, integ::HMAC_SHA2_256_128) => "AES_CBC_192/HMAC_SHA2_256_128",
        (24, integ::HMAC_SHA2_384_192) => "AES_CBC_192/HMAC_SHA2_384_192",
        (24, _) => "AES_CBC_192/HMAC_SHA2_512_256",
        (_, integ::HMAC_SHA1_96) => "AES_CBC_256/HMAC_SHA1_96",
        (_, integ::HMAC_SHA2_256_128) => "AES_CBC_256/HMAC_SHA2_256_128",
        (_, integ::HMAC_SHA2_384_192) => "AES_CBC_256/HMAC_SHA2_384_192",
        (_, _) => "AES_CBC_256/HMAC_SHA2_512_256",
    }
}
