//! What the kernel ESP backend needs of the IKE sockets, as charon's
//! kernel-netlink does (`kernel_netlink_ipsec.c`, `bypass_socket` and
//! `enable_udp_decap`):
//!
//! - a per-socket bypass policy in and out on every socket, so IKE
//!   messages pass policies that would protect or block the traffic
//!   between the peers themselves (host-to-host tunnels, `block` shunts);
//! - `UDP_ENCAP_ESPINUDP` on the NAT-T sockets, so the kernel takes ESP in
//!   UDP (RFC 3948) off them and hands us only IKE messages (with their
//!   non-ESP marker) and nothing of the keepalives.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use super::Sockets;

/// `linux/udp.h`.
const UDP_ENCAP: libc::c_int = 100;
const UDP_ENCAP_ESPINUDP: libc::c_int = 2;
/// `linux/in.h`, `linux/in6.h`.
const IP_XFRM_POLICY: libc::c_int = 17;
const IPV6_XFRM_POLICY: libc::c_int = 35;
/// `linux/xfrm.h`.
const XFRM_POLICY_IN: u8 = 0;
const XFRM_POLICY_OUT: u8 = 1;
const XFRM_POLICY_ALLOW: u8 = 0;

/// `struct xfrm_userpolicy_info` (`linux/xfrm.h`), of which a socket
/// policy needs the family, the direction and the action; every selector
/// and lifetime field stays zero.
#[repr(C)]
#[derive(Default)]
struct UserPolicyInfo {
    /// `struct xfrm_selector`: daddr, saddr (16 octets each), then the
    /// ports and masks (8), family (2), prefix lengths and protocol (3),
    /// padding (1), ifindex (4), user (4).
    sel_addrs: [u8; 32],
    sel_ports: [u16; 4],
    sel_family: u16,
    sel_prefix_proto: [u8; 3],
    sel_pad: u8,
    sel_ifindex: i32,
    sel_user: u32,
    /// `struct xfrm_lifetime_cfg` (8 × u64) and `xfrm_lifetime_cur`
    /// (4 × u64).
    lft: [u64; 8],
    curlft: [u64; 4],
    priority: u32,
    index: u32,
    dir: u8,
    action: u8,
    flags: u8,
    share: u8,
}

impl Sockets {
    /// Prepares every socket for kernel ESP: bypass policies on all,
    /// ESP-in-UDP decapsulation on the NAT-T ones.
    ///
    /// # Errors
    /// If the kernel refuses an option (no XFRM, no `CAP_NET_ADMIN`).
    pub(crate) fn prepare_for_kernel_esp(&self) -> io::Result<()> {
        for sock in &self.socks {
            let Some(udp) = &sock.tokio else {
                continue;
            };
            let what = |e: io::Error, option: &str| {
                io::Error::new(e.kind(), format!("{option} on {}: {e}", sock.bound))
            };
            bypass(udp.as_fd(), sock.bound.is_ipv6()).map_err(|e| what(e, "bypass policy"))?;
            if sock.nat_t {
                udp_encap(udp.as_fd()).map_err(|e| what(e, "UDP_ENCAP"))?;
            }
            tracing::info!(target: "net", "socket {}: IKE bypass policies{}", sock.bound,
                if sock.nat_t { ", ESP in UDP to the kernel" } else { "" });
        }
        Ok(())
    }
}

/// Lets the kernel decapsulate ESP in UDP arriving on `fd`.
pub(crate) fn udp_encap(fd: BorrowedFd<'_>) -> io::Result<()> {
    setsockopt(fd, libc::SOL_UDP, UDP_ENCAP, &UDP_ENCAP_ESPINUDP)
}

/// Exempts `fd`'s traffic from IPsec policies, inbound and outbound.
pub(crate) fn bypass(fd: BorrowedFd<'_>, ipv6: bool) -> io::Result<()> {
    let (level, option, family) = if ipv6 {
        (libc::SOL_IPV6, IPV6_XFRM_POLICY, libc::AF_INET6)
    } else {
        (libc::SOL_IP, IP_XFRM_POLICY, libc::AF_INET)
    };
    for dir in [XFRM_POLICY_OUT, XFRM_POLICY_IN] {
        let policy = UserPolicyInfo {
            sel_family: u16::try_from(family).unwrap_or_default(),
            dir,
            action: XFRM_POLICY_ALLOW,
            ..UserPolicyInfo::default()
        };
        setsockopt(fd, level, option, &policy)?;
    }
    Ok(())
}

#[allow(unsafe_code)] // setsockopt(2) has no safe binding for these options
fn setsockopt<T>(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    option: libc::c_int,
    value: &T,
) -> io::Result<()> {
    let len = libc::socklen_t::try_from(size_of::<T>())
        .map_err(|_| io::Error::other("socket option too large"))?;
    // SAFETY: `fd` is an open descriptor for the duration of the call and
    // `value` points to `len` initialised bytes that outlive it; the
    // kernel only reads them.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            option,
            core::ptr::from_ref(value).cast(),
            len,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;
    use std::net::UdpSocket;

    use super::*;

    fn bound(addr: &str) -> UdpSocket {
        let s = UdpSocket::bind(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        s
    }

    #[test]
    fn the_policy_has_the_kernels_layout() {
        // sizeof(struct xfrm_userpolicy_info) on 64-bit Linux
        assert_eq!(size_of::<UserPolicyInfo>(), 168);
    }

    /// Needs CAP_NET_ADMIN and XFRM (root on this project's machines).
    fn privileged() -> bool {
        let probe = bound("127.0.0.1:0");
        match bypass(probe.as_fd(), false) {
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
                println!("skipping: no CAP_NET_ADMIN");
                false
            }
            _ => true,
        }
    }

    #[test]
    fn the_kernel_takes_bypass_policies_on_v4_and_v6_sockets() {
        if !privileged() {
            return;
        }
        let v4 = bound("127.0.0.1:0");
        bypass(v4.as_fd(), false).unwrap();
        let v6 = UdpSocket::bind("[::1]:0");
        if let Ok(v6) = v6 {
            bypass(v6.as_fd(), true).unwrap();
        }
        // a v6 policy on a v4 socket is refused: the kernel checks what
        // it is given
        let err = bypass(v4.as_fd(), true).unwrap_err();
        assert!(err.raw_os_error().is_some(), "{err}");
    }

    #[test]
    fn with_udp_encap_the_kernel_keeps_esp_and_keepalives_and_passes_ike() {
        let nat_t = bound("127.0.0.1:0");
        udp_encap(nat_t.as_fd()).unwrap();
        let to = nat_t.local_addr().unwrap();
        let peer = bound("127.0.0.1:0");
        // ESP (a non-zero SPI), a NAT keepalive, then IKE with its marker
        peer.send_to(&[0xc1, 0xc2, 0xc3, 0xc4, 0, 0, 0, 1, 0xaa], to)
            .unwrap();
        peer.send_to(&[0xff], to).unwrap();
        let ike = [0, 0, 0, 0, 0x11, 0x22];
        peer.send_to(&ike, to).unwrap();
        let mut buf = [0u8; 64];
        let n = nat_t.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], &ike, "only the IKE message reaches the socket");
    }

    #[test]
    fn without_udp_encap_everything_reaches_the_socket() {
        let plain = bound("127.0.0.1:0");
        let peer = bound("127.0.0.1:0");
        peer.send_to(&[0xff], plain.local_addr().unwrap()).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(plain.recv(&mut buf).unwrap(), 1);
    }
}
