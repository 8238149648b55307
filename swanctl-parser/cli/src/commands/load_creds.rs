//! `swanctl --load-creds` (strongSwan `load_creds.c`).
//!
//! Order of requests: [`clear-creds`], `get-keys`, `get-shared`, then
//! `load-cert` for every regular file of `x509/`, `x509ca/`, `x509ocsp/`,
//! `x509aa/`, `x509ac/`, `x509crl/`, `pubkey/` (file contents verbatim, in
//! directory order), `load-key` for `private/`, `rsa/`, `ecdsa/`, `bliss/`,
//! `pkcs8/` (re-encoded as strongSwan does, see [`crate::keys`], or the
//! file verbatim with the directory's type if that fails), `pkcs12/`
//! containers, `load-token` for `secrets.token*`, `load-shared` for the
//! shared secrets, and finally `unload-key`/`unload-shared` for every key
//! the daemon reported that was not loaded again.

use swanctl_parser::settings::Settings;
use swanctl_parser::vici::Client;

use super::Format;
use crate::command::Ctx;
use crate::conn::{self, Reply, Req};
use crate::dir;
use crate::errno::{self, ECONNREFUSED};
use crate::keys::{self, KeyDir, PasswordList, Passwords};
use crate::log;
use crate::out::outln;
use crate::prompt::{self, PromptPasswords};
use crate::text;

/// An insertion-ordered set of ids (strongSwan's hashtable keeps insertion
/// order; a duplicate keeps its first position).
#[derive(Debug, Default)]
struct IdSet(Vec<Vec<u8>>);

impl IdSet {
    fn put(&mut self, id: Vec<u8>) {
        if !self.0.contains(&id) {
            self.0.push(id);
        }
    }

    fn remove(&mut self, id: &[u8]) {
        self.0.retain(|i| i.as_slice() != id);
    }
}

struct LoadCtx<'a> {
    conn: &'a mut Client,
    format: Format,
    cfg: &'a Settings,
    swanctl_dir: &'a [u8],
    noprompt: bool,
    keys: IdSet,
    shared: IdSet,
}

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let opts = match super::parse_load_opts(ctx, "load-creds", true) {
        Ok(o) => o,
        Err(rc) => return rc,
    };
    let (cfg, swanctl_dir) = dir::load_swanctl_conf(opts.file.as_deref());
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    load_creds_cfg(
        conn,
        opts.format,
        &cfg,
        &swanctl_dir,
        opts.clear,
        opts.noprompt,
    )
}

/// `load_creds_cfg()`, shared with `--load-all`.
pub(crate) fn load_creds_cfg(
    conn: &mut Client,
    format: Format,
    cfg: &Settings,
    swanctl_dir: &[u8],
    clear: bool,
    noprompt: bool,
) -> i32 {
    let mut ctx = LoadCtx {
        conn,
        format,
        cfg,
        swanctl_dir,
        noprompt,
        keys: IdSet::default(),
        shared: IdSet::default(),
    };
    if clear && !clear_creds(&mut ctx) {
        return ECONNREFUSED;
    }
    get_creds(&mut ctx);

    load_certs(&mut ctx, dir::X509, "X509", Some("NONE"));
    load_certs(&mut ctx, dir::X509CA, "X509", Some("CA"));
    load_certs(&mut ctx, dir::X509OCSP, "X509", Some("OCSP"));
    load_certs(&mut ctx, dir::X509AA, "X509", Some("AA"));
    load_certs(&mut ctx, dir::X509AC, "X509_AC", None);
    load_certs(&mut ctx, dir::X509CRL, "X509_CRL", None);
    load_certs(&mut ctx, dir::PUBKEY, "PUBKEY", None);

    load_keys(&mut ctx, "private", dir::PRIVATE);
    load_keys(&mut ctx, "rsa", dir::RSA);
    load_keys(&mut ctx, "ecdsa", dir::ECDSA);
    load_keys(&mut ctx, "bliss", dir::BLISS);
    load_keys(&mut ctx, "pkcs8", dir::PKCS8);

    load_containers(&mut ctx, "pkcs12", dir::PKCS12);

    load_tokens(&mut ctx);

    for (section, _) in cfg.view("secrets").section_names() {
        load_secret(&mut ctx, section);
    }

    let keys = std::mem::take(&mut ctx.keys.0);
    for id in keys {
        unload_key(&mut ctx, "unload-key", &id);
    }
    let shared = std::mem::take(&mut ctx.shared.0);
    for id in shared {
        unload_key(&mut ctx, "unload-shared", &id);
    }
    0
}

fn clear_creds(ctx: &mut LoadCtx<'_>) -> bool {
    match conn::submit(ctx.conn, "clear-creds", Req::new()) {
        Ok(res) => {
            if ctx.format.raw {
                conn::dump(&res, "clear-creds reply", ctx.format.pretty);
            }
            true
        }
        Err(e) => {
            eprintln!("clear-creds request failed: {}", errno::strerror(e));
            false
        }
    }
}

fn get_creds(ctx: &mut LoadCtx<'_>) {
    if let Ok(res) = conn::submit(ctx.conn, "get-keys", Req::new()) {
        if ctx.format.raw {
            conn::dump(&res, "get-keys reply", ctx.format.pretty);
        }
        for id in conn::list_items(&res, "keys") {
            ctx.keys.put(id);
        }
    }
    if let Ok(res) = conn::submit(ctx.conn, "get-shared", Req::new()) {
        if ctx.format.raw {
            conn::dump(&res, "get-shared reply", ctx.format.pretty);
        }
        for id in conn::list_items(&res, "keys") {
            ctx.shared.put(id);
        }
    }
}

/// A regular file found in one of the credential directories.
struct DirFile {
    /// File name (`rel`).
    name: Vec<u8>,
    /// `<dir>/<name>`.
    path: Vec<u8>,
    data: Vec<u8>,
}

/// `enumerator_create_directory()` over `<swanctl_dir>/<sub>`: entries in
/// readdir order, regular files (after following symlinks) mapped; a
/// mapping failure is reported and skipped.
fn dir_files(swanctl_dir: &[u8], sub: &str) -> Vec<DirFile> {
    let dir = dir::join(swanctl_dir, sub.as_bytes());
    let shown = dir::show(&dir);
    let entries = match std::fs::read_dir(dir::bytes_to_path(&dir)) {
        Ok(e) => e,
        Err(e) => {
            log::dbg1(&format!(
                "opening directory '{shown}' failed: {}",
                errno::strerror(errno::of(&e))
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let Ok(entry) = entry else {
            break;
        };
        use std::os::unix::ffi::OsStrExt;
        let name = entry.file_name().as_bytes().to_vec();
        let path = dir::join(&dir, &name);
        let fs_path = dir::bytes_to_path(&path);
        let meta = match std::fs::metadata(&fs_path) {
            Ok(m) => m,
            Err(e) => {
                let not_found = matches!(errno::of(&e), 2 | 20);
                match std::fs::symlink_metadata(&fs_path) {
                    Ok(m) if not_found => m,
                    _ => {
                        log::dbg1(&format!(
                            "stat() on '{}' failed: {}",
                            dir::show(&path),
                            errno::strerror(errno::of(&e))
                        ));
                        break;
                    }
                }
            }
        };
        if !meta.file_type().is_file() {
            continue;
        }
        match crate::files::map(&path) {
            Ok(data) => out.push(DirFile { name, path, data }),
            Err(e) => eprintln!(
                "mapping '{}' failed: {}, skipped",
                dir::show(&path),
                errno::strerror(e)
            ),
        }
    }
    out
}

fn load_cert(
    ctx: &mut LoadCtx<'_>,
    path: &[u8],
    type_name: &str,
    flag: Option<&str>,
    data: Vec<u8>,
) -> bool {
    let mut req = Req::new();
    req.kv("type", type_name);
    if let Some(flag) = flag {
        req.kv("flag", flag);
    }
    req.kv("data", data);
    let what = || format!("loading '{}'", dir::show(path));
    match conn::call(ctx.conn, "load-cert", req, ctx.format, what) {
        Reply::Dumped => true,
        Reply::Failed => false,
        Reply::Accepted(_) => {
            outln!("loaded certificate from '{}'", dir::show(path));
            true
        }
    }
}

fn load_certs(ctx: &mut LoadCtx<'_>, sub: &str, type_name: &str, flag: Option<&str>) {
    for f in dir_files(ctx.swanctl_dir, sub) {
        load_cert(ctx, &f.path, type_name, flag, f.data);
    }
}

/// `load_key()`: `type` is the directory type (`private`/`pkcs8` sent as
/// `any`) or strongSwan's key type name of a parsed key.
fn load_key(ctx: &mut LoadCtx<'_>, path: &[u8], type_name: &str, data: &[u8]) -> bool {
    let mut req = Req::new();
    let sent = if type_name == "private" || type_name == "pkcs8" {
        "any"
    } else {
        type_name
    };
    req.kv("type", sent);
    req.kv("data", data);
    let what = || format!("loading '{}'", dir::show(path));
    match conn::call(ctx.conn, "load-key", req, ctx.format, what) {
        Reply::Dumped => true,
        Reply::Failed => false,
        Reply::Accepted(res) => {
            outln!("loaded {type_name} key from '{}'", dir::show(path));
            let id = conn::find_str(&res, "id").unwrap_or("");
            ctx.keys.remove(id.as_bytes());
            true
        }
    }
}

fn key_dir(type_name: &str) -> Option<KeyDir> {
    match type_name {
        "private" | "pkcs8" => Some(KeyDir::Any),
        "rsa" => Some(KeyDir::Rsa),
        "ecdsa" => Some(KeyDir::Ecdsa),
        "bliss" => Some(KeyDir::Bliss),
        _ => None,
    }
}

/// The `secret*` values of `secrets.<type>*` sections whose `file` is
/// `name` (case-insensitive).
fn config_passwords(cfg: &Settings, type_name: &str, name: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (section, _) in cfg.view("secrets").section_names() {
        if !section.starts_with(type_name) {
            continue;
        }
        let view = cfg.view(&format!("secrets.{section}"));
        let Some(file) = view.value("file") else {
            continue;
        };
        if !file.as_bytes().eq_ignore_ascii_case(name) {
            continue;
        }
        for kv in view.key_values() {
            if kv.key.starts_with("secret") {
                out.push(kv.value.clone().unwrap_or_default().into_bytes());
            }
        }
    }
    out
}

/// `load_encrypted_key()`: parse with configured secrets, else (unless
/// `--noprompt`) with prompting, and load the re-encoded key.
fn load_encrypted_key(ctx: &mut LoadCtx<'_>, f: &DirFile, type_name: &str) -> bool {
    let Some(kdir) = key_dir(type_name) else {
        return false;
    };
    let rel = dir::show(&f.name);
    let mut key = None;
    let secrets = config_passwords(ctx.cfg, type_name, &f.name);
    if !secrets.is_empty() {
        key = keys::parse(&f.data, kdir, &mut PasswordList(secrets));
        if key.is_none() {
            eprintln!("configured decryption secret for '{rel}' invalid");
        }
    }
    if key.is_none() && !ctx.noprompt {
        let mut pw = PromptPasswords::new(format!("Password for {type_name} file '{rel}': "));
        key = keys::parse(&f.data, kdir, &mut pw as &mut dyn Passwords);
    }
    let Some(key) = key else {
        return false;
    };
    let loaded = load_key(ctx, &f.path, key.type_name, &key.der);
    if !loaded {
        eprintln!("unsupported key type in '{}'", dir::show(&f.path));
    }
    loaded
}

fn load_keys(ctx: &mut LoadCtx<'_>, type_name: &str, sub: &str) {
    for f in dir_files(ctx.swanctl_dir, sub) {
        if !load_encrypted_key(ctx, &f, type_name) {
            load_key(ctx, &f.path, type_name, &f.data);
        }
    }
}

/// PKCS#12 containers: parsing them is not implemented, so every
/// container fails the way one strongSwan cannot decrypt does (same log
/// lines and prompts, nothing is sent).
fn load_containers(ctx: &mut LoadCtx<'_>, type_name: &str, sub: &str) {
    const FAILED: &str = "building CRED_CONTAINER - PKCS12 failed, tried 3 builders";
    const MAC: &str = "  MAC verification of PKCS#12 container failed";
    for f in dir_files(ctx.swanctl_dir, sub) {
        let rel = dir::show(&f.name);
        let secrets = config_passwords(ctx.cfg, type_name, &f.name);
        if !secrets.is_empty() {
            log::dbg1(MAC);
            log::dbg1(FAILED);
            eprintln!("configured decryption secret for '{rel}' invalid");
        }
        if !ctx.noprompt {
            let prompt = format!("Password for {type_name} file '{rel}': ");
            let _ = prompt::getpass(&prompt);
            log::dbg1(MAC);
            let _ = prompt::getpass(&prompt);
            log::dbg1(FAILED);
        }
    }
}

fn load_token(ctx: &mut LoadCtx<'_>, name: &str, pin: Option<Vec<u8>>) -> bool {
    let mut req = Req::new();
    for kv in ctx.cfg.view(&format!("secrets.{name}")).key_values() {
        req.kv(&kv.key, kv.value.as_deref().unwrap_or_default());
    }
    if let Some(pin) = pin {
        req.kv("pin", pin);
    }
    let what = || format!("loading '{name}'");
    match conn::call(ctx.conn, "load-token", req, ctx.format, what) {
        Reply::Dumped => true,
        Reply::Failed => false,
        Reply::Accepted(res) => {
            let id = conn::find_str(&res, "id").unwrap_or("");
            outln!("loaded key {name} from token [keyid: {id}]");
            ctx.keys.remove(id.as_bytes());
            true
        }
    }
}

fn load_tokens(ctx: &mut LoadCtx<'_>) {
    for (section, _) in ctx.cfg.view("secrets").section_names() {
        if !section.starts_with("token") {
            continue;
        }
        let mut pin = None;
        if !ctx.noprompt
            && ctx
                .cfg
                .view(&format!("secrets.{section}"))
                .value("pin")
                .is_none()
        {
            pin = prompt::getpass(&format!("PIN for {section}: "));
        }
        load_token(ctx, section, pin);
    }
}

/// Secret types by section name prefix, in strongSwan's order.
const SECRET_TYPES: [&str; 12] = [
    "eap", "xauth", "ntlm", "ike", "ppk", "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12",
    "token",
];

fn load_secret(ctx: &mut LoadCtx<'_>, section: &str) -> bool {
    let Some(type_name) = SECRET_TYPES.iter().find(|t| section.starts_with(*t)) else {
        eprintln!("ignoring unsupported secret '{section}'");
        return false;
    };
    if !matches!(*type_name, "eap" | "xauth" | "ntlm" | "ike" | "ppk") {
        return true;
    }
    let view = ctx.cfg.view(&format!("secrets.{section}"));
    let Some(value) = view.value("secret") else {
        eprintln!("missing secret in '{section}', ignored");
        return false;
    };
    let mut req = Req::new();
    req.kv("id", section);
    req.kv("type", *type_name);
    req.kv("data", text::decode_blob(value));
    let owners = view
        .key_values()
        .into_iter()
        .filter(|kv| kv.key.starts_with("id"))
        .map(|kv| kv.value.clone().unwrap_or_default().into_bytes())
        .collect();
    req.list("owners", owners);
    let what = || "loading shared secret".to_owned();
    match conn::call(ctx.conn, "load-shared", req, ctx.format, what) {
        Reply::Failed => return false,
        Reply::Dumped => {}
        Reply::Accepted(_) => outln!("loaded {type_name} secret '{section}'"),
    }
    ctx.shared.remove(section.as_bytes());
    true
}

fn unload_key(ctx: &mut LoadCtx<'_>, command: &str, id: &[u8]) -> bool {
    let mut req = Req::new();
    req.kv("id", id);
    let what = || format!("unloading key '{}'", dir::show(id));
    let reply = conn::call(ctx.conn, command, req, ctx.format, what);
    !matches!(reply, Reply::Failed)
}
