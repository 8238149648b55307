//! Lifetime defaults, derived once here (reference §5).
//!
//! CHILD_SA (`check_lifetimes` of 5.9.8, separately for time, bytes and
//! packets): rekey = configured or 3600 s / 0 / 0; life = configured or
//! rekey × 110 / 100 (integer); rand = configured or life − min(life, rekey).
//!
//! IKE_SA: rekey defaults to 4 h only if neither rekey_time nor reauth_time
//! is set (else unset ones are 0); over_time = 10 % of max(rekey, reauth);
//! rand_time = min(over_time, base / 2) with base = min(rekey, reauth) if
//! both are set, else the one that is; then rand is capped at rekey and
//! reauth (`peer_cfg_create`).

/// Default CHILD_SA rekey time (1 h).
pub const DEFAULT_CHILD_REKEY_TIME: u64 = 3600;
/// Default IKE_SA rekey time (4 h).
pub const DEFAULT_IKE_REKEY_TIME: u32 = 4 * 3600;

/// Soft limit, hard limit and jitter of one CHILD_SA dimension.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Soft limit: rekey when reached (minus a random jitter); 0 = off.
    pub rekey: u64,
    /// Hard limit: delete when reached; 0 = off.
    pub life: u64,
    /// Maximum random value subtracted from `rekey`.
    pub rand: u64,
}

impl Limits {
    /// Applies strongSwan's defaults to the configured values.
    pub fn derive(
        rekey: Option<u64>,
        life: Option<u64>,
        rand: Option<u64>,
        default_rekey: u64,
    ) -> Self {
        let rekey = rekey.unwrap_or(default_rekey);
        let life = life.unwrap_or_else(|| {
            let v = u128::from(rekey) * 110 / 100;
            u64::try_from(v).unwrap_or(u64::MAX)
        });
        let rand = rand.unwrap_or(life - life.min(rekey));
        Self { rekey, life, rand }
    }
}

/// CHILD_SA lifetimes: time (seconds), bytes and packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildLifetime {
    pub time: Limits,
    pub bytes: Limits,
    pub packets: Limits,
}

/// The nine configured CHILD_SA lifetime values (`None` = not set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildLifetimeConfig {
    pub rekey_time: Option<u64>,
    pub life_time: Option<u64>,
    pub rand_time: Option<u64>,
    pub rekey_bytes: Option<u64>,
    pub life_bytes: Option<u64>,
    pub rand_bytes: Option<u64>,
    pub rekey_packets: Option<u64>,
    pub life_packets: Option<u64>,
    pub rand_packets: Option<u64>,
}

impl ChildLifetimeConfig {
    pub fn derive(&self) -> ChildLifetime {
        ChildLifetime {
            time: Limits::derive(
                self.rekey_time,
                self.life_time,
                self.rand_time,
                DEFAULT_CHILD_REKEY_TIME,
            ),
            bytes: Limits::derive(self.rekey_bytes, self.life_bytes, self.rand_bytes, 0),
            packets: Limits::derive(self.rekey_packets, self.life_packets, self.rand_packets, 0),
        }
    }
}

impl Default for ChildLifetime {
    fn default() -> Self {
        ChildLifetimeConfig::default().derive()
    }
}

/// IKE_SA lifetimes in seconds (0 = off).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IkeLifetime {
    pub rekey_time: u32,
    pub reauth_time: u32,
    /// Hard lifetime beyond the scheduled rekey/reauth.
    pub over_time: u32,
    /// Maximum random value subtracted from rekey/reauth.
    pub rand_time: u32,
}

/// The configured IKE_SA lifetime values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IkeLifetimeConfig {
    pub rekey_time: Option<u32>,
    pub reauth_time: Option<u32>,
    pub over_time: Option<u32>,
    pub rand_time: Option<u32>,
}

impl IkeLifetimeConfig {
    pub fn derive(&self) -> IkeLifetime {
        let (rekey, reauth) = match (self.rekey_time, self.reauth_time) {
            (None, None) => (DEFAULT_IKE_REKEY_TIME, 0),
            (rekey, reauth) => (rekey.unwrap_or(0), reauth.unwrap_or(0)),
        };
        let over = self.over_time.unwrap_or(rekey.max(reauth) / 10);
        let mut rand = self.rand_time.unwrap_or_else(|| {
            let base = if rekey != 0 && reauth != 0 {
                rekey.min(reauth)
            } else {
                rekey.max(reauth)
            };
            over.min(base / 2)
        });
        if rekey != 0 && rand > rekey {
            rand = rekey;
        }
        if reauth != 0 && rand > reauth {
            rand = reauth;
        }
        IkeLifetime {
            rekey_time: rekey,
            reauth_time: reauth,
            over_time: over,
            rand_time: rand,
        }
    }
}

impl Default for IkeLifetime {
    fn default() -> Self {
        IkeLifetimeConfig::default().derive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_defaults_are_3600_3960_360_seconds_and_no_volume_limits() {
        let l = ChildLifetime::default();
        assert_eq!(
            l.time,
            Limits {
                rekey: 3600,
                life: 3960,
                rand: 360
            }
        );
        assert_eq!(l.bytes, Limits::default());
        assert_eq!(l.packets, Limits::default());
    }

    #[test]
    fn life_is_110_percent_of_rekey_in_integer_math() {
        let l = ChildLifetimeConfig {
            rekey_time: Some(5400),
            rekey_bytes: Some(500_000_000),
            rekey_packets: Some(1_000_000),
            ..Default::default()
        }
        .derive();
        assert_eq!(
            l.time,
            Limits {
                rekey: 5400,
                life: 5940,
                rand: 540
            }
        );
        assert_eq!(
            l.bytes,
            Limits {
                rekey: 500_000_000,
                life: 550_000_000,
                rand: 50_000_000
            }
        );
        assert_eq!(
            l.packets,
            Limits {
                rekey: 1_000_000,
                life: 1_100_000,
                rand: 100_000
            }
        );
        // 19 * 110 / 100 = 20 (truncated)
        let l = ChildLifetimeConfig {
            rekey_packets: Some(19),
            ..Default::default()
        }
        .derive();
        assert_eq!(
            l.packets,
            Limits {
                rekey: 19,
                life: 20,
                rand: 1
            }
        );
    }

    #[test]
    fn only_rekey_packets_set_gives_life_packets_of_110_percent() {
        let l = ChildLifetimeConfig {
            rekey_packets: Some(1000),
            ..Default::default()
        }
        .derive();
        assert_eq!(l.packets.life, 1100);
        assert_eq!(l.packets.rand, 100);
        assert_eq!(l.time, ChildLifetime::default().time);
    }

    #[test]
    fn explicit_values_win_and_rand_follows_them() {
        let l = ChildLifetimeConfig {
            rekey_time: Some(5),
            life_time: Some(10),
            rand_time: Some(0),
            ..Default::default()
        }
        .derive();
        assert_eq!(
            l.time,
            Limits {
                rekey: 5,
                life: 10,
                rand: 0
            }
        );
        let l = ChildLifetimeConfig {
            rekey_time: Some(5),
            life_time: Some(10),
            ..Default::default()
        }
        .derive();
        assert_eq!(l.time.rand, 5);
    }

    #[test]
    fn a_lone_life_time_keeps_the_default_rekey_time_as_in_5_9_8() {
        let l = ChildLifetimeConfig {
            life_time: Some(1800),
            ..Default::default()
        }
        .derive();
        assert_eq!(
            l.time,
            Limits {
                rekey: 3600,
                life: 1800,
                rand: 0
            }
        );
    }

    #[test]
    fn huge_rekey_values_do_not_overflow() {
        let l = ChildLifetimeConfig {
            rekey_bytes: Some(u64::MAX),
            ..Default::default()
        }
        .derive();
        assert_eq!(l.bytes.life, u64::MAX);
        assert_eq!(l.bytes.rand, 0);
    }

    #[test]
    fn ike_defaults_are_14400_1440_1440() {
        assert_eq!(
            IkeLifetime::default(),
            IkeLifetime {
                rekey_time: 14400,
                reauth_time: 0,
                over_time: 1440,
                rand_time: 1440
            }
        );
    }

    #[test]
    fn reauth_only_disables_rekeying() {
        let l = IkeLifetimeConfig {
            reauth_time: Some(10800),
            ..Default::default()
        }
        .derive();
        assert_eq!(
            l,
            IkeLifetime {
                rekey_time: 0,
                reauth_time: 10800,
                over_time: 1080,
                rand_time: 1080
            }
        );
    }

    #[test]
    fn ike_rand_uses_the_smaller_base_and_half_of_it() {
        let l = IkeLifetimeConfig {
            rekey_time: Some(14400),
            reauth_time: Some(3000),
            ..Default::default()
        }
        .derive();
        // over = 1440, base = 3000 -> rand = min(1440, 1500)
        assert_eq!((l.over_time, l.rand_time), (1440, 1440));
        let l = IkeLifetimeConfig {
            rekey_time: Some(600),
            ..Default::default()
        }
        .derive();
        assert_eq!((l.over_time, l.rand_time), (60, 60));
        let l = IkeLifetimeConfig {
            rekey_time: Some(100),
            over_time: Some(1000),
            ..Default::default()
        }
        .derive();
        assert_eq!(l.rand_time, 50);
    }

    #[test]
    fn ike_rand_is_capped_at_rekey_and_reauth() {
        let l = IkeLifetimeConfig {
            rekey_time: Some(100),
            reauth_time: Some(80),
            rand_time: Some(500),
            ..Default::default()
        }
        .derive();
        assert_eq!(l.rand_time, 80);
        let l = IkeLifetimeConfig {
            rekey_time: Some(0),
            reauth_time: Some(0),
            ..Default::default()
        }
        .derive();
        assert_eq!(
            l,
            IkeLifetime {
                rekey_time: 0,
                reauth_time: 0,
                over_time: 0,
                rand_time: 0
            }
        );
    }
}
