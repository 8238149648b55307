//! `local`/`remote` rounds → [`LocalAuth`]/[`RemoteAuth`]: the method and
//! its constraint string, the identity (DNs as charon compares them, its
//! defaults from the round's certificate or key), and the certificates and
//! raw keys the round names, read from swanctl's folders next to
//! swanctl.conf (`x509/`, `x509ca/`, `pubkey/`), absolute paths, or inline.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use certs::identity::DnPattern;
use certs::load::{MAX_BLOB, parse_certificates, parse_public_key};
use certs::{Certificate, PublicKey};
use ike::config::{AuthClass, IdMatch, LocalAuth, Pattern, RemoteAuth, Revocation};
use ike::wire::Identification;
use ike::wire::iana::IdType;
use swanctl_parser::config::{self as sw, Blob, BlobDir, CertSource};

use super::Diag;

/// What a round's `certs`, `cacerts` and `pubkeys` hold.
#[derive(Default)]
struct Material {
    certs: Vec<Certificate>,
    cacerts: Vec<Certificate>,
    pubkeys: Vec<PublicKey>,
}

/// The first round of `local`; later rounds are not supported yet.
pub(super) fn local_auth(d: &mut Diag<'_>, rounds: &[sw::AuthRound], dir: &Path) -> LocalAuth {
    let Some(round) = first_round(d, rounds) else {
        return LocalAuth {
            class: AuthClass::PubKey,
            ..LocalAuth::default()
        };
    };
    let (class, auth) = method(d, round);
    let m = material(d, round, dir);
    let id = match &round.id {
        Some(id) if id.is_any() => None,
        Some(id) => Some(identification(id)),
        None => default_id(&m),
    };
    LocalAuth {
        id,
        class: if class == AuthClass::Any {
            AuthClass::PubKey
        } else {
            class
        },
        auth,
        certs: m.certs.iter().map(|c| c.der().to_vec()).collect(),
        pubkeys: m.pubkeys.iter().map(PublicKey::to_spki).collect(),
    }
}

/// The first round of `remote`.
pub(super) fn remote_auth(d: &mut Diag<'_>, rounds: &[sw::AuthRound], dir: &Path) -> RemoteAuth {
    let Some(round) = first_round(d, rounds) else {
        return RemoteAuth::default();
    };
    let (class, auth) = method(d, round);
    let m = material(d, round, dir);
    let id = match &round.id {
        Some(id) => id_match(id),
        None => default_id(&m).map_or(IdMatch::Any, wire_id_match),
    };
    RemoteAuth {
        id,
        class,
        auth,
        certs: m.certs.iter().map(|c| c.der().to_vec()).collect(),
        pubkeys: m.pubkeys.iter().map(PublicKey::to_spki).collect(),
        cacerts: m.cacerts.iter().map(|c| c.der().to_vec()).collect(),
        revocation: match round.revocation {
            sw::Revocation::Strict => Revocation::Strict,
            sw::Revocation::IfUri => Revocation::IfUri,
            sw::Revocation::Relaxed => Revocation::Relaxed,
        },
    }
}

fn first_round<'a>(d: &mut Diag<'_>, rounds: &'a [sw::AuthRound]) -> Option<&'a sw::AuthRound> {
    if let Some(extra) = rounds.get(1) {
        d.error(
            &extra.pos,
            Some(&extra.name),
            "multiple authentication rounds are not supported",
        );
    }
    rounds.first()
}

/// `auth`: the class, and the value as written for the credential store's
/// constraints (`pubkey`, `rsa/pss`, `ike:ecdsa-sha384`...).
fn method(d: &mut Diag<'_>, round: &sw::AuthRound) -> (AuthClass, String) {
    match &round.auth {
        None => (AuthClass::Any, String::new()),
        Some(sw::AuthMethod::Psk) => (AuthClass::Psk, "psk".to_owned()),
        Some(sw::AuthMethod::Pubkey { constraints }) => (AuthClass::PubKey, constraints.clone()),
        Some(_) => {
            d.error(
                &round.pos,
                Some(&round.name),
                "only psk and pubkey authentication are supported",
            );
            (AuthClass::Any, String::new())
        }
    }
}

/// charon's default when `id` is not set: the subject of the round's first
/// certificate, else the KEY_ID (SHA-1 of the SubjectPublicKeyInfo) of
/// its first raw key.
fn default_id(m: &Material) -> Option<Identification> {
    if let Some(cert) = m.certs.first() {
        return Some(cert.subject_id());
    }
    m.pubkeys.first().map(|key| Identification {
        ty: IdType::KEY_ID,
        data: key.spki_sha1().to_vec(),
    })
}

/// An identity as sent in an ID payload (RFC 7296 §3.5).
pub(crate) fn identification(id: &sw::Identity) -> Identification {
    Identification {
        ty: IdType(id.id_type().number()),
        data: id.data().to_vec(),
    }
}

/// `remote.id` (and secret owners): `%any`, a leading `*` wildcard on
/// names (charon's `matches_string`), a DN with `*` values or compared
/// attribute by attribute, or the identity itself.
pub(crate) fn id_match(id: &sw::Identity) -> IdMatch {
    if id.is_any() {
        return IdMatch::Any;
    }
    wire_id_match(identification(id))
}

fn wire_id_match(wire: Identification) -> IdMatch {
    let named = wire.ty == IdType::FQDN || wire.ty == IdType::RFC822_ADDR;
    if wire.ty == IdType::DER_ASN1_DN
        && let Some(pattern) = DnPattern::new(wire.data.clone())
    {
        return IdMatch::Pattern(Pattern(Arc::new(pattern)));
    }
    match wire.data.strip_prefix(b"*") {
        Some(suffix) if named => IdMatch::Suffix(wire.ty, suffix.to_vec()),
        _ => IdMatch::Exact(wire),
    }
}

/// Reads and parses the round's certificates and keys; each one that
/// cannot be used is an error at the round.
fn material(d: &mut Diag<'_>, round: &sw::AuthRound, dir: &Path) -> Material {
    let mut m = Material::default();
    let report = |d: &mut Diag<'_>, key: &str, why: String| {
        d.error(&round.pos, Some(&round.name), format!("{key}: {why}"));
    };
    for (key, sources, folder) in [
        ("certs", &round.certs, BlobDir::X509),
        ("cacerts", &round.cacerts, BlobDir::X509Ca),
    ] {
        for source in sources {
            let parsed = cert_source(source, dir, folder).and_then(|(data, shown)| {
                parse_certificates(&data).map_err(|e| format!("{shown}: {e}"))
            });
            match parsed {
                Ok(certs) if key == "certs" => m.certs.extend(certs),
                Ok(certs) => m.cacerts.extend(certs),
                Err(why) => report(d, key, why),
            }
        }
    }
    for blob in &round.pubkeys {
        let parsed = read_blob(blob, dir, BlobDir::Pubkey)
            .and_then(|(data, shown)| parse_public_key(&data).map_err(|e| format!("{shown}: {e}")));
        match parsed {
            Ok(key) => m.pubkeys.push(key),
            Err(why) => report(d, "pubkeys", why),
        }
    }
    m
}

/// The octets of a `certs`/`cacerts` entry or `cert*` section, and how
/// to name it in messages.
fn cert_source(
    source: &CertSource,
    dir: &Path,
    folder: BlobDir,
) -> Result<(Vec<u8>, String), String> {
    match source {
        CertSource::Blob(blob) => read_blob(blob, dir, folder),
        CertSource::File(path) => read_file(path),
        CertSource::Token { .. } => Err("PKCS#11 tokens are not supported".to_owned()),
    }
}

/// An inline blob, or a file relative to `<dir>/<folder>/` (swanctl's
/// rule) or absolute.
pub(crate) fn read_blob(
    blob: &Blob,
    dir: &Path,
    folder: BlobDir,
) -> Result<(Vec<u8>, String), String> {
    match blob {
        Blob::Data(data) => Ok((data.clone(), "inline data".to_owned())),
        Blob::File(path) => read_file(&blob.resolve(dir, folder).unwrap_or_else(|| path.clone())),
    }
}

/// At most [`MAX_BLOB`] octets of a file (more is an error), and how to
/// name it in messages.
pub(crate) fn read_file(path: &Path) -> Result<(Vec<u8>, String), String> {
    let shown = format!("'{}'", path.display());
    let fail = |e: std::io::Error| format!("{shown}: {e}");
    let mut data = Vec::new();
    File::open(path)
        .map_err(fail)?
        .take(MAX_BLOB as u64 + 1)
        .read_to_end(&mut data)
        .map_err(fail)?;
    if data.len() > MAX_BLOB {
        return Err(format!("{shown}: larger than {MAX_BLOB} octets"));
    }
    Ok((data, shown))
}

/// The swanctl directory of a swanctl.conf: its folder, as swanctl uses it.
pub(crate) fn swanctl_dir(conf: &Path) -> PathBuf {
    match conf.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
