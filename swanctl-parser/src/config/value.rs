//! Scalar value parsers, as charon's `vici_config.c` applies them.
//!
//! - Every text value must be printable ASCII (charon's `chunk_printable`
//!   in the C locale): tabs, newlines and non-ASCII bytes are invalid.
//! - Integers follow `strtoul(…, 0)`: `0x` hex, a leading `0` is octal,
//!   leading white space and a `+` sign are skipped, and an empty value is 0.
//! - Times take an optional `s|m|h|d` suffix, byte counts `k|m|g` (×1024),
//!   both case-insensitive with spaces allowed before the unit.
//!
//! Deliberate differences: charon copies numbers into 16-byte buffers and
//! silently truncates longer values, and `strtoul` wraps negative numbers
//! and narrows out-of-range ones to 32 bits; we reject all of these.

use super::error::ValueError;

/// charon's buffer for numbers and times (`char buf[16]`).
pub(crate) const NUM_BUF: usize = 16;
/// charon's buffer for marks and interface IDs.
pub(crate) const MARK_BUF: usize = 32;
/// charon's `BUF_LEN` for strings, identities, proposals, selectors.
pub(crate) const STR_BUF: usize = 512;

/// Checks that a value is printable ASCII and fits charon's buffer
/// (`size` bytes including the terminating NUL).
pub(crate) fn stringify(value: &str, size: usize) -> Result<&str, ValueError> {
    printable(value)?;
    if value.len() >= size {
        return Err(ValueError::because(format!(
            "value longer than {} characters",
            size - 1
        )));
    }
    Ok(value)
}

/// Checks that a value is printable ASCII (no length limit).
pub(crate) fn printable(value: &str) -> Result<&str, ValueError> {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(value)
    } else {
        Err(ValueError::because(
            "value contains non-printable characters",
        ))
    }
}

/// Case-insensitive ASCII prefix test.
pub(crate) fn has_prefix_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Result of a `strtoul`-style scan.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Scan<'a> {
    pub(crate) value: u64,
    /// Unparsed remainder (the whole input if no digit was found).
    pub(crate) rest: &'a str,
    pub(crate) negative: bool,
    pub(crate) overflow: bool,
}

/// Scans an unsigned integer like C's `strtoul(s, &end, base)` for base 0,
/// 2, 8, 10 or 16.
pub(crate) fn strtoul(s: &str, base: u32) -> Scan<'_> {
    let none = Scan {
        value: 0,
        rest: s,
        negative: false,
        overflow: false,
    };
    let mut t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let mut negative = false;
    if let Some(r) = t.strip_prefix('-') {
        negative = true;
        t = r;
    } else if let Some(r) = t.strip_prefix('+') {
        t = r;
    }
    let mut base = base;
    let hex_prefixed = (t.starts_with("0x") || t.starts_with("0X"))
        && t[2..].starts_with(|c: char| c.is_ascii_hexdigit());
    if (base == 0 || base == 16) && hex_prefixed {
        base = 16;
        t = &t[2..];
    } else if base == 0 {
        base = if t.starts_with('0') { 8 } else { 10 };
    }
    let digits = t
        .char_indices()
        .take_while(|(_, c)| c.is_digit(base))
        .count();
    if digits == 0 {
        return none;
    }
    let mut value: u64 = 0;
    let mut overflow = false;
    for c in t[..digits].chars() {
        let d = u64::from(c.to_digit(base).unwrap_or(0));
        match value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(d))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    Scan {
        value,
        rest: &t[digits..],
        negative,
        overflow,
    }
}

fn scan_checked(scan: &Scan<'_>) -> Result<u64, ValueError> {
    if scan.overflow {
        return Err(ValueError::because("number out of range"));
    }
    if scan.negative && scan.value != 0 {
        return Err(ValueError::because("negative number"));
    }
    Ok(scan.value)
}

/// An unsigned 64-bit integer (`strtoull(…, 0)`, whole value).
pub fn parse_u64(value: &str) -> Result<u64, ValueError> {
    let v = stringify(value, NUM_BUF)?;
    let scan = strtoul(v, 0);
    if !scan.rest.is_empty() {
        return Err(ValueError::because("not a number"));
    }
    scan_checked(&scan)
}

/// An unsigned 32-bit integer (`strtoul(…, 0)`, whole value).
pub fn parse_u32(value: &str) -> Result<u32, ValueError> {
    let v = parse_u64(value)?;
    u32::try_from(v).map_err(|_| ValueError::because("number out of range"))
}

/// A relative time in seconds: integer with optional `s|m|h|d` unit.
pub fn parse_time(value: &str) -> Result<u64, ValueError> {
    parse_with_unit(value, |c| match c.to_ascii_lowercase() {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(86400),
        _ => None,
    })
}

/// A time that charon stores in 32 bits (`inactivity`, IKE lifetimes).
pub fn parse_time32(value: &str) -> Result<u32, ValueError> {
    let v = parse_time(value)?;
    u32::try_from(v).map_err(|_| ValueError::because("time out of range"))
}

/// A byte count: integer with optional `k|m|g` unit (powers of 1024).
pub fn parse_bytes(value: &str) -> Result<u64, ValueError> {
    parse_with_unit(value, |c| match c.to_ascii_lowercase() {
        'k' => Some(1 << 10),
        'm' => Some(1 << 20),
        'g' => Some(1 << 30),
        _ => None,
    })
}

fn parse_with_unit(value: &str, unit: impl Fn(char) -> Option<u64>) -> Result<u64, ValueError> {
    let v = stringify(value, NUM_BUF)?;
    let scan = strtoul(v, 0);
    let n = scan_checked(&scan)?;
    let rest = scan.rest.trim_start_matches(' ');
    let mut chars = rest.chars();
    let factor = match chars.next() {
        None => 1,
        Some(c) => unit(c).ok_or_else(|| ValueError::because("invalid unit"))?,
    };
    if chars.next().is_some() {
        return Err(ValueError::because("trailing characters"));
    }
    n.checked_mul(factor)
        .ok_or_else(|| ValueError::because("number out of range"))
}

/// A boolean: `yes|true|enabled|1` or `no|false|disabled|0`, any case.
pub fn parse_bool(value: &str) -> Result<bool, ValueError> {
    parse_map(
        value,
        &[
            ("yes", true),
            ("true", true),
            ("enabled", true),
            ("1", true),
            ("no", false),
            ("false", false),
            ("disabled", false),
            ("0", false),
        ],
    )
}

/// One of the given names (case-insensitive), as charon's `parse_map`.
pub(crate) fn parse_map<T: Copy>(value: &str, map: &[(&str, T)]) -> Result<T, ValueError> {
    let v = stringify(value, STR_BUF)?;
    map.iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(v))
        .map(|(_, t)| *t)
        .ok_or_else(ValueError::plain)
}

/// A printable string (`updown`, `interface`, ...).
pub(crate) fn parse_string(value: &str) -> Result<String, ValueError> {
    printable(value).map(str::to_owned)
}

/// The 6-bit DSCP of IKE packets, given in binary (`101110`).
pub(crate) fn parse_dscp(value: &str) -> Result<u8, ValueError> {
    let v = stringify(value, NUM_BUF)?;
    let scan = strtoul(v, 2);
    if !scan.rest.is_empty() {
        return Err(ValueError::because("not a binary number"));
    }
    let n = scan_checked(&scan)?;
    let n = u32::try_from(n).map_err(|_| ValueError::because("number out of range"))?;
    Ok((n & 0x3f) as u8)
}

/// The value part of a mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkValue {
    Value(u32),
    /// `%unique`: one value per CHILD_SA, the same in both directions.
    Unique,
    /// `%unique-dir`: one value per CHILD_SA and direction.
    UniqueDir,
    /// `%same` (set_mark only): reuse the `mark_*` value.
    Same,
}

/// An XFRM mark `value[/mask]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mark {
    pub value: MarkValue,
    pub mask: u32,
}

impl Mark {
    /// No mark (`0/0`).
    pub const NONE: Self = Self {
        value: MarkValue::Value(0),
        mask: 0,
    };

    pub fn is_set(&self) -> bool {
        *self != Self::NONE
    }
}

impl Default for Mark {
    fn default() -> Self {
        Self::NONE
    }
}

/// Which special mark values a key allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MarkOps {
    /// `%unique`, `%unique-dir` (mark_in/mark_out).
    Unique,
    /// `%same` (set_mark_in/set_mark_out).
    Same,
}

/// `value[/mask]`, `%unique[-dir][/mask]` or `%same[/mask]`; the mask
/// defaults to `0xffffffff` and a numeric value is masked.
pub(crate) fn parse_mark(value: &str, ops: MarkOps) -> Result<Mark, ValueError> {
    let v = stringify(value, MARK_BUF)?;
    let (mark_value, rest) = if has_prefix_ci(v, "%unique") {
        if ops != MarkOps::Unique {
            return Err(ValueError::because("unexpected use of %unique mark"));
        }
        let after = &v["%unique".len()..];
        if has_prefix_ci(after, "-dir") {
            (MarkValue::UniqueDir, &after["-dir".len()..])
        } else if after.is_empty() || after.starts_with('/') {
            (MarkValue::Unique, after)
        } else {
            return Err(ValueError::because("invalid mark value"));
        }
    } else if has_prefix_ci(v, "%same") {
        if ops != MarkOps::Same {
            return Err(ValueError::because("unexpected use of %same mark"));
        }
        let after = &v["%same".len()..];
        if after.is_empty() || after.starts_with('/') {
            (MarkValue::Same, after)
        } else {
            return Err(ValueError::because("invalid mark value"));
        }
    } else {
        let scan = strtoul(v, 0);
        let n = scan_checked(&scan)?;
        let n = u32::try_from(n).map_err(|_| ValueError::because("mark out of range"))?;
        (MarkValue::Value(n), scan.rest)
    };
    let mask = if rest.is_empty() {
        u32::MAX
    } else {
        let Some(m) = rest.strip_prefix('/') else {
            return Err(ValueError::because("invalid mark value"));
        };
        let scan = strtoul(m, 0);
        if !scan.rest.is_empty() {
            return Err(ValueError::because("invalid mark mask"));
        }
        let n = scan_checked(&scan)?;
        u32::try_from(n).map_err(|_| ValueError::because("mark mask out of range"))?
    };
    let value = match mark_value {
        MarkValue::Value(n) => MarkValue::Value(n & mask),
        other => other,
    };
    Ok(Mark { value, mask })
}

/// An XFRM interface ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IfId {
    /// A fixed ID; 0 = none (children inherit the connection's).
    Value(u32),
    /// `%unique`: one ID per IKE_SA, the same in both directions.
    Unique,
    /// `%unique-dir`: one ID per IKE_SA and direction.
    UniqueDir,
}

impl Default for IfId {
    fn default() -> Self {
        Self::Value(0)
    }
}

/// A number, `%unique` or `%unique-dir`.
pub fn parse_if_id(value: &str) -> Result<IfId, ValueError> {
    let v = stringify(value, MARK_BUF)?;
    if has_prefix_ci(v, "%unique") {
        let after = &v["%unique".len()..];
        if after.is_empty() {
            return Ok(IfId::Unique);
        }
        if after.eq_ignore_ascii_case("-dir") {
            return Ok(IfId::UniqueDir);
        }
        return Err(ValueError::because("invalid interface ID"));
    }
    let scan = strtoul(v, 0);
    if !scan.rest.is_empty() {
        return Err(ValueError::because("invalid interface ID"));
    }
    let n = scan_checked(&scan)?;
    u32::try_from(n)
        .map(IfId::Value)
        .map_err(|_| ValueError::because("interface ID out of range"))
}

fn hex_nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Hex decoding as strongSwan's `chunk_from_hex`: an optional `0x` prefix,
/// `:` separators ignored, an odd digit count gets a leading zero nibble,
/// and invalid digits count as 0.
pub fn decode_hex(hex: &str) -> Vec<u8> {
    let mut s = hex.as_bytes();
    if s.len() > 1 && s[0] == b'0' && s[1] == b'x' {
        s = &s[2..];
    }
    let digits = s.iter().filter(|&&c| c != b':').count();
    let odd = digits % 2 == 1;
    let len = digits.div_ceil(2);
    let mut out = vec![0u8; len];
    // filled from the right, as strongSwan does
    let mut idx = s.len();
    let next = |idx: &mut usize, skip_colon: bool| -> u8 {
        if *idx == 0 {
            return 0;
        }
        *idx -= 1;
        if skip_colon && s[*idx] == b':' {
            if *idx == 0 {
                return 0;
            }
            *idx -= 1;
        }
        hex_nibble(s[*idx])
    };
    for i in (0..len).rev() {
        let low = next(&mut idx, true);
        out[i] = low;
        if i > 0 || !odd {
            out[i] |= next(&mut idx, false) << 4;
        }
    }
    out
}

fn base64_digit(c: u8) -> u8 {
    match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        b'=' => 0,
        _ => 0xff,
    }
}

/// Base64 decoding as strongSwan's `chunk_from_base64`: groups of four
/// characters (a trailing partial group is ignored), `=` shortens the
/// output, URL-safe digits are accepted and invalid ones are not rejected.
pub fn decode_base64(b64: &str) -> Vec<u8> {
    let s = b64.as_bytes();
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut outlen = 0usize;
    for group in s.chunks_exact(4) {
        outlen += 3;
        let mut d = [0u8; 4];
        for (j, &c) in group.iter().enumerate() {
            if c == b'=' && outlen > 0 {
                outlen -= 1;
            }
            d[j] = base64_digit(c);
        }
        out.push((d[0] << 2) | (d[1] >> 4));
        out.push((d[1] << 4) | (d[2] >> 2));
        out.push((d[2] << 6) | d[3]);
    }
    out.truncate(outlen);
    out
}

/// A secret as swanctl sends it: `0x` hex, `0s` base64 (prefixes in any
/// case), or the string itself.
pub fn decode_secret(value: &str) -> Vec<u8> {
    if has_prefix_ci(value, "0x") {
        decode_hex(&value[2..])
    } else if has_prefix_ci(value, "0s") {
        decode_base64(&value[2..])
    } else {
        value.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_hex_octal_and_decimal() {
        assert_eq!(parse_u32("0x10"), Ok(16));
        assert_eq!(parse_u32("0X1f"), Ok(31));
        assert_eq!(parse_u32("010"), Ok(8));
        assert_eq!(parse_u32("10"), Ok(10));
        assert_eq!(parse_u32("0"), Ok(0));
        assert_eq!(parse_u32("+7"), Ok(7));
        assert_eq!(parse_u32(" 7"), Ok(7));
    }

    #[test]
    fn invalid_octal_digits_and_bare_hex_prefix_are_rejected() {
        assert!(parse_u32("08").is_err());
        assert!(parse_u32("0x").is_err());
        assert!(parse_u32("0xg").is_err());
        assert!(parse_u32("12a").is_err());
        assert!(parse_u32("1.5").is_err());
        assert!(parse_u32("7 ").is_err());
    }

    #[test]
    fn an_empty_number_is_zero_like_strtoul() {
        assert_eq!(parse_u32(""), Ok(0));
        assert_eq!(parse_time(""), Ok(0));
        assert!(parse_u32(" ").is_err());
        assert!(parse_u32("+").is_err());
    }

    #[test]
    fn numbers_out_of_range_or_negative_are_rejected() {
        assert_eq!(parse_u32("4294967295"), Ok(u32::MAX));
        assert!(parse_u32("4294967296").is_err());
        assert!(parse_u32("-1").is_err());
        assert_eq!(parse_u32("-0"), Ok(0));
        assert!(parse_u64("99999999999999999999").is_err());
        assert_eq!(parse_u64("0xffffffffffff"), Ok(0xffff_ffff_ffff));
    }

    #[test]
    fn numbers_longer_than_charons_buffer_are_rejected() {
        assert_eq!(parse_u64("000000000000001"), Ok(1));
        assert!(parse_u64("0000000000000001").is_err());
    }

    #[test]
    fn times_take_units_in_any_case_with_optional_space() {
        assert_eq!(parse_time("30"), Ok(30));
        assert_eq!(parse_time("30s"), Ok(30));
        assert_eq!(parse_time("5m"), Ok(300));
        assert_eq!(parse_time("2 H"), Ok(7200));
        assert_eq!(parse_time("1d"), Ok(86400));
        assert_eq!(parse_time("0x10m"), Ok(960));
        assert!(parse_time("1w").is_err());
        assert!(parse_time("1hh").is_err());
        assert!(parse_time("1h ").is_err());
        // strtoul finds no digits: 0 with the unit, as in charon
        assert_eq!(parse_time("h"), Ok(0));
        assert!(parse_time("x").is_err());
    }

    #[test]
    fn time_overflow_is_rejected() {
        assert!(parse_time("999999999999999").is_ok());
        // within 15 characters only the byte units can overflow 64 bits
        assert!(parse_bytes("0xfffffffffg").is_err());
        assert_eq!(parse_bytes("0xffffffffg"), Ok(0xffff_ffff << 30));
        assert!(parse_time32("4294967296").is_err());
        assert_eq!(parse_time32("1193046h"), Ok(4_294_965_600));
        assert!(parse_time32("1193047h").is_err());
    }

    #[test]
    fn byte_counts_use_binary_units() {
        assert_eq!(parse_bytes("500"), Ok(500));
        assert_eq!(parse_bytes("1k"), Ok(1024));
        assert_eq!(parse_bytes("2 M"), Ok(2 << 20));
        assert_eq!(parse_bytes("1g"), Ok(1 << 30));
        assert!(parse_bytes("1t").is_err());
        assert!(parse_bytes("1kb").is_err());
    }

    #[test]
    fn booleans_accept_charons_words_in_any_case() {
        for t in ["yes", "TRUE", "Enabled", "1"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["no", "False", "DISABLED", "0"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert!(parse_bool("").is_err());
        assert!(parse_bool("on").is_err());
        assert!(parse_bool("y").is_err());
    }

    #[test]
    fn non_printable_values_are_rejected() {
        assert!(parse_bool("yes\n").is_err());
        assert!(parse_string("a\tb").is_err());
        assert!(parse_string("caf\u{e9}").is_err());
        assert_eq!(parse_string("/bin/up down"), Ok("/bin/up down".into()));
    }

    #[test]
    fn marks_parse_value_mask_and_special_values() {
        let m = |v| parse_mark(v, MarkOps::Unique);
        assert_eq!(
            m("42"),
            Ok(Mark {
                value: MarkValue::Value(42),
                mask: u32::MAX
            })
        );
        assert_eq!(
            m("0x1234/0xff"),
            Ok(Mark {
                value: MarkValue::Value(0x34),
                mask: 0xff
            })
        );
        assert_eq!(
            m("%unique"),
            Ok(Mark {
                value: MarkValue::Unique,
                mask: u32::MAX
            })
        );
        assert_eq!(
            m("%UNIQUE-DIR/0xf0"),
            Ok(Mark {
                value: MarkValue::UniqueDir,
                mask: 0xf0
            })
        );
        assert!(m("%same").is_err());
        assert!(m("%uniquex").is_err());
        // an empty mask is 0, as strtoul("") is
        assert_eq!(
            m("1/"),
            Ok(Mark {
                value: MarkValue::Value(0),
                mask: 0
            })
        );
        assert!(m("1/x").is_err());
        assert!(m("1x").is_err());
        let s = parse_mark("%same/0xff", MarkOps::Same);
        assert_eq!(
            s,
            Ok(Mark {
                value: MarkValue::Same,
                mask: 0xff
            })
        );
        assert!(parse_mark("%unique", MarkOps::Same).is_err());
    }

    #[test]
    fn interface_ids_parse_numbers_and_unique() {
        assert_eq!(parse_if_id("0x2a"), Ok(IfId::Value(42)));
        assert_eq!(parse_if_id("%unique"), Ok(IfId::Unique));
        assert_eq!(parse_if_id("%Unique-Dir"), Ok(IfId::UniqueDir));
        assert!(parse_if_id("%unique-dirx").is_err());
        assert!(parse_if_id("%uniq").is_err());
        assert!(parse_if_id("1/2").is_err());
    }

    #[test]
    fn dscp_is_binary_and_masked_to_six_bits() {
        assert_eq!(parse_dscp("101110"), Ok(46));
        assert_eq!(parse_dscp("000000"), Ok(0));
        assert_eq!(parse_dscp("1000001"), Ok(1));
        assert!(parse_dscp("102").is_err());
    }

    #[test]
    fn hex_decoding_follows_strongswan() {
        assert_eq!(decode_hex("0102ff"), vec![1, 2, 0xff]);
        assert_eq!(decode_hex("0x0102"), vec![1, 2]);
        assert_eq!(decode_hex("abc"), vec![0x0a, 0xbc]);
        assert_eq!(decode_hex("01:02:03"), vec![1, 2, 3]);
        assert_eq!(decode_hex("zz"), vec![0]);
        assert_eq!(decode_hex(""), Vec::<u8>::new());
        assert_eq!(decode_hex("::"), Vec::<u8>::new());
        assert_eq!(decode_hex(":a"), vec![0x0a]);
    }

    #[test]
    fn base64_decoding_follows_strongswan() {
        assert_eq!(decode_base64("AQID"), vec![1, 2, 3]);
        assert_eq!(decode_base64("AQI="), vec![1, 2]);
        assert_eq!(decode_base64("AQ=="), vec![1]);
        assert_eq!(decode_base64("AQIDBA"), vec![1, 2, 3]);
        assert_eq!(decode_base64("-_-_"), decode_base64("+/+/"));
        assert_eq!(decode_base64(""), Vec::<u8>::new());
    }

    #[test]
    fn secrets_decode_hex_and_base64_prefixes_in_any_case() {
        assert_eq!(decode_secret("0x4142"), b"AB".to_vec());
        assert_eq!(decode_secret("0X4142"), b"AB".to_vec());
        assert_eq!(decode_secret("0sQUI="), b"AB".to_vec());
        assert_eq!(decode_secret("0SQUI="), b"AB".to_vec());
        assert_eq!(decode_secret("plain"), b"plain".to_vec());
        assert_eq!(decode_secret("'quoted'"), b"'quoted'".to_vec());
    }
}
