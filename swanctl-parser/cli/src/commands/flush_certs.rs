//! `swanctl --flush-certs` (strongSwan `flush_certs.c`): the result is
//! not checked.

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let mut kind = None;
    let format = ctl::options!(ctx, "flush-certs", |op, arg| {
        b't' => kind = Some(arg),
    });
    let mut req = Req::new();
    ctl::str_kv(&mut req, "type", kind.as_deref());
    ctl::simple(ctx, "flush-certs", req, |res| {
        if format.raw {
            conn::dump(res, "flush-certs reply", format.pretty);
        }
        0
    })
}
