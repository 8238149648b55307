//! The NAT-T sockets (UDP 4500) the IKE daemon bound, shared with ESP in
//! UDP (RFC 3948): batched receives (`recvmmsg` with UDP GRO) and sends
//! with UDP GSO, through quinn-udp.

use core::net::{IpAddr, SocketAddr};
use std::io::{self, IoSliceMut};
use std::net::UdpSocket;
use std::time::Duration;

use quinn_udp::{RecvMeta, Transmit, UdpSockRef, UdpSocketState};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::net::sockopt;

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

    /// Sends `contents` from `src` to `dst`, cut into datagrams of
    /// `segment` octets (the last may be shorter) if given; waits a little
    /// for room in the socket buffer.
    ///
    /// # Errors
    /// The socket's error, or `WouldBlock` if it stayed full.
    pub(crate) fn send(
        &self,
        src: IpAddr,
        dst: SocketAddr,
        contents: &[u8],
        segment: Option<usize>,
    ) -> io::Result<()> {
        let transmit = Transmit {
            destination: dst,
            ecn: None,
            contents,
            segment_size: segment,
            // a wildcard socket needs the SA's address as source
            src_ip: self.bound.ip().is_unspecified().then_some(src),
        };
        let mut waited = false;
        loop {
            match self
                .state
                .try_send(UdpSockRef::from(&self.socket), &transmit)
            {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && !waited => {
                    waited = true;
                    let mut fds = [PollFd::new(&self.socket, PollFlags::OUT)];
                    let timeout = Timespec::try_from(SEND_WAIT)
                        .map_err(|_| io::Error::other("timeout"))?;
                    poll(&mut fds, Some(&timeout))?;
                }
                other => return other,
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
        self.state
            .recv(UdpSockRef::from(&self.socket), bufs, meta)
    }
}
