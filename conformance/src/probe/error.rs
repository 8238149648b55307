//! Why the probe failed.

use core::fmt;
use std::io;

use ike::crypto::CryptoError;
use ike::protect::ProtectError;
use ike::wire::iana::{ExchangeType, NotifyType};
use ike::wire::{self, Payload};

/// The first step of the script that failed.
#[derive(Debug)]
pub enum ProbeError {
    /// Bad command line.
    Usage(String),
    /// A socket operation failed.
    Io(&'static str, io::Error),
    /// No response to a request after all retransmissions.
    Timeout {
        /// The request's exchange.
        exchange: ExchangeType,
        /// How many times it was sent.
        tries: u32,
    },
    /// A received message does not parse (or ours does not emit).
    Wire(wire::Error),
    /// A protected message could not be sealed or opened.
    Protect(ProtectError),
    /// Key exchange or key derivation failed.
    Crypto(CryptoError),
    /// The peer refused the exchange with an error notify, e.g.
    /// NO_PROPOSAL_CHOSEN or AUTHENTICATION_FAILED.
    Refused {
        /// The exchange the peer answered.
        exchange: ExchangeType,
        /// The error notify type.
        notify: NotifyType,
    },
    /// The peer's answer is not what the protocol or our offer allows.
    Invalid(String),
}

impl ProbeError {
    /// Process exit status for this error: 2 usage, 3 refused by the peer,
    /// 1 anything else.
    #[must_use]
    pub const fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Refused { .. } => 3,
            _ => 1,
        }
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(why) => write!(f, "usage: {why}"),
            Self::Io(what, e) => write!(f, "{what}: {e}"),
            Self::Timeout { exchange, tries } => {
                write!(f, "no response to {exchange} request after {tries} tries")
            }
            Self::Wire(e) => write!(f, "wire format: {e}"),
            Self::Protect(e) => write!(f, "SK payload: {e}"),
            Self::Crypto(e) => write!(f, "crypto: {e}"),
            Self::Refused { exchange, notify } => {
                write!(f, "peer refused {exchange} with {notify}")
            }
            Self::Invalid(why) => write!(f, "invalid response: {why}"),
        }
    }
}

impl std::error::Error for ProbeError {}

impl From<wire::Error> for ProbeError {
    fn from(e: wire::Error) -> Self {
        Self::Wire(e)
    }
}

impl From<ProtectError> for ProbeError {
    fn from(e: ProtectError) -> Self {
        Self::Protect(e)
    }
}

impl From<CryptoError> for ProbeError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

/// The first error notify among `payloads`, as [`ProbeError::Refused`]
/// (RFC 7296 §3.10.1: unrecognised error types fail the request too).
pub(super) fn check_no_error_notify(
    exchange: ExchangeType,
    payloads: &[Payload],
) -> Result<(), ProbeError> {
    match payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.ty.is_error() => Some(n.ty),
        _ => None,
    }) {
        Some(notify) => Err(ProbeError::Refused { exchange, notify }),
        None => Ok(()),
    }
}
