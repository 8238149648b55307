//! Lifetimes with charon's jitter: a rekey happens at `rekey - random(0..=
//! rand)`, the hard limit at `life` (swanctl.conf `rekey_*`, `life_*`,
//! `rand_*`; for IKE SAs `rekey_time`, `over_time`, `rand_time`).

use core::time::Duration;

use crate::action::SaLimits;
use crate::config::{ChildLifetime, IkeLifetime, Limits};
use crate::crypto::Provider;
use crate::time::Instant;

/// A uniformly drawn value in `0..=max` (0 if the RNG fails: no jitter).
fn random_up_to(provider: &Provider, max: u64) -> u64 {
    let mut bytes = [0u8; 8];
    if max == 0 || provider.rng.fill(&mut bytes).is_err() {
        return 0;
    }
    let value = u64::from_be_bytes(bytes);
    max.checked_add(1).map_or(value, |span| value % span)
}

/// `(soft, hard)` of one dimension; 0 is off.
pub(crate) fn jitter(provider: &Provider, limits: Limits) -> (u64, u64) {
    let soft = if limits.rekey == 0 {
        0
    } else {
        let rand = limits.rand.min(limits.rekey.saturating_sub(1));
        limits.rekey - random_up_to(provider, rand)
    };
    (soft, limits.life)
}

/// Byte and packet limits for the backend, jitter drawn once per SA.
pub(crate) fn sa_limits(provider: &Provider, lifetime: &ChildLifetime) -> SaLimits {
    let (soft_bytes, hard_bytes) = jitter(provider, lifetime.bytes);
    let (soft_packets, hard_packets) = jitter(provider, lifetime.packets);
    SaLimits {
        soft_bytes,
        hard_bytes,
        soft_packets,
        hard_packets,
    }
}

/// When a CHILD_SA created at `now` is rekeyed and when it expires.
pub(crate) fn child_deadlines(
    provider: &Provider,
    now: Instant,
    lifetime: &ChildLifetime,
) -> (Option<Instant>, Option<Instant>) {
    let (soft, hard) = jitter(provider, lifetime.time);
    let at = |secs: u64| (secs > 0).then(|| now + Duration::from_secs(secs));
    (at(soft), at(hard))
}

/// When an IKE SA established at `now` is rekeyed and when it is deleted
/// (the later of rekey and reauth plus `over_time`). Reauthentication is
/// done as a rekey.
pub(crate) fn ike_deadlines(
    provider: &Provider,
    now: Instant,
    lifetime: &IkeLifetime,
) -> (Option<Instant>, Option<Instant>) {
    let first = [lifetime.rekey_time, lifetime.reauth_time]
        .into_iter()
        .filter(|d| !d.is_zero())
        .min();
    let Some(first) = first else {
        return (None, None);
    };
    let rand = lifetime
        .rand_time
        .min(first.saturating_sub(Duration::from_secs(1)));
    let rand_ms = u64::try_from(rand.as_millis()).unwrap_or(u64::MAX);
    let soft = first - Duration::from_millis(random_up_to(provider, rand_ms));
    let last = lifetime.rekey_time.max(lifetime.reauth_time);
    (Some(now + soft), Some(now + last + lifetime.over_time))
}
