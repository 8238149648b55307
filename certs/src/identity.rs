//! Binding the IKE identity to a certificate (RFC 4945 §3.1, §5.1.3.2) as
//! charon does: FQDN, RFC822 and IP identities must be a subjectAltName
//! (charon never takes the subject's CN or E for them), a DN must equal
//! the subject or a directoryName altName, a KEY_ID must name the
//! certificate or its key. DNs compare as [`ike::wire::dn`] does;
//! `remote.id` DNs may hold `*` values ([`DnPattern`]).

use core::fmt;

use ike::config::IdPattern;
use ike::wire::Identification;
use ike::wire::iana::IdType;

use crate::cert::Certificate;
use crate::key::sha1;

pub use ike::wire::dn::{has_wildcards as dn_has_wildcards, matches as dn_matches};
pub use ike::wire::dn_text::dn_text;

/// An identity as text for messages (DNs in strongSwan's notation).
#[must_use]
pub fn id_text(id: &Identification) -> String {
    id.to_string()
}

/// Whether `cert` certifies the peer's (literal) identity `id`.
#[must_use]
pub fn cert_has_id(cert: &Certificate, id: &Identification) -> bool {
    match id.ty {
        IdType::DER_ASN1_DN => {
            dn_matches(cert.subject(), &id.data, false)
                || cert
                    .alt_names()
                    .iter()
                    .any(|n| n.ty == IdType::DER_ASN1_DN && dn_matches(&n.data, &id.data, false))
        }
        IdType::FQDN | IdType::RFC822_ADDR => cert
            .alt_names()
            .iter()
            .any(|n| n.ty == id.ty && n.data.eq_ignore_ascii_case(&id.data)),
        IdType::KEY_ID => {
            let key = cert.public_key();
            id.data == sha1(cert.der())
                || id.data == key.spki_sha1()
                || id.data == sha1(key.raw())
                || cert.subject_key_id() == Some(id.data.as_slice())
        }
        _ => cert.alt_names().iter().any(|n| n == id),
    }
}

/// A `remote.id` DN, possibly with `*` values (`C=CH, O=strongSwan,
/// CN=*`), matched as charon matches it; plug into
/// [`ike::config::IdMatch::Pattern`].
#[derive(Clone, PartialEq, Eq)]
pub struct DnPattern {
    id: Identification,
    wildcards: bool,
}

impl DnPattern {
    /// A pattern from a DER DN; `None` if it is not a valid Name.
    #[must_use]
    pub fn new(dn: Vec<u8>) -> Option<Self> {
        ike::wire::dn::rdns(&dn)?;
        Some(Self {
            wildcards: dn_has_wildcards(&dn),
            id: Identification {
                ty: IdType::DER_ASN1_DN,
                data: dn,
            },
        })
    }
}

impl fmt::Debug for DnPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DnPattern(\"{}\")", dn_text(&self.id.data))
    }
}

impl IdPattern for DnPattern {
    fn matches(&self, id: &Identification) -> bool {
        id.ty == IdType::DER_ASN1_DN && dn_matches(&id.data, &self.id.data, true)
    }

    fn identity(&self) -> &Identification {
        &self.id
    }

    fn has_wildcards(&self) -> bool {
        self.wildcards
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
