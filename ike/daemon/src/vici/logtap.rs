//! Log lines for VICI: a tracing layer that, while anyone listens
//! (`control-log` of a running initiate or terminate, `log`
//! registrations), keeps each line with charon's group and level for the
//! driver to forward. Bounded: the oldest lines go first.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use ike::SaHandle;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;

use crate::log::{charon_level, tag};

/// Lines kept between two flushes.
const MAX_LINES: usize = 1024;

/// One log line as VICI sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// charon's group (`IKE`, `CFG`, `ENC`...).
    pub(crate) group: &'static str,
    /// charon's level: 1 for info and above, 2 debug, 3 trace.
    pub(crate) level: u8,
    /// The IKE SA the daemon was working on, if it knew.
    pub(crate) sa: Option<SaHandle>,
    pub(crate) msg: String,
}

/// The shared buffer.
#[derive(Debug, Default)]
pub(crate) struct LogTap {
    active: AtomicBool,
    /// The IKE SA being worked on (0: none known).
    sa: AtomicU32,
    lines: Mutex<VecDeque<Line>>,
    /// A logger shows IKE SA names (`ike_name`).
    names_wanted: AtomicBool,
    /// The names of the IKE SAs, for `ike_name`.
    names: Mutex<HashMap<u32, String>>,
}

impl LogTap {
    /// Starts or stops keeping lines.
    pub(crate) fn set_active(&self, on: bool) {
        self.active.store(on, Ordering::Relaxed);
        if !on {
            self.take();
        }
    }

    /// Whether lines are kept.
    pub(crate) fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Marks the following lines as about `sa` (`None`: unknown).
    pub(crate) fn set_sa(&self, sa: Option<SaHandle>) {
        self.sa.store(sa.map_or(0, |s| s.0), Ordering::Relaxed);
    }

    /// Whether the daemon should tell which IKE SA it works on.
    pub(crate) fn wants_sa(&self) -> bool {
        self.active() || self.names_wanted.load(Ordering::Relaxed)
    }

    /// Whether a logger shows IKE SA names.
    pub(crate) fn want_names(&self, on: bool) {
        self.names_wanted.store(on, Ordering::Relaxed);
    }

    /// Names IKE SA `sa` (`None`: it is gone).
    pub(crate) fn name_sa(&self, sa: SaHandle, name: Option<&str>) {
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        match name {
            Some(n) => {
                names.entry(sa.0).or_insert_with(|| n.to_owned());
            }
            None => {
                names.remove(&sa.0);
            }
        }
    }

    /// ` <conn|n>` (` <n>` before its connection is known) for the IKE
    /// SA being worked on, as charon's `ike_name` shows it.
    pub(crate) fn current_label(&self) -> Option<String> {
        if !self.names_wanted.load(Ordering::Relaxed) {
            return None;
        }
        let sa = self.sa.load(Ordering::Relaxed);
        if sa == 0 {
            return None;
        }
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        Some(match names.get(&sa) {
            Some(name) => format!(" <{name}|{sa}>"),
            None => format!(" <{sa}>"),
        })
    }

    /// The lines kept since the last call.
    pub(crate) fn take(&self) -> Vec<Line> {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.drain(..).collect()
    }

    fn push(&self, line: Line) {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() >= MAX_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }
}

/// The layer feeding a [`LogTap`].
pub(crate) struct TapLayer(pub(crate) Arc<LogTap>);

impl<S: Subscriber> tracing_subscriber::Layer<S> for TapLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !self.0.active.load(Ordering::Relaxed) {
            return;
        }
        let meta = event.metadata();
        let level = charon_level(*meta.level());
        let mut msg = Message::default();
        event.record(&mut msg);
        let sa = self.0.sa.load(Ordering::Relaxed);
        self.0.push(Line {
            group: tag(meta.target()),
            level,
            sa: (sa != 0).then_some(SaHandle(sa)),
            msg: msg.0,
        });
    }
}

/// Collects an event's `message` field (and any other field as
/// ` key=value`, as the stderr format shows them).
#[derive(Default)]
pub(crate) struct Message(pub(crate) String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn core::fmt::Debug) {
        use core::fmt::Write as _;
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn lines_are_kept_with_group_and_level_only_while_active() {
        let tap = Arc::new(LogTap::default());
        let subscriber = tracing_subscriber::registry().with(TapLayer(Arc::clone(&tap)));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "cfg", "not kept");
            tap.set_active(true);
            tracing::info!(target: "ike", "initiating IKE_SA gw[{}]", 1);
            tap.set_sa(Some(SaHandle(7)));
            tracing::debug!(target: "ike::wire::message", "parsed");
        });
        assert_eq!(
            tap.take(),
            vec![
                Line {
                    group: "IKE",
                    level: 1,
                    sa: None,
                    msg: "initiating IKE_SA gw[1]".into()
                },
                Line {
                    group: "ENC",
                    level: 2,
                    sa: Some(SaHandle(7)),
                    msg: "parsed".into()
                },
            ]
        );
    }

    #[test]
    fn at_most_the_newest_lines_are_kept() {
        let tap = LogTap::default();
        for i in 0..MAX_LINES + 5 {
            tap.push(Line {
                group: "IKE",
                level: 1,
                sa: None,
                msg: i.to_string(),
            });
        }
        let lines = tap.take();
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines[0].msg, "5");
    }
}
