//! `swanctl --version` (strongSwan `version.c`). The first line is
//! strongSwan's own, `strongSwan swanctl 5.9.8`, so that scripts parsing it
//! keep working; `--daemon` asks the daemon with the `version` command.

use crate::command::{Ctx, VERSION};
use crate::conn::{self, Req};
use crate::errno;
use crate::getopt::EOF;
use crate::out::outln;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut daemon, mut raw, mut pretty) = (false, false, false);
    loop {
        let (op, _) = ctx.getopt();
        match u8::try_from(op).ok() {
            Some(b'h') => return ctx.usage(None),
            Some(b'P') => {
                pretty = true;
                raw = true;
            }
            Some(b'r') => raw = true,
            Some(b'd') => daemon = true,
            _ if op == EOF => break,
            // strongSwan 5.9.8 says "--terminate" here
            _ => return ctx.usage(Some("invalid --terminate option")),
        }
    }
    if !daemon {
        outln!("strongSwan swanctl {VERSION}");
        return 0;
    }
    let Some(client) = ctx.conn.as_mut() else {
        return 1;
    };
    let res = match conn::submit(client, "version", Req::new()) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("version request failed: {}", errno::strerror(e));
            return e;
        }
    };
    if raw {
        conn::dump(&res, "version reply", pretty);
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
