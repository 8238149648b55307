//! Logging as charon's loggers do it: stderr (charon-systemd's journal
//! logger, `journal` levels), `filelog` files and `syslog` facilities,
//! each with a level per subsystem (-1 silent … 4 private; tracing's
//! info and above are level 1, debug 2, trace 3). A reload of
//! strongswan.conf reconfigures them ([`Logging::configure`]).
//!
//! Lines look like charon's: `HH:MM:SS 00[IKE] message` on stderr (UTC
//! clock time: the daemon reads no time zone database), `[time ]00[IKE]
//! [<conn|n> ]message` in files.

mod sinks;
mod strftime;

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use swanctl_parser::config::{CharonSettings, LogLevels, Subsystem};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::vici::logtap::{LogTap, Message, TapLayer};
use sinks::{Line, Sinks};

/// The loggers, shared by the tracing layer and the daemon (reloads).
pub(crate) struct Logging {
    sinks: Mutex<Sinks>,
    /// The highest level any logger wants (a quick filter).
    max: AtomicI32,
    tap: Arc<LogTap>,
}

impl Logging {
    /// Loggers until strongswan.conf is read: stderr at level 1 (2 with
    /// `debug`).
    fn new(debug: bool, tap: Arc<LogTap>) -> Self {
        let sinks = Sinks::stderr_only(stderr_levels(
            &LogLevels {
                default: 1,
                levels: [1; 18],
            },
            debug,
        ));
        Self {
            max: AtomicI32::new(sinks.max_level()),
            sinks: Mutex::new(sinks),
            tap,
        }
    }

    /// Applies the loggers of `settings` (`filelog`, `syslog`,
    /// `journal` for stderr); `debug` keeps stderr at level 2 at least.
    /// Files that cannot be opened are logged and left out.
    pub(crate) fn configure(&self, settings: &CharonSettings, debug: bool) {
        let mut sinks = self.sinks.lock().unwrap_or_else(PoisonError::into_inner);
        let problems = sinks.configure(settings, stderr_levels(&settings.journal, debug));
        self.max.store(sinks.max_level(), Ordering::Relaxed);
        self.tap.want_names(sinks.ike_names());
        drop(sinks);
        for p in problems {
            tracing::warn!(target: "dmn", "{p}");
        }
    }

    /// Writes out what file loggers buffered (at exit).
    pub(crate) fn flush(&self) {
        self.sinks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush();
    }

    fn log(&self, line: &Line<'_>) {
        let mut sinks = self.sinks.lock().unwrap_or_else(PoisonError::into_inner);
        sinks.write(line);
    }
}

/// The stderr levels: `journal`'s, at least 2 with `--debug`.
fn stderr_levels(journal: &LogLevels, debug: bool) -> [i32; 18] {
    let mut levels = journal.levels;
    if debug {
        for l in &mut levels {
            *l = (*l).max(2);
        }
    }
    levels
}

/// Installs the loggers (stderr until strongswan.conf configures more)
/// and the VICI log tap, which sees debug lines too.
pub(crate) fn init(debug: bool, tap: Arc<LogTap>) -> Arc<Logging> {
    let logging = Arc::new(Logging::new(debug, Arc::clone(&tap)));
    tracing_subscriber::registry()
        .with(CharonLayer(Arc::clone(&logging)))
        .with(TapLayer(tap).with_filter(LevelFilter::DEBUG))
        .init();
    logging
}

/// charon's level of a tracing level: 1 for info and above, 2 debug, 3
/// trace.
pub(crate) fn charon_level(level: Level) -> u8 {
    match level {
        Level::TRACE => 3,
        Level::DEBUG => 2,
        _ => 1,
    }
}

/// The tracing layer writing to the loggers.
pub(crate) struct CharonLayer(pub(crate) Arc<Logging>);

impl<S: Subscriber> tracing_subscriber::Layer<S> for CharonLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = charon_level(*meta.level());
        if i32::from(level) > self.0.max.load(Ordering::Relaxed) {
            return;
        }
        let mut msg = Message::default();
        event.record(&mut msg);
        let group = tag(meta.target());
        let line = Line {
            group,
            subsystem: subsystem(group),
            level,
            sa: self.0.tap.current_label(),
            msg: &msg.0,
        };
        self.0.log(&line);
    }
}

/// The [`Subsystem`] of a tag (IKE for our own that charon lacks).
fn subsystem(tag: &str) -> usize {
    Subsystem::ALL
        .iter()
        .position(|s| s.key().eq_ignore_ascii_case(tag))
        .unwrap_or(Subsystem::Ike as usize)
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
        ("mgr", "MGR"),
        ("lib", "LIB"),
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
mod tests;
