//! `swanctl --load-authorities` (strongSwan `load_authorities.c`): one
//! `load-authority` per section of `authorities`; `cacert` becomes the
//! contents of the file (relative to `x509ca/`), `crl_uris`/`ocsp_uris`
//! comma lists; authorities the daemon has but the file lacks are
//! unloaded.

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
    let opts = match super::parse_load_opts(ctx, "load-authorities", false) {
        Ok(o) => o,
        Err(rc) => return rc,
    };
    let (cfg, swanctl_dir) = dir::load_swanctl_conf(opts.file.as_deref());
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    load_authorities_cfg(conn, opts.format, &cfg, &swanctl_dir)
}

fn load_authority(
    conn: &mut Client,
    cfg: &Settings,
    swanctl_dir: &[u8],
    name: &str,
    format: Format,
) -> bool {
    let mut section = Req::new();
    for kv in cfg.view(&format!("authorities.{name}")).key_values() {
        let value = kv.value.as_deref().unwrap_or_default();
        match kv.key.as_str() {
            "cacert" => {
                let path = dir::resolve(swanctl_dir, dir::X509CA, value.as_bytes());
                match crate::files::map(&path) {
                    Ok(data) => section.kv(&kv.key, data),
                    Err(e) => {
                        eprintln!(
                            "loading ca certificate '{}' failed: {}",
                            dir::show(&path),
                            errno::strerror(e)
                        );
                        return false;
                    }
                }
            }
            "crl_uris" | "ocsp_uris" => {
                let items = text::tokens(value)
                    .into_iter()
                    .map(String::into_bytes)
                    .collect();
                section.list(&kv.key, items);
            }
            _ => section.kv(&kv.key, value),
        }
    }
    let mut req = Req::new();
    req.section(name, section);
    let res = match conn::submit(conn, "load-authority", req) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("load-authority request failed: {}", errno::strerror(e));
            return false;
        }
    };
    if format.raw {
        conn::dump(&res, "load-authority reply", format.pretty);
        true
    } else if !conn::success(&res) {
        eprintln!("loading authority '{name}' failed: {}", conn::errmsg(&res));
        false
    } else {
        outln!("loaded authority '{name}'");
        true
    }
}

fn list_authorities(conn: &mut Client, format: Format) -> Vec<Vec<u8>> {
    match conn::submit(conn, "get-authorities", Req::new()) {
        Ok(res) => {
            if format.raw {
                conn::dump(&res, "get-authorities reply", format.pretty);
            }
            conn::list_items(&res, "authorities")
        }
        Err(_) => Vec::new(),
    }
}

fn unload_authority(conn: &mut Client, name: &[u8], format: Format) -> bool {
    let mut req = Req::new();
    req.kv("name", name);
    let res = match conn::submit(conn, "unload-authority", req) {
        Ok(res) => res,
        Err(e) => {
            eprintln!("unload-authority request failed: {}", errno::strerror(e));
            return false;
        }
    };
    if format.raw {
        conn::dump(&res, "unload-authority reply", format.pretty);
    } else if !conn::success(&res) {
        eprintln!(
            "unloading authority '{}' failed: {}",
            dir::show(name),
            conn::errmsg(&res)
        );
        return false;
    }
    true
}

/// `load_authorities_cfg()`, shared with `--load-all`.
pub(crate) fn load_authorities_cfg(
    conn: &mut Client,
    format: Format,
    cfg: &Settings,
    swanctl_dir: &[u8],
) -> i32 {
    let mut authorities = list_authorities(conn, format);
    let (mut found, mut loaded, mut unloaded) = (0u32, 0u32, 0u32);
    for (name, _) in cfg.view("authorities").section_names() {
        authorities.retain(|a| a.as_slice() != name.as_bytes());
        found += 1;
        if load_authority(conn, cfg, swanctl_dir, name, format) {
            loaded += 1;
        }
    }
    for name in authorities {
        if unload_authority(conn, &name, format) {
            unloaded += 1;
        }
    }
    if format.raw {
        return 0;
    }
    if found == 0 {
        outln!("no authorities found, {unloaded} unloaded");
        return 0;
    }
    if loaded == found {
        outln!("successfully loaded {loaded} authorities, {unloaded} unloaded");
        return 0;
    }
    eprintln!(
        "loaded {loaded} of {found} authorities, {} failed to load, {unloaded} unloaded",
        found - loaded
    );
    EINVAL
}
