//! RFC 3779 IP address delegation (`ipAddrBlocks`) as strongSwan's x509
//! plugin reads it: each prefix or range becomes a traffic selector,
//! printed as `net/bits` or `from..to` (`%R`).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::der::{self, OCTET_STRING, SEQUENCE, Tlv};

/// The blocks of the extension's value; `None` (after logging why, as the
/// plugin does) if an address is malformed.
pub(super) fn parse(value: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for family in der::children(der::single(value, SEQUENCE)?.value)? {
        let parts = der::children(family.value)?;
        let afi = parts.first().filter(|p| p.tag == OCTET_STRING)?.value;
        let len = match afi {
            [0, 1] => Some(4),
            [0, 2] => Some(16),
            _ => None,
        };
        match parts.get(1) {
            Some(choice) if choice.tag == 0x05 => {
                crate::log::dbg1("inherit choice is not supported");
            }
            Some(choice) if choice.tag == SEQUENCE => {
                for item in der::children(choice.value)? {
                    out.push(block(&item, len)?);
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// An addressPrefix or addressRange.
fn block(item: &Tlv<'_>, len: Option<usize>) -> Option<String> {
    let (min, max) = match item.tag {
        0x03 => (item.value, item.value),
        SEQUENCE => {
            let range = der::children(item.value)?;
            let min = range.first().filter(|b| b.tag == 0x03)?.value;
            let max = range.get(1).filter(|b| b.tag == 0x03)?.value;
            check(min, len)?;
            (min, max)
        }
        _ => return None,
    };
    let len = check(max, len)?;
    let mut from = vec![0u8; len];
    let mut to = vec![0xffu8; len];
    if let Some(bytes) = min.get(1..) {
        from[..bytes.len().min(len)].copy_from_slice(&bytes[..bytes.len().min(len)]);
    }
    if let Some((&unused, bytes)) = max.split_first()
        && !bytes.is_empty()
    {
        let n = bytes.len().min(len);
        to[..n].copy_from_slice(&bytes[..n]);
        to[n - 1] |= if unused > 0 { (1u8 << unused) - 1 } else { 0 };
    }
    Some(format!("{}{}", address(&from), range_suffix(&from, &to)))
}

/// `check_address_object()`: the family known, a bit string no longer than
/// an address plus its unused-bits octet; the address length.
fn check(bits: &[u8], len: Option<usize>) -> Option<usize> {
    let Some(len) = len else {
        crate::log::dbg1("unknown address family");
        return None;
    };
    let problem = if bits.len() > len + 1 {
        Some(if len == 4 {
            "IPv4 address object is larger than 5 octets"
        } else {
            "IPv6 address object is larger than 17 octets"
        })
    } else {
        match bits {
            [] => Some("An ASN.1 bit string must contain at least the initial octet"),
            [unused] if *unused != 0 => {
                Some("An empty ASN.1 bit string must contain a zero initial octet")
            }
            [unused, ..] if *unused > 7 => Some("number of unused bits is too large"),
            _ => None,
        }
    };
    match problem {
        Some(problem) => {
            crate::log::dbg1(problem);
            None
        }
        None => Some(len),
    }
}

fn address(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Ipv6Addr::from(v6).to_string()
    } else {
        String::new()
    }
}

/// `/bits` if from..to is a subnet (`calc_netbits()`), else `..to`.
fn range_suffix(from: &[u8], to: &[u8]) -> String {
    let bits = from.len() * 8;
    let bit = |a: &[u8], i: usize| a[i / 8] & (0x80 >> (i % 8)) != 0;
    let prefix = (0..bits)
        .find(|&i| bit(from, i) != bit(to, i))
        .unwrap_or(bits);
    if (prefix..bits).all(|i| !bit(from, i) && bit(to, i)) {
        format!("/{prefix}")
    } else {
        format!("..{}", address(to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::{seq, tlv};

    #[test]
    fn prefixes_and_ranges_print_as_traffic_selectors() {
        let v4 = seq(&[
            &tlv(OCTET_STRING, &[0, 1]),
            &seq(&[
                &tlv(0x03, &[0, 10]),
                &tlv(0x03, &[4, 0xc0, 0xa8, 0x10]),
                &seq(&[&tlv(0x03, &[0, 10, 0, 0, 1]), &tlv(0x03, &[0, 10, 0, 0, 5])]),
            ]),
        ]);
        let v6 = seq(&[&tlv(OCTET_STRING, &[0, 2]), &tlv(0x05, &[])]);
        let blocks = parse(&seq(&[&v4, &v6]));
        assert_eq!(
            blocks,
            Some(vec![
                "10.0.0.0/8".to_owned(),
                "192.168.16.0/20".to_owned(),
                "10.0.0.1..10.0.0.5".to_owned(),
            ])
        );
        // an address longer than IPv4
        let bad = seq(&[
            &tlv(OCTET_STRING, &[0, 1]),
            &seq(&[&tlv(0x03, &[0, 1, 2, 3, 4, 5])]),
        ]);
        assert_eq!(parse(&seq(&[&bad])), None);
    }
}
