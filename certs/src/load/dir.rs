//! swanctl's credential directories (swanctl(8): `x509`, `x509ca`, ...,
//! `pkcs12` under e.g. /etc/swanctl): every regular file is tried, and a
//! file that fails is reported with its path and reason without stopping
//! the others.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{Loaded, MAX_BLOB, check_key_type, parse_pkcs12, parse_private_key, parse_vici};
use crate::error::{FileError, FileErrorKind, ParseError};

/// The subdirectories we read, in load order, with the VICI type of
/// their files (`private` holds any key type, `pkcs12` containers).
pub const SWANCTL_DIRS: &[(&str, &str)] = &[
    ("x509ca", "x509ca"),
    ("x509", "x509"),
    ("x509aa", "x509aa"),
    ("x509ocsp", "x509ocsp"),
    ("x509ac", "x509ac"),
    ("x509crl", "x509crl"),
    ("pubkey", "pubkey"),
    ("private", "any"),
    ("rsa", "rsa"),
    ("ecdsa", "ecdsa"),
    ("pkcs8", "pkcs8"),
    ("pkcs12", "pkcs12"),
];

/// Passphrases for encrypted files (swanctl.conf `secrets.<type><name>`
/// with `file`), asked for only when a file needs one.
pub type Passphrases<'a> = &'a dyn Fn(&Path) -> Option<Zeroizing<String>>;

/// Parses a file's contents with an optional passphrase.
type Parse<'a> = dyn Fn(Option<&str>) -> Result<Vec<Loaded>, ParseError> + 'a;

/// What a directory load did.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Files loaded and what they held (`x509`, `rsa`, ...).
    pub loaded: Vec<(PathBuf, &'static str)>,
    /// Files (or directories) that could not be loaded, and why.
    pub errors: Vec<FileError>,
}

/// Loads every file under the swanctl directories of `base`, handing each
/// credential to `sink`.
pub(crate) fn load_dir(
    base: &Path,
    passphrases: Passphrases<'_>,
    sink: &mut dyn FnMut(Loaded),
) -> LoadReport {
    let mut report = LoadReport::default();
    for &(sub, ty) in SWANCTL_DIRS {
        let dir = base.join(sub);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                report.errors.push(io_error(dir, &e));
                continue;
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
            .map(|e| e.path())
            .collect();
        files.sort();
        for path in files {
            match load_file(&path, ty, passphrases) {
                Ok(items) => {
                    items.into_iter().for_each(&mut *sink);
                    report.loaded.push((path, ty));
                }
                Err(kind) => report.errors.push(FileError { path, kind }),
            }
        }
    }
    report
}

fn io_error(path: PathBuf, e: &std::io::Error) -> FileError {
    FileError {
        path,
        kind: FileErrorKind::Io(e.to_string()),
    }
}

/// Reads at most [`MAX_BLOB`] octets (more is an error, not a truncation).
pub(crate) fn read_bounded(path: &Path) -> Result<Zeroizing<Vec<u8>>, FileErrorKind> {
    let file = fs::File::open(path).map_err(|e| FileErrorKind::Io(e.to_string()))?;
    let mut data = Zeroizing::new(Vec::new());
    file.take(MAX_BLOB as u64 + 1)
        .read_to_end(&mut data)
        .map_err(|e| FileErrorKind::Io(e.to_string()))?;
    if data.len() > MAX_BLOB {
        return Err(FileErrorKind::Parse(ParseError::TooLarge { max: MAX_BLOB }));
    }
    Ok(data)
}

pub(crate) fn load_file(
    path: &Path,
    ty: &str,
    passphrases: Passphrases<'_>,
) -> Result<Vec<Loaded>, FileErrorKind> {
    let data = read_bounded(path)?;
    let with_passphrase = |f: &Parse<'_>| match f(None) {
        Err(ParseError::PassphraseRequired) => {
            let secret = passphrases(path).ok_or(ParseError::PassphraseRequired)?;
            f(Some(secret.as_str()))
        }
        other => other,
    };
    let items = match ty {
        "pkcs12" => with_passphrase(&|p| {
            let p12 = parse_pkcs12(&data, p)?;
            let (cas, ees) = p12.certs.into_iter().partition(|c| c.is_ca());
            let mut items: Vec<Loaded> = p12.keys.into_iter().map(Loaded::PrivateKey).collect();
            items.push(Loaded::Certificates(ees));
            items.push(Loaded::Authorities(cas));
            Ok(items)
        }),
        "any" | "rsa" | "ecdsa" | "pkcs8" => with_passphrase(&|p| {
            let key = parse_private_key(&data, p)?;
            check_key_type(ty, &key)?;
            Ok(vec![Loaded::PrivateKey(key)])
        }),
        _ => parse_vici(ty, &data).map(|l| vec![l]),
    };
    items.map_err(FileErrorKind::Parse)
}
