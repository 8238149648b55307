//! Stateless cookies (RFC 7296 §2.6) and the policy that decides when a
//! responder asks for them.
//!
//! A responder under load answers an IKE_SA_INIT request with only a COOKIE
//! notify and keeps no state; the initiator repeats its request with the
//! cookie as the first payload, which proves it receives at the address it
//! claims. Our cookies follow the RFC's suggestion:
//!
//! ```text
//! Cookie = <VersionIDofSecret> | SHA-256(Ni | IPi | SPIi | <secret>)
//! ```
//!
//! with a 4-octet version (36 octets in all). The secret belongs to a time
//! period ([`DEFAULT_SECRET_PERIOD`]); the version is the period's number.
//! A cookie verifies during its own period and the next, so it lives at
//! least one period and less than two.
//!
//! charon 5.9.8 (`receiver.c`) differs in the details, invisibly to peers
//! since a cookie is opaque to the initiator: it sends
//! `t | SHA-1(IPi | SPIi | t | secret)` with `t` a 4-octet timestamp in
//! seconds, accepts cookies up to 10 s old, and replaces its 16-octet secret
//! at most every 120 s (keeping the previous one for older cookies). Ni is
//! not hashed there. The thresholds of [`DosSettings`] are charon's.

use core::net::IpAddr;
use core::time::Duration;
use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::crypto::{CryptoError, Hash, Provider, Secret, SecureRandom};
use crate::natd::address_octets;
use crate::time::Instant;
use crate::wire::iana::{HashAlgorithm, NotifyType};
use crate::wire::{Flags, Message, Notify, Payload};

mod policy;

pub use policy::{
    Admission, COOKIE_CALMDOWN, CookieDemand, CookieStatus, DosSettings, DropReason, HalfOpen,
};

/// Length of the version ID in front of our cookies.
const VERSION_LEN: usize = 4;
/// Length of the SHA-256 part of our cookies.
const MAC_LEN: usize = 32;
/// Length of our cookies.
pub const COOKIE_LEN: usize = VERSION_LEN + MAC_LEN;
/// Length of a cookie secret.
const SECRET_LEN: usize = 32;
/// How long a secret is used for new cookies; cookies verify for one or
/// two periods. charon accepts its cookies for 10 s.
pub const DEFAULT_SECRET_PERIOD: Duration = Duration::from_secs(10);

/// Makes and checks cookies; keeps the secrets of the current and the
/// previous period.
#[derive(Debug)]
pub struct CookieJar {
    sha256: &'static dyn Hash,
    rng: Arc<dyn SecureRandom>,
    start: Instant,
    period: Duration,
    current: Versioned,
    previous: Option<Versioned>,
}

/// A secret and the number of the period it belongs to.
#[derive(Debug)]
struct Versioned {
    period: u64,
    secret: Secret,
}

impl Versioned {
    /// The version ID on the wire: the low 32 bits of the period number.
    fn version(&self) -> [u8; VERSION_LEN] {
        let [.., a, b, c, d] = self.period.to_be_bytes();
        [a, b, c, d]
    }

    /// Whether cookies of this secret still verify in period `now`.
    fn is_valid_in(&self, now: u64) -> bool {
        self.period.saturating_add(1) >= now
    }
}

impl CookieJar {
    /// A jar with SHA-256 and the RNG of `provider`, a first secret, and
    /// [`DEFAULT_SECRET_PERIOD`].
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedHash`] without SHA-256,
    /// [`CryptoError::Rng`] if the RNG fails.
    pub fn new(provider: &Provider, now: Instant) -> Result<Self, CryptoError> {
        Self::with_period(provider, now, DEFAULT_SECRET_PERIOD)
    }

    /// A jar whose secrets change every `period` (at least 1 ns).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_period(
        provider: &Provider,
        now: Instant,
        period: Duration,
    ) -> Result<Self, CryptoError> {
        let sha256 = provider
            .hash(HashAlgorithm::SHA2_256)
            .filter(|hash| hash.output_len() == MAC_LEN)
            .ok_or(CryptoError::UnsupportedHash(HashAlgorithm::SHA2_256))?;
        let rng = Arc::clone(&provider.rng);
        let current = Versioned {
            period: 0,
            secret: draw_secret(rng.as_ref())?,
        };
        let period = period.max(Duration::from_nanos(1));
        Ok(Self {
            sha256,
            rng,
            start: now,
            period,
            current,
            previous: None,
        })
    }

    /// The cookie for an IKE_SA_INIT request with nonce `ni` and initiator
    /// SPI `spi_i` that came from `remote`. Starts a new secret first if the
    /// current one's period is over.
    ///
    /// # Errors
    /// [`CryptoError::Rng`] if a new secret is due and the RNG fails (the
    /// request should then be dropped).
    pub fn cookie(
        &mut self,
        now: Instant,
        ni: &[u8],
        remote: IpAddr,
        spi_i: u64,
    ) -> Result<Vec<u8>, CryptoError> {
        self.rotate(now)?;
        let mut cookie = self.current.version().to_vec();
        cookie.extend(self.mac(&self.current.secret, ni, remote, spi_i));
        Ok(cookie)
    }

    /// Whether `cookie` is one of ours for this request, made in the current
    /// or the previous period. Compares in constant time. Forgets the
    /// previous secret once its cookies have expired.
    pub fn verify(
        &mut self,
        now: Instant,
        cookie: &[u8],
        ni: &[u8],
        remote: IpAddr,
        spi_i: u64,
    ) -> bool {
        let period = self.period_of(now);
        if self
            .previous
            .as_ref()
            .is_some_and(|old| !old.is_valid_in(period))
        {
            self.previous = None;
        }
        let Some((version, mac)) = cookie.split_first_chunk::<VERSION_LEN>() else {
            return false;
        };
        if mac.len() != MAC_LEN {
            return false;
        }
        self.secret(*version, period).is_some_and(|secret| {
            let expected = self.mac(secret, ni, remote, spi_i);
            bool::from(expected.ct_eq(mac))
        })
    }

    /// The secret with this version ID if its cookies are still valid.
    fn secret(&self, version: [u8; VERSION_LEN], period: u64) -> Option<&Secret> {
        [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|s| s.version() == version && s.is_valid_in(period))
            .map(|s| &s.secret)
    }

    /// The number of the period `now` falls in.
    fn period_of(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.start).as_nanos();
        let number = elapsed / self.period.as_nanos().max(1);
        u64::try_from(number).unwrap_or(u64::MAX)
    }

    /// Replaces the current secret if its period is over; it stays as the
    /// previous one only if that period just ended.
    fn rotate(&mut self, now: Instant) -> Result<(), CryptoError> {
        let period = self.period_of(now);
        if period <= self.current.period {
            return Ok(());
        }
        let fresh = Versioned {
            period,
            secret: draw_secret(self.rng.as_ref())?,
        };
        let old = core::mem::replace(&mut self.current, fresh);
        self.previous = old.is_valid_in(period).then_some(old);
        Ok(())
    }

    /// `SHA-256(Ni | IPi | SPIi | secret)`.
    fn mac(&self, secret: &Secret, ni: &[u8], remote: IpAddr, spi_i: u64) -> Vec<u8> {
        let ip = address_octets(remote);
        let spi_i = spi_i.to_be_bytes();
        self.sha256.hash(&[ni, &ip, &spi_i, secret.as_bytes()])
    }
}

fn draw_secret(rng: &dyn SecureRandom) -> Result<Secret, CryptoError> {
    let mut secret = Secret::zeroed(SECRET_LEN);
    rng.fill(secret.as_mut_bytes())?;
    Ok(secret)
}

/// The cookie of a repeated IKE_SA_INIT request: the data of a COOKIE
/// notify that is the first payload (RFC 7296 §2.6: the initiator puts it
/// first; charon looks nowhere else).
#[must_use]
pub fn request_cookie(payloads: &[Payload]) -> Option<&[u8]> {
    match payloads.first() {
        Some(Payload::Notify(n)) if n.ty == NotifyType::COOKIE => Some(&n.data),
        _ => None,
    }
}

/// The stateless answer to `request`: an IKE_SA_INIT response with a zero
/// responder SPI that carries only `N(COOKIE)` (RFC 7296 §2.6).
#[must_use]
pub fn challenge(request: &Message, cookie: Vec<u8>) -> Message {
    Message {
        spi_i: request.spi_i,
        spi_r: 0,
        exchange: request.exchange,
        flags: Flags::RESPONSE,
        message_id: request.message_id,
        payloads: vec![Payload::Notify(Notify::new(NotifyType::COOKIE, cookie))],
    }
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests;
