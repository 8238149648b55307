//! `time_format` of file loggers: the strftime(3) conversions charon's
//! configurations use, in UTC (the daemon reads no time zone database).

use core::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// A civil date and time of day (UTC).
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    yday: u32,
    wday: usize,
    hour: u64,
    min: u64,
    sec: u64,
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31) (the
/// proleptic Gregorian calendar, after Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn civil(t: SystemTime) -> Civil {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (year, month, day) = civil_from_days(days);
    let yday = (days - days_from_year(year)).try_into().unwrap_or(0);
    let of_day = secs % 86_400;
    Civil {
        year,
        month,
        day,
        yday,
        wday: usize::try_from(days.rem_euclid(7)).unwrap_or(0),
        hour: of_day / 3600,
        min: of_day % 3600 / 60,
        sec: of_day % 60,
    }
}

/// Days from 1970-01-01 to January 1st of `year`.
fn days_from_year(year: i64) -> i64 {
    let y = year - 1;
    365 * (year - 1970) + (y / 4 - y / 100 + y / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400)
}

/// `format` with `%b %d %e %H %M %S %Y %y %m %j %a %T %F %D %R %%` of `t`;
/// other conversions are copied as they are.
pub(crate) fn format(format: &str, t: SystemTime) -> String {
    let c = civil(t);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let month = usize::try_from(c.month).unwrap_or(1) - 1;
        let _ = match chars.next() {
            Some('b' | 'h') => write!(out, "{}", MONTHS[month % 12]),
            Some('a') => write!(out, "{}", DAYS[c.wday % 7]),
            Some('d') => write!(out, "{:02}", c.day),
            Some('e') => write!(out, "{:2}", c.day),
            Some('H') => write!(out, "{:02}", c.hour),
            Some('M') => write!(out, "{:02}", c.min),
            Some('S') => write!(out, "{:02}", c.sec),
            Some('Y') => write!(out, "{}", c.year),
            Some('y') => write!(out, "{:02}", c.year.rem_euclid(100)),
            Some('m') => write!(out, "{:02}", c.month),
            Some('j') => write!(out, "{:03}", c.yday + 1),
            Some('T') => write!(out, "{:02}:{:02}:{:02}", c.hour, c.min, c.sec),
            Some('R') => write!(out, "{:02}:{:02}", c.hour, c.min),
            Some('F') => write!(out, "{}-{:02}-{:02}", c.year, c.month, c.day),
            Some('D') => write!(
                out,
                "{:02}/{:02}/{:02}",
                c.month,
                c.day,
                c.year.rem_euclid(100)
            ),
            Some('%') => write!(out, "%"),
            Some(other) => write!(out, "%{other}"),
            None => write!(out, "%"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;

    #[test]
    fn charons_usual_formats() {
        // 2024-02-29 13:05:09 UTC, a Thursday
        let t = UNIX_EPOCH + Duration::from_secs(1_709_211_909);
        assert_eq!(format("%b %e %T", t), "Feb 29 13:05:09");
        assert_eq!(format("%F %H:%M:%S", t), "2024-02-29 13:05:09");
        assert_eq!(format("%a %d.%m.%y %j %%", t), "Thu 29.02.24 060 %");
        assert_eq!(format("%Q", t), "%Q");
    }

    #[test]
    fn the_epoch() {
        assert_eq!(
            format("%Y-%m-%d %T %j", UNIX_EPOCH),
            "1970-01-01 00:00:00 001"
        );
    }
}
