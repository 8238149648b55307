//! `list-certs` (charon's `vici_query.c`): one `list-cert` event per
//! credential held, raw public keys first, then X.509 end-entity and CA
//! certificates, then CRLs, each with its DER `data` (swanctl decodes and
//! prints them itself), newest first as charon's `mem_cred` keeps them. A type or flag charon does not know lists
//! nothing, as in charon.

use certs::identity::cert_has_id;
use ike::wire::Identification;
use ike::wire::iana::IdType;
use swanctl_parser::config::Identity;
use swanctl_parser::vici::Message;

use super::server::Reply;
use crate::config::identification;
use crate::driver::Driver;

/// What a `list-certs` request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Filter {
    /// `None`: any type; else charon's type name.
    ty: Option<&'static str>,
    /// X.509 flag (`NONE`, `CA`, `AA`, `OCSP`); `None`: any.
    flag: Option<&'static str>,
}

/// charon's `certificate_type_names` / `x509_flag_names` (case-insensitive)
/// and `vici_cert_info` short forms.
pub(crate) fn filter(ty: &str, flag: &str) -> Option<Filter> {
    let upper = ty.to_ascii_uppercase();
    let f = |ty, flag| Some(Filter { ty, flag });
    match upper.as_str() {
        "ANY" => f(None, None),
        "X509" => match flag.to_ascii_uppercase().as_str() {
            "ANY" => f(Some("X509"), None),
            "NONE" => f(Some("X509"), Some("NONE")),
            "CA" => f(Some("X509"), Some("CA")),
            "AA" => f(Some("X509"), Some("AA")),
            "OCSP" => f(Some("X509"), Some("OCSP")),
            _ => None,
        },
        "X509_CRL" | "X509CRL" => f(Some("X509_CRL"), None),
        "X509_AC" | "X509AC" => f(Some("X509_AC"), None),
        "OCSP_RESPONSE" | "OCSP" => f(Some("OCSP_RESPONSE"), None),
        "PUBKEY" => f(Some("PUBKEY"), None),
        "X509CA" => f(Some("X509"), Some("CA")),
        "X509AA" => f(Some("X509"), Some("AA")),
        "X509OCSP" => f(Some("X509"), Some("OCSP")),
        _ => None,
    }
}

impl Filter {
    fn wants(self, ty: &str, flag: Option<&str>) -> bool {
        self.ty.is_none_or(|t| t == ty) && (self.flag.is_none() || self.flag == flag)
    }
}

fn cert_event(ty: &str, flag: Option<&str>, has_privkey: bool, data: &[u8]) -> Message {
    let mut m = Message::new().with_value("type", ty);
    if let Some(flag) = flag {
        m.push_value("flag", flag);
    }
    if has_privkey {
        m.push_value("has_privkey", "yes");
    }
    m.push_value("data", data);
    m
}

impl Driver {
    pub(crate) fn vici_list_certs(&self, msg: &Message) -> Reply {
        let ty = msg.get_str("type").unwrap_or("ANY");
        let flag = msg.get_str("flag").unwrap_or("ANY");
        let Some(filter) = filter(ty, flag) else {
            tracing::info!(target: "cfg", "invalid certificate type '{ty}' or flag '{flag}'");
            return Reply::now(Message::new());
        };
        let subject: Option<Identification> = match msg.get_str("subject") {
            Some(s) => match Identity::parse(s) {
                Ok(id) => Some(identification(&id)),
                Err(_) => return Reply::now(Message::new()),
            },
            None => None,
        };
        let store = self.vici.creds.read();
        let mut events = Vec::new();
        if filter.wants("PUBKEY", None) {
            for key in store.public_keys().iter().rev() {
                let id = key.spki_sha1();
                let matches = subject
                    .as_ref()
                    .is_none_or(|s| s.ty == IdType::KEY_ID && s.data == id);
                if matches {
                    let has = store.has_private_key(key);
                    events.push(("list-cert", cert_event("PUBKEY", None, has, &key.to_spki())));
                }
            }
        }
        let x509: [(&str, Vec<&certs::Certificate>); 2] = [
            ("NONE", store.end_entities().rev().collect()),
            ("CA", store.authorities().rev().collect()),
        ];
        for (flag, certs) in x509 {
            if !filter.wants("X509", Some(flag)) {
                continue;
            }
            for cert in certs {
                if subject.as_ref().is_none_or(|s| cert_has_id(cert, s)) {
                    let has = store.has_private_key(cert.public_key());
                    events.push(("list-cert", cert_event("X509", Some(flag), has, cert.der())));
                }
            }
        }
        if filter.wants("X509_CRL", None) {
            for crl in store.crls().iter().rev() {
                if subject.as_ref().is_none_or(|s| s.data == crl.issuer()) {
                    events.push(("list-cert", cert_event("X509_CRL", None, false, crl.der())));
                }
            }
        }
        Reply::Now {
            events,
            response: Message::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_flags_are_read_as_charon_reads_them() {
        assert_eq!(
            filter("ANY", "ANY"),
            Some(Filter {
                ty: None,
                flag: None
            })
        );
        assert_eq!(
            filter("x509", "ca"),
            Some(Filter {
                ty: Some("X509"),
                flag: Some("CA")
            })
        );
        assert_eq!(
            filter("x509crl", "ANY"),
            Some(Filter {
                ty: Some("X509_CRL"),
                flag: None
            })
        );
        assert_eq!(filter("X509", "bogus"), None);
        assert_eq!(filter("PGP", "ANY"), None);
    }

    #[test]
    fn a_flag_filters_only_x509_certificates() {
        let ca = filter("X509", "CA").unwrap();
        assert!(ca.wants("X509", Some("CA")));
        assert!(!ca.wants("X509", Some("NONE")));
        assert!(!ca.wants("PUBKEY", None));
        let any = filter("ANY", "ANY").unwrap();
        assert!(any.wants("X509_CRL", None) && any.wants("X509", Some("NONE")));
    }

    #[test]
    fn list_cert_events_have_charons_keys() {
        let m = cert_event("X509", Some("CA"), true, &[0x30, 0x00]);
        assert_eq!(
            m.vici_dump("list-cert event", false),
            "list-cert event {type=X509 flag=CA has_privkey=yes data=0x3000}\n"
        );
    }
}
