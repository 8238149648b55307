//! `swanctl --load-pools` (strongSwan `load_pools.c`): one `load-pool` per
//! section of `pools`, `addrs` as a value and every other key as a comma
//! list; pools known to the daemon but not in the file are unloaded.

use swanctl_parser::settings::Settings;
use swanctl_parser::vici::Client;

use super::Format;
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::dir;
use crate::errno::{self, EINVAL};
use crate::out::outln;
use crate::text;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let opts = match super::parse_load_opts(ctx, "load-pools", false) {
        Ok(o) => o,
        Err(rc) => return rc,
    };
    let (cfg, _) = dir::load_swanctl_conf(opts.file.as_deref());
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    load_pools_cfg(conn, opts.format, &cfg)
}

fn load_pool(conn: &mut Client, cfg: &Settings, name: &str, format: Format) -> bool {
    let mut section = Req::new();
    for kv in cfg.view(&format!("pools.{name}")).key_values() {
        let value = kv.value.as_deref().unwrap_or_default();
        if kv.key == "addrs" {
            section.kv(&kv.key, value);
        } else {
            let items = text::tokens(value)
                .into_iter()
                .map(String::into_bytes)
                .collect();
            section.list(&kv.key, items);
        }
    }
    let mut req = Req::new();
    req.section(name, section);
    let res = match conn::submit(conn, "load-pool", req) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("load-pool request failed: {}", errno::strerror(e));
            return false;
        }
    };
    if format.raw {
        conn::dump(&res, "load-pool reply", format.pretty);
        true
    } else if !conn::success(&res) {
        eprintln!("loading pool '{name}' failed: {}", conn::errmsg(&res));
        false
    } else {
        outln!("loaded pool '{name}'");
        true
    }
}

fn list_pools(conn: &mut Client, format: Format) -> Vec<String> {
    match conn::submit(conn, "get-pools", Req::new()) {
        Ok(res) => {
            if format.raw {
                conn::dump(&res, "get-pools reply", format.pretty);
            }
            conn::section_names(&res)
        }
        Err(_) => Vec::new(),
    }
}

fn unload_pool(conn: &mut Client, name: &str, format: Format) -> bool {
    let mut req = Req::new();
    req.kv("name", name);
    let res = match conn::submit(conn, "unload-pool", req) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("unload-pool request failed: {}", errno::strerror(e));
            return false;
        }
    };
    if format.raw {
        conn::dump(&res, "unload-pool reply", format.pretty);
    } else if !conn::success(&res) {
        eprintln!("unloading pool '{name}' failed: {}", conn::errmsg(&res));
        return false;
    }
    true
}

/// `load_pools_cfg()`, shared with `--load-all`.
pub(crate) fn load_pools_cfg(conn: &mut Client, format: Format, cfg: &Settings) -> i32 {
    let mut pools = list_pools(conn, format);
    let (mut found, mut loaded, mut unloaded) = (0u32, 0u32, 0u32);
    for (name, _) in cfg.view("pools").section_names() {
        pools.retain(|p| p != name);
        found += 1;
        if load_pool(conn, cfg, name, format) {
            loaded += 1;
        }
    }
    for name in pools {
        if unload_pool(conn, &name, format) {
            unloaded += 1;
        }
    }
    if format.raw {
        return 0;
    }
    if found == 0 {
        outln!("no pools found, {unloaded} unloaded");
        return 0;
    }
    if loaded == found {
        outln!("successfully loaded {loaded} pools, {unloaded} unloaded");
        return 0;
    }
    eprintln!(
        "loaded {loaded} of {found} pools, {} failed to load, {unloaded} unloaded",
        found - loaded
    );
    EINVAL
}
