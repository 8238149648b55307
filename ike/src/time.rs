//! Time as the driver passes it in: the core never reads a clock.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point in time, as a duration since an epoch chosen by the driver
/// (its start, or the test's virtual zero). Only differences matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The epoch.
    pub const ZERO: Self = Self(Duration::ZERO);

    /// The instant `since_epoch` after the epoch.
    #[must_use]
    pub const fn from_duration(since_epoch: Duration) -> Self {
        Self(since_epoch)
    }

    /// Time since the epoch.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// `self - earlier`, or zero if `earlier` is later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + d`, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        self.0.checked_add(d).map(Self)
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    /// Saturates instead of overflowing: a deadline that far away never comes.
    fn add(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d))
    }
}

impl Sub<Self> for Instant {
    type Output = Duration;

    /// Saturating: zero if `other` is later.
    fn sub(self, other: Self) -> Duration {
        self.saturating_duration_since(other)
    }
}
