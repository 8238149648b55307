//! [`IkeSa`]'s inputs (message, timeout, kernel event, commands) and its
//! deadline.

use core::net::SocketAddr;
use std::collections::VecDeque;
use std::sync::Arc;

use super::{ChildInit, ChildState, Ctx, Exchanges, IkeSa, IkeState, NatState, SaCore};
use crate::Error;
use crate::action::{ChildId, DownReason, KernelEvent};
use crate::config::{ChildConfig, IkeConfig};
use crate::settings::Settings;
use crate::task::{
    ChildCreate, ChildDelete, ChildRekey, ChildRequest, IkeAuth, IkeDelete, IkeInit, IkeRekey, Task,
};
use crate::time::Instant;
use crate::wire::Message;

impl IkeSa {
    fn core(
        ctx: &mut Ctx<'_>,
        config: Arc<IkeConfig>,
        local: SocketAddr,
        remote: SocketAddr,
        initiator: bool,
    ) -> SaCore {
        SaCore {
            handle: ctx.ids.sa(),
            initiator,
            spi_i: 0,
            spi_r: 0,
            state: IkeState::Connecting,
            config,
            local,
            remote,
            nat: NatState::default(),
            keys: None,
            init: None,
            local_id: None,
            remote_id: None,
            children: Vec::new(),
            uniqueness: None,
            deleted_early: VecDeque::new(),
            local_vips: Vec::new(),
            remote_vips: Vec::new(),
            fragmentation: false,
            peer_hashes: Vec::new(),
            peer_certreq: false,
            created: ctx.now,
            established: None,
            last_heard: ctx.now,
            rekey_at: None,
            expire_at: None,
        }
    }

    /// A new IKE SA we initiate, with the first CHILD_SA in IKE_AUTH.
    pub(crate) fn initiate(
        ctx: &mut Ctx<'_>,
        config: Arc<IkeConfig>,
        child: Option<(Arc<ChildConfig>, ChildInit)>,
        (local, remote): (SocketAddr, SocketAddr),
        initial_contact: bool,
    ) -> Result<Self, Error> {
        let mut core = Self::core(ctx, config, local, remote, true);
        core.spi_i = ike_spi(ctx)?;
        let init = IkeInit::new(&core, ctx)?;
        let child = match child {
            Some((c, init)) => Some(ChildRequest::new(&core, ctx, c, false)?.with_init(init)),
            None => None,
        };
        let mut sa = Self {
            core,
            exchanges: Exchanges::default(),
        };
        sa.exchanges.queue(Task::IkeInit(Box::new(init)));
        sa.exchanges.queue(Task::IkeAuth(Box::new(IkeAuth::new(
            child,
            initial_contact,
        ))));
        tracing::info!(
            "initiating IKE_SA {}[{}] to {}",
            sa.core.config.name,
            sa.core.handle,
            remote.ip()
        );
        sa.exchanges.initiate(&mut sa.core, ctx);
        Ok(sa)
    }

    /// A new IKE SA for a peer's IKE_SA_INIT request with SPI `spi_i`.
    pub(crate) fn respond(
        ctx: &mut Ctx<'_>,
        config: Arc<IkeConfig>,
        local: SocketAddr,
        remote: SocketAddr,
        spi_i: u64,
    ) -> Result<Self, Error> {
        let mut core = Self::core(ctx, config, local, remote, false);
        core.spi_i = spi_i;
        core.spi_r = ike_spi(ctx)?;
        Ok(Self {
            core,
            exchanges: Exchanges::default(),
        })
    }

    /// The IKE SA that replaces `old` after a rekey (§2.18), established
    /// now with fresh message IDs; its CHILD_SAs are moved in separately.
    pub(crate) fn rekeyed(
        old: &SaCore,
        ctx: &mut Ctx<'_>,
        initiator: bool,
        (spi_i, spi_r): (u64, u64),
        keys: super::SaKeys,
    ) -> Self {
        let mut core = Self::core(
            ctx,
            Arc::clone(&old.config),
            old.local,
            old.remote,
            initiator,
        );
        let (rekey_at, expire_at) =
            super::lifetime::ike_deadlines(ctx.provider, ctx.now, &old.config.lifetime);
        core.spi_i = spi_i;
        core.spi_r = spi_r;
        core.state = IkeState::Established;
        core.nat = old.nat;
        core.keys = Some(keys);
        core.local_id.clone_from(&old.local_id);
        core.remote_id.clone_from(&old.remote_id);
        core.fragmentation = old.fragmentation;
        core.peer_hashes.clone_from(&old.peer_hashes);
        core.local_vips.clone_from(&old.local_vips);
        core.remote_vips.clone_from(&old.remote_vips);
        core.established = Some(ctx.now);
        core.rekey_at = rekey_at;
        core.expire_at = expire_at;
        Self {
            core,
            exchanges: Exchanges::default(),
        }
    }

    /// A message for this SA: `bytes` without the non-ESP marker.
    pub(crate) fn handle_message(
        &mut self,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        bytes: &[u8],
        path: (SocketAddr, SocketAddr),
    ) {
        let known_r = self.core.spi_r;
        let spis_match = msg.spi_i == self.core.spi_i
            && (msg.spi_r == known_r || known_r == 0 || msg.spi_r == 0);
        if !spis_match {
            return;
        }
        self.exchanges.handle(&mut self.core, ctx, msg, bytes, path);
    }

    /// Runs what is due at `ctx.now`.
    pub(crate) fn handle_timeout(&mut self, ctx: &mut Ctx<'_>) {
        self.exchanges.handle_timeout(&mut self.core, ctx);
        let now = ctx.now;
        let sa = &mut self.core;
        if sa.state == IkeState::Destroyed {
            return;
        }
        if let Some(at) = half_open_deadline(sa, ctx.settings)
            && now >= at
        {
            sa.destroy(ctx, DownReason::Timeout);
            return;
        }
        if sa.expire_at.is_some_and(|at| now >= at) {
            sa.expire_at = None;
            self.delete(ctx, DownReason::Expired);
            return;
        }
        let expired: Vec<ChildId> = sa
            .children
            .iter()
            .filter(|c| c.expire_at.is_some_and(|at| now >= at))
            .map(|c| c.id)
            .collect();
        for id in expired {
            if let Some(child) = self.core.child_mut(id) {
                child.expire_at = None;
            }
            self.delete_child(ctx, id, DownReason::Expired);
        }
        self.start_rekeys(ctx);
        if self.dpd_due().is_some_and(|at| now >= at) {
            self.exchanges.queue(Task::Dpd);
        }
        self.exchanges.initiate(&mut self.core, ctx);
    }

    /// Queues the rekeys whose time has come (§2.8): CHILD_SAs at their
    /// soft lifetime, the IKE SA at `rekey_time`.
    fn start_rekeys(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let due: Vec<ChildId> = self
            .core
            .children
            .iter_mut()
            .filter(|c| c.state == ChildState::Installed && c.rekey_at.is_some_and(|at| now >= at))
            .map(|c| {
                c.rekey_at = None;
                c.id
            })
            .collect();
        for id in due {
            self.rekey_child(ctx, id);
        }
        if self.core.state == IkeState::Established
            && self.core.rekey_at.is_some_and(|at| now >= at)
        {
            self.core.rekey_at = None;
            if let Err(e) = self.rekey(ctx) {
                tracing::warn!("cannot rekey IKE_SA: {e}");
            }
        }
    }

    /// Rekeys a CHILD_SA (command, lifetime or soft expire).
    pub(crate) fn rekey_child(&mut self, ctx: &mut Ctx<'_>, child: ChildId) {
        let queued = self
            .exchanges
            .queued()
            .any(|t| matches!(t, Task::ChildRekey(r) if r.old == child));
        if !queued {
            self.exchanges
                .queue(Task::ChildRekey(Box::new(ChildRekey::new(child))));
        }
        self.exchanges.initiate(&mut self.core, ctx);
    }

    /// Rekeys the IKE SA (§2.18).
    pub(crate) fn rekey(&mut self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        let task = IkeRekey::new(&self.core, ctx)?;
        self.exchanges.queue(Task::IkeRekey(Box::new(task)));
        self.exchanges.initiate(&mut self.core, ctx);
        Ok(())
    }

    /// When the next liveness check is due: `dpd_delay` after the last
    /// message from the peer, if nothing else is under way (§2.4).
    fn dpd_due(&self) -> Option<Instant> {
        let delay = self.core.config.dpd_delay;
        let idle =
            self.exchanges.active_task().is_none() && self.exchanges.queued().next().is_none();
        (self.core.state == IkeState::Established && !delay.is_zero() && idle)
            .then(|| self.core.last_heard + delay)
    }

    /// The earliest instant anything is due.
    pub(crate) fn poll_timeout(&self, settings: &Settings) -> Option<Instant> {
        let sa = &self.core;
        let half_open = half_open_deadline(sa, settings);
        let children = sa.children.iter().flat_map(|c| {
            let rekey = c.rekey_at.filter(|_| c.state == ChildState::Installed);
            [c.expire_at, rekey]
        });
        let rekey = sa.rekey_at.filter(|_| sa.state == IkeState::Established);
        [
            self.exchanges.deadline(),
            half_open,
            sa.expire_at,
            rekey,
            self.dpd_due(),
        ]
        .into_iter()
        .flatten()
        .chain(children.flatten())
        .min()
    }

    /// A soft or hard limit of an SA was reached.
    pub(crate) fn handle_kernel_event(&mut self, ctx: &mut Ctx<'_>, event: KernelEvent) {
        let KernelEvent::Expire { spi, hard, .. } = event;
        let Some(child) = self
            .core
            .children
            .iter()
            .find(|c| c.spi_in == spi || c.spi_out == spi)
        else {
            return;
        };
        let id = child.id;
        if hard {
            self.delete_child(ctx, id, DownReason::Expired);
        } else if child.state == ChildState::Installed {
            self.rekey_child(ctx, id);
        }
    }

    /// Creates another CHILD_SA with CREATE_CHILD_SA (§1.3.1).
    pub(crate) fn create_child(
        &mut self,
        ctx: &mut Ctx<'_>,
        config: Arc<ChildConfig>,
        init: ChildInit,
    ) -> Result<(), Error> {
        let task = ChildCreate::new(&self.core, ctx, config, init)?;
        self.exchanges.queue(Task::ChildCreate(Box::new(task)));
        self.exchanges.initiate(&mut self.core, ctx);
        Ok(())
    }

    /// Deletes a CHILD_SA with an INFORMATIONAL exchange (§1.4.1).
    pub(crate) fn delete_child(&mut self, ctx: &mut Ctx<'_>, child: ChildId, reason: DownReason) {
        self.exchanges
            .queue(Task::ChildDelete(ChildDelete { child, reason }));
        self.exchanges.initiate(&mut self.core, ctx);
    }

    /// Deletes the IKE SA: with an INFORMATIONAL exchange once it is
    /// established, silently before.
    pub(crate) fn delete(&mut self, ctx: &mut Ctx<'_>, reason: DownReason) {
        if self.core.state == IkeState::Connecting {
            self.core.destroy(ctx, reason);
            return;
        }
        self.exchanges.dequeue(|_| true);
        self.exchanges.queue(Task::IkeDelete(IkeDelete { reason }));
        self.exchanges.initiate(&mut self.core, ctx);
    }
}

/// When a responder gives up an unauthenticated SA (`half_open_timeout`;
/// charon's initiators rely on retransmits instead).
fn half_open_deadline(sa: &SaCore, settings: &Settings) -> Option<Instant> {
    (sa.state == IkeState::Connecting && !sa.initiator)
        .then(|| sa.created + settings.half_open_timeout)
}

/// A fresh non-zero IKE SPI (RFC 7296 §2.6).
pub(crate) fn ike_spi(ctx: &Ctx<'_>) -> Result<u64, Error> {
    loop {
        let mut bytes = [0u8; 8];
        ctx.provider.rng.fill(&mut bytes)?;
        let spi = u64::from_be_bytes(bytes);
        if spi != 0 {
            return Ok(spi);
        }
    }
}
