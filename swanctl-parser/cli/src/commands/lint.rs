//! `swanctl --lint [--file F]` (Cygnet's extension): reads swanctl.conf as
//! the load commands do, validates it as charon would, and prints every
//! problem as `file:line:col: message` without contacting a daemon. Exits 1
//! if the file cannot be read or any connection, secret, authority or pool
//! would be rejected; notes and reference warnings alone exit 0.

use std::path::Path;

use swanctl_parser::config::{Blob, BlobDir, CertSource, Connection, SwanctlConfig};
use swanctl_parser::settings::Settings;

use crate::command::Ctx;
use crate::dir;
use crate::getopt::EOF;
use crate::out::outln;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let mut file = None;
    loop {
        let (op, arg) = ctx.getopt();
        match u8::try_from(op).ok() {
            Some(b'h') => return ctx.usage(None),
            Some(b'f') => file = arg,
            _ if op == EOF => break,
            _ => return ctx.usage(Some("invalid --lint option")),
        }
    }
    let file = dir::conf_file(file.as_deref());
    let path = dir::bytes_to_path(&file);
    lint(&path)
}

/// Checks the configuration at `path`; returns the exit status.
pub(crate) fn lint(path: &Path) -> i32 {
    let (result, notes) = Settings::read_file(path);
    for note in &notes {
        outln!("{}: warning: {}", note.pos, note.message);
    }
    let settings = match result {
        Ok(settings) => settings,
        Err(e) => {
            outln!("{e}");
            outln!(
                "{}: not loadable, strongSwan would load nothing",
                path.display()
            );
            return 1;
        }
    };
    for problem in settings.check_references() {
        outln!("{}", warning(&problem.to_string()));
    }
    let (config, errors) = SwanctlConfig::from_settings(&settings);
    for error in &errors {
        outln!("{error}");
    }
    let swanctl_dir = path.parent().unwrap_or(Path::new("."));
    let missing = missing_files(&config, swanctl_dir);
    for line in &missing {
        outln!("{line}");
    }
    let rejecting = errors.iter().filter(|e| e.rejects()).count() + missing.len();
    outln!(
        "{}: {} connections, {} secrets, {} authorities, {} pools; {} problems",
        path.display(),
        config.connections.len(),
        config.secrets.len(),
        config.authorities.len(),
        config.pools.len(),
        rejecting
    );
    i32::from(rejecting > 0)
}

/// `file:line:col: message` → `file:line:col: warning: message`.
fn warning(line: &str) -> String {
    match line.split_once(": ") {
        Some((pos, message)) => format!("{pos}: warning: {message}"),
        None => line.to_owned(),
    }
}

/// Certificate and key files a connection names but swanctl could not read
/// (it then fails to load the connection).
fn missing_files(config: &SwanctlConfig, swanctl_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for conn in &config.connections {
        for (round, key, blobs) in file_lists(conn) {
            for (blob, dir) in blobs {
                let Some(file) = blob.resolve(swanctl_dir, dir) else {
                    continue;
                };
                if !file.is_file() {
                    out.push(format!(
                        "{}: {}: {round}: {key} file '{}' not found, connection not loaded",
                        conn.pos,
                        conn.name,
                        file.display()
                    ));
                }
            }
        }
    }
    out
}

type FileList<'a> = (&'a str, &'static str, Vec<(&'a Blob, BlobDir)>);

fn file_lists(conn: &Connection) -> Vec<FileList<'_>> {
    let mut lists = Vec::new();
    for round in conn.local.iter().chain(&conn.remote) {
        let name = round.name.as_str();
        lists.push((name, "certs", cert_blobs(&round.certs, BlobDir::X509)));
        lists.push((name, "cacerts", cert_blobs(&round.cacerts, BlobDir::X509Ca)));
        let pubkeys = round.pubkeys.iter().map(|b| (b, BlobDir::Pubkey)).collect();
        lists.push((name, "pubkeys", pubkeys));
    }
    lists
}

fn cert_blobs(sources: &[CertSource], dir: BlobDir) -> Vec<(&Blob, BlobDir)> {
    sources
        .iter()
        .filter_map(|s| match s {
            CertSource::Blob(blob) => Some((blob, dir)),
            _ => None,
        })
        .collect()
}
