//! Acquires (charon's `trap_manager.acquire`): traffic that hit a trap
//! starts its CHILD_SA, once until it is up or failed.

use core::net::SocketAddr;

use esp_install::{KernelEvent, Selector};
use ike::ts::TsSpec;
use ike::wire::TrafficSelector;
use ike::{ChildInit, IkeState};

use super::Acquiring;
use crate::driver::Driver;

impl Driver {
    /// Negotiates the CHILD_SA of the trap an acquire names, on an IKE SA
    /// of its connection or a new one (charon's `trap_manager.acquire`).
    pub(crate) fn acquire(&mut self, event: &KernelEvent) {
        let KernelEvent::Acquire { reqid, src, dst } = event else {
            return;
        };
        let reqid = *reqid;
        tracing::info!(target: "knl", "creating acquire job for policy {src} === {dst} with reqid {{{reqid}}}");
        let Some(trap) = self.traps.list.iter().find(|t| t.reqid == reqid).cloned() else {
            tracing::info!(target: "cfg", "trap not found, unable to acquire reqid {reqid}");
            return;
        };
        if self.traps.acquiring.iter().any(|a| a.reqid == reqid) {
            tracing::info!(target: "cfg", "ignoring acquire for reqid {reqid}, connection attempt pending");
            return;
        }
        let init = ChildInit {
            reqid: Some(reqid),
            packet: packet_ts(src).zip(packet_ts(dst)),
        };
        let now = self.now();
        let existing = self
            .endpoint
            .sas()
            .find(|s| {
                s.name == trap.conn
                    && (s.state == IkeState::Established
                        || (s.state == IkeState::Connecting && s.initiator))
            })
            .map(|s| s.handle);
        let started = match existing {
            Some(sa) => self
                .endpoint
                .create_child_with(now, sa, &trap.child, init)
                .map(|()| sa),
            None => {
                let local = SocketAddr::new(trap.local, self.port);
                let sa = self.endpoint.initiate_child(
                    now,
                    &trap.conn,
                    &trap.child,
                    init,
                    (local, trap.remote),
                );
                if let Ok(sa) = sa {
                    self.events.named(sa, &trap.conn);
                }
                sa
            }
        };
        match started {
            Ok(sa) => self.traps.acquiring.push(Acquiring { reqid, sa }),
            Err(e) => tracing::info!(target: "cfg", "acquiring '{}' failed: {e}", trap.child),
        }
    }

    /// Ends the acquires an event completes: the CHILD_SA is up or failed,
    /// or the IKE SA is gone (charon's trap listener); follows IKE rekeys.
    pub(crate) fn trap_event(&mut self, event: &ike::Event) {
        let acquiring = &mut self.traps.acquiring;
        match event {
            ike::Event::ChildUp { sa, child, .. } => {
                let reqid = self
                    .endpoint
                    .sa(*sa)
                    .and_then(|info| info.children.into_iter().find(|c| c.id == *child))
                    .map(|c| c.reqid);
                acquiring.retain(|a| !(a.sa == *sa && Some(a.reqid) == reqid));
            }
            ike::Event::ChildFailed { sa, name, .. } => {
                let list = &self.traps.list;
                acquiring.retain(|a| {
                    a.sa != *sa || !list.iter().any(|t| t.reqid == a.reqid && t.child == *name)
                });
            }
            ike::Event::IkeDown { sa, .. } => acquiring.retain(|a| a.sa != *sa),
            ike::Event::IkeRekeyed { old, new } => {
                for a in acquiring.iter_mut().filter(|a| a.sa == *old) {
                    a.sa = *new;
                }
            }
            _ => {}
        }
    }
}

/// An acquire's selector as a traffic selector (charon's `selector2ts`);
/// `None` for mixed families.
fn packet_ts(s: &Selector) -> Option<TrafficSelector> {
    TsSpec::range(s.from, s.to)
        .with_protocol(s.protocol, s.from_port, s.to_port)
        .selector()
}
