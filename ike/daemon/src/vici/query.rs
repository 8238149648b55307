//! `version` and `stats`, with charon's keys (`vici_query.c`). cygnetd
//! runs one thread, so the worker and queue figures describe that one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ike::crypto::Provider;
use ike::proposal::Algorithm;
use swanctl_parser::vici::Message;

/// The `version` reply: daemon, version and the kernel's uname fields.
pub(crate) fn version() -> Message {
    let read = |file: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{file}"))
            .map(|s| s.trim().to_owned())
            .ok()
    };
    let mut m = Message::new()
        .with_value("daemon", "cygnetd")
        .with_value("version", env!("CARGO_PKG_VERSION"));
    if let (Some(sysname), Some(release)) = (read("ostype"), read("osrelease")) {
        m.push_value("sysname", sysname);
        m.push_value("release", release);
        m.push_value("machine", std::env::consts::ARCH);
    }
    m
}

/// The `get-algorithms` reply: charon's sections with each algorithm of
/// the crypto provider once, by charon's name, `cygnet` as its plugin.
pub(crate) fn algorithms(p: &Provider) -> Message {
    fn section<I: IntoIterator<Item = String>>(names: I) -> Message {
        let mut m = Message::new();
        let mut seen: Vec<String> = Vec::new();
        for name in names {
            if !seen.contains(&name) {
                m.push_value(name.as_str(), "cygnet");
                seen.push(name);
            }
        }
        m
    }
    let encr = p.encr.iter().map(|e| Algorithm::Encr(e.id()).name());
    let integ = p.integ.iter().map(|i| Algorithm::Integ(i.id()).name());
    let aead = p.aead.iter().map(|a| Algorithm::Encr(a.id()).name());
    let hasher = p
        .hash
        .iter()
        .filter_map(|h| h.id().name().map(str::to_owned));
    let prf = p.prf.iter().map(|f| Algorithm::Prf(f.id()).name());
    let dh = p.ke.iter().map(|k| Algorithm::Ke(k.id()).name());
    Message::new()
        .with_section("encryption", section(encr))
        .with_section("integrity", section(integ))
        .with_section("aead", section(aead))
        .with_section("hasher", section(hasher))
        .with_section("prf", section(prf))
        .with_section("xof", Message::new())
        .with_section("kdf", Message::new())
        .with_section("drbg", Message::new())
        .with_section("dh", section(dh))
        .with_section("rng", section(["RNG_STRONG".to_owned()]))
        .with_section("nonce-gen", section(["NONCE_GEN".to_owned()]))
}

/// What `stats` reports besides the clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    pub(crate) ike_sas: usize,
    pub(crate) half_open: usize,
    /// Our counterpart of charon's plugin list.
    pub(crate) plugins: Vec<String>,
}

/// The `stats` reply, `running` the time since start.
pub(crate) fn stats(running: Duration, now: SystemTime, f: &Figures) -> Message {
    let since = now.checked_sub(running).unwrap_or(now);
    let uptime = Message::new()
        .with_value("running", time_delta(running.as_secs()))
        .with_value("since", wall_time(since));
    let prios = ["critical", "high", "medium", "low"];
    let mut active = Message::new();
    let mut queues = Message::new();
    for p in prios {
        active.push_value(p, "0");
        queues.push_value(p, "0");
    }
    let workers = Message::new()
        .with_value("total", "1")
        .with_value("idle", "1")
        .with_section("active", active);
    let ikesas = Message::new()
        .with_value("total", f.ike_sas.to_string())
        .with_value("half-open", f.half_open.to_string());
    Message::new()
        .with_section("uptime", uptime)
        .with_section("workers", workers)
        .with_section("queues", queues)
        .with_value("scheduled", "0")
        .with_section("ikesas", ikesas)
        .with_list("plugins", f.plugins.iter().map(String::as_str))
}

/// charon's `%V`: `N seconds`, or minutes, hours, days beyond twice each.
pub(crate) fn time_delta(secs: u64) -> String {
    let (n, unit) = if secs > 2 * 86_400 {
        (secs / 86_400, "day")
    } else if secs > 2 * 3600 {
        (secs / 3600, "hour")
    } else if secs > 2 * 60 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// charon's `%T` (`Mar 03 10:12:01 2025`), in UTC: the daemon reads no
/// time zone database.
pub(crate) fn wall_time(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (year, month, day) = civil(secs / 86_400);
    let tod = secs % 86_400;
    let name = MONTHS
        .get(usize::try_from(month.saturating_sub(1)).unwrap_or(0))
        .unwrap_or(&"Jan");
    format!(
        "{name} {day:02} {:02}:{:02}:{:02} {year:04}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    )
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_deltas_switch_units_beyond_twice_the_unit_as_charons() {
        assert_eq!(time_delta(1), "1 second");
        assert_eq!(time_delta(120), "120 seconds");
        assert_eq!(time_delta(121), "2 minutes");
        assert_eq!(time_delta(7201), "2 hours");
        assert_eq!(time_delta(3 * 86_400), "3 days");
    }

    #[test]
    fn wall_times_print_like_charons_t_format() {
        let t = UNIX_EPOCH + Duration::from_secs(1_709_460_721); // 2024-03-03 10:12:01
        assert_eq!(wall_time(t), "Mar 03 10:12:01 2024");
        assert_eq!(wall_time(UNIX_EPOCH), "Jan 01 00:00:00 1970");
    }

    #[test]
    fn the_stats_reply_has_every_key_swanctl_prints() {
        let f = Figures {
            ike_sas: 2,
            half_open: 1,
            plugins: vec!["vici".into()],
        };
        let m = stats(Duration::from_secs(5), SystemTime::now(), &f);
        for path in [
            &["uptime", "running"][..],
            &["uptime", "since"],
            &["workers", "total"],
            &["workers", "idle"],
            &["workers", "active", "critical"],
            &["workers", "active", "low"],
            &["queues", "medium"],
            &["scheduled"],
            &["ikesas", "total"],
            &["ikesas", "half-open"],
            &["plugins"],
        ] {
            assert!(m.find(path).is_some(), "{path:?}");
        }
        assert_eq!(
            m.find(&["uptime", "running"]),
            Some(&swanctl_parser::vici::Item::Value(b"5 seconds".to_vec()))
        );
        assert_eq!(
            m.find(&["ikesas", "half-open"]),
            Some(&swanctl_parser::vici::Item::Value(b"1".to_vec()))
        );
    }

    #[test]
    fn algorithms_are_listed_once_each_by_charons_names() {
        let m = algorithms(&ike::crypto::default_provider());
        let dump = m.vici_dump("get-algorithms reply", false);
        for expected in [
            "encryption {AES_CBC=cygnet}",
            "HMAC_SHA2_256_128=cygnet",
            "AES_GCM_16=cygnet",
            "HASH_SHA2_256=cygnet",
            "PRF_HMAC_SHA2_256=cygnet",
            "CURVE_25519=cygnet",
            "rng {RNG_STRONG=cygnet}",
        ] {
            assert!(dump.contains(expected), "{expected} not in {dump}");
        }
    }

    #[test]
    fn version_names_the_daemon_and_the_kernel() {
        let m = version();
        assert_eq!(m.get_str("daemon"), Some("cygnetd"));
        assert_eq!(m.get_str("sysname"), Some("Linux"));
        assert!(m.get_str("release").is_some());
    }
}
