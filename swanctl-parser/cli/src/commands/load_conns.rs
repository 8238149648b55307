//! `swanctl --load-conns` (strongSwan `load_conns.c`): every section of
//! `connections` becomes one `load-conn` request carrying the section tree
//! verbatim (list keys split on commas, certificate keys replaced by file
//! contents); connections the daemon has from VICI but the file lacks are
//! unloaded.

use swanctl_parser::config::{CONN_FILE_LIST_KEYS, CONN_LIST_KEYS};
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
    let opts = match super::parse_load_opts(ctx, "load-conns", false) {
        Ok(o) => o,
        Err(rc) => return rc,
    };
    let (cfg, swanctl_dir) = dir::load_swanctl_conf(opts.file.as_deref());
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    load_conns_cfg(conn, opts.format, &cfg, &swanctl_dir)
}

/// A file list item: `0x`/`0s` literals decoded, else the file's contents
/// (relative names below `x509/`, `x509ca/` or `pubkey/`).
fn add_file_list_key(req: &mut Req, swanctl_dir: &[u8], key: &str, value: &str) -> bool {
    let mut items = Vec::new();
    let mut ok = true;
    for token in text::tokens(value) {
        let t = token.as_bytes();
        if t.len() >= 2
            && t[0] == b'0'
            && (t[1] == b'x' || t[1] == b'X' || t[1] == b's' || t[1] == b'S')
        {
            items.push(text::decode_blob(&token));
            continue;
        }
        let sub = match key {
            "certs" => Some(dir::X509),
            "cacerts" => Some(dir::X509CA),
            "pubkeys" => Some(dir::PUBKEY),
            _ => None,
        };
        let path = match sub {
            Some(sub) => dir::resolve(swanctl_dir, sub, t),
            None => t.to_vec(),
        };
        match crate::files::map(&path) {
            Ok(data) => items.push(data),
            Err(e) => {
                eprintln!(
                    "loading {key} certificate '{}' failed: {}",
                    dir::show(&path),
                    errno::strerror(e)
                );
                ok = false;
                break;
            }
        }
    }
    req.list(key, items);
    ok
}

/// `add_key_values()` for the section at `path`.
fn add_key_values(req: &mut Req, cfg: &Settings, swanctl_dir: &[u8], path: &str) -> bool {
    for kv in cfg.view(path).key_values() {
        let value = kv.value.as_deref().unwrap_or_default();
        let key = kv.key.as_str();
        if CONN_LIST_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            let items = text::tokens(value)
                .into_iter()
                .map(String::into_bytes)
                .collect();
            req.list(key, items);
        } else if CONN_FILE_LIST_KEYS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
        {
            if !add_file_list_key(req, swanctl_dir, key, value) {
                return false;
            }
        } else {
            req.kv(key, value);
        }
    }
    true
}

/// `add_sections()`: the sub-sections of `path`, recursively.
fn add_sections(req: &mut Req, cfg: &Settings, swanctl_dir: &[u8], path: &str) -> bool {
    for (name, _) in cfg.view(path).section_names() {
        let sub_path = format!("{path}.{name}");
        let mut sub = Req::new();
        if !add_key_values(&mut sub, cfg, swanctl_dir, &sub_path)
            || !add_sections(&mut sub, cfg, swanctl_dir, &sub_path)
        {
            return false;
        }
        req.section(name, sub);
    }
    true
}

/// The `load-conn` section for `connections.<name>`; `None` if a file it
/// names cannot be read.
fn conn_section(cfg: &Settings, swanctl_dir: &[u8], name: &str) -> Option<Req> {
    let path = format!("connections.{name}");
    let mut section = Req::new();
    if !add_key_values(&mut section, cfg, swanctl_dir, &path)
        || !add_sections(&mut section, cfg, swanctl_dir, &path)
    {
        return None;
    }
    Some(section)
}

const CONNECTIONS: Kind = Kind {
    section: "connections",
    noun: "connection",
    plural: "connections",
    get: "get-conns",
    load: "load-conn",
    unload: "unload-conn",
    names: |res| conn::list_items(res, "conns"),
};

/// `load_conns_cfg()`, shared with `--load-all`.
pub(crate) fn load_conns_cfg(
    conn: &mut Client,
    format: Format,
    cfg: &Settings,
    swanctl_dir: &[u8],
) -> i32 {
    sync(conn, &CONNECTIONS, format, cfg, |name| {
        conn_section(cfg, swanctl_dir, name)
    })
}
