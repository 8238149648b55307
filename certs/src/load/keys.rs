//! Private keys: PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8 (RFC 5958 §3,
//! PBES2 of RFC 8018 §6.2), in PEM or DER.

use pkcs8::EncryptedPrivateKeyInfoRef;
use pkcs8::der::Decode;
use pkcs8::pkcs5::{EncryptionScheme, pbes2};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use zeroize::{Zeroize, Zeroizing};

use super::{check_size, is_pem, pem_block};
use crate::error::ParseError;
use crate::key::PrivateKey;

/// PBKDF2 iterations we are willing to run (OpenSSL uses 2048, 2^20
/// is already seconds of work).
const MAX_PBKDF2_ITERATIONS: u32 = 1 << 20;
/// scrypt memory (128 · r · N octets) we are willing to allocate.
const MAX_SCRYPT_MEMORY: u64 = 256 << 20;

/// A private key from PEM or DER; `passphrase` decrypts an encrypted
/// PKCS#8 key.
pub fn parse_private_key(data: &[u8], passphrase: Option<&str>) -> Result<PrivateKey, ParseError> {
    check_size(data)?;
    if !is_pem(data) {
        return from_der(data, passphrase);
    }
    if let Ok(block) = pem_block(data, "ENCRYPTED PRIVATE KEY") {
        let (_, der) =
            pkcs8::der::pem::decode_vec(block).map_err(|e| ParseError::Pem(e.to_string()))?;
        return decrypt(&Zeroizing::new(der), passphrase);
    }
    if data.windows(9).any(|w| w == b"Proc-Type") {
        return Err(ParseError::Encryption(
            "legacy OpenSSL PEM encryption (convert with openssl pkcs8 -topk8)".into(),
        ));
    }
    let mut der =
        PrivateKeyDer::from_pem_slice(data).map_err(|_| ParseError::NotFound("private key"))?;
    let key = match &der {
        PrivateKeyDer::Pkcs1(k) => PrivateKey::from_pkcs1(k.secret_pkcs1_der()),
        PrivateKeyDer::Sec1(k) => PrivateKey::from_sec1(k.secret_sec1_der()),
        PrivateKeyDer::Pkcs8(k) => PrivateKey::from_pkcs8(k.secret_pkcs8_der()),
        _ => Err(ParseError::Key("unsupported private key format".into())),
    };
    // pki-types does not wipe on drop
    der.zeroize();
    key
}

fn from_der(der: &[u8], passphrase: Option<&str>) -> Result<PrivateKey, ParseError> {
    if EncryptedPrivateKeyInfoRef::from_der(der).is_ok() {
        return decrypt(der, passphrase);
    }
    PrivateKey::from_pkcs8(der)
        .or_else(|e| PrivateKey::from_pkcs1(der).map_err(|_| e))
        .or_else(|e| PrivateKey::from_sec1(der).map_err(|_| e))
}

/// Decrypts an EncryptedPrivateKeyInfo after bounding the KDF's work.
fn decrypt(der: &[u8], passphrase: Option<&str>) -> Result<PrivateKey, ParseError> {
    let info = EncryptedPrivateKeyInfoRef::from_der(der)
        .map_err(|e| ParseError::Key(format!("encrypted PKCS#8: {e}")))?;
    let passphrase = passphrase.ok_or(ParseError::PassphraseRequired)?;
    let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        return Err(ParseError::Encryption("PBES1 (use PBES2)".into()));
    };
    match &params.kdf {
        pbes2::Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => {
            return Err(ParseError::Encryption(format!(
                "{} PBKDF2 iterations (at most {MAX_PBKDF2_ITERATIONS})",
                p.iteration_count
            )));
        }
        pbes2::Kdf::Scrypt(p) => {
            let memory = 128u64
                .saturating_mul(u64::from(p.block_size))
                .saturating_mul(p.cost_parameter)
                .saturating_mul(u64::from(p.parallelization));
            if memory > MAX_SCRYPT_MEMORY {
                return Err(ParseError::Encryption(format!(
                    "scrypt needing {memory} octets (at most {MAX_SCRYPT_MEMORY})"
                )));
            }
        }
        pbes2::Kdf::Pbkdf2(_) => {}
        _ => return Err(ParseError::Encryption("unknown key derivation".into())),
    }
    let plain = info
        .decrypt(passphrase.as_bytes())
        .map_err(|_| ParseError::WrongPassphrase)?;
    PrivateKey::from_pkcs8(plain.as_bytes())
}
