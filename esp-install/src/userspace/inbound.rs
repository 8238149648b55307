//! Inbound processing of one SA (RFC 4303 §3.4): length checks, replay
//! check, ICV and decryption, replay update, trailer, mode, and the
//! selector check of the recovered packet (RFC 4301 §5.2).

use core::net::IpAddr;
use std::time::Instant;

use super::error::DropReason;
use super::esp;
use super::frame::Frame;
use super::mode;
use super::replay::ReplayError;
use super::sa::{Events, Sa};
use super::wire::esp::{EspPacket, NEXT_HEADER_NONE};
use super::wire::flow::{Flow, IpInfo};
use crate::spec::Mode;

/// What came in front of the ESP packet.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outer {
    /// Nothing (a UDP payload or raw ESP without header): transport mode
    /// builds a header `src -> dst`.
    Addrs {
        /// The peer.
        src: IpAddr,
        /// Us.
        dst: IpAddr,
    },
    /// The received IP header, kept in transport mode.
    Header(IpInfo),
}

impl Sa {
    /// Verifies and decrypts the ESP packet at `frame[esp_offset..]` and
    /// leaves the recovered IP packet in the frame.
    pub(crate) fn open(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
        esp_offset: usize,
        outer: &Outer,
        events: &mut Events,
    ) -> Result<IpInfo, DropReason> {
        self.usable(now, events)?;
        let esp_bytes = frame
            .packet()
            .get(esp_offset..)
            .ok_or(DropReason::Truncated)?;
        esp::check_len(&self.transform, esp_bytes.len())?;
        let low = EspPacket::new_checked(esp_bytes)
            .map_err(|_| DropReason::Truncated)?
            .sequence_number();
        let seq = self.replay.infer(low).ok_or(ReplayError::TooOld);
        let seq = seq.map_err(|e| self.replayed(e))?;
        self.replay.check(seq).map_err(|e| self.replayed(e))?;
        let seq_hi = self.esn.then_some((seq >> 32) as u32);
        let esp_bytes = &mut frame.packet_mut()[esp_offset..];
        let opened = esp::open(&self.transform, esp_bytes, seq_hi).inspect_err(|_| {
            self.stats.integrity_failed = self.stats.integrity_failed.saturating_add(1);
        })?;
        self.replay.update(seq).map_err(|e| self.replayed(e))?;
        if opened.next_header == NEXT_HEADER_NONE {
            return Err(DropReason::DummyPacket);
        }
        let payload = esp_offset + opened.payload.start..esp_offset + opened.payload.end;
        let info = self.decapsulate(frame, payload, opened.next_header, outer)?;
        self.account(now, frame.len(), events);
        let flow = Flow::of(&info, frame.packet()).map_err(|_| DropReason::MalformedInner)?;
        if !self.selectors_allow(&flow) {
            return Err(DropReason::PolicyMismatch);
        }
        Ok(info)
    }

    fn decapsulate(
        &self,
        frame: &mut Frame<'_>,
        payload: core::ops::Range<usize>,
        next_header: u8,
        outer: &Outer,
    ) -> Result<IpInfo, DropReason> {
        let info = match (self.mode, outer) {
            (Mode::Tunnel, _) => return mode::tunnel_inner(frame, payload, next_header),
            (Mode::Transport, Outer::Addrs { src, dst }) => {
                mode::transport_new_header(frame, payload, next_header, *src, *dst)?
            }
            (Mode::Transport, Outer::Header(outer)) => {
                mode::transport_keep_header(frame, outer, payload, next_header)?
            }
        };
        if self.encap {
            mode::fix_l4_checksum(frame.packet_mut(), &info);
        }
        Ok(info)
    }

    fn replayed(&mut self, error: ReplayError) -> DropReason {
        self.stats.replayed = self.stats.replayed.saturating_add(1);
        match error {
            ReplayError::Duplicate => DropReason::Replayed,
            ReplayError::TooOld => DropReason::TooOld,
        }
    }
}
