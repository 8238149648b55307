//! Zero-copy views of the headers the userspace data path reads and
//! rewrites: ESP (RFC 4303 §2) and its UDP framing (RFC 3948), IPv4
//! (RFC 791), IPv6 (RFC 8200) and the first octets of the upper-layer
//! header that traffic selectors look at (RFC 4301 §4.4.1.1).
//!
//! # The contract (smoltcp's)
//!
//! * `Packet::new_unchecked(buffer)` wraps any buffer and checks nothing.
//! * `Packet::new_checked(buffer)` is `new_unchecked` followed by
//!   `check_len`; once `check_len` has succeeded **no accessor or setter
//!   panics**, whatever the bytes are. Input from the network or the TUN
//!   device must go through `new_checked`.
//! * Setters only touch fields inside the checked header; lengths they
//!   write are the caller's business (the data path writes lengths it has
//!   just computed and checked against the buffer).

pub mod esp;
pub mod flow;
pub mod ipv4;
pub mod ipv6;

use core::fmt;

/// Why a header view rejected its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The buffer is shorter than the header or than a length it declares.
    Truncated,
    /// A field is out of range (version, header length, jumbogram, ...).
    Malformed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Truncated => "truncated header",
            Self::Malformed => "malformed header",
        })
    }
}

impl std::error::Error for Error {}

/// The 16-bit one's complement sum of `data` added to `sum`, not yet
/// complemented (RFC 1071 §4.1). An odd final octet is padded with zero.
#[must_use]
pub fn checksum_add(sum: u32, data: &[u8]) -> u32 {
    let mut acc = u64::from(sum);
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        acc += u64::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u64::from(u16::from_be_bytes([*last, 0]));
    }
    fold(acc)
}

/// Folds carries until `sum` fits in 16 bits (RFC 1071 §4.1).
#[must_use]
pub fn checksum_finish(sum: u32) -> u16 {
    !(fold(u64::from(sum)) as u16)
}

fn fold(mut acc: u64) -> u32 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_rfc1071_example_is_the_complement_of_ddf2() {
        // RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        let sum = checksum_add(0, &[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
        assert_eq!(sum, 0xddf2);
        assert_eq!(checksum_finish(sum), !0xddf2);
    }

    #[test]
    fn checksum_pads_an_odd_octet_with_zero() {
        assert_eq!(checksum_add(0, &[0x12]), 0x1200);
    }
}
