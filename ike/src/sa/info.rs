//! Read-only views of IKE and CHILD SAs, for `list-sas` and tests.

use core::net::{IpAddr, SocketAddr};

use super::{ChildState, IkeSa, IkeState, NatState};
use crate::action::{ChildId, SaHandle};
use crate::config::Mode;
use crate::proposal::Proposal;
use crate::time::Instant;
use crate::wire::{Identification, TrafficSelector};

/// An IKE SA as `swanctl --list-sas` shows it.
#[derive(Clone, Debug)]
pub struct IkeSaInfo {
    /// Unique ID.
    pub handle: SaHandle,
    /// Connection name.
    pub name: String,
    /// State.
    pub state: IkeState,
    /// We initiated it.
    pub initiator: bool,
    /// Initiator's SPI.
    pub spi_i: u64,
    /// Responder's SPI.
    pub spi_r: u64,
    /// Our address.
    pub local: SocketAddr,
    /// The peer's address.
    pub remote: SocketAddr,
    /// Our identity.
    pub local_id: Option<Identification>,
    /// The peer's authenticated identity.
    pub remote_id: Option<Identification>,
    /// The negotiated IKE proposal.
    pub proposal: Option<Proposal>,
    /// NAT detection.
    pub nat: NatState,
    /// When it was established.
    pub established: Option<Instant>,
    /// When it will be rekeyed.
    pub rekey_at: Option<Instant>,
    /// Virtual IPs the peer assigned us.
    pub local_vips: Vec<IpAddr>,
    /// Virtual IPs we assigned the peer.
    pub remote_vips: Vec<IpAddr>,
    /// Its CHILD_SAs.
    pub children: Vec<ChildSaInfo>,
}

/// A CHILD_SA as `swanctl --list-sas` shows it.
#[derive(Clone, Debug)]
pub struct ChildSaInfo {
    /// Unique ID.
    pub id: ChildId,
    /// Child configuration name.
    pub name: String,
    /// State.
    pub state: ChildState,
    /// Request ID of its SAs and policies.
    pub reqid: u32,
    /// Our inbound SPI.
    pub spi_in: u32,
    /// The peer's inbound SPI (our outbound).
    pub spi_out: u32,
    /// The negotiated ESP proposal.
    pub proposal: Proposal,
    /// Tunnel or transport.
    pub mode: Mode,
    /// Our traffic selectors.
    pub local_ts: Vec<TrafficSelector>,
    /// The peer's traffic selectors.
    pub remote_ts: Vec<TrafficSelector>,
    /// When it was installed.
    pub established: Instant,
    /// When it will be rekeyed.
    pub rekey_at: Option<Instant>,
    /// When it expires.
    pub expire_at: Option<Instant>,
}

impl IkeSa {
    pub(crate) fn info(&self) -> IkeSaInfo {
        let sa = &self.core;
        IkeSaInfo {
            handle: sa.handle,
            name: sa.config.name.clone(),
            state: sa.state,
            initiator: sa.initiator,
            spi_i: sa.spi_i,
            spi_r: sa.spi_r,
            local: sa.local,
            remote: sa.remote,
            local_id: sa.local_id.clone(),
            remote_id: sa.remote_id.clone(),
            proposal: sa.keys.as_ref().map(|k| k.proposal.clone()),
            nat: sa.nat,
            established: sa.established,
            rekey_at: sa.rekey_at,
            local_vips: sa.local_vips.clone(),
            remote_vips: sa.remote_vips.clone(),
            children: sa
                .children
                .iter()
                .map(|c| ChildSaInfo {
                    id: c.id,
                    name: c.config.name.clone(),
                    state: c.state,
                    reqid: c.reqid,
                    spi_in: c.spi_in,
                    spi_out: c.spi_out,
                    proposal: c.proposal.clone(),
                    mode: c.mode,
                    local_ts: c.local_ts.clone(),
                    remote_ts: c.remote_ts.clone(),
                    established: c.established,
                    rekey_at: c.rekey_at,
                    expire_at: c.expire_at,
                })
                .collect(),
        }
    }
}
