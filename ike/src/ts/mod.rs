//! Traffic selectors (RFC 7296 §2.9) as strongSwan 5.9.8's charon
//! configures, proposes, narrows and prints them.
//!
//! A CHILD_SA's `local_ts`/`remote_ts` are [`TsSpec`]s. For a given IKE_SA
//! they are [`resolve`]d against the hosts they stand for (the IKE address
//! or the virtual IPs), which turns `dynamic` into that address. The
//! initiator sends [`propose`]'s selectors; the responder answers with
//! [`narrow`] of its resolved configuration and the received TSi/TSr, and
//! the initiator checks the response the same way. An empty result is
//! TS_UNACCEPTABLE.
//!
//! Like charon, everything here reads an ICMP/ICMPv6 "port" below 256 as a
//! message type in the high byte ([`charon_view`]), also in selectors from
//! the peer.

mod addr;
mod display;
mod names;
mod narrow;

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::wire::{IpRange, TrafficSelector};

pub use display::TsList;
pub use narrow::{charon_view, compare, intersect, is_subset, narrow, remove_redundant, sort};

/// One configured `local_ts`/`remote_ts` entry (swanctl syntax parsed
/// elsewhere): an inclusive address range with a protocol and port range.
/// For ICMP/ICMPv6 the ports hold `type << 8 | code` (RFC 7296 §3.13.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TsSpec {
    /// IP protocol number, 0 for any.
    pub protocol: u8,
    /// First port (0 with `to_port` 65535: any; 65535 with 0: OPAQUE).
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
    /// First address.
    pub from: IpAddr,
    /// Last address.
    pub to: IpAddr,
    /// Stands for the host's address (`dynamic`); `from` and `to` are then
    /// ignored.
    pub dynamic: bool,
}

impl TsSpec {
    /// `dynamic`, any protocol and port: swanctl's default for both sides.
    #[must_use]
    pub const fn dynamic() -> Self {
        Self {
            dynamic: true,
            ..Self::range(
                IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                IpAddr::V4(Ipv4Addr::BROADCAST),
            )
        }
    }

    /// `addr/prefix`, any protocol and port, host bits cleared; a prefix
    /// longer than the family is clamped to it.
    #[must_use]
    pub fn subnet(addr: IpAddr, prefix: u8) -> Self {
        match addr {
            IpAddr::V4(a) => {
                let (from, to) = addr::subnet(a, prefix);
                Self::range(from.into(), to.into())
            }
            IpAddr::V6(a) => {
                let (from, to) = addr::subnet(a, prefix);
                Self::range(from.into(), to.into())
            }
        }
    }

    /// `from-to`, any protocol and port.
    #[must_use]
    pub const fn range(from: IpAddr, to: IpAddr) -> Self {
        Self {
            protocol: 0,
            from_port: 0,
            to_port: u16::MAX,
            from,
            to,
            dynamic: false,
        }
    }

    /// Restricted to `[protocol/from_port-to_port]`. For ICMP/ICMPv6 a port
    /// below 256 is a message type, as in swanctl's `[icmp/8]`.
    #[must_use]
    pub const fn with_protocol(self, protocol: u8, from_port: u16, to_port: u16) -> Self {
        Self {
            protocol,
            from_port,
            to_port,
            ..self
        }
    }

    /// The selector of a non-`dynamic` entry; `None` for `dynamic` and for
    /// a range whose ends are of different families.
    #[must_use]
    pub fn selector(&self) -> Option<TrafficSelector> {
        if self.dynamic {
            return None;
        }
        match (self.from, self.to) {
            (IpAddr::V4(from), IpAddr::V4(to)) => {
                Some(TrafficSelector::Ipv4(self.ip_range(from, to)))
            }
            (IpAddr::V6(from), IpAddr::V6(to)) => {
                Some(TrafficSelector::Ipv6(self.ip_range(from, to)))
            }
            _ => None,
        }
    }

    /// The entry with its addresses replaced by `host`, keeping protocol
    /// and ports (charon's `set_address`): that one address in its family,
    /// or the whole family for an unspecified host (0.0.0.0/0, ::/0).
    #[must_use]
    pub fn at_host(&self, host: IpAddr) -> TrafficSelector {
        match host {
            IpAddr::V4(a) if a.is_unspecified() => {
                TrafficSelector::Ipv4(self.ip_range(a, Ipv4Addr::BROADCAST))
            }
            IpAddr::V4(a) => TrafficSelector::Ipv4(self.ip_range(a, a)),
            IpAddr::V6(a) if a.is_unspecified() => {
                TrafficSelector::Ipv6(self.ip_range(a, Ipv6Addr::from(u128::MAX)))
            }
            IpAddr::V6(a) => TrafficSelector::Ipv6(self.ip_range(a, a)),
        }
    }

    /// Whether the (non-`dynamic`) range holds `host` of the same family
    /// (charon's `includes`).
    fn includes(&self, host: IpAddr) -> bool {
        let same_family =
            self.from.is_ipv4() == host.is_ipv4() && self.to.is_ipv4() == host.is_ipv4();
        same_family && self.from <= host && host <= self.to
    }

    fn ip_range<A: Copy>(&self, start: A, end: A) -> IpRange<A> {
        charon_view(&IpRange {
            ip_protocol: self.protocol,
            start_port: self.from_port,
            end_port: self.to_port,
            start,
            end,
        })
    }
}

/// The selectors a CHILD_SA stands for with `hosts` as its `dynamic`
/// addresses (the first step of charon's `get_traffic_selectors`): each
/// `dynamic` entry once per host, in that host's family ([`TsSpec::at_host`]),
/// the others as configured, of both families. This is the `configured`
/// side of [`narrow`].
///
/// `hosts` are our IKE address or our virtual IPs (unspecified ones while
/// requesting them), or the peer's IKE address or assigned virtual IPs.
/// Without hosts (a peer that should get a virtual IP from our pool and has
/// none) `dynamic` entries select nothing and are left out; charon would
/// propose them as 0.0.0.0/0, then reject any answer to them.
#[must_use]
pub fn resolve(specs: &[TsSpec], hosts: &[IpAddr]) -> Vec<TrafficSelector> {
    specs
        .iter()
        .flat_map(|spec| resolve_one(spec, hosts))
        .collect()
}

/// What an initiator sends in TSi or TSr: [`resolve`] without the entries
/// that others contain ([`remove_redundant`]).
#[must_use]
pub fn propose(specs: &[TsSpec], hosts: &[IpAddr]) -> Vec<TrafficSelector> {
    remove_redundant(resolve(specs, hosts))
}

/// [`propose`] for a transport-mode CHILD_SA not in proxy mode: charon then
/// also narrows every other entry to each host it includes (drops it if it
/// includes none) and leaves it as it is for an unspecified host.
#[must_use]
pub fn propose_transport(specs: &[TsSpec], hosts: &[IpAddr]) -> Vec<TrafficSelector> {
    let derived = specs
        .iter()
        .flat_map(|spec| transport_one(spec, hosts))
        .collect();
    remove_redundant(derived)
}

fn resolve_one(spec: &TsSpec, hosts: &[IpAddr]) -> Vec<TrafficSelector> {
    if spec.dynamic {
        hosts.iter().map(|&host| spec.at_host(host)).collect()
    } else {
        spec.selector().into_iter().collect()
    }
}

fn transport_one(spec: &TsSpec, hosts: &[IpAddr]) -> Vec<TrafficSelector> {
    if spec.dynamic || hosts.is_empty() {
        return resolve_one(spec, hosts);
    }
    hosts
        .iter()
        .filter_map(|&host| {
            if host.is_unspecified() {
                spec.selector()
            } else {
                spec.includes(host).then(|| spec.at_host(host))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
