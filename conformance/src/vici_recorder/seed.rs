//! What the recorder knows before the first client connects: state as if
//! loaded earlier (so swanctl's unload paths run), requests to fail, and
//! canned replies.
//!
//! Text form, one directive per line, `#` starts a comment line:
//!
//! ```text
//! conn <name>                       # a vici connection (get-conns)
//! key <hex-id>                      # a private key (get-keys)
//! shared <id>                       # a shared secret with unique id (get-shared)
//! authority <name>                  # get-authorities
//! pool <name> <addrs>               # get-pools; addrs as in swanctl.conf
//! fail <command> <subject|*> [errmsg ...]
//! reply <command> [<hex>]           # answer <command> with this message encoding
//! event <command|-> <event> <hex>   # stream an event (see below)
//! close <command>                   # close the connection instead of answering
//! unknown-event <event>             # refuse registrations for <event>
//! ```
//!
//! An `event` is sent to a client registered for `<event>` before the
//! reply to each `<command>` request (as charon streams `control-log`
//! during `initiate` or `list-policy` during `list-policies`), or, for
//! `-` (or `register:<event>`), 200 ms after confirming its registration
//! for `<event>` (`log`, `--monitor-sa`;
//! libvici drops events that arrive before it has read the confirmation).
//! Events are sent in seed order.
//!
//! A `fail` rule makes requests of `<command>` whose subject matches answer
//! `success=no` with `errmsg` (or a charon-like default) instead of changing
//! state. The subject is the section name for `load-conn`,
//! `load-authority` and `load-pool` (each section is checked in order, as
//! charon stops at the first failing one), the `id` for `load-shared`,
//! `unload-shared` and `unload-key`, the `name` for `unload-*`, the `type`
//! for `load-cert` and `load-key`, and the `handle` for `load-token`. `*`
//! matches any subject, including none.

use std::fmt;
use std::path::Path;

use swanctl_parser::vici::Message;

/// Initial state and behaviour of a recorder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seed {
    pub conns: Vec<String>,
    pub keys: Vec<String>,
    pub shared: Vec<String>,
    pub authorities: Vec<String>,
    /// `(name, addrs)`.
    pub pools: Vec<(String, String)>,
    pub failures: Vec<Failure>,
    /// `(command, reply)`: answer `command` with exactly this message.
    pub replies: Vec<(String, Message)>,
    /// Events to stream to registered clients.
    pub events: Vec<SeedEvent>,
    /// Commands answered by closing the connection.
    pub closes: Vec<String>,
    /// Events whose registration is answered with EVENT_UNKNOWN.
    pub unknown_events: Vec<String>,
}

/// An event the recorder streams (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedEvent {
    /// The command before whose reply it is sent; `None`: right after the
    /// registration for `event` is confirmed.
    pub command: Option<String>,
    pub event: String,
    pub message: Message,
}

/// A request to answer with `success=no`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub command: String,
    /// `None` matches any subject.
    pub subject: Option<String>,
    /// `None`: a default message like charon's for that command.
    pub errmsg: Option<String>,
}

impl Failure {
    pub(crate) fn matches(&self, command: &str, subject: Option<&str>) -> bool {
        self.command == command
            && match &self.subject {
                None => true,
                Some(wanted) => subject == Some(wanted.as_str()),
            }
    }
}

/// A line of a seed file that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for SeedError {}

impl Seed {
    /// No state, no failures.
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn with_conn(mut self, name: impl Into<String>) -> Self {
        self.conns.push(name.into());
        self
    }

    #[must_use]
    pub fn with_key(mut self, id: impl Into<String>) -> Self {
        self.keys.push(id.into());
        self
    }

    #[must_use]
    pub fn with_shared(mut self, id: impl Into<String>) -> Self {
        self.shared.push(id.into());
        self
    }

    #[must_use]
    pub fn with_authority(mut self, name: impl Into<String>) -> Self {
        self.authorities.push(name.into());
        self
    }

    #[must_use]
    pub fn with_pool(mut self, name: impl Into<String>, addrs: impl Into<String>) -> Self {
        self.pools.push((name.into(), addrs.into()));
        self
    }

    /// Fails `command` for `subject` (`None`: any) with `errmsg` (`None`:
    /// charon-like default).
    #[must_use]
    pub fn failing(mut self, command: &str, subject: Option<&str>, errmsg: Option<&str>) -> Self {
        self.failures.push(Failure {
            command: command.to_owned(),
            subject: subject.map(str::to_owned),
            errmsg: errmsg.map(str::to_owned),
        });
        self
    }

    /// Answers `command` with `reply`, whatever the request.
    #[must_use]
    pub fn with_reply(mut self, command: impl Into<String>, reply: Message) -> Self {
        self.replies.push((command.into(), reply));
        self
    }

    /// Streams `event` with `message` before each reply to `command`
    /// (`None`: after confirming a registration for `event`).
    #[must_use]
    pub fn with_event(mut self, command: Option<&str>, event: &str, message: Message) -> Self {
        self.events.push(SeedEvent {
            command: command.map(str::to_owned),
            event: event.to_owned(),
            message,
        });
        self
    }

    /// Reads a seed file (format in the module doc).
    pub fn from_file(path: &Path) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|e| SeedError {
            line: 0,
            message: format!("reading '{}': {e}", path.display()),
        })?;
        Self::parse(&text)
    }

    /// Parses the text form (format in the module doc).
    pub fn parse(text: &str) -> Result<Self, SeedError> {
        let mut seed = Self::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            seed.directive(line).map_err(|message| SeedError {
                line: index + 1,
                message,
            })?;
        }
        Ok(seed)
    }

    fn directive(&mut self, line: &str) -> Result<(), String> {
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let one = |what: &str| -> Result<String, String> {
            match rest.split_whitespace().collect::<Vec<_>>()[..] {
                [value] => Ok(value.to_owned()),
                _ => Err(format!("'{word}' takes one {what}")),
            }
        };
        match word {
            "conn" => self.conns.push(one("connection name")?),
            "key" => self.keys.push(one("key id")?),
            "shared" => self.shared.push(one("shared key id")?),
            "authority" => self.authorities.push(one("authority name")?),
            "pool" => {
                let (name, addrs) = rest
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| "'pool' takes a name and addrs".to_owned())?;
                self.pools.push((name.to_owned(), addrs.trim().to_owned()));
            }
            "fail" => self.failures.push(parse_failure(rest)?),
            "reply" => {
                // an empty message has an empty encoding
                let (command, hex) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                if command.is_empty() {
                    return Err("'reply' takes a command and a hex message".to_owned());
                }
                let bytes = from_hex(hex.trim()).ok_or("'reply' message is not hex")?;
                let message = Message::decode(&bytes).map_err(|e| e.to_string())?;
                self.replies.push((command.to_owned(), message));
            }
            "close" => self.closes.push(one("command")?),
            "unknown-event" => self.unknown_events.push(one("event name")?),
            "event" => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                let [command, event, hex] = parts[..] else {
                    return Err("'event' takes a command or '-', an event and a hex message".into());
                };
                let bytes = from_hex(hex).ok_or("'event' message is not hex")?;
                let message = Message::decode(&bytes).map_err(|e| e.to_string())?;
                self.events.push(SeedEvent {
                    // `-` or `register:<event>`: after the registration
                    command: (command != "-" && !command.starts_with("register:"))
                        .then(|| command.to_owned()),
                    event: event.to_owned(),
                    message,
                });
            }
            other => return Err(format!("unknown directive '{other}'")),
        }
        Ok(())
    }
}

fn parse_failure(rest: &str) -> Result<Failure, String> {
    let mut words = rest.splitn(3, char::is_whitespace);
    let command = words
        .next()
        .filter(|c| !c.is_empty())
        .ok_or("'fail' needs a command")?;
    let subject = words.next().ok_or("'fail' needs a subject or '*'")?;
    let errmsg = words.next().map(str::trim).filter(|m| !m.is_empty());
    Ok(Failure {
        command: command.to_owned(),
        subject: (subject != "*").then(|| subject.to_owned()),
        errmsg: errmsg.map(str::to_owned),
    })
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_directive_and_skips_comments() {
        let seed = Seed::parse(
            "# existing state\n\
             conn old\n\
             key 0a1b\n\
             shared old-secret\n\
             authority oldca\n\
             pool oldpool 10.9.0.0/24\n\
             fail load-conn gw invalid value for: x, config discarded\n\
             fail load-key *\n\
             reply version 03016b000176\n\
             event initiate control-log 03016b000176\n\
             event - log 03016b000176\n\
             close stats\n\
             unknown-event log\n",
        )
        .unwrap();
        assert_eq!(seed.conns, ["old"]);
        assert_eq!(seed.keys, ["0a1b"]);
        assert_eq!(seed.shared, ["old-secret"]);
        assert_eq!(seed.authorities, ["oldca"]);
        assert_eq!(
            seed.pools,
            [("oldpool".to_owned(), "10.9.0.0/24".to_owned())]
        );
        assert_eq!(
            seed.failures,
            [
                Failure {
                    command: "load-conn".into(),
                    subject: Some("gw".into()),
                    errmsg: Some("invalid value for: x, config discarded".into()),
                },
                Failure {
                    command: "load-key".into(),
                    subject: None,
                    errmsg: None
                },
            ]
        );
        assert_eq!(
            seed.replies,
            [("version".to_owned(), Message::new().with_value("k", "v"))]
        );
        let kv = Message::new().with_value("k", "v");
        assert_eq!(
            seed.events,
            Seed::new()
                .with_event(Some("initiate"), "control-log", kv.clone())
                .with_event(None, "log", kv)
                .events
        );
        assert_eq!(seed.closes, ["stats"]);
        assert_eq!(seed.unknown_events, ["log"]);
    }

    #[test]
    fn parses_events_with_their_trigger() {
        let seed = Seed::parse(
            "event list-sas list-sa 03016b000176\n\
             event register:child-updown child-updown 03016b000176\n",
        )
        .unwrap();
        let message = Message::new().with_value("k", "v");
        assert_eq!(
            seed,
            Seed::new()
                .with_event(Some("list-sas"), "list-sa", message.clone())
                .with_event(None, "child-updown", message)
        );
        assert!(Seed::parse("event list-sas list-sa").is_err());
        assert!(Seed::parse("event list-sas list-sa 0g").is_err());
        assert!(Seed::parse("event a b 03016b000176 extra").is_err());
    }

    #[test]
    fn names_the_line_of_a_bad_directive() {
        let err = Seed::parse("conn a\n\nfrobnicate x\n").unwrap_err();
        assert_eq!(
            err,
            SeedError {
                line: 3,
                message: "unknown directive 'frobnicate'".into()
            }
        );
        assert_eq!(Seed::parse("conn a b").unwrap_err().line, 1);
        assert!(Seed::parse("reply version 0g").is_err());
        assert!(Seed::parse("event initiate control-log").is_err());
        assert_eq!(
            Seed::parse("reply list-sas").unwrap().replies,
            [("list-sas".to_owned(), Message::new())]
        );
    }
}
