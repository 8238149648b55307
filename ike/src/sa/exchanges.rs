//! The exchange manager (strongSwan's task manager): message IDs of both
//! directions, the one request in flight (window size 1, RFC 7296 §2.3),
//! retransmits (§2.1), the cached last response replayed for a
//! retransmitted request, and the queue of tasks waiting to initiate.

use core::net::SocketAddr;
use std::collections::VecDeque;

use super::{Ctx, IkeState, SaCore};
use crate::action::{Action, DownReason, Transmit};
use crate::config::Fragmentation;
use crate::counters::{Counter, Counters};
use crate::fragment::{
    AddressFamily, FragmentError, Reassembler, Reassembly, max_message_len, seal_datagrams,
};
use crate::protect;
use crate::task::{self, After, Inbound, Progress, Task};
use crate::time::Instant;
use crate::wire::iana::{ExchangeType, NotifyType};
use crate::wire::{Flags, Message, Notify, Payload, chain_summary};

/// The request we sent and wait an answer for.
struct Active {
    task: Task,
    exchange: ExchangeType,
    message_id: u32,
    /// The datagrams of the request (several when fragmented).
    packets: Vec<Vec<u8>>,
    /// Transmissions so far, minus one.
    sent: u32,
    deadline: Instant,
}

/// The last response we sent, for retransmitted requests (§2.1).
struct Cached {
    message_id: u32,
    exchange: ExchangeType,
    packets: Vec<Vec<u8>>,
}

/// Message IDs, the request in flight, retransmits and the response cache.
#[derive(Default)]
pub(crate) struct Exchanges {
    next_request: u32,
    expected_request: u32,
    active: Option<Active>,
    queued: VecDeque<Task>,
    cached: Option<Cached>,
    /// Fragments of the peer's requests and of its responses (RFC 7383).
    defrag_requests: Reassembler,
    defrag_responses: Reassembler,
}

impl Exchanges {
    /// Queues a task; it starts once no other request is in flight.
    pub(crate) fn queue(&mut self, task: Task) {
        self.queued.push_back(task);
    }

    /// The task in flight, if any.
    pub(crate) fn active_task(&self) -> Option<&Task> {
        self.active.as_ref().map(|a| &a.task)
    }

    /// The queued tasks.
    pub(crate) fn queued(&self) -> impl Iterator<Item = &Task> {
        self.queued.iter()
    }

    /// Drops queued tasks matching `remove`.
    pub(crate) fn dequeue(&mut self, mut remove: impl FnMut(&Task) -> bool) {
        self.queued.retain(|t| !remove(t));
    }

    /// When the request in flight is retransmitted or given up.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.active.as_ref().map(|a| a.deadline)
    }

    /// Starts the next queued task if nothing is in flight.
    pub(crate) fn initiate(&mut self, sa: &mut SaCore, ctx: &mut Ctx<'_>) {
        while self.active.is_none() && sa.state != IkeState::Destroyed {
            let Some(mut task) = self.queued.pop_front() else {
                return;
            };
            if !task.can_start(sa) {
                self.queued.push_front(task);
                return;
            }
            match task.build_i(sa, ctx) {
                Ok(Some(payloads)) => self.send_request(sa, ctx, task, payloads),
                Ok(None) => {}
                Err(e) => task.abort(sa, ctx, DownReason::Failed(e)),
            }
        }
    }

    fn send_request(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        task: Task,
        payloads: Vec<Payload>,
    ) {
        let exchange = task.exchange();
        let message_id = self.next_request;
        let header = header(sa, exchange, message_id, false);
        let packets = match seal(sa, ctx, header, &payloads) {
            Ok(packets) => packets,
            Err(e) => {
                task.abort(sa, ctx, DownReason::Failed(e));
                return;
            }
        };
        let deadline = ctx.now + ctx.settings.retransmit.wait(0).unwrap_or_default();
        transmit(sa, ctx, &packets);
        self.active = Some(Active {
            task,
            exchange,
            message_id,
            packets,
            sent: 0,
            deadline,
        });
    }

    /// Routes an authentic-looking message: `msg` is the parsed outer
    /// message, `bytes` the datagram without the non-ESP marker.
    pub(crate) fn handle(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        bytes: &[u8],
        path: (SocketAddr, SocketAddr),
    ) {
        if msg.flags.is_response() {
            self.handle_response(sa, ctx, msg, bytes, path);
        } else {
            self.handle_request(sa, ctx, msg, bytes, path);
        }
        self.initiate(sa, ctx);
    }

    fn handle_response(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        bytes: &[u8],
        path: (SocketAddr, SocketAddr),
    ) {
        let Some(active) = &self.active else {
            return;
        };
        if msg.message_id != active.message_id || msg.exchange != active.exchange {
            return;
        }
        let Some(payloads) = open(sa, msg, bytes, &mut self.defrag_responses, ctx.counters) else {
            return;
        };
        sa.authentic_from(ctx.settings, path);
        sa.last_heard = ctx.now;
        let Some(mut active) = self.active.take() else {
            return;
        };
        let inbound = Inbound {
            outer: msg,
            exchange: msg.exchange,
            bytes,
            request: active.packets.first().map_or(&[][..], Vec::as_slice),
            payloads: &payloads,
        };
        match active.task.process_i(sa, ctx, &inbound) {
            Ok(Progress::Done) => self.next_request = self.next_request.wrapping_add(1),
            Ok(Progress::Followed(task)) => {
                self.next_request = self.next_request.wrapping_add(1);
                self.queued.push_front(task);
            }
            Ok(Progress::Restart) => match active.task.build_i(sa, ctx) {
                // a new exchange unless IKE_SA_INIT is repeated (§1.2, §2.6)
                Ok(Some(payloads)) if msg.exchange != ExchangeType::IKE_SA_INIT => {
                    self.next_request = self.next_request.wrapping_add(1);
                    self.send_request(sa, ctx, active.task, payloads);
                }
                Ok(Some(payloads)) => self.send_request(sa, ctx, active.task, payloads),
                Ok(None) => {}
                Err(e) => sa.destroy(ctx, DownReason::Failed(e)),
            },
            Err(e) => {
                active.task.abort(sa, ctx, DownReason::Failed(e.clone()));
                if msg.exchange == ExchangeType::IKE_AUTH {
                    self.tell_auth_failed(sa, ctx, &e);
                }
                sa.destroy(ctx, DownReason::Failed(e));
            }
        }
    }

    fn handle_request(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        msg: &Message,
        bytes: &[u8],
        path: (SocketAddr, SocketAddr),
    ) {
        if msg.message_id != self.expected_request {
            self.retransmit_response(sa, ctx, msg);
            return;
        }
        if sa.initiator && sa.state == IkeState::Connecting {
            // the responder is established before we are; its requests
            // wait for our IKE_AUTH to complete (it retransmits them)
            return;
        }
        let Some(payloads) = open(sa, msg, bytes, &mut self.defrag_requests, ctx.counters) else {
            return;
        };
        sa.authentic_from(ctx.settings, path);
        sa.last_heard = ctx.now;
        let inbound = Inbound {
            outer: msg,
            exchange: msg.exchange,
            bytes,
            request: &[],
            payloads: &payloads,
        };
        let active = self.active.as_mut().map(|a| &mut a.task);
        let reply = task::respond(sa, ctx, active, &inbound);
        let mut header = header(sa, msg.exchange, msg.message_id, true);
        if msg.exchange == ExchangeType::IKE_SA_INIT && reply.after != After::Keep {
            header.spi_r = 0; // stateless error response (§2.6, §1.2)
        }
        let packets = match seal(sa, ctx, header, &reply.payloads) {
            Ok(packets) => packets,
            Err(e) => {
                sa.destroy(ctx, DownReason::Failed(e));
                return;
            }
        };
        if msg.exchange == ExchangeType::IKE_SA_INIT
            && let (Some(init), Some(first)) = (&mut sa.init, packets.first())
        {
            init.response.clone_from(first);
        }
        transmit(sa, ctx, &packets);
        self.expected_request = self.expected_request.wrapping_add(1);
        self.cached = Some(Cached {
            message_id: msg.message_id,
            exchange: msg.exchange,
            packets,
        });
        if let After::Destroy(reason) = reply.after {
            sa.destroy(ctx, reason);
        }
    }

    /// The responder's IKE_AUTH did not authenticate: tell it in an
    /// INFORMATIONAL with AUTHENTICATION_FAILED (RFC 7296 §2.21.2), sent
    /// once without waiting for an answer.
    fn tell_auth_failed(&mut self, sa: &SaCore, ctx: &mut Ctx<'_>, e: &crate::Error) {
        if e.notify() != Some(NotifyType::AUTHENTICATION_FAILED) {
            return;
        }
        self.next_request = self.next_request.wrapping_add(1);
        let header = header(sa, ExchangeType::INFORMATIONAL, self.next_request, false);
        let payloads = [Payload::Notify(Notify::new(
            NotifyType::AUTHENTICATION_FAILED,
            Vec::new(),
        ))];
        if let Ok(packets) = seal(sa, ctx, header, &payloads) {
            transmit(sa, ctx, &packets);
        }
    }

    /// Replays our last response for a retransmitted request (§2.1; for a
    /// fragmented request only on its first fragment, RFC 7383 §2.6.1);
    /// other message IDs are dropped.
    fn retransmit_response(&self, sa: &SaCore, ctx: &mut Ctx<'_>, msg: &Message) {
        let later_fragment = matches!(msg.payloads.last(), Some(Payload::Skf(f)) if f.number != 1);
        if let Some(cached) = &self.cached
            && cached.message_id == msg.message_id
            && cached.exchange == msg.exchange
            && !later_fragment
        {
            transmit(sa, ctx, &cached.packets);
        }
    }

    /// Retransmits the request in flight, or gives the IKE SA up after
    /// `retransmit_tries` (§2.4).
    pub(crate) fn handle_timeout(&mut self, sa: &mut SaCore, ctx: &mut Ctx<'_>) {
        let Some(active) = &mut self.active else {
            return;
        };
        if ctx.now < active.deadline {
            return;
        }
        active.sent += 1;
        match ctx.settings.retransmit.wait(active.sent) {
            Some(wait) => {
                active.deadline = ctx.now + wait;
                tracing::info!(
                    "retransmit {} of request with message ID {}",
                    active.sent,
                    active.message_id
                );
                ctx.counters.retransmits += 1;
                transmit(sa, ctx, &active.packets);
            }
            None => {
                tracing::info!("giving up after {} retransmits", active.sent - 1);
                if let Some(active) = self.active.take() {
                    active.task.abort(sa, ctx, DownReason::Timeout);
                }
                sa.destroy(ctx, DownReason::Timeout);
            }
        }
    }
}

/// The outer header of a message of this SA.
fn header(sa: &SaCore, exchange: ExchangeType, message_id: u32, response: bool) -> Message {
    let mut flags = if sa.initiator {
        Flags::INITIATOR
    } else {
        Flags(0)
    };
    if response {
        flags = Flags(flags.0 | Flags::RESPONSE.0);
    }
    Message {
        spi_i: sa.spi_i,
        spi_r: sa.spi_r,
        exchange,
        flags,
        message_id,
        payloads: Vec::new(),
    }
}

/// Emits a message: IKE_SA_INIT in the clear, everything else in an SK
/// payload (§3.14).
fn seal(
    sa: &SaCore,
    ctx: &mut Ctx<'_>,
    mut header: Message,
    payloads: &[Payload],
) -> Result<Vec<Vec<u8>>, crate::Error> {
    tracing::info!(target: "enc", "generating {} {}", describe(&header), chain_summary(payloads));
    let request = !header.flags.is_response();
    if let Some(counter) = Counter::message(header.exchange, false, request) {
        ctx.counters.count(Some(&sa.config.name), counter);
    }
    if header.exchange == ExchangeType::IKE_SA_INIT {
        header.payloads = payloads.to_vec();
        return Ok(vec![header.emit()?]);
    }
    let keys = sa
        .keys
        .as_ref()
        .ok_or(crate::Error::ApiMisuse("no keys to protect the message"))?;
    let limit = fragment_limit(sa, ctx.settings);
    let rng = ctx.provider.rng.as_ref();
    let packets =
        seal_datagrams(&header, payloads, &keys.outbound, rng, limit).map_err(|e| match e {
            FragmentError::Protect(e) => protect_error(e),
            e => crate::Error::ApiMisuse(if matches!(e, FragmentError::TooManyFragments { .. }) {
                "message too large for IKE fragmentation"
            } else {
                "fragment size too small"
            }),
        })?;
    if packets.len() > 1 {
        tracing::info!(target: "enc", "splitting IKE message into {} fragments", packets.len());
    }
    Ok(packets)
}

/// `IKE_AUTH request 1`, as charon names a message in its logs.
fn describe(msg: &Message) -> String {
    let kind = if msg.flags.is_response() {
        "response"
    } else {
        "request"
    };
    format!("{} {kind} {}", msg.exchange, msg.message_id)
}

/// The IKE message size above which we fragment, once both sides
/// announced support (RFC 7383 §2.3) and `fragmentation` allows sending.
fn fragment_limit(sa: &SaCore, settings: &crate::settings::Settings) -> Option<usize> {
    let sends = matches!(
        sa.config.fragmentation,
        Fragmentation::Yes | Fragmentation::Force
    );
    let family = if sa.remote.is_ipv4() {
        AddressFamily::Ipv4
    } else {
        AddressFamily::Ipv6
    };
    (sa.fragmentation && sends)
        .then(|| max_message_len(settings.fragment_size, family, sa.floated(settings)))
}

fn protect_error(e: protect::ProtectError) -> crate::Error {
    match e {
        protect::ProtectError::Wire(e) => crate::Error::InvalidSyntax(e),
        protect::ProtectError::Crypto(e) => crate::Error::Crypto(e),
        protect::ProtectError::NotEncrypted => crate::Error::ApiMisuse("unprotected message"),
    }
}

/// The payloads of a received message, decrypted; `None` drops it
/// silently (a failed integrity check must not be answered, §2.21).
fn open(
    sa: &SaCore,
    msg: &Message,
    bytes: &[u8],
    defrag: &mut Reassembler,
    counters: &mut Counters,
) -> Option<Vec<Payload>> {
    let Some(payloads) = open_chain(sa, msg, bytes, defrag) else {
        counters.dropped += 1;
        return None;
    };
    tracing::info!(target: "enc", "parsed {} {}", describe(msg), chain_summary(&payloads));
    if let Some(counter) = Counter::message(msg.exchange, true, !msg.flags.is_response()) {
        counters.count(Some(&sa.config.name), counter);
    }
    Some(payloads)
}

fn open_chain(
    sa: &SaCore,
    msg: &Message,
    bytes: &[u8],
    defrag: &mut Reassembler,
) -> Option<Vec<Payload>> {
    if msg.exchange == ExchangeType::IKE_SA_INIT {
        return Some(msg.payloads.clone());
    }
    let keys = sa.keys.as_ref()?;
    if matches!(msg.payloads.last(), Some(Payload::Skf(_))) {
        return match defrag.add(msg, bytes, &keys.inbound) {
            Ok(Reassembly::Complete(opened)) => Some(opened.inner),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!(sa = %sa.handle, "dropping fragment: {e}");
                None
            }
        };
    }
    match protect::open(bytes, &keys.inbound) {
        Ok(opened) => Some(opened.inner),
        Err(e) => {
            tracing::debug!(sa = %sa.handle, "dropping {} message: {e}", msg.exchange);
            None
        }
    }
}

fn transmit(sa: &SaCore, ctx: &mut Ctx<'_>, packets: &[Vec<u8>]) {
    for data in packets {
        ctx.emit(Action::Transmit(Transmit {
            local: sa.local,
            remote: sa.remote,
            non_esp_marker: sa.floated(ctx.settings),
            data: data.clone(),
        }));
    }
}
