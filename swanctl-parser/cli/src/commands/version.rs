//! `swanctl --version` (strongSwan `version.c`). The first line is
//! strongSwan's own, `strongSwan swanctl 5.9.8`, so that scripts parsing it
//! keep working; `--daemon` asks the daemon with the `version` command.

use super::ctl;
use crate::command::{Ctx, VERSION};
use crate::conn::{self, Req};
use crate::out::outln;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let mut daemon = false;
    // strongSwan 5.9.8 says "invalid --terminate option" here
    let format = ctl::options!(ctx, "terminate", |op, _arg| {
        b'd' => daemon = true,
    });
    if !daemon {
        outln!("strongSwan swanctl {VERSION}");
        return 0;
    }
    let Some(client) = ctx.conn.as_mut() else {
        return 1;
    };
    let res = match ctl::request(client, "version", Req::new()) {
        Ok(res) => res,
        Err(code) => return code,
    };
    if format.raw {
        conn::dump(&res, "version reply", format.pretty);
    } else {
        let f = |k| conn::find_str(&res, k).unwrap_or("");
        outln!(
            "strongSwan {} {} ({}, {}, {})",
            f("version"),
            f("daemon"),
            f("sysname"),
            f("release"),
            f("machine")
        );
    }
    0
}
