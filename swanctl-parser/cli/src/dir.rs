//! The swanctl directory layout and where swanctl finds its files
//! (strongSwan 5.9.8 `swanctl.c`/`swanctl.h`): `SWANCTL_DIR` (default
//! `/etc/swanctl`; empty means the working directory) holds `swanctl.conf`;
//! after a configuration is loaded, the directory is the *dirname of the
//! file that was loaded* (so `--file /x/y.conf` makes `/x` the directory
//! of `x509/`, `rsa/`, …). Paths are byte strings joined with `/`, exactly
//! as strongSwan's `snprintf("%s%s%s")` does.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use swanctl_parser::settings::{LoadError, Pos, Section, Settings};

use crate::log;

/// Default swanctl directory (`SWANCTLDIR`).
pub(crate) const SWANCTLDIR: &str = "/etc/swanctl";
/// The configuration file name inside the directory.
pub(crate) const SWANCTL_CONF: &str = "swanctl.conf";
/// Default strongswan.conf (`STRONGSWAN_CONF`).
const STRONGSWAN_CONF: &str = "/etc/strongswan.conf";

pub(crate) const X509: &str = "x509";
pub(crate) const X509CA: &str = "x509ca";
pub(crate) const X509OCSP: &str = "x509ocsp";
pub(crate) const X509AA: &str = "x509aa";
pub(crate) const X509AC: &str = "x509ac";
pub(crate) const X509CRL: &str = "x509crl";
pub(crate) const PUBKEY: &str = "pubkey";
pub(crate) const PRIVATE: &str = "private";
pub(crate) const RSA: &str = "rsa";
pub(crate) const ECDSA: &str = "ecdsa";
pub(crate) const BLISS: &str = "bliss";
pub(crate) const PKCS8: &str = "pkcs8";
pub(crate) const PKCS12: &str = "pkcs12";

/// A byte string as a filesystem path.
pub(crate) fn bytes_to_path(b: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(b))
}

/// A byte string for messages (invalid UTF-8 replaced).
pub(crate) fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `"<a>/<b>"`.
pub(crate) fn join(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len() + b.len() + 1);
    out.extend_from_slice(a);
    out.push(b'/');
    out.extend_from_slice(b);
    out
}

/// `"<dir>/<sub>/<name>"` unless `name` is absolute (`path_absolute`).
pub(crate) fn resolve(dir: &[u8], sub: &str, name: &[u8]) -> Vec<u8> {
    if name.first() == Some(&b'/') {
        name.to_vec()
    } else {
        join(&join(dir, sub.as_bytes()), name)
    }
}

/// libstrongswan's `path_dirname()`: `"."` without a separator, `"/"`
/// handling, trailing and repeated separators skipped.
pub(crate) fn path_dirname(path: &[u8]) -> Vec<u8> {
    let last_sep = |len: usize| path[..len].iter().rposition(|&b| b == b'/');
    let mut pos = last_sep(path.len());
    if let Some(p) = pos
        && p + 1 == path.len()
    {
        let mut q = p;
        while q > 0 && path[q] == b'/' {
            q -= 1;
        }
        pos = last_sep(q + 1);
    }
    let Some(mut p) = pos else {
        return b".".to_vec();
    };
    while p > 0 && path[p] == b'/' {
        p -= 1;
    }
    path[..=p].to_vec()
}

/// The swanctl directory before any configuration is loaded.
fn initial_dir() -> Vec<u8> {
    match std::env::var_os("SWANCTL_DIR") {
        Some(d) => d.as_bytes().to_vec(),
        None => SWANCTLDIR.as_bytes().to_vec(),
    }
}

/// `file`, or `swanctl.conf` in the swanctl directory.
pub(crate) fn conf_file(file: Option<&[u8]>) -> Vec<u8> {
    match file {
        Some(f) => f.to_vec(),
        None => {
            let mut dir = initial_dir();
            if dir.is_empty() {
                dir = std::env::current_dir()
                    .map(|d| d.as_os_str().as_bytes().to_vec())
                    .unwrap_or_default();
            }
            join(&dir, SWANCTL_CONF.as_bytes())
        }
    }
}

/// An empty configuration (what strongSwan's settings object holds after a
/// failed parse).
pub(crate) fn empty_settings() -> Settings {
    Settings::from_root(Section::new("", Pos::unknown()))
}

/// `load_swanctl_conf()`: loads `file` or `<swanctl dir>/swanctl.conf`,
/// logging why it could not be read (then the configuration is empty, as
/// with strongSwan), and returns it with the swanctl directory to use.
pub(crate) fn load_swanctl_conf(file: Option<&[u8]>) -> (Settings, Vec<u8>) {
    let file = conf_file(file);
    let path = bytes_to_path(&file);
    let (result, notes) = Settings::read_file(&path);
    for note in &notes {
        log::dbg1(&note.to_string());
    }
    let settings = match result {
        Ok(s) => s,
        Err(e) => {
            report_load_error(&file, &path, &e);
            empty_settings()
        }
    };
    (settings, path_dirname(&file))
}

fn report_load_error(file: &[u8], path: &Path, e: &LoadError) {
    let name = show(file);
    match e {
        LoadError::Io { .. } => {
            if std::fs::symlink_metadata(path).is_err() {
                log::dbg1(&format!("no files found matching '{name}'"));
            }
            log::dbg1(&format!("failed to open config file '{name}'"));
        }
        other => {
            log::dbg1(&other.to_string());
            log::dbg1(&format!("invalid config file '{name}'"));
        }
    }
}

/// The VICI URI configured in strongswan.conf (`swanctl.socket`, else
/// `swanctl.plugins.vici.socket`, each falling back to the `libstrongswan`
/// section), `None` for libvici's default.
pub(crate) fn default_uri() -> Option<String> {
    let conf = std::env::var_os("STRONGSWAN_CONF")
        .map_or_else(|| PathBuf::from(STRONGSWAN_CONF), PathBuf::from);
    let settings = Settings::load_file(&conf).ok()?;
    let get = |key: &str| {
        settings
            .get(&format!("swanctl.{key}"))
            .or_else(|| settings.get(&format!("libstrongswan.{key}")))
            .and_then(|kv| kv.value.clone())
    };
    get("socket").or_else(|| get("plugins.vici.socket"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirname_like_libstrongswan() {
        let d = |p: &str| String::from_utf8(path_dirname(p.as_bytes())).unwrap();
        assert_eq!(d("swanctl.conf"), ".");
        assert_eq!(d("conf1/swanctl.conf"), "conf1");
        assert_eq!(d("/etc/swanctl/swanctl.conf"), "/etc/swanctl");
        assert_eq!(d("/etc//swanctl.conf"), "/etc");
        assert_eq!(d("/swanctl.conf"), "/");
        assert_eq!(d("/a/b/"), "/a");
        assert_eq!(d("a/"), ".");
        assert_eq!(d(""), ".");
    }

    #[test]
    fn resolves_relative_names_below_the_subdirectory() {
        assert_eq!(
            resolve(b"/etc/swanctl", X509, b"a.pem"),
            b"/etc/swanctl/x509/a.pem"
        );
        assert_eq!(resolve(b".", X509CA, b"/abs/ca.pem"), b"/abs/ca.pem");
    }
}
