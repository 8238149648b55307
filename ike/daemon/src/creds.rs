//! The daemon's one [`CredentialStore`]: swanctl's credential folders in
//! the swanctl directory (each bad file reported, the others loaded),
//! `authorities`, and `secrets`: IKE shared keys and the passphrases of
//! encrypted private keys (`secrets.<folder>*` whose `file` names the
//! file, as swanctl matches them).

use std::path::Path;

use certs::identity::id_text;
use certs::load::parse_certificates;
use certs::{CredentialStore, FileError};
use ike::config::IdMatch;
use ike::crypto::Secret;
use swanctl_parser::config::{self as sw, BlobDir, CaCertSource, SecretKind, SecretType};
use zeroize::Zeroizing;

use crate::config::{ConvError, id_match, read_blob, read_file};

/// The store, and the credential files that could not be loaded (the
/// others are in the store).
pub(crate) struct Loaded {
    pub(crate) store: CredentialStore,
    pub(crate) bad_files: Vec<FileError>,
    /// The `authorities` loaded.
    pub(crate) authorities: Vec<LoadedAuthority>,
}

/// An authority as VICI `list-authorities` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LoadedAuthority {
    pub(crate) name: String,
    /// The subject DN of its CA certificate.
    pub(crate) subject: String,
    pub(crate) crl_uris: Vec<String>,
    pub(crate) ocsp_uris: Vec<String>,
    pub(crate) cert_uri_base: Option<String>,
    /// The DER of its CA certificates.
    pub(crate) certs: Vec<Vec<u8>>,
}

/// Fills a store from `dir` and `config`.
///
/// # Errors
/// Authorities whose certificate cannot be used, at their position.
pub(crate) fn load(
    dir: &Path,
    config: &sw::SwanctlConfig,
    rsa_pss: bool,
) -> Result<Loaded, Vec<ConvError>> {
    let mut store = CredentialStore::new().with_rsa_pss(rsa_pss);
    let report = store.load_dir(dir, &|path| passphrase(&config.secrets, path));
    for (path, ty) in &report.loaded {
        tracing::info!(target: "cfg", "loaded {ty} from '{}'", path.display());
    }
    let mut authorities = Vec::new();
    let mut errors = Vec::new();
    for a in &config.authorities {
        match authority(&mut store, a, dir) {
            Ok(loaded) => authorities.push(loaded),
            Err(e) => errors.push(e),
        }
    }
    shared_keys(&mut store, &config.secrets);
    if errors.is_empty() {
        Ok(Loaded {
            store,
            bad_files: report.errors,
            authorities,
        })
    } else {
        Err(errors)
    }
}

/// The first `secret*` of the `secrets.<folder>*` section whose `file` is
/// the file's name (case-insensitive), for an encrypted key in `<folder>/`.
fn passphrase(secrets: &[sw::Secret], path: &Path) -> Option<Zeroizing<String>> {
    let folder = path.parent()?.file_name()?.to_str()?;
    let name = path.file_name()?.to_str()?;
    secrets.iter().find_map(|s| match &s.kind {
        SecretKind::KeyPassphrase {
            file: Some(file),
            secrets,
        } if s.secret_type.as_str() == folder && file.eq_ignore_ascii_case(name) => {
            let first = secrets.first()?;
            Some(Zeroizing::new(
                String::from_utf8_lossy(first.expose()).into_owned(),
            ))
        }
        _ => None,
    })
}

/// `authorities.<name>`: its CA certificate becomes a trust anchor (CRL
/// and OCSP URIs are not fetched).
pub(crate) fn authority(
    store: &mut CredentialStore,
    a: &sw::Authority,
    dir: &Path,
) -> Result<LoadedAuthority, ConvError> {
    let fail = |message: String| ConvError {
        pos: a.pos.clone(),
        scope: format!("authority {}", a.name),
        message,
    };
    let (data, shown) = match &a.cert {
        CaCertSource::CaCert(blob) => read_blob(blob, dir, BlobDir::X509Ca),
        CaCertSource::File(path) => read_file(path),
        CaCertSource::Token { .. } => Err("PKCS#11 tokens are not supported".to_owned()),
    }
    .map_err(fail)?;
    let certs = parse_certificates(&data).map_err(|e| fail(format!("{shown}: {e}")))?;
    let subject = certs
        .first()
        .map(certs::Certificate::subject_text)
        .unwrap_or_default();
    let ders = certs.iter().map(|c| c.der().to_vec()).collect();
    for cert in certs {
        tracing::info!(target: "cfg", "loaded authority '{}': \"{}\"", a.name, cert.subject_text());
        store.add_authority(cert);
    }
    Ok(LoadedAuthority {
        name: a.name.clone(),
        subject,
        crl_uris: a.crl_uris.clone(),
        ocsp_uris: a.ocsp_uris.clone(),
        cert_uri_base: a.cert_uri_base.clone(),
        certs: ders,
    })
}

/// `secrets.ike*` as shared keys; other shared secrets are not used yet.
fn shared_keys(store: &mut CredentialStore, secrets: &[sw::Secret]) {
    for secret in secrets {
        match (&secret.kind, secret.secret_type) {
            (SecretKind::Shared { data, owners }, SecretType::Ike) => {
                let owners: Vec<IdMatch> = owners.iter().map(id_match).collect();
                tracing::info!(target: "cfg", "loaded IKE shared key with id '{}' for: {}",
                    secret.name, owners_text(&owners));
                store.add_shared_key(Secret::from(data.expose()), owners);
            }
            (SecretKind::Shared { .. }, ty) => {
                tracing::info!(target: "cfg", "skipping {} secret '{}': not supported yet",
                    ty.as_str(), secret.name);
            }
            (SecretKind::Token { .. }, _) => {
                tracing::info!(target: "cfg", "skipping token '{}': PKCS#11 is not supported",
                    secret.name);
            }
            (SecretKind::KeyPassphrase { .. }, _) => {}
        }
    }
}

fn owners_text(owners: &[IdMatch]) -> String {
    if owners.is_empty() {
        return "'%any'".to_owned();
    }
    let shown: Vec<String> = owners
        .iter()
        .map(|o| match o {
            IdMatch::Any => "'%any'".to_owned(),
            IdMatch::Exact(id) => format!("'{}'", id_text(id)),
            IdMatch::Suffix(_, s) => format!("'*{}'", String::from_utf8_lossy(s)),
            IdMatch::Pattern(p) => format!("'{}'", id_text(p.0.identity())),
        })
        .collect();
    shown.join(", ")
}

#[cfg(test)]
#[path = "creds_tests.rs"]
mod tests;
