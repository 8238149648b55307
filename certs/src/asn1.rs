//! Just enough DER (X.690) to build and walk the few structures we touch
//! by hand: RFC 7427 AlgorithmIdentifiers and SubjectPublicKeyInfo (DNs
//! are `ike::wire::dn`'s). Everything else goes through x509-parser.

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const OID: u8 = 0x06;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;

/// One TLV: its tag and contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
}

/// A cursor over concatenated DER TLVs; every read is bounds-checked.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    pub(crate) const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next TLV (single-octet tags, definite lengths of up to 4 octets).
    pub(crate) fn next(&mut self) -> Option<Tlv<'a>> {
        let (tag, value, rest) = ike::wire::dn::tlv(self.rest)?;
        self.rest = rest;
        Some(Tlv { tag, value })
    }

    /// The next TLV and its whole encoding (header included).
    pub(crate) fn next_raw(&mut self) -> Option<(Tlv<'a>, &'a [u8])> {
        let before = self.rest;
        let tlv = self.next()?;
        let used = before.len() - self.rest.len();
        Some((tlv, &before[..used]))
    }

    /// The next TLV if it has `tag`.
    pub(crate) fn take(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.next().filter(|t| t.tag == tag).map(|t| t.value)
    }
}

/// Appends `tag`, the DER length of `value` and `value`.
pub(crate) fn write(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

/// `tag` wrapped around the concatenation of `parts`.
pub(crate) fn wrap(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, tag, &parts.concat());
    out
}

/// The number of significant bits of a DER INTEGER's contents (a key size).
pub(crate) fn integer_bits(value: &[u8]) -> u32 {
    let value = match value.iter().position(|&b| b != 0) {
        Some(i) => &value[i..],
        None => return 0,
    };
    let lead = value.first().map_or(0, |b| b.leading_zeros());
    (value.len() as u32).saturating_mul(8).saturating_sub(lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_round_trip_through_writer_and_reader() {
        let value = vec![7u8; 300];
        let encoded = wrap(SEQUENCE, &[&value]);
        assert_eq!(&encoded[..4], &[0x30, 0x82, 0x01, 0x2c]);
        let mut r = Reader::new(&encoded);
        assert_eq!(r.take(SEQUENCE), Some(value.as_slice()));
        assert!(r.is_empty());
    }

    #[test]
    fn truncated_or_oversized_lengths_are_refused() {
        assert_eq!(Reader::new(&[0x30, 0x05, 1, 2]).next(), None);
        assert_eq!(Reader::new(&[0x30, 0x85, 1, 1, 1, 1, 1]).next(), None);
        assert_eq!(Reader::new(&[0x30, 0x80]).next(), None);
        assert_eq!(Reader::new(&[0x30]).next(), None);
    }

    #[test]
    fn integer_bits_ignore_the_sign_octet() {
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(integer_bits(&[0x01, 0xff]), 9);
        assert_eq!(integer_bits(&[0]), 0);
    }
}
