//! Distinguished names (ID_DER_ASN1_DN, RFC 7296 §3.5) compared as charon
//! compares them: attribute by attribute in order, PrintableStrings and
//! emailAddress IA5Strings case-insensitively, the string type otherwise
//! ignored (a DN typed in swanctl.conf as PrintableString equals a
//! certificate subject in UTF8String), and `*` values as wildcards in
//! patterns (`remote.id = "C=CH, O=strongSwan, CN=*"`).

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const PRINTABLE_STRING: u8 = 0x13;
const IA5_STRING: u8 = 0x16;
/// 1.2.840.113549.1.9.1, emailAddress.
pub const EMAIL_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

/// One attribute of a DN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rdn<'a> {
    /// The attribute type (OID contents).
    pub oid: &'a [u8],
    /// The string's DER tag.
    pub tag: u8,
    /// The string's octets.
    pub value: &'a [u8],
}

/// The next DER TLV of `data` (one-octet tags, definite lengths of at most
/// 4 octets): tag, contents and the rest; `None` if malformed or short.
#[must_use]
pub fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (octets, rest) = rest.split_at(n);
        let len = octets
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((tag, value, rest))
}

/// The contents of the TLV at the start of `data` if it has `tag`.
fn take(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    tlv(data).and_then(|(t, value, rest)| (t == tag).then_some((value, rest)))
}

/// The attributes of a DER Name in order (multi-valued RDNs flattened, as
/// charon enumerates them); `None` if it is malformed.
#[must_use]
pub fn rdns(dn: &[u8]) -> Option<Vec<Rdn<'_>>> {
    let (mut seq, rest) = take(dn, SEQUENCE)?;
    if !rest.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    while !seq.is_empty() {
        let (mut set, next) = take(seq, SET)?;
        seq = next;
        while !set.is_empty() {
            let (atv, next) = take(set, SEQUENCE)?;
            set = next;
            let (oid, atv) = take(atv, OID)?;
            let (tag, value, _) = tlv(atv)?;
            out.push(Rdn { oid, tag, value });
        }
    }
    Some(out)
}

fn values_equal(a: &Rdn<'_>, b: &Rdn<'_>) -> bool {
    let fold = a.tag == b.tag
        && (a.tag == PRINTABLE_STRING || (a.tag == IA5_STRING && a.oid == EMAIL_OID));
    if fold {
        a.value.eq_ignore_ascii_case(b.value)
    } else {
        a.value == b.value
    }
}

/// Whether `dn` matches `pattern`: the same attributes in the same order,
/// and a `*` value in the pattern matches any value when `wildcards`.
#[must_use]
pub fn matches(dn: &[u8], pattern: &[u8], wildcards: bool) -> bool {
    if dn == pattern {
        return true;
    }
    let (Some(a), Some(b)) = (rdns(dn), rdns(pattern)) else {
        return false;
    };
    a.len() == b.len()
        && a.iter().zip(&b).all(|(value, want)| {
            value.oid == want.oid
                && ((wildcards && want.value == b"*") || values_equal(value, want))
        })
}

/// Whether a DER DN has a `*` value.
#[must_use]
pub fn has_wildcards(dn: &[u8]) -> bool {
    rdns(dn).is_some_and(|r| r.iter().any(|rdn| rdn.value == b"*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `C=<c>, CN=<cn>` with the given string tags.
    fn dn(c: (u8, &str), cn: (u8, &str)) -> Vec<u8> {
        let atv = |oid: &[u8], (tag, v): (u8, &str)| {
            let mut inner = vec![OID, oid.len() as u8];
            inner.extend_from_slice(oid);
            inner.extend([tag, v.len() as u8]);
            inner.extend_from_slice(v.as_bytes());
            let mut seq = vec![SEQUENCE, inner.len() as u8];
            seq.extend(inner);
            let mut set = vec![SET, seq.len() as u8];
            set.extend(seq);
            set
        };
        let body = [atv(&[0x55, 4, 6], c), atv(&[0x55, 4, 3], cn)].concat();
        let mut out = vec![SEQUENCE, body.len() as u8];
        out.extend(body);
        out
    }

    #[test]
    fn the_string_type_does_not_matter_but_the_case_of_utf8_values_does() {
        let printable = dn((PRINTABLE_STRING, "CH"), (PRINTABLE_STRING, "moon"));
        let utf8 = dn((PRINTABLE_STRING, "CH"), (0x0c, "moon"));
        assert!(matches(&utf8, &printable, false));
        assert!(matches(
            &printable,
            &dn((PRINTABLE_STRING, "ch"), (PRINTABLE_STRING, "MOON")),
            false
        ));
        assert!(!matches(
            &utf8,
            &dn((PRINTABLE_STRING, "CH"), (0x0c, "MOON")),
            false
        ));
        assert!(!matches(
            &utf8,
            &dn((PRINTABLE_STRING, "CH"), (0x0c, "sun")),
            false
        ));
    }

    #[test]
    fn a_star_value_is_a_wildcard_only_in_patterns() {
        let moon = dn((PRINTABLE_STRING, "CH"), (0x0c, "moon"));
        let pattern = dn((PRINTABLE_STRING, "CH"), (PRINTABLE_STRING, "*"));
        assert!(has_wildcards(&pattern) && !has_wildcards(&moon));
        assert!(matches(&moon, &pattern, true));
        assert!(!matches(&moon, &pattern, false));
        assert!(!matches(
            &moon,
            &dn((PRINTABLE_STRING, "DE"), (PRINTABLE_STRING, "*")),
            true
        ));
    }

    #[test]
    fn identities_compare_names_without_case_and_dns_by_attribute() {
        use crate::wire::Identification;
        use crate::wire::iana::IdType;
        let id = |data| Identification {
            ty: IdType::DER_ASN1_DN,
            data,
        };
        let typed = id(dn((PRINTABLE_STRING, "CH"), (PRINTABLE_STRING, "moon")));
        let subject = id(dn((PRINTABLE_STRING, "CH"), (0x0c, "moon")));
        assert!(typed.same_as(&subject));
        assert!(!typed.same_as(&id(dn((PRINTABLE_STRING, "CH"), (0x0c, "sun")))));
        assert!(Identification::fqdn("Moon.Test").same_as(&Identification::fqdn("moon.test")));
        assert!(!Identification::fqdn("moon.test").same_as(&Identification::rfc822("moon.test")));
    }

    #[test]
    fn malformed_names_match_nothing_but_themselves() {
        let moon = dn((PRINTABLE_STRING, "CH"), (0x0c, "moon"));
        let cut = &moon[..moon.len() - 1];
        assert_eq!(rdns(cut), None);
        assert!(!matches(cut, &moon, true));
        assert!(!matches(
            &[SEQUENCE, 0x84, 0xff, 0xff, 0xff, 0xff],
            &moon,
            true
        ));
        assert_eq!(rdns(&[SEQUENCE, 0x00]), Some(Vec::new()));
    }
}
