//! cygnetd in a namespace of the lab, logging to a file next to its
//! strongswan.conf; dropping it stops exactly that process.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use super::{Netns, terminate, wait_until, write};

/// cygnetd's strongswan.conf: quick retransmits, so a lost message does
/// not outlast a test.
pub const STRONGSWAN_CONF: &str = "charon {\n  retransmit_timeout = 1\n  retransmit_tries = 3\n}\n";

/// A running cygnetd.
pub struct Cygnetd {
    process: Option<Child>,
    log: PathBuf,
    vici: PathBuf,
}

impl Cygnetd {
    /// Starts cygnetd in `ns` with `swanctl_conf` (its credentials next to
    /// it) and waits until it listens on `addr`:4500. Its strongswan.conf
    /// and log go to `dir`.
    pub fn start(
        netns: &Netns,
        ns: &str,
        swanctl_conf: &Path,
        dir: &Path,
        addr: &str,
    ) -> Result<Self, String> {
        Self::start_with(netns, ns, swanctl_conf, dir, addr, STRONGSWAN_CONF, &[])
    }

    /// As [`start`](Self::start) with this strongswan.conf and more
    /// arguments (`--debug`).
    pub fn start_with(
        netns: &Netns,
        ns: &str,
        swanctl_conf: &Path,
        dir: &Path,
        addr: &str,
        strongswan_conf: &str,
        args: &[&str],
    ) -> Result<Self, String> {
        let binary = conformance::bins::cygnetd()?;
        let strongswan = dir.join("strongswan.conf");
        // its own VICI socket (sections merge, so this adds to `charon`)
        let vici = format!(
            "{strongswan_conf}\ncharon {{\n  plugins {{ vici {{ socket = unix://{} }} }}\n}}\n",
            dir.join("cygnetd.vici").display()
        );
        write(&strongswan, &vici)?;
        let log = dir.join("cygnetd.log");
        let file = fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = netns
            .exec(ns, &binary.display().to_string())
            .arg("--swanctl-conf")
            .arg(swanctl_conf)
            .arg("--conf")
            .arg(&strongswan)
            // charon's level 2 too: the SAD entries and IKE SPIs tests read
            .arg("--debug")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .map_err(|e| format!("starting cygnetd: {e}"))?;
        let cygnetd = Self {
            process: Some(child),
            log,
            vici: dir.join("cygnetd.vici"),
        };
        cygnetd.wait_log(&format!("listening on {addr}:4500"), 5)?;
        Ok(cygnetd)
    }

    /// The URI of its VICI socket.
    pub fn vici_uri(&self) -> String {
        format!("unix://{}", self.vici.display())
    }

    /// strongSwan's `swanctl <command> <extra...>` on its VICI socket.
    pub fn swanctl(&self, command: &str, extra: &[&str]) -> Result<String, String> {
        super::swanctl_at(&self.vici_uri(), command, extra)
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `secs` for `line` in its log.
    pub fn wait_log(&self, line: &str, secs: u64) -> Result<(), String> {
        let found = wait_until(Duration::from_secs(secs), || self.log().contains(line));
        found
            .then_some(())
            .ok_or_else(|| format!("cygnetd did not log {line:?} within {secs} s"))
    }

    /// Fails if a log line contains `text`.
    pub fn expect_no_log(&self, text: &str) -> Result<(), String> {
        match self.log().lines().find(|l| l.contains(text)) {
            Some(line) => Err(format!("cygnetd logged {line:?}")),
            None => Ok(()),
        }
    }

    /// SIGKILL: nothing is cleaned up.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends `signal` (`HUP`, ...) to exactly this process.
    pub fn signal(&self, signal: &str) -> Result<(), String> {
        let pid = self.process.as_ref().ok_or("cygnetd is not running")?.id();
        super::run(
            std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]),
        )
        .map(drop)
    }

    /// SIGTERM; its exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        self.process.take().and_then(terminate)
    }
}

/// The (in, out) SPIs of each `CHILD_SA ... established with SPIs X_i Y_o`
/// line of a cygnetd log, in order.
pub fn child_spis(log: &str) -> Vec<(String, String)> {
    log.lines()
        .filter_map(|l| {
            let rest = &l[l.find(" established with SPIs ")? + 23..];
            let mut words = rest.split_whitespace();
            let i = words.next()?.strip_suffix("_i")?;
            let o = words.next()?.strip_suffix("_o")?;
            Some((i.to_owned(), o.to_owned()))
        })
        .collect()
}

/// The SPIs (initiator's, responder's) logged for IKE SA `<conn>[<n>]`.
pub fn ike_spis(log: &str, conn: &str, n: u32) -> Option<(String, String)> {
    let prefix = format!("IKE_SA {conn}[{n}] SPIs ");
    log.lines().find_map(|l| {
        let rest = &l[l.find(&prefix)? + prefix.len()..];
        let (i, r) = rest.split_once(' ')?;
        Some((
            i.strip_suffix("_i")?.to_owned(),
            r.strip_suffix("_r")?.to_owned(),
        ))
    })
}

/// SPIs of SAD entries cygnetd's installer logged as added and not deleted.
pub fn installed_spis(log: &str) -> Vec<String> {
    let spi = |l: &str, what: &str| {
        let rest = &l[l.find(what)? + what.len()..];
        rest.split_whitespace().next().map(str::to_owned)
    };
    let mut left: Vec<String> = Vec::new();
    for line in log.lines() {
        if let Some(s) = spi(line, "adding SAD entry with SPI ") {
            left.push(s);
        } else if let Some(s) = spi(line, "deleting SAD entry with SPI ") {
            left.retain(|l| *l != s);
        }
    }
    left
}

impl Drop for Cygnetd {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
