//! The [`Endpoint`]: every IKE SA of the daemon, the routing of datagrams
//! to them by SPI (RFC 7296 §2.6), and the one ordered action queue.
//!
//! # Driving an endpoint
//!
//! Methods come in four kinds (as quinn's `Connection` documents):
//!
//! - **getters**: [`Endpoint::sa`], [`Endpoint::sas`];
//! - **inputs** `handle_*`: [`handle_datagram`](Endpoint::handle_datagram),
//!   [`handle_timeout`](Endpoint::handle_timeout),
//!   [`handle_kernel_event`](Endpoint::handle_kernel_event);
//! - **commands**: [`initiate`](Endpoint::initiate),
//!   [`create_child`](Endpoint::create_child),
//!   [`delete_child`](Endpoint::delete_child),
//!   [`delete_ike`](Endpoint::delete_ike), and [`accept`](Endpoint::accept)
//!   for an [`Incoming`] IKE_SA_INIT;
//! - **outputs** `poll_*`: [`poll_action`](Endpoint::poll_action) and
//!   [`poll_timeout`](Endpoint::poll_timeout).
//!
//! After any input or command, drain `poll_action` until it returns
//! `None`, executing each action in order, then sleep until
//! `poll_timeout` and call `handle_timeout` with the time then. Time must
//! never go backwards.

use core::net::SocketAddr;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use crate::Error;
use crate::action::{Action, ChildId, DownReason, KernelEvent, SaHandle};
use crate::auth::Credentials;
use crate::config::{IkeConfig, Unique};
use crate::cookie::{self, Admission, CookieDemand, CookieJar, CookieStatus, HalfOpen};
use crate::counters::{Counter, Counters};
use crate::crypto::Provider;
use crate::natd::NatDetector;
use crate::pools::AddressPools;
use crate::sa::{ChildInit, Ctx, Ids, IkeSa, IkeSaInfo, IkeState};
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::Message;
use crate::wire::iana::ExchangeType;

/// A new peer's IKE_SA_INIT request, waiting for the driver to decide
/// (the DoS gate sits before any SA state is allocated).
#[derive(Debug)]
#[must_use]
pub struct Incoming {
    local: SocketAddr,
    remote: SocketAddr,
    data: Vec<u8>,
    msg: Message,
}

impl Incoming {
    /// Our address it arrived on.
    pub const fn local(&self) -> SocketAddr {
        self.local
    }

    /// The peer's address.
    pub const fn remote(&self) -> SocketAddr {
        self.remote
    }
}

/// Every IKE SA, routed by SPI.
pub struct Endpoint {
    provider: Provider,
    settings: Settings,
    credentials: Arc<dyn Credentials>,
    natd: NatDetector,
    configs: Vec<Arc<IkeConfig>>,
    sas: BTreeMap<SaHandle, IkeSa>,
    /// Our SPI of each SA.
    by_spi: HashMap<u64, SaHandle>,
    /// Responder SAs by the initiator's SPI and address, for retransmitted
    /// IKE_SA_INIT requests (their SPIr is still zero).
    half_open: HashMap<(u64, SocketAddr), SaHandle>,
    ids: Ids,
    actions: VecDeque<Action>,
    /// Stateless cookies and when they are demanded (RFC 7296 §2.6).
    cookies: CookieJar,
    demand: CookieDemand,
    /// IKE SAs created by rekeys during the current call.
    new_sas: Vec<IkeSa>,
    /// CHILD_SA moves requested during the current call.
    moves: Vec<(SaHandle, SaHandle)>,
    /// Where responders take virtual IPs from.
    pools: Option<Arc<dyn AddressPools>>,
    counters: Counters,
    /// The established IKE SAs `unique = keep` compares an IKE_AUTH
    /// request with (filled just before one is handled).
    peers: Vec<unique::Peer>,
}

impl core::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Endpoint")
            .field("sas", &self.sas.len())
            .field("actions", &self.actions.len())
            .finish_non_exhaustive()
    }
}

/// Runs `$body` with `$sa` and `$ctx` borrowed from the endpoint.
macro_rules! with_sa {
    ($self:ident, $now:expr, $handle:expr, |$sa:ident, $ctx:ident| $body:expr) => {{
        let Endpoint {
            provider,
            settings,
            credentials,
            natd,
            configs,
            sas,
            ids,
            actions,
            new_sas,
            moves,
            pools,
            counters,
            peers,
            ..
        } = $self;
        match sas.get_mut(&$handle) {
            Some($sa) => {
                let mut ctx = Ctx {
                    now: $now,
                    provider,
                    settings,
                    credentials: credentials.as_ref(),
                    natd,
                    configs,
                    ids,
                    actions,
                    new_sas,
                    moves,
                    pools: pools.as_deref(),
                    counters,
                    peers,
                };
                let $ctx = &mut ctx;
                let result = $body;
                $self.adopt();
                $self.reap($handle);
                Some(result)
            }
            None => None,
        }
    }};
}

mod unique;

pub(crate) use unique::{Peer, keep_refuses};

impl Endpoint {
    /// An endpoint with no connections; randomness comes from `provider`.
    ///
    /// # Errors
    /// If the provider's RNG fails or it lacks SHA-1 (NAT detection).
    pub fn new(
        provider: Provider,
        settings: Settings,
        credentials: Arc<dyn Credentials>,
    ) -> Result<Self, crate::crypto::CryptoError> {
        Ok(Self {
            natd: NatDetector::new(&provider)?,
            cookies: CookieJar::new(&provider, Instant::ZERO)?,
            demand: CookieDemand::new(&provider)?,
            provider,
            settings,
            credentials,
            configs: Vec::new(),
            sas: BTreeMap::new(),
            by_spi: HashMap::new(),
            half_open: HashMap::new(),
            ids: Ids::default(),
            actions: VecDeque::new(),
            new_sas: Vec::new(),
            moves: Vec::new(),
            pools: None,
            counters: Counters::default(),
            peers: Vec::new(),
        })
    }

    /// Adds or replaces (by name) a connection.
    pub fn load_config(&mut self, config: Arc<IkeConfig>) {
        self.configs.retain(|c| c.name != config.name);
        self.configs.push(config);
    }

    /// Removes a connection; its SAs stay up.
    pub fn unload_config(&mut self, name: &str) -> bool {
        let before = self.configs.len();
        self.configs.retain(|c| c.name != name);
        before != self.configs.len()
    }

    /// Sets where responders take the virtual IPs initiators request
    /// (connections with `pools`).
    pub fn set_address_pools(&mut self, pools: Arc<dyn AddressPools>) {
        self.pools = Some(pools);
    }

    /// Replaces the endpoint-wide settings (a reloaded strongswan.conf):
    /// retransmissions, DoS limits and the like apply from now on, to
    /// existing SAs too.
    pub fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
    }

    /// The endpoint-wide settings.
    #[must_use]
    pub const fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The loaded connections.
    pub fn configs(&self) -> &[Arc<IkeConfig>] {
        &self.configs
    }

    /// One SA.
    pub fn sa(&self, handle: SaHandle) -> Option<IkeSaInfo> {
        self.sas.get(&handle).map(IkeSa::info)
    }

    /// The event counters (charon's `counters` plugin, and ours).
    #[must_use]
    pub const fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The counters, for `reset-counters`.
    pub fn counters_mut(&mut self) -> &mut Counters {
        &mut self.counters
    }

    /// Every SA, oldest first.
    pub fn sas(&self) -> impl Iterator<Item = IkeSaInfo> + '_ {
        self.sas.values().map(IkeSa::info)
    }

    /// A datagram for IKE: from port 500, or from port 4500 with the
    /// non-ESP marker removed. Returns an [`Incoming`] for a new peer's
    /// IKE_SA_INIT; everything else is routed to its SA or dropped.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        data: &[u8],
    ) -> Option<Incoming> {
        let msg = match Message::parse(data) {
            Ok(msg) => msg,
            Err(e) => {
                tracing::debug!("dropping datagram from {remote}: {e}");
                self.counters.count(None, Counter::Invalid);
                self.counters.dropped += 1;
                return None;
            }
        };
        let handle = self.route(&msg, remote);
        let Some(handle) = handle else {
            let new = msg.exchange == ExchangeType::IKE_SA_INIT
                && !msg.flags.is_response()
                && msg.flags.is_initiator()
                && msg.spi_r == 0
                && msg.message_id == 0;
            if !new {
                self.counters.count(None, Counter::InvalidSpi);
                self.counters.dropped += 1;
            }
            return new.then(|| Incoming {
                local,
                remote,
                data: data.to_vec(),
                msg,
            });
        };
        self.collect_peers(&msg);
        with_sa!(self, now, handle, |sa, ctx| sa.handle_message(
            ctx,
            &msg,
            data,
            (local, remote)
        ));
        self.check_uniqueness(now, handle);
        None
    }

    /// The SA a message belongs to: by our SPI, or by the initiator's SPI
    /// and address for a repeated IKE_SA_INIT.
    fn route(&self, msg: &Message, remote: SocketAddr) -> Option<SaHandle> {
        // the I flag names the sender's role: if set, we are the responder
        let ours = if msg.flags.is_initiator() {
            msg.spi_r
        } else {
            msg.spi_i
        };
        if ours != 0 {
            return self.by_spi.get(&ours).copied();
        }
        self.half_open.get(&(msg.spi_i, remote)).copied()
    }

    /// The DoS gate in front of [`accept`](Self::accept), as charon applies
    /// it (`dos_protection`, `cookie_threshold`, `block_threshold`...): with
    /// too many half-open SAs the request must carry a valid COOKIE, else
    /// it is answered statelessly with one (RFC 7296 §2.6); past the block
    /// limits it is dropped. Returns the new SA if one was created.
    pub fn admit(&mut self, now: Instant, incoming: Incoming) -> Option<SaHandle> {
        let ip = incoming.remote.ip();
        let half_open = self.half_open(ip);
        let nonce = incoming.msg.payloads.iter().find_map(|p| match p {
            crate::wire::Payload::Nonce(n) => Some(n.0.clone()),
            _ => None,
        })?;
        let spi_i = incoming.msg.spi_i;
        let status = if self.demand.required(&self.settings.dos, half_open, ip, now) {
            match cookie::request_cookie(&incoming.msg.payloads) {
                Some(c) if self.cookies.verify(now, c, &nonce, ip, spi_i) => CookieStatus::Valid,
                _ => CookieStatus::Invalid,
            }
        } else {
            CookieStatus::NotRequired
        };
        match self.settings.dos.admit(half_open, status) {
            Admission::Accept => self.accept(now, incoming),
            Admission::Challenge => {
                let cookie = self.cookies.cookie(now, &nonce, ip, spi_i).ok()?;
                let data = cookie::challenge(&incoming.msg, cookie).emit().ok()?;
                self.actions
                    .push_back(Action::Transmit(crate::action::Transmit {
                        local: incoming.local,
                        remote: incoming.remote,
                        non_esp_marker: incoming.local.port() != self.settings.port,
                        data,
                    }));
                None
            }
            Admission::Drop(why) => {
                tracing::info!("ignoring IKE_SA setup from {ip}: {why:?}");
                None
            }
        }
    }

    /// Half-open IKE SAs (we are responder, IKE_AUTH not done) in all and
    /// from `ip`.
    fn half_open(&self, ip: core::net::IpAddr) -> HalfOpen {
        let mut counts = HalfOpen::default();
        for sa in self.sas.values() {
            if !sa.core.initiator && sa.core.state == IkeState::Connecting {
                counts.total += 1;
                counts.from_ip += u32::from(sa.core.remote.ip() == ip);
            }
        }
        counts
    }

    /// Answers a new peer's IKE_SA_INIT with a new responder SA, if a
    /// connection matches its addresses (no DoS gate: see
    /// [`admit`](Self::admit)).
    pub fn accept(&mut self, now: Instant, incoming: Incoming) -> Option<SaHandle> {
        let Incoming {
            local,
            remote,
            data,
            msg,
        } = incoming;
        let config = self.configs.iter().find(|c| {
            let l =
                c.local_addrs.is_empty() || c.local_addrs.iter().any(|a| a.contains(local.ip()));
            let r =
                c.remote_addrs.is_empty() || c.remote_addrs.iter().any(|a| a.contains(remote.ip()));
            l && r
        });
        let Some(config) = config.cloned() else {
            tracing::info!("no IKE config found for {local}...{remote}");
            return None;
        };
        let sa = {
            let mut ctx = self.ctx(now);
            IkeSa::respond(&mut ctx, config, local, remote, msg.spi_i).ok()?
        };
        let handle = sa.core.handle;
        self.by_spi.insert(sa.core.our_spi(), handle);
        self.half_open.insert((msg.spi_i, remote), handle);
        self.sas.insert(handle, sa);
        with_sa!(self, now, handle, |sa, ctx| sa.handle_message(
            ctx,
            &msg,
            &data,
            (local, remote)
        ));
        Some(handle)
    }

    /// Starts connection `conn` from `local` to `remote`, with CHILD_SA
    /// `child` in IKE_AUTH.
    pub fn initiate(
        &mut self,
        now: Instant,
        conn: &str,
        child: Option<&str>,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<SaHandle, Error> {
        let child = child.map(|c| (c, ChildInit::default()));
        self.initiate_with(now, conn, child, (local, remote))
    }

    /// [`initiate`](Self::initiate) with CHILD_SA `child` set up as `init`
    /// asks (an acquire's reqid and packet selectors).
    pub fn initiate_child(
        &mut self,
        now: Instant,
        conn: &str,
        child: &str,
        init: ChildInit,
        (local, remote): (SocketAddr, SocketAddr),
    ) -> Result<SaHandle, Error> {
        self.initiate_with(now, conn, Some((child, init)), (local, remote))
    }

    fn initiate_with(
        &mut self,
        now: Instant,
        conn: &str,
        child: Option<(&str, ChildInit)>,
        (local, remote): (SocketAddr, SocketAddr),
    ) -> Result<SaHandle, Error> {
        let config = self
            .configs
            .iter()
            .find(|c| c.name == conn)
            .cloned()
            .ok_or(Error::ApiMisuse("no such connection"))?;
        let child = match child {
            Some((name, init)) => Some((
                config
                    .child(name)
                    .cloned()
                    .ok_or(Error::ApiMisuse("no such CHILD_SA configuration"))?,
                init,
            )),
            None => None,
        };
        let contact = self.first_contact(&config, local, remote);
        let sa = {
            let mut ctx = self.ctx(now);
            IkeSa::initiate(&mut ctx, config, child, (local, remote), contact)?
        };
        let handle = sa.core.handle;
        self.by_spi.insert(sa.core.our_spi(), handle);
        self.sas.insert(handle, sa);
        self.adopt();
        self.reap(handle);
        Ok(handle)
    }

    /// Whether to send INITIAL_CONTACT (§2.4) as charon does: the peer's
    /// identity is configured without wildcards, `unique` is not `never`,
    /// and no IKE SA with both identities over this address family is up
    /// (charon's `has_contact`: the identities decide, not the connection,
    /// since a responder removes every IKE SA with them).
    fn first_contact(&self, config: &IkeConfig, local: SocketAddr, remote: SocketAddr) -> bool {
        let Some(peer) = config.remote.id.exact() else {
            return false;
        };
        let me = config
            .local
            .id
            .clone()
            .unwrap_or_else(|| crate::task::address_id(local.ip()));
        config.unique != Unique::Never
            && !self.sas.values().any(|s| {
                s.core.local_id.as_ref() == Some(&me)
                    && s.core.remote_id.as_ref() == Some(peer)
                    && s.core.remote.is_ipv4() == remote.is_ipv4()
            })
    }

    /// Creates CHILD_SA `child` of the SA's connection with CREATE_CHILD_SA.
    pub fn create_child(&mut self, now: Instant, sa: SaHandle, child: &str) -> Result<(), Error> {
        self.create_child_with(now, sa, child, ChildInit::default())
    }

    /// [`create_child`](Self::create_child) set up as `init` asks.
    pub fn create_child_with(
        &mut self,
        now: Instant,
        sa: SaHandle,
        child: &str,
        init: ChildInit,
    ) -> Result<(), Error> {
        let config = self
            .sas
            .get(&sa)
            .and_then(|s| s.core.config.child(child).cloned())
            .ok_or(Error::ApiMisuse("no such IKE SA or CHILD_SA configuration"))?;
        with_sa!(self, now, sa, |s, ctx| s.create_child(ctx, config, init)).unwrap_or(Ok(()))
    }

    /// A reqid no CHILD_SA of this endpoint will get, for policies the
    /// caller installs itself (a trap's, later passed in [`ChildInit`]).
    pub fn alloc_reqid(&mut self) -> u32 {
        self.ids.reqid()
    }

    /// Deletes a CHILD_SA (INFORMATIONAL Delete).
    pub fn delete_child(&mut self, now: Instant, child: ChildId) -> bool {
        let Some(handle) = self.owner(child) else {
            return false;
        };
        with_sa!(self, now, handle, |s, ctx| s.delete_child(
            ctx,
            child,
            DownReason::Local
        ))
        .is_some()
    }

    /// Rekeys a CHILD_SA (CREATE_CHILD_SA with N(REKEY_SA), §2.8).
    pub fn rekey_child(&mut self, now: Instant, child: ChildId) -> bool {
        let Some(handle) = self.owner(child) else {
            return false;
        };
        with_sa!(self, now, handle, |s, ctx| s.rekey_child(ctx, child)).is_some()
    }

    /// Rekeys an IKE SA (§2.18); its CHILD_SAs move to the new one.
    pub fn rekey_ike(&mut self, now: Instant, sa: SaHandle) -> Result<(), Error> {
        with_sa!(self, now, sa, |s, ctx| s.rekey(ctx))
            .unwrap_or(Err(Error::ApiMisuse("no such IKE SA")))
    }

    /// Deletes an IKE SA and its CHILD_SAs.
    pub fn delete_ike(&mut self, now: Instant, sa: SaHandle) -> bool {
        with_sa!(self, now, sa, |s, ctx| s.delete(ctx, DownReason::Local)).is_some()
    }

    /// The IKE SA a CHILD_SA belongs to.
    pub fn owner(&self, child: ChildId) -> Option<SaHandle> {
        self.sas
            .values()
            .find(|s| s.core.child(child).is_some())
            .map(|s| s.core.handle)
    }

    /// Runs every timer that is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<SaHandle> = self
            .sas
            .iter()
            .filter(|(_, sa)| sa.poll_timeout(&self.settings).is_some_and(|at| at <= now))
            .map(|(h, _)| *h)
            .collect();
        for handle in due {
            with_sa!(self, now, handle, |sa, ctx| sa.handle_timeout(ctx));
        }
    }

    /// A data-plane event (byte/packet limits).
    pub fn handle_kernel_event(&mut self, now: Instant, event: KernelEvent) {
        let handles: Vec<SaHandle> = self.sas.keys().copied().collect();
        for handle in handles {
            with_sa!(self, now, handle, |sa, ctx| sa
                .handle_kernel_event(ctx, event));
        }
    }

    /// Whether any SA has a request in flight or queued (for tests).
    #[cfg(test)]
    pub(crate) fn busy(&self) -> bool {
        self.sas.values().any(|sa| {
            sa.exchanges.active_task().is_some() || sa.exchanges.queued().next().is_some()
        })
    }

    /// The next action for the driver, in order.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sas
            .values()
            .filter_map(|sa| sa.poll_timeout(&self.settings))
            .min()
    }

    fn ctx(&mut self, now: Instant) -> Ctx<'_> {
        Ctx {
            now,
            provider: &self.provider,
            settings: &self.settings,
            credentials: self.credentials.as_ref(),
            natd: &self.natd,
            configs: &self.configs,
            ids: &mut self.ids,
            actions: &mut self.actions,
            new_sas: &mut self.new_sas,
            moves: &mut self.moves,
            pools: self.pools.as_deref(),
            counters: &mut self.counters,
            peers: &self.peers,
        }
    }

    /// Registers IKE SAs created by rekeys and moves CHILD_SAs to their
    /// new IKE SA (§2.18).
    fn adopt(&mut self) {
        for sa in self.new_sas.drain(..) {
            let handle = sa.core.handle;
            self.by_spi.insert(sa.core.our_spi(), handle);
            self.sas.insert(handle, sa);
        }
        for (from, to) in core::mem::take(&mut self.moves) {
            let children = match self.sas.get_mut(&from) {
                Some(old) => core::mem::take(&mut old.core.children),
                None => continue,
            };
            if let Some(new) = self.sas.get_mut(&to) {
                new.core.children.extend(children);
            }
        }
    }

    /// Forgets an SA once it is destroyed.
    fn reap(&mut self, handle: SaHandle) {
        let Some(sa) = self.sas.get(&handle) else {
            return;
        };
        if sa.core.state != IkeState::Destroyed {
            return;
        }
        let (spi, spi_i, remote) = (sa.core.our_spi(), sa.core.spi_i, sa.core.remote);
        self.sas.remove(&handle);
        self.by_spi.remove(&spi);
        self.half_open
            .retain(|&(i, _), h| !(i == spi_i && *h == handle));
        let _ = remote;
    }
}
