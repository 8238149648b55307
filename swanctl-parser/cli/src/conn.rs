//! The libvici side of swanctl: connecting to a URI the way libstrongswan's
//! stream manager does (same log lines and errno values), building
//! requests with `vici_builder`'s limits, and submitting them.

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;

use swanctl_parser::vici::{
    Client, ClientError, DEFAULT_URI, FrameError, Item, MAX_VALUE_LEN, Message,
};

use crate::commands::Format;
use crate::errno::{self, EBADMSG, EINVAL, ENOENT};
use crate::log;

/// Longest unix socket path (`sizeof(sun_path) - 1`); longer ones are cut,
/// as strongSwan's `strncpy` does.
const SUN_PATH_MAX: usize = 107;

/// Connects like `vici_connect(uri)`; on failure the errno to report.
pub(crate) fn connect(uri: Option<&str>) -> Result<Client, i32> {
    let uri = uri.unwrap_or(DEFAULT_URI);
    if let Some(path) = uri.strip_prefix("unix://") {
        let mut path = path.as_bytes();
        if path.len() > SUN_PATH_MAX {
            path = &path[..SUN_PATH_MAX];
        }
        if let Some(nul) = path.iter().position(|&b| b == 0) {
            path = &path[..nul];
        }
        let result = if path.is_empty() {
            Err(io::Error::from_raw_os_error(EINVAL))
        } else {
            UnixStream::connect(crate::dir::bytes_to_path(path))
        };
        return result.map(Client::from_unix_stream).map_err(|e| {
            let errno = errno::of(&e);
            log::dbg1(&format!(
                "connecting to '{uri}' failed: {}",
                errno::strerror(errno)
            ));
            errno
        });
    }
    if let Some(rest) = uri.strip_prefix("tcp://") {
        let Some(addr) = parse_tcp(rest) else {
            log::dbg1(&format!("invalid stream URI: '{uri}'"));
            return Err(ENOENT);
        };
        return TcpStream::connect(addr)
            .map(Client::from_tcp_stream)
            .map_err(|e| {
                let errno = errno::of(&e);
                log::dbg1(&format!(
                    "connecting to '{uri}' failed: {}",
                    errno::strerror(errno)
                ));
                errno
            });
    }
    // No stream backend for the scheme: libvici fails with a stale errno,
    // which is ENOENT in practice.
    Err(ENOENT)
}

/// `stream_parse_uri_tcp()`: `host:port` split at the last colon,
/// `[v6]:port`, decimal port up to 65535 (empty means 0).
fn parse_tcp(rest: &str) -> Option<std::net::SocketAddr> {
    let (host, port) = rest.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = if port.is_empty() {
        0
    } else if port.bytes().all(|b| b.is_ascii_digit()) {
        port.parse().ok()?
    } else {
        return None;
    };
    (host, port).to_socket_addrs().ok()?.next()
}

/// A request under construction, with `vici_builder`'s error accounting:
/// values longer than 65535 bytes are dropped with a log line and make the
/// request fail at submission (`EINVAL`).
#[derive(Debug, Default)]
pub(crate) struct Req {
    pub(crate) msg: Message,
    errors: u32,
}

impl Req {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn fits(&mut self, len: usize) -> bool {
        if len > MAX_VALUE_LEN {
            log::dbg1(&format!(
                "vici value exceeds size limit ({len} > {MAX_VALUE_LEN})"
            ));
            self.errors += 1;
            return false;
        }
        true
    }

    /// A key/value.
    pub(crate) fn kv(&mut self, key: &str, value: impl Into<Vec<u8>>) {
        let value = value.into();
        if self.fits(value.len()) {
            self.msg.push(key, Item::Value(value));
        }
    }

    /// A list (items that are too long are left out).
    pub(crate) fn list(&mut self, key: &str, items: Vec<Vec<u8>>) {
        let mut kept = Vec::with_capacity(items.len());
        for item in items {
            if self.fits(item.len()) {
                kept.push(item);
            }
        }
        self.msg.push(key, Item::List(kept));
    }

    /// A sub-section built separately.
    pub(crate) fn section(&mut self, name: &str, sub: Self) {
        self.errors += sub.errors;
        self.msg.push(name, Item::Section(sub.msg));
    }

    /// `finalize()`: the message, or `None` after logging the errors.
    fn finalize(self) -> Option<Message> {
        if self.errors > 0 {
            log::dbg1(&format!(
                "vici builder error: {} errors (section: 0, list 0)",
                self.errors
            ));
            return None;
        }
        Some(self.msg)
    }
}

/// `vici_submit()`: sends `name` with `req` and returns the response, or
/// the errno libvici would set.
pub(crate) fn submit(conn: &mut Client, name: &str, req: Req) -> Result<Message, i32> {
    let msg = req.finalize().ok_or(EINVAL)?;
    conn.request(name, &msg).map_err(client_errno)
}

/// `vici_submit()` on a connection registered for `event` with
/// `vici_register()`: every `event` streamed before the response goes to
/// `on_event` as it arrives; other events are ignored, as libvici does.
pub(crate) fn submit_streaming(
    conn: &mut Client,
    name: &str,
    req: Req,
    event: &str,
    mut on_event: impl FnMut(&Message),
) -> Result<Message, i32> {
    let msg = req.finalize().ok_or(EINVAL)?;
    conn.request_with_events(name, &msg, |e| {
        if e.name == event {
            on_event(&e.message);
        }
    })
    .map_err(client_errno)
}

/// `vici_register(conn, event, cb, user)`: subscribes; the errno on
/// failure. `event`s that arrive before the confirmation are dropped, as
/// libvici has no callback for them yet (earlier registrations keep
/// theirs).
pub(crate) fn register(conn: &mut Client, event: &str) -> Result<(), i32> {
    let result = conn.register(event).map_err(client_errno);
    conn.discard_events(event);
    result
}

/// The errno libvici leaves for a failed exchange.
pub(crate) fn client_errno(e: ClientError) -> i32 {
    match e {
        ClientError::UnknownCommand(_) | ClientError::UnknownEvent(_) => ENOENT,
        ClientError::Encode(_) => EINVAL,
        ClientError::Frame(FrameError::Io(e)) => errno::of(&e),
        // libvici reports the errno left by the read that saw the end of
        // the stream, which is 0: "Success", and exit status 0
        ClientError::Frame(FrameError::Closed) => 0,
        _ => EBADMSG,
    }
}

/// How a request of a `--load-*` command went.
pub(crate) enum Reply {
    /// `--raw`/`--pretty`: the reply was printed; success is not checked,
    /// as swanctl does not check it either.
    Dumped,
    /// Not sent, or refused by the daemon; already reported on stderr.
    Failed,
    /// Accepted by the daemon.
    Accepted(Message),
}

/// Sends `command` as the load commands do: a transport error is reported
/// as `<command> request failed: <error>`, the reply is dumped in raw
/// formats, and a refusal is reported as `<what> failed: <errmsg>`.
pub(crate) fn call(
    conn: &mut Client,
    command: &str,
    req: Req,
    format: Format,
    what: impl FnOnce() -> String,
) -> Reply {
    let res = match submit(conn, command, req) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("{command} request failed: {}", errno::strerror(e));
            return Reply::Failed;
        }
    };
    if format.raw {
        dump(&res, &format!("{command} reply"), format.pretty);
        Reply::Dumped
    } else if !success(&res) {
        eprintln!("{} failed: {}", what(), errmsg(&res));
        Reply::Failed
    } else {
        Reply::Accepted(res)
    }
}

/// `vici_find_str(res, def, key)` for a top-level key: the value if it is
/// printable ASCII.
pub(crate) fn find_str<'a>(msg: &'a Message, key: &str) -> Option<&'a str> {
    crate::vici_find::find_opt_str(msg, key)
}

/// `streq(vici_find_str(res, "no", "success"), "yes")`.
pub(crate) fn success(msg: &Message) -> bool {
    find_str(msg, "success") == Some("yes")
}

/// `vici_find_str(res, "", "errmsg")`.
pub(crate) fn errmsg(msg: &Message) -> &str {
    find_str(msg, "errmsg").unwrap_or("")
}

/// Prints a response like `vici_dump(res, label, pretty, stdout)`.
pub(crate) fn dump(msg: &Message, label: &str, pretty: bool) {
    crate::out::print(&msg.vici_dump(label, pretty));
}

/// The strings of the top-level list `key` (`vici_parse_cb` with a list
/// callback; values are cut at the first NUL like `"%.*s"`).
pub(crate) fn list_items(msg: &Message, key: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (k, item) in msg {
        if let Item::List(items) = item
            && k == key
        {
            for v in items {
                let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
                out.push(v[..end].to_vec());
            }
        }
    }
    out
}

/// Names of the top-level sections (`vici_parse_cb` with a section
/// callback).
pub(crate) fn section_names(msg: &Message) -> Vec<String> {
    msg.iter()
        .filter(|(_, item)| matches!(item, Item::Section(_)))
        .map(|(k, _)| k.clone())
        .collect()
}
