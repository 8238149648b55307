//! Password-based decryption of private keys (legacy PEM encryption and
//! PKCS#5 schemes of PKCS#8). Not implemented yet: every attempt fails as
//! with a wrong password, which is what strongSwan does without a usable
//! password.

use crate::keys::Dek;

/// Outcome of `pem_decrypt()`.
pub(crate) enum PemStatus {
    Success(Vec<u8>),
    /// Wrong passphrase (bad padding): the next one is tried.
    InvalidPassphrase,
    /// Any other failure: no further passphrase is tried.
    Failed,
}

/// Decrypts a legacy encrypted PEM body.
pub(crate) fn pem_decrypt(_data: &[u8], _dek: &Dek, _password: &[u8]) -> PemStatus {
    PemStatus::Failed
}

/// A PKCS#5 encryption scheme from an `AlgorithmIdentifier`.
pub(crate) struct Pkcs5(());

impl Pkcs5 {
    /// Parses the scheme; `None` if unsupported.
    pub(crate) fn from_algorithm_identifier(_raw: &[u8]) -> Option<Self> {
        None
    }

    /// Decrypts with `password`; `None` on failure (e.g. bad padding).
    pub(crate) fn decrypt(&self, _password: &[u8], _data: &[u8]) -> Option<Vec<u8>> {
        None
    }
}
