//! Encrypted (SK) payload protection, one direction (RFC 7296 §3.14,
//! RFC 5282, RFC 7634).
//!
//! ```text
//! SK payload body:  IV | Encrypted(inner payloads | Padding | Pad Length) | ICV
//! ```
//!
//! * Classic ciphers (AES-CBC, RFC 3602) are paired with an integrity
//!   algorithm (HMAC-SHA1-96, RFC 2404; HMAC-SHA2-256-128/384-192/512-256,
//!   RFC 4868). The IV is one random block; the plaintext is padded to a whole
//!   number of blocks; the ICV covers the whole message from the IKE header up
//!   to the end of the ciphertext (RFC 7296 §3.14).
//! * AEAD ciphers (AES-GCM with 8/12/16-byte ICV, RFC 5282; ChaCha20-Poly1305,
//!   RFC 7634) use an 8-byte explicit IV; the nonce is the 4-byte salt from the
//!   end of SK_e followed by that IV (RFC 5282 §4, RFC 7634 §2). The AAD is the
//!   message from the IKE header through the SK generic payload header
//!   (RFC 5282 §5.1). As these ciphers need no block alignment, we send no
//!   padding (Pad Length 0, RFC 5282 §3), and accept any padding on input.

use core::ops::Range;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::{
    AeadKey, Algorithm, CryptoError, EncrKey, IntegKey, Provider, Secret, SecureRandom, SkCipher,
};
use crate::proposal::Transform;
use crate::wire::iana::{EncrId, IntegId};

/// Protects (seals) or verifies and decrypts (opens) SK payloads for one
/// direction of an IKE SA: build one with SK_ei/SK_ai for messages the
/// initiator sends, one with SK_er/SK_ar for the responder's.
pub struct SkProtector {
    kind: Kind,
}

enum Kind {
    Cbc {
        cipher: Box<dyn EncrKey>,
        block_len: usize,
        integ: Box<dyn IntegKey>,
        icv_len: usize,
    },
    Aead {
        key: Box<dyn AeadKey>,
        salt: Secret,
        iv_len: usize,
        icv_len: usize,
    },
}

impl core::fmt::Debug for SkProtector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = match self.kind {
            Kind::Cbc { .. } => "cbc",
            Kind::Aead { .. } => "aead",
        };
        f.debug_struct("SkProtector")
            .field("kind", &kind)
            .field("iv_len", &self.iv_len())
            .field("icv_len", &self.icv_len())
            .finish_non_exhaustive()
    }
}

impl SkProtector {
    /// Keys one direction. `key_bits` is the Key Length attribute of the
    /// encryption transform; `integ` and `sk_a` are required for classic
    /// ciphers and must be `None` (or `IntegId::NONE`) for AEAD, where `sk_e`
    /// is key followed by salt.
    pub fn new(
        provider: &Provider,
        encr: EncrId,
        key_bits: Option<u16>,
        integ: Option<IntegId>,
        sk_e: &[u8],
        sk_a: Option<&[u8]>,
    ) -> Result<Self, CryptoError> {
        let cipher = provider
            .sk_cipher(encr, key_bits)
            .ok_or(CryptoError::Unsupported(Transform {
                alg: Algorithm::Encr(encr),
                key_len: key_bits,
            }))?;
        let integ = integ.filter(|id| *id != IntegId::NONE);
        let kind = match cipher {
            SkCipher::Encr(encr) => {
                let id = integ.ok_or(CryptoError::Unsupported(Transform::new(
                    Algorithm::Integ(IntegId::NONE),
                    0,
                )))?;
                let integ = provider
                    .integ(id)
                    .ok_or(CryptoError::Unsupported(Transform::new(
                        Algorithm::Integ(id),
                        0,
                    )))?;
                let sk_a = sk_a.ok_or(CryptoError::KeyLength {
                    expected: integ.key_len(),
                    got: 0,
                })?;
                Kind::Cbc {
                    cipher: encr.new_key(sk_e)?,
                    block_len: encr.block_len(),
                    integ: integ.new_key(sk_a)?,
                    icv_len: integ.icv_len(),
                }
            }
            SkCipher::Aead(aead) => {
                if let Some(id) = integ {
                    return Err(CryptoError::Unsupported(Transform::new(
                        Algorithm::Integ(id),
                        0,
                    )));
                }
                let expected = aead.key_material_len();
                if sk_e.len() != expected {
                    return Err(CryptoError::KeyLength {
                        expected,
                        got: sk_e.len(),
                    });
                }
                let (key, salt) = sk_e.split_at(aead.key_len());
                Kind::Aead {
                    key: aead.new_key(key)?,
                    salt: Secret::from(salt),
                    iv_len: aead.iv_len(),
                    icv_len: aead.icv_len(),
                }
            }
        };
        Ok(Self { kind })
    }

    /// Length of the IV at the start of the SK payload body.
    pub fn iv_len(&self) -> usize {
        match self.kind {
            Kind::Cbc { block_len, .. } => block_len,
            Kind::Aead { iv_len, .. } => iv_len,
        }
    }

    /// Length of the ICV at the end of the SK payload body.
    pub fn icv_len(&self) -> usize {
        match self.kind {
            Kind::Cbc { icv_len, .. } | Kind::Aead { icv_len, .. } => icv_len,
        }
    }

    /// Length of the SK payload BODY (IV | ciphertext incl. padding and pad
    /// length byte | ICV) for `plaintext_len` bytes of inner payloads.
    pub fn sealed_len(&self, plaintext_len: usize) -> usize {
        self.iv_len() + self.padded_len(plaintext_len) + self.icv_len()
    }

    /// Plaintext plus padding plus the Pad Length byte.
    fn padded_len(&self, plaintext_len: usize) -> usize {
        match self.kind {
            Kind::Cbc { block_len, .. } => (plaintext_len + 1).div_ceil(block_len) * block_len,
            Kind::Aead { .. } => plaintext_len + 1,
        }
    }

    /// `message` holds the IKE header and every payload up to and including
    /// the 4-byte SK generic payload header, with ALL length fields already
    /// final (computed with [`sealed_len`](Self::sealed_len)). Appends IV,
    /// ciphertext and ICV. AEAD: AAD = message so far (RFC 5282 §5.1);
    /// classic: ICV = integ(whole message before the ICV) (RFC 7296 §3.14).
    /// The IV comes from `rng` (CBC: random, as §3.14 requires; AEAD: a
    /// random 8-byte explicit IV, unique per key with overwhelming
    /// probability for the few messages an IKE SA carries).
    pub fn seal(
        &self,
        rng: &dyn SecureRandom,
        message: &mut Vec<u8>,
        plaintext: &[u8],
    ) -> Result<(), CryptoError> {
        let padded_len = self.padded_len(plaintext_len_checked(plaintext)?);
        let pad_len = padded_len - plaintext.len() - 1;
        let mut padded = Vec::with_capacity(padded_len);
        padded.extend_from_slice(plaintext);
        // Padding "MAY contain any value" (RFC 7296 §3.14): zeros.
        padded.resize(padded_len - 1, 0);
        padded.push(u8::try_from(pad_len).map_err(|_| CryptoError::BadPadding)?);
        let result = self.seal_padded(rng, message, &padded);
        padded.zeroize();
        result
    }

    /// Seals an already padded plaintext (its last byte is the Pad Length).
    fn seal_padded(
        &self,
        rng: &dyn SecureRandom,
        message: &mut Vec<u8>,
        padded: &[u8],
    ) -> Result<(), CryptoError> {
        let aad_end = message.len();
        message.reserve(self.iv_len() + padded.len() + self.icv_len());
        let iv_start = message.len();
        message.resize(iv_start + self.iv_len(), 0);
        let iv = message
            .get_mut(iv_start..)
            .ok_or(CryptoError::InvalidRange)?;
        rng.fill(iv)?;
        let ct_start = message.len();
        message.extend_from_slice(padded);
        let icv_start = message.len();
        message.resize(icv_start + self.icv_len(), 0);
        let (covered, icv) = message.split_at_mut(icv_start);
        let (aad, body) = covered.split_at_mut(aad_end);
        let (iv, ciphertext) = body.split_at_mut(ct_start - iv_start);
        match &self.kind {
            Kind::Cbc { cipher, integ, .. } => {
                cipher.encrypt(iv, ciphertext)?;
                integ.sign(&[covered], icv);
            }
            Kind::Aead { key, salt, .. } => {
                let nonce = nonce(salt, iv)?;
                key.seal(&nonce, aad, ciphertext, icv)?;
            }
        }
        Ok(())
    }

    /// `message` is a whole IKE message whose last payload is SK; `body` is
    /// the range of the SK payload body within it. Verifies the ICV (constant
    /// time) and returns the inner payload bytes with padding removed; checks
    /// the pad length.
    pub fn open(&self, message: &[u8], body: Range<usize>) -> Result<Vec<u8>, CryptoError> {
        let body_bytes = message.get(body.clone()).ok_or(CryptoError::InvalidRange)?;
        let (iv_len, icv_len) = (self.iv_len(), self.icv_len());
        let ct_len = body_bytes
            .len()
            .checked_sub(iv_len + icv_len)
            .filter(|len| *len > 0)
            .ok_or(CryptoError::InvalidCiphertextLength)?;
        let (iv, rest) = body_bytes.split_at(iv_len);
        let (ciphertext, icv) = rest.split_at(ct_len);
        let mut plaintext = ciphertext.to_vec();
        match &self.kind {
            Kind::Cbc {
                cipher,
                block_len,
                integ,
                ..
            } => {
                if ct_len % block_len != 0 {
                    return Err(CryptoError::InvalidCiphertextLength);
                }
                let covered = message
                    .get(..body.end - icv_len)
                    .ok_or(CryptoError::InvalidRange)?;
                let mut expected = vec![0; icv_len];
                integ.sign(&[covered], &mut expected);
                if !bool::from(expected.ct_eq(icv)) {
                    return Err(CryptoError::IntegrityCheckFailed);
                }
                cipher.decrypt(iv, &mut plaintext)?;
            }
            Kind::Aead { key, salt, .. } => {
                let aad = message.get(..body.start).ok_or(CryptoError::InvalidRange)?;
                key.open(&nonce(salt, iv)?, aad, &mut plaintext, icv)?;
            }
        }
        strip_padding(plaintext)
    }
}

fn plaintext_len_checked(plaintext: &[u8]) -> Result<usize, CryptoError> {
    // An IKE message is at most 2^32 - 1 bytes; anything near usize::MAX
    // would overflow the padding arithmetic.
    if plaintext.len() > u32::MAX as usize {
        return Err(CryptoError::InvalidCiphertextLength);
    }
    Ok(plaintext.len())
}

/// The 12-byte AEAD nonce: salt | explicit IV (RFC 5282 §4, RFC 7634 §2).
fn nonce(salt: &Secret, iv: &[u8]) -> Result<[u8; 12], CryptoError> {
    let mut nonce = [0; 12];
    let (s, i) = nonce.split_at_mut(4);
    if salt.len() != s.len() || iv.len() != i.len() {
        return Err(CryptoError::KeyLength {
            expected: 4,
            got: salt.len(),
        });
    }
    s.copy_from_slice(salt.as_bytes());
    i.copy_from_slice(iv);
    Ok(nonce)
}

/// Removes Padding and the Pad Length byte (RFC 7296 §3.14).
fn strip_padding(mut plaintext: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    let pad_len = plaintext.last().map(|&b| usize::from(b));
    match pad_len.and_then(|pad_len| plaintext.len().checked_sub(pad_len + 1)) {
        Some(inner_len) => {
            plaintext[inner_len..].zeroize();
            plaintext.truncate(inner_len);
            Ok(plaintext)
        }
        None => {
            plaintext.zeroize();
            Err(CryptoError::BadPadding)
        }
    }
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
#[path = "sk_tests.rs"]
mod tests;
