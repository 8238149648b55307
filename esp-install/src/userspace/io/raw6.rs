//! ESP straight over IPv6 (next header 50, RFC 4303 §2) when no NAT asks
//! for UDP encapsulation. Unlike IPv4's, an IPv6 raw socket hands over
//! only what follows the IPv6 header and its extension headers (RFC 3542
//! §3): the ESP packet. Its source comes with `recvmsg`, its destination
//! in an `IPV6_PKTINFO` control message (`IPV6_RECVPKTINFO`, RFC 3542
//! §6.1). Sends are ESP payloads, the kernel adding the IPv6 header.

use core::net::{Ipv6Addr, SocketAddrV6};
use std::io::{self, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrIn6, sockopt};
use rustix::net::{AddressFamily, SendFlags};

/// Room for the `IPV6_PKTINFO` message (`CMSG_SPACE` of a 20-octet
/// `in6_pktinfo` is 40) and one more, aligned as `struct cmsghdr`.
#[repr(C, align(8))]
struct Control([u8; 64]);

/// One ESP packet read: its length and outer addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) len: usize,
    pub(crate) src: Ipv6Addr,
    pub(crate) dst: Ipv6Addr,
}

/// A raw IPv6 ESP socket.
pub(crate) struct RawEsp6 {
    fd: OwnedFd,
}

impl RawEsp6 {
    /// Opens it (needs `CAP_NET_RAW`).
    ///
    /// # Errors
    /// If the socket cannot be made (no IPv6) or set up.
    pub(crate) fn open() -> io::Result<Self> {
        let fd = super::raw::esp_socket(AddressFamily::INET6)?;
        nix::sys::socket::setsockopt(&fd, sockopt::Ipv6RecvPacketInfo, &true)
            .map_err(io::Error::from)?;
        // ESP beyond the path MTU: let IP fragment our own
        rustix::net::sockopt::set_ipv6_mtu_discover(
            &fd,
            rustix::net::sockopt::Ipv6PathMtuDiscovery::WANT,
        )?;
        Ok(Self { fd })
    }

    /// Reads one ESP packet into `buf`.
    ///
    /// # Errors
    /// `WouldBlock` when nothing is queued; the socket's error; a packet
    /// larger than `buf` or without its addresses.
    pub(crate) fn recv(&self, buf: &mut [u8]) -> io::Result<Received> {
        let mut control = Control([0; 64]);
        let mut iov = [IoSliceMut::new(buf)];
        let msg = nix::sys::socket::recvmsg::<SockaddrIn6>(
            self.fd.as_raw_fd(),
            &mut iov,
            Some(&mut control.0),
            MsgFlags::MSG_TRUNC,
        )
        .map_err(io::Error::from)?;
        if msg.flags.contains(MsgFlags::MSG_TRUNC) {
            return Err(io::Error::other("oversized raw ESP packet"));
        }
        let src = msg.address.map(|a| a.ip());
        let dst = msg
            .cmsgs()
            .ok()
            .and_then(|mut cmsgs| destination(&mut cmsgs));
        match (src, dst) {
            (Some(src), Some(dst)) => Ok(Received {
                len: msg.bytes,
                src,
                dst,
            }),
            _ => Err(io::Error::other("raw ESP packet without its addresses")),
        }
    }

    /// Sends an ESP packet to `dst`.
    ///
    /// # Errors
    /// The socket's error.
    pub(crate) fn send(&self, dst: Ipv6Addr, esp: &[u8]) -> io::Result<()> {
        let to = SocketAddrV6::new(dst, 0, 0, 0);
        rustix::net::sendto(&self.fd, esp, SendFlags::empty(), &to)?;
        Ok(())
    }
}

/// The destination address in the first `IPV6_PKTINFO` message.
fn destination(cmsgs: &mut impl Iterator<Item = ControlMessageOwned>) -> Option<Ipv6Addr> {
    cmsgs.find_map(|cmsg| match cmsg {
        ControlMessageOwned::Ipv6PacketInfo(info) => Some(Ipv6Addr::from(info.ipi6_addr.s6_addr)),
        _ => None,
    })
}

impl AsFd for RawEsp6 {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use nix::libc::{in6_addr, in6_pktinfo};

    use super::*;

    fn pktinfo(addr: &str) -> ControlMessageOwned {
        let addr: Ipv6Addr = addr.parse().expect("address");
        ControlMessageOwned::Ipv6PacketInfo(in6_pktinfo {
            ipi6_addr: in6_addr {
                s6_addr: addr.octets(),
            },
            ipi6_ifindex: 2,
        })
    }

    #[test]
    fn the_destination_is_the_first_ipv6_pktinfo_address() {
        let cmsgs = [
            ControlMessageOwned::Ipv6TClass(0),
            pktinfo("fd00::2"),
            pktinfo("fd00::3"),
        ];
        assert_eq!(
            destination(&mut cmsgs.into_iter()),
            Some("fd00::2".parse().expect("address"))
        );
    }

    /// Reads until the packet starting with `spi` (others on the host's
    /// loopback are skipped), or two seconds passed.
    fn recv_spi(raw: &RawEsp6, spi: [u8; 4], buf: &mut [u8]) -> io::Result<Received> {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            match raw.recv(buf) {
                Ok(got) if buf.get(..4) == Some(&spi[..]) => return Ok(got),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if std::time::Instant::now() > until {
                        return Err(e);
                    }
                    super::super::wait_readable(raw, std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// An ESP packet sent to `::1` comes back with both addresses; one too
    /// large for the buffer is an error, and the next packet still reads.
    #[test]
    fn esp_over_ipv6_loopback_comes_back_with_its_addresses() {
        let raw = match RawEsp6::open() {
            Ok(raw) => raw,
            Err(e) if std::env::var_os("CYGNET_REQUIRE_INTEROP").is_none() => {
                println!("skipping: no IPv6 raw ESP socket ({e})");
                return;
            }
            Err(e) => panic!("CYGNET_REQUIRE_INTEROP is set but no IPv6 raw ESP socket: {e}"),
        };
        let spi = (0xc000_0000 | std::process::id()).to_be_bytes();
        let mut packet = [0x5a; 3000];
        packet[..4].copy_from_slice(&spi);
        let mut buf = [0; 1500];
        raw.send(Ipv6Addr::LOCALHOST, &packet).expect("sent");
        let big = recv_spi(&raw, spi, &mut buf);
        assert!(big.is_err(), "an oversized packet: {big:?}");
        raw.send(Ipv6Addr::LOCALHOST, &packet[..64]).expect("sent");
        let got = recv_spi(&raw, spi, &mut buf).expect("received");
        assert_eq!(
            got,
            Received {
                len: 64,
                src: Ipv6Addr::LOCALHOST,
                dst: Ipv6Addr::LOCALHOST,
            }
        );
        assert_eq!(buf[..64], packet[..64]);
    }

    #[test]
    fn without_ipv6_pktinfo_there_is_no_destination() {
        assert_eq!(destination(&mut core::iter::empty()), None);
        let cmsgs = [ControlMessageOwned::Ipv6TClass(0)];
        assert_eq!(destination(&mut cmsgs.into_iter()), None);
    }
}
