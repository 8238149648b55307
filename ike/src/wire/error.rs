//! The wire error and the caps on peer-controlled sizes.

use core::fmt;

use super::iana::PayloadType;

/// Largest IKE message accepted or emitted: 64 KiB. A UDP datagram cannot
/// be larger, and IKE over TCP (RFC 9329) frames messages with a 16-bit
/// length too; a larger Length field can only be a lie.
pub const MAX_MESSAGE_LEN: usize = 65_535;

/// Payloads per chain (outer or inner). charon's largest messages (IKE_AUTH
/// with certificates and a dozen notifies) carry about 20; 64 leaves room
/// and stops a datagram of 4-byte empty payloads from becoming 16k values.
pub const MAX_PAYLOADS: usize = 64;

/// Proposals per SA payload. The proposal number is one octet, and real
/// configurations offer a handful (strongSwan's default IKE offer has 2).
pub const MAX_PROPOSALS: usize = 64;

/// Transforms per proposal. A "propose everything" offer is around 40
/// (all ENCR × PRF × INTEG × KE IDs of one proposal); 8-byte transforms
/// could otherwise make 8k values out of one message.
pub const MAX_TRANSFORMS: usize = 64;

/// Attributes per transform. Only KEY_LENGTH is registered (RFC 7296
/// §3.3.5), and it appears at most once.
pub const MAX_ATTRIBUTES: usize = 32;

/// Traffic selectors per TS payload. The count field is one octet; strongSwan
/// configurations rarely list more than a few subnets per side.
pub const MAX_TRAFFIC_SELECTORS: usize = 64;

/// Configuration attributes per CP payload (addresses, DNS servers,
/// split-tunnel subnets).
pub const MAX_CONFIG_ATTRIBUTES: usize = 64;

/// Total fragments of one message (RFC 7383 §2.5). 64 fragments of the
/// smallest sensible size (about 500 octets for a 576-octet IPv4 path) cover
/// 32 KiB, more than any message that needs fragmenting (a certificate
/// chain in IKE_AUTH).
pub const MAX_FRAGMENTS: u16 = 64;

/// A malformed or unrepresentable IKE message. Each variant names what was
/// being parsed (or emitted), so logs and tests say where it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The input ended inside `what`.
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// A length field of `what` disagrees with its contents or is out of
    /// the range the RFC allows.
    BadLength {
        /// What carries the bad length.
        what: &'static str,
    },
    /// Bytes were left over after `what` was complete.
    TrailingData {
        /// What should have consumed everything.
        what: &'static str,
    },
    /// More elements of `what` than the codec accepts (see the `MAX_*`
    /// constants), or more than its count field can express on emit.
    TooMany {
        /// The list that is too long.
        what: &'static str,
    },
    /// On emit: `what` does not fit its length field.
    TooLong {
        /// What is too long.
        what: &'static str,
    },
    /// A field of `what` holds a value the RFC forbids.
    BadValue {
        /// The field with the bad value.
        what: &'static str,
    },
    /// An SK or SKF payload was not the last payload of its chain (RFC 7296
    /// §3.14, RFC 7383 §2.5).
    NotLast {
        /// The payload that must be last.
        what: &'static str,
    },
    /// A payload of a type this codec does not understand has the critical
    /// bit set: the message must be rejected with UNSUPPORTED_CRITICAL_PAYLOAD
    /// carrying this type (RFC 7296 §2.5, §3.2).
    UnsupportedCritical(PayloadType),
    /// The major version is not 2 (RFC 7296 §2.5: answer INVALID_MAJOR_VERSION
    /// if it is higher).
    BadVersion {
        /// The major version received.
        major: u8,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { what } => write!(f, "truncated {what}"),
            Self::BadLength { what } => write!(f, "bad length of {what}"),
            Self::TrailingData { what } => write!(f, "trailing data after {what}"),
            Self::TooMany { what } => write!(f, "too many {what}"),
            Self::TooLong { what } => write!(f, "{what} too long to encode"),
            Self::BadValue { what } => write!(f, "bad value of {what}"),
            Self::NotLast { what } => write!(f, "{what} payload is not the last payload"),
            Self::UnsupportedCritical(ty) => write!(f, "unsupported critical payload {ty}"),
            Self::BadVersion { major } => write!(f, "unsupported IKE major version {major}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_what_was_parsed() {
        let e = Error::Truncated { what: "nonce" };
        assert_eq!(e.to_string(), "truncated nonce");
        let e = Error::UnsupportedCritical(PayloadType(200));
        assert_eq!(
            e.to_string(),
            "unsupported critical payload PayloadType(0xc8)"
        );
        assert_eq!(
            Error::BadVersion { major: 3 }.to_string(),
            "unsupported IKE major version 3"
        );
    }
}
