//! The NAT-T sockets (UDP 4500) the IKE daemon bound, shared with ESP in
//! UDP (RFC 3948): batched receives (`recvmmsg` with UDP GRO, through
//! quinn-udp) and gathering sends with UDP GSO.

use core::net::{IpAddr, SocketAddr};
use std::io::{self, IoSlice, IoSliceMut};
use std::net::UdpSocket;
use std::time::Duration;

use quinn_udp::{RecvMeta, UdpSockRef, UdpSocketState};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::net::sockopt;
use socket2::{MsgHdr, SockAddr, SockRef};

use super::cmsg::{self, Cmsgs};

/// Socket buffers large enough for a few GSO/GRO batches in flight.
pub(crate) const SOCKET_BUFFER: usize = 4 << 20;
/// How long a send waits for room in the socket buffer before the batch
/// is dropped.
const SEND_WAIT: Duration = Duration::from_millis(20);

/// One NAT-T socket.
pub(crate) struct NatT {
    /// The address it is bound to (maybe the wildcard).
    pub(crate) bound: SocketAddr,
    socket: UdpSocket,
    state: UdpSocketState,
}

impl NatT {
    /// Takes over reading `socket`, which the caller keeps for sending IKE.
    ///
    /// # Errors
    /// If its options cannot be set.
    pub(crate) fn new(socket: UdpSocket) -> io::Result<Self> {
        let bound = socket.local_addr()?;
        socket.set_nonblocking(true)?;
        let state = UdpSocketState::new(UdpSockRef::from(&socket))?;
        // quinn-udp sets IP_PMTUDISC_PROBE (DF, no fragmentation); IKE
        // messages larger than the MTU must still leave, fragmented by IP
        // when IKE fragmentation is not in use
        if bound.is_ipv4() {
            sockopt::set_ip_mtu_discover(&socket, sockopt::Ipv4PathMtuDiscovery::WANT)?;
        } else {
            sockopt::set_ipv6_mtu_discover(&socket, sockopt::Ipv6PathMtuDiscovery::WANT)?;
        }
        // root may exceed net.core.[rw]mem_max; others get what it allows
        if sockopt::set_socket_send_buffer_size_force(&socket, SOCKET_BUFFER).is_err() {
            let _ = sockopt::set_socket_send_buffer_size(&socket, SOCKET_BUFFER);
        }
        if sockopt::set_socket_recv_buffer_size_force(&socket, SOCKET_BUFFER).is_err() {
            let _ = sockopt::set_socket_recv_buffer_size(&socket, SOCKET_BUFFER);
        }
        Ok(Self {
            bound,
            socket,
            state,
        })
    }

    /// The socket, for polling.
    pub(crate) fn socket(&self) -> &UdpSocket {
        &self.socket
    }

    /// How many equal segments one send may carry.
    pub(crate) fn max_segments(&self) -> usize {
        self.state.max_gso_segments()
    }

    /// Whether this socket sends from `src`.
    pub(crate) fn serves(&self, src: SocketAddr) -> bool {
        self.bound == src
            || (self.bound.ip().is_unspecified()
                && self.bound.port() == src.port()
                && self.bound.is_ipv4() == src.is_ipv4())
    }

    /// Sends the concatenation of `parts` from `src` to `dst`, cut into
    /// datagrams of `segment` octets (the last may be shorter) by the
    /// kernel if given (UDP GSO), gathered from where they lie; waits a
    /// little for room in the socket buffer.
    ///
    /// # Errors
    /// The socket's error, or `WouldBlock` if it stayed full.
    pub(crate) fn send(
        &self,
        src: IpAddr,
        dst: SocketAddr,
        parts: &[IoSlice<'_>],
        segment: Option<usize>,
    ) -> io::Result<()> {
        let mut control = [0u8; cmsg::SPACE];
        let mut cmsgs = Cmsgs::new(&mut control);
        if let Some(size) = segment {
            let size = u16::try_from(size).map_err(|_| io::Error::other("segment too large"))?;
            cmsgs.segment(size);
        }
        // a wildcard socket needs the SA's address as source
        if self.bound.ip().is_unspecified() {
            cmsgs.source(src);
        }
        let to = SockAddr::from(dst);
        let msg = MsgHdr::new()
            .with_addr(&to)
            .with_buffers(parts)
            .with_control(cmsgs.bytes());
        let socket = SockRef::from(&self.socket);
        let mut waited = false;
        loop {
            match socket.sendmsg(&msg, 0) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && !waited => {
                    waited = true;
                    let mut fds = [PollFd::new(&self.socket, PollFlags::OUT)];
                    let timeout =
                        Timespec::try_from(SEND_WAIT).map_err(|_| io::Error::other("timeout"))?;
                    poll(&mut fds, Some(&timeout))?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Receives a batch: each of `bufs` gets one datagram or, with GRO,
    /// several of `meta.stride` octets.
    ///
    /// # Errors
    /// `WouldBlock` when nothing is queued; the socket's error.
    pub(crate) fn recv(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> io::Result<usize> {
        self.state.recv(UdpSockRef::from(&self.socket), bufs, meta)
    }
}
