//! The neutral configuration tree every typed parser reads.
//!
//! charon receives swanctl.conf as VICI messages: swanctl copies each
//! `connections.<name>` settings section into a `load-conn` message, turning
//! a few keys into lists (and certificate file names into file contents).
//! [`ConfNode`] is that message shape: sections with key/values and lists.
//! It is built either from a settings section (here, splitting the same keys
//! swanctl splits) or from a received VICI message, so both go through the
//! identical validation.

use std::path::{Path, PathBuf};

use crate::settings::{Pos, SectionView};

use super::value::{decode_base64, decode_hex, has_prefix_ci};

/// One section: its key/values and lists in order, then its sub-sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfNode {
    pub name: String,
    pub pos: Pos,
    pub entries: Vec<ConfEntry>,
    pub children: Vec<Self>,
}

/// A key/value or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfEntry {
    pub key: String,
    pub value: ConfValue,
    pub pos: Pos,
}

/// The value of an entry, as VICI can carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfValue {
    /// A key/value with a text value.
    Str(String),
    /// A key/value with a binary value (VICI only, e.g. an authority's
    /// `cacert` sent as DER).
    Bytes(Vec<u8>),
    /// A list of text items.
    List(Vec<String>),
    /// A list of credential blobs (`certs`, `cacerts`, `pubkeys`; an
    /// authority's `cacert`): file references from swanctl.conf or the
    /// contents themselves.
    Blobs(Vec<Blob>),
}

/// Certificate or key material.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Blob {
    /// A file as named in swanctl.conf; relative paths are relative to the
    /// folder of the key (see [`BlobDir`]), absolute ones are used as is.
    File(PathBuf),
    /// The material itself (a VICI message, or a `0x`/`0s` literal).
    Data(Vec<u8>),
}

/// The swanctl folder a relative [`Blob::File`] is found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobDir {
    /// `certs` (`x509/`).
    X509,
    /// `cacerts`, an authority's `cacert` (`x509ca/`).
    X509Ca,
    /// `pubkeys` (`pubkey/`).
    Pubkey,
}

impl BlobDir {
    pub fn folder(self) -> &'static str {
        match self {
            Self::X509 => "x509",
            Self::X509Ca => "x509ca",
            Self::Pubkey => "pubkey",
        }
    }
}

impl Blob {
    /// The file to read for a [`Blob::File`], resolved like swanctl does
    /// (`<swanctl_dir>/<folder>/<name>` unless absolute).
    pub fn resolve(&self, swanctl_dir: &Path, dir: BlobDir) -> Option<PathBuf> {
        match self {
            Self::File(p) if p.is_absolute() => Some(p.clone()),
            Self::File(p) => Some(swanctl_dir.join(dir.folder()).join(p)),
            Self::Data(_) => None,
        }
    }
}

impl ConfValue {
    /// Text of a key/value; `None` for lists and binary values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether charon would see this as a list (rather than a key/value).
    pub fn is_list(&self) -> bool {
        matches!(self, Self::List(_) | Self::Blobs(_))
    }

    /// A VICI key/value: text if it is UTF-8, else bytes (text values are
    /// then checked to be printable by the parsers).
    pub fn from_vici_value(value: &[u8]) -> Self {
        match std::str::from_utf8(value) {
            Ok(s) => Self::Str(s.to_owned()),
            Err(_) => Self::Bytes(value.to_vec()),
        }
    }

    /// A VICI list: credential contents for `certs`, `cacerts` and
    /// `pubkeys`, text items otherwise (non-UTF-8 items become text that
    /// fails the printable check, as in charon).
    pub fn from_vici_list(key: &str, items: &[Vec<u8>]) -> Self {
        if CONN_FILE_LIST_KEYS.contains(&key) {
            Self::Blobs(items.iter().map(|i| Blob::Data(i.clone())).collect())
        } else {
            Self::List(
                items
                    .iter()
                    .map(|i| String::from_utf8_lossy(i).into_owned())
                    .collect(),
            )
        }
    }
}

impl ConfNode {
    pub fn new(name: impl Into<String>, pos: Pos) -> Self {
        Self {
            name: name.into(),
            pos,
            entries: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Appends a text key/value (builder style).
    pub fn with_str(mut self, key: &str, value: &str) -> Self {
        self.push(key, ConfValue::Str(value.to_owned()), Pos::unknown());
        self
    }

    /// Appends a list of text items (builder style).
    pub fn with_list(mut self, key: &str, items: &[&str]) -> Self {
        let items = items.iter().map(|s| (*s).to_owned()).collect();
        self.push(key, ConfValue::List(items), Pos::unknown());
        self
    }

    /// Appends a sub-section (builder style).
    pub fn with_child(mut self, child: Self) -> Self {
        self.children.push(child);
        self
    }

    pub fn push(&mut self, key: &str, value: ConfValue, pos: Pos) {
        self.entries.push(ConfEntry {
            key: key.to_owned(),
            value,
            pos,
        });
    }

    /// The first entry named `key`.
    pub fn entry(&self, key: &str) -> Option<&ConfEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The text value of `key`.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.entry(key).and_then(|e| e.value.as_str())
    }

    /// A `connections.<name>` section as swanctl sends it in `load-conn`:
    /// the keys of [`CONN_LIST_KEYS`] become lists, those of
    /// [`CONN_FILE_LIST_KEYS`] become blob lists, recursively.
    pub fn from_conn_view(name: &str, view: &SectionView<'_>) -> Self {
        convert(name, view, KeyPolicy::Conn, true)
    }

    /// An `authorities.<name>` section as swanctl sends it in
    /// `load-authority` (`cacert` a file, `crl_uris`/`ocsp_uris` lists;
    /// sub-sections are not sent).
    pub fn from_authority_view(name: &str, view: &SectionView<'_>) -> Self {
        convert(name, view, KeyPolicy::Authority, false)
    }

    /// A `pools.<name>` section as swanctl sends it in `load-pool` (`addrs`
    /// a key/value, every other key a list; sub-sections are not sent).
    pub fn from_pool_view(name: &str, view: &SectionView<'_>) -> Self {
        convert(name, view, KeyPolicy::Pool, false)
    }

    /// A section with plain key/values only (`secrets.<name>`).
    pub fn from_plain_view(name: &str, view: &SectionView<'_>) -> Self {
        convert(name, view, KeyPolicy::Plain, false)
    }
}

/// Connection keys swanctl splits into lists (matched case-insensitively,
/// as swanctl does; charon then matches names exactly).
pub const CONN_LIST_KEYS: &[&str] = &[
    "local_addrs",
    "remote_addrs",
    "proposals",
    "esp_proposals",
    "ah_proposals",
    "local_ts",
    "remote_ts",
    "vips",
    "pools",
    "groups",
    "cert_policy",
];

/// Connection keys whose comma-separated files swanctl sends as contents.
pub const CONN_FILE_LIST_KEYS: &[&str] = &["certs", "cacerts", "pubkeys"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyPolicy {
    Conn,
    Authority,
    Pool,
    Plain,
}

fn convert(name: &str, view: &SectionView<'_>, policy: KeyPolicy, recurse: bool) -> ConfNode {
    let pos = view.pos().cloned().unwrap_or_else(Pos::unknown);
    let mut node = ConfNode::new(name, pos);
    for kv in view.key_values() {
        let Some(value) = kv.value.as_deref() else {
            continue;
        };
        node.push(
            &kv.key,
            convert_value(&kv.key, value, policy),
            kv.value_pos.clone(),
        );
    }
    if recurse {
        for (child_name, child) in view.children() {
            node.children
                .push(convert(child_name, &child, policy, recurse));
        }
    }
    node
}

fn convert_value(key: &str, value: &str, policy: KeyPolicy) -> ConfValue {
    let is = |keys: &[&str]| keys.iter().any(|k| k.eq_ignore_ascii_case(key));
    match policy {
        KeyPolicy::Conn if is(CONN_LIST_KEYS) => ConfValue::List(split_list(value)),
        KeyPolicy::Conn if is(CONN_FILE_LIST_KEYS) => {
            ConfValue::Blobs(split_list(value).iter().map(|t| file_blob(t)).collect())
        }
        KeyPolicy::Authority if key == "cacert" => {
            ConfValue::Blobs(vec![Blob::File(PathBuf::from(value))])
        }
        KeyPolicy::Authority if key == "crl_uris" || key == "ocsp_uris" => {
            ConfValue::List(split_list(value))
        }
        KeyPolicy::Pool if key != "addrs" => ConfValue::List(split_list(value)),
        _ => ConfValue::Str(value.to_owned()),
    }
}

/// A file-list token: `0x…`/`0s…` literals are decoded, anything else is a
/// file name.
fn file_blob(token: &str) -> Blob {
    if has_prefix_ci(token, "0x") {
        Blob::Data(decode_hex(&token[2..]))
    } else if has_prefix_ci(token, "0s") {
        Blob::Data(decode_base64(&token[2..]))
    } else {
        Blob::File(PathBuf::from(token))
    }
}

/// Splits a comma-separated value the way swanctl does (strongSwan's token
/// enumerator with separator `,` and trim character space): separators and
/// spaces around items are dropped, empty items vanish, and an item starting
/// with a single or double quote runs to the matching quote.
pub fn split_list(value: &str) -> Vec<String> {
    tokenize(value, ',', ' ')
}

/// strongSwan's token enumerator for one separator and one trim character.
pub(crate) fn tokenize(value: &str, sep: char, trim: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches([sep, trim]);
        let Some(first) = rest.chars().next() else {
            break;
        };
        if (first == '"' || first == '\'')
            && let Some(end) = rest[1..].find(first)
        {
            out.push(rest[1..=end].to_owned());
            rest = &rest[end + 2..];
            continue;
        }
        match rest.find(sep) {
            Some(at) => {
                out.push(rest[..at].trim_end_matches(trim).to_owned());
                rest = &rest[at + sep.len_utf8()..];
            }
            None => {
                let token = rest.trim_end_matches(trim);
                if !token.is_empty() {
                    out.push(token.to_owned());
                }
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_values_split_on_commas_and_drop_spaces_and_empty_items() {
        assert_eq!(split_list(" a , b,,c ,"), vec!["a", "b", "c"]);
        assert_eq!(split_list(""), Vec::<String>::new());
        assert_eq!(split_list(" , "), Vec::<String>::new());
        assert_eq!(
            split_list("10.0.0.0/8 [tcp/80]"),
            vec!["10.0.0.0/8 [tcp/80]"]
        );
    }

    #[test]
    fn quoted_list_items_keep_commas() {
        assert_eq!(split_list("\"a,b\", c"), vec!["a,b", "c"]);
        assert_eq!(split_list("'x'"), vec!["x"]);
        // an unterminated quote is an ordinary character
        assert_eq!(split_list("\"a, b"), vec!["\"a", "b"]);
    }

    #[test]
    fn proposal_tokens_split_on_dashes() {
        assert_eq!(
            tokenize("aes128 - sha256--x25519", '-', ' '),
            vec!["aes128", "sha256", "x25519"]
        );
    }

    #[test]
    fn file_list_literals_are_decoded_and_names_kept() {
        assert_eq!(file_blob("0x0102"), Blob::Data(vec![1, 2]));
        assert_eq!(file_blob("0SAQI="), Blob::Data(vec![1, 2]));
        assert_eq!(file_blob("moon.pem"), Blob::File(PathBuf::from("moon.pem")));
    }

    #[test]
    fn vici_values_map_to_text_bytes_lists_and_blobs() {
        assert_eq!(
            ConfValue::from_vici_value(b"yes"),
            ConfValue::Str("yes".into())
        );
        assert_eq!(
            ConfValue::from_vici_value(&[0xff, 0]),
            ConfValue::Bytes(vec![0xff, 0])
        );
        assert_eq!(
            ConfValue::from_vici_list("local_ts", &[b"10.0.0.0/8".to_vec()]),
            ConfValue::List(vec!["10.0.0.0/8".into()])
        );
        assert_eq!(
            ConfValue::from_vici_list("certs", &[vec![0x30, 0x82]]),
            ConfValue::Blobs(vec![Blob::Data(vec![0x30, 0x82])])
        );
        // a non-UTF-8 item is not printable and so an invalid value
        let v = ConfValue::from_vici_list("local_ts", &[vec![0xff]]);
        let node = ConfNode::new("c", Pos::unknown()).with_child(
            ConfNode::new("children", Pos::unknown()).with_child({
                let mut n = ConfNode::new("x", Pos::unknown());
                n.push("local_ts", v, Pos::unknown());
                n
            }),
        );
        let errors = crate::config::parse_connection(&node).unwrap_err();
        assert_eq!(
            errors[0].errmsg(),
            "invalid value for: local_ts, config discarded"
        );
    }

    #[test]
    fn relative_blob_files_resolve_below_the_swanctl_folder() {
        let b = Blob::File(PathBuf::from("a.pem"));
        assert_eq!(
            b.resolve(Path::new("/etc/swanctl"), BlobDir::X509Ca),
            Some(PathBuf::from("/etc/swanctl/x509ca/a.pem"))
        );
        let abs = Blob::File(PathBuf::from("/tmp/a.pem"));
        assert_eq!(
            abs.resolve(Path::new("/etc/swanctl"), BlobDir::X509),
            Some(PathBuf::from("/tmp/a.pem"))
        );
    }
}
