//! The event loop: datagrams, timers and signals in, the [`Endpoint`]'s
//! actions out, as `ike::Endpoint`'s documentation asks: after every input
//! drain `poll_action`, then sleep until `poll_timeout`.

use core::net::{IpAddr, SocketAddr};
use core::time::Duration;
use std::collections::HashMap;
use std::io;

use esp_install::{Installer, KernelEvent};
use ike::wire::iana::ProtocolId;
use ike::{Action, Endpoint};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::actions::Lifecycle;
use crate::config::Start;
use crate::events::EventLog;
use crate::install;
use crate::socket::{Datagram, Peer, Sockets, route_source};
use crate::vici::{self, Inbound};

/// A data plane event as the core takes it; `None` for those it does not
/// act on (acquires go to the traps, `trap.rs`).
fn core_event(event: &KernelEvent) -> Option<ike::KernelEvent> {
    match event {
        KernelEvent::Expire { id, hard, .. } => Some(ike::KernelEvent::Expire {
            protocol: match id.protocol {
                esp_install::Protocol::Esp => ProtocolId::ESP,
                esp_install::Protocol::Ah => ProtocolId::AH,
            },
            spi: id.spi,
            hard: *hard,
        }),
        _ => None,
    }
}

/// The signals the daemon handles, taken over from their default actions
/// before anything is announced (an early SIGHUP must not kill it).
pub(crate) struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    /// Installs the handlers (within the tokio runtime).
    ///
    /// # Errors
    /// If a handler cannot be installed.
    pub(crate) fn install() -> io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

/// How long a shutdown waits for the peers to answer our deletes.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(3);

/// The daemon's state, owned by one task.
pub(crate) struct Driver {
    pub(crate) endpoint: Endpoint,
    sockets: Sockets,
    pub(crate) installer: Box<dyn Installer>,
    /// The epoch of the core's clock.
    epoch: Instant,
    pub(crate) events: EventLog,
    /// `charon.replay_window` for inbound SAs.
    pub(crate) replay_window: u32,
    /// CHILD_SAs with an SA the installer refused, until their event.
    pub(crate) refused: Vec<ike::ChildId>,
    /// `charon.port`, the source port of new IKE SAs.
    pub(crate) port: u16,
    /// What VICI commands work on.
    pub(crate) vici: vici::server::State,
    /// The hardware offload of each installed SA, by SPI and destination.
    pub(crate) offloads: HashMap<(u32, IpAddr), install::Offload>,
    /// Trap policies and the acquires in progress.
    pub(crate) traps: crate::trap::Traps,
    /// Virtual IPs installed for IKE SAs.
    pub(crate) vips: crate::vips::Vips,
    /// What happens to SAs that go down.
    pub(crate) life: Lifecycle,
    /// The loggers a reload reconfigures (none in tests).
    pub(crate) reload: Option<crate::reload::Reload>,
    /// What metrics count beyond the core's counters.
    pub(crate) metrics: crate::metrics::DaemonCounters,
    /// Scrapes of the metrics listener, if one is configured.
    pub(crate) scrapes: Option<mpsc::Receiver<crate::metrics::Scrape>>,
}

impl Driver {
    /// A driver for `endpoint`, whose clock starts now.
    pub(crate) fn new(
        mut endpoint: Endpoint,
        sockets: Sockets,
        installer: Box<dyn Installer>,
        replay_window: u32,
        port: u16,
        vici: vici::server::State,
    ) -> Self {
        endpoint.set_address_pools(vici.pools.clone());
        Self {
            endpoint,
            sockets,
            installer,
            epoch: Instant::now(),
            events: EventLog::default(),
            replay_window,
            refused: Vec::new(),
            port,
            vici,
            offloads: HashMap::new(),
            traps: crate::trap::Traps::default(),
            vips: crate::vips::Vips::default(),
            life: Lifecycle::default(),
            reload: None,
            metrics: crate::metrics::DaemonCounters::default(),
            scrapes: None,
        }
    }

    pub(crate) fn now(&self) -> ike::time::Instant {
        ike::time::Instant::from_duration(self.epoch.elapsed())
    }

    /// Starts `starts`, then runs until SIGTERM or SIGINT and the deletes
    /// that follow are done; IKE messages arrive on `rx`, VICI clients'
    /// packets on `vici_rx`.
    ///
    /// # Errors
    /// None yet (the signal handlers are in place already).
    pub(crate) async fn run(
        mut self,
        starts: &[Start],
        signals: Signals,
        mut rx: mpsc::Receiver<Datagram>,
        mut vici_rx: mpsc::Receiver<Inbound>,
    ) -> io::Result<()> {
        let Signals {
            mut term,
            mut int,
            mut hup,
        } = signals;
        let mut kernel = self.installer.events();
        let mut scrapes = self.scrapes.take();
        self.trap_start_actions(None);
        self.start(starts);
        self.drain().await;
        let mut shutdown: Option<Instant> = None;
        loop {
            let timer = self
                .endpoint
                .poll_timeout()
                .map(|at| self.epoch + at.as_duration());
            tokio::select! {
                Some(datagram) = rx.recv() => self.datagram(datagram),
                Some(event) = recv_some(&mut kernel) => self.kernel_event(&event),
                Some(scrape) = recv_some(&mut scrapes) => {
                    let _ = scrape.send(self.metrics_text());
                }
                () = sleep_until_some(timer) => self.endpoint.handle_timeout(self.now()),
                _ = term.recv() => shutdown = Some(self.shutdown(shutdown, "SIGTERM")),
                _ = int.recv() => shutdown = Some(self.shutdown(shutdown, "SIGINT")),
                _ = hup.recv() => self.sighup(),
                () = sleep_until_some(shutdown) => break,
                Some(inbound) = vici_rx.recv() => self.vici_inbound(inbound),
                () = sleep_until_some(self.vici_deadline()) => self.vici_timeouts(),
            }
            self.drain().await;
            self.vici_flush_logs(None);
            self.vici.tap.set_sa(None);
            if shutdown.is_some() && self.endpoint.sas().next().is_none() {
                break;
            }
        }
        if let Err(e) = self.installer.flush() {
            tracing::warn!(target: "knl", "flushing SAs and policies failed: {e}");
        }
        tracing::info!(target: "dmn", "daemon shut down");
        Ok(())
    }

    /// Initiates the `start_action = start` children: the first of each
    /// connection with a new IKE SA, the others with CREATE_CHILD_SA on it.
    pub(crate) fn start(&mut self, starts: &[Start]) {
        let mut conns: Vec<(&Start, Vec<String>)> = Vec::new();
        for s in starts {
            match conns.iter_mut().find(|(first, _)| first.conn == s.conn) {
                Some((_, children)) => children.push(s.child.clone()),
                None => conns.push((s, vec![s.child.clone()])),
            }
        }
        for (s, children) in conns {
            let Some(local) = s.local.or_else(|| route_source(s.remote)) else {
                tracing::warn!(target: "cfg", "no route to {}, not starting {}", s.remote, s.child);
                continue;
            };
            tracing::info!(target: "cfg", "initiating '{}' ({}) to {}", s.child, s.conn, s.remote);
            let local = SocketAddr::new(local, self.port);
            if let Err(e) = self.initiate_children(&s.conn, &children, (local, s.remote), 1) {
                tracing::warn!(target: "cfg", "unable to initiate {}: {e}", s.conn);
            }
        }
    }

    fn datagram(&mut self, d: Datagram) {
        if self.vici.tap.wants_sa() {
            self.vici.tap.set_sa(self.sa_of(&d.data));
        }
        tracing::info!(target: "net", "received packet: from {} to {} ({} bytes)",
            Peer(d.remote), Peer(d.local), d.wire_len);
        let now = self.now();
        let incoming = self
            .endpoint
            .handle_datagram(now, d.local, d.remote, &d.data);
        if let Some(incoming) = incoming {
            tracing::info!(target: "ike", "{} is initiating an IKE_SA", d.remote.ip());
            if let Some(sa) = self.endpoint.admit(now, incoming)
                && let Some(info) = self.endpoint.sa(sa)
            {
                self.events.named(sa, &info.name);
            }
        }
    }

    /// The IKE SA an IKE message belongs to, by its SPIs (RFC 7296 §3.1),
    /// for the log lines VICI streams.
    fn sa_of(&self, data: &[u8]) -> Option<ike::SaHandle> {
        let spi = |at: usize| {
            let bytes = data.get(at..at + 8)?;
            Some(u64::from_be_bytes(bytes.try_into().ok()?))
        };
        let (i, r) = (spi(0)?, spi(8)?);
        self.endpoint
            .sas()
            .find(|s| s.spi_i == i && (s.spi_r == r || s.spi_r == 0 || r == 0))
            .map(|s| s.handle)
    }

    fn kernel_event(&mut self, event: &KernelEvent) {
        tracing::debug!(target: "knl", "{event:?}");
        if let KernelEvent::Expire { id, hard, .. } = event {
            tracing::info!(target: "knl", "{} expire for SPI {:08x}",
                if *hard { "hard" } else { "soft" }, id.spi);
        }
        if let Some(event) = core_event(event) {
            self.endpoint.handle_kernel_event(self.now(), event);
        }
        self.acquire(event);
    }

    /// Deletes every IKE SA (once) and returns when to give up waiting.
    fn shutdown(&mut self, pending: Option<Instant>, signal: &str) -> Instant {
        if let Some(deadline) = pending {
            return deadline;
        }
        tracing::info!(target: "dmn", "{signal} received, shutting down");
        self.flush_traps();
        self.life.stop();
        let now = self.now();
        let handles: Vec<ike::SaHandle> = self.endpoint.sas().map(|sa| sa.handle).collect();
        for sa in handles {
            self.endpoint.delete_ike(now, sa);
        }
        Instant::now() + SHUTDOWN_WAIT
    }

    /// Executes every queued action, in order.
    async fn drain(&mut self) {
        loop {
            self.drain_actions().await;
            let closed = self.life.settle(&self.vici.conns);
            if closed.is_empty() {
                break;
            }
            self.decide(closed);
        }
    }

    async fn drain_actions(&mut self) {
        while let Some(action) = self.endpoint.poll_action() {
            if let Some(sa) = action_sa(&action) {
                self.vici.tap.set_sa(Some(sa));
            }
            match action {
                Action::Transmit(t) => self.sockets.send(&t).await,
                Action::InstallSa(sa) => self.install_sa(&sa),
                Action::DeleteSa(sa) => {
                    self.offloads.remove(&(sa.spi, sa.dst.ip()));
                    install::del_sa(self.installer.as_mut(), &sa);
                }
                Action::InstallPolicy(p) => install::add_policies(self.installer.as_mut(), &p),
                Action::DeletePolicy(p) => install::del_policies(self.installer.as_mut(), &p),
                Action::Event(e) => {
                    let e = self.checked_event(e);
                    self.events.log(&self.endpoint, &e);
                    self.metrics.observe(&e);
                    self.trap_event(&e);
                    self.vip_event(&e);
                    self.after(&e);
                    self.vici_notify(&e);
                    self.vici_complete(&e);
                }
            }
        }
    }
}

/// The IKE SA an action is about, where it says.
const fn action_sa(action: &Action) -> Option<ike::SaHandle> {
    match action {
        Action::InstallSa(sa) => Some(sa.ike_sa),
        Action::InstallPolicy(p) | Action::DeletePolicy(p) => Some(p.ike_sa),
        Action::Event(
            ike::Event::IkeUp { sa, .. }
            | ike::Event::IkeDown { sa, .. }
            | ike::Event::ChildUp { sa, .. }
            | ike::Event::ChildFailed { sa, .. }
            | ike::Event::ChildDown { sa, .. }
            | ike::Event::ChildRekeyed { sa, .. },
        ) => Some(*sa),
        Action::Event(ike::Event::IkeRekeyed { new, .. }) => Some(*new),
        _ => None,
    }
}

/// The next item of an optional channel; never without one.
async fn recv_some<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => core::future::pending().await,
    }
}

/// Sleeps until `at`, or forever without one.
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => core::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use esp_install::{Protocol, SaId, Selector};

    #[test]
    fn expiries_reach_the_core_by_spi_and_acquires_do_not() {
        let id = SaId {
            spi: 0xc1c2_c3c4,
            dst: "192.0.2.1".parse().unwrap(),
            protocol: Protocol::Esp,
        };
        let expire = KernelEvent::Expire {
            id,
            reqid: 1,
            hard: true,
        };
        assert_eq!(
            core_event(&expire),
            Some(ike::KernelEvent::Expire {
                protocol: ProtocolId::ESP,
                spi: 0xc1c2_c3c4,
                hard: true
            })
        );
        let any = Selector {
            from: "10.0.0.1".parse().unwrap(),
            to: "10.0.0.1".parse().unwrap(),
            protocol: 0,
            from_port: 0,
            to_port: u16::MAX,
        };
        let acquire = KernelEvent::Acquire {
            reqid: 1,
            src: any,
            dst: any,
        };
        assert_eq!(core_event(&acquire), None);
    }
}
