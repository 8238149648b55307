//! Crash cleanup for the kernel backend: SAs and policies outlive a
//! cygnetd killed with SIGKILL. [`Journaled`] keeps a state file in the
//! run directory listing what is installed, rewritten as SAs and policies
//! come and go; the next start removes what the file still lists
//! ([`purge`]) before it installs anything. The userspace backend's state
//! dies with the process (its TUN device too), and a stale VICI socket is
//! replaced at bind.

mod codec;
mod journal;

use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use esp_install::{
    InstallError, Installer, KernelEvent, OffloadMode, PolicySpec, Protocol, SaId, SaSpec, SaStats,
    SaUpdate,
};
use tokio::sync::mpsc;

pub(crate) use codec::Entry;
use journal::Journal;

/// The state file's name in the run directory.
pub(crate) const STATE_FILE: &str = "cygnetd.installed";

/// Where the state file goes: next to the VICI socket, else charon's
/// piddir.
pub(crate) fn state_path(vici_socket: Option<&str>) -> PathBuf {
    let dir = vici_socket
        .and_then(|s| Path::new(s).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("/var/run"));
    dir.join(STATE_FILE)
}

/// Removes what a previous run left installed according to the state
/// file at `path`, then the file. Returns how many entries it removed.
pub(crate) fn purge(installer: &mut dyn Installer, path: &Path) -> usize {
    let entries = match journal::read(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return 0,
        Err(e) => {
            tracing::warn!(target: "knl", "reading {}: {e}", path.display());
            return 0;
        }
    };
    if !entries.is_empty() {
        tracing::info!(target: "knl", "removing {} SAs and policies a previous run left installed",
            entries.len());
    }
    let mut removed = 0;
    // policies first, as charon deletes them before their SAs
    for entry in entries.iter().rev() {
        let result = match entry {
            // the kernel knows it, this installer not yet: take it over first
            Entry::Policy(p) => installer
                .add_policy(p)
                .and_then(|()| installer.del_policy(p)),
            Entry::Sa(id) => installer.del_sa(id),
        };
        match result {
            Ok(()) | Err(InstallError::NotFound) => removed += 1,
            Err(e) => tracing::warn!(target: "knl", "unable to remove {}: {e}", entry.line()),
        }
    }
    if let Err(e) = fs::remove_file(path) {
        tracing::warn!(target: "knl", "removing {}: {e}", path.display());
    }
    removed
}

/// An installer that lists what it holds in a state file.
pub(crate) struct Journaled<I> {
    inner: I,
    journal: Journal,
}

impl<I: Installer> Journaled<I> {
    /// Wraps `inner`; the file is written with the first entry.
    pub(crate) const fn new(inner: I, path: PathBuf) -> Self {
        Self {
            inner,
            journal: Journal::new(path),
        }
    }

    /// The wrapped installer.
    #[cfg(test)]
    pub(crate) fn into_inner(self) -> I {
        self.inner
    }
}

impl<I: Installer> Installer for Journaled<I> {
    fn get_spi(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        protocol: Protocol,
    ) -> Result<u32, InstallError> {
        let spi = self.inner.get_spi(src, dst, protocol)?;
        self.journal.add(Entry::Sa(SaId { spi, dst, protocol }));
        Ok(spi)
    }

    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        let entry = Entry::Sa(sa.id);
        let listed = self.journal.contains(&entry);
        if !listed {
            self.journal.add(entry.clone());
        }
        self.inner.add_sa(sa).inspect_err(|_| {
            if !listed {
                self.journal.remove(&entry);
            }
        })
    }

    fn update_sa(&mut self, id: &SaId, update: &SaUpdate) -> Result<(), InstallError> {
        self.inner.update_sa(id, update)?;
        let moved = SaId {
            dst: update.dst.ip(),
            ..*id
        };
        self.journal.remove(&Entry::Sa(*id));
        self.journal.add(Entry::Sa(moved));
        Ok(())
    }

    fn query_sa(&mut self, id: &SaId) -> Result<SaStats, InstallError> {
        self.inner.query_sa(id)
    }

    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        let result = self.inner.del_sa(id);
        // gone either way once the kernel does not know it
        if matches!(result, Ok(()) | Err(InstallError::NotFound)) {
            self.journal.remove(&Entry::Sa(*id));
        }
        result
    }

    fn add_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        // listed before the kernel has it: a crash in between leaves a
        // harmless extra line, never an unlisted policy
        let entry = Entry::Policy(policy.clone());
        self.journal.add(entry.clone());
        self.inner
            .add_policy(policy)
            .inspect_err(|_| self.journal.remove(&entry))
    }

    fn del_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        let result = self.inner.del_policy(policy);
        if matches!(result, Ok(()) | Err(InstallError::NotFound)) {
            self.journal.remove(&Entry::Policy(policy.clone()));
        }
        result
    }

    fn flush(&mut self) -> Result<(), InstallError> {
        let result = self.inner.flush();
        self.journal.clear();
        result
    }

    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>> {
        self.inner.events()
    }
}

#[cfg(test)]
mod tests;
