//! The VICI lab: cygnetd without connections in side a (192.0.2.1, with
//! `backend = recording`) and charon 5.9.8 with the same `gw`
//! connection in side b (192.0.2.2), for clients that drive cygnetd over
//! VICI and compare with charon.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::conf::ConnConf;
use super::cygnetd::Cygnetd;
use super::{Charon, Netns, SWANCTL, wait_until, write};
use tempfile::TempDir;

pub use super::psk_lab::{CHARON, CYGNET};

/// cygnetd in side a (no connections at start), charon in side b.
pub struct Lab {
    pub cygnetd: Cygnetd,
    pub charon: Charon,
    /// The swanctl.conf for cygnetd.
    pub conf: String,
    _netns: Netns,
    pub dir: TempDir,
}

impl Lab {
    pub fn up(ip: &Path, prefix: &str) -> Result<Self, String> {
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::sites(ip, prefix, (CYGNET, CHARON))?;
        let charon_dir = dir.path().join("charon");
        fs::create_dir(&charon_dir).map_err(|e| e.to_string())?;
        let charon = Charon::start(&netns, &netns.b, &charon_dir)?;
        let loaded = charon.load(&swanctl_conf(false))?;
        if !loaded.contains("loaded connection 'gw'") {
            return Err(format!("swanctl --load-all:\n{loaded}"));
        }
        let cygnet_dir = dir.path().join("cygnet");
        fs::create_dir(&cygnet_dir).map_err(|e| e.to_string())?;
        let conf = cygnet_dir.join("swanctl.conf");
        write(&conf, &swanctl_conf(true))?;
        let strongswan = "charon {\n  retransmit_timeout = 1\n  retransmit_tries = 3\n}\n\
                          cygnet {\n  backend = recording\n}\n";
        let none = cygnet_dir.join("none.conf");
        let cygnetd = Cygnetd::start_with(
            &netns,
            &netns.a,
            &none,
            &cygnet_dir,
            "0.0.0.0",
            strongswan,
            &[],
        )?;
        Ok(Self {
            cygnetd,
            charon,
            conf: conf.display().to_string(),
            _netns: netns,
            dir,
        })
    }

    /// strongSwan's swanctl against cygnetd: its stdout, or why it failed.
    pub fn ours(&self, command: &str, extra: &[&str]) -> Result<String, String> {
        let out = Command::new(SWANCTL)
            .args([command, "--uri", &self.cygnetd.vici_uri()])
            .args(extra)
            .output()
            .map_err(|e| format!("{SWANCTL}: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        println!("$ swanctl {command} {}\n{stdout}", extra.join(" "));
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "swanctl {command} {extra:?}: {}\n{stdout}{stderr}",
                out.status
            ));
        }
        Ok(stdout)
    }

    pub fn wait_charon_sas(&self, lines: &[&str]) -> Result<(), String> {
        let mut sas = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            sas = self.charon.swanctl("--list-sas", &[]).unwrap_or_default();
            lines.iter().all(|l| sas.contains(l))
        });
        found
            .then_some(())
            .ok_or_else(|| format!("charon's list-sas lacks {lines:?}:\n{sas}"))
    }

    pub fn wait_charon_no_sas(&self) -> Result<(), String> {
        let mut sas = String::new();
        let empty = wait_until(Duration::from_secs(3), || {
            sas = self.charon.swanctl("--list-sas", &[]).unwrap_or_default();
            !sas.contains("gw: #")
        });
        empty
            .then_some(())
            .ok_or_else(|| format!("charon still has SAs:\n{sas}"))
    }
}

pub fn expect(out: &str, lines: &[&str]) -> Result<(), String> {
    let missing: Vec<&&str> = lines.iter().filter(|l| !out.contains(**l)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("output lacks {missing:?}:\n{out}"))
    }
}

/// The lab's psk-net2net connection `gw` with child `net` (mode and start
/// action left to their defaults), for cygnetd (`ours`) or charon.
pub fn swanctl_conf(ours: bool) -> String {
    let mut conf = ConnConf::lab(ours);
    conf.child().mode.clear();
    conf.child().start_action.clear();
    conf.render()
}
