//! What the core asks of its driver ([`Action`]) and what the driver tells
//! it about the data plane ([`KernelEvent`]).

use core::fmt;
use core::net::SocketAddr;
use std::sync::Arc;

use crate::config::{ChildConfig, Mode};
use crate::crypto::Secret;
use crate::proposal::Proposal;
use crate::wire::iana::ProtocolId;
use crate::wire::{Identification, TrafficSelector};

/// An IKE SA's unique ID (charon's "unique ID", shown as `name[N]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaHandle(pub u32);

/// A CHILD_SA's unique ID; a rekeyed CHILD_SA gets a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChildId(pub u32);

impl fmt::Display for SaHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for ChildId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One output of the core, drained in order with `poll_action`. The order
/// matters: an inbound SA is installed before the message that lets the
/// peer use it is transmitted.
#[derive(Debug)]
#[must_use]
pub enum Action {
    /// Send an IKE message.
    Transmit(Transmit),
    /// Install one direction of a CHILD_SA.
    InstallSa(SaInstall),
    /// Remove one direction of a CHILD_SA.
    DeleteSa(SaRemove),
    /// Install the policies of a CHILD_SA (in, out and forward).
    InstallPolicy(PolicySpec),
    /// Remove the policies of a CHILD_SA.
    DeletePolicy(PolicySpec),
    /// Something happened that the control interface reports.
    Event(Event),
}

/// An IKE datagram to send.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Our address and port (500, or 4500 after NAT-T floating).
    pub local: SocketAddr,
    /// The peer's address and port.
    pub remote: SocketAddr,
    /// Prefix the four-octet non-ESP marker (RFC 3948 §2.2): the message
    /// goes over the NAT-T port.
    pub non_esp_marker: bool,
    /// The IKE message.
    pub data: Vec<u8>,
}

/// Which way an SA carries traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the peer to us: the SPI is ours.
    Inbound,
    /// From us to the peer: the SPI is the peer's.
    Outbound,
}

/// Byte and packet limits of an installed SA, rand jitter applied (time
/// limits are the core's own timers); zero is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaLimits {
    /// Soft byte limit: the backend reports a soft expire.
    pub soft_bytes: u64,
    /// Hard byte limit: the backend stops using the SA.
    pub hard_bytes: u64,
    /// Soft packet limit.
    pub soft_packets: u64,
    /// Hard packet limit.
    pub hard_packets: u64,
}

/// One direction of a CHILD_SA, with its keys.
#[derive(Debug)]
pub struct SaInstall {
    /// The IKE SA it belongs to.
    pub ike_sa: SaHandle,
    /// The CHILD_SA.
    pub child: ChildId,
    /// Its configuration (marks, interface, offload, replay window...).
    pub config: Arc<ChildConfig>,
    /// Request ID binding the SA to its policies (stable across rekeys).
    pub reqid: u32,
    /// Inbound or outbound.
    pub direction: Direction,
    /// SPI (ours inbound, the peer's outbound).
    pub spi: u32,
    /// ESP or AH.
    pub protocol: ProtocolId,
    /// Outer source address and port.
    pub src: SocketAddr,
    /// Outer destination address and port.
    pub dst: SocketAddr,
    /// UDP encapsulation (RFC 3948) on the ports in `src`/`dst`.
    pub encap: bool,
    /// Tunnel or transport.
    pub mode: Mode,
    /// The negotiated proposal: cipher, integrity, ESN.
    pub proposal: Proposal,
    /// Encryption key (for AEAD including the salt).
    pub encr_key: Secret,
    /// Integrity key; empty for AEAD.
    pub integ_key: Secret,
    /// Soft and hard byte/packet limits.
    pub limits: SaLimits,
    /// Our traffic selectors.
    pub local_ts: Vec<TrafficSelector>,
    /// The peer's traffic selectors.
    pub remote_ts: Vec<TrafficSelector>,
}

/// Removes one direction of a CHILD_SA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaRemove {
    /// The CHILD_SA.
    pub child: ChildId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Its SPI.
    pub spi: u32,
    /// ESP or AH.
    pub protocol: ProtocolId,
    /// Outer source address of the SA.
    pub src: SocketAddr,
    /// Outer destination address of the SA.
    pub dst: SocketAddr,
}

/// The policies of a CHILD_SA.
#[derive(Clone, Debug)]
pub struct PolicySpec {
    /// The IKE SA.
    pub ike_sa: SaHandle,
    /// The CHILD_SA that installed them.
    pub child: ChildId,
    /// Its configuration.
    pub config: Arc<ChildConfig>,
    /// The SAs the policies use.
    pub reqid: u32,
    /// Tunnel or transport.
    pub mode: Mode,
    /// Our outer address.
    pub local: SocketAddr,
    /// The peer's outer address.
    pub remote: SocketAddr,
    /// Our traffic selectors.
    pub local_ts: Vec<TrafficSelector>,
    /// The peer's traffic selectors.
    pub remote_ts: Vec<TrafficSelector>,
}

/// Events the control interface reports (VICI ike-updown, child-updown,
/// ike-rekey, child-rekey).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// IKE_AUTH completed.
    IkeUp {
        /// The IKE SA.
        sa: SaHandle,
        /// Our identity.
        local_id: Identification,
        /// The peer's authenticated identity.
        remote_id: Identification,
    },
    /// The IKE SA is gone (deleted, failed, timed out or replaced).
    IkeDown {
        /// The IKE SA.
        sa: SaHandle,
        /// Why.
        reason: DownReason,
    },
    /// An IKE SA was rekeyed; the CHILD_SAs moved to `new`.
    IkeRekeyed {
        /// The replaced SA.
        old: SaHandle,
        /// The new SA.
        new: SaHandle,
    },
    /// A CHILD_SA is installed in both directions.
    ChildUp {
        /// The IKE SA.
        sa: SaHandle,
        /// The CHILD_SA.
        child: ChildId,
        /// Its configuration name.
        name: String,
    },
    /// A CHILD_SA could not be created.
    ChildFailed {
        /// The IKE SA.
        sa: SaHandle,
        /// Its configuration name.
        name: String,
        /// Why.
        reason: DownReason,
    },
    /// A CHILD_SA is gone.
    ChildDown {
        /// The IKE SA.
        sa: SaHandle,
        /// The CHILD_SA.
        child: ChildId,
        /// Why.
        reason: DownReason,
    },
    /// A CHILD_SA was replaced by a rekeyed one.
    ChildRekeyed {
        /// The IKE SA.
        sa: SaHandle,
        /// The old CHILD_SA.
        old: ChildId,
        /// The new CHILD_SA.
        new: ChildId,
    },
}

/// Why an SA went down or was not created.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownReason {
    /// We deleted it (command, rekey, shutdown).
    Local,
    /// The peer deleted it.
    Peer,
    /// Rekeyed: a successor exists.
    Rekeyed,
    /// Its hard lifetime expired.
    Expired,
    /// The peer stopped answering (retransmits exhausted).
    Timeout,
    /// The negotiation failed.
    Failed(crate::Error),
    /// A new IKE SA with the same identities replaced it (INITIAL_CONTACT
    /// or the `unique` policy).
    Duplicate,
}

/// Data-plane events the driver passes to `handle_kernel_event`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelEvent {
    /// An SA reached a byte or packet limit (XFRM_MSG_EXPIRE, RFC 4301
    /// §4.4.2.1: soft → rekey, hard → delete).
    Expire {
        /// ESP or AH.
        protocol: ProtocolId,
        /// The SA's SPI (either direction).
        spi: u32,
        /// Hard (`true`) or soft limit.
        hard: bool,
    },
}
