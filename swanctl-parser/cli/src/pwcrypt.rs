//! Password-based decryption of private keys, with libstrongswan's checks:
//!
//! - legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED`, `DEK-Info`): key =
//!   MD5(password ‖ salt) [‖ MD5(previous ‖ password ‖ salt)], salt = the
//!   first 8 bytes of the IV; DES-EDE3-CBC or AES-128/192/256-CBC;
//!   a padding mismatch means "invalid passphrase" (the next one is tried).
//! - PKCS#8 `EncryptedPrivateKeyInfo` with PBES2: PBKDF2 (HMAC-SHA1/224/
//!   256/384/512) and DES-CBC, DES-EDE3-CBC or AES-CBC.
//!
//! - PBES1 (PBKDF1 with MD5 or SHA-1, DES-CBC) and PKCS#12 PBE with SHA-1
//!   and 2- or 3-key triple DES.
//!
//! RC2/RC4 based schemes are not supported (such keys fail to parse
//! without a password prompt).

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use des::{Des, TdesEde3};
use md5::{Digest, Md5};

use crate::der;
use crate::keys::Dek;
use crate::log;

/// Outcome of `pem_decrypt()`.
pub(crate) enum PemStatus {
    Success(Vec<u8>),
    /// Wrong passphrase (bad padding): the next one is tried.
    InvalidPassphrase,
    /// Any other failure: no further passphrase is tried.
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cipher {
    Des,
    Des3,
    Aes(usize),
}

impl Cipher {
    fn block_size(self) -> usize {
        match self {
            Self::Des | Self::Des3 => 8,
            Self::Aes(_) => 16,
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::Des => 8,
            Self::Des3 => 24,
            Self::Aes(n) => n,
        }
    }

    /// CBC decryption without padding removal; `None` on bad sizes.
    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
        fn run<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
        where
            cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
            C: cbc::cipher::BlockCipher + cbc::cipher::BlockDecryptMut,
        {
            let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
            let mut buf = data.to_vec();
            let len = dec.decrypt_padded_mut::<NoPadding>(&mut buf).ok()?.len();
            buf.truncate(len);
            Some(buf)
        }
        if !data.len().is_multiple_of(self.block_size()) {
            return None;
        }
        match self {
            Self::Des => run::<Des>(key, iv, data),
            Self::Des3 => run::<TdesEde3>(key, iv, data),
            Self::Aes(16) => run::<Aes128>(key, iv, data),
            Self::Aes(24) => run::<Aes192>(key, iv, data),
            Self::Aes(32) => run::<Aes256>(key, iv, data),
            Self::Aes(_) => None,
        }
    }
}

/// `pem_decrypt()` of libstrongswan's pem plugin.
pub(crate) fn pem_decrypt(data: &[u8], dek: &Dek, password: &[u8]) -> PemStatus {
    let cipher = dek.aes_key_len.map_or(Cipher::Des3, Cipher::Aes);
    let mut salt = dek.iv.clone();
    salt.resize(8, 0);
    salt.truncate(8);
    let key_len = cipher.key_len();
    let hash = Md5::new()
        .chain_update(password)
        .chain_update(&salt)
        .finalize();
    let mut key = hash.to_vec();
    if key_len > key.len() {
        let more = Md5::new()
            .chain_update(hash)
            .chain_update(password)
            .chain_update(&salt)
            .finalize();
        key.extend_from_slice(&more);
    }
    key.truncate(key_len);
    if dek.iv.len() != cipher.block_size() || !data.len().is_multiple_of(cipher.block_size()) {
        log::dbg1("  data size is not multiple of block size");
        return PemStatus::Failed;
    }
    let Some(mut plain) = cipher.decrypt(&key, &dek.iv, data) else {
        return PemStatus::Failed;
    };
    let Some(&padding) = plain.last() else {
        return PemStatus::Failed;
    };
    let padding = usize::from(padding);
    let len = plain.len();
    if padding > len
        || plain[len - padding..]
            .iter()
            .any(|&b| usize::from(b) != padding)
    {
        log::dbg1("  invalid passphrase");
        return PemStatus::InvalidPassphrase;
    }
    plain.truncate(len - padding);
    PemStatus::Success(plain)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prf {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kdf {
    Pbkdf2(Prf),
    Pbkdf1Md5,
    Pbkdf1Sha1,
    Pkcs12,
}

/// A PKCS#5 / PKCS#12 password-based encryption scheme.
pub(crate) struct Pkcs5 {
    salt: Vec<u8>,
    iterations: u32,
    key_len: usize,
    kdf: Kdf,
    cipher: Cipher,
    /// Explicit IV (PBES2); derived for PBES1 and PKCS#12.
    iv: Vec<u8>,
}

const OID_PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const OID_PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
const OID_HMAC_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02];
const OID_AES_PREFIX: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01];
const OID_DES3_CBC: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07];
const OID_DES_CBC: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x07];
const OID_PBES1_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
const OID_PKCS12_PBE_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];

/// RFC 7292 appendix B.2 key derivation with SHA-1; the password is
/// turned into a BMPString byte by byte, as strongSwan does.
fn pkcs12_kdf(password: &[u8], salt: &[u8], iterations: u32, id: u8, n: usize) -> Vec<u8> {
    use sha1::Sha1;
    const U: usize = 20;
    const V: usize = 64;
    let mut unicode = Vec::with_capacity((password.len() + 1) * 2);
    for &c in password {
        unicode.extend_from_slice(&[0, c]);
    }
    unicode.extend_from_slice(&[0, 0]);
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let len = V * src.len().div_ceil(V);
        src.iter().copied().cycle().take(len).collect()
    };
    let mut i_buf = fill(salt);
    i_buf.extend_from_slice(&fill(&unicode));
    let d = [id; V];
    let mut out = Vec::with_capacity(n + U);
    while out.len() < n {
        let mut a = Sha1::new().chain_update(d).chain_update(&i_buf).finalize();
        for _ in 1..iterations {
            a = Sha1::digest(a);
        }
        out.extend_from_slice(&a);
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for block in i_buf.chunks_mut(V) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(n);
    out
}

fn uint_value(t: &der::Tlv<'_>) -> Option<u64> {
    if t.tag != der::INTEGER || t.value.is_empty() || t.value.len() > 9 || t.value[0] & 0x80 != 0 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in t.value {
        v = v.checked_mul(256)?.checked_add(u64::from(b))?;
    }
    Some(v)
}

impl Pkcs5 {
    /// Parses a PBES2 `AlgorithmIdentifier`; `None` if unsupported.
    pub(crate) fn from_algorithm_identifier(raw: &[u8]) -> Option<Self> {
        let alg = der::single(raw, der::SEQUENCE)?;
        let items = der::children(alg.value)?;
        if items.first()?.tag != der::OID {
            return None;
        }
        let oid = items[0].value;
        let legacy = if oid.strip_prefix(OID_PBES1_PREFIX) == Some(&[0x03]) {
            Some((Kdf::Pbkdf1Md5, Cipher::Des))
        } else if oid.strip_prefix(OID_PBES1_PREFIX) == Some(&[0x0a]) {
            Some((Kdf::Pbkdf1Sha1, Cipher::Des))
        } else if oid.strip_prefix(OID_PKCS12_PBE_PREFIX) == Some(&[0x03]) {
            Some((Kdf::Pkcs12, Cipher::Des3))
        } else if oid.strip_prefix(OID_PKCS12_PBE_PREFIX) == Some(&[0x04]) {
            // two-key triple DES: K1 K2 K1
            Some((Kdf::Pkcs12, Cipher::Des3))
        } else {
            None
        };
        if let Some((kdf, cipher)) = legacy {
            let params = der::children(items.get(1).filter(|t| t.tag == der::SEQUENCE)?.value)?;
            let salt = params
                .first()
                .filter(|t| t.tag == der::OCTET_STRING)?
                .value
                .to_vec();
            let iterations = u32::try_from(uint_value(params.get(1)?)?).ok()?;
            let two_key = oid.strip_prefix(OID_PKCS12_PBE_PREFIX) == Some(&[0x04]);
            return Some(Self {
                salt,
                iterations,
                key_len: if two_key { 16 } else { cipher.key_len() },
                kdf,
                cipher,
                iv: Vec::new(),
            });
        }
        if oid != OID_PBES2 {
            return None;
        }
        let params = der::children(items.get(1).filter(|t| t.tag == der::SEQUENCE)?.value)?;
        let kdf = der::children(params.first().filter(|t| t.tag == der::SEQUENCE)?.value)?;
        let enc = der::children(params.get(1).filter(|t| t.tag == der::SEQUENCE)?.value)?;
        if kdf.first()?.value != OID_PBKDF2 {
            return None;
        }
        let kdf_params = der::children(kdf.get(1).filter(|t| t.tag == der::SEQUENCE)?.value)?;
        let salt = kdf_params
            .first()
            .filter(|t| t.tag == der::OCTET_STRING)?
            .value
            .to_vec();
        let iterations = u32::try_from(uint_value(kdf_params.get(1)?)?).ok()?;
        let mut key_len = 0usize;
        let mut prf = Prf::Sha1;
        for t in &kdf_params[2..] {
            match t.tag {
                der::INTEGER => key_len = usize::try_from(uint_value(t)?).ok()?,
                der::SEQUENCE => {
                    let p = der::children(t.value)?;
                    let oid = p.first().filter(|o| o.tag == der::OID)?.value;
                    let suffix = oid.strip_prefix(OID_HMAC_PREFIX)?;
                    prf = match suffix {
                        [0x07] => Prf::Sha1,
                        [0x08] => Prf::Sha224,
                        [0x09] => Prf::Sha256,
                        [0x0a] => Prf::Sha384,
                        [0x0b] => Prf::Sha512,
                        _ => return None,
                    };
                }
                _ => return None,
            }
        }
        let enc_oid = enc.first().filter(|t| t.tag == der::OID)?.value;
        let cipher = if enc_oid == OID_DES3_CBC {
            Cipher::Des3
        } else if enc_oid == OID_DES_CBC {
            Cipher::Des
        } else {
            match enc_oid.strip_prefix(OID_AES_PREFIX)? {
                [0x02] => Cipher::Aes(16),
                [0x16] => Cipher::Aes(24),
                [0x2a] => Cipher::Aes(32),
                _ => return None,
            }
        };
        let iv = enc
            .get(1)
            .filter(|t| t.tag == der::OCTET_STRING)?
            .value
            .to_vec();
        if key_len == 0 {
            key_len = cipher.key_len();
        }
        Some(Self {
            salt,
            iterations,
            key_len,
            kdf: Kdf::Pbkdf2(prf),
            cipher,
            iv,
        })
    }

    /// Decrypts with `password`; `None` on failure (e.g. bad padding).
    pub(crate) fn decrypt(&self, password: &[u8], data: &[u8]) -> Option<Vec<u8>> {
        let (pw, salt, n) = (password, self.salt.as_slice(), self.iterations);
        let (key, iv) = match self.kdf {
            Kdf::Pbkdf2(prf) => {
                if self.key_len != self.cipher.key_len() {
                    return None;
                }
                let mut key = vec![0u8; self.key_len];
                match prf {
                    Prf::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pw, salt, n, &mut key),
                    Prf::Sha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(pw, salt, n, &mut key),
                    Prf::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, n, &mut key),
                    Prf::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(pw, salt, n, &mut key),
                    Prf::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, n, &mut key),
                }
                (key, self.iv.clone())
            }
            Kdf::Pbkdf1Md5 | Kdf::Pbkdf1Sha1 => {
                let mut t = if self.kdf == Kdf::Pbkdf1Md5 {
                    Md5::new()
                        .chain_update(pw)
                        .chain_update(salt)
                        .finalize()
                        .to_vec()
                } else {
                    sha1::Sha1::new()
                        .chain_update(pw)
                        .chain_update(salt)
                        .finalize()
                        .to_vec()
                };
                for _ in 1..n {
                    t = if self.kdf == Kdf::Pbkdf1Md5 {
                        Md5::digest(&t).to_vec()
                    } else {
                        sha1::Sha1::digest(&t).to_vec()
                    };
                }
                (t[..8].to_vec(), t[8..16].to_vec())
            }
            Kdf::Pkcs12 => {
                let mut key = pkcs12_kdf(pw, salt, n, 1, self.key_len);
                if key.len() == 16 {
                    let k1 = key[..8].to_vec();
                    key.extend_from_slice(&k1);
                }
                (key, pkcs12_kdf(pw, salt, n, 2, 8))
            }
        };
        let mut plain = self.cipher.decrypt(&key, &iv, data)?;
        // verify_padding(): a pad value above the block size or a mismatch
        // fails; 0 passes and removes nothing
        let padding = usize::from(*plain.last()?);
        if padding > self.cipher.block_size() {
            return None;
        }
        let len = plain.len();
        if padding > len
            || plain[len - padding..]
                .iter()
                .any(|&b| usize::from(b) != padding)
        {
            return None;
        }
        plain.truncate(len - padding);
        Some(plain)
    }
}
