//! `initiate`, `terminate` and `rekey` (charon's `vici_control.c`): the
//! first two stream `control-log` events while they run and answer when
//! the SAs are up or gone, when they failed, or after `timeout` ms
//! (0: no limit; negative: answer at once, without log).

use core::net::SocketAddr;
use core::time::Duration;

use ike::{ChildId, Event, IkeState, SaHandle};
use swanctl_parser::vici::Message;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::listing::int;
use super::logtap::Line;
use super::server::Reply;
use super::{ClientId, reply};
use crate::config::target;
use crate::driver::Driver;
use crate::socket::route_source;

/// A command waiting for the core.
pub(crate) struct Pending {
    pub(crate) client: ClientId,
    /// Dropped when answered: the client task then reads the next request.
    done: oneshot::Sender<()>,
    /// Highest log level forwarded.
    loglevel: i64,
    deadline: Option<Instant>,
    timeout_ms: i64,
    /// The SA or CHILD_SA failed to come up.
    failed: bool,
    kind: Kind,
}

enum Kind {
    Initiate {
        sa: SaHandle,
        child: Option<String>,
        /// `CHILD_SA 'net'` or `IKE_SA 'gw'`.
        what: String,
    },
    Terminate {
        ikes: Vec<SaHandle>,
        children: Vec<ChildId>,
        matches: usize,
        terminated: usize,
    },
}

/// A signed request value (charon's `get_int`), `default` if absent.
fn signed(msg: &Message, key: &str, default: i64) -> i64 {
    msg.get_str(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn deadline(timeout_ms: i64) -> Option<Instant> {
    u64::try_from(timeout_ms)
        .ok()
        .filter(|&ms| ms > 0)
        .map(|ms| Instant::now() + Duration::from_millis(ms))
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
        self.vici.pending.push(Pending {
            client,
            done,
            loglevel: signed(msg, "loglevel", 1),
            deadline: deadline(timeout_ms),
            timeout_ms,
            failed: false,
            kind: Kind::Initiate { sa, child, what },
        });
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
        let sa = self
            .endpoint
            .initiate(now, &conn.name, child, local, remote)
            .map_err(|e| fail(&format!("unable to initiate {}: {e}", conn.name)))?;
        tracing::info!(target: "ike", "initiating IKE_SA {}[{sa}] to {}", conn.name, remote.ip());
        self.events.named(sa, &conn.name);
        Ok(sa)
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
        let pending = Pending {
            client,
            done,
            loglevel: signed(msg, "loglevel", 1),
            deadline: deadline(timeout_ms),
            timeout_ms,
            failed: false,
            kind: started,
        };
        if pending.finished() {
            let (response, _) = pending.outcome(false);
            return Reply::now(response);
        }
        self.vici.pending.push(pending);
        Reply::Later
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

    /// A core event: answers the commands it completes.
    pub(crate) fn vici_complete(&mut self, event: &Event) {
        let mut i = 0;
        while let Some(p) = self.vici.pending.get_mut(i) {
            if p.observe(event) {
                let p = self.vici.pending.swap_remove(i);
                self.vici_finish(p, false);
            } else {
                i += 1;
            }
        }
    }

    /// When the next running command times out.
    pub(crate) fn vici_deadline(&self) -> Option<Instant> {
        self.vici.pending.iter().filter_map(|p| p.deadline).min()
    }

    /// Answers the commands whose time is up.
    pub(crate) fn vici_timeouts(&mut self) {
        let now = Instant::now();
        let (due, keep): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.vici.pending)
            .into_iter()
            .partition(|p| p.deadline.is_some_and(|d| d <= now));
        self.vici.pending = keep;
        for p in due {
            self.vici_finish(p, true);
        }
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

    fn vici_finish(&mut self, p: Pending, timed_out: bool) {
        self.vici_flush_logs(Some((p.client, p.loglevel)));
        let (response, _) = p.outcome(timed_out);
        self.vici_answer(p.client, Vec::new(), response);
        drop(p.done);
        self.vici.update_tap();
    }

    /// Forwards the log lines kept since the last call: `control-log` to
    /// the clients of running commands (and `finishing`, whose command is
    /// about to be answered), `log` to registered clients.
    pub(crate) fn vici_flush_logs(&mut self, finishing: Option<(ClientId, i64)>) {
        let lines = self.vici.tap.take();
        if lines.is_empty() {
            return;
        }
        let listeners: Vec<(ClientId, i64)> = self
            .vici
            .pending
            .iter()
            .map(|p| (p.client, p.loglevel))
            .chain(finishing)
            .collect();
        for line in &lines {
            for &(client, level) in &listeners {
                if i64::from(line.level) <= level {
                    let msg = log_message(line, false);
                    self.vici.clients.raise_to(client, "control-log", msg);
                }
            }
            if self.vici.clients.listened("log") {
                self.vici.clients.raise("log", &log_message(line, true));
            }
        }
    }
}

/// The keys of a `log` or `control-log` event (no SA context: the core's
/// log lines carry none).
fn log_message(line: &Line, thread: bool) -> Message {
    let mut m = Message::new()
        .with_value("group", line.group)
        .with_value("level", line.level.to_string());
    if thread {
        m.push_value("thread", "0");
    }
    m.push_value("msg", line.msg.as_str());
    m
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

impl Pending {
    /// Whether `event` completes the command.
    fn observe(&mut self, event: &Event) -> bool {
        match (&mut self.kind, event) {
            (
                Kind::Initiate {
                    sa, child: None, ..
                },
                Event::IkeUp { sa: up, .. },
            ) => up == sa,
            (
                Kind::Initiate {
                    sa, child: Some(c), ..
                },
                Event::ChildUp { sa: up, name, .. },
            ) => up == sa && name == c,
            (
                Kind::Initiate {
                    sa, child: Some(c), ..
                },
                Event::ChildFailed { sa: on, name, .. },
            ) => {
                self.failed = on == sa && name == c;
                self.failed
            }
            (Kind::Initiate { sa, .. }, Event::IkeDown { sa: down, .. }) => {
                self.failed = down == sa;
                self.failed
            }
            (
                Kind::Terminate {
                    ikes, terminated, ..
                },
                Event::IkeDown { sa, .. },
            ) => {
                let before = ikes.len();
                ikes.retain(|s| s != sa);
                *terminated += before - ikes.len();
                self.finished()
            }
            (
                Kind::Terminate {
                    children,
                    terminated,
                    ..
                },
                Event::ChildDown { child, .. },
            ) => {
                let before = children.len();
                children.retain(|c| c != child);
                *terminated += before - children.len();
                self.finished()
            }
            _ => false,
        }
    }

    fn finished(&self) -> bool {
        matches!(&self.kind, Kind::Terminate { ikes, children, .. } if ikes.is_empty() && children.is_empty())
    }

    /// The response, and whether it reports success.
    fn outcome(&self, timed_out: bool) -> (Message, bool) {
        match &self.kind {
            Kind::Initiate { what, .. } => {
                let result = if timed_out {
                    Err(format!(
                        "{what} not established after {}ms",
                        self.timeout_ms
                    ))
                } else if self.failed {
                    Err(format!("establishing {what} failed"))
                } else {
                    Ok(())
                };
                let ok = result.is_ok();
                (reply(result), ok)
            }
            Kind::Terminate {
                matches,
                terminated,
                ..
            } => {
                let errmsg = if *matches == 0 {
                    Some("no matching SAs to terminate found")
                } else if terminated < matches && *matches == 1 {
                    Some("terminating SA failed")
                } else if terminated < matches {
                    Some("not all matching SAs could be terminated")
                } else {
                    None
                };
                let mut m = Message::new()
                    .with_value("success", if errmsg.is_some() { "no" } else { "yes" })
                    .with_value("matches", matches.to_string())
                    .with_value("terminated", terminated.to_string());
                if let Some(e) = errmsg {
                    m.push_value("errmsg", e);
                }
                (m, errmsg.is_none())
            }
        }
    }
}
