//! `swanctl --reload-settings` (strongSwan `reload_settings.c`).

use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::errno;
use crate::getopt::EOF;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut raw, mut pretty) = (false, false);
    loop {
        let (op, _) = ctx.getopt();
        match u8::try_from(op).ok() {
            Some(b'h') => return ctx.usage(None),
            Some(b'P') => {
                pretty = true;
                raw = true;
            }
            Some(b'r') => raw = true,
            _ if op == EOF => break,
            _ => return ctx.usage(Some("invalid --reload-settings option")),
        }
    }
    let Some(client) = ctx.conn.as_mut() else {
        return 1;
    };
    let res = match conn::submit(client, "reload-settings", Req::new()) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("reload-settings request failed: {}", errno::strerror(e));
            return e;
        }
    };
    if raw {
        conn::dump(&res, "reload-settings reply", pretty);
    } else if !conn::success(&res) {
        eprintln!("reload-settings failed: {}", conn::errmsg(&res));
        return 1;
    }
    0
}
