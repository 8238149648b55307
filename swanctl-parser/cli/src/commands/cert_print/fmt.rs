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

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `%T`: `Nov 21 11:47:23 2026` in local time, or with ` UTC ` before the
/// year when `utc`.
pub(crate) fn time(t: i64, utc: bool) -> String {
    let offset = if utc { 0 } else { local_offset(t) };
    let (y, mo, d, h, mi, s) = civil(t + offset);
    let month = MONTHS[usize::try_from(mo - 1).unwrap_or(0).min(11)];
    let sep = if utc { " UTC " } else { " " };
    format!("{month} {d:02} {h:02}:{mi:02}:{s:02}{sep}{y:04}")
}

/// Seconds east of UTC of the local time zone at `t`.
fn local_offset(t: i64) -> i64 {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|at| time::UtcOffset::local_offset_at(at).ok())
        .map_or(0, |o| i64::from(o.whole_seconds()))
}

/// Year, month, day, hour, minute, second of a UNIX time (proleptic
/// Gregorian calendar).
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Days since 1970-01-01 of a date (inverse of [`civil`]).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `%V`: the distance between two times in days, hours, minutes or
/// seconds, whichever first gives more than two units.
pub(crate) fn span(a: i64, b: i64) -> String {
    let mut delta = a.abs_diff(b);
    let unit = if delta > 2 * 86400 {
        delta /= 86400;
        "day"
    } else if delta > 2 * 3600 {
        delta /= 3600;
        "hour"
    } else if delta > 2 * 60 {
        delta /= 60;
        "minute"
    } else {
        "second"
    };
    format!("{delta} {unit}{}", if delta == 1 { "" } else { "s" })
}

/// An ASN.1 UTCTime (tag 0x17) or GeneralizedTime (0x18) as UNIX time
/// (`asn1_to_time`, `Z` and `+hhmm`/`-hhmm` zones).
pub(crate) fn asn1_time(tag: u8, value: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(value).ok()?;
    let (digits, zone) = match s.find(['Z', '+', '-']) {
        Some(i) => s.split_at(i),
        None => return None,
    };
    let offset = match zone.as_bytes().first() {
        Some(b'Z') => 0,
        Some(&sign) if zone.len() == 5 => {
            let h: i64 = zone.get(1..3)?.parse().ok()?;
            let m: i64 = zone.get(3..5)?.parse().ok()?;
            let o = h * 3600 + m * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = digits.get(r)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, rest) = match tag {
        0x17 => {
            let yy = num(0..2)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        0x18 => (num(0..4)?, 4),
        _ => return None,
    };
    let month = num(rest..rest + 2)?;
    let day = num(rest + 2..rest + 4)?;
    let hour = num(rest + 4..rest + 6)?;
    let min = num(rest + 6..rest + 8)?;
    let sec = if digits.len() >= rest + 10 {
        num(rest + 8..rest + 10)?
    } else {
        0
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86400 + hour * 3600 + min * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_printf_hooks() {
        assert_eq!(hex(&[0x01, 0xab, 0x00]), "01:ab:00");
        assert_eq!(skip_zero(&[0, 0, 5]), [5]);
        assert_eq!(skip_zero(&[0]), [0]);
        assert_eq!(time(0, true), "Jan 01 00:00:00 UTC 1970");
        assert_eq!(time(1_795_000_000, true), "Nov 18 11:06:40 UTC 2026");
        assert_eq!(span(0, 59), "59 seconds");
        assert_eq!(span(0, 120), "120 seconds");
        assert_eq!(span(0, 121), "2 minutes");
        assert_eq!(span(0, 7200), "120 minutes");
        assert_eq!(span(0, 7201), "2 hours");
        assert_eq!(span(0, 86400 * 3), "3 days");
        assert_eq!(span(100, 99), "1 second");
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).as_deref(),
            Some("1.2.840.113549")
        );
        assert_eq!(oid_string(&[0x2a, 0x86]), None);
    }

    #[test]
    fn reads_asn1_times() {
        assert_eq!(asn1_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(asn1_time(0x18, b"19700101000100Z"), Some(60));
        assert_eq!(asn1_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(asn1_time(0x18, b"19700101010000+0100"), Some(0));
        assert_eq!(asn1_time(0x18, b"garbage"), None);
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
