//! Traffic selectors (`local_ts`/`remote_ts`, reference §2.3):
//! `CIDR | from-to | addr | dynamic | %dynamic`, each optionally followed by
//! `[proto/port]` — `[tcp/80]`, `[icmp]`, `[udp/1000-2000]`, `[any/opaque]`,
//! `[/53]`, numeric protocols and ports, service and protocol names.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::ValueError;
use super::value::{STR_BUF, stringify};

const ICMP: u8 = 1;
const ICMPV6: u8 = 58;

/// A traffic selector: an address range with protocol and port range.
///
/// Addresses are kept as the inclusive range `from..=to` (a subnet is the
/// range it covers). For ICMP/ICMPv6 the ports hold `type << 8 | code`,
/// as in IKEv2 (RFC 7296 §3.13.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrafficSelector {
    pub protocol: u8,
    pub from_port: u16,
    pub to_port: u16,
    pub from: IpAddr,
    pub to: IpAddr,
    /// `dynamic`: replaced by the outer address (or virtual IP) at runtime;
    /// `from`/`to` then span all of IPv4.
    pub dynamic: bool,
}

impl TrafficSelector {
    /// `dynamic` with any protocol and port, the default of both sides.
    pub fn dynamic() -> Self {
        Self::dynamic_with(0, 0, 0xffff)
    }

    fn dynamic_with(protocol: u8, from_port: u16, to_port: u16) -> Self {
        Self {
            protocol,
            from_port,
            to_port,
            from: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            to: IpAddr::V4(Ipv4Addr::BROADCAST),
            dynamic: true,
        }
    }

    /// Parses one list item.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let v = stringify(value, STR_BUF)?;
        let (addr, proto_port) = match v.find('[') {
            Some(open) => {
                let inner = &v[open + 1..];
                let Some(inner) = inner.strip_suffix(']') else {
                    return Err(ValueError::because("missing ']' at the end"));
                };
                (&v[..open], Some(inner))
            }
            None => (v, None),
        };
        let (protocol, from_port, to_port) = match proto_port {
            Some(pp) => parse_proto_port(pp)?,
            None => (0, 0, 0xffff),
        };
        let (from_port, to_port) = icmp_ports(protocol, from_port, to_port);
        let addr = addr.trim_matches(' ');
        if addr == "dynamic" || addr == "%dynamic" {
            return Ok(Self::dynamic_with(protocol, from_port, to_port));
        }
        let (from, to) = if addr.contains('-') {
            parse_range(addr)?
        } else {
            parse_subnet(addr)?
        };
        Ok(Self {
            protocol,
            from_port,
            to_port,
            from,
            to,
            dynamic: false,
        })
    }

    /// The prefix length if the address range is a subnet.
    pub fn prefix_len(&self) -> Option<u8> {
        range_prefix(self.from, self.to)
    }

    pub fn is_ipv6(&self) -> bool {
        self.from.is_ipv6()
    }

    /// Any port (`0-65535`).
    pub fn any_port(&self) -> bool {
        self.from_port == 0 && self.to_port == 0xffff
    }

    /// The `OPAQUE` port range (`from = 0xffff, to = 0`).
    pub fn opaque_port(&self) -> bool {
        self.from_port == 0xffff && self.to_port == 0
    }
}

/// ICMP types go into the high byte of the port (strongSwan shifts values
/// below 256).
fn icmp_ports(protocol: u8, from: u16, to: u16) -> (u16, u16) {
    if protocol == ICMP || protocol == ICMPV6 {
        let shift = |p: u16| if p < 256 { p << 8 } else { p };
        (shift(from), shift(to))
    } else {
        (from, to)
    }
}

fn parse_proto_port(pp: &str) -> Result<(u8, u16, u16), ValueError> {
    let (proto, port) = match pp.split_once('/') {
        Some((proto, port)) => (proto, port),
        None => (pp, ""),
    };
    let protocol = if proto == "any" {
        0
    } else if let Some(n) = protocol_by_name(proto) {
        n
    } else if proto.is_empty() {
        0
    } else {
        let n = c_long(proto).ok_or_else(|| ValueError::because("unknown protocol"))?;
        u8::try_from(n).map_err(|_| ValueError::because("protocol out of range"))?
    };
    if port == "opaque" {
        return Ok((protocol, 0xffff, 0));
    }
    if port.is_empty() || port == "any" {
        return Ok((protocol, 0, 0xffff));
    }
    if let Some(p) = service_by_name(port) {
        return Ok((protocol, p, p));
    }
    let (from, to) = match split_port_range(port) {
        Some((a, b)) => (a, b),
        None => (port, port),
    };
    let from = parse_port(from)?;
    let to = parse_port(to)?;
    if from > to {
        return Err(ValueError::because("inverted port range"));
    }
    Ok((protocol, from, to))
}

/// Splits `a-b` at the dash that follows the first number (a leading sign
/// belongs to the number).
fn split_port_range(port: &str) -> Option<(&str, &str)> {
    let skip = usize::from(port.starts_with(['-', '+']));
    port[skip..]
        .find('-')
        .map(|i| (&port[..skip + i], &port[skip + i + 1..]))
}

fn parse_port(s: &str) -> Result<u16, ValueError> {
    let n = c_long(s).ok_or_else(|| ValueError::because("invalid port"))?;
    u16::try_from(n).map_err(|_| ValueError::because("port out of range"))
}

/// `strtol(s, &end, 0)` over the whole string.
fn c_long(s: &str) -> Option<i64> {
    let scan = super::value::strtoul(s, 0);
    if !scan.rest.is_empty() || scan.overflow || s.is_empty() {
        return None;
    }
    let v = i64::try_from(scan.value).ok()?;
    Some(if scan.negative { -v } else { v })
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    match s {
        "%any" | "%any4" => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        "%any6" => Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        _ if s.contains('.') && !s.contains(':') => s.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        _ => s.parse::<IpAddr>().ok(),
    }
}

fn bits_of(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn to_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn from_u128(v4: bool, n: u128) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(n as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(n))
    }
}

/// `addr/bits` or a single address (full-length prefix).
fn parse_subnet(s: &str) -> Result<(IpAddr, IpAddr), ValueError> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let ip = parse_ip(addr).ok_or_else(|| ValueError::because("invalid address"))?;
    let max = bits_of(ip);
    let bits = match bits {
        None => max,
        Some(b) => b
            .trim_end_matches(' ')
            .parse::<u8>()
            .ok()
            .filter(|&b| b <= max)
            .ok_or_else(|| ValueError::because("invalid prefix length"))?,
    };
    Ok(subnet_range(ip, bits))
}

/// The range a subnet covers.
pub(crate) fn subnet_range(ip: IpAddr, bits: u8) -> (IpAddr, IpAddr) {
    let max = bits_of(ip);
    let host_bits = u32::from(max - bits.min(max));
    let host_mask: u128 = if host_bits == 0 {
        0
    } else if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let n = to_u128(ip);
    let v4 = ip.is_ipv4();
    (from_u128(v4, n & !host_mask), from_u128(v4, n | host_mask))
}

/// `from-to` (spaces around the dash allowed); `from` is read in the
/// family of `to`.
pub(crate) fn parse_range(s: &str) -> Result<(IpAddr, IpAddr), ValueError> {
    let Some((a, b)) = s.split_once('-') else {
        return Err(ValueError::because("invalid range"));
    };
    let to = parse_ip(b.trim_start_matches(' '))
        .ok_or_else(|| ValueError::because("invalid range end"))?;
    let from = parse_ip(a.trim_end_matches(' '))
        .filter(|f| f.is_ipv4() == to.is_ipv4())
        .ok_or_else(|| ValueError::because("invalid range start"))?;
    if to_u128(from) > to_u128(to) {
        return Err(ValueError::because("inverted address range"));
    }
    Ok((from, to))
}

/// The prefix length if `from..=to` is exactly a subnet.
fn range_prefix(from: IpAddr, to: IpAddr) -> Option<u8> {
    if from.is_ipv4() != to.is_ipv4() {
        return None;
    }
    let max = bits_of(from);
    let (f, t) = (to_u128(from), to_u128(to));
    let diff = f ^ t;
    let host_bits = if diff == 0 {
        0
    } else {
        128 - diff.leading_zeros()
    };
    let mask = if host_bits == 0 {
        0
    } else {
        u128::MAX >> (128 - host_bits)
    };
    if diff != mask || f & mask != 0 || t & mask != mask {
        return None;
    }
    u8::try_from(u32::from(max) - host_bits).ok()
}

/// Protocol names (`/etc/protocols` names and aliases of a usual Linux
/// system; strongSwan asks `getprotobyname`).
const PROTOCOLS: &[(&str, u8)] = &[
    ("ip", 0),
    ("IP", 0),
    ("hopopt", 0),
    ("HOPOPT", 0),
    ("icmp", 1),
    ("ICMP", 1),
    ("igmp", 2),
    ("IGMP", 2),
    ("ggp", 3),
    ("ipencap", 4),
    ("IP-ENCAP", 4),
    ("st", 5),
    ("tcp", 6),
    ("TCP", 6),
    ("egp", 8),
    ("EGP", 8),
    ("igp", 9),
    ("pup", 12),
    ("udp", 17),
    ("UDP", 17),
    ("hmp", 20),
    ("xns-idp", 22),
    ("rdp", 27),
    ("iso-tp4", 29),
    ("dccp", 33),
    ("xtp", 36),
    ("ddp", 37),
    ("idpr-cmtp", 38),
    ("ipv6", 41),
    ("IPv6", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("idrp", 45),
    ("rsvp", 46),
    ("gre", 47),
    ("GRE", 47),
    ("esp", 50),
    ("IPSEC-ESP", 50),
    ("ah", 51),
    ("IPSEC-AH", 51),
    ("skip", 57),
    ("ipv6-icmp", 58),
    ("IPv6-ICMP", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("rspf", 73),
    ("vmtp", 81),
    ("eigrp", 88),
    ("ospf", 89),
    ("OSPFIGP", 89),
    ("ax.25", 93),
    ("ipip", 94),
    ("etherip", 97),
    ("encap", 98),
    ("pim", 103),
    ("ipcomp", 108),
    ("vrrp", 112),
    ("l2tp", 115),
    ("isis", 124),
    ("sctp", 132),
    ("SCTP", 132),
    ("fc", 133),
    ("mobility-header", 135),
    ("udplite", 136),
    ("mpls-in-ip", 137),
    ("manet", 138),
    ("hip", 139),
    ("shim6", 140),
    ("wesp", 141),
    ("rohc", 142),
    ("ethernet", 143),
];

/// Service names (`/etc/services`, any protocol; strongSwan asks
/// `getservbyname`).
const SERVICES: &[(&str, u16)] = &[
    ("echo", 7),
    ("discard", 9),
    ("daytime", 13),
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("time", 37),
    ("whois", 43),
    ("tacacs", 49),
    ("domain", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("gopher", 70),
    ("finger", 79),
    ("http", 80),
    ("www", 80),
    ("kerberos", 88),
    ("pop3", 110),
    ("sunrpc", 111),
    ("auth", 113),
    ("nntp", 119),
    ("ntp", 123),
    ("epmap", 135),
    ("netbios-ns", 137),
    ("netbios-dgm", 138),
    ("netbios-ssn", 139),
    ("imap2", 143),
    ("imap", 143),
    ("snmp", 161),
    ("snmp-trap", 162),
    ("bgp", 179),
    ("irc", 194),
    ("ldap", 389),
    ("https", 443),
    ("microsoft-ds", 445),
    ("kpasswd", 464),
    ("submissions", 465),
    ("isakmp", 500),
    ("syslog", 514),
    ("printer", 515),
    ("rtsp", 554),
    ("submission", 587),
    ("ldaps", 636),
    ("rsync", 873),
    ("ftps-data", 989),
    ("ftps", 990),
    ("telnets", 992),
    ("imaps", 993),
    ("pop3s", 995),
    ("socks", 1080),
    ("openvpn", 1194),
    ("ms-sql-s", 1433),
    ("l2f", 1701),
    ("l2tp", 1701),
    ("pptp", 1723),
    ("radius", 1812),
    ("radius-acct", 1813),
    ("nfs", 2049),
    ("mysql", 3306),
    ("ms-wbt-server", 3389),
    ("ipsec-nat-t", 4500),
    ("sip", 5060),
    ("sip-tls", 5061),
    ("xmpp-client", 5222),
    ("postgresql", 5432),
    ("x11", 6000),
    ("http-alt", 8080),
];

pub(crate) fn protocol_by_name(name: &str) -> Option<u8> {
    PROTOCOLS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

fn protocol_name(number: u8) -> Option<&'static str> {
    PROTOCOLS
        .iter()
        .find(|(_, p)| *p == number)
        .map(|(n, _)| *n)
}

fn service_by_name(name: &str) -> Option<u16> {
    SERVICES.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

fn service_name(port: u16) -> Option<&'static str> {
    SERVICES.iter().find(|(_, p)| *p == port).map(|(n, _)| *n)
}

/// Formats like strongSwan's `%R`: `10.1.0.0/24`, `10.0.0.1..10.0.0.9`,
/// `dynamic`, followed by `[proto/port]` when restricted.
impl fmt::Display for TrafficSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dynamic {
            f.write_str("dynamic")?;
        } else {
            match self.prefix_len() {
                Some(bits) => write!(f, "{}/{}", self.from, bits)?,
                None => write!(f, "{}..{}", self.from, self.to)?,
            }
        }
        let has_ports = !self.any_port();
        if self.protocol == 0 && !has_ports {
            return Ok(());
        }
        f.write_str("[")?;
        match protocol_name(self.protocol).filter(|_| self.protocol != 0) {
            Some(name) => f.write_str(name)?,
            None => write!(f, "{}", self.protocol)?,
        }
        if has_ports {
            f.write_str("/")?;
            let icmp = self.protocol == ICMP || self.protocol == ICMPV6;
            if self.opaque_port() {
                f.write_str("OPAQUE")?;
            } else if icmp {
                write_icmp(f, self.from_port)?;
                if self.from_port != self.to_port {
                    f.write_str("-")?;
                    write_icmp(f, self.to_port)?;
                }
            } else if self.from_port == self.to_port {
                match service_name(self.from_port) {
                    Some(name) => f.write_str(name)?,
                    None => write!(f, "{}", self.from_port)?,
                }
            } else {
                write!(f, "{}-{}", self.from_port, self.to_port)?;
            }
        }
        f.write_str("]")
    }
}

/// ICMP `type[(code)]` from the port encoding.
fn write_icmp(f: &mut fmt::Formatter<'_>, port: u16) -> fmt::Result {
    let (ty, code) = (port >> 8, port & 0xff);
    if code != 0 {
        write!(f, "{ty}({code})")
    } else {
        write!(f, "{ty}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> TrafficSelector {
        TrafficSelector::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_selectors_cover_their_subnet() {
        let t = ts("10.1.2.3/16");
        assert_eq!((t.from, t.to), (ip("10.1.0.0"), ip("10.1.255.255")));
        assert_eq!(t.prefix_len(), Some(16));
        assert!(t.any_port());
        assert_eq!(t.protocol, 0);
        let t = ts("fec1::/16");
        assert_eq!(t.to, ip("fec1:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        let t = ts("0.0.0.0/0");
        assert_eq!((t.from, t.to), (ip("0.0.0.0"), ip("255.255.255.255")));
        let t = ts("::/0");
        assert_eq!(t.prefix_len(), Some(0));
    }

    #[test]
    fn plain_addresses_are_host_selectors() {
        let t = ts("192.168.0.1");
        assert_eq!((t.from, t.to), (ip("192.168.0.1"), ip("192.168.0.1")));
        assert_eq!(t.to_string(), "192.168.0.1/32");
    }

    #[test]
    fn ranges_keep_both_ends_and_may_be_subnets() {
        let t = ts("10.0.0.1-10.0.0.9");
        assert_eq!((t.from, t.to), (ip("10.0.0.1"), ip("10.0.0.9")));
        assert_eq!(t.prefix_len(), None);
        assert_eq!(t.to_string(), "10.0.0.1..10.0.0.9");
        assert_eq!(ts("10.0.0.0 - 10.0.0.255").to_string(), "10.0.0.0/24");
        assert!(TrafficSelector::parse("10.0.0.9-10.0.0.1").is_err());
        assert!(TrafficSelector::parse("10.0.0.1-::1").is_err());
    }

    #[test]
    fn dynamic_selectors_accept_the_percent_form() {
        assert_eq!(ts("dynamic"), TrafficSelector::dynamic());
        assert_eq!(ts("%dynamic"), TrafficSelector::dynamic());
        let t = ts("dynamic[tcp/80]");
        assert!(t.dynamic);
        assert_eq!((t.protocol, t.from_port, t.to_port), (6, 80, 80));
        assert_eq!(t.to_string(), "dynamic[tcp/http]");
    }

    #[test]
    fn protocol_and_port_restrictions_parse() {
        let t = ts("10.0.0.0/8[tcp/80]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (6, 80, 80));
        let t = ts("10.0.0.0/8[udp/1000-2000]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (17, 1000, 2000));
        let t = ts("10.0.0.0/8[47]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (47, 0, 0xffff));
        let t = ts("10.0.0.0/8[any/opaque]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (0, 0xffff, 0));
        assert_eq!(t.to_string(), "10.0.0.0/8[0/OPAQUE]");
        let t = ts("10.0.0.0/8[/53]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (0, 53, 53));
        let t = ts("10.0.0.0/8[udp/domain]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (17, 53, 53));
        let t = ts("10.0.0.0/8[tcp/any]");
        assert!(t.any_port());
        let t = ts("10.0.0.0/8[6/0x50]");
        assert_eq!((t.protocol, t.from_port), (6, 80));
    }

    #[test]
    fn icmp_types_go_into_the_high_port_byte() {
        let t = ts("10.0.0.0/8[icmp/8]");
        assert_eq!((t.protocol, t.from_port, t.to_port), (1, 0x0800, 0x0800));
        let t = ts("10.0.0.0/8[icmp]");
        assert_eq!((t.from_port, t.to_port), (0, 0xffff));
        assert_eq!(t.to_string(), "10.0.0.0/8[icmp]");
        let t = ts("fec0::/16[ipv6-icmp/128]");
        assert_eq!((t.protocol, t.from_port), (58, 128 << 8));
    }

    #[test]
    fn invalid_selectors_are_rejected() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/x",
            "10.0.0.0/",
            "host.example",
            "10.0.0.0/8[tcp/80",
            "10.0.0.0/8[tcp/80]x",
            "10.0.0.0/8[foo]",
            "10.0.0.0/8[256]",
            "10.0.0.0/8[tcp/65536]",
            "10.0.0.0/8[tcp/http2]",
            "10.0.0.0/8[tcp/2000-1000]",
            "10.0.0.0/8[tcp/-1]",
            "dynamic\t",
            "",
        ] {
            assert!(TrafficSelector::parse(bad).is_err(), "{bad}");
        }
    }
}
