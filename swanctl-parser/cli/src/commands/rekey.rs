//! `swanctl --rekey` (strongSwan `rekey.c`).

use super::ctl;
use crate::command::Ctx;
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut sel, mut reauth) = (ctl::Selectors::default(), false);
    let format = ctl::options!(ctx, "rekey", |op, arg| {
        if op == b'a' {
            reauth = true;
            return true;
        }
        sel.opt(op, &arg)
    });
    let mut req = Req::new();
    sel.add(&mut req);
    if reauth {
        req.kv("reauth", "yes");
    }
    ctl::reported(ctx, "rekey", req, format)
}
