//! Request and answer on a NETLINK_XFRM (or NETLINK_ROUTE) socket.
//!
//! The kernel handles a netlink request inside `sendmsg` (the protocol's
//! input function runs in the sender's context, net/netlink/af_netlink.c
//! `netlink_unicast_kernel`), so the answer is queued when `send` returns:
//! the socket is non-blocking and an empty queue after a request is an
//! error, never a hang.

use std::io;

use netlink_packet_core::NLM_F_DUMP;
use netlink_packet_xfrm::XfrmMessage;
use netlink_sys::{Socket, SocketAddr};
use zeroize::Zeroizing;

use super::wire::{self, Frame};
use crate::InstallError;

/// Largest datagram we read (the kernel's dump chunks are at most 32 KiB).
const DATAGRAM: usize = 64 * 1024;

/// A netlink socket bound to the kernel.
pub(crate) struct Channel {
    socket: Socket,
    seq: u32,
}

/// The kernel's refusal of one request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refused {
    /// Positive errno.
    pub(crate) errno: i32,
    /// The extended-ack message or the errno's text.
    pub(crate) message: String,
}

/// A failed request.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The kernel answered with an error.
    Refused(Refused),
    /// The socket failed or the answer was malformed.
    Io(String),
}

impl Failure {
    /// As an [`InstallError`] for `op`.
    pub(crate) fn into_error(self, op: &'static str) -> InstallError {
        match self {
            Self::Refused(r) => InstallError::Kernel {
                op,
                errno: r.errno,
                message: r.message,
            },
            Self::Io(why) => InstallError::System(format!("unable to {op}: {why}")),
        }
    }

    /// The errno, if the kernel refused.
    pub(crate) fn errno(&self) -> Option<i32> {
        match self {
            Self::Refused(r) => Some(r.errno),
            Self::Io(_) => None,
        }
    }
}

impl Channel {
    /// Opens a socket of netlink `protocol` (`NETLINK_XFRM`, ...).
    ///
    /// # Errors
    /// If the socket cannot be made.
    pub(crate) fn open(protocol: isize) -> io::Result<Self> {
        let mut socket = Socket::new(protocol)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        // the request header only in errors, plus the kernel's message
        socket.set_cap_ack(true)?;
        socket.set_ext_ack(true)?;
        socket.set_non_blocking(true)?;
        Ok(Self { socket, seq: 0 })
    }

    /// Sends `msg` and returns the XFRM messages of the answer.
    pub(crate) fn xfrm(&mut self, msg: XfrmMessage) -> Result<Vec<XfrmMessage>, Failure> {
        self.seq = self.seq.wrapping_add(1);
        let req = wire::request(msg, 0, self.seq);
        self.exchange(&req, false, wire::xfrm)
    }

    /// Sends a request (framed by the caller) and collects what `decode`
    /// makes of the answer's messages (type and payload); `dump` reads
    /// until `NLMSG_DONE`.
    pub(crate) fn exchange<T>(
        &mut self,
        req: &[u8],
        dump: bool,
        mut decode: impl FnMut(u16, &[u8]) -> Result<Option<T>, String>,
    ) -> Result<Vec<T>, Failure> {
        let io = |e: io::Error| Failure::Io(e.to_string());
        let seq = req
            .get(8..12)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_ne_bytes);
        self.socket.send(req, 0).map_err(io)?;
        let mut out = Vec::new();
        let mut buf = Zeroizing::new(Vec::with_capacity(DATAGRAM));
        loop {
            buf.clear();
            match self.socket.recv(&mut *buf, 0) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(Failure::Io("no answer from the kernel".into()));
                }
                Err(e) => return Err(io(e)),
            }
            for item in wire::frames(&buf) {
                let (got, frame) = item.map_err(Failure::Io)?;
                if got != seq {
                    continue; // a stale answer to an earlier request
                }
                match frame {
                    Frame::Ack if !dump => return Ok(out),
                    Frame::Ack => {}
                    Frame::Done => return Ok(out),
                    Frame::Error { errno, message } => {
                        let message = message
                            .unwrap_or_else(|| io::Error::from_raw_os_error(errno).to_string());
                        return Err(Failure::Refused(Refused { errno, message }));
                    }
                    Frame::Message { kind, payload } => {
                        out.extend(decode(kind, payload).map_err(Failure::Io)?);
                    }
                }
            }
        }
    }

    /// The next sequence number, for callers that frame their own requests.
    pub(crate) fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }
}

/// `NLM_F_DUMP` for callers framing dumps.
pub(crate) const DUMP: u16 = NLM_F_DUMP;
