//! When a responder asks for a cookie and when it drops an IKE_SA_INIT
//! request: charon's rules (strongSwan 5.9.8, `receiver.c`), applied before
//! any IKE SA state is created.
//!
//! In order: if a cookie is required (by the global or the per-IP count of
//! half-open SAs) and the request has no valid one, answer with a COOKIE
//! challenge; otherwise drop the request if its source has
//! `block_threshold` half-open SAs, or if there are `init_limit_half_open`
//! half-open SAs in all; otherwise go on.

use core::net::IpAddr;
use core::time::Duration;

use crate::crypto::{CryptoError, Hash, Provider};
use crate::natd::address_octets;
use crate::time::Instant;
use crate::wire::iana::HashAlgorithm;

/// How long cookies stay required after a threshold was last reached, so
/// that retransmits of one request are not answered sometimes with and
/// sometimes without a challenge (the request with the cookie is signed in
/// AUTH). charon's `COOKIE_CALMDOWN_DELAY`.
pub const COOKIE_CALMDOWN: Duration = Duration::from_secs(10);
/// Per-IP calm-down is tracked for this many groups of addresses.
const BUCKETS: usize = 32;

/// The DoS protection settings of charon's `strongswan.conf`, with its
/// defaults. A threshold or limit of 0 is off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DosSettings {
    /// `charon.dos_protection` (yes): without it the three thresholds
    /// below are ignored.
    pub dos_protection: bool,
    /// `charon.cookie_threshold` (30): require cookies from everyone while
    /// this many IKE SAs are half open.
    pub cookie_threshold: u32,
    /// `charon.cookie_threshold_ip` (3): require cookies from an address
    /// with this many half-open IKE SAs.
    pub cookie_threshold_ip: u32,
    /// `charon.block_threshold` (5): drop requests from an address with this
    /// many half-open IKE SAs; always above `cookie_threshold_ip`.
    pub block_threshold: u32,
    /// `charon.init_limit_half_open` (0): drop all requests while this many
    /// IKE SAs are half open.
    pub init_limit_half_open: u32,
}

impl Default for DosSettings {
    fn default() -> Self {
        Self {
            dos_protection: true,
            cookie_threshold: 30,
            cookie_threshold_ip: 3,
            block_threshold: 5,
            init_limit_half_open: 0,
        }
    }
}

/// Half-open IKE SAs (IKE_SA_INIT answered, IKE_AUTH not yet complete) for
/// which we are the responder, before the request at hand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HalfOpen {
    /// All of them.
    pub total: u32,
    /// Those whose initiator has the request's source address.
    pub from_ip: u32,
}

/// The cookie situation of an IKE_SA_INIT request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieStatus {
    /// No cookie is required (the request's cookie, if any, is ignored).
    NotRequired,
    /// A cookie is required and the request's first payload is a valid one.
    Valid,
    /// A cookie is required and the request has none, or a wrong one.
    Invalid,
}

/// What to do with an IKE_SA_INIT request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Process it.
    Accept,
    /// Answer with a COOKIE notify ([`super::challenge`]) and forget it.
    Challenge,
    /// Drop it silently.
    Drop(DropReason),
}

/// Why a request is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The source has `block_threshold` half-open IKE SAs.
    PerIpLimit,
    /// `init_limit_half_open` IKE SAs are half open.
    HalfOpenLimit,
}

impl DosSettings {
    /// The values charon actually uses: no cookie or block thresholds
    /// without `dos_protection`, and `block_threshold` raised to
    /// `cookie_threshold_ip + 1` if it is not above it.
    #[must_use]
    pub fn effective(self) -> Self {
        if !self.dos_protection {
            return Self {
                cookie_threshold: 0,
                cookie_threshold_ip: 0,
                block_threshold: 0,
                ..self
            };
        }
        let block_threshold = if self.cookie_threshold_ip >= self.block_threshold {
            self.cookie_threshold_ip.saturating_add(1)
        } else {
            self.block_threshold
        };
        Self {
            block_threshold,
            ..self
        }
    }

    /// Whether the counts alone require a cookie (without the calm-down of
    /// [`CookieDemand`]).
    #[must_use]
    pub fn cookie_required(&self, half_open: HalfOpen) -> bool {
        let s = self.effective();
        reached(s.cookie_threshold, half_open.total)
            || reached(s.cookie_threshold_ip, half_open.from_ip)
    }

    /// The verdict on an IKE_SA_INIT request.
    #[must_use]
    pub fn admit(&self, half_open: HalfOpen, cookie: CookieStatus) -> Admission {
        let s = self.effective();
        if cookie == CookieStatus::Invalid {
            Admission::Challenge
        } else if reached(s.block_threshold, half_open.from_ip) {
            Admission::Drop(DropReason::PerIpLimit)
        } else if reached(s.init_limit_half_open, half_open.total) {
            Admission::Drop(DropReason::HalfOpenLimit)
        } else {
            Admission::Accept
        }
    }
}

/// `count` has reached a threshold that is on.
fn reached(threshold: u32, count: u32) -> bool {
    threshold != 0 && count >= threshold
}

/// Whether cookies are required, with charon's calm-down: once a threshold
/// is reached, cookies stay required for [`COOKIE_CALMDOWN`], globally or
/// for the addresses that share a bucket with the source (32 buckets of a
/// keyed hash, so that one targeted address does not affect all).
#[derive(Debug)]
pub struct CookieDemand {
    sha256: &'static dyn Hash,
    key: [u8; 16],
    global: Option<Instant>,
    per_ip: [Option<Instant>; BUCKETS],
}

impl CookieDemand {
    /// Calm-down state with a bucket key from the provider's RNG.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedHash`] without SHA-256,
    /// [`CryptoError::Rng`] if the RNG fails.
    pub fn new(provider: &Provider) -> Result<Self, CryptoError> {
        let sha256 = provider
            .hash(HashAlgorithm::SHA2_256)
            .ok_or(CryptoError::UnsupportedHash(HashAlgorithm::SHA2_256))?;
        let mut key = [0u8; 16];
        provider.rng.fill(&mut key)?;
        Ok(Self {
            sha256,
            key,
            global: None,
            per_ip: [None; BUCKETS],
        })
    }

    /// Whether a request from `remote` at `now` must carry a cookie. The
    /// per-IP state is only looked at (and refreshed) if the global count
    /// does not already require one.
    pub fn required(
        &mut self,
        settings: &DosSettings,
        half_open: HalfOpen,
        remote: IpAddr,
        now: Instant,
    ) -> bool {
        let s = settings.effective();
        if demand(&mut self.global, s.cookie_threshold, half_open.total, now) {
            return true;
        }
        let bucket = self.bucket(remote);
        self.per_ip
            .get_mut(bucket)
            .is_some_and(|last| demand(last, s.cookie_threshold_ip, half_open.from_ip, now))
    }

    /// The calm-down bucket of an address.
    fn bucket(&self, remote: IpAddr) -> usize {
        let digest = self.sha256.hash(&[&self.key, &address_octets(remote)]);
        digest.first().map_or(0, |&b| usize::from(b) % BUCKETS)
    }
}

/// One threshold with calm-down: reached now (remember when), or reached
/// less than [`COOKIE_CALMDOWN`] ago.
fn demand(last: &mut Option<Instant>, threshold: u32, count: u32, now: Instant) -> bool {
    if threshold == 0 {
        return false;
    }
    if count >= threshold {
        *last = Some(now);
        return true;
    }
    last.is_some_and(|at| now < at + COOKIE_CALMDOWN)
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use core::net::Ipv4Addr;

    use super::*;
    use crate::crypto::test_provider;

    const fn counts(total: u32, from_ip: u32) -> HalfOpen {
        HalfOpen { total, from_ip }
    }

    fn at(secs: u64) -> Instant {
        Instant::from_duration(Duration::from_secs(secs))
    }

    fn ip(last: u8) -> IpAddr {
        Ipv4Addr::new(198, 51, 100, last).into()
    }

    #[test]
    fn defaults_are_charons() {
        let s = DosSettings::default();
        assert!(s.dos_protection);
        assert_eq!(
            (s.cookie_threshold, s.cookie_threshold_ip, s.block_threshold),
            (30, 3, 5)
        );
        assert_eq!(s.init_limit_half_open, 0);
        assert_eq!(s.effective(), s);
    }

    #[test]
    fn the_block_threshold_stays_above_the_per_ip_cookie_threshold() {
        let s = DosSettings {
            cookie_threshold_ip: 5,
            ..DosSettings::default()
        };
        assert_eq!(s.effective().block_threshold, 6);
        let s = DosSettings {
            cookie_threshold_ip: u32::MAX,
            ..DosSettings::default()
        };
        assert_eq!(s.effective().block_threshold, u32::MAX);
    }

    #[test]
    fn without_dos_protection_only_the_half_open_limit_applies() {
        let s = DosSettings {
            dos_protection: false,
            init_limit_half_open: 100,
            ..DosSettings::default()
        };
        assert!(!s.cookie_required(counts(99, 99)));
        assert_eq!(
            s.admit(counts(99, 99), CookieStatus::NotRequired),
            Admission::Accept
        );
        assert_eq!(
            s.admit(counts(100, 0), CookieStatus::NotRequired),
            Admission::Drop(DropReason::HalfOpenLimit)
        );
    }

    #[test]
    fn the_half_open_counts_decide_when_cookies_are_required() {
        let s = DosSettings::default();
        let table = [
            (counts(0, 0), false),
            (counts(29, 2), false),
            (counts(30, 0), true),
            (counts(3, 3), true),
            (counts(100, 1), true),
        ];
        for (half_open, required) in table {
            assert_eq!(s.cookie_required(half_open), required, "{half_open:?}");
        }
        let off = DosSettings {
            cookie_threshold: 0,
            cookie_threshold_ip: 0,
            ..s
        };
        assert!(!off.cookie_required(counts(1000, 1000)));
    }

    #[test]
    fn requests_are_challenged_before_they_are_blocked_or_limited() {
        use Admission::{Accept, Challenge, Drop};
        use CookieStatus::{Invalid, NotRequired, Valid};
        let s = DosSettings {
            init_limit_half_open: 50,
            ..DosSettings::default()
        };
        let table = [
            (counts(0, 0), NotRequired, Accept),
            (counts(40, 4), Valid, Accept),
            // the challenge comes before any limit
            (counts(60, 9), Invalid, Challenge),
            (counts(40, 5), Valid, Drop(DropReason::PerIpLimit)),
            (counts(50, 4), Valid, Drop(DropReason::HalfOpenLimit)),
            (counts(50, 5), NotRequired, Drop(DropReason::PerIpLimit)),
        ];
        for (half_open, cookie, verdict) in table {
            assert_eq!(
                s.admit(half_open, cookie),
                verdict,
                "{half_open:?} {cookie:?}"
            );
        }
    }

    #[test]
    fn cookies_stay_required_for_the_calm_down_delay() {
        let s = DosSettings::default();
        let mut demand = CookieDemand::new(&test_provider(1)).unwrap();
        assert!(!demand.required(&s, counts(29, 0), ip(1), at(100)));
        assert!(demand.required(&s, counts(30, 0), ip(1), at(100)));
        assert!(demand.required(&s, counts(0, 0), ip(2), at(109)));
        assert!(!demand.required(&s, counts(0, 0), ip(2), at(110)));
    }

    #[test]
    fn per_ip_calm_down_spares_addresses_in_other_buckets() {
        let s = DosSettings::default();
        let mut demand = CookieDemand::new(&test_provider(1)).unwrap();
        let (busy, same_bucket) = (
            ip(1),
            (2..=255)
                .map(ip)
                .find(|&a| demand.bucket(a) == demand.bucket(ip(1))),
        );
        let other = (2..=255)
            .map(ip)
            .find(|&a| demand.bucket(a) != demand.bucket(busy));
        assert!(demand.required(&s, counts(3, 3), busy, at(0)));
        assert!(demand.required(&s, counts(3, 0), busy, at(5)));
        assert!(!demand.required(&s, counts(3, 0), other.unwrap(), at(5)));
        assert!(demand.required(&s, counts(3, 0), same_bucket.unwrap(), at(5)));
        assert!(!demand.required(&s, counts(3, 0), busy, at(10)));
    }
}
