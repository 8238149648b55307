//! VICI messages → [`ConfNode`] trees: what charon's `load-conn`,
//! `load-authority` and `load-pool` handlers parse. Every root section of a
//! request is one item; root key/values are ignored, as charon ignores them.

use crate::settings::Pos;
use crate::vici::{Item, Message};

use super::node::{ConfNode, ConfValue};

impl ConfNode {
    /// The section `name` of a received message, recursively: key/values
    /// as text (or bytes if not UTF-8), lists via
    /// [`ConfValue::from_vici_list`], sub-sections as children. Positions
    /// are [`Pos::unknown`].
    pub fn from_vici_section(name: &str, section: &Message) -> Self {
        let mut node = Self::new(name, Pos::unknown());
        for (key, item) in section {
            match item {
                Item::Value(v) => node.push(key, ConfValue::from_vici_value(v), Pos::unknown()),
                Item::List(items) => {
                    node.push(key, ConfValue::from_vici_list(key, items), Pos::unknown());
                }
                Item::Section(sub) => node.children.push(Self::from_vici_section(key, sub)),
            }
        }
        node
    }

    /// The root sections of a request, in order, each as a node.
    pub fn from_vici_request(request: &Message) -> Vec<Self> {
        request
            .iter()
            .filter_map(|(name, item)| match item {
                Item::Section(s) => Some(Self::from_vici_section(name, s)),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Blob, parse_connection};

    /// The `load-conn` request strongSwan's swanctl sends (reference §7.5).
    fn load_conn() -> Message {
        let local = Message::new()
            .with_value("auth", "psk")
            .with_value("id", "a");
        let remote = Message::new()
            .with_value("auth", "psk")
            .with_value("id", "b");
        let net = Message::new()
            .with_list("local_ts", ["10.1.0.0/24"])
            .with_list("remote_ts", ["10.2.0.0/24"])
            .with_list("esp_proposals", ["aes128gcm16-x25519"]);
        let gw = Message::new()
            .with_value("version", "2")
            .with_list("local_addrs", ["198.51.100.1"])
            .with_list("remote_addrs", ["198.51.100.2"])
            .with_list("proposals", ["aes128-sha256-x25519"])
            .with_section("local", local)
            .with_section("remote", remote)
            .with_section("children", Message::new().with_section("net", net));
        Message::new()
            .with_value("ignored", "root key")
            .with_section("gw", gw)
    }

    #[test]
    fn a_load_conn_request_parses_like_the_same_swanctl_conf_section() {
        let nodes = ConfNode::from_vici_request(&load_conn());
        assert_eq!(nodes.len(), 1);
        let conn = parse_connection(&nodes[0]).unwrap();
        assert_eq!(conn.name, "gw");
        assert_eq!(conn.remote_addrs, vec!["198.51.100.2".to_owned()]);
        assert_eq!(conn.children.len(), 1);
        assert_eq!(conn.children[0].name, "net");
        assert_eq!(conn.local.len(), 1);
    }

    #[test]
    fn certificate_lists_arrive_as_contents_not_file_names() {
        let gw = Message::new().with_section(
            "local",
            Message::new().with_list("certs", [vec![0x30u8, 0x82]]),
        );
        let node = ConfNode::from_vici_section("gw", &gw);
        let local = &node.children[0];
        assert_eq!(
            local.entry("certs").map(|e| &e.value),
            Some(&ConfValue::Blobs(vec![Blob::Data(vec![0x30, 0x82])]))
        );
    }

    #[test]
    fn an_unknown_key_is_refused_with_charons_message() {
        let msg = Message::new().with_section("gw", Message::new().with_value("bogus", "1"));
        let nodes = ConfNode::from_vici_request(&msg);
        let errors = parse_connection(&nodes[0]).unwrap_err();
        assert_eq!(
            errors[0].errmsg(),
            "unknown option: bogus, config discarded"
        );
    }
}
