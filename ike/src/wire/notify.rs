//! Notify (RFC 7296 §3.10), Delete (§3.11) and Vendor ID (§3.12) payloads.

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::iana::{NotifyType, ProtocolId};

/// Notify payload body (RFC 7296 §3.10):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Protocol ID  |   SPI Size    |      Notify Message Type      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                Security Parameter Index (SPI)                 ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       Notification Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Unknown types are kept; whether they matter is decided by
/// [`NotifyType::is_error`] and the exchange.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Notify {
    /// Protocol of the SA the SPI belongs to (0 when there is none).
    pub protocol: ProtocolId,
    /// SPI of the SA concerned, usually empty.
    pub spi: Vec<u8>,
    /// Notify message type.
    pub ty: NotifyType,
    /// Type-specific data.
    pub data: Vec<u8>,
}

impl Notify {
    /// A notify about the IKE SA itself (no protocol, no SPI).
    #[must_use]
    pub const fn new(ty: NotifyType, data: Vec<u8>) -> Self {
        Self {
            protocol: ProtocolId::NONE,
            spi: Vec::new(),
            ty,
            data,
        }
    }
}

impl Codec for Notify {
    const WHAT: &'static str = "Notify payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.protocol.0);
        enc.count_u8(self.spi.len(), "notify SPI octets");
        enc.u16(self.ty.0);
        enc.bytes(&self.spi);
        enc.bytes(&self.data);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let protocol = ProtocolId(r.u8("notify protocol")?);
        let spi_size = r.u8("notify SPI size")?;
        let ty = NotifyType(r.u16("notify type")?);
        let spi = r.take(usize::from(spi_size), "notify SPI")?.to_vec();
        Ok(Self {
            protocol,
            spi,
            ty,
            data: r.rest().to_vec(),
        })
    }
}

/// Delete payload body (RFC 7296 §3.11):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Protocol ID   |   SPI Size    |          Num of SPIs          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~               Security Parameter Index(es) (SPI)              ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Deleting the IKE SA: protocol IKE, SPI size 0, no SPIs. Deleting CHILD
/// SAs: ESP or AH, SPI size 4, the inbound SPIs of the sender.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Delete {
    /// IKE, AH or ESP.
    pub protocol: ProtocolId,
    /// Octets per SPI (kept for the IKE case where the list is empty).
    pub spi_size: u8,
    /// The SPIs, each `spi_size` octets.
    pub spis: Vec<Vec<u8>>,
}

impl Delete {
    /// Deletes the IKE SA the message belongs to.
    #[must_use]
    pub const fn ike() -> Self {
        Self {
            protocol: ProtocolId::IKE,
            spi_size: 0,
            spis: Vec::new(),
        }
    }

    /// Deletes the given ESP SAs (the sender's inbound SPIs).
    #[must_use]
    pub fn esp(spis: &[u32]) -> Self {
        let spis = spis.iter().map(|spi| spi.to_be_bytes().to_vec()).collect();
        Self {
            protocol: ProtocolId::ESP,
            spi_size: 4,
            spis,
        }
    }
}

impl Codec for Delete {
    const WHAT: &'static str = "Delete payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.protocol.0);
        enc.u8(self.spi_size);
        enc.count_u16(self.spis.len(), "delete SPIs");
        for spi in &self.spis {
            if spi.len() != usize::from(self.spi_size) {
                enc.fail(Error::BadLength { what: "delete SPI" });
            }
            enc.bytes(spi);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let protocol = ProtocolId(r.u8("delete protocol")?);
        let spi_size = r.u8("delete SPI size")?;
        let count = usize::from(r.u16("delete SPI count")?);
        let size = usize::from(spi_size);
        // count × size must be exactly what is left; with size 0 only an
        // empty list matches (no allocations for SPIs that were not sent).
        let total = count.checked_mul(size).filter(|&t| t == r.remaining());
        if total.is_none() || (size == 0 && count != 0) {
            return Err(Error::BadLength {
                what: "delete SPIs",
            });
        }
        let spis = r
            .rest()
            .chunks_exact(size.max(1))
            .map(<[u8]>::to_vec)
            .collect();
        Ok(Self {
            protocol,
            spi_size,
            spis,
        })
    }
}

/// Vendor ID payload body (RFC 7296 §3.12): opaque, usually a hash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VendorId(pub Vec<u8>);

impl Codec for VendorId {
    const WHAT: &'static str = "Vendor ID payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.bytes(&self.0);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        Ok(Self(r.rest().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::wire::fixtures::request_body;

    #[test]
    fn round_trips_a_natd_notify() {
        let body = request_body(3);
        let n = Notify::read_bytes(body).unwrap();
        assert_eq!(n.ty, NotifyType::NAT_DETECTION_SOURCE_IP);
        assert_eq!(
            (n.protocol, n.spi.len(), n.data.len()),
            (ProtocolId::NONE, 0, 20)
        );
        assert_eq!(n.data[..4], [0x2d, 0x06, 0x0a, 0x13]);
        assert_eq!(n.get_encoding().unwrap(), body);
    }

    #[test]
    fn round_trips_the_captured_status_notifies() {
        let expected = [
            (4, NotifyType::NAT_DETECTION_DESTINATION_IP, 20),
            (5, NotifyType::IKEV2_FRAGMENTATION_SUPPORTED, 0),
            (6, NotifyType::SIGNATURE_HASH_ALGORITHMS, 8),
            (7, NotifyType::REDIRECT_SUPPORTED, 0),
        ];
        for (i, ty, data_len) in expected {
            let n = Notify::read_bytes(request_body(i)).unwrap();
            assert_eq!((n.ty, n.data.len()), (ty, data_len));
            assert!(!n.ty.is_error());
            assert_eq!(n.get_encoding().unwrap(), request_body(i));
        }
        let hash_alg = Notify::read_bytes(request_body(6)).unwrap();
        assert_eq!(hash_alg.data, [0, 2, 0, 3, 0, 4, 0, 5]);
    }

    #[test]
    fn keeps_unknown_notify_types_and_spis() {
        let n = Notify {
            protocol: ProtocolId::ESP,
            spi: vec![1, 2, 3, 4],
            ty: NotifyType(40_000),
            data: vec![9],
        };
        let bytes = n.get_encoding().unwrap();
        assert_eq!(bytes, [3, 4, 0x9c, 0x40, 1, 2, 3, 4, 9]);
        assert_eq!(Notify::read_bytes(&bytes).unwrap(), n);
    }

    #[test]
    fn rejects_a_notify_spi_longer_than_the_payload() {
        let err = Notify::read_bytes(&[3, 4, 0x40, 0x09, 1, 2]).unwrap_err();
        assert_eq!(err, Error::Truncated { what: "notify SPI" });
    }

    #[test]
    fn round_trips_ike_and_esp_deletes() {
        let ike = Delete::ike();
        assert_eq!(ike.get_encoding().unwrap(), [1, 0, 0, 0]);
        assert_eq!(Delete::read_bytes(&[1, 0, 0, 0]).unwrap(), ike);
        let esp = Delete::esp(&[0xc1d2_e3f4, 0x0102_0304]);
        let bytes = esp.get_encoding().unwrap();
        assert_eq!(bytes, [3, 4, 0, 2, 0xc1, 0xd2, 0xe3, 0xf4, 1, 2, 3, 4]);
        assert_eq!(Delete::read_bytes(&bytes).unwrap(), esp);
    }

    #[test]
    fn rejects_a_delete_whose_spi_count_disagrees_with_its_length() {
        let err = Delete::read_bytes(&[3, 4, 0, 2, 1, 2, 3, 4]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "delete SPIs"
            }
        );
        let err = Delete::read_bytes(&[3, 4, 0, 1, 1, 2, 3, 4, 5]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "delete SPIs"
            }
        );
    }

    #[test]
    fn rejects_a_delete_with_spis_of_size_zero() {
        let err = Delete::read_bytes(&[3, 0, 0xff, 0xff]).unwrap_err();
        assert_eq!(
            err,
            Error::BadLength {
                what: "delete SPIs"
            }
        );
    }

    #[test]
    fn refuses_to_emit_a_delete_spi_of_the_wrong_size() {
        let mut d = Delete::esp(&[1]);
        d.spis[0].push(0);
        assert_eq!(
            d.get_encoding(),
            Err(Error::BadLength { what: "delete SPI" })
        );
    }
}
