//! One side of a matrix row: charon (kernel-libipsec) or cygnetd
//! (userspace data plane), both driven with strongSwan's swanctl over
//! their VICI sockets.

use std::path::Path;

use crate::common::cygnetd::{self, Cygnetd, installed_spis};
use crate::common::{Charon, Netns, tail};
use crate::lab::Scenario;
use crate::sas::{self, IkeSa};

/// Which daemon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Charon,
    Cygnet,
}

/// A running daemon.
pub enum Daemon {
    Charon(Charon),
    Cygnet(Cygnetd),
}

impl Daemon {
    /// Starts `kind` in `ns` with the swanctl.conf `conf` (credentials
    /// next to it), its files in `dir`, listening on `addr`; both get the
    /// quick retransmits of `cygnetd::STRONGSWAN_CONF` and the scenario's
    /// settings. A failure names the daemon and ends with its log.
    pub fn start(
        kind: Kind,
        netns: &Netns,
        ns: &str,
        dir: &Path,
        conf: &Path,
        addr: &str,
        scenario: &Scenario,
    ) -> Result<Self, String> {
        let settings = format!("{}{}", cygnetd::STRONGSWAN_CONF, scenario.settings);
        let started = match kind {
            Kind::Charon => Charon::start_with(netns, ns, dir, "", &settings).and_then(|c| match c
                .load_file(conf)
            {
                Ok(out) if out.contains("loaded connection 'gw'") => Ok(Self::Charon(c)),
                Ok(out) | Err(out) => Err(load_failure(&out)),
            }),
            Kind::Cygnet => {
                let listen = if addr.contains(':') {
                    format!("[{addr}]")
                } else {
                    addr.to_owned()
                };
                Cygnetd::start_with(netns, ns, conf, dir, &listen, &settings, &[]).map(Self::Cygnet)
            }
        };
        started.map_err(|e| {
            let log = ["charon.log", "cygnetd.log"]
                .iter()
                .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
                .collect::<String>();
            format!("{kind:?}: {e}\n--- its log ---\n{}", tail(&log, 30))
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Charon(_) => "charon",
            Self::Cygnet(_) => "cygnetd",
        }
    }

    /// strongSwan's swanctl on its VICI socket.
    pub fn swanctl(&self, command: &str, extra: &[&str]) -> Result<String, String> {
        match self {
            Self::Charon(c) => c.swanctl(command, extra),
            Self::Cygnet(c) => c.swanctl(command, extra),
        }
    }

    pub fn log(&self) -> String {
        match self {
            Self::Charon(c) => c.log(),
            Self::Cygnet(c) => c.log(),
        }
    }

    /// `--list-sas`, read back (empty if swanctl fails).
    pub fn sas(&self) -> Vec<IkeSa> {
        sas::parse(&self.list_sas())
    }

    /// `--list-sas` as printed (or why it failed).
    pub fn list_sas(&self) -> String {
        self.swanctl("--list-sas", &[])
            .unwrap_or_else(|e| format!("--list-sas failed: {e}"))
    }

    /// SAD entries cygnetd logged as installed and not deleted (charon:
    /// none, its SAs are all in `--list-sas`).
    pub fn sad_entries(&self) -> Vec<String> {
        match self {
            Self::Charon(_) => Vec::new(),
            Self::Cygnet(c) => installed_spis(&c.log()),
        }
    }
}

/// What `swanctl --load-all` said about loading `gw` (the line naming the
/// failure first).
fn load_failure(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.contains("loading connection"))
        .unwrap_or("connection 'gw' not loaded");
    format!("swanctl --load-all: {line}\n{out}")
}
