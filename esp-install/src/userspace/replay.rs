//! The receiver's anti-replay window (RFC 4303 §3.4.3) over 64-bit
//! sequence numbers, with the high-order bits of extended sequence numbers
//! inferred as RFC 4303 Appendix A2.2 says.
//!
//! A bitmap ring like boringtun's `ReceivingKeyCounterValidator` (and RFC
//! 6479): [`check`](ReplayWindow::check) before the ICV is verified,
//! [`update`](ReplayWindow::update) only after it passed (§3.4.3: "the
//! receive window is updated only if the integrity verification
//! succeeds").

use core::fmt;

/// The largest window this implementation offers.
pub const MAX_WINDOW: u32 = 4096;

/// The window ESN inference assumes when anti-replay is off.
const INFERENCE_WINDOW_WITHOUT_REPLAY: u32 = 1 << 31;

/// Why a sequence number is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// Already received inside the window.
    Duplicate,
    /// Left of the window, or zero (never sent, RFC 4303 §3.3.3).
    TooOld,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Duplicate => "duplicate sequence number",
            Self::TooOld => "sequence number left of the replay window",
        })
    }
}

/// A window larger than [`MAX_WINDOW`] was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowTooLarge(pub u32);

impl fmt::Display for WindowTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replay window {} exceeds {MAX_WINDOW}", self.0)
    }
}

impl std::error::Error for WindowTooLarge {}

/// The anti-replay state of one inbound SA.
#[derive(Clone)]
pub struct ReplayWindow {
    /// Window size in packets; 0 turns the check off.
    size: u32,
    /// Whether the SA uses extended sequence numbers.
    esn: bool,
    /// The highest authenticated sequence number (0 before the first).
    top: u64,
    /// Ring of `size / 64 + 2` words: bit `seq % (64 * len)` is `seq`.
    bitmap: Box<[u64]>,
}

impl fmt::Debug for ReplayWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayWindow")
            .field("size", &self.size)
            .field("esn", &self.esn)
            .field("top", &self.top)
            .finish_non_exhaustive()
    }
}

impl ReplayWindow {
    /// A window of `size` packets (0: no replay check, RFC 4303 §3.4.3
    /// allows the receiver to disable it).
    ///
    /// # Errors
    /// [`WindowTooLarge`] above [`MAX_WINDOW`].
    pub fn new(size: u32, esn: bool) -> Result<Self, WindowTooLarge> {
        if size > MAX_WINDOW {
            return Err(WindowTooLarge(size));
        }
        let words = if size == 0 { 0 } else { size as usize / 64 + 2 };
        Ok(Self {
            size,
            esn,
            top: 0,
            bitmap: vec![0; words].into_boxed_slice(),
        })
    }

    /// The highest authenticated sequence number.
    #[must_use]
    pub const fn top(&self) -> u64 {
        self.top
    }

    /// The full sequence number of a packet whose header carries `low`:
    /// itself without ESN, with ESN the high-order half inferred from the
    /// window (RFC 4303 Appendix A2.2). `None` if that half would leave the
    /// 64-bit space (below zero or past 2^64 - 1).
    #[must_use]
    pub fn infer(&self, low: u32) -> Option<u64> {
        if !self.esn {
            return Some(u64::from(low));
        }
        let w = if self.size == 0 {
            INFERENCE_WINDOW_WITHOUT_REPLAY
        } else {
            self.size
        };
        let (th, tl) = ((self.top >> 32) as u32, self.top as u32);
        let bottom = tl.wrapping_sub(w).wrapping_add(1);
        let high = if tl >= w - 1 {
            // Case A: the window lies within one subspace.
            if low >= bottom {
                Some(th)
            } else {
                th.checked_add(1)
            }
        } else if low >= bottom {
            // Case B: the window spans two subspaces; `low` is in the lower.
            th.checked_sub(1)
        } else {
            Some(th)
        };
        high.map(|h| (u64::from(h) << 32) | u64::from(low))
    }

    /// Whether `seq` may be accepted, before its ICV is checked.
    ///
    /// # Errors
    /// [`ReplayError::TooOld`] or [`ReplayError::Duplicate`].
    pub fn check(&self, seq: u64) -> Result<(), ReplayError> {
        if seq == 0 {
            return Err(ReplayError::TooOld);
        }
        if self.size == 0 || seq > self.top {
            return Ok(());
        }
        if self.top - seq >= u64::from(self.size) {
            return Err(ReplayError::TooOld);
        }
        let (word, bit) = self.position(seq);
        if self.bitmap[word] & bit != 0 {
            return Err(ReplayError::Duplicate);
        }
        Ok(())
    }

    /// Records an authenticated `seq`, sliding the window if it is new
    /// on the right.
    ///
    /// # Errors
    /// As [`check`](Self::check): `seq` is not recorded then.
    pub fn update(&mut self, seq: u64) -> Result<(), ReplayError> {
        self.check(seq)?;
        if self.size == 0 {
            self.top = self.top.max(seq);
            return Ok(());
        }
        if seq > self.top {
            let words = self.bitmap.len() as u64;
            let (old, new) = (self.top / 64, seq / 64);
            for i in 1..=(new - old).min(words) {
                self.bitmap[((old + i) % words) as usize] = 0;
            }
            self.top = seq;
        }
        let (word, bit) = self.position(seq);
        self.bitmap[word] |= bit;
        Ok(())
    }

    fn position(&self, seq: u64) -> (usize, u64) {
        let words = self.bitmap.len() as u64;
        (((seq / 64) % words) as usize, 1 << (seq % 64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(window: &mut ReplayWindow, seqs: impl IntoIterator<Item = u64>) {
        for seq in seqs {
            window.update(seq).unwrap();
        }
    }

    #[test]
    fn accepts_in_order_and_refuses_duplicates() {
        let mut w = ReplayWindow::new(32, false).unwrap();
        received(&mut w, 1..=10);
        assert_eq!(w.top(), 10);
        for seq in 1..=10 {
            assert_eq!(w.check(seq), Err(ReplayError::Duplicate));
            assert_eq!(w.update(seq), Err(ReplayError::Duplicate));
        }
        assert_eq!(w.check(11), Ok(()));
    }

    #[test]
    fn accepts_reordered_packets_inside_the_window_once() {
        let mut w = ReplayWindow::new(64, false).unwrap();
        received(&mut w, [100, 40, 99, 37]);
        assert_eq!(w.check(40), Err(ReplayError::Duplicate));
        assert_eq!(w.check(37), Err(ReplayError::Duplicate));
        assert_eq!(w.check(38), Ok(()));
        assert_eq!(w.check(36), Err(ReplayError::TooOld));
    }

    #[test]
    fn the_window_edge_is_exactly_size_packets_wide() {
        let mut w = ReplayWindow::new(32, false).unwrap();
        received(&mut w, [1000]);
        assert_eq!(w.check(969), Ok(()), "top - 31 is inside");
        assert_eq!(
            w.check(968),
            Err(ReplayError::TooOld),
            "top - 32 is outside"
        );
    }

    #[test]
    fn zero_is_never_a_valid_sequence_number() {
        let w = ReplayWindow::new(32, false).unwrap();
        assert_eq!(w.check(0), Err(ReplayError::TooOld));
        assert_eq!(
            ReplayWindow::new(0, false).unwrap().check(0),
            Err(ReplayError::TooOld)
        );
    }

    #[test]
    fn sliding_far_right_forgets_every_old_bit() {
        let mut w = ReplayWindow::new(128, false).unwrap();
        received(&mut w, 1..=128);
        received(&mut w, [1000]);
        // the ring slot of 1000 - 64 * k held bits of 1..=128: all cleared
        for seq in 873..1000 {
            assert_eq!(w.check(seq), Ok(()), "{seq}");
        }
        received(&mut w, [1000 + 128 * 64]);
        assert_eq!(w.check(1000 + 128 * 64 - 1), Ok(()));
    }

    #[test]
    fn sliding_by_one_word_clears_only_the_new_word() {
        let mut w = ReplayWindow::new(64, false).unwrap();
        received(&mut w, 1..=64);
        received(&mut w, [65]);
        for seq in 2..=65 {
            assert_eq!(w.check(seq), Err(ReplayError::Duplicate), "{seq}");
        }
        assert_eq!(w.check(1), Err(ReplayError::TooOld));
    }

    #[test]
    fn every_size_from_1_to_the_maximum_holds_its_edge() {
        for size in [1, 31, 32, 63, 64, 65, 1000, 4095, MAX_WINDOW] {
            let mut w = ReplayWindow::new(size, false).unwrap();
            let top = 10_000;
            received(&mut w, [top]);
            let inside = top - u64::from(size) + 1;
            if inside != top {
                received(&mut w, [inside]);
            }
            assert_eq!(w.check(inside), Err(ReplayError::Duplicate), "size {size}");
            assert_eq!(w.check(inside - 1), Err(ReplayError::TooOld), "size {size}");
        }
        assert_eq!(
            ReplayWindow::new(MAX_WINDOW + 1, false).unwrap_err(),
            WindowTooLarge(4097)
        );
    }

    #[test]
    fn a_disabled_window_accepts_duplicates_but_tracks_the_top() {
        let mut w = ReplayWindow::new(0, false).unwrap();
        received(&mut w, [5, 5, 3, 7]);
        assert_eq!(w.top(), 7);
        assert_eq!(w.check(1), Ok(()));
    }

    #[test]
    fn without_esn_the_header_bits_are_the_sequence_number() {
        let mut w = ReplayWindow::new(32, false).unwrap();
        received(&mut w, [u64::from(u32::MAX)]);
        assert_eq!(w.infer(5), Some(5));
    }

    #[test]
    fn esn_case_a_infers_the_next_subspace_below_the_window() {
        // RFC 4303 A2.2 case A: Tl >= W - 1.
        let mut w = ReplayWindow::new(64, true).unwrap();
        received(&mut w, [(3 << 32) | 1000]);
        assert_eq!(
            w.infer(1000 - 63),
            Some((3 << 32) | 937),
            "window bottom: same subspace"
        );
        assert_eq!(w.infer(2000), Some((3 << 32) | 2000), "right of the window");
        assert_eq!(
            w.infer(936),
            Some((4 << 32) | 936),
            "left of the window: wrapped"
        );
    }

    #[test]
    fn esn_case_b_infers_the_previous_subspace_for_the_window_tail() {
        // RFC 4303 A2.2 case B: Tl < W - 1, the window spans the wrap.
        let mut w = ReplayWindow::new(64, true).unwrap();
        received(&mut w, [(1 << 32) | 5]);
        let bottom = 5u32.wrapping_sub(64).wrapping_add(1);
        assert_eq!(w.infer(bottom), Some(u64::from(bottom)), "still subspace 0");
        assert_eq!(w.infer(u32::MAX), Some(u64::from(u32::MAX)));
        assert_eq!(w.infer(4), Some((1 << 32) | 4));
        assert_eq!(w.infer(bottom - 1), Some((1 << 32) | u64::from(bottom - 1)));
    }

    #[test]
    fn esn_window_slides_across_the_32_bit_wrap() {
        let mut w = ReplayWindow::new(64, true).unwrap();
        let before = u64::from(u32::MAX) - 9;
        received(&mut w, [before]);
        let after = w.infer(5).unwrap();
        assert_eq!(after, (1 << 32) | 5);
        received(&mut w, [after]);
        // a late packet from before the wrap is still inside the window
        let late = w.infer(u32::MAX - 2).unwrap();
        assert_eq!(late, u64::from(u32::MAX) - 2);
        received(&mut w, [late]);
        assert_eq!(
            w.check(w.infer(u32::MAX - 2).unwrap()),
            Err(ReplayError::Duplicate)
        );
        assert_eq!(w.check(before), Err(ReplayError::Duplicate));
        assert_eq!(w.check(after), Err(ReplayError::Duplicate));
    }

    #[test]
    fn esn_inference_refuses_to_leave_the_64_bit_space() {
        let w = ReplayWindow::new(64, true).unwrap();
        // nothing received: case B, the lower subspace would be -1
        assert_eq!(w.infer(u32::MAX), None);
        assert_eq!(w.infer(1), Some(1));
        let mut w = ReplayWindow::new(64, true).unwrap();
        received(&mut w, [u64::MAX - 10]);
        assert_eq!(w.infer(3), None, "past 2^64 - 1");
    }

    #[test]
    fn esn_without_replay_check_infers_by_half_the_space() {
        let mut w = ReplayWindow::new(0, true).unwrap();
        received(&mut w, [(2 << 32) | 10]);
        assert_eq!(w.infer(20), Some((2 << 32) | 20));
        assert_eq!(w.infer(u32::MAX), Some((1 << 32) | u64::from(u32::MAX)));
    }
}
