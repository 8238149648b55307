//! `install`, `uninstall` (charon's `vici_control.c`) and `list-policies`
//! (`vici_query.c`): the trap policies of `trap.rs`, listed as
//! `<ike>/<child>` sections in `list-policy` events.

use swanctl_parser::vici::Message;

use super::sa_msg::mode_name;
use super::server::Reply;
use crate::driver::Driver;
use crate::trap::Trap;

impl Driver {
    /// Installs the trap of the first connection (named `ike`, if given)
    /// that has CHILD_SA config `child`.
    pub(crate) fn vici_install(&mut self, msg: &Message) -> Result<(), String> {
        let child = msg.get_str("child").ok_or("missing configuration name")?;
        let ike = msg.get_str("ike");
        tracing::info!(target: "cfg", "vici install '{child}'");
        let conn = self
            .vici
            .conns
            .iter()
            .filter(|c| ike.is_none_or(|n| n == c.name))
            .find(|c| c.children.iter().any(|ch| ch.name == child))
            .map(|c| c.name.clone())
            .ok_or("configuration name not found")?;
        self.install_trap(&conn, child)
            .map_err(|_| format!("installing policy '{child}' failed"))
    }

    pub(crate) fn vici_uninstall(&mut self, msg: &Message) -> Result<(), String> {
        let child = msg.get_str("child").ok_or("missing configuration name")?;
        tracing::info!(target: "cfg", "vici uninstall '{child}'");
        if self.uninstall_trap(msg.get_str("ike"), child) {
            Ok(())
        } else {
            Err(format!("policy '{child}' not found"))
        }
    }

    /// `list-policy` events for the traps (`trap`), filtered by `child`
    /// and `ike`; cygnetd has no pass or drop policies to list.
    pub(crate) fn vici_list_policies(&self, msg: &Message) -> Reply {
        let child = msg.get_str("child");
        let ike = msg.get_str("ike");
        let events = if msg.get_str("trap").is_some() {
            self.traps
                .list
                .iter()
                .filter(|t| ike.is_none_or(|n| n == t.conn))
                .filter(|t| child.is_none_or(|n| n == t.child))
                .map(|t| ("list-policy", list_policy(t)))
                .collect()
        } else {
            Vec::new()
        };
        Reply::Now {
            events,
            response: Message::new(),
        }
    }
}

/// charon's `raise_policy`: `<ike>/<child> { child ike mode local-ts
/// remote-ts }`.
pub(crate) fn list_policy(t: &Trap) -> Message {
    let mut b = Message::new();
    b.push_value("child", t.child.as_str());
    b.push_value("ike", t.conn.as_str());
    b.push_value("mode", mode_name(t.mode));
    b.push_list("local-ts", t.local_ts.iter().map(ToString::to_string));
    b.push_list("remote-ts", t.remote_ts.iter().map(ToString::to_string));
    Message::new().with_section(format!("{}/{}", t.conn, t.child), b)
}
