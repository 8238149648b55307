//! Connections as charon's `list_conns` describes them in `list-conn`
//! events (`vici_query.c`): addresses, version, lifetimes, the
//! authentication rounds and the children with their selectors.

use swanctl_parser::config::{
    self as sw, Action, AuthMethod, AuthRound, BlobDir, CertSource, IkeVersion, Mode, Revocation,
    UniquePolicy,
};
use swanctl_parser::vici::Message;

use crate::config::ts;

/// The subject of a certificate entry, if it can be read.
pub(crate) type Subject<'a> = &'a dyn Fn(&CertSource, BlobDir) -> Option<String>;

/// `<name> { ... }` of one `list-conn` event.
pub(crate) fn list_conn(c: &sw::Connection, subject: Subject<'_>) -> Message {
    let mut b = Message::new();
    b.push_list("local_addrs", addrs(&c.local_addrs));
    b.push_list("remote_addrs", addrs(&c.remote_addrs));
    b.push_value("version", version(c.version));
    b.push_value("reauth_time", c.lifetime.reauth_time.to_string());
    b.push_value("rekey_time", c.lifetime.rekey_time.to_string());
    b.push_value("unique", unique(c.unique));
    if c.dpd_delay != 0 {
        b.push_value("dpd_delay", c.dpd_delay.to_string());
    }
    if c.dpd_timeout != 0 {
        b.push_value("dpd_timeout", c.dpd_timeout.to_string());
    }
    if let Some(id) = &c.ppk_id {
        b.push_value("ppk_id", id.as_str());
    }
    if c.ppk_required {
        b.push_value("ppk_required", "yes");
    }
    for (side, rounds) in [("local", &c.local), ("remote", &c.remote)] {
        for (i, round) in rounds.iter().enumerate() {
            b.push_section(format!("{side}-{}", i + 1), auth(round, subject));
        }
    }
    let mut children = Message::new();
    for child in &c.children {
        children.push_section(child.name.as_str(), list_child(child));
    }
    b.push_section("children", children);
    Message::new().with_section(c.name.as_str(), b)
}

/// charon lists `%any` for an empty address list.
fn addrs(list: &[String]) -> Vec<String> {
    if list.is_empty() {
        vec!["%any".to_owned()]
    } else {
        list.to_vec()
    }
}

const fn version(v: IkeVersion) -> &'static str {
    match v {
        IkeVersion::Any => "IKEv1/2",
        IkeVersion::V1 => "IKEv1",
        IkeVersion::V2 => "IKEv2",
    }
}

const fn unique(u: UniquePolicy) -> &'static str {
    match u {
        UniquePolicy::Never => "UNIQUE_NEVER",
        UniquePolicy::No => "UNIQUE_NO",
        UniquePolicy::Replace => "UNIQUE_REPLACE",
        UniquePolicy::Keep => "UNIQUE_KEEP",
    }
}

/// One round: its rules as charon adds them (identities while parsing,
/// the class when the section closes), then the four lists.
fn auth(r: &AuthRound, subject: Subject<'_>) -> Message {
    let mut b = Message::new();
    for (key, id) in [
        ("id", &r.id),
        ("ca_id", &r.ca_id),
        ("aaa_id", &r.aaa_id),
        ("eap_id", &r.eap_id),
        ("xauth_id", &r.xauth_id),
    ] {
        if let Some(id) = id {
            b.push_value(key, id.as_str());
        }
    }
    match &r.auth {
        None | Some(AuthMethod::Pubkey { .. }) => b.push_value("class", "public key"),
        Some(AuthMethod::Psk) => b.push_value("class", "pre-shared key"),
        Some(AuthMethod::Xauth { backend }) => {
            b.push_value("class", "XAuth");
            if let Some(backend) = backend {
                b.push_value("xauth", backend.as_str());
            }
            &mut b
        }
        Some(AuthMethod::Eap { method, .. }) => {
            b.push_value("class", "EAP");
            if let Some(m) = method {
                b.push_value("eap-type", m.eap_type.to_string());
                if m.vendor != 0 {
                    b.push_value("eap-vendor", m.vendor.to_string());
                }
            }
            &mut b
        }
    };
    match r.revocation {
        Revocation::Strict => b.push_value("revocation", "GOOD"),
        Revocation::IfUri => b.push_value("revocation", "SKIPPED"),
        Revocation::Relaxed => &mut b,
    };
    b.push_list("groups", r.groups.iter().map(|g| g.as_str()));
    b.push_list("cert_policy", r.cert_policy.iter().map(String::as_str));
    let certs: Vec<String> = r
        .certs
        .iter()
        .filter_map(|c| subject(c, BlobDir::X509))
        .collect();
    b.push_list("certs", certs);
    let cas: Vec<String> = r
        .cacerts
        .iter()
        .filter_map(|c| subject(c, BlobDir::X509Ca))
        .collect();
    b.push_list("cacerts", cas);
    b
}

pub(crate) const fn mode(m: Mode) -> &'static str {
    match m {
        Mode::Tunnel => "TUNNEL",
        Mode::Transport => "TRANSPORT",
        Mode::TransportProxy => "TRANSPORT_PROXY",
        Mode::Beet => "BEET",
        Mode::Pass => "PASS",
        Mode::Drop => "DROP",
    }
}

/// charon's `action_names` flags: `none`, `trap`, `start`, `trap|start`.
pub(crate) const fn action(a: Action) -> &'static str {
    match (a.trap, a.start) {
        (false, false) => "none",
        (true, false) => "trap",
        (false, true) => "start",
        (true, true) => "trap|start",
    }
}

fn list_child(c: &sw::Child) -> Message {
    let mut b = Message::new();
    b.push_value("mode", mode(c.mode));
    if let Some(label) = &c.label {
        b.push_value("label", label.as_str());
    }
    b.push_value("rekey_time", c.lifetime.time.rekey.to_string());
    b.push_value("rekey_bytes", c.lifetime.bytes.rekey.to_string());
    b.push_value("rekey_packets", c.lifetime.packets.rekey.to_string());
    b.push_value("dpd_action", action(c.dpd_action));
    b.push_value("close_action", action(c.close_action));
    b.push_list("local-ts", c.local_ts.iter().map(|t| ts(t).to_string()));
    b.push_list("remote-ts", c.remote_ts.iter().map(|t| ts(t).to_string()));
    if let Some(interface) = &c.interface {
        b.push_value("interface", interface.as_str());
    }
    if c.priority != 0 {
        b.push_value("priority", c.priority.to_string());
    }
    b
}

#[cfg(test)]
mod tests {
    use swanctl_parser::config::SwanctlConfig;
    use swanctl_parser::settings::Settings;

    use super::*;

    fn conn(text: &str) -> sw::Connection {
        let tree = Settings::parse_str(text, "swanctl.conf").unwrap();
        let (config, errors) = SwanctlConfig::from_settings(&tree);
        assert!(errors.is_empty(), "{errors:?}");
        config.connections.into_iter().next().unwrap()
    }

    #[test]
    fn a_psk_connection_lists_as_in_charons_lab_capture() {
        let c = conn(
            "connections { net { version = 2\n local_addrs = 192.0.2.1\n \
             remote_addrs = 192.0.2.2\n rekey_time = 14400\n \
             local { auth = psk\n id = a.lab.test }\n remote { auth = psk\n id = b.lab.test }\n \
             children { net { local_ts = 10.1.0.0/24\n remote_ts = 10.2.0.0/24\n \
             rekey_time = 3600 } } } }\n",
        );
        let none = |_: &CertSource, _: BlobDir| None;
        let msg = list_conn(&c, &none);
        let expected = "list-conn event {net {local_addrs=[192.0.2.1] remote_addrs=[192.0.2.2] \
            version=IKEv2 reauth_time=0 rekey_time=14400 unique=UNIQUE_NO \
            local-1 {id=a.lab.test class=pre-shared key groups=[] cert_policy=[] certs=[] cacerts=[]} \
            remote-1 {id=b.lab.test class=pre-shared key groups=[] cert_policy=[] certs=[] cacerts=[]} \
            children {net {mode=TUNNEL rekey_time=3600 rekey_bytes=0 rekey_packets=0 \
            dpd_action=none close_action=none local-ts=[10.1.0.0/24] remote-ts=[10.2.0.0/24]}}}}\n";
        assert_eq!(msg.vici_dump("list-conn event", false), expected);
    }

    #[test]
    fn defaults_list_any_addresses_dynamic_selectors_and_pubkey_rounds() {
        let c =
            conn("connections { c { local { } children { x { start_action = trap|start } } } }\n");
        let none = |_: &CertSource, _: BlobDir| None;
        let msg = list_conn(&c, &none);
        let find = |p: &[&str]| msg.find(p).cloned();
        use swanctl_parser::vici::Item;
        assert_eq!(
            find(&["c", "local_addrs"]),
            Some(Item::List(vec![b"%any".to_vec()]))
        );
        assert_eq!(
            find(&["c", "version"]),
            Some(Item::Value(b"IKEv1/2".to_vec()))
        );
        assert_eq!(
            find(&["c", "local-1", "class"]),
            Some(Item::Value(b"public key".to_vec()))
        );
        assert_eq!(
            find(&["c", "children", "x", "local-ts"]),
            Some(Item::List(vec![b"dynamic".to_vec()]))
        );
        assert_eq!(
            action(Action {
                trap: true,
                start: true
            }),
            "trap|start"
        );
    }
}
