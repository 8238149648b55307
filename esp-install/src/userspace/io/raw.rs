//! ESP straight over IPv4 (IP protocol 50, RFC 4303 §2) when no NAT asks
//! for UDP encapsulation: a raw socket that receives whole IP packets
//! (Linux hands IPv4 raw sockets the header) and sends ESP payloads, the
//! kernel adding the outer header.

use core::net::{Ipv4Addr, SocketAddrV4};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType, ipproto, sockopt};

use super::udp::SOCKET_BUFFER;

/// A raw IPv4 ESP socket.
pub(crate) struct RawEsp {
    fd: OwnedFd,
}

impl RawEsp {
    /// Opens it (needs `CAP_NET_RAW`).
    ///
    /// # Errors
    /// If the socket cannot be made.
    pub(crate) fn open() -> io::Result<Self> {
        let fd = esp_socket(AddressFamily::INET)?;
        // the peer's ESP may exceed our MTU; let IP fragment our own
        sockopt::set_ip_mtu_discover(&fd, sockopt::Ipv4PathMtuDiscovery::WANT)?;
        Ok(Self { fd })
    }

    /// Reads one IP packet into `buf`; its length.
    ///
    /// # Errors
    /// `WouldBlock` when nothing is queued; the socket's error.
    pub(crate) fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let (len, full) = rustix::net::recv(&self.fd, buf, RecvFlags::TRUNC)?;
        if full > len {
            return Err(io::Error::other("oversized raw ESP packet"));
        }
        Ok(len)
    }

    /// Sends an ESP packet to `dst`.
    ///
    /// # Errors
    /// The socket's error.
    pub(crate) fn send(&self, dst: Ipv4Addr, esp: &[u8]) -> io::Result<()> {
        let to = SocketAddrV4::new(dst, 0);
        rustix::net::sendto(&self.fd, esp, SendFlags::empty(), &to)?;
        Ok(())
    }
}

/// A non-blocking raw socket of `family` for IP protocol 50 (needs
/// `CAP_NET_RAW`), with room for bursts of single packets: a few thousand
/// both ways (root may exceed `net.core.[rw]mem_max`, others get what it
/// allows).
pub(crate) fn esp_socket(family: AddressFamily) -> io::Result<OwnedFd> {
    let fd = rustix::net::socket_with(
        family,
        SocketType::RAW,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        Some(ipproto::ESP),
    )?;
    if sockopt::set_socket_recv_buffer_size_force(&fd, SOCKET_BUFFER).is_err() {
        let _ = sockopt::set_socket_recv_buffer_size(&fd, SOCKET_BUFFER);
    }
    if sockopt::set_socket_send_buffer_size_force(&fd, SOCKET_BUFFER).is_err() {
        let _ = sockopt::set_socket_send_buffer_size(&fd, SOCKET_BUFFER);
    }
    Ok(fd)
}

impl AsFd for RawEsp {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
