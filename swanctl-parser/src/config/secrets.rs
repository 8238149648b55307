//! `secrets` (reference §2.4): the section type is the case-sensitive
//! prefix of the section name, checked in the order
//! `eap xauth ntlm ike ppk private rsa ecdsa bliss pkcs8 pkcs12 token`.

use std::fmt;

use crate::settings::Pos;

use super::auth::entry_text;
use super::error::{Diag, Scope};
use super::identity::Identity;
use super::node::ConfNode;
use super::value::{STR_BUF, decode_secret, parse_u32, stringify};

/// Bytes that must not end up in logs: `Debug` prints only the length.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes>)", self.0.len())
    }
}

/// The kind of a secret section (its name prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretType {
    Eap,
    Xauth,
    Ntlm,
    Ike,
    Ppk,
    Private,
    Rsa,
    Ecdsa,
    Bliss,
    Pkcs8,
    Pkcs12,
    Token,
}

/// Prefixes in swanctl's order.
const PREFIXES: &[(&str, SecretType)] = &[
    ("eap", SecretType::Eap),
    ("xauth", SecretType::Xauth),
    ("ntlm", SecretType::Ntlm),
    ("ike", SecretType::Ike),
    ("ppk", SecretType::Ppk),
    ("private", SecretType::Private),
    ("rsa", SecretType::Rsa),
    ("ecdsa", SecretType::Ecdsa),
    ("bliss", SecretType::Bliss),
    ("pkcs8", SecretType::Pkcs8),
    ("pkcs12", SecretType::Pkcs12),
    ("token", SecretType::Token),
];

impl SecretType {
    /// The type of a section name: first matching prefix (case-sensitive).
    pub fn of_section(name: &str) -> Option<Self> {
        PREFIXES
            .iter()
            .find(|(p, _)| name.starts_with(p))
            .map(|(_, t)| *t)
    }

    /// The name swanctl uses (prefix; VICI `load-shared` `type`).
    pub fn as_str(self) -> &'static str {
        PREFIXES
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("", |(p, _)| p)
    }

    /// Whether swanctl loads it as a shared key (`load-shared`).
    pub fn is_shared(self) -> bool {
        matches!(
            self,
            Self::Eap | Self::Xauth | Self::Ntlm | Self::Ike | Self::Ppk
        )
    }
}

/// One `secrets.<name>` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    pub name: String,
    pub pos: Pos,
    pub secret_type: SecretType,
    pub kind: SecretKind,
}

/// What the secret is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// A shared key (`ike`, `eap`, `xauth`, `ntlm`, `ppk`) with its owners;
    /// no owners means `%any`.
    Shared {
        data: SecretBytes,
        owners: Vec<Identity>,
    },
    /// Passphrases (`secret*` keys, used verbatim) for an encrypted key
    /// file (`file`, matched case-insensitively against the file name in
    /// the folder of the type).
    KeyPassphrase {
        file: Option<String>,
        secrets: Vec<SecretBytes>,
    },
    /// A key on a PKCS#11 token.
    Token {
        handle: Option<String>,
        slot: Option<u32>,
        module: Option<String>,
        pin: Option<SecretBytes>,
    },
}

/// Parses one secret section.
pub fn parse_secret(node: &ConfNode) -> Result<Secret, Vec<super::error::ConfigError>> {
    let mut d = Diag::new(Scope::Secret(node.name.clone()));
    let Some(secret_type) = SecretType::of_section(&node.name) else {
        d.message(
            &node.pos,
            None,
            format!("ignoring unsupported secret '{}'", node.name),
        );
        return Err(d.errors);
    };
    let kind = if secret_type.is_shared() {
        parse_shared(node, &mut d)
    } else if secret_type == SecretType::Token {
        parse_token(node, &mut d)
    } else {
        let file = node.str("file").map(str::to_owned);
        let secrets = node
            .entries
            .iter()
            .filter(|e| e.key.starts_with("secret"))
            .map(|e| SecretBytes::new(entry_text(e).as_bytes().to_vec()))
            .collect();
        Some(SecretKind::KeyPassphrase { file, secrets })
    };
    match kind {
        Some(kind) if d.is_empty() => Ok(Secret {
            name: node.name.clone(),
            pos: node.pos.clone(),
            secret_type,
            kind,
        }),
        _ => Err(d.errors),
    }
}

fn parse_shared(node: &ConfNode, d: &mut Diag) -> Option<SecretKind> {
    let Some(entry) = node.entry("secret") else {
        d.message(
            &node.pos,
            Some("secret"),
            format!("missing secret in '{}', ignored", node.name),
        );
        return None;
    };
    let data = decode_secret(&entry_text(entry));
    if data.is_empty() {
        d.message(
            &entry.pos,
            Some("secret"),
            "shared key data missing".to_owned(),
        );
    }
    let mut owners = Vec::new();
    for e in node.entries.iter().filter(|e| e.key.starts_with("id")) {
        match stringify(&entry_text(e), STR_BUF).and_then(Identity::parse) {
            Ok(id) => owners.push(id),
            Err(err) => d.invalid(&e.pos, &e.key, err),
        }
    }
    Some(SecretKind::Shared {
        data: SecretBytes::new(data),
        owners,
    })
}

fn parse_token(node: &ConfNode, d: &mut Diag) -> Option<SecretKind> {
    let text = |key: &str| node.entry(key).map(|e| entry_text(e).into_owned());
    let slot = match node.entry("slot") {
        Some(e) => match parse_u32(&entry_text(e)) {
            Ok(n) => Some(n),
            Err(err) => {
                d.invalid(&e.pos, &e.key, err);
                None
            }
        },
        None => None,
    };
    let handle = text("handle");
    if handle.is_none() {
        d.message(&node.pos, Some("handle"), "keyid missing".to_owned());
    }
    Some(SecretKind::Token {
        handle,
        slot,
        module: text("module"),
        pin: text("pin").map(|p| SecretBytes::new(p.into_bytes())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(node: ConfNode) -> Secret {
        match parse_secret(&node) {
            Ok(s) => s,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn shared(s: &Secret) -> (Vec<u8>, Vec<String>) {
        match &s.kind {
            SecretKind::Shared { data, owners } => (
                data.expose().to_vec(),
                owners.iter().map(|o| o.as_str().to_owned()).collect(),
            ),
            other => panic!("{other:?}"),
        }
    }

    fn sec(name: &str) -> ConfNode {
        ConfNode::new(name, Pos::unknown())
    }

    #[test]
    fn section_type_is_the_first_case_sensitive_prefix() {
        assert_eq!(SecretType::of_section("ike-1"), Some(SecretType::Ike));
        assert_eq!(SecretType::of_section("ikefoo"), Some(SecretType::Ike));
        assert_eq!(SecretType::of_section("ike"), Some(SecretType::Ike));
        assert_eq!(SecretType::of_section("eap-carol"), Some(SecretType::Eap));
        assert_eq!(SecretType::of_section("eapike"), Some(SecretType::Eap));
        assert_eq!(SecretType::of_section("xauth1"), Some(SecretType::Xauth));
        assert_eq!(SecretType::of_section("ntlm"), Some(SecretType::Ntlm));
        assert_eq!(SecretType::of_section("ppk-a"), Some(SecretType::Ppk));
        assert_eq!(
            SecretType::of_section("private-k"),
            Some(SecretType::Private)
        );
        assert_eq!(SecretType::of_section("rsa1"), Some(SecretType::Rsa));
        assert_eq!(SecretType::of_section("ecdsa"), Some(SecretType::Ecdsa));
        assert_eq!(SecretType::of_section("bliss"), Some(SecretType::Bliss));
        assert_eq!(SecretType::of_section("pkcs8x"), Some(SecretType::Pkcs8));
        assert_eq!(SecretType::of_section("pkcs12x"), Some(SecretType::Pkcs12));
        assert_eq!(SecretType::of_section("token1"), Some(SecretType::Token));
        assert_eq!(SecretType::of_section("IKE-1"), None);
        assert_eq!(SecretType::of_section("psk"), None);
        assert_eq!(SecretType::Ike.as_str(), "ike");
    }

    #[test]
    fn shared_secrets_decode_and_collect_id_keys_as_owners() {
        let s = secret(
            sec("ike-1")
                .with_str("id-moon", "moon.strongswan.org")
                .with_str("secret", "0x45a3")
                .with_str("id", "192.168.0.1")
                .with_str("identity", "x@y")
                .with_str("comment", "ignored"),
        );
        assert_eq!(s.secret_type, SecretType::Ike);
        let (data, owners) = shared(&s);
        assert_eq!(data, vec![0x45, 0xa3]);
        assert_eq!(owners, vec!["moon.strongswan.org", "192.168.0.1", "x@y"]);
        let s = secret(sec("ike-3").with_str("secret", "0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL"));
        assert_eq!(shared(&s).0.len(), 24);
        let s = secret(sec("ike-2").with_str("secret", "This is a strong password"));
        assert_eq!(shared(&s).0, b"This is a strong password".to_vec());
        assert!(shared(&s).1.is_empty());
    }

    #[test]
    fn debug_output_hides_secret_bytes() {
        let s = secret(sec("ike-x").with_str("secret", "topsecret"));
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("topsecret"), "{dbg}");
        assert!(dbg.contains("9 bytes"));
    }

    #[test]
    fn missing_or_empty_shared_secrets_are_errors() {
        let e = parse_secret(&sec("ike-1").with_str("id", "a")).unwrap_err();
        assert_eq!(e[0].errmsg(), "missing secret in 'ike-1', ignored");
        assert_eq!(
            e[0].to_string(),
            "<none>:0:0: secrets.ike-1: missing secret in 'ike-1', ignored"
        );
        let e = parse_secret(&sec("eap-1").with_str("secret", "0x")).unwrap_err();
        assert_eq!(e[0].errmsg(), "shared key data missing");
        let e = parse_secret(&sec("psk-1").with_str("secret", "x")).unwrap_err();
        assert_eq!(e[0].errmsg(), "ignoring unsupported secret 'psk-1'");
    }

    #[test]
    fn key_passphrases_take_file_and_all_secret_keys_verbatim() {
        let s = secret(
            sec("rsa-moon")
                .with_str("file", "moonKey.pem")
                .with_str("secret", "0x41")
                .with_str("secret2", "b"),
        );
        match s.kind {
            SecretKind::KeyPassphrase { file, secrets } => {
                assert_eq!(file.as_deref(), Some("moonKey.pem"));
                let v: Vec<&[u8]> = secrets.iter().map(SecretBytes::expose).collect();
                assert_eq!(v, vec![&b"0x41"[..], &b"b"[..]]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tokens_need_a_handle() {
        let s = secret(
            sec("token-1")
                .with_str("handle", "0a")
                .with_str("slot", "1")
                .with_str("pin", "1234"),
        );
        assert!(matches!(s.kind, SecretKind::Token { slot: Some(1), .. }));
        let e = parse_secret(&sec("token-2").with_str("slot", "1")).unwrap_err();
        assert_eq!(e[0].errmsg(), "keyid missing");
    }
}
