//! The userspace data path: SAD (inbound by SPI, outbound by reqid), SPD,
//! per-reason drop counters and the event queue. Sans-IO: the caller
//! passes packets in caller-owned [`Frame`]s and the time as `now`.

use core::net::{IpAddr, SocketAddr};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::error::{DropCounters, DropReason, SaError};
use super::event::{Event, SaRef};
use super::frame::Frame;
use super::inbound::Outer;
use super::sa::{Events, Sa, SaConfig, SaStats};
use super::spd::{Policy, PolicyAction, Spd};
use super::wire::esp::{self as esp_wire, EspPacket, UdpPayload};
use super::wire::flow::{Flow, IpInfo};
use crate::{Direction, Mode, SaId};

/// How long an acquire for one reqid suppresses the next (the kernel's
/// default `xfrm_acq_expires`).
pub const ACQUIRE_INTERVAL: Duration = Duration::from_secs(30);

const UDP: u8 = 17;
const UDP_HEADER_LEN: usize = 8;

/// Whether an acquire sent at `at` still suppresses another at `now`.
fn acquire_pending(at: Instant, now: Instant) -> bool {
    at.checked_add(ACQUIRE_INTERVAL)
        .is_some_and(|end| now < end)
}

/// Where a protected packet goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// The SA that protected it.
    pub sa: SaRef,
    /// Outer source (address and, with `encap`, UDP port).
    pub src: SocketAddr,
    /// Outer destination.
    pub dst: SocketAddr,
    /// Send `frame[esp_offset..]` as UDP payload (RFC 3948), else as IP
    /// protocol 50.
    pub encap: bool,
    /// Where ESP starts in the frame: 0 in tunnel mode, the IP header
    /// length in transport mode (the whole frame is then a complete IP
    /// packet for `IP_HDRINCL`-style sending).
    pub esp_offset: usize,
    /// DSCP and ECN of the protected packet, for the outer header (RFC
    /// 4301 §5.1.2.1, RFC 6040 §4.1 normal mode).
    pub tos: u8,
}

/// What was recovered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inbound {
    /// The SA that verified it.
    pub sa: SaRef,
    /// Its mode.
    pub mode: Mode,
    /// IP version of the packet now in the frame.
    pub version: u8,
}

struct Entry {
    /// Install order: the newest outbound SA of a reqid is used.
    serial: u64,
    sa: Sa,
}

/// SAD, SPD, counters and events of the userspace data path.
#[derive(Default)]
pub struct Dataplane {
    entries: Vec<Option<Entry>>,
    serial: u64,
    inbound: HashMap<u32, usize>,
    outbound: HashMap<u32, usize>,
    spd: Spd,
    events: Events,
    acquired: HashMap<u32, Instant>,
    drops: DropCounters,
}

impl core::fmt::Debug for Dataplane {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dataplane")
            .field("sas", &self.entries.iter().flatten().count())
            .field("policies", &self.spd.len())
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Dataplane {
    /// An empty data path.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs one SA direction.
    ///
    /// # Errors
    /// [`SaError`] for bad algorithms, keys or windows; [`SaError::Exists`]
    /// for a second inbound SA with the same SPI or outbound SA with the
    /// same SPI and destination.
    pub fn add_sa(&mut self, now: Instant, config: SaConfig) -> Result<SaRef, SaError> {
        let sa = Sa::new(config, now)?;
        let sa_ref = sa.sa_ref;
        if self.find(&sa_ref.id, Some(sa_ref.direction)).is_some() {
            return Err(SaError::Exists);
        }
        self.serial += 1;
        let entry = Entry {
            serial: self.serial,
            sa,
        };
        let slot = match self.entries.iter().position(Option::is_none) {
            Some(slot) => {
                self.entries[slot] = Some(entry);
                slot
            }
            None => {
                self.entries.push(Some(entry));
                self.entries.len() - 1
            }
        };
        match sa_ref.direction {
            Direction::In => {
                self.inbound.insert(sa_ref.id.spi, slot);
            }
            Direction::Out => {
                self.outbound.insert(sa_ref.reqid, slot);
                self.acquired.remove(&sa_ref.reqid);
            }
        }
        Ok(sa_ref)
    }

    /// Removes an SA (inbound first); whether there was one.
    pub fn del_sa(&mut self, id: &SaId) -> bool {
        let Some(slot) = self.find(id, None) else {
            return false;
        };
        let Some(entry) = self.entries[slot].take() else {
            return false;
        };
        let sa_ref = entry.sa.sa_ref;
        match sa_ref.direction {
            Direction::In => {
                self.inbound.remove(&sa_ref.id.spi);
            }
            Direction::Out => {
                if self.outbound.get(&sa_ref.reqid) == Some(&slot) {
                    self.outbound.remove(&sa_ref.reqid);
                    if let Some(next) = self.newest_outbound(sa_ref.reqid) {
                        self.outbound.insert(sa_ref.reqid, next);
                    }
                }
            }
        }
        true
    }

    /// Counters of an SA (inbound first).
    #[must_use]
    pub fn query_sa(&self, id: &SaId) -> Option<SaStats> {
        let slot = self.find(id, None)?;
        self.entries[slot].as_ref().map(|e| e.sa.stats)
    }

    /// Adds an outbound policy.
    pub fn add_policy(&mut self, policy: Policy) {
        self.spd.insert(policy);
    }

    /// Removes an outbound policy; whether it was there.
    pub fn del_policy(&mut self, policy: &Policy) -> bool {
        self.spd.remove(policy)
    }

    /// Removes every SA and policy; events already queued stay.
    pub fn flush(&mut self) {
        self.entries.clear();
        self.inbound.clear();
        self.outbound.clear();
        self.spd.clear();
        self.acquired.clear();
    }

    /// The next queued event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Fires the time limits `now` reached.
    pub fn tick(&mut self, now: Instant) {
        for entry in self.entries.iter_mut().flatten() {
            entry.sa.check_time(now, &mut self.events);
        }
        self.acquired.retain(|_, at| acquire_pending(*at, now));
    }

    /// When [`tick`](Self::tick) has something to do next.
    #[must_use]
    pub fn next_timeout(&self) -> Option<Instant> {
        self.entries
            .iter()
            .flatten()
            .filter_map(|e| e.sa.next_deadline())
            .min()
    }

    /// Packets dropped so far, per reason.
    #[must_use]
    pub fn drops(&self) -> &DropCounters {
        &self.drops
    }

    /// Protects the IP packet in `frame` (from the TUN device): SPD lookup,
    /// the newest outbound SA of the policy's reqid, ESP. On success the
    /// frame holds what to send (see [`Outbound::esp_offset`]).
    ///
    /// # Errors
    /// The [`DropReason`]; the frame's content is then unspecified.
    pub fn encapsulate(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
    ) -> Result<Outbound, DropReason> {
        self.encapsulate_with_iv(now, frame, None)
            .inspect_err(|reason| self.drops.count(*reason))
    }

    /// [`encapsulate`](Self::encapsulate) for each frame, results in the
    /// same order (up to the shorter of both slices).
    pub fn encapsulate_batch(
        &mut self,
        now: Instant,
        frames: &mut [Frame<'_>],
        results: &mut [Result<Outbound, DropReason>],
    ) {
        for (frame, result) in frames.iter_mut().zip(results) {
            *result = self.encapsulate(now, frame);
        }
    }

    pub(crate) fn encapsulate_with_iv(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
        iv: Option<&[u8]>,
    ) -> Result<Outbound, DropReason> {
        let (info, flow) = Flow::parse(frame.packet()).map_err(|_| DropReason::MalformedPacket)?;
        let reqid = match self.spd.lookup(&flow).map(|p| p.action) {
            Some(PolicyAction::Protect { reqid }) => reqid,
            Some(PolicyAction::Discard) => return Err(DropReason::PolicyDiscard),
            Some(PolicyAction::Bypass) => return Err(DropReason::PolicyBypass),
            None => return Err(DropReason::NoPolicy),
        };
        let Some(slot) = self.outbound.get(&reqid).copied() else {
            self.acquire(now, reqid, flow);
            return Err(DropReason::NoSa);
        };
        let sa = match self.entries.get_mut(slot) {
            Some(Some(entry)) => &mut entry.sa,
            _ => return Err(DropReason::NoSa),
        };
        let esp_offset = sa.seal(now, frame, &info, &mut self.events, iv)?;
        Ok(Outbound {
            sa: sa.sa_ref,
            src: sa.src,
            dst: sa.dst,
            encap: sa.encap,
            esp_offset,
            tos: info.tos,
        })
    }

    fn acquire(&mut self, now: Instant, reqid: u32, flow: Flow) {
        let recent = self
            .acquired
            .get(&reqid)
            .is_some_and(|at| now < *at + ACQUIRE_INTERVAL);
        if !recent {
            self.acquired.insert(reqid, now);
            self.events.push_back(Event::Acquire { reqid, flow });
        }
    }

    /// Verifies and decrypts the ESP packet in `frame` (a UDP payload from
    /// port 4500 after [`classify_udp`](super::wire::esp::classify_udp),
    /// or the payload of an IP protocol 50 packet) sent from `src` to
    /// `dst`; leaves the recovered IP packet for the TUN device in the
    /// frame. Transport mode builds its IP header from `src` and `dst`.
    ///
    /// # Errors
    /// The [`DropReason`]; the frame's content is then unspecified.
    pub fn decapsulate(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
        src: IpAddr,
        dst: IpAddr,
    ) -> Result<Inbound, DropReason> {
        self.open(now, frame, 0, &Outer::Addrs { src, dst })
            .inspect_err(|reason| self.drops.count(*reason))
    }

    /// [`decapsulate`](Self::decapsulate) for each frame with its outer
    /// addresses, results in the same order.
    pub fn decapsulate_batch(
        &mut self,
        now: Instant,
        frames: &mut [(Frame<'_>, IpAddr, IpAddr)],
        results: &mut [Result<Inbound, DropReason>],
    ) {
        for ((frame, src, dst), result) in frames.iter_mut().zip(results) {
            *result = self.decapsulate(now, frame, *src, *dst);
        }
    }

    /// As [`decapsulate`](Self::decapsulate) for a whole IP packet carrying
    /// ESP (protocol 50) or ESP-in-UDP. Transport mode keeps its IP header
    /// and rewrites protocol, length and checksum.
    ///
    /// # Errors
    /// The [`DropReason`]; the frame's content is then unspecified.
    pub fn decapsulate_ip(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
    ) -> Result<Inbound, DropReason> {
        self.decapsulate_ip_inner(now, frame)
            .inspect_err(|reason| self.drops.count(*reason))
    }

    fn decapsulate_ip_inner(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
    ) -> Result<Inbound, DropReason> {
        let outer = IpInfo::parse(frame.packet()).map_err(|_| DropReason::MalformedOuter)?;
        if outer.non_first_fragment || !frame.narrow(0..outer.total_len) {
            return Err(DropReason::MalformedOuter);
        }
        let esp_offset = match outer.protocol {
            esp_wire::PROTOCOL => outer.header_len,
            UDP => {
                let start = outer.header_len + UDP_HEADER_LEN;
                let payload = frame
                    .packet()
                    .get(start..)
                    .ok_or(DropReason::MalformedOuter)?;
                match esp_wire::classify_udp(payload) {
                    Ok(UdpPayload::Esp) => start,
                    _ => return Err(DropReason::MalformedOuter),
                }
            }
            _ => return Err(DropReason::MalformedOuter),
        };
        self.open(now, frame, esp_offset, &Outer::Header(outer))
    }

    fn open(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
        esp_offset: usize,
        outer: &Outer,
    ) -> Result<Inbound, DropReason> {
        let esp = frame
            .packet()
            .get(esp_offset..)
            .ok_or(DropReason::Truncated)?;
        let spi = EspPacket::new_checked(esp)
            .map_err(|_| DropReason::Truncated)?
            .spi();
        let slot = *self.inbound.get(&spi).ok_or(DropReason::UnknownSpi)?;
        let sa = match self.entries.get_mut(slot) {
            Some(Some(entry)) => &mut entry.sa,
            _ => return Err(DropReason::UnknownSpi),
        };
        let info = sa.open(now, frame, esp_offset, outer, &mut self.events)?;
        Ok(Inbound {
            sa: sa.sa_ref,
            mode: sa.mode,
            version: info.version,
        })
    }

    /// The slot of an SA by identity, in one direction or inbound first.
    fn find(&self, id: &SaId, direction: Option<Direction>) -> Option<usize> {
        let matches = |dir: Direction| {
            self.entries.iter().position(|e| {
                e.as_ref()
                    .is_some_and(|e| e.sa.sa_ref.id == *id && e.sa.sa_ref.direction == dir)
            })
        };
        match direction {
            Some(Direction::In) => {
                // inbound SPIs are unique whatever the destination
                self.inbound.get(&id.spi).copied()
            }
            Some(dir) => matches(dir),
            None => matches(Direction::In).or_else(|| matches(Direction::Out)),
        }
    }

    /// Sets the last sequence number sent by the outbound SA of `reqid`.
    #[cfg(test)]
    pub(crate) fn set_sequence(&mut self, reqid: u32, seq: u64) {
        if let Some(Some(entry)) = self
            .outbound
            .get(&reqid)
            .map(|slot| &mut self.entries[*slot])
        {
            entry.sa.seq = seq;
        }
    }

    fn newest_outbound(&self, reqid: u32) -> Option<usize> {
        let candidates = self.entries.iter().enumerate().filter_map(|(slot, e)| {
            let e = e.as_ref()?;
            let sa = &e.sa.sa_ref;
            (sa.direction == Direction::Out && sa.reqid == reqid && e.sa.expired.is_none())
                .then_some((e.serial, slot))
        });
        candidates.max().map(|(_, slot)| slot)
    }
}
