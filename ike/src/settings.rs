//! Endpoint-wide settings taken from strongswan.conf (`charon.*`), with
//! charon's defaults.

use core::time::Duration;

/// `charon.*` settings the core uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// `charon.port` (500).
    pub port: u16,
    /// `charon.port_nat_t` (4500): where IKE floats to after a NAT is
    /// detected (RFC 7296 §2.23).
    pub port_nat_t: u16,
    /// Retransmission of requests (RFC 7296 §2.1).
    pub retransmit: Retransmit,
    /// `charon.half_open_timeout` (30 s): how long an IKE SA may stay
    /// unauthenticated.
    pub half_open_timeout: Duration,
    /// `charon.fragment_size` (1280): the largest IP datagram of an IKE
    /// fragment (RFC 7383).
    pub fragment_size: usize,
    /// `charon.delete_rekeyed_delay` (5 s): how long an inbound SA replaced
    /// by a rekey is kept for packets still in flight.
    pub delete_rekeyed_delay: Duration,
    /// Nonce length in octets (charon sends 32; RFC 7296 §2.10).
    pub nonce_len: usize,
    /// `charon.dos_protection`, `cookie_threshold*`, `block_threshold`,
    /// `init_limit_half_open` (RFC 7296 §2.6).
    pub dos: crate::cookie::DosSettings,
    /// Tests: the first octet of the next nonce we make, incremented with
    /// each (strongSwan's `nonce_first_byte`), to decide rekey collisions.
    #[cfg(test)]
    pub(crate) nonce_first_byte: Option<core::cell::Cell<u8>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            port: 500,
            port_nat_t: 4500,
            retransmit: Retransmit::default(),
            half_open_timeout: Duration::from_secs(30),
            fragment_size: 1280,
            delete_rekeyed_delay: Duration::from_secs(5),
            nonce_len: 32,
            dos: crate::cookie::DosSettings::default(),
            #[cfg(test)]
            nonce_first_byte: None,
        }
    }
}

/// `charon.retransmit_*`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Retransmit {
    /// `retransmit_timeout` (4 s): the wait before the first retransmit.
    pub timeout: Duration,
    /// `retransmit_base` (1.8): each wait is this many times the previous.
    pub base: f64,
    /// `retransmit_tries` (5): retransmits before giving up.
    pub tries: u32,
    /// `retransmit_limit` (0 = none): the longest single wait.
    pub limit: Option<Duration>,
}

impl Default for Retransmit {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(4),
            base: 1.8,
            tries: 5,
            limit: None,
        }
    }
}

impl Retransmit {
    /// How long to wait after transmission number `sent` (0 for the first
    /// send) before retransmitting, or `None` once `tries` retransmits have
    /// gone unanswered: `timeout * base^sent`, capped at `limit`.
    #[must_use]
    pub fn wait(&self, sent: u32) -> Option<Duration> {
        if sent > self.tries {
            return None;
        }
        let exponent = i32::try_from(sent).unwrap_or(i32::MAX);
        let secs = self.timeout.as_secs_f64() * self.base.powi(exponent);
        let wait = Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
        Some(self.limit.map_or(wait, |limit| wait.min(limit)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retransmits_follow_charons_default_schedule() {
        let r = Retransmit::default();
        let waits: Vec<u128> = (0..=5).map(|n| r.wait(n).unwrap().as_millis()).collect();
        // 4 s, 7.2 s, 12.96 s, 23.328 s, 41.99 s, 75.58 s: 165.5 s in all
        assert_eq!(waits, [4000, 7200, 12960, 23328, 41990, 75582]);
        assert_eq!(r.wait(6), None);
    }

    #[test]
    fn retransmit_limit_caps_each_wait() {
        let r = Retransmit {
            limit: Some(Duration::from_secs(10)),
            ..Retransmit::default()
        };
        assert_eq!(r.wait(2), Some(Duration::from_secs(10)));
        assert_eq!(r.wait(1), Some(Duration::from_millis(7200)));
    }
}
