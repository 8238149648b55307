//! `swanctl --terminate` (strongSwan `terminate.c`): like `--initiate`,
//! with the SA selectors and `--force`.

use super::ctl;
use crate::command::Ctx;
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut sel, mut log) = (ctl::Selectors::default(), ctl::LogOpts::default());
    let mut force = false;
    let format = ctl::options!(ctx, "terminate", |op, arg| {
        if op == b'f' {
            force = true;
            return true;
        }
        sel.opt(op, &arg) || log.opt(op, &arg)
    });
    let mut req = Req::new();
    sel.add(&mut req);
    if force {
        req.kv("force", "yes");
    }
    ctl::logged(ctx, "terminate", req, &log, format)
}
