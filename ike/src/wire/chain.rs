//! The next-payload chain (RFC 7296 §3.2): an iterator that parses one
//! payload at a time and stops at the first error (smoltcp's
//! `Ipv6OptionsIterator` pattern), and its emitting counterpart.

use super::Error;
use super::codec::{Encoder, Reader};
use super::error::MAX_PAYLOADS;
use super::header::GenericPayloadHeader;
use super::iana::PayloadType;
use super::payload::Payload;

/// Iterates over a payload chain, yielding each payload or the error that
/// ends the chain. After an error (or the end) it yields nothing more.
///
/// Errors: a malformed payload; an unknown payload with the critical bit
/// ([`Error::UnsupportedCritical`]); bytes after the last payload
/// ([`Error::TrailingData`]) or after SK/SKF ([`Error::NotLast`]); more
/// than [`MAX_PAYLOADS`](super::MAX_PAYLOADS) payloads.
#[derive(Clone, Debug)]
pub struct PayloadIter<'a> {
    next: PayloadType,
    rest: Reader<'a>,
    count: usize,
    done: bool,
}

impl<'a> PayloadIter<'a> {
    /// A chain whose first payload has type `first` (from the IKE header, or
    /// from an SK payload's Next Payload field for a decrypted inner chain).
    #[must_use]
    pub const fn new(first: PayloadType, bytes: &'a [u8]) -> Self {
        Self {
            next: first,
            rest: Reader::new(bytes),
            count: 0,
            done: false,
        }
    }

    fn step(&mut self) -> Result<Option<Payload>, Error> {
        if self.next == PayloadType::NONE {
            self.rest.expect_empty("payload chain")?;
            return Ok(None);
        }
        if self.count == MAX_PAYLOADS {
            return Err(Error::TooMany { what: "payloads" });
        }
        let raw = self
            .rest
            .take(GenericPayloadHeader::<&[u8]>::LEN, "generic payload header")?;
        let header = GenericPayloadHeader::new_checked(raw)?;
        let body_len = usize::from(header.payload_length())
            .checked_sub(GenericPayloadHeader::<&[u8]>::LEN)
            .ok_or(Error::BadLength { what: "payload" })?;
        let mut body = self.rest.sub(body_len, "payload")?;
        let ty = self.next;
        let payload = Payload::read_body(ty, header.critical(), header.next_payload(), &mut body)?;
        self.count += 1;
        if payload.is_encrypted() {
            if !self.rest.is_empty() {
                let what = if ty == PayloadType::SK { "SK" } else { "SKF" };
                return Err(Error::NotLast { what });
            }
            self.next = PayloadType::NONE;
        } else {
            self.next = header.next_payload();
        }
        Ok(Some(payload))
    }
}

impl Iterator for PayloadIter<'_> {
    type Item = Result<Payload, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step().transpose();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}

/// Parses a whole payload chain starting with a payload of type `first`.
/// Use it for the decrypted contents of an SK payload, with the SK
/// payload's `first_inner`.
///
/// # Errors
/// The first error of [`PayloadIter`].
pub fn parse_payload_chain(first: PayloadType, bytes: &[u8]) -> Result<Vec<Payload>, Error> {
    PayloadIter::new(first, bytes).collect()
}

/// The type to put in the header (or SK payload) in front of `payloads`.
#[must_use]
pub fn first_payload_type(payloads: &[Payload]) -> PayloadType {
    payloads
        .first()
        .map_or(PayloadType::NONE, Payload::payload_type)
}

/// Emits a payload chain, linking the Next Payload fields; its first type
/// is [`first_payload_type`]. For the plaintext of an SK payload.
///
/// # Errors
/// [`Error::NotLast`] if SK/SKF is not last, [`Error::TooLong`] /
/// [`Error::TooMany`] / [`Error::BadLength`] for unrepresentable values.
pub fn emit_payload_chain(payloads: &[Payload]) -> Result<Vec<u8>, Error> {
    let mut enc = Encoder::new();
    encode_chain(payloads, &mut enc);
    enc.finish()
}

pub(crate) fn encode_chain(payloads: &[Payload], enc: &mut Encoder) {
    if payloads.len() > MAX_PAYLOADS {
        enc.fail(Error::TooMany { what: "payloads" });
    }
    for (i, payload) in payloads.iter().enumerate() {
        let next = payloads.get(i + 1);
        if payload.is_encrypted() && next.is_some() {
            enc.fail(Error::NotLast { what: "SK" });
        }
        payload.encode(enc, next.map_or(PayloadType::NONE, Payload::payload_type));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::fixtures::{IKE_SA_INIT_REQUEST, REQUEST_PAYLOADS};
    use crate::wire::iana::NotifyType;
    use crate::wire::notify::Notify;
    use crate::wire::sk::Encrypted;

    /// The request's payload chain, after the IKE header.
    fn request_chain() -> &'static [u8] {
        &IKE_SA_INIT_REQUEST[28..]
    }

    fn notify(ty: NotifyType) -> Payload {
        Payload::Notify(Notify::new(ty, vec![]))
    }

    #[test]
    fn parses_and_re_emits_the_captured_chain() {
        let chain = parse_payload_chain(PayloadType::SA, request_chain()).unwrap();
        assert_eq!(chain.len(), REQUEST_PAYLOADS.len());
        assert_eq!(first_payload_type(&chain), PayloadType::SA);
        assert_eq!(emit_payload_chain(&chain).unwrap(), request_chain());
    }

    #[test]
    fn stops_the_chain_at_the_first_error() {
        let mut bytes = request_chain().to_vec();
        // Break the nonce (third payload): claim 8 octets, i.e. a 4-octet nonce.
        let nonce = REQUEST_PAYLOADS[2].start - 28;
        bytes[nonce + 3] = 8;
        let items: Vec<_> = PayloadIter::new(PayloadType::SA, &bytes).collect();
        assert_eq!(items.len(), 3);
        assert!(matches!(items[0], Ok(Payload::Sa(_))));
        assert!(matches!(items[1], Ok(Payload::Ke(_))));
        assert_eq!(
            items[2],
            Err(Error::BadLength {
                what: "nonce (16 to 256 octets)"
            })
        );
    }

    #[test]
    fn reports_unknown_critical_payload() {
        let unknown = Payload::Unknown {
            ty: PayloadType(200),
            critical: true,
            body: vec![1],
        };
        let bytes = emit_payload_chain(&[notify(NotifyType::COOKIE), unknown]).unwrap();
        let err = parse_payload_chain(PayloadType::NOTIFY, &bytes).unwrap_err();
        assert_eq!(err, Error::UnsupportedCritical(PayloadType(200)));
    }

    #[test]
    fn keeps_unknown_non_critical_payloads() {
        let unknown = Payload::Unknown {
            ty: PayloadType::GSPM,
            critical: false,
            body: vec![1, 2],
        };
        let chain = vec![unknown, notify(NotifyType::COOKIE)];
        let bytes = emit_payload_chain(&chain).unwrap();
        assert_eq!(
            parse_payload_chain(PayloadType::GSPM, &bytes).unwrap(),
            chain
        );
    }

    #[test]
    fn ignores_the_critical_bit_of_known_payloads() {
        let mut bytes = emit_payload_chain(&[notify(NotifyType::COOKIE)]).unwrap();
        bytes[1] = 0x80;
        let chain = parse_payload_chain(PayloadType::NOTIFY, &bytes).unwrap();
        assert_eq!(chain, [notify(NotifyType::COOKIE)]);
    }

    #[test]
    fn rejects_a_payload_after_sk() {
        let sk = Payload::Sk(Encrypted {
            first_inner: PayloadType::IDI,
            body: vec![0; 16],
        });
        let mut bytes = emit_payload_chain(core::slice::from_ref(&sk)).unwrap();
        assert_eq!(
            parse_payload_chain(PayloadType::SK, &bytes).unwrap(),
            core::slice::from_ref(&sk)
        );
        bytes.extend(emit_payload_chain(&[notify(NotifyType::COOKIE)]).unwrap());
        let err = parse_payload_chain(PayloadType::SK, &bytes).unwrap_err();
        assert_eq!(err, Error::NotLast { what: "SK" });
        let err = emit_payload_chain(&[sk, notify(NotifyType::COOKIE)]).unwrap_err();
        assert_eq!(err, Error::NotLast { what: "SK" });
    }

    #[test]
    fn rejects_a_payload_length_below_the_generic_header() {
        let err = parse_payload_chain(PayloadType::NOTIFY, &[0, 0, 0, 3]).unwrap_err();
        assert_eq!(err, Error::BadLength { what: "payload" });
    }

    #[test]
    fn rejects_a_payload_longer_than_the_chain() {
        let err = parse_payload_chain(PayloadType::VENDOR_ID, &[0, 0, 0, 9, 1]).unwrap_err();
        assert_eq!(err, Error::Truncated { what: "payload" });
    }

    #[test]
    fn rejects_more_than_64_payloads() {
        let chain = vec![Payload::VendorId(crate::wire::notify::VendorId(vec![])); 65];
        assert_eq!(
            emit_payload_chain(&chain),
            Err(Error::TooMany { what: "payloads" })
        );
        let bytes: Vec<u8> = (0..65)
            .flat_map(|i| [if i < 64 { 43 } else { 0 }, 0, 0, 4])
            .collect();
        let err = parse_payload_chain(PayloadType::VENDOR_ID, &bytes).unwrap_err();
        assert_eq!(err, Error::TooMany { what: "payloads" });
        assert_eq!(
            parse_payload_chain(PayloadType::VENDOR_ID, &bytes[4..])
                .unwrap()
                .len(),
            64
        );
    }

    #[test]
    fn an_empty_chain_is_empty() {
        assert_eq!(parse_payload_chain(PayloadType::NONE, &[]), Ok(vec![]));
        let err = parse_payload_chain(PayloadType::NONE, &[0]).unwrap_err();
        assert_eq!(
            err,
            Error::TrailingData {
                what: "payload chain"
            }
        );
    }
}
