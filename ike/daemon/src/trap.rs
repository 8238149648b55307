//! Trap policies (`start_action = trap`, VICI `install`), as charon's
//! `trap_manager.c` keeps them: a configured CHILD_SA's policies with a
//! reqid and no SAs; traffic that hits them comes back as an acquire, and
//! the CHILD_SA is negotiated with that reqid and the packet's selectors
//! first (RFC 7296 §2.9). The trap stays when the CHILD_SA goes.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use esp_install::PolicySpec;
use ike::SaHandle;
use ike::config::Mode;
use ike::wire::TrafficSelector;

use crate::config::target;
use crate::driver::Driver;
use crate::install;
use crate::shunt::{Shunt, is_shunt};
use crate::socket::route_source;

/// One installed trap.
#[derive(Clone, Debug)]
pub(crate) struct Trap {
    /// The connection.
    pub(crate) conn: String,
    /// The child.
    pub(crate) child: String,
    /// The reqid of its policies and of the CHILD_SAs they trigger.
    pub(crate) reqid: u32,
    pub(crate) mode: Mode,
    /// Our address, where IKE starts from.
    pub(crate) local: IpAddr,
    /// The peer, where IKE goes.
    pub(crate) remote: SocketAddr,
    pub(crate) local_ts: Vec<TrafficSelector>,
    pub(crate) remote_ts: Vec<TrafficSelector>,
    /// What the installer holds for it.
    policies: Vec<PolicySpec>,
}

/// An acquire being handled: no other for its reqid until the CHILD_SA is
/// up or failed, or its IKE SA gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Acquiring {
    reqid: u32,
    sa: SaHandle,
}

/// The traps, newest first (charon lists them so), the acquires, and the
/// shunts (`shunt.rs`), oldest first.
#[derive(Debug, Default)]
pub(crate) struct Traps {
    pub(crate) list: Vec<Trap>,
    acquiring: Vec<Acquiring>,
    pub(crate) shunts: Vec<Shunt>,
}

impl Traps {
    fn position(&self, conn: Option<&str>, child: &str) -> Option<usize> {
        self.list
            .iter()
            .position(|t| t.child == child && conn.is_none_or(|c| c == t.conn))
    }
}

impl Driver {
    /// Installs (or updates) the trap policies of child `child` of
    /// connection `conn`, as charon's `trap_manager.install`: with our
    /// address and the peer's resolved, `dynamic` selectors become them.
    ///
    /// # Errors
    /// Why not, already logged.
    pub(crate) fn install_trap(&mut self, conn: &str, child: &str) -> Result<(), String> {
        let fail = |why: &str| {
            tracing::info!(target: "cfg", "{why}");
            Err(why.to_owned())
        };
        let Some(sw) = self.vici.conns.iter().find(|c| c.name == conn) else {
            return fail(&format!("connection '{conn}' not found"));
        };
        let config = self.endpoint.configs().iter().find(|c| c.name == conn);
        let Some((config, child_cfg)) = config.and_then(|c| Some((c, c.child(child)?.clone())))
        else {
            return fail(&format!("CHILD_SA config '{child}' not found"));
        };
        let Some((local, remote)) = target(sw, config) else {
            return fail("installing trap failed, remote address unknown");
        };
        let local = local
            .or_else(|| route_source(remote))
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let old = self.traps.position(Some(conn), child).map(|at| {
            tracing::info!(target: "cfg", "updating already routed CHILD_SA '{child}'");
            self.traps.list.remove(at)
        });
        let reqid = match &old {
            Some(old) => {
                install::del_policy_specs(self.installer.as_mut(), &old.policies);
                old.reqid
            }
            None => self.endpoint.alloc_reqid(),
        };
        let local_ts = ike::ts::propose(&child_cfg.local_ts, &[local]);
        let remote_ts = ike::ts::propose(&child_cfg.remote_ts, &[remote.ip()]);
        let policies = install::trap_policies(
            reqid,
            child_cfg.mode,
            (local, remote.ip()),
            (&local_ts, &remote_ts),
        );
        install::add_policy_specs(self.installer.as_mut(), &policies);
        self.traps.list.insert(
            0,
            Trap {
                conn: conn.to_owned(),
                child: child.to_owned(),
                reqid,
                mode: child_cfg.mode,
                local,
                remote,
                local_ts,
                remote_ts,
                policies,
            },
        );
        Ok(())
    }

    /// Removes the trap of `child` (of connection `conn`, if given);
    /// whether there was one (charon's `trap_manager.uninstall`).
    pub(crate) fn uninstall_trap(&mut self, conn: Option<&str>, child: &str) -> bool {
        let Some(at) = self.traps.position(conn, child) else {
            return false;
        };
        let trap = self.traps.list.remove(at);
        install::del_policy_specs(self.installer.as_mut(), &trap.policies);
        self.traps.acquiring.retain(|a| a.reqid != trap.reqid);
        true
    }

    /// Installs the traps and shunts of the `start_action = trap` children
    /// of connection `conn`, or of every connection (charon's
    /// `run_start_action`).
    pub(crate) fn trap_start_actions(&mut self, conn: Option<&str>) {
        let wanted: Vec<(String, String, bool)> = self
            .vici
            .conns
            .iter()
            .filter(|c| conn.is_none_or(|n| n == c.name))
            .flat_map(|c| {
                c.children
                    .iter()
                    .filter(|ch| ch.start_action.trap)
                    .map(|ch| (c.name.clone(), ch.name.clone(), is_shunt(ch)))
            })
            .collect();
        for (conn, child, shunt) in wanted {
            tracing::info!(target: "cfg", "installing '{child}'");
            let _ = if shunt {
                self.install_shunt(&conn, &child)
            } else {
                self.install_trap(&conn, &child)
            };
        }
    }

    /// Removes every trap and shunt of connection `conn` (`unload-conn`).
    pub(crate) fn uninstall_traps_of(&mut self, conn: &str) {
        self.uninstall_traps_where(conn, |_| true);
    }

    /// Removes the traps and shunts of connection `conn` whose child its
    /// (reloaded) configuration no longer has.
    pub(crate) fn prune_traps_of(&mut self, conn: &str) {
        let kept: Vec<String> = self
            .vici
            .conns
            .iter()
            .filter(|c| c.name == conn)
            .flat_map(|c| c.children.iter().map(|ch| ch.name.clone()))
            .collect();
        self.uninstall_traps_where(conn, |child| !kept.iter().any(|k| k == child));
    }

    fn uninstall_traps_where(&mut self, conn: &str, gone: impl Fn(&str) -> bool) {
        let traps = self.traps.list.iter().filter(|t| t.conn == conn);
        let mut children: Vec<String> = traps.map(|t| t.child.clone()).collect();
        let shunts = self.traps.shunts.iter().filter(|s| s.conn == conn);
        children.extend(shunts.map(|s| s.child.name.clone()));
        children.retain(|c| gone(c));
        for child in children {
            tracing::info!(target: "cfg", "uninstalling '{child}'");
            if !self.uninstall_shunt(Some(conn), &child) {
                self.uninstall_trap(Some(conn), &child);
            }
        }
    }

    /// Removes every trap and shunt (shutdown: no acquires while the SAs
    /// go).
    pub(crate) fn flush_traps(&mut self) {
        let shunts = core::mem::take(&mut self.traps.shunts);
        let policies = core::mem::take(&mut self.traps.list)
            .into_iter()
            .map(|t| t.policies)
            .chain(shunts.into_iter().map(Shunt::into_policies));
        for list in policies.collect::<Vec<_>>() {
            install::del_policy_specs(self.installer.as_mut(), &list);
        }
        self.traps.acquiring.clear();
    }
}

#[path = "trap_acquire.rs"]
mod acquire;

#[cfg(test)]
#[path = "trap_tests.rs"]
pub(crate) mod tests;
