//! ESP and AH transforms by identity (not by kernel or IANA name) and the
//! keys that go with them.

use crate::spec::Key;

/// ICV length of an AEAD transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IcvLen {
    /// 8 octets.
    Bytes8,
    /// 12 octets.
    Bytes12,
    /// 16 octets.
    Bytes16,
}

impl IcvLen {
    /// In octets.
    #[must_use]
    pub const fn bytes(self) -> usize {
        match self {
            Self::Bytes8 => 8,
            Self::Bytes12 => 12,
            Self::Bytes16 => 16,
        }
    }
}

/// Combined-mode (AEAD) transforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aead {
    /// AES-GCM (RFC 4106); key = AES key (16, 24 or 32) + 4-octet salt.
    AesGcm(IcvLen),
    /// AES-CCM (RFC 4309); key = AES key + 3-octet salt.
    AesCcm(IcvLen),
    /// ChaCha20-Poly1305 (RFC 7634); key = 32 + 4-octet salt, ICV 16.
    ChaCha20Poly1305,
}

/// Encryption transforms used with a separate integrity transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encryption {
    /// AES-CBC (RFC 3602); key 16, 24 or 32.
    AesCbc,
    /// AES-CTR (RFC 3686); key = AES key + 4-octet nonce.
    AesCtr,
    /// No encryption (RFC 2410); empty key.
    Null,
}

/// Integrity transforms, with their truncation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Integrity {
    /// HMAC-SHA1-96 (RFC 2404); key 20.
    HmacSha1_96,
    /// HMAC-SHA-256-128 (RFC 4868); key 32.
    HmacSha256_128,
    /// HMAC-SHA-384-192 (RFC 4868); key 48.
    HmacSha384_192,
    /// HMAC-SHA-512-256 (RFC 4868); key 64.
    HmacSha512_256,
    /// AES-XCBC-MAC-96 (RFC 3566); key 16.
    AesXcbc96,
    /// AES-CMAC-96 (RFC 4494); key 16.
    AesCmac96,
}

impl Integrity {
    /// Key length in octets.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::HmacSha1_96 => 20,
            Self::HmacSha256_128 => 32,
            Self::HmacSha384_192 => 48,
            Self::HmacSha512_256 => 64,
            Self::AesXcbc96 | Self::AesCmac96 => 16,
        }
    }

    /// ICV length in bits.
    #[must_use]
    pub const fn icv_bits(self) -> u32 {
        match self {
            Self::HmacSha1_96 | Self::AesXcbc96 | Self::AesCmac96 => 96,
            Self::HmacSha256_128 => 128,
            Self::HmacSha384_192 => 192,
            Self::HmacSha512_256 => 256,
        }
    }
}

/// The transforms of an SA and their keys (RFC 7296 §2.17 gives the
/// order the keys are taken from KEYMAT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Algorithms {
    /// An AEAD transform: ESP only.
    Aead {
        /// Which.
        aead: Aead,
        /// Key including salt.
        key: Key,
    },
    /// Encryption plus integrity: ESP.
    Split {
        /// Encryption transform.
        encr: Encryption,
        /// Its key (with the nonce for CTR).
        encr_key: Key,
        /// Integrity transform.
        integ: Integrity,
        /// Its key.
        integ_key: Key,
    },
    /// Integrity only: AH.
    Auth {
        /// Integrity transform.
        integ: Integrity,
        /// Its key.
        key: Key,
    },
}

impl Aead {
    /// Valid key lengths (with salt) in octets.
    fn key_lens(self) -> &'static [usize] {
        match self {
            Self::AesGcm(_) => &[20, 28, 36],
            Self::AesCcm(_) => &[19, 27, 35],
            Self::ChaCha20Poly1305 => &[36],
        }
    }
}

impl Encryption {
    /// Valid key lengths in octets.
    fn key_lens(self) -> &'static [usize] {
        match self {
            Self::AesCbc => &[16, 24, 32],
            Self::AesCtr => &[20, 28, 36],
            Self::Null => &[0],
        }
    }
}

impl Algorithms {
    /// Checks every key length against its transform.
    ///
    /// # Errors
    /// Names the transform and the lengths it takes.
    pub fn check_keys(&self) -> Result<(), String> {
        let check = |what: &dyn core::fmt::Debug, key: &Key, lens: &[usize]| {
            if lens.contains(&key.len()) {
                Ok(())
            } else {
                Err(format!(
                    "{what:?} takes a key of {lens:?} octets, not {}",
                    key.len()
                ))
            }
        };
        match self {
            Self::Aead { aead, key } => check(aead, key, aead.key_lens()),
            Self::Split {
                encr,
                encr_key,
                integ,
                integ_key,
            } => {
                check(encr, encr_key, encr.key_lens())?;
                check(integ, integ_key, &[integ.key_len()])
            }
            Self::Auth { integ, key } => check(integ, key, &[integ.key_len()]),
        }
    }
}
