//! Certificate (RFC 7296 §3.6) and Certificate Request (§3.7) payloads.

use super::Error;
use super::codec::{Codec, Encoder, Reader};
use super::iana::CertEncoding;

/// Certificate payload body (RFC 7296 §3.6):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Cert Encoding |                                               |
/// +-+-+-+-+-+-+-+-+                                               |
/// ~                       Certificate Data                        ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Certificate {
    /// How `data` is encoded (4: a DER X.509 certificate).
    pub encoding: CertEncoding,
    /// The certificate (or CRL, hash and URL, ...).
    pub data: Vec<u8>,
}

impl Codec for Certificate {
    const WHAT: &'static str = "CERT payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.encoding.0);
        enc.bytes(&self.data);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let encoding = CertEncoding(r.u8("certificate encoding")?);
        Ok(Self {
            encoding,
            data: r.rest().to_vec(),
        })
    }
}

/// Certificate Request payload body (RFC 7296 §3.7):
///
/// ```text
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Cert Encoding |                                               |
/// +-+-+-+-+-+-+-+-+                                               |
/// ~                    Certification Authority                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CertificateRequest {
    /// Requested encoding.
    pub encoding: CertEncoding,
    /// For X.509 encodings: concatenated SHA-1 hashes of the trusted CAs'
    /// SubjectPublicKeyInfo (see [`CertificateRequest::ca_key_hashes`]).
    pub authorities: Vec<u8>,
}

impl CertificateRequest {
    /// Length of one CA key hash (SHA-1, RFC 7296 §3.7).
    pub const HASH_LEN: usize = 20;

    /// The CA key hashes, or `None` if the field is not a whole number of
    /// hashes (then it is not an X.509 request this code understands).
    #[must_use]
    pub fn ca_key_hashes(&self) -> Option<impl Iterator<Item = &[u8]>> {
        let whole = self.authorities.len().is_multiple_of(Self::HASH_LEN);
        whole.then(|| self.authorities.chunks_exact(Self::HASH_LEN))
    }
}

impl Codec for CertificateRequest {
    const WHAT: &'static str = "CERTREQ payload";

    fn encode(&self, enc: &mut Encoder) {
        enc.u8(self.encoding.0);
        enc.bytes(&self.authorities);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let encoding = CertEncoding(r.u8("certificate request encoding")?);
        Ok(Self {
            encoding,
            authorities: r.rest().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_certreq_into_ca_key_hashes() {
        let mut body = vec![4];
        body.extend_from_slice(&[0xaa; 20]);
        body.extend_from_slice(&[0xbb; 20]);
        let req = CertificateRequest::read_bytes(&body).unwrap();
        assert_eq!(req.encoding, CertEncoding::X509_SIGNATURE);
        let hashes: Vec<&[u8]> = req.ca_key_hashes().unwrap().collect();
        assert_eq!(hashes, [&[0xaa; 20][..], &[0xbb; 20][..]]);
        assert_eq!(req.get_encoding().unwrap(), body);
        let odd = CertificateRequest {
            authorities: vec![1; 21],
            ..req
        };
        assert!(odd.ca_key_hashes().is_none());
    }

    #[test]
    fn round_trips_a_certificate() {
        let cert = Certificate {
            encoding: CertEncoding::X509_SIGNATURE,
            data: vec![0x30, 0x82],
        };
        let bytes = cert.get_encoding().unwrap();
        assert_eq!(bytes, [4, 0x30, 0x82]);
        assert_eq!(Certificate::read_bytes(&bytes).unwrap(), cert);
    }

    #[test]
    fn rejects_an_empty_cert_payload() {
        let err = Certificate::read_bytes(&[]).unwrap_err();
        assert_eq!(
            err,
            Error::Truncated {
                what: "certificate encoding"
            }
        );
    }
}
