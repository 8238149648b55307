//! A minimal DER reader and writer for the key structures swanctl
//! re-encodes (PKCS#1, SEC1, PKCS#8). Single-byte tags only.

/// One TLV: its tag, its contents and its whole encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    pub(crate) raw: &'a [u8],
}

pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

/// Length of a DER length field's value and the header size, if valid.
fn read_len(data: &[u8]) -> Option<(usize, usize)> {
    let first = *data.get(1)?;
    if first & 0x80 == 0 {
        return Some((usize::from(first), 2));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 || data.len() < 2 + n {
        return None;
    }
    let mut len = 0usize;
    for &b in &data[2..2 + n] {
        len = (len << 8) | usize::from(b);
    }
    Some((len, 2 + n))
}

/// Reads one TLV from the front of `data`, returning it and the rest.
pub(crate) fn read(data: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *data.first()?;
    let (len, hdr) = read_len(data)?;
    let end = hdr.checked_add(len)?;
    if end > data.len() {
        return None;
    }
    Some((
        Tlv {
            tag,
            value: &data[hdr..end],
            raw: &data[..end],
        },
        &data[end..],
    ))
}

/// All TLVs in `data` (which must be exactly a sequence of them).
pub(crate) fn children(data: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (tlv, r) = read(rest)?;
        out.push(tlv);
        rest = r;
    }
    Some(out)
}

/// `data` as exactly one TLV with `tag`.
pub(crate) fn single(data: &[u8], tag: u8) -> Option<Tlv<'_>> {
    let (tlv, rest) = read(data)?;
    (tlv.tag == tag && rest.is_empty()).then_some(tlv)
}

/// Encodes a TLV.
pub(crate) fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
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
    out
}

/// A SEQUENCE of already encoded parts.
pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// A non-negative INTEGER in minimal form from big-endian magnitude bytes
/// (a two's complement input with redundant leading zeros is normalized).
pub(crate) fn uint(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let m = &magnitude[skip..];
    let mut v = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|&b| b & 0x80 != 0) {
        v.push(0);
    }
    v.extend_from_slice(m);
    tlv(INTEGER, &v)
}

/// strongSwan's `is_asn1()`: a SEQUENCE, SET or OCTET STRING whose length
/// covers the blob exactly (or all but one trailing newline).
pub(crate) fn is_asn1(blob: &[u8]) -> bool {
    let Some(&tag) = blob.first() else {
        return false;
    };
    if tag != SEQUENCE && tag != SET && tag != OCTET_STRING {
        return false;
    }
    let Some((len, hdr)) = read_len_strongswan(blob) else {
        return false;
    };
    let rest = blob.len() - hdr;
    len == rest || (len + 1 == rest && blob[hdr + len] == b'\n')
}

/// `asn1_length()`: up to `sizeof(size_t)` length octets, length within
/// the blob.
fn read_len_strongswan(blob: &[u8]) -> Option<(usize, usize)> {
    if blob.len() < 2 {
        return None;
    }
    let n = blob[1];
    let avail = blob.len() - 2;
    if n & 0x80 == 0 {
        let n = usize::from(n);
        return (n <= avail).then_some((n, 2));
    }
    let n = usize::from(n & 0x7f);
    if n == 0 || n > avail || n > std::mem::size_of::<usize>() {
        return None;
    }
    let mut len = 0usize;
    for &b in &blob[2..2 + n] {
        len = len.checked_mul(256)?.checked_add(usize::from(b))?;
    }
    (len <= avail - n).then_some((len, 2 + n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 70000] {
            let v = vec![7u8; len];
            let e = tlv(OCTET_STRING, &v);
            let (t, rest) = read(&e).unwrap();
            assert_eq!(t.value.len(), len);
            assert!(rest.is_empty());
            assert!(is_asn1(&e));
        }
    }

    #[test]
    fn minimal_integers() {
        assert_eq!(uint(&[0, 0, 1]), [2, 1, 1]);
        assert_eq!(uint(&[0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint(&[0, 0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint(&[]), [2, 1, 0]);
    }

    #[test]
    fn is_asn1_allows_one_trailing_newline() {
        assert!(is_asn1(&[0x30, 0x00, b'\n']));
        assert!(!is_asn1(&[0x30, 0x00, b'x']));
        assert!(!is_asn1(&[0x02, 0x00]));
        assert!(!is_asn1(b"-----BEGIN"));
    }
}
