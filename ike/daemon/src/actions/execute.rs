//! The driver's side of [`super::Lifecycle`]: following the core's
//! events and carrying out the [`Decision`]s.

use core::net::SocketAddr;

use ike::{Event, SaHandle};

use super::Decision;
use crate::driver::Driver;

impl Driver {
    /// Follows an event of the core and acts on what went down.
    pub(crate) fn after(&mut self, event: &Event) {
        let info = match event {
            Event::IkeUp { sa, .. } | Event::IkeRekeyed { new: sa, .. } => self.endpoint.sa(*sa),
            _ => None,
        };
        if let Some(info) = &info {
            self.vici.tap.name_sa(info.handle, Some(&info.name));
        }
        if let Event::IkeDown { sa, .. } = event {
            self.vici.tap.name_sa(*sa, None);
        }
        let decisions = self.life.observe(event, info.as_ref(), &self.vici.conns);
        self.decide(decisions);
    }

    /// Initiates `children` of `conn` (the first in IKE_AUTH, the others
    /// with CREATE_CHILD_SA once it is up) as keying try `attempt`; a
    /// local port of 0 takes `charon.port`.
    ///
    /// # Errors
    /// The core's refusal (no such connection or child).
    pub(crate) fn initiate_children(
        &mut self,
        conn: &str,
        children: &[String],
        (local, remote): (SocketAddr, SocketAddr),
        attempt: u32,
    ) -> Result<SaHandle, ike::Error> {
        let now = self.now();
        let local = if local.port() == 0 {
            SocketAddr::new(local.ip(), self.port)
        } else {
            local
        };
        let first = children.first().map(String::as_str);
        let sa = self.endpoint.initiate(now, conn, first, local, remote)?;
        self.vici.tap.set_sa(Some(sa));
        self.vici.tap.name_sa(sa, Some(conn));
        self.events.named(sa, conn);
        for child in children.iter().skip(1) {
            if let Err(e) = self.endpoint.create_child(now, sa, child) {
                tracing::warn!(target: "cfg", "unable to start {child}: {e}");
            }
        }
        self.life
            .initiated(sa, conn, children, (local, remote), attempt);
        Ok(sa)
    }

    /// Carries out `decisions`.
    pub(crate) fn decide(&mut self, decisions: Vec<Decision>) {
        for decision in decisions {
            match decision {
                Decision::Initiate {
                    conn,
                    children,
                    local,
                    remote,
                    attempt,
                    replaces,
                } => {
                    if attempt == 1 {
                        tracing::info!(target: "ike", "restarting CHILD_SAs {} of {conn}",
                            children.join(", "));
                    }
                    match self.initiate_children(&conn, &children, (local, remote), attempt) {
                        Ok(sa) => self.vici_retarget(replaces, sa),
                        Err(e) => tracing::warn!(target: "cfg", "unable to initiate {conn}: {e}"),
                    }
                }
                Decision::Child { sa, child } => {
                    tracing::info!(target: "chd", "restarting CHILD_SA {child}");
                    if let Err(e) = self.endpoint.create_child(self.now(), sa, &child) {
                        tracing::warn!(target: "chd", "unable to restart CHILD_SA {child}: {e}");
                    }
                }
                // `dpd_action`/`close_action = trap`: traffic brings it
                // back (install_trap logs why if it cannot)
                Decision::Trap { conn, child } => {
                    let _ = self.install_trap(&conn, &child);
                }
            }
        }
    }
}
