//! What the streaming list commands (`--list-sas`, `--monitor-sa`,
//! `--list-conns`, `--list-certs`) share: the string table swanctl's parse
//! callbacks fill from a section, and the register / submit / dump sequence.

use std::collections::HashMap;

use swanctl_parser::vici::{Client, Item, Message};

use crate::commands::{Format, ctl};
use crate::conn::{self, Req};
use crate::errno;

use nix::sys::signal::{SigSet, Signal};

/// The values of one section as swanctl's `values`/`list` callbacks keep
/// them: printable values only, a later value replaces an earlier one and
/// list items are appended with a space.
#[derive(Debug, Default)]
pub(crate) struct Values(HashMap<String, String>);

/// `chunk_printable(chunk, NULL, ' ')` in the C locale.
pub(crate) use crate::vici_find::printable;

fn text(value: &[u8]) -> String {
    value.iter().map(|&b| char::from(b)).collect()
}

impl Values {
    /// A table holding only `name = value`.
    pub(crate) fn with(name: &str, value: &str) -> Self {
        let mut values = Self::default();
        values.0.insert(name.to_owned(), value.to_owned());
        values
    }

    /// The key/values and list items directly in `section`
    /// (`vici_parse_cb(res, NULL, values, list, table)`).
    pub(crate) fn of(section: &Message) -> Self {
        let mut values = Self::default();
        for (name, item) in section {
            values.add(name, item);
        }
        values
    }

    /// Adds one item of the section being parsed; sub-sections add nothing.
    pub(crate) fn add(&mut self, name: &str, item: &Item) {
        match item {
            Item::Value(v) if printable(v) => {
                self.0.insert(name.to_owned(), text(v));
            }
            Item::List(items) => {
                for v in items.iter().filter(|v| printable(v)) {
                    let joined = match self.0.remove(name) {
                        Some(old) => format!("{old} {}", text(v)),
                        None => text(v),
                    };
                    self.0.insert(name.to_owned(), joined);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value as C's `printf("%s")` shows it: `(null)` when absent.
    pub(crate) fn s(&self, name: &str) -> &str {
        self.get(name).unwrap_or("(null)")
    }

    /// `streq(get(name), value)`.
    pub(crate) fn is(&self, name: &str, value: &str) -> bool {
        self.get(name) == Some(value)
    }
}

/// One streaming list command: registers for `event` (reporting a failure
/// as `registering for <what> failed`), submits `command`, prints each
/// event as `text` makes it (or dumps it as `label` in raw formats) and
/// dumps the reply in raw formats. Returns the exit code.
pub(crate) fn stream(
    conn: &mut Client,
    (event, what): (&str, &str),
    label: &str,
    command: &str,
    req: Req,
    format: Format,
    mut text: impl FnMut(&Message) -> String,
) -> i32 {
    let on_event = |msg: &Message| {
        if format.raw {
            conn::dump(msg, label, format.pretty);
        } else {
            crate::out::print(&text(msg));
        }
    };
    match ctl::streamed(conn, (event, what), command, req, on_event) {
        Ok(res) => {
            if format.raw {
                conn::dump(&res, &format!("{command} reply"), format.pretty);
            }
            0
        }
        Err(code) => code,
    }
}

/// Registers for each `(event, what)` (a failure is reported as
/// `registering for <what> failed`), then hands those events to `print`
/// until SIGINT or SIGTERM (`wait_sigint()`), and says `disconnecting...`.
pub(crate) fn monitor(
    mut conn: Client,
    events: &'static [(&'static str, &'static str)],
    print: impl Fn(&str, &Message) + Send + 'static,
) -> i32 {
    for (event, what) in events {
        if let Err(e) = conn::register(&mut conn, event) {
            eprintln!("registering for {what} failed: {}", errno::strerror(e));
            return e;
        }
    }
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    // Blocked before the reader starts, so that it inherits the mask and
    // the signal is left for sigwait().
    if signals.thread_block().is_err() {
        return 1;
    }
    // On a read error the reader stops; swanctl keeps waiting for a signal.
    let reader = std::thread::Builder::new().spawn(move || {
        while let Ok(event) = conn.next_event() {
            if events.iter().any(|(name, _)| *name == event.name) {
                print(&event.name, &event.message);
            }
        }
    });
    if reader.is_err() {
        return 1;
    }
    let _ = signals.wait();
    eprintln!("disconnecting...");
    0
}

/// `print_label()`: a hex-encoded security label as text (non-printable
/// characters as `?`), nothing if it is empty.
pub(crate) fn print_label(out: &mut String, prefix: &str, hex: &str) {
    let mut encoding = crate::text::from_hex(hex.as_bytes());
    if encoding.is_empty() || encoding == [0] {
        crate::log::dbg1("invalid empty security label");
        return;
    }
    if encoding.last() != Some(&0) {
        crate::log::dbg1("adding null-terminator to security label");
        encoding.push(0);
    }
    let body = &encoding[..encoding.len() - 1];
    let label: String = body
        .iter()
        .map(|&b| if printable(&[b]) { char::from(b) } else { '?' })
        .collect();
    out.push_str(&format!("{prefix}{label}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_printable_values_and_joins_lists() {
        let msg = Message::new()
            .with_value("a", "1")
            .with_value("bin", vec![0u8, 1])
            .with_list("l", ["x", "y\n", "z"])
            .with_value("a", "2")
            .with_section("sub", Message::new().with_value("inner", "v"));
        let v = Values::of(&msg);
        assert_eq!(v.get("a"), Some("2"));
        assert_eq!(v.get("bin"), None);
        assert_eq!(v.s("bin"), "(null)");
        assert_eq!(v.get("l"), Some("x z"));
        assert_eq!(v.get("inner"), None);
        assert!(v.is("a", "2"));
    }
}
