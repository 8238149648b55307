//! `swanctl --load-all` (strongSwan `load_all.c`): credentials, then
//! authorities, pools and connections from one configuration, stopping at
//! the first step that fails.

use crate::command::Ctx;
use crate::dir;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let opts = match super::parse_load_opts(ctx, "load-all", true) {
        Ok(o) => o,
        Err(rc) => return rc,
    };
    let (cfg, swanctl_dir) = dir::load_swanctl_conf(opts.file.as_deref());
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    let mut ret = super::load_creds::load_creds_cfg(
        conn,
        opts.format,
        &cfg,
        &swanctl_dir,
        opts.clear,
        opts.noprompt,
    );
    if ret == 0 {
        ret = super::load_authorities::load_authorities_cfg(conn, opts.format, &cfg, &swanctl_dir);
    }
    if ret == 0 {
        ret = super::load_pools::load_pools_cfg(conn, opts.format, &cfg);
    }
    if ret == 0 {
        ret = super::load_conns::load_conns_cfg(conn, opts.format, &cfg, &swanctl_dir);
    }
    ret
}
