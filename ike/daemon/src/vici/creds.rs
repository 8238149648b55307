//! Credential commands (charon's `vici_cred.c`, `vici_authority.c`):
//! certificates, private keys and shared secrets into the daemon's one
//! credential store, with charon's replies. Secrets are never logged.

use certs::load::{Loaded, parse_vici};
use ike::config::IdMatch;
use ike::crypto::Secret;
use swanctl_parser::config::{Identity, parse_authority};
use swanctl_parser::vici::{Item, Message};

use super::reply;
use super::server::Reply;
use crate::config::id_match;
use crate::creds::authority;
use crate::driver::Driver;

/// Our blob type for a VICI certificate type and flag (charon's
/// `certificate_type_names`/`x509_flag_names`, or the short forms of
/// `vici_cert_info`).
fn cert_type(ty: &str, flag: &str) -> Result<&'static str, String> {
    let ty_l = ty.to_ascii_lowercase();
    match ty_l.as_str() {
        "x509" => match flag.to_ascii_uppercase().as_str() {
            "NONE" => Ok("x509"),
            "CA" => Ok("x509ca"),
            "AA" => Ok("x509aa"),
            "OCSP" => Ok("x509ocsp"),
            _ => Err(format!("invalid certificate flag '{flag}'")),
        },
        "x509_crl" | "x509crl" => Ok("x509crl"),
        "x509_ac" | "x509ac" => Ok("x509ac"),
        "pubkey" => Ok("pubkey"),
        "x509ca" => Ok("x509ca"),
        "x509aa" => Ok("x509aa"),
        "x509ocsp" => Ok("x509ocsp"),
        _ => Err(format!("invalid certificate type '{ty}'")),
    }
}

/// charon's name of a key type (`key_type_names`), for messages.
fn key_type_name(ty: &str) -> Option<&'static str> {
    Some(match ty.to_ascii_lowercase().as_str() {
        "any" => "ANY",
        "rsa" => "RSA",
        "ecdsa" => "ECDSA",
        "ed25519" => "ED25519",
        "ed448" => "ED448",
        "bliss" => "BLISS",
        _ => return None,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Driver {
    pub(crate) fn vici_list_authorities(&self, msg: &Message) -> Reply {
        let name = msg.get_str("name");
        let events = self
            .vici
            .authorities
            .iter()
            .filter(|a| name.is_none_or(|n| n == a.name))
            .map(|a| {
                let mut m = Message::new()
                    .with_value("cacert", a.subject.as_str())
                    .with_list("crl_uris", a.crl_uris.iter().map(String::as_str))
                    .with_list("ocsp_uris", a.ocsp_uris.iter().map(String::as_str));
                if let Some(base) = &a.cert_uri_base {
                    m.push_value("cert_uri_base", base.as_str());
                }
                (
                    "list-authority",
                    Message::new().with_section(a.name.as_str(), m),
                )
            })
            .collect();
        Reply::Now {
            events,
            response: Message::new(),
        }
    }

    pub(crate) fn vici_unload_authority(&mut self, msg: &Message) -> Result<(), String> {
        let name = msg
            .get_str("name")
            .ok_or("unload: missing authority name")?;
        let at = self.vici.authorities.iter().position(|a| a.name == name);
        let at = at.ok_or_else(|| format!("unload: authority '{name}' not found"))?;
        let gone = self.vici.authorities.remove(at);
        let mut store = self.vici.creds.write();
        for der in &gone.certs {
            // another authority may hold the same certificate
            if !self.vici.authorities.iter().any(|a| a.certs.contains(der)) {
                store.remove_authority(der);
            }
        }
        tracing::info!(target: "cfg", "unloaded authority '{name}'");
        Ok(())
    }

    pub(crate) fn vici_load_cert(&mut self, msg: &Message) -> Result<(), String> {
        let ty = msg.get_str("type").ok_or("certificate type missing")?;
        let flag = msg.get_str("flag").unwrap_or("NONE");
        let ours = cert_type(ty, flag)?;
        let data = msg.get_value("data").filter(|d| !d.is_empty());
        let data = data.ok_or("certificate data missing")?;
        let loaded = parse_vici(ours, data).map_err(|e| {
            tracing::info!(target: "cfg", "loading certificate failed: {e}");
            format!("parsing {} certificate failed", ty.to_ascii_uppercase())
        })?;
        if let Loaded::Certificates(certs) | Loaded::Authorities(certs) = &loaded {
            for cert in certs {
                if ours == "x509ca" && !cert.is_ca() {
                    let msg = "ca certificate lacks CA basic constraint, rejected";
                    tracing::info!(target: "cfg", "  {msg}");
                    return Err(msg.into());
                }
                tracing::info!(target: "cfg", "loaded certificate '{}'", cert.subject_text());
            }
        }
        self.vici.creds.write().add(loaded);
        Ok(())
    }

    pub(crate) fn vici_load_key(&mut self, msg: &Message) -> Message {
        let Some(ty) = msg.get_str("type") else {
            return reply(Err("key type missing".into()));
        };
        let Some(name) = key_type_name(ty) else {
            return reply(Err(format!("invalid key type: {ty}")));
        };
        let Some(data) = msg.get_value("data").filter(|d| !d.is_empty()) else {
            return reply(Err("key data missing".into()));
        };
        let Ok(Loaded::PrivateKey(key)) = parse_vici(&ty.to_ascii_lowercase(), data) else {
            return reply(Err(format!("parsing {name} private key failed")));
        };
        let id = hex(&key.public_key().spki_sha1());
        tracing::info!(target: "cfg", "loaded {name} private key");
        self.vici.creds.write().add_private_key(key);
        Message::new()
            .with_value("success", "yes")
            .with_value("id", id)
    }

    pub(crate) fn vici_unload_key(&mut self, msg: &Message) -> Result<(), String> {
        let id = msg.get_str("id").ok_or("key id missing")?;
        let bytes: Option<Vec<u8>> = (0..id.len() / 2)
            .map(|i| {
                id.get(2 * i..2 * i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        tracing::info!(target: "cfg", "unloaded private key with id {id}");
        match bytes {
            Some(b) if self.vici.creds.write().remove_private_key(&b) => Ok(()),
            _ => Err("key not found".into()),
        }
    }

    pub(crate) fn vici_get_keys(&self) -> Message {
        let ids: Vec<String> = self
            .vici
            .creds
            .read()
            .private_key_ids()
            .iter()
            .rev()
            .map(|id| hex(id))
            .collect();
        Message::new().with_list("keys", ids)
    }

    pub(crate) fn vici_load_shared(&mut self, msg: &Message) -> Result<(), String> {
        let unique = msg.get_str("id");
        let ty = msg.get_str("type").ok_or("shared key type missing")?;
        let ty_name = match ty.to_ascii_lowercase().as_str() {
            "ike" => "IKE",
            "eap" | "xauth" => "EAP",
            "ntlm" => "NTLM",
            "ppk" => "PPK",
            _ => return Err(format!("invalid shared key type: {ty}")),
        };
        let data = msg.get_value("data").filter(|d| !d.is_empty());
        let data = data.ok_or("shared key data missing")?;
        let mut owners = Vec::new();
        for (key, item) in msg {
            if key != "owners" {
                continue;
            }
            let Item::List(items) = item else { continue };
            for item in items {
                let text = std::str::from_utf8(item)
                    .ok()
                    .filter(|t| t.len() < 256)
                    .ok_or("parsing shared key owners failed")?;
                let id = Identity::parse(text).map_err(|_| "parsing shared key owners failed")?;
                owners.push((text.to_owned(), id_match(&id)));
            }
        }
        let shown: Vec<String> = if owners.is_empty() {
            vec!["'%any'".to_owned()]
        } else {
            owners.iter().map(|(t, _)| format!("'{t}'")).collect()
        };
        match unique {
            Some(id) => {
                tracing::info!(target: "cfg", "loaded {ty_name} shared key with id '{id}' for: {}", shown.join(", "))
            }
            None => {
                tracing::info!(target: "cfg", "loaded {ty_name} shared key for: {}", shown.join(", "))
            }
        }
        let id = unique.map_or_else(
            || format!("%unnamed-{}", self.vici.shared.len()),
            str::to_owned,
        );
        if ty_name == "IKE" {
            let owners: Vec<IdMatch> = owners.into_iter().map(|(_, m)| m).collect();
            self.vici
                .creds
                .write()
                .add_shared_key_unique(&id, Secret::from(data), owners);
        }
        if unique.is_some() && !self.vici.shared.contains(&id) {
            self.vici.shared.push(id);
        }
        Ok(())
    }

    pub(crate) fn vici_unload_shared(&mut self, msg: &Message) -> Result<(), String> {
        let id = msg.get_str("id").ok_or("unique identifier missing")?;
        tracing::info!(target: "cfg", "unloaded shared key with id '{id}'");
        self.vici.creds.write().remove_shared_key(id);
        self.vici.shared.retain(|s| s != id);
        Ok(())
    }

    pub(crate) fn vici_clear_creds(&mut self) -> Result<(), String> {
        self.vici.creds.write().clear();
        self.vici.shared.clear();
        self.vici.authorities.clear();
        tracing::info!(target: "cfg", "cleared credentials");
        Ok(())
    }

    pub(crate) fn vici_load_authority(&mut self, msg: &Message) -> Result<(), String> {
        for node in super::request_nodes(msg)? {
            let a = parse_authority(&node).map_err(|e| super::first_errmsg(&e))?;
            let loaded = authority(&mut self.vici.creds.write(), &a, &self.vici.dir)
                .map_err(|e| format!("unable to load certificate: {}", e.message))?;
            // a reloaded authority moves to the end, as in charon
            self.vici.authorities.retain(|old| old.name != loaded.name);
            self.vici.authorities.push(loaded);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_types_map_as_charon_names_them() {
        assert_eq!(cert_type("X509", "NONE"), Ok("x509"));
        assert_eq!(cert_type("X509", "CA"), Ok("x509ca"));
        assert_eq!(cert_type("X509_CRL", "NONE"), Ok("x509crl"));
        assert_eq!(cert_type("x509ca", "NONE"), Ok("x509ca"));
        assert_eq!(
            cert_type("X509", "BOGUS"),
            Err("invalid certificate flag 'BOGUS'".into())
        );
        assert_eq!(
            cert_type("PGP", "NONE"),
            Err("invalid certificate type 'PGP'".into())
        );
    }

    #[test]
    fn key_types_are_charons_names_in_any_case() {
        assert_eq!(key_type_name("rsa"), Some("RSA"));
        assert_eq!(key_type_name("ANY"), Some("ANY"));
        assert_eq!(key_type_name("dsa"), None);
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
    }
}
