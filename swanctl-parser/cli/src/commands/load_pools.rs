//! `swanctl --load-pools` (strongSwan `load_pools.c`): one `load-pool` per
//! section of `pools`, `addrs` as a value and every other key as a comma
//! list; pools known to the daemon but not in the file are unloaded.

use swanctl_parser::settings::Settings;
use swanctl_parser::vici::Client;

use super::Format;
use super::sync::{Kind, sync};
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::dir;
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

/// The `load-pool` section for `pools.<name>`.
fn pool_section(cfg: &Settings, name: &str) -> Req {
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
    section
}

/// `load_pools_cfg()`, shared with `--load-all`.
const POOLS: Kind = Kind {
    section: "pools",
    noun: "pool",
    plural: "pools",
    get: "get-pools",
    load: "load-pool",
    unload: "unload-pool",
    names: |res| {
        conn::section_names(res)
            .into_iter()
            .map(String::into_bytes)
            .collect()
    },
};

pub(crate) fn load_pools_cfg(conn: &mut Client, format: Format, cfg: &Settings) -> i32 {
    sync(conn, &POOLS, format, cfg, |name| {
        Some(pool_section(cfg, name))
    })
}
