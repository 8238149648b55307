//! What an [`Installer`](crate::Installer) installs: SAs (SAD entries) and
//! policies (SPD entries), RFC 4301 §4.4.

use core::fmt;
use core::net::{IpAddr, SocketAddr};

use zeroize::Zeroizing;

/// IPsec protocol of an SA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// ESP (RFC 4303), IP protocol 50.
    Esp,
    /// AH (RFC 4302), IP protocol 51.
    Ah,
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

    /// Whether there is no key (AEAD integrity, NULL encryption).
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

/// Byte and packet limits of an SA; zero is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lifetime {
    /// Soft byte limit: report a soft expire.
    pub soft_bytes: u64,
    /// Hard byte limit: stop using the SA.
    pub hard_bytes: u64,
    /// Soft packet limit.
    pub soft_packets: u64,
    /// Hard packet limit.
    pub hard_packets: u64,
}

/// An inclusive address range with protocol and port range (a traffic
/// selector, RFC 4301 §4.4.1.1); protocol 0 is any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// First address.
    pub from: IpAddr,
    /// Last address.
    pub to: IpAddr,
    /// IP protocol, 0 for any.
    pub protocol: u8,
    /// First port.
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)?;
        } else {
            write!(f, "{}..{}", self.from, self.to)?;
        }
        if self.protocol != 0 {
            write!(f, "[{}/{}-{}]", self.protocol, self.from_port, self.to_port)?;
        }
        Ok(())
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

/// One direction of a CHILD_SA.
#[derive(Clone, Debug)]
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
    /// Encryption algorithm: IKEv2 transform ID (RFC 7296 §3.3.2, type 1).
    pub encr_alg: u16,
    /// Encryption key (with the salt for AEAD).
    pub encr_key: Key,
    /// Integrity algorithm (type 3), `None` for AEAD.
    pub integ_alg: Option<u16>,
    /// Integrity key.
    pub integ_key: Key,
    /// Extended sequence numbers (RFC 4303 §2.2.1).
    pub esn: bool,
    /// Anti-replay window in packets, 0 for none.
    pub replay_window: u32,
    /// Byte and packet limits.
    pub lifetime: Lifetime,
    /// Traffic selectors on our side.
    pub local_ts: Vec<Selector>,
    /// Traffic selectors on the peer's side.
    pub remote_ts: Vec<Selector>,
}

/// Which traffic a policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyDirection {
    /// Arriving for us.
    In,
    /// Leaving us.
    Out,
    /// Forwarded through us.
    Fwd,
}

/// A policy that sends matching traffic through the SAs of `reqid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySpec {
    /// Which traffic.
    pub direction: PolicyDirection,
    /// Source selector.
    pub src_ts: Selector,
    /// Destination selector.
    pub dst_ts: Selector,
    /// The SAs to use.
    pub reqid: u32,
    /// Tunnel or transport.
    pub mode: Mode,
    /// Outer source address (tunnel mode).
    pub src: IpAddr,
    /// Outer destination address (tunnel mode).
    pub dst: IpAddr,
}
