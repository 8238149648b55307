//! UDP encapsulation on port 4500 (RFC 3948 §2): IKE messages are preceded
//! by a four-octet zero non-ESP marker, ESP packets start with their
//! (non-zero) SPI, and a NAT-keepalive is the single octet 0xFF.
//!
//! ```text
//!                      1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      Non-ESP Marker (0)                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                      IKE header [RFC 7296]                    ~
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::Error;

/// The non-ESP marker in front of IKE messages on port 4500 (RFC 3948 §2.2).
pub const NON_ESP_MARKER: [u8; 4] = [0; 4];

/// The NAT-keepalive payload (RFC 3948 §2.3).
pub const NAT_KEEPALIVE: u8 = 0xff;

/// What a UDP/4500 datagram carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Udp4500<'a> {
    /// An IKE message, marker removed.
    Ike(&'a [u8]),
    /// An ESP packet, starting with its SPI.
    Esp(&'a [u8]),
    /// A NAT-keepalive (to be dropped).
    Keepalive,
}

/// Sorts a UDP/4500 payload into IKE, ESP or keepalive (RFC 3948 §2.2–2.3).
///
/// # Errors
/// [`Error::Truncated`] for anything shorter than the 8-octet ESP header
/// that is not a keepalive (this includes a bare marker).
pub fn classify(datagram: &[u8]) -> Result<Udp4500<'_>, Error> {
    if datagram == [NAT_KEEPALIVE] {
        return Ok(Udp4500::Keepalive);
    }
    match datagram.split_first_chunk::<4>() {
        Some((&NON_ESP_MARKER, ike)) if !ike.is_empty() => Ok(Udp4500::Ike(ike)),
        Some((&NON_ESP_MARKER, _)) => Err(Error::Truncated {
            what: "IKE message after non-ESP marker",
        }),
        // SPI and sequence number (RFC 4303 §2).
        Some(_) if datagram.len() >= 8 => Ok(Udp4500::Esp(datagram)),
        _ => Err(Error::Truncated { what: "ESP header" }),
    }
}

/// Removes the non-ESP marker, if `datagram` starts with one.
#[must_use]
pub fn strip_non_esp_marker(datagram: &[u8]) -> Option<&[u8]> {
    datagram.strip_prefix(&NON_ESP_MARKER[..])
}

/// An IKE message with the non-ESP marker in front, ready for port 4500.
#[must_use]
pub fn add_non_esp_marker(ike: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(NON_ESP_MARKER.len() + ike.len());
    out.extend_from_slice(&NON_ESP_MARKER);
    out.extend_from_slice(ike);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_ike_esp_and_keepalives() {
        let ike = add_non_esp_marker(&[0x82, 0x1d]);
        assert_eq!(ike, [0, 0, 0, 0, 0x82, 0x1d]);
        assert_eq!(classify(&ike), Ok(Udp4500::Ike(&[0x82, 0x1d])));
        assert_eq!(strip_non_esp_marker(&ike), Some(&[0x82, 0x1d][..]));
        let esp = [0xc1, 0xd2, 0xe3, 0xf4, 0, 0, 0, 1, 0xaa];
        assert_eq!(classify(&esp), Ok(Udp4500::Esp(&esp)));
        assert_eq!(strip_non_esp_marker(&esp), None);
        assert_eq!(classify(&[0xff]), Ok(Udp4500::Keepalive));
    }

    #[test]
    fn rejects_short_datagrams() {
        assert_eq!(classify(&[]), Err(Error::Truncated { what: "ESP header" }));
        assert_eq!(
            classify(&[1, 2, 3, 4, 5]),
            Err(Error::Truncated { what: "ESP header" })
        );
        let err = classify(&NON_ESP_MARKER).unwrap_err();
        assert_eq!(
            err,
            Error::Truncated {
                what: "IKE message after non-ESP marker"
            }
        );
    }
}
