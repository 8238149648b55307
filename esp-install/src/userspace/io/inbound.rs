//! The inbound thread: UDP 4500 (and raw ESP over IPv4 and IPv6) → ESP →
//! TUN device.
//!
//! Datagrams on the NAT-T sockets are sorted as RFC 3948 §2.2 says: a
//! non-ESP marker means IKE (handed to the daemon), a single 0xff is a
//! NAT keepalive (dropped), anything else is ESP. ESP packets are staged
//! in per-packet buffers, opened by the data path under one lock, aligned
//! at one offset and written to the TUN device in one batch, where tun-rs
//! coalesces TCP segments into super-packets (GRO).

use core::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::io::{self, IoSliceMut};
use std::time::Instant;

use quinn_udp::RecvMeta;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use tun_rs::GROTable;

use super::Io;
use super::raw::RawEsp;
use super::raw6::RawEsp6;
use super::shared::{IkeDatagram, POLL_INTERVAL};
use super::udp::NatT;
use crate::userspace::wire::esp::{UdpPayload, classify_udp};
use crate::userspace::{Frame, HEADROOM};

/// Receive buffers per `recvmmsg`, each large enough for a GRO batch.
const RX_BATCH: usize = 8;
const RX_BUF: usize = 64 * 1024;
/// Packets written to the TUN device per batch.
const TUN_BATCH: usize = 128;
/// Where packets go to the TUN device: where tunnel mode with an 8-octet
/// IV (AES-GCM, ChaCha20-Poly1305) leaves them when ESP is staged at
/// [`HEADROOM`], so the common case moves nothing.
const TUN_OFFSET: usize = HEADROOM + 16;
/// The non-ESP marker (RFC 3948 §2.2).
const MARKER_LEN: usize = 4;

/// Where a staged packet came from.
#[derive(Clone, Copy, Debug)]
enum Origin {
    /// An ESP-in-UDP payload between these addresses.
    Udp { src: IpAddr, dst: IpAddr },
    /// A whole IPv4 packet from the raw socket.
    Raw,
    /// An ESP packet from the IPv6 raw socket between these addresses.
    Raw6 { src: Ipv6Addr, dst: Ipv6Addr },
}

/// ESP packets waiting for the data path, then for the TUN device.
struct Staging {
    bufs: Vec<Vec<u8>>,
    origins: Vec<Origin>,
    len: usize,
    gro: GROTable,
}

impl Staging {
    fn new() -> Self {
        Self {
            bufs: (0..TUN_BATCH)
                .map(|_| Vec::with_capacity(TUN_OFFSET + 65_535))
                .collect(),
            origins: vec![Origin::Raw; TUN_BATCH],
            len: 0,
            gro: GROTable::default(),
        }
    }

    /// Copies a packet in, flushing first if the batch is full.
    fn push(&mut self, io: &Io, packet: &[u8], origin: Origin) {
        if self.len == TUN_BATCH {
            self.flush(io);
        }
        let buf = &mut self.bufs[self.len];
        buf.clear();
        buf.resize(HEADROOM, 0);
        buf.extend_from_slice(packet);
        self.origins[self.len] = origin;
        self.len += 1;
    }

    /// Opens every staged packet under one lock and writes the good ones
    /// to the TUN device.
    fn flush(&mut self, io: &Io) {
        if self.len == 0 {
            return;
        }
        let now = Instant::now();
        let mut good = 0;
        {
            let mut dataplane = io.shared.lock();
            for k in 0..self.len {
                let buf = &mut self.bufs[k];
                let end = buf.len();
                let Some(mut frame) = Frame::new(buf, HEADROOM..end) else {
                    continue;
                };
                let opened = match self.origins[k] {
                    Origin::Udp { src, dst } => dataplane.decapsulate(now, &mut frame, src, dst),
                    Origin::Raw => dataplane.decapsulate_ip(now, &mut frame),
                    Origin::Raw6 { src, dst } => {
                        dataplane.decapsulate(now, &mut frame, src.into(), dst.into())
                    }
                };
                let range = frame.range();
                match opened {
                    Ok(_) => {
                        // tun-rs wants every packet at the same offset
                        let len = range.len();
                        if range.start != TUN_OFFSET {
                            if buf.len() < TUN_OFFSET + len {
                                buf.resize(TUN_OFFSET + len, 0);
                            }
                            buf.copy_within(range, TUN_OFFSET);
                        }
                        buf.truncate(TUN_OFFSET + len);
                        self.bufs.swap(good, k);
                        good += 1;
                    }
                    Err(reason) => {
                        tracing::trace!(target: "esp", "inbound packet dropped: {reason}");
                    }
                }
            }
            io.shared.forward_events(&mut dataplane);
        }
        self.len = 0;
        if good > 0
            && let Err(e) = io
                .tun
                .send_multiple(&mut self.gro, &mut self.bufs[..good], TUN_OFFSET)
        {
            tracing::debug!(target: "esp", "writing to TUN device failed: {e}");
        }
    }
}

/// Reads the NAT-T and raw ESP sockets until the installer stops.
pub(crate) fn run(io: &Io) {
    let mut rx = vec![0u8; RX_BATCH * RX_BUF];
    let mut meta = [RecvMeta::default(); RX_BATCH];
    let mut staging = Staging::new();
    let mut fds: Vec<PollFd<'_>> = io
        .nat_t
        .iter()
        .map(|s| PollFd::new(s.socket(), PollFlags::IN))
        .collect();
    let raw = io.raw.as_ref().map(|raw| {
        fds.push(PollFd::new(raw, PollFlags::IN));
        (raw, fds.len() - 1)
    });
    let raw6 = io.raw6.as_ref().map(|raw6| {
        fds.push(PollFd::new(raw6, PollFlags::IN));
        (raw6, fds.len() - 1)
    });
    while !io.shared.stopped() {
        wait(io, &mut fds);
        tick(io);
        for (k, sock) in io.nat_t.iter().enumerate() {
            if readable(&fds, k) {
                read_nat_t(io, sock, &mut rx, &mut meta, &mut staging);
            }
        }
        if let Some((raw, k)) = raw
            && readable(&fds, k)
        {
            read_raw(io, raw, &mut rx, &mut staging);
        }
        if let Some((raw6, k)) = raw6
            && readable(&fds, k)
        {
            read_raw6(io, raw6, &mut rx, &mut staging);
        }
        staging.flush(io);
    }
}

/// Whether poll saw something (data or an error to read) on `fds[k]`.
fn readable(fds: &[PollFd<'_>], k: usize) -> bool {
    fds.get(k).is_some_and(|fd| !fd.revents().is_empty())
}

/// Reads batches until one comes back short: the socket is drained then,
/// and poll says when more arrives (one syscall less per sparse packet).
fn read_nat_t(io: &Io, sock: &NatT, rx: &mut [u8], meta: &mut [RecvMeta], staging: &mut Staging) {
    loop {
        let got = {
            let mut chunks = rx.chunks_mut(RX_BUF);
            let mut iovs: [IoSliceMut<'_>; RX_BATCH] =
                core::array::from_fn(|_| IoSliceMut::new(chunks.next().unwrap_or_default()));
            sock.recv(&mut iovs, meta)
        };
        let n = match got {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!(target: "esp", "reading from {} failed: {e}", sock.bound);
                return;
            }
        };
        for (m, chunk) in meta.iter().zip(rx.chunks(RX_BUF)).take(n) {
            let local = SocketAddr::new(m.dst_ip.unwrap_or(sock.bound.ip()), sock.bound.port());
            let data = chunk.get(..m.len).unwrap_or_default();
            let stride = if m.stride == 0 {
                m.len.max(1)
            } else {
                m.stride
            };
            for datagram in data.chunks(stride) {
                udp_datagram(io, staging, datagram, m.addr, local);
            }
        }
        if n < RX_BATCH {
            return;
        }
    }
}

/// Reads up to a TUN batch of raw ESP packets.
fn read_raw(io: &Io, raw: &RawEsp, rx: &mut [u8], staging: &mut Staging) {
    let buf = rx.get_mut(..RX_BUF).unwrap_or_default();
    for _ in 0..TUN_BATCH {
        match raw.recv(buf) {
            Ok(len) => staging.push(io, buf.get(..len).unwrap_or_default(), Origin::Raw),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if e.kind() != io::ErrorKind::WouldBlock {
                    tracing::warn!(target: "esp", "reading raw ESP failed: {e}");
                }
                return;
            }
        }
    }
}

/// Reads up to a TUN batch of IPv6 raw ESP packets.
fn read_raw6(io: &Io, raw6: &RawEsp6, rx: &mut [u8], staging: &mut Staging) {
    let buf = rx.get_mut(..RX_BUF).unwrap_or_default();
    for _ in 0..TUN_BATCH {
        match raw6.recv(buf) {
            Ok(got) => {
                let origin = Origin::Raw6 {
                    src: got.src,
                    dst: got.dst,
                };
                staging.push(io, buf.get(..got.len).unwrap_or_default(), origin);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            // one bad packet (too large, no addresses): the next may do
            Err(e) if e.raw_os_error().is_none() => {
                tracing::debug!(target: "esp", "dropping IPv6 raw ESP packet: {e}");
            }
            Err(e) => {
                tracing::warn!(target: "esp", "reading IPv6 raw ESP failed: {e}");
                return;
            }
        }
    }
}

fn udp_datagram(
    io: &Io,
    staging: &mut Staging,
    datagram: &[u8],
    remote: SocketAddr,
    local: SocketAddr,
) {
    match classify_udp(datagram) {
        Ok(UdpPayload::Esp) => staging.push(
            io,
            datagram,
            Origin::Udp {
                src: remote.ip(),
                dst: local.ip(),
            },
        ),
        Ok(UdpPayload::Ike) => (io.shared.ike)(IkeDatagram {
            local,
            remote,
            message: datagram.get(MARKER_LEN..).unwrap_or_default(),
        }),
        Ok(UdpPayload::Keepalive) => {}
        Err(e) => tracing::debug!(target: "net", "dropping datagram from {remote}: {e}"),
    }
}

/// Waits until a socket is readable, the next timer or [`POLL_INTERVAL`].
fn wait(io: &Io, fds: &mut [PollFd<'_>]) {
    let next = io.shared.lock().next_timeout();
    let until_next = next.map_or(POLL_INTERVAL, |at| {
        at.saturating_duration_since(Instant::now())
            .min(POLL_INTERVAL)
    });
    let Ok(timeout) = Timespec::try_from(until_next) else {
        return;
    };
    if let Err(e) = poll(fds, Some(&timeout)) {
        tracing::debug!(target: "esp", "poll failed: {e}");
    }
}

/// Fires the data path's time limits.
fn tick(io: &Io) {
    let now = Instant::now();
    let mut dataplane = io.shared.lock();
    if dataplane.next_timeout().is_some_and(|at| at <= now) {
        dataplane.tick(now);
        io.shared.forward_events(&mut dataplane);
    }
}
