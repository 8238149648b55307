//! A CHILD_SA: its SPIs, selectors and lifetimes, and the actions that put
//! it into and take it out of the data plane (RFC 7296 §2.17, RFC 4301).

use std::sync::Arc;

use super::lifetime::{child_deadlines, sa_limits};
use super::{Ctx, SaCore};
use crate::action::{Action, ChildId, Direction, PolicySpec, SaInstall, SaRemove};
use crate::config::{ChildConfig, Mode};
use crate::crypto::Secret;
use crate::crypto::keymat::ChildKeys;
use crate::proposal::Proposal;
use crate::time::Instant;
use crate::wire::TrafficSelector;
use crate::wire::iana::ProtocolId;

/// Where a CHILD_SA is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildState {
    /// Installed and in use.
    Installed,
    /// A rekey of it is in flight.
    Rekeying,
    /// Replaced; waiting for the delete (old inbound SA still accepts).
    Rekeyed,
    /// A delete of it is in flight.
    Deleting,
}

impl ChildState {
    /// charon's name of the state.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Installed => "INSTALLED",
            Self::Rekeying => "REKEYING",
            Self::Rekeyed => "REKEYED",
            Self::Deleting => "DELETING",
        }
    }
}

/// A CHILD_SA the core has negotiated.
#[derive(Debug)]
pub(crate) struct ChildSa {
    pub(crate) id: ChildId,
    pub(crate) config: Arc<ChildConfig>,
    pub(crate) reqid: u32,
    pub(crate) state: ChildState,
    pub(crate) protocol: ProtocolId,
    pub(crate) spi_in: u32,
    pub(crate) spi_out: u32,
    pub(crate) proposal: Proposal,
    pub(crate) mode: Mode,
    pub(crate) local_ts: Vec<TrafficSelector>,
    pub(crate) remote_ts: Vec<TrafficSelector>,
    /// The outbound SA is installed (a rekey responder defers it until
    /// the old SA is deleted).
    pub(crate) outbound_installed: bool,
    /// Keys of the deferred outbound SA.
    pub(crate) pending_outbound: Option<(Secret, Secret)>,
    /// The CHILD_SA that replaced it in a rekey: its pending outbound SA
    /// is installed when this one is removed.
    pub(crate) successor: Option<ChildId>,
    pub(crate) established: Instant,
    pub(crate) rekey_at: Option<Instant>,
    pub(crate) expire_at: Option<Instant>,
}

/// How to initiate a CHILD_SA beyond its configuration (charon's
/// `child_init_args_t`), for traffic that hit a trap policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildInit {
    /// The reqid to install it with (the trap policy's), so that its
    /// policies join the trap's; `None` for a fresh one.
    pub reqid: Option<u32>,
    /// The triggering packet's source and destination selectors, proposed
    /// first in TSi and TSr (RFC 7296 §2.9).
    pub packet: Option<(TrafficSelector, TrafficSelector)>,
}

/// Everything a negotiation decided about a new CHILD_SA.
pub(crate) struct Negotiated {
    /// The unique ID reserved when we proposed it; responders number it now.
    pub(crate) id: Option<ChildId>,
    pub(crate) config: Arc<ChildConfig>,
    pub(crate) proposal: Proposal,
    pub(crate) spi_in: u32,
    pub(crate) spi_out: u32,
    pub(crate) mode: Mode,
    pub(crate) local_ts: Vec<TrafficSelector>,
    pub(crate) remote_ts: Vec<TrafficSelector>,
    pub(crate) keys: ChildKeys,
    /// We sent the request of the exchange that created it (the "i" keys
    /// are then our outbound keys, §2.17).
    pub(crate) we_initiated: bool,
    /// The reqid of the CHILD_SA it replaces (rekey): the policies stay.
    pub(crate) replaces: Option<u32>,
    /// The reqid asked for in [`ChildInit`] (a trap's).
    pub(crate) reqid: Option<u32>,
    /// Install the outbound SA now (rekey responders wait, see
    /// [`ChildSa::install_outbound`]).
    pub(crate) outbound_now: bool,
}

impl ChildSa {
    /// Installs a negotiated CHILD_SA: inbound SA first, then outbound (if
    /// `outbound_now`), then the policies of a new reqid.
    pub(crate) fn install(sa: &SaCore, ctx: &mut Ctx<'_>, neg: Negotiated) -> Self {
        let reqid = neg
            .replaces
            .or(neg.reqid)
            .unwrap_or_else(|| ctx.ids.reqid());
        // a rekey keeps the policies of its reqid, unless they went with
        // the old CHILD_SA before the new one arrived
        let new_policies = !sa.reqid_in_use(reqid);
        let (rekey_at, expire_at) = child_deadlines(ctx.provider, ctx.now, &neg.config.lifetime);
        let ChildKeys {
            encr_i,
            integ_i,
            encr_r,
            integ_r,
        } = neg.keys;
        let (out_keys, in_keys) = if neg.we_initiated {
            ((encr_i, integ_i), (encr_r, integ_r))
        } else {
            ((encr_r, integ_r), (encr_i, integ_i))
        };
        let mut child = Self {
            id: neg.id.unwrap_or_else(|| ctx.ids.child()),
            config: neg.config,
            reqid,
            state: ChildState::Installed,
            protocol: ProtocolId::ESP,
            spi_in: neg.spi_in,
            spi_out: neg.spi_out,
            proposal: neg.proposal,
            mode: neg.mode,
            local_ts: neg.local_ts,
            remote_ts: neg.remote_ts,
            outbound_installed: false,
            pending_outbound: Some(out_keys),
            successor: None,
            established: ctx.now,
            rekey_at,
            expire_at,
        };
        child.install_sa(sa, ctx, Direction::Inbound, in_keys);
        if neg.outbound_now {
            child.install_outbound(sa, ctx);
        }
        if new_policies {
            ctx.emit(Action::InstallPolicy(child.policy(sa)));
        }
        child
    }

    /// Installs the outbound SA if it is still pending.
    pub(crate) fn install_outbound(&mut self, sa: &SaCore, ctx: &mut Ctx<'_>) {
        if let Some(keys) = self.pending_outbound.take() {
            self.install_sa(sa, ctx, Direction::Outbound, keys);
            self.outbound_installed = true;
        }
    }

    fn install_sa(
        &self,
        sa: &SaCore,
        ctx: &mut Ctx<'_>,
        direction: Direction,
        (encr_key, integ_key): (Secret, Secret),
    ) {
        let (spi, src, dst) = match direction {
            Direction::Inbound => (self.spi_in, sa.remote, sa.local),
            Direction::Outbound => (self.spi_out, sa.local, sa.remote),
        };
        ctx.emit(Action::InstallSa(SaInstall {
            ike_sa: sa.handle,
            child: self.id,
            config: Arc::clone(&self.config),
            reqid: self.reqid,
            direction,
            spi,
            protocol: self.protocol,
            src,
            dst,
            encap: sa.nat.encap,
            mode: self.mode,
            proposal: self.proposal.clone(),
            encr_key,
            integ_key,
            limits: sa_limits(ctx.provider, &self.config.lifetime),
            local_ts: self.local_ts.clone(),
            remote_ts: self.remote_ts.clone(),
        }));
    }

    fn policy(&self, sa: &SaCore) -> PolicySpec {
        PolicySpec {
            ike_sa: sa.handle,
            child: self.id,
            config: Arc::clone(&self.config),
            reqid: self.reqid,
            mode: self.mode,
            local: sa.local,
            remote: sa.remote,
            local_ts: self.local_ts.clone(),
            remote_ts: self.remote_ts.clone(),
        }
    }

    /// Removes both SAs and, with `policies` (no other CHILD_SA of the
    /// reqid is left), the policies; releases the inbound SPI.
    pub(crate) fn uninstall(&self, sa: &SaCore, ctx: &mut Ctx<'_>, policies: bool) {
        if policies {
            ctx.emit(Action::DeletePolicy(self.policy(sa)));
        }
        self.remove_sa(sa, ctx, Direction::Inbound);
        if self.outbound_installed {
            self.remove_sa(sa, ctx, Direction::Outbound);
        }
        ctx.ids.release_spi(self.spi_in);
    }

    fn remove_sa(&self, sa: &SaCore, ctx: &mut Ctx<'_>, direction: Direction) {
        let (spi, src, dst) = match direction {
            Direction::Inbound => (self.spi_in, sa.remote, sa.local),
            Direction::Outbound => (self.spi_out, sa.local, sa.remote),
        };
        ctx.emit(Action::DeleteSa(SaRemove {
            child: self.id,
            direction,
            spi,
            protocol: self.protocol,
            src,
            dst,
        }));
    }
}
