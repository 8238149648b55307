//! Selectors printed as charon's `%R` does: `10.1.0.0/16`,
//! `10.1.0.1..10.1.0.99[udp/1234-1235]`, `192.168.0.5/32[tcp/http]`,
//! `fec1::/64[ipv6-icmp/1(4)]`, `dynamic[icmp]`; lists as `%#R` does.

use core::fmt::{self, Write as _};

use super::TsSpec;
use super::addr::{Addr, prefix_len};
use super::names::{protocol_name, service_name};
use super::narrow::{ICMP, ICMPV6, charon_view};
use crate::wire::{IpRange, TrafficSelector, TrafficSelectors};

/// A selector list as charon prints one (`%#R`): the selectors separated by
/// single spaces, nothing when empty. charon's "CHILD_SA … established …
/// and TS 10.1.0.0/16 === 10.2.0.0/16" prints two of them, [`sort`]ed.
///
/// [`sort`]: super::sort
#[derive(Clone, Copy, Debug)]
pub struct TsList<'a>(pub &'a [TrafficSelector]);

impl fmt::Display for TsList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, ts) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{ts}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TrafficSelectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        TsList(&self.0).fmt(f)
    }
}

/// The address range as a subnet (`10.1.0.0/16`) where it is one, else as
/// `first..last`, then `[protocol/ports]` unless both are "any". Other
/// selector types, which charon never prints, show their type.
impl fmt::Display for TrafficSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipv4(range) => fmt_range(f, range),
            Self::Ipv6(range) => fmt_range(f, range),
            Self::Other { ty, .. } => write!(f, "{ty}"),
        }
    }
}

/// `dynamic` with its `[protocol/ports]`, other entries as their selector.
impl fmt::Display for TsSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.selector() {
            Some(ts) => ts.fmt(f),
            None if self.dynamic => {
                f.write_str("dynamic")?;
                let range = charon_view(&IpRange {
                    ip_protocol: self.protocol,
                    start_port: self.from_port,
                    end_port: self.to_port,
                    start: (),
                    end: (),
                });
                fmt_protocol_ports(f, &range)
            }
            None => write!(f, "{}..{}", self.from, self.to),
        }
    }
}

fn fmt_range<A: Addr>(f: &mut fmt::Formatter<'_>, range: &IpRange<A>) -> fmt::Result {
    let range = charon_view(range);
    range.start.ntop(f)?;
    match prefix_len(range.start, range.end) {
        Some(bits) => write!(f, "/{bits}")?,
        None => {
            f.write_str("..")?;
            range.end.ntop(f)?;
        }
    }
    fmt_protocol_ports(f, &range)
}

/// `[tcp/http]`, `[udp]`, `[0/1000-2000]`, `[icmp/8]`, `[17/OPAQUE]`; nothing
/// for any protocol and any port.
fn fmt_protocol_ports<A>(f: &mut fmt::Formatter<'_>, range: &IpRange<A>) -> fmt::Result {
    let any_port = range.start_port == 0 && range.end_port == u16::MAX;
    if range.ip_protocol == 0 && any_port {
        return Ok(());
    }
    let name = protocol_name(range.ip_protocol);
    match name {
        Some(name) => write!(f, "[{name}")?,
        None => write!(f, "[{}", range.ip_protocol)?,
    }
    if !any_port {
        f.write_char('/')?;
        fmt_ports(f, range, name)?;
    }
    f.write_char(']')
}

/// One port by service name (`getservbyport` for the protocol's name, or
/// for any protocol when it has none), ICMP type and code, OPAQUE, or a
/// range.
fn fmt_ports<A>(
    f: &mut fmt::Formatter<'_>,
    range: &IpRange<A>,
    protocol: Option<&str>,
) -> fmt::Result {
    let (start, end) = (range.start_port, range.end_port);
    let icmp = matches!(range.ip_protocol, ICMP | ICMPV6);
    if start == end && icmp {
        fmt_icmp(f, start)
    } else if start == end {
        match service_name(start, protocol) {
            Some(service) => f.write_str(service),
            None => write!(f, "{start}"),
        }
    } else if (start, end) == (u16::MAX, 0) {
        f.write_str("OPAQUE")
    } else if icmp {
        fmt_icmp(f, start)?;
        f.write_char('-')?;
        fmt_icmp(f, end)
    } else {
        write!(f, "{start}-{end}")
    }
}

/// ICMP type, and code in parentheses unless 0: `8`, `3(1)`.
fn fmt_icmp(f: &mut fmt::Formatter<'_>, port: u16) -> fmt::Result {
    let [ty, code] = port.to_be_bytes();
    if code == 0 {
        write!(f, "{ty}")
    } else {
        write!(f, "{ty}({code})")
    }
}
