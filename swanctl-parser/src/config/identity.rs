//! IKE identities from strings, typed as strongSwan's
//! `identification_create_from_string` does (reference §2.2 `id`).
//!
//! Order of interpretation: a type prefix (`fqdn:`, `email:`, `asn1dn:`, …,
//! `#` after the colon = hex), a numeric prefix `{N}:`, then auto-typing:
//! contains `=` ⇒ ASN.1 DN (or KEY_ID if the RDNs are not understood),
//! no `@` ⇒ `%any`-like wildcards, IPv4/IPv6 address (or subnet/range),
//! else FQDN (KEY_ID if it contains `:`); with `@`: `@#hex` ⇒ KEY_ID,
//! `@@x` ⇒ USER_FQDN, `@x` ⇒ FQDN, else RFC822.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::error::ValueError;
use super::value::{decode_hex, has_prefix_ci, strtoul};

/// IKEv2 identification types (RFC 7296 §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdType {
    /// Matches any identity (`%any`); never sent.
    Any,
    Ipv4Addr,
    Fqdn,
    /// RFC822 address; also IKEv1's USER_FQDN (same number).
    Rfc822Addr,
    Ipv4AddrSubnet,
    Ipv6Addr,
    Ipv6AddrSubnet,
    Ipv4AddrRange,
    Ipv6AddrRange,
    DerAsn1Dn,
    DerAsn1Gn,
    KeyId,
    /// Any other number given as `{N}:`.
    Other(u8),
}

impl IdType {
    /// The IANA number (0 for [`IdType::Any`]).
    pub fn number(self) -> u8 {
        match self {
            Self::Any => 0,
            Self::Ipv4Addr => 1,
            Self::Fqdn => 2,
            Self::Rfc822Addr => 3,
            Self::Ipv4AddrSubnet => 4,
            Self::Ipv6Addr => 5,
            Self::Ipv6AddrSubnet => 6,
            Self::Ipv4AddrRange => 7,
            Self::Ipv6AddrRange => 8,
            Self::DerAsn1Dn => 9,
            Self::DerAsn1Gn => 10,
            Self::KeyId => 11,
            Self::Other(n) => n,
        }
    }

    pub fn from_number(n: u8) -> Self {
        match n {
            0 => Self::Any,
            1 => Self::Ipv4Addr,
            2 => Self::Fqdn,
            3 => Self::Rfc822Addr,
            4 => Self::Ipv4AddrSubnet,
            5 => Self::Ipv6Addr,
            6 => Self::Ipv6AddrSubnet,
            7 => Self::Ipv4AddrRange,
            8 => Self::Ipv6AddrRange,
            9 => Self::DerAsn1Dn,
            10 => Self::DerAsn1Gn,
            11 => Self::KeyId,
            n => Self::Other(n),
        }
    }
}

/// An identity: its type, its encoding (as sent in an ID payload) and the
/// text it was written as.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    id_type: IdType,
    data: Vec<u8>,
    text: String,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({:?}, {:?})", self.id_type, self.text)
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Identity {
    /// `%any`.
    pub fn any() -> Self {
        Self {
            id_type: IdType::Any,
            data: Vec::new(),
            text: "%any".to_owned(),
        }
    }

    /// Types an identity string. Only a numeric `{N}:` prefix above 255 is
    /// rejected (strongSwan would create an unusable identity).
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        let (id_type, data) = classify(text)?;
        Ok(Self {
            id_type,
            data,
            text: text.to_owned(),
        })
    }

    pub fn id_type(&self) -> IdType {
        self.id_type
    }

    /// The ID payload data (address bytes, DER DN, UTF-8 name, key ID).
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The identity as written in the configuration.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_any(&self) -> bool {
        self.id_type == IdType::Any
    }
}

const PREFIXES: &[(&str, IdType)] = &[
    ("ipv4:", IdType::Ipv4Addr),
    ("ipv6:", IdType::Ipv6Addr),
    ("ipv4net:", IdType::Ipv4AddrSubnet),
    ("ipv6net:", IdType::Ipv6AddrSubnet),
    ("ipv4range:", IdType::Ipv4AddrRange),
    ("ipv6range:", IdType::Ipv6AddrRange),
    ("rfc822:", IdType::Rfc822Addr),
    ("email:", IdType::Rfc822Addr),
    ("userfqdn:", IdType::Rfc822Addr),
    ("fqdn:", IdType::Fqdn),
    ("dns:", IdType::Fqdn),
    ("asn1dn:", IdType::DerAsn1Dn),
    ("asn1gn:", IdType::DerAsn1Gn),
    ("xmppaddr:", IdType::DerAsn1Gn),
    ("keyid:", IdType::KeyId),
];

/// `#hex` or the literal text after a prefix.
fn literal_or_hex(rest: &str) -> Vec<u8> {
    match rest.strip_prefix('#') {
        Some(hex) => decode_hex(hex),
        None => rest.as_bytes().to_vec(),
    }
}

fn classify(s: &str) -> Result<(IdType, Vec<u8>), ValueError> {
    for (prefix, id_type) in PREFIXES {
        if has_prefix_ci(s, prefix) {
            let rest = &s[prefix.len()..];
            let mut data = literal_or_hex(rest);
            if *prefix == "xmppaddr:" {
                data = xmpp_general_name(&data);
            }
            // the typed prefixes take the text as is (ipv4:1.2.3.4 is sent
            // as the string); strongSwan does the same
            return Ok((*id_type, data));
        }
    }
    if let Some(found) = numeric_prefix(s)? {
        return Ok(found);
    }
    if s.contains('=') {
        return Ok(match dn::encode(s) {
            Some(der) => (IdType::DerAsn1Dn, der),
            None => (IdType::KeyId, s.as_bytes().to_vec()),
        });
    }
    if !s.contains('@') {
        if matches!(s, "" | "%any" | "%any6" | "0.0.0.0" | "*" | "::" | "0::0") {
            return Ok((IdType::Any, Vec::new()));
        }
        if !s.contains(':') {
            return Ok(ip_identity(s, true).unwrap_or((IdType::Fqdn, s.as_bytes().to_vec())));
        }
        return Ok(ip_identity(s, false).unwrap_or((IdType::KeyId, s.as_bytes().to_vec())));
    }
    if let Some(rest) = s.strip_prefix('@') {
        if let Some(hex) = rest.strip_prefix('#') {
            return Ok((IdType::KeyId, decode_hex(hex)));
        }
        if let Some(user) = rest.strip_prefix('@') {
            return Ok((IdType::Rfc822Addr, user.as_bytes().to_vec()));
        }
        return Ok((IdType::Fqdn, rest.as_bytes().to_vec()));
    }
    Ok((IdType::Rfc822Addr, s.as_bytes().to_vec()))
}

/// `{N}:value`.
fn numeric_prefix(s: &str) -> Result<Option<(IdType, Vec<u8>)>, ValueError> {
    let Some(inner) = s.strip_prefix('{') else {
        return Ok(None);
    };
    let scan = strtoul(inner, 0);
    if scan.overflow || scan.negative {
        return Ok(None);
    }
    let Some(rest) = scan.rest.strip_prefix("}:") else {
        return Ok(None);
    };
    let n =
        u8::try_from(scan.value).map_err(|_| ValueError::because("identity type out of range"))?;
    Ok(Some((IdType::from_number(n), literal_or_hex(rest))))
}

/// An address, `addr/bits` subnet or `from-to` range identity.
fn ip_identity(s: &str, v4: bool) -> Option<(IdType, Vec<u8>)> {
    let parse = |a: &str| -> Option<Vec<u8>> {
        if v4 {
            a.parse::<Ipv4Addr>().ok().map(|a| a.octets().to_vec())
        } else {
            a.parse::<Ipv6Addr>().ok().map(|a| a.octets().to_vec())
        }
    };
    if let Some((addr, bits)) = s.split_once('/') {
        let mut bytes = parse(addr)?;
        let bits = atoi(bits).max(0);
        let bits = usize::try_from(bits).ok()?;
        if bits > bytes.len() * 8 {
            return None;
        }
        let mut mask = Vec::with_capacity(bytes.len());
        for (i, b) in bytes.iter_mut().enumerate() {
            let m = match bits.saturating_sub(i * 8) {
                0 => 0u8,
                n if n >= 8 => 0xff,
                n => 0xffu8 << (8 - n),
            };
            *b &= m;
            mask.push(m);
        }
        bytes.extend(mask);
        let t = if v4 {
            IdType::Ipv4AddrSubnet
        } else {
            IdType::Ipv6AddrSubnet
        };
        return Some((t, bytes));
    }
    if let Some((from, to)) = s.split_once('-') {
        let mut bytes = parse(from)?;
        let to = parse(to)?;
        if bytes > to {
            return None;
        }
        bytes.extend(to);
        let t = if v4 {
            IdType::Ipv4AddrRange
        } else {
            IdType::Ipv6AddrRange
        };
        return Some((t, bytes));
    }
    let t = if v4 {
        IdType::Ipv4Addr
    } else {
        IdType::Ipv6Addr
    };
    parse(s).map(|b| (t, b))
}

/// C's `atoi`: optional sign and leading digits, 0 if none.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let n = digits.parse::<i64>().unwrap_or(i64::MAX);
    if neg { -n } else { n }
}

/// `xmppaddr:` wraps the address in an otherName GeneralName
/// (id-on-xmppAddr, UTF8String).
fn xmpp_general_name(addr: &[u8]) -> Vec<u8> {
    const OID_XMPP_ADDR: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x05];
    let utf8 = dn::tlv(0x0c, addr);
    let explicit = dn::tlv(0xa0, &utf8);
    let mut content = dn::tlv(0x06, OID_XMPP_ADDR);
    content.extend(explicit);
    dn::tlv(0xa0, &content)
}

/// ASCII DN → DER, as strongSwan's `atodn`.
pub(crate) mod dn {
    /// Known RDN attribute names (case-insensitive) with their OID content
    /// bytes and whether the value is an IA5String (else PrintableString,
    /// or UTF8String if it has characters PrintableString can't carry).
    const ATTRS: &[(&str, &[u8], bool)] = &[
        ("ND", &[0x02, 0x82, 0x06, 0x01, 0x0a, 0x07, 0x14], false),
        (
            "UID",
            &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01],
            false,
        ),
        (
            "DC",
            &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
            false,
        ),
        ("CN", &[0x55, 0x04, 0x03], false),
        ("SN", &[0x55, 0x04, 0x04], false),
        ("serialNumber", &[0x55, 0x04, 0x05], false),
        ("C", &[0x55, 0x04, 0x06], false),
        ("L", &[0x55, 0x04, 0x07], false),
        ("ST", &[0x55, 0x04, 0x08], false),
        ("STREET", &[0x55, 0x04, 0x09], false),
        ("O", &[0x55, 0x04, 0x0a], false),
        ("OU", &[0x55, 0x04, 0x0b], false),
        ("T", &[0x55, 0x04, 0x0c], false),
        ("D", &[0x55, 0x04, 0x0d], false),
        ("postalAddress", &[0x55, 0x04, 0x10], false),
        ("postalCode", &[0x55, 0x04, 0x11], false),
        ("N", &[0x55, 0x04, 0x29], false),
        ("G", &[0x55, 0x04, 0x2a], false),
        ("I", &[0x55, 0x04, 0x2b], false),
        ("dnQualifier", &[0x55, 0x04, 0x2e], false),
        ("dmdName", &[0x55, 0x04, 0x36], false),
        ("pseudonym", &[0x55, 0x04, 0x41], false),
        ("ID", &[0x55, 0x04, 0x2d], false),
        (
            "EN",
            &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x03, 0x01, 0x03],
            false,
        ),
        (
            "employeeNumber",
            &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x03, 0x01, 0x03],
            false,
        ),
        (
            "E",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
            true,
        ),
        (
            "Email",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
            true,
        ),
        (
            "emailAddress",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
            true,
        ),
        (
            "UN",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02],
            true,
        ),
        (
            "unstructuredName",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02],
            true,
        ),
        (
            "UA",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x08],
            false,
        ),
        (
            "unstructuredAddress",
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x08],
            false,
        ),
        (
            "TCGID",
            &[
                0x2b, 0x06, 0x01, 0x04, 0x01, 0x89, 0x31, 0x01, 0x01, 0x02, 0x02, 0x4b,
            ],
            false,
        ),
    ];

    /// strongSwan's RDN limit.
    const RDN_MAX: usize = 20;

    const PRINTABLE: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?";

    /// DER tag-length-value.
    pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .iter()
                .copied()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// `C=CH, O=strongSwan, CN=moon` (or `/C=CH/O=…`) → DER Name; `None`
    /// if an attribute is unknown or there are more than 20 RDNs.
    pub(crate) fn encode(s: &str) -> Option<Vec<u8>> {
        let rdns = split_rdns(s);
        let mut seq = Vec::new();
        let mut count = 0;
        for (attr, value) in rdns {
            let (_, oid, ia5) = ATTRS
                .iter()
                .find(|(name, _, _)| name.eq_ignore_ascii_case(attr))?;
            // a known attribute name at the very end without `=` is dropped
            let Some(value) = value else {
                continue;
            };
            count += 1;
            if count > RDN_MAX {
                return None;
            }
            let tag = if *ia5 {
                0x16
            } else if value.bytes().all(|b| PRINTABLE.contains(&b)) {
                0x13
            } else {
                0x0c
            };
            let mut atv = tlv(0x06, oid);
            atv.extend(tlv(tag, value.as_bytes()));
            seq.extend(tlv(0x31, &tlv(0x30, &atv)));
        }
        Some(tlv(0x30, &seq))
    }

    /// Splits into (attribute, value) pairs following `atodn`'s states:
    /// the separator is `/` if the string starts with one, else `,`; spaces
    /// before attributes and between attribute, `=` and value are skipped;
    /// trailing spaces of values are dropped. An attribute name that runs
    /// to the end of the string has no value.
    fn split_rdns(s: &str) -> Vec<(&str, Option<&str>)> {
        let t = s.trim_start_matches(' ');
        let (sep, mut rest) = match t.strip_prefix('/') {
            Some(r) => ('/', r),
            None => (',', t),
        };
        let mut out = Vec::new();
        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                return out;
            }
            let Some(end) = rest.find([' ', '=']) else {
                out.push((rest, None));
                return out;
            };
            let attr = &rest[..end];
            rest = rest[end..].trim_start_matches([' ', '=']);
            let vend = rest.find(sep).unwrap_or(rest.len());
            out.push((attr, Some(rest[..vend].trim_end_matches(' '))));
            rest = rest.get(vend + 1..).unwrap_or("");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> (IdType, Vec<u8>) {
        let id = Identity::parse(s).unwrap();
        (id.id_type(), id.data().to_vec())
    }

    #[test]
    fn addresses_become_ip_identities() {
        assert_eq!(
            typed("192.168.0.1"),
            (IdType::Ipv4Addr, vec![192, 168, 0, 1])
        );
        let (t, d) = typed("fec0::1");
        assert_eq!(t, IdType::Ipv6Addr);
        assert_eq!(d.len(), 16);
        assert_eq!(
            typed("10.1.2.3/16"),
            (IdType::Ipv4AddrSubnet, vec![10, 1, 0, 0, 255, 255, 0, 0])
        );
        assert_eq!(
            typed("10.0.0.1-10.0.0.9"),
            (IdType::Ipv4AddrRange, vec![10, 0, 0, 1, 10, 0, 0, 9])
        );
    }

    #[test]
    fn names_without_at_are_fqdns_and_with_at_rfc822() {
        assert_eq!(typed("moon.strongswan.org").0, IdType::Fqdn);
        assert_eq!(typed("carol@strongswan.org").0, IdType::Rfc822Addr);
        assert_eq!(typed("@moon").0, IdType::Fqdn);
        assert_eq!(typed("@moon").1, b"moon".to_vec());
        assert_eq!(typed("@@carol").0, IdType::Rfc822Addr);
        assert_eq!(typed("@@carol").1, b"carol".to_vec());
        assert_eq!(typed("@#0102"), (IdType::KeyId, vec![1, 2]));
        // not an address but contains a colon
        assert_eq!(typed("a:b:zz").0, IdType::KeyId);
        // an invalid subnet falls back to an FQDN
        assert_eq!(typed("10.0.0.0/33").0, IdType::Fqdn);
    }

    #[test]
    fn wildcards_are_any() {
        for s in ["%any", "%any6", "", "*", "0.0.0.0", "::", "0::0"] {
            assert!(Identity::parse(s).unwrap().is_any(), "{s}");
        }
        // not in strongSwan's list: an FQDN
        assert_eq!(typed("%any4").0, IdType::Fqdn);
    }

    #[test]
    fn prefixes_set_the_type_in_any_case() {
        assert_eq!(typed("fqdn:10.0.0.1"), (IdType::Fqdn, b"10.0.0.1".to_vec()));
        assert_eq!(typed("EMAIL:x@y").0, IdType::Rfc822Addr);
        assert_eq!(typed("userfqdn:x").0, IdType::Rfc822Addr);
        assert_eq!(typed("dns:x").0, IdType::Fqdn);
        assert_eq!(typed("keyid:#a0b1"), (IdType::KeyId, vec![0xa0, 0xb1]));
        assert_eq!(typed("keyid:abc"), (IdType::KeyId, b"abc".to_vec()));
        assert_eq!(typed("ipv4:1.2.3.4").0, IdType::Ipv4Addr);
        assert_eq!(typed("asn1gn:#3000").0, IdType::DerAsn1Gn);
    }

    #[test]
    fn numeric_type_prefixes_are_accepted_up_to_255() {
        assert_eq!(typed("{11}:#ff"), (IdType::KeyId, vec![0xff]));
        assert_eq!(typed("{0x2}:a").0, IdType::Fqdn);
        assert_eq!(typed("{200}:a").0, IdType::Other(200));
        assert!(Identity::parse("{256}:a").is_err());
        // not a numeric prefix: auto-typed
        assert_eq!(typed("{x}:a").0, IdType::KeyId);
    }

    #[test]
    fn distinguished_names_are_der_encoded() {
        let (t, der) = typed("C=CH, O=strongSwan, CN=moon");
        assert_eq!(t, IdType::DerAsn1Dn);
        let expected: Vec<u8> = [
            &[0x30, 0x31][..],
            &[
                0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02,
            ],
            b"CH",
            &[
                0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x0a,
            ],
            b"strongSwan",
            &[
                0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x04,
            ],
            b"moon",
        ]
        .concat();
        assert_eq!(der, expected);
        // slash style and spaces around '='
        assert_eq!(typed("/C=CH/O=strongSwan/CN = moon").1, expected);
    }

    #[test]
    fn dn_values_choose_utf8_or_ia5_strings() {
        let (_, der) = typed("CN=a_b");
        assert!(der.windows(2).any(|w| w == [0x0c, 0x03]));
        let (_, der) = typed("E=x@y");
        assert!(der.windows(2).any(|w| w == [0x16, 0x03]));
    }

    #[test]
    fn unknown_dn_attributes_make_a_key_id() {
        assert_eq!(typed("XX=foo").0, IdType::KeyId);
        assert_eq!(typed("CN=a, b").0, IdType::KeyId);
        assert_eq!(typed("CN=a, b").1, b"CN=a, b".to_vec());
        // a known attribute without value at the end is dropped
        assert_eq!(typed("CN=a, O").1, typed("CN=a").1);
    }

    #[test]
    fn identities_keep_their_text() {
        let id = Identity::parse("@moon").unwrap();
        assert_eq!(id.as_str(), "@moon");
        assert_eq!(id.to_string(), "@moon");
    }
}
