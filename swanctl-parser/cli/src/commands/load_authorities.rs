//! `swanctl --load-authorities` (strongSwan `load_authorities.c`): one
//! `load-authority` per section of `authorities`; `cacert` becomes the
//! contents of the file (relative to `x509ca/`), `crl_uris`/`ocsp_uris`
//! comma lists; authorities the daemon has but the file lacks are
//! unloaded.

use swanctl_parser::settings::Settings;
use swanctl_parser::vici::Client;

use super::Format;
use super::sync::{Kind, sync};
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::dir;
use crate::errno;
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

/// The `load-authority` section for `authorities.<name>`; `None` if its
/// `cacert` cannot be read.
fn authority_section(cfg: &Settings, swanctl_dir: &[u8], name: &str) -> Option<Req> {
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
                        return None;
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
    Some(section)
}

const AUTHORITIES: Kind = Kind {
    section: "authorities",
    noun: "authority",
    plural: "authorities",
    get: "get-authorities",
    load: "load-authority",
    unload: "unload-authority",
    names: |res| conn::list_items(res, "authorities"),
};

/// `load_authorities_cfg()`, shared with `--load-all`.
pub(crate) fn load_authorities_cfg(
    conn: &mut Client,
    format: Format,
    cfg: &Settings,
    swanctl_dir: &[u8],
) -> i32 {
    sync(conn, &AUTHORITIES, format, cfg, |name| {
        authority_section(cfg, swanctl_dir, name)
    })
}
