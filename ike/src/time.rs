//! Time as the driver tells it. The core never reads a clock: every entry
//! point that needs the time takes an [`Instant`].

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point in time: the time since an arbitrary epoch chosen by the driver
/// (for example the daemon's start, read from a monotonic clock). Only
/// differences between instants of the same driver mean anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The driver's epoch.
    pub const ZERO: Self = Self(Duration::ZERO);

    /// The instant `since_epoch` after the driver's epoch.
    #[must_use]
    pub const fn from_duration(since_epoch: Duration) -> Self {
        Self(since_epoch)
    }

    /// The time since the driver's epoch.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + duration`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, duration: Duration) -> Option<Self> {
        match self.0.checked_add(duration) {
            Some(sum) => Some(Self(sum)),
            None => None,
        }
    }
}

/// Saturates at the largest representable instant instead of panicking.
impl Add<Duration> for Instant {
    type Output = Self;

    fn add(self, duration: Duration) -> Self {
        Self(self.0.saturating_add(duration))
    }
}

/// The time from `earlier` to `self`, zero if `earlier` is later.
impl Sub<Self> for Instant {
    type Output = Duration;

    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_saturate_at_zero() {
        let early = Instant::from_duration(Duration::from_secs(3));
        let late = early + Duration::from_millis(1500);
        assert_eq!(late - early, Duration::from_millis(1500));
        assert_eq!(early - late, Duration::ZERO);
        assert_eq!(late.as_duration(), Duration::from_millis(4500));
        assert!(Instant::ZERO < early && early < late);
    }

    #[test]
    fn adding_past_the_end_saturates_or_reports_overflow() {
        let end = Instant::from_duration(Duration::MAX);
        assert_eq!(end.checked_add(Duration::from_nanos(1)), None);
        assert_eq!(end + Duration::from_secs(1), end);
        assert_eq!(
            Instant::ZERO.checked_add(Duration::from_secs(2)),
            Some(Instant::from_duration(Duration::from_secs(2)))
        );
    }
}
