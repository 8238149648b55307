//! Authentication credentials seen from the IKE core (RFC 7296 §2.15).
//!
//! The core computes and checks shared-key AUTH values itself. Signatures
//! and certificates are delegated: a [`Credentials`] store hands out a
//! [`Signer`] for our identity and a [`PeerVerifier`] for the peer's; the
//! `certs` crate implements both (X.509 chains, pinned keys, RFC 7427).

use core::fmt::{self, Debug};

use crate::config::{LocalAuth, RemoteAuth};
use crate::crypto::Secret;
use crate::wire::iana::{AuthMethod, HashAlgorithm};
use crate::wire::{Certificate, Identification};

/// Where the core finds keys for an IKE SA. Lookups happen during
/// IKE_AUTH; the store may change between SAs (VICI load-shared etc.).
pub trait Credentials: Send + Sync + Debug {
    /// The shared key for `me` talking to `peer` (swanctl.conf `secrets`:
    /// the best match of both identities, as charon picks it). `peer` is
    /// `None` while the peer's identity is still unknown and the
    /// configuration accepts any (`remote.id = %any`).
    fn shared_key(&self, me: &Identification, peer: Option<&Identification>) -> Option<Secret>;

    /// A signer for our identity `me` in this round (`local.certs`,
    /// `local.pubkeys`, `local.auth`), or `None` if we hold no private key
    /// for it.
    fn signer(&self, me: &Identification, round: &LocalAuth) -> Option<Box<dyn Signer>> {
        let _ = (me, round);
        None
    }

    /// The verifier for peers' signatures, or `None` if we trust none.
    fn verifier(&self) -> Option<&dyn PeerVerifier> {
        None
    }

    /// SHA-1 hashes of the SubjectPublicKeyInfo of every CA we trust for
    /// this round (`remote.cacerts` and the loaded authorities), for our
    /// CERTREQ payloads (RFC 7296 §3.7).
    fn ca_key_hashes(&self, round: &RemoteAuth) -> Vec<[u8; 20]> {
        let _ = round;
        Vec::new()
    }
}

/// Produces our AUTH payload for signature methods (RSA 1, ECDSA 9–11,
/// digital signature 14).
pub trait Signer: Send + Sync {
    /// The AUTH method and, for method 14, the hash to use, given the hash
    /// algorithms the peer announced (RFC 7427 §4).
    fn choose(&self, peer_hashes: &[HashAlgorithm]) -> Result<AuthMethod, AuthError>;

    /// The AUTH data (for method 14 including the ASN.1 AlgorithmIdentifier
    /// prefix, RFC 7427 §3) over the signed octets of RFC 7296 §2.15.
    fn sign(&self, method: AuthMethod, octets: &[u8]) -> Result<Vec<u8>, AuthError>;

    /// The CERT payloads to send: our end-entity certificate first, then
    /// intermediates; empty for raw public keys.
    fn certificates(&self) -> Vec<Certificate>;

    /// The signature scheme behind `method` as charon logs it
    /// (`RSA_EMSA_PSS_SHA2_256_SALT_32`); by default the method's name.
    fn scheme_name(&self, method: AuthMethod) -> String {
        method.to_string()
    }
}

/// What a verifier is asked to check.
pub struct VerifyRequest<'a> {
    /// The peer's claimed identity (IDi or IDr).
    pub id: &'a Identification,
    /// The CERT payloads the peer sent, in order.
    pub certificates: &'a [Certificate],
    /// The AUTH payload's method.
    pub method: AuthMethod,
    /// The AUTH payload's data.
    pub data: &'a [u8],
    /// The octets the peer signed (RFC 7296 §2.15).
    pub octets: &'a [u8],
    /// What the connection requires of the peer: pinned certificates or
    /// keys, its own CAs, the `auth` constraint, revocation checking.
    pub round: &'a RemoteAuth,
}

impl Debug for VerifyRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("id", self.id)
            .field("certificates", &self.certificates.len())
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// Checks a peer's signature AUTH: trust (chain or pin), identity binding
/// and the signature itself.
pub trait PeerVerifier: Send + Sync + Debug {
    /// `Ok` if the peer proved `request.id`; otherwise which check failed.
    fn verify(&self, request: &VerifyRequest<'_>) -> Result<(), AuthError>;
}

/// Why authentication failed; logged, and answered with
/// AUTHENTICATION_FAILED (RFC 7296 §2.21.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No shared key or private key for this pair of identities.
    NoCredentials,
    /// The AUTH value or signature does not verify.
    BadSignature,
    /// The peer used a method this connection does not allow.
    MethodNotAllowed(AuthMethod),
    /// A certificate check failed (expired, unknown CA, wrong ID, ...).
    Certificate(String),
    /// `unique = keep`: an IKE SA with these identities exists.
    UniquenessPolicy,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCredentials => f.write_str("no credentials found"),
            Self::BadSignature => f.write_str("verification of AUTH payload failed"),
            Self::MethodNotAllowed(m) => write!(f, "{m} authentication not allowed"),
            Self::Certificate(why) => f.write_str(why),
            Self::UniquenessPolicy => f.write_str("canceled due to uniqueness policy"),
        }
    }
}

impl std::error::Error for AuthError {}
