//! Typed failures: what was wrong with a file or blob ([`ParseError`],
//! [`FileError`]) and which check a peer failed ([`VerifyError`]).

use core::fmt;
use std::path::PathBuf;

use ike::auth::AuthError;

/// Why a certificate, key or CRL blob could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Neither a PEM block of a known type nor a DER object was found.
    NotFound(&'static str),
    /// A PEM block was malformed.
    Pem(String),
    /// The certificate or CRL does not parse.
    Certificate(String),
    /// The key does not parse or is of an unsupported type.
    Key(String),
    /// The key or container is encrypted and no passphrase was given.
    PassphraseRequired,
    /// The passphrase did not decrypt the key or container.
    WrongPassphrase,
    /// The encryption scheme is not supported (or too costly to try).
    Encryption(String),
    /// More octets than we are willing to read.
    TooLarge {
        /// The limit in octets.
        max: usize,
    },
    /// A VICI type string we do not know.
    UnknownType(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(what) => write!(f, "no {what} found (neither PEM nor DER)"),
            Self::Pem(why) => write!(f, "invalid PEM: {why}"),
            Self::Certificate(why) => write!(f, "invalid certificate: {why}"),
            Self::Key(why) => write!(f, "invalid key: {why}"),
            Self::PassphraseRequired => f.write_str("encrypted, but no passphrase given"),
            Self::WrongPassphrase => f.write_str("decryption failed (wrong passphrase?)"),
            Self::Encryption(why) => write!(f, "unsupported encryption: {why}"),
            Self::TooLarge { max } => write!(f, "larger than {max} octets"),
            Self::UnknownType(ty) => write!(f, "unknown credential type '{ty}'"),
        }
    }
}

impl std::error::Error for ParseError {}

/// A file of a credential directory that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub kind: FileErrorKind,
}

/// Why a file could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileErrorKind {
    /// Reading failed.
    Io(String),
    /// The contents were refused.
    Parse(ParseError),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FileErrorKind::Io(why) => write!(f, "{}: {why}", self.path.display()),
            FileErrorKind::Parse(why) => write!(f, "{}: {why}", self.path.display()),
        }
    }
}

impl std::error::Error for FileError {}

/// Which check a peer's signature authentication failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The peer sent no certificate and none is known for its identity.
    NoCertificate(String),
    /// A certificate of the peer could not be parsed.
    Malformed(String),
    /// A certificate (or CRL) is past its notAfter.
    Expired(String),
    /// A certificate is before its notBefore.
    NotYetValid(String),
    /// No trusted CA issued the chain.
    UnknownCa(String),
    /// The chain is invalid (basicConstraints, path length, signatures...).
    BrokenChain(String),
    /// A certificate of the chain is revoked.
    Revoked(String),
    /// Revocation status is unknown where `revocation` requires it.
    RevocationUnknown(String),
    /// keyUsage or extendedKeyUsage do not allow IKE (RFC 4945 §5.1.3).
    Usage(String),
    /// The IKE identity is not in the certificate.
    IdMismatch(String),
    /// The peer's key is none of the pinned ones.
    PinMismatch(String),
    /// The chain does not contain a CA of `remote.cacerts`.
    CaNotAllowed(String),
    /// `remote.auth` is not met (key type, strength, signature scheme).
    Constraint(String),
    /// The AUTH payload is malformed or uses an unsupported scheme.
    Unsupported(String),
    /// The signature does not verify with the peer's key.
    BadSignature(String),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, detail) = match self {
            Self::NoCertificate(d) => ("no certificate", d),
            Self::Malformed(d) => ("malformed certificate", d),
            Self::Expired(d) => ("certificate expired", d),
            Self::NotYetValid(d) => ("certificate not yet valid", d),
            Self::UnknownCa(d) => ("no trusted CA", d),
            Self::BrokenChain(d) => ("invalid certificate chain", d),
            Self::Revoked(d) => ("certificate revoked", d),
            Self::RevocationUnknown(d) => ("revocation status unknown", d),
            Self::Usage(d) => ("certificate not usable for IKE", d),
            Self::IdMismatch(d) => ("identity not in certificate", d),
            Self::PinMismatch(d) => ("key is not pinned", d),
            Self::CaNotAllowed(d) => ("CA not allowed for this connection", d),
            Self::Constraint(d) => ("constraint check failed", d),
            Self::Unsupported(d) => ("unsupported signature", d),
            Self::BadSignature(d) => ("signature verification failed", d),
        };
        write!(f, "{what}: {detail}")
    }
}

impl std::error::Error for VerifyError {}

/// The core logs the message and answers AUTHENTICATION_FAILED.
impl From<VerifyError> for AuthError {
    fn from(e: VerifyError) -> Self {
        Self::Certificate(e.to_string())
    }
}
