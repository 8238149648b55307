//! Crypto errors, grouped by who is to blame.

use core::fmt;

use crate::proposal::Transform;
use crate::wire::iana::{HashAlgorithm, KeId, TransformType};

/// Why a cryptographic operation failed.
///
/// * The peer is to blame for [`IntegrityCheckFailed`](Self::IntegrityCheckFailed),
///   [`BadPadding`](Self::BadPadding), [`InvalidCiphertextLength`](Self::InvalidCiphertextLength)
///   and [`InvalidPublicKey`](Self::InvalidPublicKey) (RFC 7296 §2.21: drop the
///   message silently, or answer `INVALID_KE_PAYLOAD` / `INVALID_SYNTAX`).
/// * Negotiation asked for something this provider cannot do:
///   [`Unsupported`](Self::Unsupported); or a feature needs a hash function
///   the provider lacks: [`UnsupportedHash`](Self::UnsupportedHash).
/// * The caller passed inconsistent arguments: [`KeyLength`](Self::KeyLength),
///   [`InvalidRange`](Self::InvalidRange), [`OutputTooLong`](Self::OutputTooLong).
/// * The backend or RNG failed: [`Rng`](Self::Rng), [`Backend`](Self::Backend).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// The ICV (or AEAD tag) of an SK payload did not verify (RFC 7296 §3.14).
    IntegrityCheckFailed,
    /// The decrypted Pad Length is longer than the decrypted data.
    BadPadding,
    /// The SK payload body is too short for IV and ICV, or the ciphertext is
    /// not a whole number of cipher blocks.
    InvalidCiphertextLength,
    /// A peer's KE data is not a valid public value for `group` (wrong length,
    /// not on the curve, out of range, or yields an all-zero/degenerate secret).
    InvalidPublicKey {
        /// The key exchange method the value was checked against.
        group: KeId,
    },
    /// The provider has no implementation of this algorithm.
    Unsupported(Transform),
    /// The provider has no implementation of this hash function (SHA-1 for
    /// NAT detection, SHA-256 for cookies).
    UnsupportedHash(HashAlgorithm),
    /// A key has the wrong length for its algorithm.
    KeyLength {
        /// Length the algorithm needs.
        expected: usize,
        /// Length that was given.
        got: usize,
    },
    /// A byte range does not lie inside the message it indexes.
    InvalidRange,
    /// prf+ was asked for more than 255 blocks of output (RFC 7296 §2.13).
    OutputTooLong,
    /// The random number generator failed.
    Rng,
    /// A proposal lacks a transform type it needs (encryption, PRF).
    MissingTransform(TransformType),
    /// The backend reported an internal failure.
    Backend(&'static str),
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IntegrityCheckFailed => f.write_str("integrity check failed"),
            Self::BadPadding => f.write_str("invalid padding in encrypted payload"),
            Self::InvalidCiphertextLength => f.write_str("invalid length of encrypted payload"),
            Self::InvalidPublicKey { group } => write!(f, "invalid {group:?} public value"),
            Self::Unsupported(alg) => write!(f, "algorithm {} not supported", alg.name()),
            Self::UnsupportedHash(alg) => write!(f, "hash algorithm {alg} not supported"),
            Self::KeyLength { expected, got } => {
                write!(f, "key of {got} bytes where {expected} are needed")
            }
            Self::InvalidRange => f.write_str("byte range outside the message"),
            Self::OutputTooLong => f.write_str("prf+ output longer than 255 blocks"),
            Self::Rng => f.write_str("random number generator failed"),
            Self::MissingTransform(ty) => write!(f, "proposal has no {ty:?} transform"),
            Self::Backend(what) => write!(f, "crypto backend failure: {what}"),
        }
    }
}

impl std::error::Error for CryptoError {}
