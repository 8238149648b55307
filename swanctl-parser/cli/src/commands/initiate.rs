//! `swanctl --initiate` (strongSwan `initiate.c`): registers for
//! `control-log`, prints the log charon streams while the request runs,
//! then the result.

use super::ctl;
use crate::command::Ctx;
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut sel, mut log) = (ctl::Selectors::default(), ctl::LogOpts::default());
    let format = ctl::options!(ctx, "initiate", |op, arg| {
        sel.opt(op, &arg) || log.opt(op, &arg)
    });
    let mut req = Req::new();
    sel.add(&mut req);
    ctl::logged(ctx, "initiate", req, &log, format)
}
