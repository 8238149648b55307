//! Dates as libstrongswan reads and prints them: ASN.1 UTCTime and
//! GeneralizedTime, `%T` (local or UTC) and `%V` (time spans).

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `%T`: `Nov 21 11:47:23 2026` in local time, or with ` UTC ` before the
/// year when `utc`.
pub(crate) fn time(t: i64, utc: bool) -> String {
    let offset = if utc { 0 } else { local_offset(t) };
    let (y, mo, d, h, mi, s) = civil(t + offset);
    let month = MONTHS[usize::try_from(mo - 1).unwrap_or(0).min(11)];
    let sep = if utc { " UTC " } else { " " };
    format!("{month} {d:02} {h:02}:{mi:02}:{s:02}{sep}{y:04}")
}

/// Seconds east of UTC of the local time zone at `t`.
fn local_offset(t: i64) -> i64 {
    ::time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|at| ::time::UtcOffset::local_offset_at(at).ok())
        .map_or(0, |o| i64::from(o.whole_seconds()))
}

/// Year, month, day, hour, minute, second of a UNIX time (proleptic
/// Gregorian calendar).
fn civil(t: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Days since 1970-01-01 of a date (inverse of [`civil`]).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `%V`: the distance between two times in days, hours, minutes or
/// seconds, whichever first gives more than two units.
pub(crate) fn span(a: i64, b: i64) -> String {
    let mut delta = a.abs_diff(b);
    let unit = if delta > 2 * 86400 {
        delta /= 86400;
        "day"
    } else if delta > 2 * 3600 {
        delta /= 3600;
        "hour"
    } else if delta > 2 * 60 {
        delta /= 60;
        "minute"
    } else {
        "second"
    };
    format!("{delta} {unit}{}", if delta == 1 { "" } else { "s" })
}

/// An ASN.1 UTCTime (tag 0x17) or GeneralizedTime (0x18) as UNIX time
/// (`asn1_to_time`, `Z` and `+hhmm`/`-hhmm` zones).
pub(crate) fn asn1_time(tag: u8, value: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(value).ok()?;
    let (digits, zone) = match s.find(['Z', '+', '-']) {
        Some(i) => s.split_at(i),
        None => return None,
    };
    let offset = match zone.as_bytes().first() {
        Some(b'Z') => 0,
        Some(&sign) if zone.len() == 5 => {
            let h: i64 = zone.get(1..3)?.parse().ok()?;
            let m: i64 = zone.get(3..5)?.parse().ok()?;
            let o = h * 3600 + m * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = digits.get(r)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, rest) = match tag {
        0x17 => {
            let yy = num(0..2)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        0x18 => (num(0..4)?, 4),
        _ => return None,
    };
    let month = num(rest..rest + 2)?;
    let day = num(rest + 2..rest + 4)?;
    let hour = num(rest + 4..rest + 6)?;
    let min = num(rest + 6..rest + 8)?;
    let sec = if digits.len() >= rest + 10 {
        num(rest + 8..rest + 10)?
    } else {
        0
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86400 + hour * 3600 + min * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_dates_and_spans_like_the_printf_hooks() {
        assert_eq!(time(0, true), "Jan 01 00:00:00 UTC 1970");
        assert_eq!(time(1_795_000_000, true), "Nov 18 11:06:40 UTC 2026");
        assert_eq!(span(0, 59), "59 seconds");
        assert_eq!(span(0, 120), "120 seconds");
        assert_eq!(span(0, 121), "2 minutes");
        assert_eq!(span(0, 7200), "120 minutes");
        assert_eq!(span(0, 7201), "2 hours");
        assert_eq!(span(0, 86400 * 3), "3 days");
        assert_eq!(span(100, 99), "1 second");
    }

    #[test]
    fn reads_asn1_times() {
        assert_eq!(asn1_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(asn1_time(0x18, b"19700101000100Z"), Some(60));
        assert_eq!(asn1_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(asn1_time(0x18, b"19700101010000+0100"), Some(0));
        assert_eq!(asn1_time(0x18, b"garbage"), None);
    }
}
