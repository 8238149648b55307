//! `load-conn` and `unload-conn` (charon's `vici_config.c`): the request
//! tree goes through swanctl-parser's typed parser, as swanctl.conf does,
//! then through the daemon's conversion for the core. The first refused
//! connection ends the request with its message; earlier ones stay
//! loaded, as in charon.

use std::sync::Arc;

use swanctl_parser::config::{ConfNode, parse_connection};
use swanctl_parser::vici::Message;

use crate::config::{connection, starts};
use crate::driver::Driver;

impl Driver {
    pub(crate) fn vici_load_conn(&mut self, msg: &Message) -> Result<(), String> {
        if !msg.all_names_printable() {
            return Err("parsing request failed".into());
        }
        for node in ConfNode::from_vici_request(msg) {
            let conn = parse_connection(&node).map_err(|errors| {
                for e in &errors {
                    tracing::info!(target: "cfg", "{}: {}", node.name, e.errmsg());
                }
                errors
                    .first()
                    .map_or_else(|| "parsing request failed".to_owned(), |e| e.errmsg())
            })?;
            let config = connection(&conn, &self.vici.dir).map_err(|errors| {
                let why: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
                let why = why.join(", ");
                tracing::info!(target: "cfg", "{}: {why}, config discarded", conn.name);
                format!("{why}, config discarded")
            })?;
            let name = conn.name.clone();
            let start = starts(&conn, &config);
            let updated = self.vici.conns.iter().any(|c| c.name == name);
            self.vici.conns.retain(|c| c.name != name);
            self.vici.conns.push(conn);
            self.endpoint.load_config(Arc::new(config));
            if updated {
                tracing::info!(target: "cfg", "updated vici connection: {name}");
            } else {
                tracing::info!(target: "cfg", "added vici connection: {name}");
            }
            self.prune_traps_of(&name);
            self.trap_start_actions(Some(&name));
            self.start(&start);
        }
        Ok(())
    }

    pub(crate) fn vici_unload_conn(&mut self, msg: &Message) -> Result<(), String> {
        let name = msg
            .get_str("name")
            .ok_or("unload: missing connection name")?;
        let before = self.vici.conns.len();
        self.uninstall_traps_of(name);
        self.vici.conns.retain(|c| c.name != name);
        self.endpoint.unload_config(name);
        if before == self.vici.conns.len() {
            return Err(format!("unload: connection '{name}' not found"));
        }
        tracing::info!(target: "cfg", "unloaded vici connection: {name}");
        Ok(())
    }
}
