//! The kernel's expire and acquire notifications (multicast groups
//! `XFRMNLGRP_EXPIRE` and `XFRMNLGRP_ACQUIRE`, linux/xfrm.h) as
//! [`KernelEvent`]s, read by a task on the daemon's runtime.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::io;

use netlink_packet_xfrm::{
    Address, Selector as XSelector, XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XfrmAttrs, XfrmMessage,
};
use netlink_sys::{AsyncSocket, AsyncSocketExt, TokioSocket};
use tokio::sync::mpsc;

use super::wire::{self, Frame};
use crate::{KernelEvent, Protocol, SaId, Selector};

/// `NETLINK_XFRM` (linux/netlink.h).
pub(crate) const NETLINK_XFRM: isize = 6;
/// How many events wait for the daemon before the reader waits too.
const QUEUE: usize = 256;
/// `ENOBUFS`: the socket's receive buffer overflowed and events were lost.
const ENOBUFS: i32 = 105;

/// Subscribes to the groups and spawns the reader on the current tokio
/// runtime.
///
/// # Errors
/// Outside a runtime, or if the socket cannot be made.
pub(crate) fn subscribe() -> io::Result<mpsc::Receiver<KernelEvent>> {
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|e| io::Error::other(format!("XFRM events need a tokio runtime: {e}")))?;
    let _guard = runtime.enter();
    let mut socket = TokioSocket::new(NETLINK_XFRM)?;
    socket.socket_mut().bind_auto()?;
    socket.socket_mut().add_membership(XFRMNLGRP_EXPIRE)?;
    socket.socket_mut().add_membership(XFRMNLGRP_ACQUIRE)?;
    let (tx, rx) = mpsc::channel(QUEUE);
    runtime.spawn(read(socket, tx));
    Ok(rx)
}

/// Forwards events until the receiver is dropped or the socket fails.
async fn read(socket: TokioSocket, tx: mpsc::Sender<KernelEvent>) {
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        match socket.recv_from(&mut buf).await {
            // only the kernel (port 0) sends these
            Ok(from) if from.port_number() != 0 => continue,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(ENOBUFS) => {
                tracing::warn!(target: "knl", "XFRM events lost: receive buffer overrun");
                continue;
            }
            Err(e) => {
                tracing::error!(target: "knl", "unable to receive XFRM events: {e}");
                return;
            }
        }
        for event in events(&buf) {
            if tx.send(event).await.is_err() {
                return;
            }
        }
    }
}

/// The events in one datagram; malformed messages are logged and skipped.
pub(crate) fn events(datagram: &[u8]) -> Vec<KernelEvent> {
    let mut out = Vec::new();
    for frame in wire::frames(datagram) {
        let decoded = frame.and_then(|(_, f)| match f {
            Frame::Message { kind, payload } => wire::xfrm(kind, payload),
            _ => Ok(None),
        });
        match decoded {
            Ok(Some(msg)) => out.extend(event(&msg)),
            Ok(None) => {}
            Err(e) => tracing::warn!(target: "knl", "ignoring XFRM event: {e}"),
        }
    }
    out
}

/// An expire of an ESP or AH SA, or an acquire for ESP or AH (IPComp
/// and other protocols are not ours), as charon's `process_expire` and
/// `process_acquire` read them.
pub(crate) fn event(msg: &XfrmMessage) -> Option<KernelEvent> {
    match msg {
        XfrmMessage::Expire(e) => {
            let state = &e.expire.state;
            let protocol = protocol(state.id.proto)?;
            if state.id.spi == 0 {
                return None; // the larval state of an acquire timing out
            }
            Some(KernelEvent::Expire {
                id: SaId {
                    spi: state.id.spi,
                    dst: address(state.family, &state.id.daddr)?,
                    protocol,
                },
                reqid: state.reqid,
                hard: e.expire.hard != 0,
            })
        }
        XfrmMessage::Acquire(a) => {
            let proto = a.acquire.id.proto;
            if proto != 0 {
                protocol(proto)?;
            }
            let reqid = a.nlas.iter().find_map(|nla| match nla {
                XfrmAttrs::Template(t) => t.first().map(|t| t.reqid),
                _ => None,
            });
            let (src, dst) = selectors(&a.acquire.selector)?;
            Some(KernelEvent::Acquire {
                reqid: reqid.unwrap_or(0),
                src,
                dst,
            })
        }
        _ => None,
    }
}

fn protocol(number: u8) -> Option<Protocol> {
    match number {
        50 => Some(Protocol::Esp),
        51 => Some(Protocol::Ah),
        _ => None,
    }
}

fn address(family: u16, addr: &Address) -> Option<IpAddr> {
    match family {
        2 => Some(IpAddr::V4(addr.to_ipv4())),
        10 => Some(IpAddr::V6(addr.to_ipv6())),
        _ => None,
    }
}

/// Source and destination of an XFRM selector as ranges.
pub(crate) fn selectors(sel: &XSelector) -> Option<(Selector, Selector)> {
    let (sport, dport) = if matches!(sel.proto, 1 | 58) {
        // ICMP type and code travel in sport and dport
        let icmp = icmp(sel);
        (icmp, icmp)
    } else {
        (
            ports(sel.sport, sel.sport_mask),
            ports(sel.dport, sel.dport_mask),
        )
    };
    let side = |addr: &Address, len: u8, (from_port, to_port): (u16, u16)| {
        let (from, to) = range(sel.family, addr, len)?;
        Some(Selector {
            from,
            to,
            protocol: sel.proto,
            from_port,
            to_port,
        })
    };
    Some((
        side(&sel.saddr, sel.prefixlen_s, sport)?,
        side(&sel.daddr, sel.prefixlen_d, dport)?,
    ))
}

fn ports(port: u16, mask: u16) -> (u16, u16) {
    (port & mask, port | !mask)
}

/// RFC 4301 §4.4.1.3: type in the high octet, code in the low.
fn icmp(sel: &XSelector) -> (u16, u16) {
    if sel.sport_mask == 0 {
        return (0, u16::MAX);
    }
    let kind = (sel.sport & 0xff) << 8;
    if sel.dport_mask == 0 {
        (kind, kind | 0xff)
    } else {
        let port = kind | (sel.dport & 0xff);
        (port, port)
    }
}

fn range(family: u16, addr: &Address, len: u8) -> Option<(IpAddr, IpAddr)> {
    match family {
        2 => {
            let net = u32::from(addr.to_ipv4());
            let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            let from = Ipv4Addr::from(net & !host);
            Some((from.into(), Ipv4Addr::from(net | host).into()))
        }
        10 => {
            let net = u128::from(addr.to_ipv6());
            let host = u128::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            let from = Ipv6Addr::from(net & !host);
            Some((from.into(), Ipv6Addr::from(net | host).into()))
        }
        _ => None,
    }
}
