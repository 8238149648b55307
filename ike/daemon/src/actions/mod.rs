//! What happens after an SA goes down, as charon decides it:
//! `keyingtries` for an initiation the peer never answered
//! (`ike_sa.c` `retransmit`), `dpd_action` for a dead peer and
//! `close_action` for a peer's Delete (`reestablish`, `child_delete.c`).
//!
//! [`Lifecycle`] follows the core's events and returns [`Decision`]s; the
//! driver carries them out (`execute.rs`).

use core::net::SocketAddr;
use std::collections::{BTreeMap, HashMap};

use ike::{ChildId, DownReason, Event, IkeSaInfo, SaHandle};
use swanctl_parser::config as sw;

/// What to do about an SA that went down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Set the IKE SA up again with these children (the first in
    /// IKE_AUTH): `attempt` counts keying tries, 1 for a restart.
    Initiate {
        conn: String,
        children: Vec<String>,
        local: SocketAddr,
        remote: SocketAddr,
        attempt: u32,
        /// The SA it replaces (pending VICI initiates follow it).
        replaces: SaHandle,
    },
    /// Create the CHILD_SA again on its IKE SA (`close_action = start`).
    Child { sa: SaHandle, child: String },
    /// Install the child's trap policies (`trap`).
    Trap { conn: String, child: String },
}

/// One IKE SA as far as its fate after going down is concerned.
#[derive(Clone, Debug)]
struct Tracked {
    conn: String,
    local: SocketAddr,
    remote: SocketAddr,
    /// We initiated it: a timeout before IKE_AUTH completes is a failed
    /// keying try.
    initiator: bool,
    /// The children asked for when initiating, in order.
    requested: Vec<String>,
    established: bool,
    attempt: u32,
    /// The CHILD_SAs that are up.
    up: BTreeMap<ChildId, String>,
    /// CHILD_SAs the peer deleted (or that went with a dead peer) since
    /// the last [`Lifecycle::settle`].
    closed: Vec<(ChildId, String, DownReason)>,
}

/// The IKE SAs being followed.
#[derive(Default)]
pub(crate) struct Lifecycle {
    sas: HashMap<SaHandle, Tracked>,
    /// The daemon is shutting down: nothing is set up again.
    stopped: bool,
}

impl Lifecycle {
    /// From now on no SA is set up again (shutdown).
    pub(crate) const fn stop(&mut self) {
        self.stopped = true;
    }

    /// We initiated `sa` of `conn` (try number `attempt`) with `children`.
    pub(crate) fn initiated(
        &mut self,
        sa: SaHandle,
        conn: &str,
        children: &[String],
        (local, remote): (SocketAddr, SocketAddr),
        attempt: u32,
    ) {
        self.sas.insert(
            sa,
            Tracked {
                conn: conn.to_owned(),
                local,
                remote,
                initiator: true,
                requested: children.to_vec(),
                established: false,
                attempt,
                up: BTreeMap::new(),
                closed: Vec::new(),
            },
        );
    }

    /// Follows one event of the core; `info` is the event's IKE SA if the
    /// core still has it. An IKE SA going down is decided at once.
    pub(crate) fn observe(
        &mut self,
        event: &Event,
        info: Option<&IkeSaInfo>,
        conns: &[sw::Connection],
    ) -> Vec<Decision> {
        match event {
            Event::IkeUp { sa, .. } => {
                if let Some(t) = self.sas.get_mut(sa) {
                    t.established = true;
                } else if let Some(info) = info {
                    self.sas.insert(*sa, responder(info));
                }
            }
            Event::IkeRekeyed { old, new } => {
                if let Some(t) = self.sas.remove(old) {
                    self.sas.insert(*new, t);
                }
            }
            Event::ChildUp {
                sa, child, name, ..
            } => {
                if let Some(t) = self.sas.get_mut(sa) {
                    t.up.insert(*child, name.clone());
                }
            }
            Event::ChildRekeyed { sa, old, new } => {
                if let Some(t) = self.sas.get_mut(sa)
                    && let Some(name) = t.up.remove(old)
                {
                    t.up.insert(*new, name);
                }
            }
            Event::ChildDown { sa, child, reason } => {
                if let Some(t) = self.sas.get_mut(sa)
                    && let Some(name) = t.up.remove(child)
                    && matches!(reason, DownReason::Peer | DownReason::Timeout)
                {
                    t.closed.push((*child, name, reason.clone()));
                }
            }
            Event::IkeDown { sa, reason } => {
                if let Some(t) = self.sas.remove(sa)
                    && !self.stopped
                {
                    return ike_down(*sa, t, reason, conns);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The CHILD_SAs the peer deleted while their IKE SA stays up:
    /// `close_action` for each (`child_delete.c`).
    pub(crate) fn settle(&mut self, conns: &[sw::Connection]) -> Vec<Decision> {
        let mut out = Vec::new();
        if self.stopped {
            for t in self.sas.values_mut() {
                t.closed.clear();
            }
            return out;
        }
        for (sa, t) in &mut self.sas {
            for (_, child, reason) in core::mem::take(&mut t.closed) {
                let Some(action) = child_action(conns, &t.conn, &child, &reason) else {
                    continue;
                };
                if action.trap {
                    out.push(Decision::Trap {
                        conn: t.conn.clone(),
                        child: child.clone(),
                    });
                }
                if action.start {
                    out.push(Decision::Child { sa: *sa, child });
                }
            }
        }
        out
    }
}

/// An IKE SA the peer set up with us.
fn responder(info: &IkeSaInfo) -> Tracked {
    Tracked {
        conn: info.name.clone(),
        local: info.local,
        remote: info.remote,
        initiator: info.initiator,
        requested: Vec::new(),
        established: true,
        attempt: 1,
        up: BTreeMap::new(),
        closed: Vec::new(),
    }
}

/// `dpd_action` (dead peer) or `close_action` (deleted by the peer) of
/// a child, or `None` when neither applies.
fn child_action(
    conns: &[sw::Connection],
    conn: &str,
    child: &str,
    reason: &DownReason,
) -> Option<sw::Action> {
    let config = conns
        .iter()
        .find(|c| c.name == conn)?
        .children
        .iter()
        .find(|c| c.name == child)?;
    match reason {
        DownReason::Timeout => Some(config.dpd_action),
        DownReason::Peer => Some(config.close_action),
        _ => None,
    }
}

/// The decisions for an IKE SA that went down for `reason`.
fn ike_down(
    sa: SaHandle,
    mut t: Tracked,
    reason: &DownReason,
    conns: &[sw::Connection],
) -> Vec<Decision> {
    let conn = conns.iter().find(|c| c.name == t.conn);
    if !t.established {
        if *reason != DownReason::Timeout || !t.initiator {
            return Vec::new();
        }
        // keyingtries: tries in all, 0 for ever (charon's `retransmit`)
        let tries = conn.map_or(1, |c| c.keyingtries);
        if tries != 0 && t.attempt >= tries {
            tracing::info!(target: "ike", "establishing IKE_SA failed, peer not responding");
            return Vec::new();
        }
        tracing::info!(target: "ike", "peer not responding, trying again ({}/{tries})",
            t.attempt + 1);
        return vec![Decision::Initiate {
            conn: t.conn,
            children: t.requested,
            local: t.local,
            remote: t.remote,
            attempt: t.attempt + 1,
            replaces: sa,
        }];
    }
    let mut children: Vec<(ChildId, String)> =
        t.closed.drain(..).map(|(id, n, _)| (id, n)).collect();
    children.extend(core::mem::take(&mut t.up));
    children.sort();
    let mut out = Vec::new();
    let mut restart = Vec::new();
    for (_, child) in children {
        let Some(action) = child_action(conns, &t.conn, &child, reason) else {
            continue;
        };
        if action.trap {
            out.push(Decision::Trap {
                conn: t.conn.clone(),
                child: child.clone(),
            });
        }
        if action.start && !restart.contains(&child) {
            restart.push(child);
        }
    }
    if !restart.is_empty() {
        // as initiator again, to the peer's address and configured port
        let port = conn.map_or(t.remote.port(), |c| c.remote_port);
        out.push(Decision::Initiate {
            conn: t.conn,
            children: restart,
            local: SocketAddr::new(t.local.ip(), 0),
            remote: SocketAddr::new(t.remote.ip(), port),
            attempt: 1,
            replaces: sa,
        });
    }
    out
}

mod execute;

#[cfg(test)]
mod tests;
