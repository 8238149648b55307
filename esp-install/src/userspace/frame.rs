//! A packet inside a caller-owned buffer, with room to grow at both ends,
//! so ESP headers and trailers are added and removed in place without
//! allocating (the I/O layer keeps a pool of such buffers).

use core::ops::Range;

use super::error::DropReason;

/// Headroom that suffices for every operation here: ESP header and IV
/// (up to 24 octets) and a synthesized IPv6 header on transport-mode
/// decapsulation, with space left for an outer IPv6 and UDP header should
/// the caller want to build them itself.
pub const HEADROOM: usize = 128;

/// Tailroom that suffices for padding (up to 15), pad length, next header
/// and the largest ICV (32).
pub const TAILROOM: usize = 64;

/// `buf[start..end]` is the packet; the rest of `buf` is room to grow.
#[derive(Debug)]
pub struct Frame<'a> {
    buf: &'a mut [u8],
    start: usize,
    end: usize,
}

impl<'a> Frame<'a> {
    /// A frame whose packet is `buf[range]`; `None` if the range does not
    /// lie inside `buf`.
    #[must_use]
    pub fn new(buf: &'a mut [u8], range: Range<usize>) -> Option<Self> {
        if range.start > range.end || range.end > buf.len() {
            return None;
        }
        Some(Self {
            buf,
            start: range.start,
            end: range.end,
        })
    }

    /// The packet.
    #[must_use]
    pub fn packet(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The packet, writable.
    pub fn packet_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.end]
    }

    /// Where the packet lies in the buffer.
    #[must_use]
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Packet length.
    #[must_use]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the packet is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Free octets before the packet.
    #[must_use]
    pub fn headroom(&self) -> usize {
        self.start
    }

    /// Free octets after the packet.
    #[must_use]
    pub fn tailroom(&self) -> usize {
        self.buf.len() - self.end
    }

    /// Fails unless the packet can grow by `front` and `back` octets.
    pub(crate) fn reserve(&self, front: usize, back: usize) -> Result<(), DropReason> {
        if front > self.headroom() || back > self.tailroom() {
            return Err(DropReason::NoRoom);
        }
        Ok(())
    }

    /// Grows the packet by `front` octets before and `back` after (their
    /// content is whatever the buffer held).
    pub(crate) fn grow(&mut self, front: usize, back: usize) -> Result<(), DropReason> {
        self.reserve(front, back)?;
        self.start -= front;
        self.end += back;
        Ok(())
    }

    /// Narrows the packet to `range`, relative to its current start;
    /// `false` (and no change) if `range` is not inside the packet.
    pub(crate) fn narrow(&mut self, range: Range<usize>) -> bool {
        if range.start > range.end || range.end > self.len() {
            return false;
        }
        self.end = self.start + range.end;
        self.start += range.start;
        true
    }

    /// Opens a gap of `gap` octets after the first `keep` octets, moving
    /// those into the headroom.
    pub(crate) fn open_gap(&mut self, keep: usize, gap: usize) -> Result<(), DropReason> {
        if keep > self.len() {
            return Err(DropReason::MalformedPacket);
        }
        self.grow(gap, 0)?;
        self.packet_mut().copy_within(gap..gap + keep, 0);
        Ok(())
    }

    /// Closes `gap` octets after the first `keep`, moving those forward.
    pub(crate) fn close_gap(&mut self, keep: usize, gap: usize) -> bool {
        if keep + gap > self.len() {
            return false;
        }
        self.packet_mut().copy_within(0..keep, gap);
        self.start += gap;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_refuses_ranges_outside_the_buffer() {
        let mut buf = [0u8; 8];
        assert!(Frame::new(&mut buf, 2..9).is_none());
        #[allow(clippy::reversed_empty_ranges)]
        let inverted = 5..4;
        assert!(Frame::new(&mut buf, inverted).is_none());
        let frame = Frame::new(&mut buf, 2..6).unwrap();
        assert_eq!((frame.headroom(), frame.len(), frame.tailroom()), (2, 4, 2));
    }

    #[test]
    fn grow_fails_without_room_and_changes_nothing() {
        let mut buf = [0u8; 8];
        let mut frame = Frame::new(&mut buf, 2..6).unwrap();
        assert_eq!(frame.grow(3, 0), Err(DropReason::NoRoom));
        assert_eq!(frame.grow(0, 3), Err(DropReason::NoRoom));
        assert_eq!(frame.range(), 2..6);
        frame.grow(2, 2).unwrap();
        assert_eq!(frame.range(), 0..8);
    }

    #[test]
    fn open_gap_then_close_gap_restores_the_packet() {
        let mut buf = [0, 0, 0, 1, 2, 3, 4, 5, 0];
        let mut frame = Frame::new(&mut buf, 3..8).unwrap();
        frame.open_gap(2, 3).unwrap();
        assert_eq!(&frame.packet()[..2], &[1, 2]);
        assert_eq!(&frame.packet()[5..], &[3, 4, 5]);
        assert!(frame.close_gap(2, 3));
        assert_eq!(frame.packet(), &[1, 2, 3, 4, 5]);
        assert!(!frame.close_gap(4, 2));
    }

    #[test]
    fn narrow_keeps_only_a_subrange() {
        let mut buf = [1, 2, 3, 4, 5];
        let mut frame = Frame::new(&mut buf, 0..5).unwrap();
        assert!(!frame.narrow(1..6));
        assert!(frame.narrow(1..4));
        assert_eq!(frame.packet(), &[2, 3, 4]);
    }
}
