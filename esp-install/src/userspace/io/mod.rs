//! The userspace backend's I/O: the [`Installer`](crate::Installer) over
//! the sans-IO [`Dataplane`](super::Dataplane), after strongSwan's
//! kernel-libipsec.
//!
//! * A TUN device (`ipsec0` like libipsec's, MTU [`DEFAULT_MTU`]) with TCP
//!   and UDP offloads; each outbound policy routes the peer's selector
//!   into it in table 220 with one of our addresses inside our selector
//!   as source ([`routing`]).
//! * ESP in UDP (RFC 3948) on the daemon's NAT-T sockets: the backend
//!   reads them and hands IKE messages (non-ESP marker) to an
//!   [`IkeSink`]; the daemon keeps sending IKE on them. Raw ESP (IP
//!   protocol 50) over IPv4 and IPv6 when the SA is not encapsulated
//!   ([`raw`], [`raw6`]).
//! * Two threads: outbound (TUN → SPD → ESP → socket) and inbound
//!   (socket → ESP → TUN), batched syscalls both ways (TUN super-packets,
//!   `recvmmsg` with UDP GRO, UDP GSO sends), buffers allocated once. The
//!   data path sits behind one mutex, locked once per batch.
//! * Expiries and acquires reach the daemon as [`KernelEvent`]s.

mod cmsg;
mod inbound;
mod installer;
mod outbound;
mod raw;
mod raw6;
pub mod routing;
mod rtnl;
mod shared;
mod udp;

use std::io;
use std::net::UdpSocket;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use tun_rs::{DeviceBuilder, SyncDevice};

pub use installer::UserspaceInstaller;
pub use shared::{IkeDatagram, IkeSink};

use self::raw::RawEsp;
use self::raw6::RawEsp6;
use self::shared::Shared;
use self::udp::NatT;
use crate::KernelEvent;

/// libipsec's TUN MTU (`charon.plugins.kernel-libipsec.mtu`): room for
/// outer IPv6, UDP, ESP header, IV, padding and ICV within 1500.
pub const DEFAULT_MTU: u16 = 1400;

/// What the backend needs from the daemon.
pub struct UserspaceConfig {
    /// TUN device name; `%d` picks the first free number (`ipsec%d`).
    pub tun_name: String,
    /// Its MTU.
    pub mtu: u16,
    /// The NAT-T sockets (bound to the IKE NAT-T port), read by the
    /// backend from now on; the daemon may keep clones for sending.
    pub nat_t: Vec<UdpSocket>,
    /// The daemon's IKE ports, kept out of the TUN device's routes.
    pub ike_ports: Vec<u16>,
    /// Where IKE messages arriving on the NAT-T sockets go.
    pub ike: IkeSink,
}

impl UserspaceConfig {
    /// Defaults for everything but the sockets and the sink.
    #[must_use]
    pub fn new(nat_t: Vec<UdpSocket>, ike_ports: Vec<u16>, ike: IkeSink) -> Self {
        Self {
            tun_name: "ipsec%d".into(),
            mtu: DEFAULT_MTU,
            nat_t,
            ike_ports,
            ike,
        }
    }
}

/// Everything both packet threads use.
pub(crate) struct Io {
    pub(crate) shared: Shared,
    pub(crate) tun: Arc<SyncDevice>,
    pub(crate) mtu: u16,
    pub(crate) nat_t: Vec<NatT>,
    pub(crate) raw: Option<RawEsp>,
    pub(crate) raw6: Option<RawEsp6>,
    /// Whether unencapsulated ESP without a raw socket was reported.
    pub(crate) warned_raw: AtomicBool,
}

impl Io {
    fn new(
        config: UserspaceConfig,
        tun: Arc<SyncDevice>,
        events: tokio::sync::mpsc::Sender<KernelEvent>,
    ) -> io::Result<Self> {
        let nat_t = config
            .nat_t
            .into_iter()
            .map(NatT::new)
            .collect::<io::Result<Vec<_>>>()?;
        let raw = RawEsp::open()
            .inspect_err(|e| {
                tracing::warn!(target: "esp", "no raw ESP socket ({e}): only UDP-encapsulated ESP works");
            })
            .ok();
        let raw6 = RawEsp6::open()
            .inspect_err(|e| {
                tracing::warn!(target: "esp", "no IPv6 raw ESP socket ({e}): only UDP-encapsulated \
                    ESP works over IPv6");
            })
            .ok();
        Ok(Self {
            shared: Shared::new(events, config.ike),
            tun,
            mtu: config.mtu,
            nat_t,
            raw,
            raw6,
            warned_raw: AtomicBool::new(false),
        })
    }
}

/// Creates the TUN device, with offloads if the kernel has them.
fn open_tun(name: &str, mtu: u16) -> io::Result<SyncDevice> {
    let build = |offload: bool| {
        DeviceBuilder::new()
            .name(name)
            .mtu(mtu)
            .offload(offload)
            .build_sync()
    };
    let tun = build(true).or_else(|e| {
        tracing::info!(target: "esp", "TUN offloads unavailable ({e}), packets one by one");
        build(false)
    })?;
    tun.set_nonblocking(true)?;
    Ok(tun)
}

/// Sleeps until `fd` is readable or `timeout` passed.
pub(crate) fn wait_readable(fd: &impl AsFd, timeout: Duration) {
    let Ok(timeout) = Timespec::try_from(timeout) else {
        return;
    };
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    let _ = poll(&mut fds, Some(&timeout));
}
