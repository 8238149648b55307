//! `swanctl --install` and `--uninstall` (strongSwan `install.c`).
//!
//! strongSwan 5.9.8 swaps the flags here: `--raw` alone only sets
//! "pretty", so it prints the normal result; `--pretty` dumps the reply
//! pretty-printed after a line with the command name.

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::out::outln;

pub(crate) fn install(ctx: &mut Ctx) -> i32 {
    manage_policy(ctx, "install")
}

pub(crate) fn uninstall(ctx: &mut Ctx) -> i32 {
    manage_policy(ctx, "uninstall")
}

fn manage_policy(ctx: &mut Ctx, label: &str) -> i32 {
    let (mut child, mut ike, mut raw) = (None, None, false);
    // its own reading of --raw/--pretty, see above
    let _ = ctl::options!(ctx, label, |op, arg| {
        b'c' => child = Some(arg),
        b'i' => ike = Some(arg),
        b'P' => raw = true,
        // sets only "pretty", which alone changes nothing
        b'r' => {},
    });
    let mut req = Req::new();
    ctl::str_kv(&mut req, "child", child.as_deref());
    ctl::str_kv(&mut req, "ike", ike.as_deref());
    ctl::simple(ctx, label, req, |res| {
        if raw {
            outln!("{label}");
            conn::dump(res, " reply", true);
            0
        } else {
            ctl::report_result(res, label)
        }
    })
}
