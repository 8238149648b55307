//! Netlink framing for XFRM: requests out, datagrams of answers and events
//! in. Everything from the kernel is length-checked before
//! netlink-packet-xfrm parses it (its message parsers slice without
//! checking), so no input can panic.

use core::mem::size_of;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NetlinkBuffer, NetlinkHeader,
    NetlinkMessage, NetlinkPayload, NetlinkSerializable, ParseableParametrized,
};
use netlink_packet_xfrm::state::ModifyMessage;
use netlink_packet_xfrm::{
    UserAcquireBuffer, UserExpireBuffer, UserPolicyInfoBuffer, UserSaInfoBuffer, XFRM_MSG_ACQUIRE,
    XFRM_MSG_EXPIRE, XFRM_MSG_NEWPOLICY, XFRM_MSG_NEWSA, XFRM_MSG_UPDPOLICY, XFRM_MSG_UPDSA,
    XfrmAttrs, XfrmMessage,
};
use zeroize::Zeroizing;

/// `nlmsghdr` size (linux/netlink.h).
const HEADER_LEN: usize = 16;
/// `NLM_F_CAPPED`: the error message carries only the request's header.
const NLM_F_CAPPED: u16 = 0x100;
/// `NLM_F_ACK_TLVS`: extended-ack attributes follow.
const NLM_F_ACK_TLVS: u16 = 0x200;
/// `NLMSGERR_ATTR_MSG`: the kernel's error string.
const NLMSGERR_ATTR_MSG: u16 = 1;

/// One message of a datagram from the kernel.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame<'a> {
    /// A message for the protocol (an answer or an event).
    Message {
        /// `nlmsg_type`.
        kind: u16,
        /// After the header.
        payload: &'a [u8],
    },
    /// `NLMSG_ERROR` with error 0: the request succeeded.
    Ack,
    /// `NLMSG_ERROR`: the request failed with this errno.
    Error {
        /// Positive errno.
        errno: i32,
        /// `NLMSGERR_ATTR_MSG`, if the kernel sent one.
        message: Option<String>,
    },
    /// `NLMSG_DONE`: the end of a dump.
    Done,
}

/// Frames `msg` as a request with sequence number `seq`; `extra` adds
/// `nlmsg_flags` to `NLM_F_REQUEST | NLM_F_ACK`. The buffer is wiped on
/// drop (it may hold keys).
pub(crate) fn request(msg: XfrmMessage, extra: u16, seq: u32) -> Zeroizing<Vec<u8>> {
    let (buf, packet) = frame(msg, extra, seq);
    wipe_keys(packet);
    buf
}

/// Frames any netlink message as [`request`] does.
pub(crate) fn frame<T: NetlinkSerializable>(
    msg: T,
    extra: u16,
    seq: u32,
) -> (Zeroizing<Vec<u8>>, NetlinkMessage<T>) {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK | extra;
    header.sequence_number = seq;
    let mut packet = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(msg));
    packet.finalize();
    let mut buf = Zeroizing::new(vec![0; packet.buffer_len()]);
    packet.serialize(&mut buf);
    (buf, packet)
}

/// Zeroes the key copies inside a message we built.
fn wipe_keys(packet: NetlinkMessage<XfrmMessage>) {
    if let NetlinkPayload::InnerMessage(XfrmMessage::AddSa(mut m) | XfrmMessage::UpdateSa(mut m)) =
        packet.payload
    {
        wipe(&mut m);
    }
}

/// Zeroes the keys of an SA message.
pub(crate) fn wipe(sa: &mut ModifyMessage) {
    use zeroize::Zeroize;
    for nla in &mut sa.nlas {
        match nla {
            XfrmAttrs::EncryptionAlgAead(a) => a.alg_key.zeroize(),
            XfrmAttrs::EncryptionAlg(a) | XfrmAttrs::AuthenticationAlg(a) => a.alg_key.zeroize(),
            XfrmAttrs::AuthenticationAlgTrunc(a) => a.alg_key.zeroize(),
            _ => {}
        }
    }
}

/// An SA as the kernel reported it, keys included; wiped on drop.
#[derive(Default)]
pub(crate) struct Keyed(pub(crate) ModifyMessage);

impl Drop for Keyed {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// The messages of one datagram with their sequence numbers; stops at the
/// first malformed one.
pub(crate) fn frames(datagram: &[u8]) -> Vec<Result<(u32, Frame<'_>), String>> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while !rest.is_empty() {
        let buf = match NetlinkBuffer::new_checked(rest) {
            Ok(buf) => buf,
            Err(e) => {
                out.push(Err(format!("bad netlink header: {e}")));
                break;
            }
        };
        let len = buf.length() as usize;
        let seq = buf.sequence_number();
        let frame = match buf.message_type() {
            NLMSG_ERROR => error(buf.flags(), buf.payload()),
            NLMSG_DONE => Ok(Frame::Done),
            kind => Ok(Frame::Message {
                kind,
                payload: buf.payload(),
            }),
        };
        out.push(frame.map(|f| (seq, f)));
        // messages are 4-aligned (NLMSG_ALIGN)
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
    }
    out
}

/// Decodes the XFRM messages we read; `None` for other types.
///
/// # Errors
/// A message shorter than its fixed part or with malformed attributes.
pub(crate) fn xfrm(kind: u16, payload: &[u8]) -> Result<Option<XfrmMessage>, String> {
    let Some(min) = min_len(kind) else {
        return Ok(None);
    };
    if payload.len() < min {
        return Err(format!(
            "XFRM message {kind} of {} octets, needs {min}",
            payload.len()
        ));
    }
    XfrmMessage::parse_with_param(payload, kind)
        .map(Some)
        .map_err(|e| format!("XFRM message {kind}: {e}"))
}

/// The fixed part of the messages we read (linux/xfrm.h structs).
fn min_len(kind: u16) -> Option<usize> {
    Some(match kind {
        XFRM_MSG_NEWSA | XFRM_MSG_UPDSA => size_of::<UserSaInfoBuffer>(),
        XFRM_MSG_NEWPOLICY | XFRM_MSG_UPDPOLICY => size_of::<UserPolicyInfoBuffer>(),
        XFRM_MSG_EXPIRE => size_of::<UserExpireBuffer>(),
        XFRM_MSG_ACQUIRE => size_of::<UserAcquireBuffer>(),
        _ => return None,
    })
}

/// `struct nlmsgerr` (linux/netlink.h): errno, the request's header (or
/// whole request unless capped), then extended-ack attributes.
fn error(flags: u16, payload: &[u8]) -> Result<Frame<'_>, String> {
    let code = payload
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(i32::from_ne_bytes)
        .ok_or("short NLMSG_ERROR")?;
    if code == 0 {
        return Ok(Frame::Ack);
    }
    let message = (flags & NLM_F_ACK_TLVS != 0)
        .then(|| {
            let echoed = if flags & NLM_F_CAPPED != 0 {
                HEADER_LEN
            } else {
                let len = payload.get(4..8)?.try_into().ok().map(u32::from_ne_bytes)?;
                usize::try_from(len).ok()?
            };
            ack_message(payload.get(4 + echoed..)?)
        })
        .flatten();
    Ok(Frame::Error {
        errno: code.saturating_neg(),
        message,
    })
}

/// `NLMSGERR_ATTR_MSG` among extended-ack attributes.
fn ack_message(mut tlvs: &[u8]) -> Option<String> {
    while tlvs.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([tlvs[0], tlvs[1]]));
        let kind = u16::from_ne_bytes([tlvs[2], tlvs[3]]);
        let value = tlvs.get(4..len)?;
        if kind == NLMSGERR_ATTR_MSG {
            let text = value.split(|&b| b == 0).next().unwrap_or_default();
            return Some(String::from_utf8_lossy(text).into_owned());
        }
        tlvs = tlvs.get(len.next_multiple_of(4)..)?;
    }
    None
}

/// Parses a message we framed (for tests and for copying a queried SA).
#[cfg(test)]
pub(crate) fn parse_request(buf: &[u8]) -> Result<XfrmMessage, String> {
    use netlink_packet_core::Parseable;
    let nl = NetlinkBuffer::new_checked(buf).map_err(|e| e.to_string())?;
    let header = NetlinkHeader::parse(&nl).map_err(|e| e.to_string())?;
    XfrmMessage::parse_with_param(nl.payload(), header.message_type).map_err(|e| e.to_string())
}
