//! The outbound thread: TUN device → SPD → ESP → UDP 4500 or raw ESP
//! (IPv4 or IPv6).
//!
//! One read takes a TCP/UDP super-packet from the TUN device (its
//! offloads are on) and tun-rs cuts it into MTU-sized packets, each in its
//! own buffer with [`HEADROOM`] before it. The data path protects the
//! whole batch under one lock; runs of ESP packets for the same peer with
//! equal sizes (the last may be shorter) leave in one UDP GSO send that
//! gathers them from their buffers.

use core::net::IpAddr;
use core::ops::Range;
use std::io::{self, IoSlice};
use std::sync::atomic::Ordering;
use std::time::Instant;

use tun_rs::VIRTIO_NET_HDR_LEN;

use super::Io;
use super::shared::POLL_INTERVAL;
use crate::userspace::frame::Frame;
use crate::userspace::{HEADROOM, Outbound, TAILROOM};

/// Packets per TUN read: more than a 64 KiB super-packet has segments.
pub(crate) const BATCH: usize = 128;
/// The most one GSO send carries (an IPv4 datagram's limit less headers).
const GSO_BYTES: usize = 65_000;
/// The most datagrams one GSO send carries (the kernel's
/// `UDP_MAX_SEGMENTS` is 64 or 128).
const GSO_SEGMENTS: usize = 64;

/// A protected packet: where its ESP octets are and where they go.
#[derive(Clone, Debug)]
struct Sealed {
    esp: Range<usize>,
    out: Outbound,
}

/// Reads the TUN device until the installer stops.
pub(crate) fn run(io: &Io) {
    let mut scratch = vec![0u8; VIRTIO_NET_HDR_LEN + 65_535];
    let packet_room = HEADROOM + usize::from(io.mtu).max(1500) + TAILROOM;
    let mut bufs: Vec<Vec<u8>> = (0..BATCH).map(|_| vec![0u8; packet_room]).collect();
    let mut sizes = vec![0usize; BATCH];
    let mut sealed: Vec<Option<Sealed>> = vec![None; BATCH];
    while !io.shared.stopped() {
        match io
            .tun
            .recv_multiple(&mut scratch, &mut bufs, &mut sizes, HEADROOM)
        {
            Ok(n) => {
                seal(io, &mut bufs[..n], &sizes[..n], &mut sealed[..n]);
                send(io, &bufs, &sealed[..n]);
                // a lone packet (no super-packet): likely sparse traffic,
                // wait in poll rather than with a read that fails
                if n == 1 {
                    super::wait_readable(&*io.tun, POLL_INTERVAL);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                super::wait_readable(&*io.tun, POLL_INTERVAL);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.raw_os_error().is_some() => {
                tracing::warn!(target: "esp", "reading from TUN device failed: {e}");
                super::wait_readable(&*io.tun, POLL_INTERVAL);
            }
            // a super-packet tun-rs could not cut
            Err(e) => tracing::debug!(target: "esp", "dropping TUN packet: {e}"),
        }
    }
}

/// Protects each packet under one lock.
fn seal(io: &Io, bufs: &mut [Vec<u8>], sizes: &[usize], sealed: &mut [Option<Sealed>]) {
    let now = Instant::now();
    let mut dataplane = io.shared.lock();
    for ((buf, size), slot) in bufs.iter_mut().zip(sizes).zip(sealed.iter_mut()) {
        *slot = None;
        let Some(mut frame) = Frame::new(buf, HEADROOM..HEADROOM + size) else {
            continue;
        };
        match dataplane.encapsulate(now, &mut frame) {
            Ok(out) => {
                let range = frame.range();
                *slot = Some(Sealed {
                    esp: range.start + out.esp_offset..range.end,
                    out,
                });
            }
            Err(reason) => tracing::trace!(target: "esp", "outbound packet dropped: {reason}"),
        }
    }
    io.shared.forward_events(&mut dataplane);
}

/// Sends the protected packets, batching runs for one peer.
fn send(io: &Io, bufs: &[Vec<u8>], sealed: &[Option<Sealed>]) {
    let esp = |k: usize| -> &[u8] {
        match &sealed[k] {
            Some(s) => bufs[k].get(s.esp.clone()).unwrap_or_default(),
            None => &[],
        }
    };
    let mut i = 0;
    while i < sealed.len() {
        let Some(first) = &sealed[i] else {
            i += 1;
            continue;
        };
        let out = first.out;
        if !out.encap {
            send_raw(io, &out, esp(i));
            i += 1;
            continue;
        }
        let Some(sock) = io.nat_t.iter().find(|s| s.serves(out.src)) else {
            tracing::debug!(target: "esp", "no NAT-T socket for {}, dropping ESP", out.src);
            i += 1;
            continue;
        };
        // a run: same peer, equal sizes, the last one may be shorter
        let segment = esp(i).len();
        let (mut end, mut total) = (i + 1, segment);
        let max = sock.max_segments().min(GSO_SEGMENTS);
        while end < sealed.len() && end - i < max {
            let same_peer = sealed[end]
                .as_ref()
                .is_some_and(|s| s.out.encap && s.out.src == out.src && s.out.dst == out.dst);
            let len = esp(end).len();
            if !same_peer || len > segment || total + len > GSO_BYTES {
                break;
            }
            total += len;
            end += 1;
            if len < segment {
                break;
            }
        }
        let sent = if end - i == 1 {
            sock.send(out.src.ip(), out.dst, &[IoSlice::new(esp(i))], None)
        } else {
            let mut parts = (i..end).map(|k| IoSlice::new(esp(k)));
            let parts: [IoSlice<'_>; GSO_SEGMENTS] =
                core::array::from_fn(|_| parts.next().unwrap_or(IoSlice::new(&[])));
            sock.send(out.src.ip(), out.dst, &parts[..end - i], Some(segment))
                .or_else(|e| {
                    // GSO refused (an old kernel, a device without
                    // checksum offload): one by one
                    tracing::debug!(target: "esp", "GSO send failed ({e}), sending singly");
                    (i..end).try_for_each(|k| {
                        sock.send(out.src.ip(), out.dst, &[IoSlice::new(esp(k))], None)
                    })
                })
        };
        if let Err(e) = sent {
            tracing::debug!(target: "esp", "sending ESP to {} failed: {e}", out.dst);
        }
        i = end;
    }
}

fn send_raw(io: &Io, out: &Outbound, esp: &[u8]) {
    let sent = match (out.dst.ip(), &io.raw, &io.raw6) {
        (IpAddr::V4(dst), Some(raw), _) => raw.send(dst, esp),
        (IpAddr::V6(dst), _, Some(raw6)) => raw6.send(dst, esp),
        _ => {
            if !io.warned_raw.swap(true, Ordering::Relaxed) {
                tracing::warn!(target: "esp", "no raw ESP socket for {}: dropping unencapsulated \
                    ESP (encap = yes avoids it)", out.dst.ip());
            }
            return;
        }
    };
    if let Err(e) = sent {
        tracing::debug!(target: "esp", "sending ESP to {} failed: {e}", out.dst.ip());
    }
}
