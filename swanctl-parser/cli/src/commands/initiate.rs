//! `swanctl --initiate` (strongSwan `initiate.c`): registers for
//! `control-log`, prints the log charon streams while the request runs,
//! then the result.

use super::ctl;
use crate::command::{Ctx, atoi};
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut child, mut ike, mut timeout, mut level) = (None, None, 0, 1);
    let parsed = ctl::parse_opts(ctx, "initiate", |op, arg| {
        match op {
            b'c' => child = Some(arg),
            b'i' => ike = Some(arg),
            b't' => timeout = atoi(&arg),
            b'l' => level = atoi(&arg),
            _ => return false,
        }
        true
    });
    let format = match parsed {
        Ok(format) => format,
        Err(code) => return code,
    };
    let mut req = Req::new();
    ctl::str_kv(&mut req, "child", child.as_deref());
    ctl::str_kv(&mut req, "ike", ike.as_deref());
    ctl::int_kv(&mut req, "timeout", timeout.wrapping_mul(1000));
    req.kv("loglevel", level.to_string());
    let client = match ctl::client(ctx) {
        Ok(client) => client,
        Err(code) => return code,
    };
    let log = |msg: &_| ctl::control_log(format, msg);
    match ctl::streamed(client, ("control-log", "log"), "initiate", req, log) {
        Ok(res) => ctl::report(&res, format, "initiate reply", "initiate"),
        Err(code) => code,
    }
}
