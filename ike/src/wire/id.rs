//! Identification (RFC 7296 §3.5) and Authentication (§3.8) payloads.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::iana::{AuthMethod, IdType};

/// Identification payload body, for both IDi and IDr (RFC 7296 §3.5):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   ID Type     |                 RESERVED                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                   Identification Data                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The RESERVED octets are part of the AUTH computation (RFC 7296 §2.15);
/// this codec emits them as zero, as RFC 7296 requires.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Identification {
    /// How to read `data`.
    pub ty: IdType,
    /// The identity: an address, a name or opaque octets, per `ty`.
    pub data: Vec<u8>,
}

impl Identification {
    /// An ID_IPV4_ADDR identity.
    #[must_use]
    pub fn ipv4(addr: Ipv4Addr) -> Self {
        Self {
            ty: IdType::IPV4_ADDR,
            data: addr.octets().to_vec(),
        }
    }

    /// An ID_IPV6_ADDR identity.
    #[must_use]
    pub fn ipv6(addr: Ipv6Addr) -> Self {
        Self {
            ty: IdType::IPV6_ADDR,
            data: addr.octets().to_vec(),
        }
    }

    /// An ID_FQDN identity.
    #[must_use]
    pub fn fqdn(name: &str) -> Self {
        Self {
            ty: IdType::FQDN,
            data: name.as_bytes().to_vec(),
        }
    }

    /// An ID_RFC822_ADDR identity.
    #[must_use]
    pub fn rfc822(addr: &str) -> Self {
        Self {
            ty: IdType::RFC822_ADDR,
            data: addr.as_bytes().to_vec(),
        }
    }

    /// The address of an ID_IPV4_ADDR identity with exactly 4 octets.
    #[must_use]
    pub fn as_ipv4(&self) -> Option<Ipv4Addr> {
        let octets: [u8; 4] = self.data.as_slice().try_into().ok()?;
        (self.ty == IdType::IPV4_ADDR).then(|| Ipv4Addr::from(octets))
    }

    /// The address of an ID_IPV6_ADDR identity with exactly 16 octets.
    #[must_use]
    pub fn as_ipv6(&self) -> Option<Ipv6Addr> {
        let octets: [u8; 16] = self.data.as_slice().try_into().ok()?;
        (self.ty == IdType::IPV6_ADDR).then(|| Ipv6Addr::from(octets))
    }

    /// Whether `other` is the same identity as charon's `equals` sees it:
    /// names ignore case, DNs compare attribute by attribute
    /// ([`super::dn::matches`]), anything else octet by octet.
    #[must_use]
    pub fn same_as(&self, other: &Self) -> bool {
        if self.ty != other.ty {
            return false;
        }
        match self.ty {
            IdType::FQDN | IdType::RFC822_ADDR => self.data.eq_ignore_ascii_case(&other.data),
            IdType::DER_ASN1_DN => super::dn::matches(&self.data, &other.data, false),
            _ => self.data == other.data,
        }
    }

    /// The name of an ID_FQDN or ID_RFC822_ADDR identity, if it is UTF-8.
    #[must_use]
    pub fn as_name(&self) -> Option<&str> {
        matches!(self.ty, IdType::FQDN | IdType::RFC822_ADDR)
            .then(|| core::str::from_utf8(&self.data).ok())
            .flatten()
    }
}

/// Addresses, names and DNs as strongSwan prints them (`%Y`); anything
/// else as `#` and hex.
impl fmt::Display for Identification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ty == IdType::DER_ASN1_DN {
            return f.write_str(&super::dn_text::dn_text(&self.data));
        }
        if let Some(addr) = self.as_ipv4() {
            return write!(f, "{addr}");
        }
        if let Some(addr) = self.as_ipv6() {
            return write!(f, "{addr}");
        }
        if let Some(name) = self.as_name().filter(|n| !n.chars().any(char::is_control)) {
            return f.write_str(name);
        }
        f.write_str("#")?;
        self.data.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Codec for Identification {
    const WHAT: &'static str = "ID payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.ty.0);
        enc.zeros(3);
        enc.bytes(&self.data);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let ty = IdType(r.u8("ID type")?);
        r.skip(3, "ID header")?;
        Ok(Self {
            ty,
            data: r.rest().to_vec(),
        })
    }
}

/// Authentication payload body (RFC 7296 §3.8):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Auth Method   |                RESERVED                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                      Authentication Data                      ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// For method 14 (RFC 7427 §3) the data starts with the length-prefixed
/// ASN.1 AlgorithmIdentifier; that is left to the authenticator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Authentication {
    /// Authentication method.
    pub method: AuthMethod,
    /// Signature or MAC.
    pub data: Vec<u8>,
}

impl Codec for Authentication {
    const WHAT: &'static str = "AUTH payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.method.0);
        enc.zeros(3);
        enc.bytes(&self.data);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let method = AuthMethod(r.u8("AUTH method")?);
        r.skip(3, "AUTH header")?;
        Ok(Self {
            method,
            data: r.rest().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_captured_fqdn_identity() {
        // IDi body of psk-net2net's IKE_AUTH request: ID_FQDN a.lab.test.
        let body = b"\x02\x00\x00\x00a.lab.test";
        let id = Identification::read_bytes(body).unwrap();
        assert_eq!(id, Identification::fqdn("a.lab.test"));
        assert_eq!(id.to_string(), "a.lab.test");
        assert_eq!(id.get_encoding().unwrap(), body);
    }

    #[test]
    fn renders_addresses_names_and_opaque_identities() {
        assert_eq!(
            Identification::ipv4(Ipv4Addr::new(192, 0, 2, 1)).to_string(),
            "192.0.2.1"
        );
        let v6 = Identification::ipv6("2001:db8::1".parse().unwrap());
        assert_eq!(v6.to_string(), "2001:db8::1");
        assert_eq!(
            Identification::rfc822("a@lab.test").to_string(),
            "a@lab.test"
        );
        let key = Identification {
            ty: IdType::KEY_ID,
            data: vec![0xde, 0xad],
        };
        assert_eq!(key.to_string(), "#dead");
        let bad_v4 = Identification {
            ty: IdType::IPV4_ADDR,
            data: vec![1, 2, 3],
        };
        assert_eq!(bad_v4.as_ipv4(), None);
        assert_eq!(bad_v4.to_string(), "#010203");
    }

    #[test]
    fn rejects_an_id_payload_shorter_than_its_header() {
        let err = Identification::read_bytes(&[2, 0]).unwrap_err();
        assert_eq!(err, Error::Truncated { what: "ID header" });
    }

    #[test]
    fn round_trips_a_psk_auth_payload() {
        let mut body = vec![2, 0, 0, 0];
        body.extend_from_slice(&[0x46; 32]);
        let auth = Authentication::read_bytes(&body).unwrap();
        assert_eq!(auth.method, AuthMethod::PSK);
        assert_eq!(auth.data.len(), 32);
        assert_eq!(auth.get_encoding().unwrap(), body);
    }
}
