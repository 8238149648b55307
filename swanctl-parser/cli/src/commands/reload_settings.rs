//! `swanctl --reload-settings` (strongSwan `reload_settings.c`).

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let format = ctl::options!(ctx, "reload-settings");
    let Some(client) = ctx.conn.as_mut() else {
        return 1;
    };
    let res = match ctl::request(client, "reload-settings", Req::new()) {
        Ok(res) => res,
        Err(code) => return code,
    };
    if format.raw {
        conn::dump(&res, "reload-settings reply", format.pretty);
    } else if !conn::success(&res) {
        eprintln!("reload-settings failed: {}", conn::errmsg(&res));
        return 1;
    }
    0
}
