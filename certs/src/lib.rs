//! Keys, X.509 certificates, trust and identities for Cygnet's IKEv2
//! signature authentication (RFC 7296 §2.15, RFC 7427, RFC 4945): loading
//! credentials as swanctl delivers them, charon's choice of signature
//! scheme, chain validation (rustls-webpki), pinned keys, identity and
//! `auth` constraints. [`CredentialStore`] implements the
//! [`ike::auth::Credentials`] traits.
//!
//! Signing and verification use aws-lc-rs only; SHA-1 is accepted from
//! old peers (AUTH method 1) but never used to sign.

mod asn1;
mod cert;
pub mod constraints;
mod error;
pub mod identity;
mod key;
pub mod load;
mod peer;
pub mod scheme;
mod secrets;
pub mod sign;
mod store;
mod trust;
pub mod verify;

#[cfg(test)]
mod testpki;

pub use cert::Certificate;
pub use error::{FileError, FileErrorKind, ParseError, VerifyError};
pub use key::{Curve, KeyKind, PrivateKey, PublicKey};
pub use peer::Verified;
pub use scheme::{Hash, Scheme};
pub use secrets::SharedKeys;
pub use store::{Clock, CredentialStore};
