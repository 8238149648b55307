//! `pools.<name>` (reference §2.4): a virtual IP range and the
//! configuration attributes handed out with it.

use std::net::IpAddr;

use crate::settings::Pos;

use super::auth::{entry_items, entry_text};
use super::error::{ConfigError, Diag, Scope};
use super::node::{ConfEntry, ConfNode};
use super::ts::parse_range;
use super::value::stringify;

/// charon's buffers for `addrs` and attribute values.
const ADDRS_BUF: usize = 128;
const ATTR_BUF: usize = 256;

/// The addresses of a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolAddrs {
    /// `base/bits`: the base may be a host address inside the subnet
    /// (leases then start there).
    Subnet { base: IpAddr, prefix: u8 },
    /// `from-to` (same family; for IPv6 only the last 32 bits may differ).
    Range { from: IpAddr, to: IpAddr },
}

/// One configuration attribute (IKEv2 CP attribute, RFC 7296 §3.15.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolAttr {
    /// The key it came from (`dns`, `split_include`, `25`, ...).
    pub key: String,
    /// The attribute type for the value's address family.
    pub attr_type: u16,
    /// The encoded value: address, address + IPv4 netmask, address +
    /// IPv6 prefix length, or raw text for numeric types.
    pub value: Vec<u8>,
}

/// A virtual IP pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub name: String,
    pub pos: Pos,
    pub addrs: PoolAddrs,
    pub attributes: Vec<PoolAttr>,
}

/// Named attributes with their IPv4 and IPv6 types.
const ATTRS: &[(&str, u16, u16)] = &[
    ("address", 1, 8),
    ("dns", 3, 10),
    ("nbns", 4, 11),
    ("dhcp", 6, 12),
    ("netmask", 2, 9),
    ("server", 23456, 23457),
    ("subnet", 13, 15),
    ("split_include", 28676, 28676),
    ("split_exclude", 28678, 28678),
];

/// Parses one pool section.
pub fn parse_pool(node: &ConfNode) -> Result<Pool, Vec<ConfigError>> {
    let mut d = Diag::new(Scope::Pool(node.name.clone()));
    let mut addrs = None;
    let mut attributes = Vec::new();
    for e in &node.entries {
        if e.value.is_list() {
            pool_attr(&mut attributes, e, &mut d);
        } else if e.key == "addrs" {
            let v = entry_text(e);
            match stringify(&v, ADDRS_BUF).ok().and_then(parse_addrs) {
                Some(a) => addrs = Some(a),
                None => d.message(&e.pos, Some("addrs"), format!("invalid addrs value: {v}")),
            }
        } else {
            d.message(
                &e.pos,
                Some(&e.key),
                format!("invalid attribute: {}", e.key),
            );
        }
    }
    let Some(addrs) = addrs else {
        if d.is_empty() {
            d.message(
                &node.pos,
                Some("addrs"),
                format!("missing addrs for pool '{}'", node.name),
            );
        }
        return Err(d.errors);
    };
    if !d.is_empty() {
        return Err(d.errors);
    }
    Ok(Pool {
        name: node.name.clone(),
        pos: node.pos.clone(),
        addrs,
        attributes,
    })
}

fn parse_addrs(v: &str) -> Option<PoolAddrs> {
    if v.contains('-') {
        if let Ok((from, to)) = parse_range(v) {
            let (f, t) = (octets(from), octets(to));
            // the pool counts leases in 32 bits
            let n = f.len();
            if f[..n - 4] == t[..n - 4] {
                return Some(PoolAddrs::Range { from, to });
            }
        }
        return None;
    }
    let (base, prefix) = parse_subnet(v)?;
    Some(PoolAddrs::Subnet { base, prefix })
}

/// `addr[/bits]`; the prefix must fit the family.
fn parse_subnet(v: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match v.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (v, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match bits {
        Some(b) => b.parse::<u8>().ok().filter(|&b| b <= max)?,
        None => max,
    };
    Some((ip, prefix))
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn pool_attr(out: &mut Vec<PoolAttr>, e: &ConfEntry, d: &mut Diag) {
    let named = ATTRS.iter().find(|(n, ..)| *n == e.key);
    let numeric = atoi_type(&e.key);
    if named.is_none() && numeric == 0 {
        d.message(
            &e.pos,
            Some(&e.key),
            format!("invalid attribute: {}", e.key),
        );
        return;
    }
    for item in entry_items(e) {
        let host = stringify(&item, ATTR_BUF).ok().and_then(|v| {
            if v.contains('/') {
                parse_subnet(v).map(|(ip, bits)| (ip, Some(bits)))
            } else {
                v.parse::<IpAddr>().ok().map(|ip| (ip, None))
            }
        });
        let (attr_type, value) = match (named, host) {
            (Some(&(_, v4, v6)), Some((ip, bits))) => {
                (if ip.is_ipv4() { v4 } else { v6 }, encode(ip, bits))
            }
            (None, Some((ip, bits))) => (numeric, encode(ip, bits)),
            (Some(_), None) => {
                d.message(
                    &e.pos,
                    Some(&e.key),
                    format!("invalid attribute value for {}", e.key),
                );
                continue;
            }
            // numbered attributes take anything else as raw data
            (None, None) => (numeric, item.as_bytes().to_vec()),
        };
        out.push(PoolAttr {
            key: e.key.clone(),
            attr_type,
            value,
        });
    }
}

/// `atoi` of an attribute key, as a 16-bit type (0 = not numeric).
fn atoi_type(key: &str) -> u16 {
    let digits: String = key
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u16>().unwrap_or(0)
}

/// Address, plus IPv4 netmask or IPv6 prefix length for subnets.
fn encode(ip: IpAddr, bits: Option<u8>) -> Vec<u8> {
    let mut v = octets(ip);
    match (ip, bits) {
        (_, None) => {}
        (IpAddr::V4(_), Some(bits)) => {
            let mask: u32 = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            v.extend(mask.to_be_bytes());
        }
        (IpAddr::V6(_), Some(bits)) => v.push(bits),
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(name: &str) -> ConfNode {
        ConfNode::new(name, Pos::unknown())
    }

    #[test]
    fn pools_take_subnets_and_ranges() {
        let p = parse_pool(&pool("rw").with_str("addrs", "10.3.0.0/24")).unwrap();
        assert_eq!(
            p.addrs,
            PoolAddrs::Subnet {
                base: "10.3.0.0".parse().unwrap(),
                prefix: 24
            }
        );
        let p = parse_pool(&pool("rw").with_str("addrs", "10.3.0.10-10.3.0.20")).unwrap();
        assert!(matches!(p.addrs, PoolAddrs::Range { .. }));
        let p = parse_pool(&pool("rw").with_str("addrs", "fec3::1")).unwrap();
        assert_eq!(
            p.addrs,
            PoolAddrs::Subnet {
                base: "fec3::1".parse().unwrap(),
                prefix: 128
            }
        );
    }

    #[test]
    fn invalid_or_missing_addrs_are_errors() {
        for bad in ["10.3.0.0/33", "10.3.0.20-10.3.0.10", "fec3::-fec4::1", "x"] {
            let e = parse_pool(&pool("p").with_str("addrs", bad)).unwrap_err();
            assert_eq!(
                e[0].errmsg(),
                format!("invalid addrs value: {bad}"),
                "{bad}"
            );
        }
        let e = parse_pool(&pool("p").with_list("dns", &["10.0.0.1"])).unwrap_err();
        assert_eq!(e[0].errmsg(), "missing addrs for pool 'p'");
    }

    #[test]
    fn attributes_are_typed_by_address_family_and_encoded() {
        let p = parse_pool(
            &pool("p")
                .with_str("addrs", "10.3.0.0/24")
                .with_list("dns", &["10.1.0.1", "fec1::1"])
                .with_list("split_include", &["10.1.0.0/16"])
                .with_list("subnet", &["fec1::/64"])
                .with_list("25", &["example.org"]),
        )
        .unwrap();
        let a: Vec<(u16, Vec<u8>)> = p
            .attributes
            .iter()
            .map(|a| (a.attr_type, a.value.clone()))
            .collect();
        assert_eq!(a[0], (3, vec![10, 1, 0, 1]));
        assert_eq!(a[1].0, 10);
        assert_eq!(a[2], (28676, vec![10, 1, 0, 0, 255, 255, 0, 0]));
        assert_eq!(a[3].0, 15);
        assert_eq!(a[3].1.len(), 17);
        assert_eq!(a[3].1[16], 64);
        assert_eq!(a[4], (25, b"example.org".to_vec()));
    }

    #[test]
    fn unknown_attributes_and_bad_values_are_errors() {
        let e = parse_pool(
            &pool("p")
                .with_str("addrs", "10.3.0.0/24")
                .with_list("wins", &["1"]),
        )
        .unwrap_err();
        assert_eq!(e[0].errmsg(), "invalid attribute: wins");
        let e = parse_pool(
            &pool("p")
                .with_str("addrs", "10.3.0.0/24")
                .with_list("dns", &["x"]),
        )
        .unwrap_err();
        assert_eq!(e[0].errmsg(), "invalid attribute value for dns");
        let e = parse_pool(
            &pool("p")
                .with_str("addrs", "10.3.0.0/24")
                .with_str("dns", "x"),
        )
        .unwrap_err();
        assert_eq!(e[0].errmsg(), "invalid attribute: dns");
    }
}
