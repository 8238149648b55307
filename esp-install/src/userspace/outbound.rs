//! Outbound processing of one SA (RFC 4303 §3.3): sequence number, ESP
//! around the packet, the IP header rewritten in transport mode.

use std::time::Instant;

use super::error::DropReason;
use super::esp::{self, SealParams};
use super::frame::Frame;
use super::mode;
use super::sa::{Events, Sa};
use super::wire::flow::IpInfo;
use crate::spec::Mode;

/// Largest IPv4 total length or IPv6 payload length.
const MAX_IP_LEN: usize = u16::MAX as usize;

impl Sa {
    /// Protects the IP packet in `frame` (described by `info`). Tunnel
    /// mode leaves the ESP packet in the frame and returns 0; transport
    /// mode leaves the rewritten IP header followed by ESP and returns the
    /// offset of ESP (the header length). `iv` overrides the IV (tests).
    pub(crate) fn seal(
        &mut self,
        now: Instant,
        frame: &mut Frame<'_>,
        info: &IpInfo,
        events: &mut Events,
        iv: Option<&[u8]>,
    ) -> Result<usize, DropReason> {
        self.usable(now, events)?;
        if !frame.narrow(0..info.total_len) {
            return Err(DropReason::MalformedPacket);
        }
        let bytes = frame.len();
        let (keep, next_header) = match self.mode {
            Mode::Tunnel => (0, info.tunnel_next_header()),
            Mode::Transport => (info.header_len, info.protocol),
        };
        let (front, back) = esp::growth(&self.transform, bytes - keep);
        frame.reserve(front, back)?;
        if self.mode == Mode::Transport {
            let ip_len = bytes + front + back - if info.version == 4 { 0 } else { 40 };
            if ip_len > MAX_IP_LEN {
                return Err(DropReason::TooBig);
            }
        }
        let params = SealParams {
            spi: self.sa_ref.id.spi,
            seq: self.next_seq(events)?,
            esn: self.esn,
            next_header,
        };
        esp::seal(&self.transform, frame, keep, &params, iv)?;
        if self.mode == Mode::Transport {
            mode::fix_outbound_header(frame, info)?;
        }
        self.account(now, bytes, events);
        Ok(keep)
    }
}
