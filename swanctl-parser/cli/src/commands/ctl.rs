//! What the control and listing commands share (strongSwan's
//! `commands/*.c` repeat it in each file): the option loop, sending the
//! request with its `<command> request failed` report, registering for
//! streamed events, and the `completed successfully` / `failed` report.

use swanctl_parser::vici::{Client, Message};

use super::Format;
use crate::command::{Ctx, atoi};
use crate::conn::{self, Req};
use crate::errno;
use crate::getopt::EOF;
use crate::out::outln;

/// Runs the option loop of command `name`: `--help` prints the usage,
/// `--raw`/`--pretty` set `format` unless `opt` takes them; `opt` gets
/// every other option and says whether it is one of the command's.
/// `Err(exit code)` when the command must end.
pub(crate) fn parse_opts(
    ctx: &mut Ctx,
    name: &str,
    mut opt: impl FnMut(u8, Vec<u8>) -> bool,
) -> Result<Format, i32> {
    let mut format = Format::default();
    loop {
        let (op, arg) = ctx.getopt();
        if op == EOF {
            return Ok(format);
        }
        match u8::try_from(op).ok() {
            Some(b'h') => return Err(ctx.usage(None)),
            Some(o) if opt(o, arg.clone().unwrap_or_default()) => {}
            Some(b'P') => {
                format.pretty = true;
                format.raw = true;
            }
            Some(b'r') => format.raw = true,
            _ => return Err(ctx.usage(Some(&format!("invalid --{name} option")))),
        }
    }
}

/// [`parse_opts`] in a command's `run`, which returns with the exit code
/// when the command must end; evaluates to the [`Format`]:
/// - `options!(ctx, "stats")`: only `--raw`/`--pretty`;
/// - `options!(ctx, "counters", |op, arg| { b'n' => name = Some(arg), ... })`:
///   a table of the command's options, by letter (`arg` is its argument,
///   empty for a flag);
/// - `options!(ctx, "initiate", closure)`: `closure` says whether an
///   option is the command's.
macro_rules! options {
    ($ctx:expr, $name:expr $(,)?) => {
        $crate::commands::ctl::options!($ctx, $name, |_, _| false)
    };
    ($ctx:expr, $name:expr, |$op:ident, $arg:ident| {
        $($opt:literal => $body:expr),+ $(,)?
    }) => {
        $crate::commands::ctl::options!($ctx, $name, |$op: u8, $arg: Vec<u8>| {
            match $op {
                $($opt => $body,)+
                _ => return false,
            }
            true
        })
    };
    ($ctx:expr, $name:expr, $opt:expr $(,)?) => {
        match $crate::commands::ctl::parse_opts($ctx, $name, $opt) {
            Ok(format) => format,
            Err(code) => return code,
        }
    };
}
pub(crate) use options;

/// The VICI connection of a command (always there for online commands).
pub(crate) fn client(ctx: &mut Ctx) -> Result<&mut Client, i32> {
    ctx.conn.as_mut().ok_or(1)
}

/// Sends `command`; on failure reports `<command> request failed: <error>`
/// and returns the errno as exit code.
pub(crate) fn request(client: &mut Client, command: &str, req: Req) -> Result<Message, i32> {
    conn::submit(client, command, req).map_err(|e| request_failed(command, e))
}

fn request_failed(command: &str, e: i32) -> i32 {
    eprintln!("{command} request failed: {}", errno::strerror(e));
    e
}

/// Registers for `event` (reporting `registering for <what> failed`), then
/// sends `command`, handing each `event` streamed before the reply to
/// `on_event`.
pub(crate) fn streamed(
    client: &mut Client,
    (event, what): (&str, &str),
    command: &str,
    req: Req,
    on_event: impl FnMut(&Message),
) -> Result<Message, i32> {
    if let Err(e) = conn::register(client, event) {
        eprintln!("registering for {what} failed: {}", errno::strerror(e));
        return Err(e);
    }
    conn::submit_streaming(client, command, req, event, on_event)
        .map_err(|e| request_failed(command, e))
}

/// The end of a command with a result reply: the dump labelled `label`
/// in raw formats (exit 0), else `<command> completed successfully` (0) or
/// `<command> failed: <errmsg>` on stderr (1).
pub(crate) fn report(res: &Message, format: Format, label: &str, command: &str) -> i32 {
    if format.raw {
        conn::dump(res, label, format.pretty);
        0
    } else {
        report_result(res, command)
    }
}

/// `<command> completed successfully` (0) or `<command> failed: <errmsg>`
/// on stderr (1).
pub(crate) fn report_result(res: &Message, command: &str) -> i32 {
    if conn::success(res) {
        outln!("{command} completed successfully");
        0
    } else {
        eprintln!("{command} failed: {}", conn::errmsg(res));
        1
    }
}

/// A `control-log` event as `--initiate`/`--terminate` print it.
pub(crate) fn control_log(format: Format, msg: &Message) {
    if format.raw {
        conn::dump(msg, "log", format.pretty);
    } else {
        let find = |key, def| crate::vici_find::find_str(msg, def, key);
        outln!("[{}] {}", find("group", "   "), find("msg", ""));
    }
}

/// The SA selectors of the control commands: `--child`, `--ike`,
/// `--child-id`, `--ike-id` (each command's option table says which of
/// them it takes).
#[derive(Default)]
pub(crate) struct Selectors {
    child: Option<Vec<u8>>,
    ike: Option<Vec<u8>>,
    child_id: i32,
    ike_id: i32,
}

impl Selectors {
    /// Takes option `op` if it is a selector.
    pub(crate) fn opt(&mut self, op: u8, arg: &[u8]) -> bool {
        match op {
            b'c' => self.child = Some(arg.to_vec()),
            b'i' => self.ike = Some(arg.to_vec()),
            b'C' => self.child_id = atoi(arg),
            b'I' => self.ike_id = atoi(arg),
            _ => return false,
        }
        true
    }

    /// Adds the given selectors to `req`: `child`, `ike`, `child-id`,
    /// `ike-id`, in this order.
    pub(crate) fn add(&self, req: &mut Req) {
        str_kv(req, "child", self.child.as_deref());
        str_kv(req, "ike", self.ike.as_deref());
        int_kv(req, "child-id", self.child_id);
        int_kv(req, "ike-id", self.ike_id);
    }
}

/// `--timeout` and `--loglevel` of the commands that stream charon's log
/// (`--initiate`, `--terminate`).
pub(crate) struct LogOpts {
    timeout: i32,
    level: i32,
}

impl Default for LogOpts {
    fn default() -> Self {
        Self {
            timeout: 0,
            level: 1,
        }
    }
}

impl LogOpts {
    /// Takes option `op` if it is `--timeout` or `--loglevel`.
    pub(crate) fn opt(&mut self, op: u8, arg: &[u8]) -> bool {
        match op {
            b't' => self.timeout = atoi(arg),
            b'l' => self.level = atoi(arg),
            _ => return false,
        }
        true
    }
}

/// Adds `timeout` (in ms) and `loglevel` to `req`, sends `command` printing
/// the `control-log` events streamed meanwhile, and reports its result.
pub(crate) fn logged(
    ctx: &mut Ctx,
    command: &str,
    mut req: Req,
    log: &LogOpts,
    format: Format,
) -> i32 {
    int_kv(&mut req, "timeout", log.timeout.wrapping_mul(1000));
    req.kv("loglevel", log.level.to_string());
    let client = match client(ctx) {
        Ok(client) => client,
        Err(code) => return code,
    };
    let on_log = |msg: &_| control_log(format, msg);
    match streamed(client, ("control-log", "log"), command, req, on_log) {
        Ok(res) => report(&res, format, &format!("{command} reply"), command),
        Err(code) => code,
    }
}

/// Sends `command` and reports its result ([`report`]).
pub(crate) fn reported(ctx: &mut Ctx, command: &str, req: Req, format: Format) -> i32 {
    simple(ctx, command, req, |res| {
        report(res, format, &format!("{command} reply"), command)
    })
}

/// `vici_add_key_valuef(req, key, "%d", n)` for a non-zero `n`.
pub(crate) fn int_kv(req: &mut Req, key: &str, n: i32) {
    if n != 0 {
        req.kv(key, n.to_string());
    }
}

/// `vici_add_key_valuef(req, key, "%s", s)` for a given `s`; the value
/// ends at a NUL as a C string does.
pub(crate) fn str_kv(req: &mut Req, key: &str, s: Option<&[u8]>) {
    if let Some(s) = s {
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        req.kv(key, &s[..end]);
    }
}

/// Sends `command` on the command's connection and hands the reply to
/// `done`, which returns the exit code.
pub(crate) fn simple(
    ctx: &mut Ctx,
    command: &str,
    req: Req,
    done: impl FnOnce(&Message) -> i32,
) -> i32 {
    match client(ctx).and_then(|c| request(c, command, req)) {
        Ok(res) => done(&res),
        Err(code) => code,
    }
}
