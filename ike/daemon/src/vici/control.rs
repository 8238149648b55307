//! `initiate`, `terminate` and `rekey` (charon's `vici_control.c`): the
//! first two stream `control-log` events while they run and answer when
//! the SAs are up or gone, when they failed, or after `timeout` ms
//! (0: no limit; negative: answer at once, without log).

use core::net::SocketAddr;

use ike::{ChildId, IkeState, SaHandle};
use swanctl_parser::vici::Message;
use tokio::sync::oneshot;

use super::listing::int;
use super::pending::{Kind, Pending};
use super::server::Reply;
use super::{ClientId, reply};
use crate::config::target;
use crate::driver::Driver;
use crate::socket::route_source;

/// A signed request value (charon's `get_int`), `default` if absent.
fn signed(msg: &Message, key: &str, default: i64) -> i64 {
    msg.get_str(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Driver {
    pub(crate) fn vici_initiate(
        &mut self,
        client: ClientId,
        msg: &Message,
        done: oneshot::Sender<()>,
    ) -> Reply {
        let child = msg.get_str("child").map(str::to_owned);
        let ike = msg.get_str("ike");
        let timeout_ms = signed(msg, "timeout", 0);
        let (kind, name) = match (&child, ike) {
            (Some(c), _) => ("CHILD_SA", c.clone()),
            (None, Some(i)) => ("IKE_SA", i.to_owned()),
            (None, None) => return Reply::result(Err("missing configuration name".into())),
        };
        tracing::info!(target: "cfg", "vici initiate {kind} '{name}'");
        self.listen_from_now(timeout_ms);
        let what = format!("{kind} '{name}'");
        let sa = match self.start_sa(ike, child.as_deref()) {
            Ok(sa) => sa,
            Err(Refusal::NotFound) => {
                return Reply::result(Err(format!("{kind} config '{name}' not found")));
            }
            Err(Refusal::Failed) => {
                return Reply::result(Err(format!("establishing {what} failed")));
            }
        };
        if timeout_ms < 0 {
            return Reply::result(Ok(()));
        }
        let kind = Kind::Initiate { sa, child, what };
        let loglevel = signed(msg, "loglevel", 1);
        let pending = Pending::new(client, done, loglevel, timeout_ms, vec![sa], kind);
        self.vici.pending.push(pending);
        Reply::Later
    }

    /// Initiates the child (or the IKE SA alone) of the first connection
    /// that has it, on an established IKE SA of that connection if there
    /// is one, as charon's controller does.
    fn start_sa(&mut self, ike: Option<&str>, child: Option<&str>) -> Result<SaHandle, Refusal> {
        let conn = self
            .vici
            .conns
            .iter()
            .filter(|c| ike.is_none_or(|n| n == c.name))
            .find(|c| child.is_none_or(|n| c.children.iter().any(|ch| ch.name == n)))
            .ok_or(Refusal::NotFound)?
            .clone();
        let now = self.now();
        let existing = self
            .endpoint
            .sas()
            .find(|s| s.name == conn.name && s.state == IkeState::Established)
            .map(|s| s.handle);
        if let Some(sa) = existing {
            if let Some(child) = child {
                self.endpoint
                    .create_child(now, sa, child)
                    .map_err(|e| fail(&format!("unable to create CHILD_SA {child}: {e}")))?;
            }
            return Ok(sa);
        }
        let config = self
            .endpoint
            .configs()
            .iter()
            .find(|c| c.name == conn.name)
            .cloned()
            .ok_or(Refusal::NotFound)?;
        let (local, remote) = target(&conn, &config)
            .ok_or_else(|| fail("unable to resolve %any, initiate aborted"))?;
        let local = local
            .or_else(|| route_source(remote))
            .ok_or_else(|| fail(&format!("no route to {}", remote.ip())))?;
        let local = SocketAddr::new(local, self.port);
        let children: Vec<String> = child.into_iter().map(str::to_owned).collect();
        self.initiate_children(&conn.name, &children, (local, remote), 1)
            .map_err(|e| fail(&format!("unable to initiate {}: {e}", conn.name)))
    }

    pub(crate) fn vici_terminate(
        &mut self,
        client: ClientId,
        msg: &Message,
        done: oneshot::Sender<()>,
    ) -> Reply {
        let child = msg.get_str("child");
        let ike = msg.get_str("ike");
        let (child_id, ike_id) = (int(msg, "child-id"), int(msg, "ike-id"));
        let timeout_ms = signed(msg, "timeout", 0);
        if child.is_none() && ike.is_none() && child_id == 0 && ike_id == 0 {
            return Reply::result(Err("missing terminate selector".into()));
        }
        log_selectors("terminate", ike, ike_id, child, child_id);
        self.listen_from_now(timeout_ms);
        let (ikes, children) = self.select(ike, ike_id, child, child_id);
        let mut owners: Vec<SaHandle> = ikes.clone();
        owners.extend(children.iter().filter_map(|&c| self.endpoint.owner(c)));
        let now = self.now();
        let mut started = Kind::Terminate {
            ikes: Vec::new(),
            children: Vec::new(),
            matches: ikes.len() + children.len(),
            terminated: 0,
        };
        if let Kind::Terminate {
            ikes: wait_ikes,
            children: wait_children,
            terminated,
            ..
        } = &mut started
        {
            for sa in ikes {
                if self.endpoint.delete_ike(now, sa) {
                    wait_ikes.push(sa);
                }
            }
            for c in children {
                if self.endpoint.delete_child(now, c) {
                    wait_children.push(c);
                }
            }
            if timeout_ms < 0 {
                *terminated = wait_ikes.len() + wait_children.len();
                wait_ikes.clear();
                wait_children.clear();
            }
        }
        let loglevel = signed(msg, "loglevel", 1);
        let pending = Pending::new(client, done, loglevel, timeout_ms, owners, started);
        if pending.finished() {
            return Reply::now(pending.outcome(false));
        }
        self.vici.pending.push(pending);
        Reply::Later
    }

    /// Hands earlier log lines to their listeners and keeps the following
    /// ones for a command that will stream them (charon registers its log
    /// listener after logging the command).
    fn listen_from_now(&mut self, timeout_ms: i64) {
        self.vici_flush_logs(None);
        if timeout_ms >= 0 {
            self.vici.tap.set_active(true);
        }
    }

    /// The IKE SAs (without child selectors) or CHILD_SAs selected, as
    /// charon's `terminate` and `rekey` select them.
    fn select(
        &self,
        ike: Option<&str>,
        ike_id: u32,
        child: Option<&str>,
        child_id: u32,
    ) -> (Vec<SaHandle>, Vec<ChildId>) {
        let (mut ikes, mut children) = (Vec::new(), Vec::new());
        for sa in self.endpoint.sas() {
            if child.is_some() || child_id != 0 {
                if ike.is_some_and(|n| n != sa.name) || (ike_id != 0 && ike_id != sa.handle.0) {
                    continue;
                }
                children.extend(
                    sa.children
                        .iter()
                        .filter(|c| child.is_none_or(|n| n == c.name))
                        .filter(|c| child_id == 0 || child_id == c.id.0)
                        .map(|c| c.id),
                );
            } else if ike.is_some_and(|n| n == sa.name) || (ike_id != 0 && ike_id == sa.handle.0) {
                ikes.push(sa.handle);
            }
        }
        (ikes, children)
    }

    pub(crate) fn vici_rekey(&mut self, msg: &Message) -> Message {
        let child = msg.get_str("child");
        let ike = msg.get_str("ike");
        let (child_id, ike_id) = (int(msg, "child-id"), int(msg, "ike-id"));
        if child.is_none() && ike.is_none() && child_id == 0 && ike_id == 0 {
            return reply(Err("missing rekey selector".into()));
        }
        if msg.get_str("reauth").is_some_and(|v| v == "yes") {
            return reply(Err("reauthentication is not supported by cygnetd".into()));
        }
        log_selectors("rekey", ike, ike_id, child, child_id);
        let (ikes, children) = self.select(ike, ike_id, child, child_id);
        let now = self.now();
        let mut found = 0usize;
        for sa in ikes {
            match self.endpoint.rekey_ike(now, sa) {
                Ok(()) => found += 1,
                Err(e) => tracing::info!(target: "ike", "unable to rekey IKE_SA #{sa}: {e}"),
            }
        }
        for c in children {
            found += usize::from(self.endpoint.rekey_child(now, c));
        }
        let mut m = if found == 0 {
            Message::new().with_value("success", "no")
        } else {
            Message::new().with_value("success", "yes")
        };
        m.push_value("matches", found.to_string());
        if found == 0 {
            m.push_value("errmsg", "no matching SAs to rekey found");
        }
        m
    }
}

fn log_selectors(what: &str, ike: Option<&str>, ike_id: u32, child: Option<&str>, child_id: u32) {
    if ike_id != 0 {
        tracing::info!(target: "cfg", "vici {what} IKE_SA #{ike_id}");
    }
    if child_id != 0 {
        tracing::info!(target: "cfg", "vici {what} CHILD_SA #{child_id}");
    }
    if let Some(ike) = ike {
        tracing::info!(target: "cfg", "vici {what} IKE_SA '{ike}'");
    }
    if let Some(child) = child {
        tracing::info!(target: "cfg", "vici {what} CHILD_SA '{child}'");
    }
}

/// Why an initiate did not start.
enum Refusal {
    NotFound,
    Failed,
}

fn fail(why: &str) -> Refusal {
    tracing::info!(target: "cfg", "{why}");
    Refusal::Failed
}
