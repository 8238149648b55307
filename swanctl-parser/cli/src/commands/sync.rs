//! The cycle shared by `--load-conns`, `--load-authorities` and
//! `--load-pools`: ask the daemon what it has, load every configured
//! section, unload what the file no longer has, print the summary.

use swanctl_parser::settings::Settings;
use swanctl_parser::vici::{Client, Message};

use super::Format;
use crate::conn::{self, Reply, Req};
use crate::dir;
use crate::errno::EINVAL;
use crate::out::outln;

/// One kind of configuration item and its VICI commands.
pub(crate) struct Kind {
    /// Top-level swanctl.conf section.
    pub(crate) section: &'static str,
    pub(crate) noun: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) get: &'static str,
    pub(crate) load: &'static str,
    pub(crate) unload: &'static str,
    /// Names in the `get` reply.
    pub(crate) names: fn(&Message) -> Vec<Vec<u8>>,
}

/// Loads every section of `kind` (each built by `build`, `None` when that
/// failed), unloads the daemon's others; returns the exit status.
pub(crate) fn sync(
    conn: &mut Client,
    kind: &Kind,
    format: Format,
    cfg: &Settings,
    mut build: impl FnMut(&str) -> Option<Req>,
) -> i32 {
    let mut known = list(conn, kind, format);
    let (mut found, mut loaded, mut unloaded) = (0u32, 0u32, 0u32);
    for (name, _) in cfg.view(kind.section).section_names() {
        known.retain(|k| k.as_slice() != name.as_bytes());
        found += 1;
        if build(name).is_some_and(|section| load(conn, kind, name, section, format)) {
            loaded += 1;
        }
    }
    for name in known {
        if unload(conn, kind, &name, format) {
            unloaded += 1;
        }
    }
    if format.raw {
        return 0;
    }
    let plural = kind.plural;
    if found == 0 {
        outln!("no {plural} found, {unloaded} unloaded");
        return 0;
    }
    if loaded == found {
        outln!("successfully loaded {loaded} {plural}, {unloaded} unloaded");
        return 0;
    }
    eprintln!(
        "loaded {loaded} of {found} {plural}, {} failed to load, {unloaded} unloaded",
        found - loaded
    );
    EINVAL
}

fn list(conn: &mut Client, kind: &Kind, format: Format) -> Vec<Vec<u8>> {
    match conn::submit(conn, kind.get, Req::new()) {
        Ok(res) => {
            if format.raw {
                conn::dump(&res, &format!("{} reply", kind.get), format.pretty);
            }
            (kind.names)(&res)
        }
        Err(_) => Vec::new(),
    }
}

fn load(conn: &mut Client, kind: &Kind, name: &str, section: Req, format: Format) -> bool {
    let mut req = Req::new();
    req.section(name, section);
    let what = || format!("loading {} '{name}'", kind.noun);
    match conn::call(conn, kind.load, req, format, what) {
        Reply::Dumped => true,
        Reply::Failed => false,
        Reply::Accepted(_) => {
            outln!("loaded {} '{name}'", kind.noun);
            true
        }
    }
}

fn unload(conn: &mut Client, kind: &Kind, name: &[u8], format: Format) -> bool {
    let mut req = Req::new();
    req.kv("name", name);
    let what = || format!("unloading {} '{}'", kind.noun, dir::show(name));
    let reply = conn::call(conn, kind.unload, req, format, what);
    !matches!(reply, Reply::Failed)
}
