//! Two endpoints joined by an in-memory network with a virtual clock,
//! latency, loss, duplication and reordering (quinn's `Pair`), and a
//! recording data plane per side.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::action::{Action, ChildId, Direction, Event, PolicySpec, SaInstall, Transmit};
use crate::auth::Credentials;
use crate::config::IkeConfig;
use crate::crypto::{Secret, SecureRandom, TestRng, test_provider};
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::natt::{NON_ESP_MARKER, strip_non_esp_marker};
use crate::wire::{Identification, Message};
use crate::{Endpoint, SaHandle};

/// Shared keys by identity pair; `any` answers every lookup.
#[derive(Debug, Default)]
pub(crate) struct Psks {
    pub(crate) any: Option<Vec<u8>>,
}

impl Credentials for Psks {
    fn shared_key(&self, _me: &Identification, _peer: Option<&Identification>) -> Option<Secret> {
        self.any.clone().map(Secret::from)
    }
}

/// One installed SA as the recording data plane keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Installed {
    pub(crate) child: ChildId,
    pub(crate) reqid: u32,
    pub(crate) direction: Direction,
    pub(crate) encr_key: Vec<u8>,
    pub(crate) integ_key: Vec<u8>,
    pub(crate) encap: bool,
}

/// What a side's data plane holds.
#[derive(Debug, Default)]
pub(crate) struct Kernel {
    /// By SPI.
    pub(crate) sas: BTreeMap<u32, Installed>,
    /// By reqid.
    pub(crate) policies: BTreeMap<u32, PolicySpec>,
    /// Every action in order, summarized ("install in 1a2b3c4d", "transmit").
    pub(crate) log: Vec<String>,
}

impl Kernel {
    fn apply(&mut self, action: &Action) {
        match action {
            Action::InstallSa(sa) => {
                self.log
                    .push(format!("install {:?} {:08x}", sa.direction, sa.spi));
                self.sas.insert(sa.spi, installed(sa));
            }
            Action::DeleteSa(sa) => {
                self.log
                    .push(format!("delete {:?} {:08x}", sa.direction, sa.spi));
                assert!(
                    self.sas.remove(&sa.spi).is_some(),
                    "deleting unknown SA {:08x}",
                    sa.spi
                );
            }
            Action::InstallPolicy(p) => {
                self.log.push(format!("policy {}", p.reqid));
                assert!(
                    self.policies.insert(p.reqid, p.clone()).is_none(),
                    "policy twice"
                );
            }
            Action::DeletePolicy(p) => {
                self.log.push(format!("unpolicy {}", p.reqid));
                assert!(self.policies.remove(&p.reqid).is_some(), "unknown policy");
            }
            Action::Transmit(t) => self.log.push(format!("transmit {}", describe(t))),
            Action::Event(_) => {}
        }
    }

    /// SPIs by direction.
    pub(crate) fn spis(&self, direction: Direction) -> Vec<u32> {
        self.sas
            .iter()
            .filter(|(_, s)| s.direction == direction)
            .map(|(spi, _)| *spi)
            .collect()
    }
}

fn installed(sa: &SaInstall) -> Installed {
    Installed {
        child: sa.child,
        reqid: sa.reqid,
        direction: sa.direction,
        encr_key: sa.encr_key.as_bytes().to_vec(),
        integ_key: sa.integ_key.as_bytes().to_vec(),
        encap: sa.encap,
    }
}

/// "IKE_AUTH request 1" for a datagram.
fn describe(t: &Transmit) -> String {
    match Message::parse(&t.data) {
        Ok(m) => format!(
            "{} {} {}",
            m.exchange,
            if m.flags.is_response() {
                "response"
            } else {
                "request"
            },
            m.message_id
        ),
        Err(e) => format!("garbage: {e}"),
    }
}

/// One side: its endpoint, address and data plane.
pub(crate) struct Node {
    pub(crate) ep: Endpoint,
    pub(crate) addr: SocketAddr,
    seed: u64,
    pub(crate) kernel: Kernel,
    pub(crate) events: Vec<Event>,
    /// Sizes of the IKE messages it sent after IKE_SA_INIT.
    pub(crate) sizes: Vec<usize>,
    /// Datagrams on their way to this node: (arrival, transmit).
    inbound: VecDeque<(Instant, Transmit)>,
}

impl Node {
    pub(crate) fn new(seed: u64, addr: IpAddr, psk: &[u8], settings: Settings) -> Self {
        let creds = Arc::new(Psks {
            any: Some(psk.to_vec()),
        });
        Self {
            ep: Endpoint::new(test_provider(seed), settings, creds).unwrap(),
            addr: SocketAddr::new(addr, 500),
            seed,
            kernel: Kernel::default(),
            events: Vec::new(),
            sizes: Vec::new(),
            inbound: VecDeque::new(),
        }
    }

    /// Replaces the credentials (a fresh endpoint with the same configs).
    pub(crate) fn set_credentials(&mut self, credentials: Arc<dyn Credentials>) {
        let configs = self.ep.configs().to_vec();
        self.ep =
            Endpoint::new(test_provider(self.seed), Settings::default(), credentials).unwrap();
        for config in configs {
            self.ep.load_config(config);
        }
    }

    /// The only IKE SA (panics unless there is exactly one).
    pub(crate) fn sa(&self) -> crate::IkeSaInfo {
        let sas: Vec<_> = self.ep.sas().collect();
        assert_eq!(sas.len(), 1, "expected one IKE SA, have {sas:#?}");
        sas.into_iter().next().unwrap()
    }

    /// Takes the events so far.
    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }
}

/// Network impairments, as probabilities per datagram.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Impairments {
    pub(crate) loss: f64,
    pub(crate) duplicate: f64,
    /// Extra delay of up to `latency` for a datagram (reordering).
    pub(crate) reorder: f64,
}

/// Two endpoints, A (initiator by convention) at 192.0.2.1 and B at
/// 192.0.2.2.
pub(crate) struct Pair {
    pub(crate) a: Node,
    pub(crate) b: Node,
    pub(crate) now: Instant,
    pub(crate) latency: Duration,
    pub(crate) impair: Impairments,
    /// Drop the next N datagrams sent by A / by B.
    pub(crate) drop_from_a: usize,
    pub(crate) drop_from_b: usize,
    /// Extra delay for the next datagram sent by B (reordering on demand).
    pub(crate) delay_next_from_b: Option<Duration>,
    /// A sits behind a NAT with this public address (ports map +1000).
    pub(crate) nat_a: Option<IpAddr>,
    rng: TestRng,
}

pub(crate) const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
pub(crate) const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

impl Pair {
    pub(crate) fn new(a: IkeConfig, b: IkeConfig) -> Self {
        Self::with_psks(a, b, b"secret-psk-0123456789", b"secret-psk-0123456789")
    }

    pub(crate) fn with_psks(a: IkeConfig, b: IkeConfig, psk_a: &[u8], psk_b: &[u8]) -> Self {
        Self::build(
            a,
            b,
            (psk_a, psk_b),
            (Settings::default(), Settings::default()),
            (1, 2),
        )
    }

    /// A pair with its own settings and RNG seeds per side.
    pub(crate) fn with_settings(
        a: IkeConfig,
        b: IkeConfig,
        settings: (Settings, Settings),
        seeds: (u64, u64),
    ) -> Self {
        let psk = b"secret-psk-0123456789";
        Self::build(a, b, (psk, psk), settings, seeds)
    }

    fn build(
        a: IkeConfig,
        b: IkeConfig,
        (psk_a, psk_b): (&[u8], &[u8]),
        (settings_a, settings_b): (Settings, Settings),
        (seed_a, seed_b): (u64, u64),
    ) -> Self {
        let mut pair = Self {
            a: Node::new(seed_a, A, psk_a, settings_a),
            b: Node::new(seed_b, B, psk_b, settings_b),
            now: Instant::ZERO,
            latency: Duration::from_millis(10),
            impair: Impairments::default(),
            drop_from_a: 0,
            drop_from_b: 0,
            rng: TestRng::new(99 ^ seed_a ^ (seed_b << 8)),
            nat_a: None,
            delay_next_from_b: None,
        };
        pair.a.ep.load_config(Arc::new(a));
        pair.b.ep.load_config(Arc::new(b));
        pair
    }

    /// A initiates `conn` with `child` towards B.
    pub(crate) fn initiate(&mut self, conn: &str, child: Option<&str>) -> SaHandle {
        let handle = self
            .a
            .ep
            .initiate(self.now, conn, child, self.a.addr, self.b.addr)
            .unwrap();
        self.flush();
        handle
    }

    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let mut bytes = [0u8; 8];
        self.rng.fill(&mut bytes).unwrap();
        (u64::from_be_bytes(bytes) as f64 / u64::MAX as f64) < p
    }

    /// Drains both endpoints' actions into the data planes and the network.
    pub(crate) fn flush(&mut self) {
        for from_a in [true, false] {
            loop {
                let node = if from_a { &mut self.a } else { &mut self.b };
                let Some(action) = node.ep.poll_action() else {
                    break;
                };
                node.kernel.apply(&action);
                match action {
                    Action::Transmit(t) => {
                        if Message::parse(&t.data).is_ok_and(|m| m.message_id > 0) {
                            node.sizes.push(t.data.len());
                        }
                        self.send(from_a, t);
                    }
                    Action::Event(e) => node.events.push(e),
                    _ => {}
                }
            }
        }
    }

    /// A NAT in front of A: A's source becomes the public address (port
    /// + 1000) on the way out, and back on the way in.
    fn translate(&self, from_a: bool, mut t: Transmit) -> Transmit {
        let Some(public) = self.nat_a else {
            return t;
        };
        if from_a {
            t.local = SocketAddr::new(public, t.local.port() + 1000);
        } else if t.remote.ip() == public {
            t.remote = SocketAddr::new(self.a.addr.ip(), t.remote.port() - 1000);
        }
        t
    }

    fn send(&mut self, from_a: bool, t: Transmit) {
        let t = self.translate(from_a, t);
        let dropper = if from_a {
            &mut self.drop_from_a
        } else {
            &mut self.drop_from_b
        };
        if *dropper > 0 {
            *dropper -= 1;
            return;
        }
        if self.chance(self.impair.loss) {
            return;
        }
        let held = if from_a {
            None
        } else {
            self.delay_next_from_b.take()
        };
        let copies = if self.chance(self.impair.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let extra = if self.chance(self.impair.reorder) {
                self.latency
            } else {
                Duration::ZERO
            };
            let at = self.now + self.latency + extra + held.unwrap_or_default();
            let to = if from_a { &mut self.b } else { &mut self.a };
            let pos = to
                .inbound
                .iter()
                .position(|(t, _)| *t > at)
                .unwrap_or(to.inbound.len());
            to.inbound.insert(pos, (at, t.clone()));
        }
    }

    fn deliver(&mut self, to_a: bool, t: Transmit) {
        let node = if to_a { &mut self.a } else { &mut self.b };
        // what a NAT-T socket sees: the marker, stripped by the driver
        let bytes = if t.non_esp_marker {
            let mut wire = NON_ESP_MARKER.to_vec();
            wire.extend_from_slice(&t.data);
            strip_non_esp_marker(&wire).map(<[u8]>::to_vec).unwrap()
        } else {
            t.data.clone()
        };
        if let Some(incoming) = node.ep.handle_datagram(self.now, t.remote, t.local, &bytes) {
            let _ = node.ep.admit(self.now, incoming);
        }
    }

    fn next_arrival(&self) -> Option<(Instant, bool)> {
        let a = self.a.inbound.front().map(|(t, _)| (*t, true));
        let b = self.b.inbound.front().map(|(t, _)| (*t, false));
        [a, b].into_iter().flatten().min_by_key(|(t, _)| *t)
    }

    /// One event: the next arrival or timeout, whichever is first.
    /// Returns `false` when nothing is pending before `until`.
    pub(crate) fn step(&mut self, until: Instant) -> bool {
        let timeout = [self.a.ep.poll_timeout(), self.b.ep.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        match (self.next_arrival(), timeout) {
            (Some((at, to_a)), t) if t.is_none_or(|t| at <= t) && at <= until => {
                self.now = self.now.max(at);
                let node = if to_a { &mut self.a } else { &mut self.b };
                let (_, datagram) = node.inbound.pop_front().unwrap();
                self.deliver(to_a, datagram);
            }
            (_, Some(t)) if t <= until => {
                self.now = self.now.max(t);
                self.a.ep.handle_timeout(self.now);
                self.b.ep.handle_timeout(self.now);
            }
            _ => return false,
        }
        self.flush();
        true
    }

    /// Runs until nothing is in flight and neither side has a request
    /// outstanding (timers far in the future, such as rekeys, stay).
    pub(crate) fn drive(&mut self) {
        for _ in 0..10_000 {
            let busy = self.a.ep.busy() || self.b.ep.busy();
            if self.next_arrival().is_none() && !busy {
                return;
            }
            if !self.step(Instant::from_duration(Duration::MAX)) {
                return;
            }
        }
        panic!("no convergence after 10000 steps");
    }

    /// Runs everything due up to `now + d`, then sets the clock there.
    pub(crate) fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        for _ in 0..100_000 {
            if !self.step(until) {
                break;
            }
        }
        self.now = self.now.max(until);
    }
}
