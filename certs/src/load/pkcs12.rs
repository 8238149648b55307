//! PKCS#12 containers (RFC 7292) through p12-keystore, which verifies the
//! MAC and bounds PBKDF2/scrypt work; the keys inside are PKCS#8.

use p12_keystore::Pkcs12Archive;
use p12_keystore::error::Error as P12Error;

use super::check_size;
use crate::cert::Certificate;
use crate::error::ParseError;
use crate::key::PrivateKey;

/// The keys and certificates of a PKCS#12 container.
#[derive(Debug, Default)]
pub struct Pkcs12 {
    /// Private keys, in container order.
    pub keys: Vec<PrivateKey>,
    /// Certificates (end entities and CAs), in container order.
    pub certs: Vec<Certificate>,
}

/// Opens a PKCS#12 container (DER) with `passphrase`.
pub fn parse_pkcs12(data: &[u8], passphrase: Option<&str>) -> Result<Pkcs12, ParseError> {
    check_size(data)?;
    let archive =
        Pkcs12Archive::from_pkcs12(data, passphrase.unwrap_or_default()).map_err(|e| match e {
            P12Error::MacError(_) | P12Error::UnpadError if passphrase.is_none() => {
                ParseError::PassphraseRequired
            }
            P12Error::MacError(_) | P12Error::UnpadError => ParseError::WrongPassphrase,
            P12Error::UnsupportedEncryptionScheme | P12Error::UnsupportedMacAlgorithm => {
                ParseError::Encryption(e.to_string())
            }
            other => ParseError::Certificate(format!("PKCS#12: {other}")),
        })?;
    let mut out = Pkcs12::default();
    for bag in &archive.keys {
        out.keys.push(PrivateKey::from_pkcs8(bag.key.as_der())?);
    }
    for bag in &archive.certs {
        out.certs.push(Certificate::from_der(bag.cert.as_der())?);
    }
    Ok(out)
}
