//! `install`, `uninstall` (charon's `vici_control.c`) and `list-policies`
//! (`vici_query.c`): the trap policies of `trap.rs`, listed as
//! `<ike>/<child>` sections in `list-policy` events.

use swanctl_parser::vici::Message;

use swanctl_parser::config::Mode;

use super::conn_msg;
use super::sa_msg::mode_name;
use super::server::Reply;
use crate::config::ts;
use crate::driver::Driver;
use crate::shunt::{Shunt, is_shunt};
use crate::trap::Trap;

impl Driver {
    /// Installs the trap of the first connection (named `ike`, if given)
    /// that has CHILD_SA config `child`.
    pub(crate) fn vici_install(&mut self, msg: &Message) -> Result<(), String> {
        let child = msg.get_str("child").ok_or("missing configuration name")?;
        let ike = msg.get_str("ike");
        tracing::info!(target: "cfg", "vici install '{child}'");
        let (conn, shunt) = self
            .vici
            .conns
            .iter()
            .filter(|c| ike.is_none_or(|n| n == c.name))
            .find_map(|c| {
                let ch = c.children.iter().find(|ch| ch.name == child)?;
                Some((c.name.clone(), is_shunt(ch)))
            })
            .ok_or("configuration name not found")?;
        let installed = if shunt {
            self.install_shunt(&conn, child)
        } else {
            self.install_trap(&conn, child)
        };
        installed.map_err(|_| format!("installing policy '{child}' failed"))
    }

    pub(crate) fn vici_uninstall(&mut self, msg: &Message) -> Result<(), String> {
        let child = msg.get_str("child").ok_or("missing configuration name")?;
        tracing::info!(target: "cfg", "vici uninstall '{child}'");
        let ike = msg.get_str("ike");
        if self.uninstall_shunt(ike, child) || self.uninstall_trap(ike, child) {
            Ok(())
        } else {
            Err(format!("policy '{child}' not found"))
        }
    }

    /// `list-policy` events for the traps (`trap`), then the shunts
    /// (`drop`, `pass`), filtered by `child` and `ike`.
    pub(crate) fn vici_list_policies(&self, msg: &Message) -> Reply {
        let child = msg.get_str("child");
        let ike = msg.get_str("ike");
        let flag = |key| msg.get_str(key).is_some();
        let mut events = Vec::new();
        if flag("trap") {
            let traps = self.traps.list.iter();
            events.extend(
                traps
                    .filter(|t| ike.is_none_or(|n| n == t.conn))
                    .filter(|t| child.is_none_or(|n| n == t.child))
                    .map(|t| ("list-policy", list_policy(t))),
            );
        }
        let shunts = self.traps.shunts.iter();
        events.extend(
            shunts
                .filter(|s| ike.is_none_or(|n| n == s.conn))
                .filter(|s| child.is_none_or(|n| n == s.child.name))
                .filter(|s| match s.child.mode {
                    Mode::Pass => flag("pass"),
                    _ => flag("drop"),
                })
                .map(|s| ("list-policy", list_shunt(s))),
        );
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

/// charon's `raise_policy_cfg`: the configured selectors, unresolved.
pub(crate) fn list_shunt(s: &Shunt) -> Message {
    let c = &s.child;
    let mut b = Message::new();
    b.push_value("child", c.name.as_str());
    b.push_value("ike", s.conn.as_str());
    b.push_value("mode", conn_msg::mode(c.mode));
    b.push_list("local-ts", c.local_ts.iter().map(|t| ts(t).to_string()));
    b.push_list("remote-ts", c.remote_ts.iter().map(|t| ts(t).to_string()));
    Message::new().with_section(format!("{}/{}", s.conn, c.name), b)
}
