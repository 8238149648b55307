//! Why an SA cannot be built, and why a packet was dropped.

use core::fmt;

use super::replay::WindowTooLarge;

/// Why [`SaConfig`](super::SaConfig) cannot become an SA.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaError {
    /// Encryption transform ID (RFC 7296 §3.3.2, type 1) not offered.
    UnsupportedEncryption(u16),
    /// Integrity transform ID (type 3) not offered.
    UnsupportedIntegrity(u16),
    /// A non-AEAD cipher without integrity (RFC 4303 §3.2 requires it here).
    MissingIntegrity,
    /// An AEAD combined with an integrity algorithm (RFC 5282 §8).
    AeadWithIntegrity,
    /// A key of the wrong length.
    KeyLength {
        /// Which key.
        what: &'static str,
        /// The lengths the algorithm takes.
        expected: &'static [usize],
        /// The length given.
        got: usize,
    },
    /// The anti-replay window is too large.
    ReplayWindow(WindowTooLarge),
    /// The SPI is reserved (0..=255, RFC 4303 §2.1).
    ReservedSpi(u32),
    /// An SA with this SPI and direction is installed already.
    Exists,
    /// The crypto backend refused the key.
    Backend,
}

impl fmt::Display for SaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedEncryption(id) => write!(f, "unsupported ESP encryption {id}"),
            Self::UnsupportedIntegrity(id) => write!(f, "unsupported ESP integrity {id}"),
            Self::MissingIntegrity => f.write_str("non-AEAD ESP cipher without integrity"),
            Self::AeadWithIntegrity => f.write_str("AEAD ESP cipher with an integrity algorithm"),
            Self::KeyLength {
                what,
                expected,
                got,
            } => write!(
                f,
                "{what} key of {got} octets, expected one of {expected:?}"
            ),
            Self::ReplayWindow(e) => e.fmt(f),
            Self::ReservedSpi(spi) => write!(f, "reserved SPI {spi}"),
            Self::Exists => f.write_str("SA exists"),
            Self::Backend => f.write_str("crypto backend refused the key"),
        }
    }
}

impl std::error::Error for SaError {}

macro_rules! drop_reasons {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)*) => {
        /// Why the data path dropped a packet. Every malformed, replayed,
        /// forged or unroutable packet ends here; none panics.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum DropReason {
            $($(#[$doc])* $name,)*
        }

        impl DropReason {
            /// Every reason, in [`index`](Self::index) order.
            pub const ALL: &'static [Self] = &[$(Self::$name,)*];

            /// A short description.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$name => $text,)*
                }
            }
        }
    };
}

drop_reasons! {
    /// The frame has too little headroom or tailroom for the new headers.
    NoRoom = "no room in buffer",
    /// Outbound: the packet is not a well-formed IPv4/IPv6 packet.
    MalformedPacket = "malformed packet to protect",
    /// Outbound: no policy matches the packet.
    NoPolicy = "no matching policy",
    /// Outbound: a discard policy matched.
    PolicyDiscard = "discard policy",
    /// Outbound: a bypass policy matched; the packet is not for ESP.
    PolicyBypass = "bypass policy",
    /// Outbound: the policy has no SA yet (an acquire event was queued).
    NoSa = "no SA for policy",
    /// The SA reached a hard lifetime limit.
    SaExpired = "SA expired",
    /// Outbound: the SA's sequence numbers are used up (RFC 4303 §3.3.3).
    SequenceExhausted = "sequence number space exhausted",
    /// Outbound transport mode: the result would exceed 65535 octets.
    TooBig = "packet too big",
    /// Inbound: shorter than header, IV, trailer and ICV.
    Truncated = "truncated ESP packet",
    /// Inbound: no SA has this SPI.
    UnknownSpi = "unknown SPI",
    /// Inbound: the ciphertext is not a whole number of cipher blocks.
    BadCiphertextLength = "ciphertext not block aligned",
    /// Inbound: the sequence number was received before (RFC 4303 §3.4.3).
    Replayed = "replayed packet",
    /// Inbound: the sequence number is left of the replay window.
    TooOld = "sequence number too old",
    /// Inbound: the ICV did not verify (RFC 4303 §3.4.4).
    IntegrityFailed = "integrity check failed",
    /// Inbound: pad length too long or pad bytes not 1, 2, 3, ... (RFC 4303 §2.4).
    BadPadding = "bad padding",
    /// Inbound: next header 59, a dummy packet (RFC 4303 §2.6).
    DummyPacket = "dummy packet",
    /// Inbound: next header does not fit the mode or the inner packet.
    BadNextHeader = "unexpected next header",
    /// Inbound: the decrypted packet is not a well-formed IP packet.
    MalformedInner = "malformed inner packet",
    /// Inbound: the decrypted packet is outside the SA's selectors (RFC 4301 §5.2).
    PolicyMismatch = "inner packet violates SA selectors",
    /// Inbound: the outer IP header is malformed or does not carry ESP.
    MalformedOuter = "malformed outer header",
    /// The crypto backend failed on a well-formed input.
    Crypto = "crypto backend failure",
}

impl DropReason {
    /// Position in [`ALL`](Self::ALL), for counter arrays.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Dropped packets per [`DropReason`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DropCounters([u64; DropReason::ALL.len()]);

impl DropCounters {
    /// Counts one drop.
    pub fn count(&mut self, reason: DropReason) {
        let slot = &mut self.0[reason.index()];
        *slot = slot.saturating_add(1);
    }

    /// Drops for one reason.
    #[must_use]
    pub fn get(&self, reason: DropReason) -> u64 {
        self.0[reason.index()]
    }

    /// All drops.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_counter_slot() {
        let mut counters = DropCounters::default();
        for (i, reason) in DropReason::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i);
            for _ in 0..=i {
                counters.count(*reason);
            }
        }
        for (i, reason) in DropReason::ALL.iter().enumerate() {
            assert_eq!(counters.get(*reason), i as u64 + 1, "{reason}");
        }
    }
}
