//! Why an exchange failed, sorted by who is to blame, with one mapping to
//! the error notify sent to the peer (RFC 7296 §2.21, §3.10.1).

use core::fmt;

use crate::auth::AuthError;
use crate::crypto::CryptoError;
use crate::wire::iana::{ExchangeType, KeId, NotifyType, PayloadType};
use crate::wire::{self};

/// An exchange failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The peer's message is malformed.
    InvalidSyntax(wire::Error),
    /// The peer's message is well-formed but breaks the protocol.
    PeerMisbehaved(PeerMisbehaved),
    /// No proposal is acceptable (ours or the peer's).
    NoProposalChosen,
    /// The responder wants another key exchange method (RFC 7296 §1.2).
    InvalidKe {
        /// The method it asked for.
        wanted: KeId,
    },
    /// Authentication of either side failed.
    AuthenticationFailed(AuthError),
    /// The traffic selectors do not overlap the configuration (§2.9).
    TsUnacceptable,
    /// The peer answered with this error notify.
    Notified(NotifyType),
    /// A cryptographic operation failed (RNG, key exchange input).
    Crypto(CryptoError),
    /// The request cannot be served now (a rekey is in progress, §2.25).
    TemporaryFailure,
    /// Our caller asked for something impossible.
    ApiMisuse(&'static str),
}

/// Protocol violations by the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerMisbehaved {
    /// A payload the exchange requires is missing.
    MissingPayload(ExchangeType, PayloadType),
    /// The responder chose a proposal we did not offer (§2.7).
    ProposalNotOffered,
    /// A KE payload of another group than the proposal's.
    KeGroupMismatch,
    /// An SPI of the wrong size or a reserved value.
    BadSpi,
    /// An unknown payload with the critical bit set (§2.5).
    UnsupportedCritical(PayloadType),
    /// Traffic selectors outside what we proposed.
    TsNotNarrowed,
    /// The peer's identity is not the one the configuration requires.
    UnexpectedIdentity,
    /// A response to a request we did not send, or of the wrong type.
    UnexpectedResponse,
}

impl Error {
    /// The error notify that tells the peer about this error, if any
    /// (messages failing the integrity check are never answered).
    #[must_use]
    pub const fn notify(&self) -> Option<NotifyType> {
        Some(match self {
            Self::InvalidSyntax(_) | Self::PeerMisbehaved(PeerMisbehaved::MissingPayload(..)) => {
                NotifyType::INVALID_SYNTAX
            }
            Self::PeerMisbehaved(PeerMisbehaved::UnsupportedCritical(_)) => {
                NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD
            }
            Self::PeerMisbehaved(PeerMisbehaved::UnexpectedIdentity)
            | Self::AuthenticationFailed(_) => NotifyType::AUTHENTICATION_FAILED,
            Self::PeerMisbehaved(_) => NotifyType::INVALID_SYNTAX,
            Self::NoProposalChosen => NotifyType::NO_PROPOSAL_CHOSEN,
            Self::InvalidKe { .. } => NotifyType::INVALID_KE_PAYLOAD,
            Self::TsUnacceptable => NotifyType::TS_UNACCEPTABLE,
            Self::TemporaryFailure => NotifyType::TEMPORARY_FAILURE,
            Self::Notified(_) | Self::Crypto(_) | Self::ApiMisuse(_) => return None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSyntax(e) => write!(f, "invalid message: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "peer misbehaved: {e}"),
            Self::NoProposalChosen => f.write_str("no acceptable proposal found"),
            Self::InvalidKe { wanted } => write!(f, "peer requested key exchange {wanted}"),
            Self::AuthenticationFailed(e) => write!(f, "authentication failed: {e}"),
            Self::TsUnacceptable => f.write_str("traffic selectors unacceptable"),
            Self::Notified(ty) => write!(f, "received {ty} notify error"),
            Self::Crypto(e) => write!(f, "{e}"),
            Self::TemporaryFailure => f.write_str("temporary failure, try again later"),
            Self::ApiMisuse(what) => f.write_str(what),
        }
    }
}

impl fmt::Display for PeerMisbehaved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingPayload(ex, ty) => write!(f, "{ex} message without {ty}"),
            Self::ProposalNotOffered => f.write_str("selected proposal was not offered"),
            Self::KeGroupMismatch => f.write_str("KE payload of another group"),
            Self::BadSpi => f.write_str("invalid SPI"),
            Self::UnsupportedCritical(ty) => write!(f, "unsupported critical payload {ty}"),
            Self::TsNotNarrowed => f.write_str("traffic selectors not within proposed ones"),
            Self::UnexpectedIdentity => f.write_str("unexpected peer identity"),
            Self::UnexpectedResponse => f.write_str("unexpected response"),
        }
    }
}

impl std::error::Error for Error {}

impl From<wire::Error> for Error {
    fn from(e: wire::Error) -> Self {
        Self::InvalidSyntax(e)
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        Self::AuthenticationFailed(e)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(e: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(e)
    }
}
