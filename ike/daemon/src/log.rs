//! Logging to stderr in charon's format: `HH:MM:SS 00[IKE] message`, the
//! subsystem tag taken from the event's target (UTC clock time: the
//! daemon reads no time zone database).

use core::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use tracing::{Event, Subscriber};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::vici::logtap::{LogTap, TapLayer};

/// Installs the stderr logger (`debug` adds charon's level-2 detail) and
/// the VICI log tap, which sees debug lines too.
pub(crate) fn init(debug: bool, tap: Arc<LogTap>) {
    let level = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::INFO
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(CharonFormat)
        .with_filter(level);
    tracing_subscriber::registry()
        .with(stderr)
        .with(TapLayer(tap).with_filter(LevelFilter::DEBUG))
        .init();
}

/// charon's `file_logger` line layout.
struct CharonFormat;

impl<S, N> FormatEvent<S, N> for CharonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let tag = tag(event.metadata().target());
        write!(writer, "{} 00[{tag}] ", clock(SystemTime::now()))?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The subsystem of a log target: our own targets are the lower-case tag
/// (`cfg`, `net`, `knl`, ...); the IKE core's modules map to IKE, ENC
/// (codec and protection) or CFG.
pub(crate) fn tag(target: &str) -> &'static str {
    const OWN: &[(&str, &str)] = &[
        ("cfg", "CFG"),
        ("net", "NET"),
        ("knl", "KNL"),
        ("esp", "ESP"),
        ("enc", "ENC"),
        ("chd", "CHD"),
        ("dmn", "DMN"),
        ("ike", "IKE"),
    ];
    if let Some((_, t)) = OWN.iter().find(|(k, _)| *k == target) {
        return t;
    }
    let module = target.split("::").nth(1).unwrap_or("");
    match (target.split("::").next(), module) {
        (Some("ike"), "wire" | "protect" | "fragment") => "ENC",
        (Some("ike"), "config") => "CFG",
        (Some("esp_install"), _) => "KNL",
        _ => "IKE",
    }
}

/// `HH:MM:SS` of `t` in UTC.
fn clock(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;

    #[test]
    fn targets_map_to_charons_subsystem_tags() {
        assert_eq!(tag("cfg"), "CFG");
        assert_eq!(tag("net"), "NET");
        assert_eq!(tag("ike::task::ike_auth"), "IKE");
        assert_eq!(tag("ike::wire::message"), "ENC");
        assert_eq!(tag("ike::fragment::reassemble"), "ENC");
        assert_eq!(tag("esp_install::recording"), "KNL");
        assert_eq!(tag("cygnetd::driver"), "IKE");
    }

    #[test]
    fn the_clock_shows_hours_minutes_and_seconds_of_the_day() {
        let t = UNIX_EPOCH + Duration::from_secs(3 * 86_400 + 8 * 3600 + 61);
        assert_eq!(clock(t), "08:01:01");
    }
}
