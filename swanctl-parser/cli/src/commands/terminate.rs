//! `swanctl --terminate` (strongSwan `terminate.c`): like `--initiate`,
//! with the SA selectors and `--force`.

use super::ctl;
use crate::command::{Ctx, atoi};
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut child, mut ike, mut child_id, mut ike_id) = (None, None, 0, 0);
    let (mut force, mut timeout, mut level) = (false, 0, 1);
    let parsed = ctl::parse_opts(ctx, "terminate", |op, arg| {
        match op {
            b'c' => child = Some(arg),
            b'i' => ike = Some(arg),
            b'C' => child_id = atoi(&arg),
            b'I' => ike_id = atoi(&arg),
            b'f' => force = true,
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
    ctl::int_kv(&mut req, "child-id", child_id);
    ctl::int_kv(&mut req, "ike-id", ike_id);
    if force {
        req.kv("force", "yes");
    }
    ctl::int_kv(&mut req, "timeout", timeout.wrapping_mul(1000));
    req.kv("loglevel", level.to_string());
    let client = match ctl::client(ctx) {
        Ok(client) => client,
        Err(code) => return code,
    };
    let log = |msg: &_| ctl::control_log(format, msg);
    match ctl::streamed(client, ("control-log", "log"), "terminate", req, log) {
        Ok(res) => ctl::report(&res, format, "terminate reply", "terminate"),
        Err(code) => code,
    }
}
