//! libstrongswan's printf hooks as the certificate printer uses them:
//! `%#B` (colon-separated hex), `%Y` (identities: DNs, general names),
//! `%T` (dates) and `%V` (time spans).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::der::{self, OID, SEQUENCE, SET};

/// `%#B`: lowercase hex bytes separated by colons.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `chunk_skip_zero()`: leading zero bytes removed, keeping at least one.
pub(crate) fn skip_zero(mut bytes: &[u8]) -> &[u8] {
    while bytes.len() > 1 && bytes[0] == 0 {
        bytes = &bytes[1..];
    }
    bytes
}

/// `chunk_printable(data, &sane, '?')`: every byte outside printable ASCII
/// replaced by `?`.
pub(crate) fn sane(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

/// strongSwan's names of DN attribute types (its OID table), by encoded OID.
const DN_ATTRS: &[(&[u8], &str)] = &[
    (&[0x02, 0x82, 0x06, 0x01, 0x0a, 0x07, 0x14], "ND"),
    (
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01],
        "UID",
    ),
    (
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
        "DC",
    ),
    (&[0x55, 0x04, 0x03], "CN"),
    (&[0x55, 0x04, 0x04], "SN"),
    (&[0x55, 0x04, 0x05], "serialNumber"),
    (&[0x55, 0x04, 0x06], "C"),
    (&[0x55, 0x04, 0x07], "L"),
    (&[0x55, 0x04, 0x08], "ST"),
    (&[0x55, 0x04, 0x09], "STREET"),
    (&[0x55, 0x04, 0x0a], "O"),
    (&[0x55, 0x04, 0x0b], "OU"),
    (&[0x55, 0x04, 0x0c], "T"),
    (&[0x55, 0x04, 0x0d], "D"),
    (&[0x55, 0x04, 0x10], "postalAddress"),
    (&[0x55, 0x04, 0x11], "postalCode"),
    (&[0x55, 0x04, 0x24], "userCertificate"),
    (&[0x55, 0x04, 0x29], "N"),
    (&[0x55, 0x04, 0x2a], "G"),
    (&[0x55, 0x04, 0x2b], "I"),
    (&[0x55, 0x04, 0x2d], "ID"),
    (&[0x55, 0x04, 0x2e], "dnQualifier"),
    (&[0x55, 0x04, 0x36], "dmdName"),
    (&[0x55, 0x04, 0x41], "pseudonym"),
    (&[0x55, 0x04, 0x48], "role"),
    (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01], "E"),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02],
        "unstructuredName",
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x08],
        "unstructuredAddress",
    ),
    (
        &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x03, 0x01, 0x03],
        "employeeNumber",
    ),
];

/// `dntoa()`: `CN=a, O=b`, attribute values with non-printable bytes as
/// `?`, unknown attribute types as `%#B` of their OID; an empty DN is
/// empty, a malformed one `(invalid ID_DER_ASN1_DN)`.
pub(crate) fn dn(encoding: &[u8]) -> String {
    let Some(rdns) = der::read(encoding)
        .filter(|(t, _)| t.tag == SEQUENCE)
        .map(|(t, _)| t.value)
    else {
        return String::new();
    };
    let mut out = String::new();
    let mut sets = rdns;
    let mut any = false;
    while !sets.is_empty() {
        let Some((set, rest)) = der::read(sets).filter(|(t, _)| t.tag == SET) else {
            return invalid(any, out);
        };
        sets = rest;
        let mut seqs = set.value;
        while !seqs.is_empty() {
            let Some((atv, rest)) = der::read(seqs).filter(|(t, _)| t.tag == SEQUENCE) else {
                return invalid(any, out);
            };
            seqs = rest;
            let Some((oid, value)) = der::read(atv.value).filter(|(t, _)| t.tag == OID) else {
                return invalid(any, out);
            };
            let Some((value, _)) = der::read(value) else {
                return invalid(any, out);
            };
            if any {
                out.push_str(", ");
            }
            any = true;
            match DN_ATTRS.iter().find(|(o, _)| *o == oid.value) {
                Some((_, name)) => out.push_str(name),
                None => out.push_str(&hex(oid.value)),
            }
            out.push('=');
            out.push_str(&sane(value.value));
        }
    }
    out
}

/// What `dntoa()` leaves when the RDNs stop parsing: those printed so far,
/// a separator and the marker.
fn invalid(any: bool, out: String) -> String {
    if any {
        format!("{out}, (invalid ID_DER_ASN1_DN)")
    } else {
        out
    }
}

/// A general name as `%Y` prints the identity strongSwan makes of it, or
/// `None` for the kinds it skips (x400Address, ediPartyName, registeredID,
/// unknown otherNames, IP addresses of odd length).
pub(crate) fn general_name(tlv: &der::Tlv<'_>) -> Option<String> {
    match tlv.tag {
        // rfc822Name, dNSName, URI
        0x81 | 0x82 | 0x86 => Some(sane(tlv.value)),
        // directoryName
        0xa4 => Some(dn(tlv.value)),
        // iPAddress
        0x87 => match tlv.value.len() {
            4 => <[u8; 4]>::try_from(tlv.value)
                .ok()
                .map(|a| Ipv4Addr::from(a).to_string()),
            16 => <[u8; 16]>::try_from(tlv.value)
                .ok()
                .map(|a| Ipv6Addr::from(a).to_string()),
            _ => None,
        },
        // otherName: xmppAddr and msUPN (UTF8String) as RFC 822 names
        0xa0 => {
            const XMPP: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x05];
            const UPN: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03];
            let (oid, rest) = der::read(tlv.value).filter(|(t, _)| t.tag == OID)?;
            if oid.value != XMPP && oid.value != UPN {
                return None;
            }
            let value = der::single(rest, 0xa0)?;
            let s = der::single(value.value, 0x0c)?;
            Some(sane(s.value))
        }
        _ => None,
    }
}

/// The general names of a `GeneralNames` SEQUENCE's contents that
/// strongSwan keeps.
pub(crate) fn general_names(contents: &[u8]) -> Vec<String> {
    der::children(contents)
        .unwrap_or_default()
        .iter()
        .filter_map(general_name)
        .collect()
}

/// `asn1_oid_to_string()`: dotted decimal, `None` if malformed.
pub(crate) fn oid_string(oid: &[u8]) -> Option<String> {
    let (&first, rest) = oid.split_first()?;
    let mut out = format!("{}.{}", first / 40, first % 40);
    let mut value: u64 = 0;
    for &b in rest {
        value = value.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            let _ = write!(out, ".{value}");
            value = 0;
        }
    }
    (value == 0 && rest.last().is_none_or(|b| b & 0x80 == 0)).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_printf_hooks() {
        assert_eq!(hex(&[0x01, 0xab, 0x00]), "01:ab:00");
        assert_eq!(skip_zero(&[0, 0, 5]), [5]);
        assert_eq!(skip_zero(&[0]), [0]);
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).as_deref(),
            Some("1.2.840.113549")
        );
        assert_eq!(oid_string(&[0x2a, 0x86]), None);
    }

    #[test]
    fn prints_dns_like_dntoa() {
        // SEQUENCE { SET { SEQ { CN, UTF8 "a\u{e9}" } } SET { SEQ { 2.5.4.97, PRINTABLE "x" } } }
        let cn = der::seq(&[
            &der::tlv(OID, &[0x55, 4, 3]),
            &der::tlv(0x0c, "aé".as_bytes()),
        ]);
        let other = der::seq(&[&der::tlv(OID, &[0x55, 4, 0x61]), &der::tlv(0x13, b"x")]);
        let name = der::seq(&[&der::tlv(SET, &cn), &der::tlv(SET, &other)]);
        assert_eq!(dn(&name), "CN=a??, 55:04:61=x");
        assert_eq!(dn(&der::seq(&[])), "");
    }
}
