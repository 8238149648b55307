//! Traffic Selector payloads, TSi and TSr (RFC 7296 §3.13).

use core::net::{Ipv4Addr, Ipv6Addr};

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::error::MAX_TRAFFIC_SELECTORS;
use super::iana::TsType;

/// Traffic Selector payload body (RFC 7296 §3.13):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Number of TSs |                 RESERVED                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       <Traffic Selectors>                     ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TrafficSelectors(pub Vec<TrafficSelector>);

/// One traffic selector substructure (RFC 7296 §3.13.1):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   TS Type     |IP Protocol ID*|       Selector Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Start Port*         |           End Port*           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                         Starting Address*                     ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                         Ending Address*                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TrafficSelector {
    /// TS_IPV4_ADDR_RANGE (selector length 16).
    Ipv4(IpRange<Ipv4Addr>),
    /// TS_IPV6_ADDR_RANGE (selector length 40).
    Ipv6(IpRange<Ipv6Addr>),
    /// Any other type (Fibre Channel, security labels, unregistered),
    /// carried as it was received.
    Other {
        /// The TS type.
        ty: TsType,
        /// The octet after the type (IP protocol ID for IP selectors).
        second_octet: u8,
        /// Everything after the selector length field.
        body: Vec<u8>,
    },
}

/// An address and port range for one IP protocol (0: any protocol; ports
/// 0–65535: any port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpRange<A> {
    /// IP protocol number (RFC 7296 §3.13.1), 0 for any.
    pub ip_protocol: u8,
    /// First port of the range.
    pub start_port: u16,
    /// Last port of the range.
    pub end_port: u16,
    /// First address of the range.
    pub start: A,
    /// Last address of the range.
    pub end: A,
}

impl<A> IpRange<A> {
    /// All protocols and ports between two addresses.
    pub const fn any(start: A, end: A) -> Self {
        Self {
            ip_protocol: 0,
            start_port: 0,
            end_port: u16::MAX,
            start,
            end,
        }
    }
}

impl TrafficSelector {
    /// Its TS type.
    #[must_use]
    pub const fn ty(&self) -> TsType {
        match self {
            Self::Ipv4(_) => TsType::IPV4_ADDR_RANGE,
            Self::Ipv6(_) => TsType::IPV6_ADDR_RANGE,
            Self::Other { ty, .. } => *ty,
        }
    }
}

/// Header of a selector: type, protocol, length.
const SELECTOR_HEADER: usize = 4;
/// Selector length of TS_IPV4_ADDR_RANGE.
const IPV4_LEN: usize = 16;
/// Selector length of TS_IPV6_ADDR_RANGE.
const IPV6_LEN: usize = 40;

impl Codec for TrafficSelectors {
    const WHAT: &'static str = "TS payload";

    fn encode(&self, enc: &mut Encoder) {
        if self.0.len() > MAX_TRAFFIC_SELECTORS {
            enc.fail(Error::TooMany {
                what: "traffic selectors",
            });
        }
        enc.count_u8(self.0.len(), "traffic selectors");
        enc.zeros(3);
        for ts in &self.0 {
            ts.encode(enc);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let count = usize::from(r.u8("TS count")?);
        r.skip(3, "TS header")?;
        if count > MAX_TRAFFIC_SELECTORS {
            return Err(Error::TooMany {
                what: "traffic selectors",
            });
        }
        let mut selectors = Vec::new();
        for _ in 0..count {
            selectors.push(TrafficSelector::read(r)?);
        }
        r.expect_empty("TS payload")?;
        Ok(Self(selectors))
    }
}

impl Codec for TrafficSelector {
    const WHAT: &'static str = "traffic selector";

    fn encode(&self, enc: &mut Encoder) {
        let start = enc.len();
        enc.u8(self.ty().0);
        match self {
            Self::Ipv4(range) => encode_range(enc, start, range, &Ipv4Addr::octets),
            Self::Ipv6(range) => encode_range(enc, start, range, &Ipv6Addr::octets),
            Self::Other {
                second_octet, body, ..
            } => {
                enc.u8(*second_octet);
                enc.length_u16(start, "traffic selector").bytes(body);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let ty = TsType(r.u8("TS type")?);
        let second_octet = r.u8("TS protocol")?;
        let len = usize::from(r.u16("TS length")?);
        let body_len = len.checked_sub(SELECTOR_HEADER).ok_or(Error::BadLength {
            what: "traffic selector",
        })?;
        let mut body = r.sub(body_len, "traffic selector")?;
        let expected = match ty {
            TsType::IPV4_ADDR_RANGE => Some(IPV4_LEN),
            TsType::IPV6_ADDR_RANGE => Some(IPV6_LEN),
            _ => None,
        };
        if expected.is_some_and(|expected| expected != len) {
            return Err(Error::BadLength {
                what: "traffic selector",
            });
        }
        let ts = match ty {
            TsType::IPV4_ADDR_RANGE => {
                Self::Ipv4(read_range(&mut body, second_octet, Ipv4Addr::from)?)
            }
            TsType::IPV6_ADDR_RANGE => {
                Self::Ipv6(read_range(&mut body, second_octet, Ipv6Addr::from)?)
            }
            _ => Self::Other {
                ty,
                second_octet,
                body: body.rest().to_vec(),
            },
        };
        body.expect_empty("traffic selector")?;
        Ok(ts)
    }
}

fn encode_range<A, const N: usize>(
    enc: &mut Encoder,
    start: usize,
    range: &IpRange<A>,
    octets: &dyn Fn(&A) -> [u8; N],
) {
    enc.u8(range.ip_protocol);
    let mut ts = enc.length_u16(start, "traffic selector");
    ts.u16(range.start_port);
    ts.u16(range.end_port);
    ts.bytes(&octets(&range.start));
    ts.bytes(&octets(&range.end));
}

fn read_range<A, const N: usize>(
    r: &mut Reader<'_>,
    ip_protocol: u8,
    addr: impl Fn([u8; N]) -> A,
) -> Result<IpRange<A>, Error> {
    let start_port = r.u16("TS start port")?;
    let end_port = r.u16("TS end port")?;
    let start = addr(r.array("TS start address")?);
    let end = addr(r.array("TS end address")?);
    Ok(IpRange {
        ip_protocol,
        start_port,
        end_port,
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TSi body of psk-net2net's IKE_AUTH request: 10.1.0.0–10.1.0.255.
    const TSI: [u8; 20] = [
        1, 0, 0, 0, // one selector
        7, 0, 0, 16, 0, 0, 0xff, 0xff, // IPv4, any protocol, all ports
        10, 1, 0, 0, 10, 1, 0, 255,
    ];

    #[test]
    fn round_trips_the_captured_ipv4_selector() {
        let ts = TrafficSelectors::read_bytes(&TSI).unwrap();
        let range = IpRange::any(Ipv4Addr::new(10, 1, 0, 0), Ipv4Addr::new(10, 1, 0, 255));
        assert_eq!(ts, TrafficSelectors(vec![TrafficSelector::Ipv4(range)]));
        assert_eq!(ts.get_encoding().unwrap(), TSI);
    }

    #[test]
    fn round_trips_ipv6_and_unknown_selectors() {
        let v6 = IpRange {
            ip_protocol: 17,
            start_port: 500,
            end_port: 500,
            start: "2001:db8::".parse().unwrap(),
            end: "2001:db8::ffff".parse().unwrap(),
        };
        let other = TrafficSelector::Other {
            ty: TsType::SECLABEL,
            second_octet: 0,
            body: vec![1, 2],
        };
        let ts = TrafficSelectors(vec![TrafficSelector::Ipv6(v6), other]);
        let bytes = ts.get_encoding().unwrap();
        assert_eq!(bytes.len(), 4 + 40 + 6);
        assert_eq!(TrafficSelectors::read_bytes(&bytes).unwrap(), ts);
    }

    #[test]
    fn rejects_an_ipv4_selector_with_the_ipv6_length() {
        let mut bytes = TSI.to_vec();
        bytes[7] = 40;
        bytes.extend_from_slice(&[0; 24]);
        let err = TrafficSelectors::read_bytes(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "traffic selector"
            }
        );
    }

    #[test]
    fn rejects_a_selector_count_that_disagrees_with_the_payload() {
        let mut bytes = TSI;
        bytes[0] = 2;
        let err = TrafficSelectors::read_bytes(&bytes).unwrap_err();
        assert_eq!(err, Error::Truncated { what: "TS type" });
        bytes[0] = 0;
        let err = TrafficSelectors::read_bytes(&bytes).unwrap_err();
        assert_eq!(err, Error::TrailingData { what: "TS payload" });
    }

    #[test]
    fn rejects_more_than_64_selectors() {
        let ts = TrafficSelector::Other {
            ty: TsType(99),
            second_octet: 0,
            body: vec![],
        };
        let mut bytes = vec![65, 0, 0, 0];
        for _ in 0..65 {
            bytes.extend(ts.get_encoding().unwrap());
        }
        let err = TrafficSelectors::read_bytes(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::TooMany {
                what: "traffic selectors"
            }
        );
    }
}
