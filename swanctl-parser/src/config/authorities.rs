//! `authorities.<name>` (reference §2.4): a CA certificate with
//! revocation and certificate URIs.

use std::path::PathBuf;

use crate::settings::Pos;

use super::auth::{entry_items, entry_text};
use super::error::{ConfigError, Diag, Scope};
use super::node::{Blob, ConfEntry, ConfNode, ConfValue};
use super::value::{decode_hex, parse_string, parse_u32, printable};

/// Where the CA certificate of an authority comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CaCertSource {
    /// `cacert`: a file in `x509ca/` (swanctl.conf) or the certificate
    /// itself (VICI).
    CaCert(Blob),
    /// `file`: a path used as is by the daemon.
    File(PathBuf),
    /// `handle` (+ `slot`, `module`): a PKCS#11 object.
    Token {
        handle: Vec<u8>,
        slot: Option<u32>,
        module: Option<String>,
    },
}

/// A certification authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    pub name: String,
    pub pos: Pos,
    pub cert: CaCertSource,
    pub crl_uris: Vec<String>,
    pub ocsp_uris: Vec<String>,
    pub cert_uri_base: Option<String>,
}

#[derive(Default)]
struct Fields {
    cacert: Option<Blob>,
    file: Option<String>,
    handle: Option<String>,
    slot: Option<u32>,
    module: Option<String>,
    cert_uri_base: Option<String>,
    crl_uris: Vec<String>,
    ocsp_uris: Vec<String>,
}

/// Parses one authority section (sub-sections are ignored, as swanctl does
/// not send them).
pub fn parse_authority(node: &ConfNode) -> Result<Authority, Vec<ConfigError>> {
    let mut d = Diag::new(Scope::Authority(node.name.clone()));
    let mut f = Fields::default();
    for e in &node.entries {
        if e.key == "cacert" {
            f.cacert = cacert_blob(e);
            continue;
        }
        if e.value.is_list() {
            authority_list(&mut f, e, &mut d);
        } else {
            authority_kv(&mut f, e, &mut d);
        }
    }
    let cert = if let Some(blob) = f.cacert {
        Some(CaCertSource::CaCert(blob))
    } else if let Some(file) = f.file {
        Some(CaCertSource::File(PathBuf::from(file)))
    } else {
        f.handle.map(|h| CaCertSource::Token {
            handle: decode_hex(&h),
            slot: f.slot,
            module: f.module,
        })
    };
    let Some(cert) = cert else {
        d.message(
            &node.pos,
            None,
            format!("CA certificate missing: {}", node.name),
        );
        return Err(d.errors);
    };
    if !d.is_empty() {
        return Err(d.errors);
    }
    Ok(Authority {
        name: node.name.clone(),
        pos: node.pos.clone(),
        cert,
        crl_uris: f.crl_uris,
        ocsp_uris: f.ocsp_uris,
        cert_uri_base: f.cert_uri_base,
    })
}

fn cacert_blob(e: &ConfEntry) -> Option<Blob> {
    match &e.value {
        ConfValue::Blobs(b) => b.first().cloned(),
        ConfValue::Bytes(b) => Some(Blob::Data(b.clone())),
        ConfValue::Str(s) => Some(Blob::Data(s.as_bytes().to_vec())),
        ConfValue::List(items) => items.first().map(|s| Blob::Data(s.as_bytes().to_vec())),
    }
}

fn authority_kv(f: &mut Fields, e: &ConfEntry, d: &mut Diag) {
    let v = entry_text(e);
    let result = match e.key.as_str() {
        "file" => parse_string(&v).map(|s| f.file = Some(s)),
        "handle" => parse_string(&v).map(|s| f.handle = Some(s)),
        "slot" => parse_u32(&v).map(|n| f.slot = Some(n)),
        "module" => parse_string(&v).map(|s| f.module = Some(s)),
        "cert_uri_base" => parse_string(&v).map(|s| f.cert_uri_base = Some(s)),
        _ => {
            d.unknown(&e.pos, &e.key);
            return;
        }
    };
    if let Err(err) = result {
        d.invalid(&e.pos, &e.key, err);
    }
}

fn authority_list(f: &mut Fields, e: &ConfEntry, d: &mut Diag) {
    let target = match e.key.as_str() {
        "crl_uris" => &mut f.crl_uris,
        "ocsp_uris" => &mut f.ocsp_uris,
        _ => {
            d.unknown(&e.pos, &e.key);
            return;
        }
    };
    for item in entry_items(e) {
        match printable(&item) {
            Ok(uri) => target.push(uri.to_owned()),
            Err(err) => d.invalid(&e.pos, &e.key, err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(name: &str) -> ConfNode {
        ConfNode::new(name, Pos::unknown())
    }

    #[test]
    fn an_authority_takes_its_ca_and_uris() {
        let mut node =
            auth("strongswan").with_list("crl_uris", &["http://crl.example/a.crl", "ldap://x"]);
        node.push(
            "cacert",
            ConfValue::Blobs(vec![Blob::File(PathBuf::from("strongswanCert.pem"))]),
            Pos::unknown(),
        );
        let node = node.with_str("cert_uri_base", "http://certs.example/");
        let a = parse_authority(&node).unwrap();
        assert_eq!(
            a.cert,
            CaCertSource::CaCert(Blob::File(PathBuf::from("strongswanCert.pem")))
        );
        assert_eq!(a.crl_uris.len(), 2);
        assert_eq!(a.cert_uri_base.as_deref(), Some("http://certs.example/"));
    }

    #[test]
    fn file_or_token_can_replace_cacert() {
        let a = parse_authority(&auth("a").with_str("file", "/etc/ca.pem")).unwrap();
        assert_eq!(a.cert, CaCertSource::File(PathBuf::from("/etc/ca.pem")));
        let a =
            parse_authority(&auth("b").with_str("handle", "0102").with_str("slot", "3")).unwrap();
        assert_eq!(
            a.cert,
            CaCertSource::Token {
                handle: vec![1, 2],
                slot: Some(3),
                module: None
            }
        );
    }

    #[test]
    fn authorities_without_certificate_or_with_unknown_keys_fail() {
        let e = parse_authority(&auth("x").with_list("ocsp_uris", &["http://o"])).unwrap_err();
        assert_eq!(e[0].errmsg(), "CA certificate missing: x");
        let e = parse_authority(&auth("y").with_str("file", "/a").with_str("crl_uri", "h"))
            .unwrap_err();
        assert_eq!(e[0].errmsg(), "unknown option: crl_uri, config discarded");
        assert_eq!(
            e[0].to_string(),
            "<none>:0:0: authorities.y: unknown option: crl_uri, config discarded"
        );
    }
}
