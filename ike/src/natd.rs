//! NAT detection (RFC 7296 §2.23).
//!
//! Each side puts two notifies into IKE_SA_INIT: NAT_DETECTION_SOURCE_IP,
//! the hash of its own address and port, and NAT_DETECTION_DESTINATION_IP,
//! the hash of the address and port it sends to. The hash is
//! `SHA-1(SPIi | SPIr | IP | Port)` with the SPIs of the message header.
//! The receiver recomputes both from the datagram it got: a source hash
//! that matches none of the peer's says the *peer* is behind a NAT, a
//! destination hash that matches none says *we* are.
//!
//! Like charon (5.9.8, `ike_natd.c`) we send one notify of each type, accept
//! any number of each (RFC 7296 allows several source hashes from a host
//! that does not know which of its addresses is used) and treat a peer that
//! sends none of either type as not supporting NAT traversal.
//!
//! Forced UDP encapsulation (strongSwan's `encap = yes`) works by lying: the
//! source hash is computed over a fake IPv4 address with port 0, so the peer
//! sees "remote host is behind NAT" and encapsulates. The fake address is
//! drawn once per [`NatDetector`] so that a repeated IKE_SA_INIT (after
//! COOKIE or INVALID_KE_PAYLOAD) carries the same notify, as charon's does
//! within one run (the request is signed in AUTH).

use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::crypto::{CryptoError, Hash, Provider};
use crate::wire::iana::{HashAlgorithm, NotifyType};
use crate::wire::{Notify, Payload};

/// Length of a NAT detection hash (SHA-1).
pub const NATD_HASH_LEN: usize = 20;

/// How our NAT_DETECTION_SOURCE_IP is made; choose with
/// [`SourceMode::choose`]. Evaluating the peer's answer needs it too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceMode {
    /// The hash of our real address and port.
    Real,
    /// A fake hash because UDP encapsulation is forced (`encap = yes`, or
    /// an ESP backend that can only do ESP-in-UDP).
    ForcedEncap,
    /// A fake hash because our IPv4 source address is not known yet (an
    /// initiator before DHCP completes): we assume we are behind a NAT.
    UnknownAddress,
    /// No NAT-D notifies at all: our IPv6 source address is not known, and
    /// NATs and UDP encapsulation are rare with IPv6.
    Disabled,
}

impl SourceMode {
    /// charon's choice for a message sent from `local`: forced encapsulation
    /// wins; an unspecified local address fakes a NAT for IPv4 and disables
    /// NAT detection for IPv6.
    #[must_use]
    pub fn choose(local: IpAddr, force_encap: bool) -> Self {
        match local.to_canonical() {
            _ if force_encap => Self::ForcedEncap,
            IpAddr::V4(ip) if ip.is_unspecified() => Self::UnknownAddress,
            IpAddr::V6(ip) if ip.is_unspecified() => Self::Disabled,
            _ => Self::Real,
        }
    }
}

/// What the peer's NAT-D notifies say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatDetection {
    /// The message lacks NAT_DETECTION_SOURCE_IP, NAT_DETECTION_DESTINATION_IP
    /// or both: the peer does not support NAT traversal. Stay on port 500
    /// without UDP encapsulation (and, as responder, send no NAT-D back).
    Unsupported,
    /// The peer supports NAT traversal; what it revealed.
    Supported(NatStatus),
}

impl NatDetection {
    /// Whether ESP must be UDP-encapsulated (RFC 3948) and IKE move to
    /// port 4500: a NAT on either side, or a faked one.
    #[must_use]
    pub fn udp_encap(self) -> bool {
        match self {
            Self::Unsupported => false,
            Self::Supported(status) => status.udp_encap(),
        }
    }
}

/// The NAT situation of a peer that supports NAT traversal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatStatus {
    /// No destination hash of the peer matched our address: we are behind
    /// a NAT (charon: "local host is behind NAT", `COND_NAT_HERE`). Also set
    /// after [`SourceMode::UnknownAddress`], so that later NAT-D exchanges
    /// can clear it.
    pub local_behind_nat: bool,
    /// No source hash of the peer matched its address: the peer is behind
    /// a NAT, or faked one ("remote host is behind NAT", `COND_NAT_THERE`).
    pub remote_behind_nat: bool,
    /// No NAT at all, but we force UDP encapsulation
    /// ([`SourceMode::ForcedEncap`]; charon's `COND_NAT_FAKE`).
    pub faked: bool,
}

impl NatStatus {
    /// Whether ESP must be UDP-encapsulated.
    #[must_use]
    pub fn udp_encap(self) -> bool {
        self.local_behind_nat || self.remote_behind_nat || self.faked
    }
}

/// Computes, builds and checks NAT detection notifies; one per daemon run
/// (it holds the fake address of forced encapsulation).
#[derive(Debug, Clone)]
pub struct NatDetector {
    sha1: &'static dyn Hash,
    fake_source: Ipv4Addr,
}

impl NatDetector {
    /// A detector with SHA-1 from `provider` and a fake source address drawn
    /// from its RNG.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedHash`] if the provider has no SHA-1,
    /// [`CryptoError::Rng`] if the RNG fails.
    pub fn new(provider: &Provider) -> Result<Self, CryptoError> {
        let mut fake = [0u8; 4];
        provider.rng.fill(&mut fake)?;
        Self::with_fake_source(provider, Ipv4Addr::from(fake))
    }

    /// A detector whose forced-encapsulation hashes use `fake_source`.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedHash`] if the provider has no SHA-1.
    pub fn with_fake_source(
        provider: &Provider,
        fake_source: Ipv4Addr,
    ) -> Result<Self, CryptoError> {
        let sha1 = provider
            .hash(HashAlgorithm::SHA1)
            .filter(|hash| hash.output_len() == NATD_HASH_LEN)
            .ok_or(CryptoError::UnsupportedHash(HashAlgorithm::SHA1))?;
        Ok(Self { sha1, fake_source })
    }

    /// `SHA-1(SPIi | SPIr | IP | Port)` (RFC 7296 §2.23) with the SPIs as
    /// in the message header (SPIr is zero in an IKE_SA_INIT request), the
    /// address in network order (4 or 16 octets; IPv4-mapped IPv6 addresses
    /// count as IPv4) and the port in network order.
    #[must_use]
    pub fn hash(&self, spi_i: u64, spi_r: u64, addr: SocketAddr) -> [u8; NATD_HASH_LEN] {
        let ip = address_octets(addr.ip());
        let mut out = [0u8; NATD_HASH_LEN];
        let (spi_i, spi_r, port) = (
            spi_i.to_be_bytes(),
            spi_r.to_be_bytes(),
            addr.port().to_be_bytes(),
        );
        self.sha1.hash_into(&[&spi_i, &spi_r, &ip, &port], &mut out);
        out
    }

    /// The fake source hash of forced encapsulation: a real-looking hash of
    /// our fake IPv4 address with port 0.
    #[must_use]
    pub fn fake_hash(&self, spi_i: u64, spi_r: u64) -> [u8; NATD_HASH_LEN] {
        self.hash(spi_i, spi_r, SocketAddr::new(self.fake_source.into(), 0))
    }

    /// NAT_DETECTION_SOURCE_IP for `local`, then
    /// NAT_DETECTION_DESTINATION_IP for `remote`, for a message with these
    /// SPIs sent from `local` to `remote`; nothing for
    /// [`SourceMode::Disabled`].
    ///
    /// An initiator adds them to every IKE_SA_INIT request; a responder only
    /// to a successful IKE_SA_INIT response (one with an SA payload), and
    /// only if the request's [`evaluate`](Self::evaluate) was not
    /// [`NatDetection::Unsupported`].
    #[must_use]
    pub fn notifies(
        &self,
        (spi_i, spi_r): (u64, u64),
        local: SocketAddr,
        remote: SocketAddr,
        mode: SourceMode,
    ) -> Vec<Notify> {
        let source = match mode {
            SourceMode::Disabled => return Vec::new(),
            SourceMode::Real => self.hash(spi_i, spi_r, local),
            SourceMode::ForcedEncap | SourceMode::UnknownAddress => self.fake_hash(spi_i, spi_r),
        };
        let destination = self.hash(spi_i, spi_r, remote);
        vec![
            Notify::new(NotifyType::NAT_DETECTION_SOURCE_IP, source.to_vec()),
            Notify::new(
                NotifyType::NAT_DETECTION_DESTINATION_IP,
                destination.to_vec(),
            ),
        ]
    }

    /// Evaluates the NAT-D notifies among `payloads` of a message with these
    /// header SPIs that arrived from `remote` at `local`; `mode` is how we
    /// make (or made) our own source hash in this exchange.
    #[must_use]
    pub fn evaluate(
        &self,
        (spi_i, spi_r): (u64, u64),
        local: SocketAddr,
        remote: SocketAddr,
        mode: SourceMode,
        payloads: &[Payload],
    ) -> NatDetection {
        let their_source = self.hash(spi_i, spi_r, remote);
        let our_address = self.hash(spi_i, spi_r, local);
        let sources = Matches::of(payloads, NotifyType::NAT_DETECTION_SOURCE_IP, &their_source);
        let destinations = Matches::of(
            payloads,
            NotifyType::NAT_DETECTION_DESTINATION_IP,
            &our_address,
        );
        if !sources.seen || !destinations.seen {
            return NatDetection::Unsupported;
        }
        NatDetection::Supported(NatStatus {
            local_behind_nat: !destinations.matched || mode == SourceMode::UnknownAddress,
            remote_behind_nat: !sources.matched,
            faked: destinations.matched && sources.matched && mode == SourceMode::ForcedEncap,
        })
    }
}

/// An address as NAT-D and cookie hashes take it: 4 octets for IPv4
/// (including IPv4-mapped IPv6 addresses, as a dual-stack socket reports
/// IPv4 peers), 16 for IPv6, in network order.
pub(crate) fn address_octets(ip: IpAddr) -> Vec<u8> {
    match ip.to_canonical() {
        IpAddr::V4(ip) => ip.octets().to_vec(),
        IpAddr::V6(ip) => ip.octets().to_vec(),
    }
}

/// Whether notifies of one NAT-D type are present and whether any of them
/// carries the expected hash.
struct Matches {
    seen: bool,
    matched: bool,
}

impl Matches {
    fn of(payloads: &[Payload], ty: NotifyType, expected: &[u8]) -> Self {
        let mut hashes = payloads.iter().filter_map(|payload| match payload {
            Payload::Notify(notify) if notify.ty == ty => Some(notify.data.as_slice()),
            _ => None,
        });
        let first = hashes.next();
        Self {
            seen: first.is_some(),
            matched: first.into_iter().chain(hashes).any(|hash| hash == expected),
        }
    }
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
#[path = "natd_tests.rs"]
mod tests;
