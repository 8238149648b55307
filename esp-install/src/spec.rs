//! What an [`Installer`](crate::Installer) installs: SAs (SAD entries,
//! RFC 4301 §4.4.2), after strongSwan's `kernel_ipsec_add_sa_t`.

use core::fmt;
use core::net::{IpAddr, SocketAddr};

use zeroize::Zeroizing;

use crate::InstallError;
use crate::alg::Algorithms;
use crate::policy::Selector;

/// IPsec protocol of an SA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// ESP (RFC 4303), IP protocol 50.
    Esp,
    /// AH (RFC 4302), IP protocol 51.
    Ah,
}

impl Protocol {
    /// The IP protocol number.
    #[must_use]
    pub const fn number(self) -> u8 {
        match self {
            Self::Esp => 50,
            Self::Ah => 51,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Esp => "ESP",
            Self::Ah => "AH",
        })
    }
}

/// IPsec mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Tunnel mode: a new outer IP header.
    Tunnel,
    /// Transport mode.
    Transport,
}

/// Which way an SA carries traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the peer to us.
    In,
    /// From us to the peer.
    Out,
}

/// Key material; `Debug` shows only the length and it is wiped on drop.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Key(Zeroizing<Vec<u8>>);

impl Key {
    /// Takes the key bytes.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key bytes (for the backend only; never log them).
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in octets.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no key (NULL encryption).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(<{} bytes>)", self.0.len())
    }
}

/// One set of limits; zero is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Seconds since the SA was added.
    pub time: u64,
    /// Bytes through the SA.
    pub bytes: u64,
    /// Packets through the SA.
    pub packets: u64,
}

/// When an SA expires: soft (report, so the daemon rekeys) and hard (stop
/// using it), as swanctl's `rekey_*` and `life_*`. The caller subtracts
/// the `rand_*` jitter from the soft limits once, before installing, as
/// charon does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lifetime {
    /// Soft limits (`rekey_time`, `rekey_bytes`, `rekey_packets`).
    pub soft: Limits,
    /// Hard limits (`life_time`, `life_bytes`, `life_packets`).
    pub hard: Limits,
}

/// A netfilter mark and mask (swanctl `mark_in`/`mark_out`,
/// `set_mark_in`/`set_mark_out`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mark {
    /// The value.
    pub value: u32,
    /// The bits that count.
    pub mask: u32,
}

/// swanctl `copy_dscp`: which way the DSCP field is copied between inner
/// and outer header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CopyDscp {
    /// Neither way.
    No,
    /// Outer to inner when decapsulating only.
    In,
    /// Inner to outer when encapsulating only (strongSwan's default).
    #[default]
    Out,
    /// Both ways.
    Yes,
}

/// swanctl `hw_offload`: what the SA asks of the network device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HwOffload {
    /// Software only.
    #[default]
    No,
    /// Crypto offload (`yes` or `crypto`): the NIC encrypts, the kernel
    /// does the rest; fail if unavailable.
    Crypto,
    /// Packet offload: the NIC does all of ESP; fail if unavailable.
    Packet,
    /// Packet, else crypto, else software.
    Auto,
}

/// The offload in effect for an installed SA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OffloadMode {
    /// Software.
    #[default]
    None,
    /// Crypto offload.
    Crypto,
    /// Packet offload.
    Packet,
}

impl fmt::Display for OffloadMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "no",
            Self::Crypto => "crypto",
            Self::Packet => "packet",
        })
    }
}

/// What identifies an SA (RFC 4301 §4.4.2: SPI, destination, protocol).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaId {
    /// The SPI.
    pub spi: u32,
    /// Outer destination address.
    pub dst: IpAddr,
    /// ESP or AH.
    pub protocol: Protocol,
}

/// One direction of a CHILD_SA, with everything swanctl can say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaSpec {
    /// SPI, destination and protocol.
    pub id: SaId,
    /// In or out.
    pub direction: Direction,
    /// Outer source address and port.
    pub src: SocketAddr,
    /// Outer destination address and port.
    pub dst: SocketAddr,
    /// Binds the SA to its policies.
    pub reqid: u32,
    /// Tunnel or transport.
    pub mode: Mode,
    /// ESP in UDP (RFC 3948) on the ports of `src` and `dst`.
    pub encap: bool,
    /// Transforms and keys.
    pub algorithms: Algorithms,
    /// Extended sequence numbers (RFC 4303 §2.2.1).
    pub esn: bool,
    /// Anti-replay window in packets, 0 for none (inbound SAs).
    pub replay_window: u32,
    /// Soft and hard limits.
    pub lifetime: Lifetime,
    /// Only packets with this mark use the SA.
    pub mark: Option<Mark>,
    /// Mark set on packets after processing (`set_mark_*`).
    pub set_mark: Option<Mark>,
    /// XFRM interface ID (`if_id_in`/`if_id_out`), 0 for none.
    pub if_id: u32,
    /// Copy the DF bit to the outer header (`copy_df`).
    pub copy_df: bool,
    /// Copy ECN bits between headers (`copy_ecn`, RFC 6040).
    pub copy_ecn: bool,
    /// Copy DSCP between headers (`copy_dscp`).
    pub copy_dscp: CopyDscp,
    /// TFC padding in octets (RFC 4303 §2.7), tunnel-mode ESP only.
    pub tfc_padding: u32,
    /// Hardware offload wanted.
    pub hw_offload: HwOffload,
    /// The interface to offload to; by default the one that owns the
    /// SA's local address (`dst` inbound, `src` outbound).
    pub offload_dev: Option<String>,
    /// Traffic selectors on our side.
    pub local_ts: Vec<Selector>,
    /// Traffic selectors on the peer's side.
    pub remote_ts: Vec<Selector>,
}

impl SaSpec {
    /// Our end of the SA: `dst` inbound, `src` outbound.
    #[must_use]
    pub fn local(&self) -> IpAddr {
        match self.direction {
            Direction::In => self.dst.ip(),
            Direction::Out => self.src.ip(),
        }
    }
}

/// New outer addresses and encapsulation of an installed SA (MOBIKE, RFC
/// 4555, or a NAT mapping change). The SA keeps its keys and counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaUpdate {
    /// New outer source address and port.
    pub src: SocketAddr,
    /// New outer destination address and port.
    pub dst: SocketAddr,
    /// ESP in UDP on those ports.
    pub encap: bool,
}

/// What an SA has carried.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaStats {
    /// Octets protected or verified.
    pub bytes: u64,
    /// Packets.
    pub packets: u64,
    /// When traffic last used the SA, if known.
    pub last_use: Option<std::time::SystemTime>,
}

impl SaSpec {
    /// charon's `adding SAD entry ...` line (its level 2), for backends
    /// without a kernel to report the mode.
    pub(crate) fn log_adding(&self) {
        tracing::debug!(
            target: "knl",
            "adding SAD entry with SPI {:08x} and reqid {{{}}} ({:?}, {} => {}{})",
            self.id.spi,
            self.reqid,
            self.direction,
            self.src,
            self.dst,
            if self.encap { ", UDP encapsulated" } else { "" },
        );
    }
}

impl SaSpec {
    /// Checks what every backend needs: one address family, `id.dst` the
    /// outer destination, keys that fit their transforms, AH with an
    /// integrity-only transform and ESP without, and no byte limits with
    /// packet offload (the NIC counts packets, not bytes).
    ///
    /// # Errors
    /// [`InstallError::Invalid`] saying what is wrong.
    pub fn check(&self) -> Result<(), InstallError> {
        let invalid = |why: String| Err(InstallError::Invalid(why));
        if self.src.is_ipv4() != self.dst.is_ipv4() {
            return invalid(format!("{} and {} differ in family", self.src, self.dst));
        }
        if self.id.dst != self.dst.ip() {
            return invalid(format!(
                "SA identity names {}, not {}",
                self.id.dst, self.dst
            ));
        }
        self.algorithms.check_keys().or_else(invalid)?;
        let auth_only = matches!(self.algorithms, Algorithms::Auth { .. });
        if auth_only != (self.id.protocol == Protocol::Ah) {
            return invalid(format!(
                "{} SA with {:?}",
                self.id.protocol, self.algorithms
            ));
        }
        let bytes = self.lifetime.soft.bytes != 0 || self.lifetime.hard.bytes != 0;
        if self.hw_offload == HwOffload::Packet && bytes {
            return invalid(
                "packet offload cannot count bytes: use rekey_packets/life_packets, \
                 not rekey_bytes/life_bytes"
                    .into(),
            );
        }
        Ok(())
    }
}
