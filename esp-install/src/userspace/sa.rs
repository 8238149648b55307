//! One SA direction of the userspace data path: configuration, keys,
//! counters, lifetimes (RFC 4301 §4.4.2.1 "Lifetime of this SA") and the
//! sequence counter (RFC 4303 §3.3.3).

use core::net::SocketAddr;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::cipher::Transform;
use super::cipher::{encr, integ};
use super::error::{DropReason, SaError};
use super::event::{Event, ExpireCause, SaRef};
use super::replay::ReplayWindow;
use super::spd::selectors_match;
use super::wire::flow::Flow;
use crate::{
    Aead, Algorithms, Direction, Encryption, IcvLen, Integrity, Key, Mode, Protocol, SaId, SaSpec,
    Selector,
};

/// Soft, then hard limits; zero or `None` is off. Time counts from the
/// moment the SA was added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Soft byte limit.
    pub soft_bytes: u64,
    /// Hard byte limit.
    pub hard_bytes: u64,
    /// Soft packet limit.
    pub soft_packets: u64,
    /// Hard packet limit.
    pub hard_packets: u64,
    /// Soft lifetime.
    pub soft_time: Option<Duration>,
    /// Hard lifetime.
    pub hard_time: Option<Duration>,
}

/// Everything the data path needs to build one SA direction.
#[derive(Clone, Debug)]
pub struct SaConfig {
    /// The SPI.
    pub spi: u32,
    /// In or out.
    pub direction: Direction,
    /// Outer source address and port (ours for outbound SAs).
    pub src: SocketAddr,
    /// Outer destination address and port.
    pub dst: SocketAddr,
    /// Binds the SA to its policies.
    pub reqid: u32,
    /// Tunnel or transport.
    pub mode: Mode,
    /// ESP in UDP (RFC 3948).
    pub encap: bool,
    /// Encryption transform ID (see [`encr`](super::encr)).
    pub encr_alg: u16,
    /// Encryption key, AEAD salt at the end.
    pub encr_key: Key,
    /// Integrity transform ID (see [`integ`](super::integ)), `None` for AEAD.
    pub integ_alg: Option<u16>,
    /// Integrity key.
    pub integ_key: Key,
    /// Extended sequence numbers.
    pub esn: bool,
    /// Anti-replay window in packets, 0 for none (inbound only).
    pub replay_window: u32,
    /// Lifetimes.
    pub limits: Limits,
    /// Our side's selectors.
    pub local_ts: Vec<Selector>,
    /// The peer's selectors.
    pub remote_ts: Vec<Selector>,
}

impl SaConfig {
    /// The data path's view of an installer SA.
    ///
    /// # Errors
    /// [`SaError::UnsupportedEncryption`]/[`SaError::UnsupportedIntegrity`]
    /// for transforms the data path lacks (AES-CCM, AES-CTR, XCBC, CMAC,
    /// AH).
    pub fn from_spec(spec: &SaSpec) -> Result<Self, SaError> {
        let (encr_alg, encr_key, integ_alg, integ_key) = transforms(&spec.algorithms)?;
        let time = |secs: u64| (secs > 0).then(|| Duration::from_secs(secs));
        let (soft, hard) = (spec.lifetime.soft, spec.lifetime.hard);
        Ok(Self {
            spi: spec.id.spi,
            direction: spec.direction,
            src: spec.src,
            dst: spec.dst,
            reqid: spec.reqid,
            mode: spec.mode,
            encap: spec.encap,
            encr_alg,
            encr_key,
            integ_alg,
            integ_key,
            esn: spec.esn,
            replay_window: spec.replay_window,
            limits: Limits {
                soft_bytes: soft.bytes,
                hard_bytes: hard.bytes,
                soft_packets: soft.packets,
                hard_packets: hard.packets,
                soft_time: time(soft.time),
                hard_time: time(hard.time),
            },
            local_ts: spec.local_ts.clone(),
            remote_ts: spec.remote_ts.clone(),
        })
    }
}

/// Counters of one SA (what `query_sa` reports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaStats {
    /// Octets of the IP packets protected or recovered (before ESP).
    pub bytes: u64,
    /// Packets protected or recovered.
    pub packets: u64,
    /// When the SA last carried a packet.
    pub last_used: Option<Instant>,
    /// Inbound packets refused by the replay window.
    pub replayed: u64,
    /// Inbound packets whose ICV failed.
    pub integrity_failed: u64,
}

/// Sequence numbers left when the soft event asks for a rekey: 1/8 of the
/// space, 2^29 packets without ESN.
const SEQUENCE_SOFT_FRACTION: u64 = 8;

pub(crate) type Events = VecDeque<Event>;

/// One SA direction.
pub(crate) struct Sa {
    pub(crate) sa_ref: SaRef,
    pub(crate) src: SocketAddr,
    pub(crate) dst: SocketAddr,
    pub(crate) mode: Mode,
    pub(crate) encap: bool,
    pub(crate) transform: Transform,
    pub(crate) esn: bool,
    pub(crate) replay: ReplayWindow,
    /// Outbound: the last sequence number sent.
    pub(crate) seq: u64,
    limits: Limits,
    added: Instant,
    pub(crate) stats: SaStats,
    soft_sent: bool,
    /// Set by the hard limit that killed the SA.
    pub(crate) expired: Option<ExpireCause>,
    local_ts: Vec<Selector>,
    remote_ts: Vec<Selector>,
}

impl Sa {
    pub(crate) fn new(config: SaConfig, now: Instant) -> Result<Self, SaError> {
        if config.spi < 256 {
            return Err(SaError::ReservedSpi(config.spi));
        }
        let transform = Transform::new(
            config.encr_alg,
            config.encr_key.expose(),
            config.integ_alg,
            config.integ_key.expose(),
        )?;
        let window = match config.direction {
            Direction::In => config.replay_window,
            Direction::Out => 0,
        };
        let replay = ReplayWindow::new(window, config.esn).map_err(SaError::ReplayWindow)?;
        Ok(Self {
            sa_ref: SaRef {
                id: SaId {
                    spi: config.spi,
                    dst: config.dst.ip(),
                    protocol: Protocol::Esp,
                },
                direction: config.direction,
                reqid: config.reqid,
            },
            src: config.src,
            dst: config.dst,
            mode: config.mode,
            encap: config.encap,
            transform,
            esn: config.esn,
            replay,
            seq: 0,
            limits: config.limits,
            added: now,
            stats: SaStats::default(),
            soft_sent: false,
            expired: None,
            local_ts: config.local_ts,
            remote_ts: config.remote_ts,
        })
    }

    /// Fails once a hard limit was reached; checks the time limits first.
    pub(crate) fn usable(&mut self, now: Instant, events: &mut Events) -> Result<(), DropReason> {
        self.check_time(now, events);
        match self.expired {
            None => Ok(()),
            Some(ExpireCause::Sequence) => Err(DropReason::SequenceExhausted),
            Some(_) => Err(DropReason::SaExpired),
        }
    }

    /// Fires the time limits that `now` reached.
    pub(crate) fn check_time(&mut self, now: Instant, events: &mut Events) {
        if self
            .deadline(self.limits.hard_time)
            .is_some_and(|at| now >= at)
        {
            self.hard(ExpireCause::Time, events);
        } else if self
            .deadline(self.limits.soft_time)
            .is_some_and(|at| now >= at)
        {
            self.soft(ExpireCause::Time, events);
        }
    }

    /// The next time limit still to fire.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        if self.expired.is_some() {
            return None;
        }
        let soft = self
            .deadline(self.limits.soft_time)
            .filter(|_| !self.soft_sent);
        let hard = self.deadline(self.limits.hard_time);
        soft.into_iter().chain(hard).min()
    }

    fn deadline(&self, after: Option<Duration>) -> Option<Instant> {
        after.and_then(|d| self.added.checked_add(d))
    }

    /// The next outbound sequence number; the last one of the space
    /// (2^32 - 1, or 2^64 - 1 with ESN) kills the SA after it is used.
    pub(crate) fn next_seq(&mut self, events: &mut Events) -> Result<u64, DropReason> {
        let max = if self.esn {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        };
        if self.seq >= max {
            self.hard(ExpireCause::Sequence, events);
            return Err(DropReason::SequenceExhausted);
        }
        self.seq += 1;
        if self.seq == max {
            self.hard(ExpireCause::Sequence, events);
        } else if self.seq >= max - max / SEQUENCE_SOFT_FRACTION {
            self.soft(ExpireCause::Sequence, events);
        }
        Ok(self.seq)
    }

    /// Counts one packet of `bytes` octets and fires the limits it reaches.
    pub(crate) fn account(&mut self, now: Instant, bytes: usize, events: &mut Events) {
        let stats = &mut self.stats;
        stats.bytes = stats.bytes.saturating_add(bytes as u64);
        stats.packets = stats.packets.saturating_add(1);
        stats.last_used = Some(now);
        let reached = |limit: u64, value: u64| limit != 0 && value >= limit;
        let (bytes, packets, l) = (stats.bytes, stats.packets, self.limits);
        if reached(l.hard_packets, packets) {
            self.hard(ExpireCause::Packets, events);
        } else if reached(l.hard_bytes, bytes) {
            self.hard(ExpireCause::Bytes, events);
        } else if reached(l.soft_packets, packets) {
            self.soft(ExpireCause::Packets, events);
        } else if reached(l.soft_bytes, bytes) {
            self.soft(ExpireCause::Bytes, events);
        }
    }

    fn soft(&mut self, cause: ExpireCause, events: &mut Events) {
        if !self.soft_sent && self.expired.is_none() {
            self.soft_sent = true;
            events.push_back(Event::SoftExpire {
                sa: self.sa_ref,
                cause,
            });
        }
    }

    fn hard(&mut self, cause: ExpireCause, events: &mut Events) {
        if self.expired.is_none() {
            self.expired = Some(cause);
            events.push_back(Event::HardExpire {
                sa: self.sa_ref,
                cause,
            });
        }
    }

    /// Whether a decrypted inbound packet may use this SA (RFC 4301 §5.2
    /// step 4): from one of the peer's selectors to one of ours.
    pub(crate) fn selectors_allow(&self, flow: &Flow) -> bool {
        self.remote_ts.iter().any(|remote| {
            self.local_ts
                .iter()
                .any(|local| selectors_match(remote, local, flow))
        })
    }
}

/// The IANA transform IDs and keys of a spec's algorithms.
fn transforms(algorithms: &Algorithms) -> Result<(u16, Key, Option<u16>, Key), SaError> {
    match algorithms {
        Algorithms::Aead { aead, key } => {
            let id = match aead {
                Aead::AesGcm(IcvLen::Bytes8) => encr::AES_GCM_8,
                Aead::AesGcm(IcvLen::Bytes12) => encr::AES_GCM_12,
                Aead::AesGcm(IcvLen::Bytes16) => encr::AES_GCM_16,
                Aead::ChaCha20Poly1305 => encr::CHACHA20_POLY1305,
                Aead::AesCcm(_) => return Err(SaError::UnsupportedEncryption(16)),
            };
            Ok((id, key.clone(), None, Key::default()))
        }
        Algorithms::Split {
            encr: e,
            encr_key,
            integ: i,
            integ_key,
        } => {
            let encr_id = match e {
                Encryption::AesCbc => encr::AES_CBC,
                Encryption::Null => encr::NULL,
                Encryption::AesCtr => return Err(SaError::UnsupportedEncryption(13)),
            };
            let integ_id = match i {
                Integrity::HmacSha1_96 => integ::HMAC_SHA1_96,
                Integrity::HmacSha256_128 => integ::HMAC_SHA2_256_128,
                Integrity::HmacSha384_192 => integ::HMAC_SHA2_384_192,
                Integrity::HmacSha512_256 => integ::HMAC_SHA2_512_256,
                Integrity::AesXcbc96 => return Err(SaError::UnsupportedIntegrity(5)),
                Integrity::AesCmac96 => return Err(SaError::UnsupportedIntegrity(8)),
            };
            Ok((encr_id, encr_key.clone(), Some(integ_id), integ_key.clone()))
        }
        // AH is not carried by the userspace data path
        Algorithms::Auth { .. } => Err(SaError::UnsupportedIntegrity(0)),
    }
}
