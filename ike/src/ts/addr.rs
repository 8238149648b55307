//! Address arithmetic shared by both IP families.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

/// An address of one family seen as an unsigned integer of `BITS` bits, so
/// prefixes are computed once for IPv4 and IPv6.
pub(super) trait Addr: Copy + Ord {
    /// Address length in bits.
    const BITS: u32;
    /// The address as an integer (network byte order read big-endian).
    fn to_bits(self) -> u128;
    /// The address of the low `BITS` bits of `bits`.
    fn from_bits(bits: u128) -> Self;
    /// Writes the address as glibc's `inet_ntop` does.
    fn ntop(self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Addr for Ipv4Addr {
    const BITS: u32 = 32;

    fn to_bits(self) -> u128 {
        u128::from(u32::from(self))
    }

    fn from_bits(bits: u128) -> Self {
        Self::from((bits & u128::from(u32::MAX)) as u32)
    }

    fn ntop(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl Addr for Ipv6Addr {
    const BITS: u32 = 128;

    fn to_bits(self) -> u128 {
        u128::from(self)
    }

    fn from_bits(bits: u128) -> Self {
        Self::from(bits)
    }

    /// Like Rust's notation (RFC 5952) except that glibc writes the
    /// deprecated IPv4-compatible addresses (`::a.b.c.d`, RFC 4291 §2.5.5.1)
    /// with a dotted tail.
    fn ntop(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let segments = self.segments();
        if segments[..6] == [0; 6] && segments[6] != 0 {
            let [.., a, b, c, d] = self.octets();
            return write!(f, "::{a}.{b}.{c}.{d}");
        }
        write!(f, "{self}")
    }
}

/// The lowest `n` bits set (`n` ≤ 128).
const fn low_mask(n: u32) -> u128 {
    if n == 0 { 0 } else { u128::MAX >> (128 - n) }
}

/// The prefix length if `start..=end` is a subnet, decided as charon's
/// `calc_netbits` does: the leading bits both share, provided every bit
/// after the first differing one is 0 in `start` and 1 in `end`. The
/// differing bit itself is not looked at, so the reversed range
/// `10.0.0.1..10.0.0.0` counts as a /31.
pub(super) fn prefix_len<A: Addr>(start: A, end: A) -> Option<u32> {
    let (start, end) = (start.to_bits(), end.to_bits());
    let diff = start ^ end;
    if diff == 0 {
        return Some(A::BITS);
    }
    let common = diff.leading_zeros() - (128 - A::BITS);
    let rest = low_mask(A::BITS - common - 1);
    (start & rest == 0 && end & rest == rest).then_some(common)
}

/// First and last address of `addr/prefix`, a prefix longer than the family
/// clamped to it (charon's `traffic_selector_create_from_subnet`).
pub(super) fn subnet<A: Addr>(addr: A, prefix: u8) -> (A, A) {
    let host = low_mask(A::BITS - u32::from(prefix).min(A::BITS));
    let bits = addr.to_bits();
    (A::from_bits(bits & !host), A::from_bits(bits | host))
}
