//! Reading and writing payload bodies: a bounds-checked [`Reader`], an
//! [`Encoder`] that back-patches length fields, and the [`Codec`] trait that
//! ties them together (the `Codec`/`Reader`/`LengthPrefixedBuffer` design of
//! rustls, adapted to IKE's 16-bit lengths that mostly count their own
//! header).

use core::ops::{Deref, DerefMut};

use super::Error;

/// A parse/emit pair for one wire structure.
///
/// `read` consumes exactly the structure from the reader; [`Codec::read_bytes`]
/// additionally rejects bytes left over. `encode` never fails by itself: a
/// value that cannot be represented (a list longer than its count field, a
/// body longer than its length field) is recorded in the [`Encoder`] and
/// reported by [`Encoder::finish`].
pub trait Codec: Sized {
    /// What this is, for errors ("nonce", "proposal", ...).
    const WHAT: &'static str;

    /// Appends the wire form of `self`.
    fn encode(&self, enc: &mut Encoder);

    /// Reads one value from the front of `r`.
    ///
    /// # Errors
    /// Whatever makes the bytes not a valid `Self`.
    fn read(r: &mut Reader<'_>) -> Result<Self, Error>;

    /// Reads one value that must span all of `bytes`.
    ///
    /// # Errors
    /// As [`Codec::read`], plus [`Error::TrailingData`] if bytes remain.
    fn read_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let value = Self::read(&mut r)?;
        r.expect_empty(Self::WHAT)?;
        Ok(value)
    }

    /// The wire form of `self` alone.
    ///
    /// # Errors
    /// [`Error::TooLong`] or [`Error::TooMany`] if `self` cannot be encoded.
    fn get_encoding(&self) -> Result<Vec<u8>, Error> {
        let mut enc = Encoder::new();
        self.encode(&mut enc);
        enc.finish()
    }
}

/// A cursor over untrusted bytes. Every read is bounds-checked and names
/// what it was reading when the input runs out; nothing here can panic.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over all of `bytes`.
    #[must_use]
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// Bytes not read yet.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Whether everything has been read.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Takes the next `n` bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what` if fewer than `n` remain.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or(Error::Truncated { what })?;
        self.rest = tail;
        Ok(head)
    }

    /// Takes the next `N` bytes as an array.
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what`.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Error> {
        let (head, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(Error::Truncated { what })?;
        self.rest = tail;
        Ok(*head)
    }

    /// Reads one octet.
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what`.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, Error> {
        self.array::<1>(what).map(|[b]| b)
    }

    /// Reads a big-endian u16.
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what`.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, Error> {
        self.array(what).map(u16::from_be_bytes)
    }

    /// Reads a big-endian u32.
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, Error> {
        self.array(what).map(u32::from_be_bytes)
    }

    /// Skips `n` reserved octets (RFC 7296 §3: sent as zero, ignored on
    /// receipt).
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what`.
    pub fn skip(&mut self, n: usize, what: &'static str) -> Result<(), Error> {
        self.take(n, what).map(|_| ())
    }

    /// Carves out the next `len` bytes as a reader of their own, for a
    /// length-delimited substructure.
    ///
    /// # Errors
    /// [`Error::Truncated`] naming `what` if fewer than `len` remain.
    pub fn sub(&mut self, len: usize, what: &'static str) -> Result<Self, Error> {
        self.take(len, what).map(Self::new)
    }

    /// Takes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    /// Succeeds only if everything has been read.
    ///
    /// # Errors
    /// [`Error::TrailingData`] naming `what`.
    pub const fn expect_empty(&self, what: &'static str) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingData { what })
        }
    }
}

/// An output buffer for [`Codec::encode`]. Length fields are written as a
/// placeholder and fixed up when their [`LengthGuard`] is dropped; a value
/// that does not fit its field is remembered and reported by
/// [`Encoder::finish`], so `encode` stays infallible.
#[derive(Debug, Default)]
pub struct Encoder {
    buf: Vec<u8>,
    error: Option<Error>,
}

/// Written where a length goes until the guard fixes it up. All ones, so a
/// buffer whose guard never ran cannot be mistaken for a short structure.
const PLACEHOLDER: [u8; 2] = [0xff, 0xff];

impl Encoder {
    /// An empty encoder.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            buf: Vec::new(),
            error: None,
        }
    }

    /// Octets written so far.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing has been written.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends one octet.
    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    /// Appends a big-endian u16.
    pub fn u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Appends a big-endian u32.
    pub fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_be_bytes());
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Appends `n` zero (reserved) octets.
    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Appends a count that must fit a one-octet field, or records
    /// [`Error::TooMany`] naming `what`.
    pub fn count_u8(&mut self, count: usize, what: &'static str) {
        let value = u8::try_from(count).unwrap_or_else(|_| {
            self.fail(Error::TooMany { what });
            u8::MAX
        });
        self.u8(value);
    }

    /// Appends a count that must fit a two-octet field, or records
    /// [`Error::TooMany`] naming `what`.
    pub fn count_u16(&mut self, count: usize, what: &'static str) {
        let value = u16::try_from(count).unwrap_or_else(|_| {
            self.fail(Error::TooMany { what });
            u16::MAX
        });
        self.u16(value);
    }

    /// Writes a two-octet length placeholder here. When the returned guard
    /// is dropped, the field receives the number of octets from offset
    /// `counted_from` (an earlier [`Encoder::len`]; use the current length
    /// plus 2 for lengths that count only what follows them) to the end.
    pub fn length_u16(&mut self, counted_from: usize, what: &'static str) -> LengthGuard<'_> {
        let at = self.buf.len();
        self.bytes(&PLACEHOLDER);
        LengthGuard {
            enc: self,
            at,
            counted_from,
            what,
        }
    }

    /// Overwrites a big-endian u32 at `at` (for the IKE header length).
    pub(crate) fn patch_u32(&mut self, at: usize, value: u32) {
        if let Some(slot) = self.buf.get_mut(at..at.saturating_add(4)) {
            slot.copy_from_slice(&value.to_be_bytes());
        }
    }

    /// Remembers the first error; later ones are usually consequences.
    pub fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// The encoded bytes.
    ///
    /// # Errors
    /// The first [`Error::TooLong`] / [`Error::TooMany`] recorded while
    /// encoding.
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.buf),
        }
    }
}

/// Fixes up a two-octet length field when dropped (see
/// [`Encoder::length_u16`]); derefs to the encoder so the structure's
/// contents are written through it.
#[derive(Debug)]
pub struct LengthGuard<'e> {
    enc: &'e mut Encoder,
    at: usize,
    counted_from: usize,
    what: &'static str,
}

impl Deref for LengthGuard<'_> {
    type Target = Encoder;

    fn deref(&self) -> &Encoder {
        self.enc
    }
}

impl DerefMut for LengthGuard<'_> {
    fn deref_mut(&mut self) -> &mut Encoder {
        self.enc
    }
}

impl Drop for LengthGuard<'_> {
    fn drop(&mut self) {
        let len = self.enc.buf.len().saturating_sub(self.counted_from);
        let Ok(len) = u16::try_from(len) else {
            self.enc.fail(Error::TooLong { what: self.what });
            return;
        };
        if let Some(slot) = self.enc.buf.get_mut(self.at..self.at.saturating_add(2)) {
            slot.copy_from_slice(&len.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_names_what_ran_out() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16("first"), Ok(0x0102));
        assert_eq!(r.u16("second"), Err(Error::Truncated { what: "second" }));
        assert_eq!(r.u8("third"), Ok(3));
        assert!(r.is_empty());
    }

    #[test]
    fn sub_reader_is_bounded_and_advances_the_parent() {
        let mut r = Reader::new(&[1, 2, 3, 4]);
        let mut sub = r.sub(2, "sub").unwrap();
        assert_eq!(sub.u16("x"), Ok(0x0102));
        assert_eq!(sub.u8("y"), Err(Error::Truncated { what: "y" }));
        assert_eq!(r.remaining(), 2);
        assert!(matches!(
            r.sub(3, "sub"),
            Err(Error::Truncated { what: "sub" })
        ));
    }

    #[test]
    fn expect_empty_rejects_trailing_data() {
        let r = Reader::new(&[0]);
        assert_eq!(
            r.expect_empty("thing"),
            Err(Error::TrailingData { what: "thing" })
        );
    }

    #[test]
    fn length_guard_back_patches_nested_lengths() {
        let mut enc = Encoder::new();
        {
            let start = enc.len();
            let mut outer = enc.length_u16(start, "outer");
            outer.u8(0xaa);
            let from = outer.len() + 2;
            let mut inner = outer.length_u16(from, "inner");
            inner.bytes(&[1, 2, 3]);
        }
        assert_eq!(enc.finish().unwrap(), [0, 8, 0xaa, 0, 3, 1, 2, 3]);
    }

    #[test]
    fn unpatched_placeholder_is_all_ones() {
        // A buffer whose guard never ran must not look like a short structure.
        assert_eq!(PLACEHOLDER, [0xff, 0xff]);
    }

    #[test]
    fn too_long_bodies_are_reported_by_finish() {
        let mut enc = Encoder::new();
        {
            let mut g = enc.length_u16(0, "huge");
            g.zeros(70_000);
        }
        assert_eq!(enc.finish(), Err(Error::TooLong { what: "huge" }));
    }

    #[test]
    fn counts_that_overflow_their_field_are_reported() {
        let mut enc = Encoder::new();
        enc.count_u8(256, "transforms");
        assert_eq!(enc.finish(), Err(Error::TooMany { what: "transforms" }));
    }
}
