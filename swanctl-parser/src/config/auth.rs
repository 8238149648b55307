//! Authentication rounds: `connections.<conn>.local<suffix>` and
//! `remote<suffix>` (reference §2.2).

use std::path::PathBuf;

use crate::settings::Pos;

use super::error::{Diag, ValueError};
use super::identity::Identity;
use super::node::{Blob, ConfEntry, ConfNode, ConfValue};
use super::value::{
    STR_BUF, decode_hex, has_prefix_ci, parse_map, parse_string, parse_u32, stringify, strtoul,
};

/// charon's buffer for `auth` values.
const AUTH_BUF: usize = 64;

/// One authentication round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRound {
    /// The section name (`local`, `local-2`, `remote_eap`, ...).
    pub name: String,
    pub pos: Pos,
    /// Sort key of the round (rounds with equal keys keep file order).
    pub round: u32,
    /// `None`: not configured (local rounds then use public keys, remote
    /// rounds accept any method).
    pub auth: Option<AuthMethod>,
    /// `None`: local = certificate subject or IP address, remote = `%any`.
    pub id: Option<Identity>,
    pub ca_id: Option<Identity>,
    pub aaa_id: Option<Identity>,
    pub eap_id: Option<Identity>,
    pub xauth_id: Option<Identity>,
    pub revocation: Revocation,
    pub groups: Vec<Identity>,
    pub cert_policy: Vec<String>,
    /// Subject certificates: `certs` entries, then `cert<suffix>` sections.
    pub certs: Vec<CertSource>,
    /// CA certificates: `cacerts` entries, then `cacert<suffix>` sections.
    pub cacerts: Vec<CertSource>,
    /// Raw public keys (`pubkeys`).
    pub pubkeys: Vec<Blob>,
}

impl AuthRound {
    /// An empty round (what charon adds when a side has no section).
    pub fn empty(name: &str, pos: Pos) -> Self {
        Self {
            name: name.to_owned(),
            pos,
            round: 0,
            auth: None,
            id: None,
            ca_id: None,
            aaa_id: None,
            eap_id: None,
            xauth_id: None,
            revocation: Revocation::Relaxed,
            groups: Vec::new(),
            cert_policy: Vec::new(),
            certs: Vec::new(),
            cacerts: Vec::new(),
            pubkeys: Vec::new(),
        }
    }
}

/// The `auth` method of a round.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// `pubkey`, `rsa…`, `ecdsa…`, `bliss…` or `ike:…`: public key
    /// authentication; the value is kept whole as the signature scheme /
    /// key strength constraints (`rsa-2048`, `pubkey-sha256-sha384`,
    /// `rsa/pss-sha256`, `ike:ecdsa-sha384`).
    Pubkey { constraints: String },
    /// `psk`.
    Psk,
    /// `xauth[-backend]` (IKEv1).
    Xauth { backend: Option<String> },
    /// `eap[-method[-vendor]][:constraints]`; `method` is `None` for any
    /// method (plain `eap`, or a method strongSwan does not know).
    Eap {
        method: Option<EapMethod>,
        constraints: Option<String>,
    },
}

/// An EAP method: type and vendor (0 = IETF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EapMethod {
    pub eap_type: u32,
    pub vendor: u32,
}

/// EAP method names strongSwan knows (case-insensitive) and their types;
/// `radius` and `dynamic` are strongSwan-internal pseudo types.
const EAP_TYPES: &[(&str, u32)] = &[
    ("identity", 1),
    ("md5", 4),
    ("otp", 5),
    ("gtc", 6),
    ("tls", 13),
    ("ttls", 21),
    ("sim", 18),
    ("aka", 23),
    ("peap", 25),
    ("mschapv2", 26),
    ("tnc", 38),
    ("pt", 54),
    ("dynamic", 257),
    ("radius", 256),
];

/// Vendor numbers at or above this are invalid (PEN_UNASSIGNED).
const PEN_UNASSIGNED: u64 = 0xff_fffe;

impl EapMethod {
    /// `[eap-]type[-vendor]` as `eap_vendor_type_from_string`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut eap_type: u64 = 0;
        let mut vendor: u64 = 0;
        for part in super::node::tokenize(s, '-', ' ') {
            if eap_type == 0 {
                if part == "eap" {
                    continue;
                }
                if let Some((_, t)) = EAP_TYPES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&part))
                {
                    eap_type = u64::from(*t);
                } else {
                    let scan = strtoul(&part, 0);
                    if !scan.rest.is_empty() || scan.overflow || scan.negative {
                        break;
                    }
                    eap_type = scan.value;
                }
                continue;
            }
            let scan = strtoul(&part, 0);
            if !scan.rest.is_empty()
                || scan.overflow
                || scan.negative
                || scan.value >= PEN_UNASSIGNED
            {
                eap_type = 0;
            } else {
                vendor = scan.value;
            }
            break;
        }
        let eap_type = u32::try_from(eap_type).ok().filter(|&t| t != 0)?;
        Some(Self {
            eap_type,
            vendor: u32::try_from(vendor).ok()?,
        })
    }
}

/// `revocation`: how strictly certificate status is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Revocation {
    /// `strict`: a good status is required.
    Strict,
    /// `ifuri`: required only if the certificate has a CRL/OCSP URI.
    IfUri,
    /// `relaxed` (default): only a revoked status fails.
    Relaxed,
}

/// Where a certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CertSource {
    /// A `certs`/`cacerts` entry.
    Blob(Blob),
    /// `cert<suffix>.file`: a path used as is by the daemon.
    File(PathBuf),
    /// `cert<suffix>.handle` (+ `slot`, `module`): a PKCS#11 object.
    Token {
        /// The hex-decoded key ID.
        handle: Vec<u8>,
        slot: Option<u32>,
        module: Option<String>,
    },
}

pub(crate) fn parse_auth_method(value: &str) -> Result<AuthMethod, ValueError> {
    let v = stringify(value, AUTH_BUF)?;
    if ["ike:", "pubkey", "rsa", "ecdsa", "bliss"]
        .iter()
        .any(|p| v.starts_with(p))
    {
        return Ok(AuthMethod::Pubkey {
            constraints: v.to_owned(),
        });
    }
    if v.eq_ignore_ascii_case("psk") {
        return Ok(AuthMethod::Psk);
    }
    if has_prefix_ci(v, "xauth") {
        let backend = v.split_once('-').map(|(_, b)| b.to_owned());
        return Ok(AuthMethod::Xauth { backend });
    }
    if has_prefix_ci(v, "eap") {
        let (method, constraints) = match v.split_once(':') {
            Some((m, c)) => (m, Some(c.to_owned())),
            None => (v, None),
        };
        return Ok(AuthMethod::Eap {
            method: EapMethod::parse(method),
            constraints,
        });
    }
    Err(ValueError::because("unknown authentication method"))
}

fn parse_identity(value: &str) -> Result<Identity, ValueError> {
    Identity::parse(stringify(value, STR_BUF)?)
}

fn parse_revocation(value: &str) -> Result<Revocation, ValueError> {
    parse_map(
        value,
        &[
            ("strict", Revocation::Strict),
            ("ifuri", Revocation::IfUri),
            ("relaxed", Revocation::Relaxed),
        ],
    )
}

/// Text of a key/value entry (binary values are checked as text).
pub(crate) fn entry_text(e: &ConfEntry) -> std::borrow::Cow<'_, str> {
    match &e.value {
        ConfValue::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
        ConfValue::Bytes(b) => String::from_utf8_lossy(b),
        ConfValue::List(_) | ConfValue::Blobs(_) => std::borrow::Cow::Borrowed(""),
    }
}

/// Items of a list entry as text.
pub(crate) fn entry_items(e: &ConfEntry) -> Vec<std::borrow::Cow<'_, str>> {
    match &e.value {
        ConfValue::List(items) => items.iter().map(|s| s.as_str().into()).collect(),
        ConfValue::Blobs(blobs) => blobs
            .iter()
            .map(|b| match b {
                Blob::Data(d) => String::from_utf8_lossy(d),
                Blob::File(p) => p.to_string_lossy(),
            })
            .collect(),
        ConfValue::Str(_) | ConfValue::Bytes(_) => Vec::new(),
    }
}

/// Items of a credential list entry as blobs.
fn entry_blobs(e: &ConfEntry) -> Vec<Blob> {
    match &e.value {
        ConfValue::Blobs(b) => b.clone(),
        ConfValue::List(items) => items
            .iter()
            .map(|s| Blob::Data(s.as_bytes().to_vec()))
            .collect(),
        ConfValue::Str(_) | ConfValue::Bytes(_) => Vec::new(),
    }
}

/// Parses one `local*`/`remote*` section.
pub(crate) fn parse_auth_round(node: &ConfNode, d: &mut Diag) -> AuthRound {
    let mut a = AuthRound::empty(&node.name, node.pos.clone());
    for e in &node.entries {
        if e.value.is_list() {
            auth_list(&mut a, e, d);
        } else {
            auth_kv(&mut a, e, d);
        }
    }
    for child in &node.children {
        let is_cert = has_prefix_ci(&child.name, "cert");
        if !is_cert && !has_prefix_ci(&child.name, "cacert") {
            d.error(
                &child.pos,
                &child.name,
                super::error::ErrorKind::InvalidSection,
            );
            continue;
        }
        d.push_path(&child.name);
        if let Some(source) = parse_cert_section(child, d) {
            if is_cert {
                a.certs.push(source);
            } else {
                a.cacerts.push(source);
            }
        }
        d.pop_path();
    }
    a
}

fn auth_kv(a: &mut AuthRound, e: &ConfEntry, d: &mut Diag) {
    let v = entry_text(e);
    let v = v.as_ref();
    let result = match e.key.as_str() {
        "auth" => parse_auth_method(v).map(|m| a.auth = Some(m)),
        "id" => parse_identity(v).map(|i| a.id = Some(i)),
        "ca_id" => parse_identity(v).map(|i| a.ca_id = Some(i)),
        "aaa_id" => parse_identity(v).map(|i| a.aaa_id = Some(i)),
        "eap_id" => parse_identity(v).map(|i| a.eap_id = Some(i)),
        "xauth_id" => parse_identity(v).map(|i| a.xauth_id = Some(i)),
        "revocation" => parse_revocation(v).map(|r| a.revocation = r),
        "round" => parse_u32(v).map(|r| a.round = r),
        _ => {
            d.unknown(&e.pos, &e.key);
            return;
        }
    };
    if let Err(err) = result {
        d.invalid(&e.pos, &e.key, err);
    }
}

fn auth_list(a: &mut AuthRound, e: &ConfEntry, d: &mut Diag) {
    match e.key.as_str() {
        "groups" => {
            for item in entry_items(e) {
                match parse_identity(&item) {
                    Ok(id) => a.groups.push(id),
                    Err(err) => d.invalid(&e.pos, &e.key, err),
                }
            }
        }
        "cert_policy" => {
            for item in entry_items(e) {
                match stringify(&item, STR_BUF) {
                    Ok(oid) => a.cert_policy.push(oid.to_owned()),
                    Err(err) => d.invalid(&e.pos, &e.key, err),
                }
            }
        }
        "certs" => a
            .certs
            .extend(entry_blobs(e).into_iter().map(CertSource::Blob)),
        "cacerts" => a
            .cacerts
            .extend(entry_blobs(e).into_iter().map(CertSource::Blob)),
        "pubkeys" => a.pubkeys.extend(entry_blobs(e)),
        _ => d.unknown(&e.pos, &e.key),
    }
}

/// `cert<suffix>`/`cacert<suffix>`: exactly one of `file` and `handle`.
fn parse_cert_section(node: &ConfNode, d: &mut Diag) -> Option<CertSource> {
    let mut handle = None;
    let mut slot = None;
    let mut module = None;
    let mut file = None;
    let before = d.errors.len();
    for e in node.entries.iter().filter(|e| !e.value.is_list()) {
        let v = entry_text(e);
        let result = match e.key.as_str() {
            "handle" => parse_string(&v).map(|s| handle = Some(s)),
            "slot" => parse_u32(&v).map(|s| slot = Some(s)),
            "module" => parse_string(&v).map(|s| module = Some(s)),
            "file" => parse_string(&v).map(|s| file = Some(s)),
            _ => {
                d.unknown(&e.pos, &e.key);
                continue;
            }
        };
        if let Err(err) = result {
            d.invalid(&e.pos, &e.key, err);
        }
    }
    if d.errors.len() != before {
        return None;
    }
    match (handle, file) {
        (None, None) => {
            d.message(
                &node.pos,
                Some(&node.name),
                format!("handle or file path missing: {}", node.name),
            );
            None
        }
        (Some(_), Some(_)) => {
            d.message(
                &node.pos,
                Some(&node.name),
                format!("handle and file path given: {}", node.name),
            );
            None
        }
        (None, Some(file)) => Some(CertSource::File(PathBuf::from(file))),
        (Some(handle), None) => Some(CertSource::Token {
            handle: decode_hex(&handle),
            slot,
            module,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::error::Scope;

    fn method(s: &str) -> AuthMethod {
        parse_auth_method(s).unwrap()
    }

    #[test]
    fn auth_methods_parse_like_charon() {
        assert_eq!(method("psk"), AuthMethod::Psk);
        assert_eq!(method("PSK"), AuthMethod::Psk);
        assert_eq!(
            method("pubkey"),
            AuthMethod::Pubkey {
                constraints: "pubkey".into()
            }
        );
        assert_eq!(
            method("rsa-2048"),
            AuthMethod::Pubkey {
                constraints: "rsa-2048".into()
            }
        );
        assert_eq!(
            method("ike:ecdsa-sha384"),
            AuthMethod::Pubkey {
                constraints: "ike:ecdsa-sha384".into()
            }
        );
        assert_eq!(method("xauth"), AuthMethod::Xauth { backend: None });
        assert_eq!(
            method("xauth-pam"),
            AuthMethod::Xauth {
                backend: Some("pam".into())
            }
        );
        // the public key prefixes are case-sensitive
        assert!(parse_auth_method("PUBKEY").is_err());
        assert!(parse_auth_method("password").is_err());
        assert!(parse_auth_method("").is_err());
    }

    #[test]
    fn eap_methods_parse_type_vendor_and_constraints() {
        let eap = |t, v| AuthMethod::Eap {
            method: Some(EapMethod {
                eap_type: t,
                vendor: v,
            }),
            constraints: None,
        };
        assert_eq!(method("eap-md5"), eap(4, 0));
        assert_eq!(method("eap-MSCHAPv2"), eap(26, 0));
        assert_eq!(method("eap-radius"), eap(256, 0));
        assert_eq!(method("eap-253-12345"), eap(253, 12345));
        assert_eq!(
            method("eap"),
            AuthMethod::Eap {
                method: None,
                constraints: None
            }
        );
        // unknown methods and upper-case EAP leave the method open
        assert_eq!(
            method("eap-foo"),
            AuthMethod::Eap {
                method: None,
                constraints: None
            }
        );
        assert_eq!(
            method("EAP-MD5"),
            AuthMethod::Eap {
                method: None,
                constraints: None
            }
        );
        assert_eq!(
            method("eap-tls:ecdsa-384-sha384"),
            AuthMethod::Eap {
                method: Some(EapMethod {
                    eap_type: 13,
                    vendor: 0
                }),
                constraints: Some("ecdsa-384-sha384".into()),
            }
        );
        // an invalid vendor invalidates the type
        assert_eq!(EapMethod::parse("eap-md5-0xffffffff"), None);
    }

    #[test]
    fn long_auth_values_are_rejected() {
        let long = format!("rsa-{}", "1".repeat(60));
        assert!(parse_auth_method(&long).is_err());
    }

    #[test]
    fn rounds_collect_ids_certs_and_sections() {
        let node = ConfNode::new("remote", Pos::unknown())
            .with_str("auth", "pubkey")
            .with_str("id", "CN=moon")
            .with_str("revocation", "strict")
            .with_str("round", "2")
            .with_list("groups", &["admins", "users"])
            .with_list("cert_policy", &["1.3.6.1.4.1.36906.1.1.1"])
            .with_child(ConfNode::new("cacert-hsm", Pos::unknown()).with_str("handle", "0a0b"))
            .with_child(ConfNode::new("CERT1", Pos::unknown()).with_str("file", "/x.pem"));
        let mut d = Diag::new(Scope::Connection("c".into()));
        let a = parse_auth_round(&node, &mut d);
        assert!(d.is_empty(), "{:?}", d.errors);
        assert_eq!(a.round, 2);
        assert_eq!(a.revocation, Revocation::Strict);
        assert_eq!(a.groups.len(), 2);
        assert_eq!(
            a.id.as_ref().map(Identity::id_type),
            Some(super::super::identity::IdType::DerAsn1Dn)
        );
        assert_eq!(
            a.cacerts,
            vec![CertSource::Token {
                handle: vec![0x0a, 0x0b],
                slot: None,
                module: None
            }]
        );
        assert_eq!(a.certs, vec![CertSource::File(PathBuf::from("/x.pem"))]);
    }

    #[test]
    fn cert_sections_need_exactly_one_source() {
        let node = ConfNode::new("local", Pos::unknown())
            .with_child(ConfNode::new("cert-a", Pos::unknown()))
            .with_child(
                ConfNode::new("cert-b", Pos::unknown())
                    .with_str("file", "/a")
                    .with_str("handle", "01"),
            )
            .with_child(ConfNode::new("key", Pos::unknown()));
        let mut d = Diag::new(Scope::Connection("c".into()));
        parse_auth_round(&node, &mut d);
        let msgs: Vec<String> = d.errors.iter().map(|e| e.errmsg()).collect();
        assert_eq!(
            msgs,
            vec![
                "handle or file path missing: cert-a",
                "handle and file path given: cert-b",
                "invalid section: key",
            ]
        );
    }

    #[test]
    fn unknown_and_invalid_auth_keys_are_errors() {
        let node = ConfNode::new("local", Pos::unknown())
            .with_str("auth", "magic")
            .with_str("secret", "x")
            .with_str("round", "x");
        let mut d = Diag::new(Scope::Connection("c".into()));
        parse_auth_round(&node, &mut d);
        let msgs: Vec<String> = d.errors.iter().map(|e| e.errmsg()).collect();
        assert_eq!(
            msgs,
            vec![
                "invalid value for: auth, config discarded",
                "unknown option: secret, config discarded",
                "invalid value for: round, config discarded",
            ]
        );
        assert!(d.errors.iter().all(|e| e.path().is_none()));
    }
}
