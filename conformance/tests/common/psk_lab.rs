//! The PSK lab of the cygnetd-against-charon tests: cygnetd at
//! 192.0.2.1 (side a, 10.1.0.0/24), charon at 192.0.2.2 (side b,
//! 10.2.0.0/24), connection `gw` with child `net`; [`Lab`] runs cygnetd and
//! charon there.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use super::conf::ConnConf;
use super::cygnetd::{Cygnetd, child_spis};
use super::{Charon, Netns, prerequisites, tail, wait_until, write};

pub const CYGNET: &str = "192.0.2.1";
pub const CHARON: &str = "192.0.2.2";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Cygnet,
    Charon,
}

/// Both sides' `gw` connection (the lab's psk-net2net with `encap = yes`):
/// child `net`, the given start action and extra CHILD_SA / IKE SA
/// lifetime lines.
pub fn swanctl_conf(side: Side, start: &str, child: &str, ike: &str) -> String {
    let mut conf = ConnConf::lab(side == Side::Cygnet);
    conf.extra = format!("encap = yes\n    {ike}");
    conf.child().start_action = start.into();
    conf.child().extra = child.into();
    conf.render()
}

/// The namespaces, charon (if started) in side b and cygnetd in side a.
/// Fields drop in order: the daemons stop before the namespaces go.
pub struct Lab {
    pub cygnetd: Option<Cygnetd>,
    pub charon: Option<Charon>,
    pub netns: Netns,
    dir: TempDir,
}

impl Lab {
    /// The namespaces, and charon with `charon_conf` if given.
    pub fn up(ip: &Path, prefix: &str, charon_conf: Option<&str>) -> Result<Self, String> {
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::sites(ip, prefix, (CYGNET, CHARON))?;
        let mut lab = Self {
            cygnetd: None,
            charon: None,
            netns,
            dir,
        };
        if let Some(conf) = charon_conf {
            lab.start_charon(conf)?;
        }
        Ok(lab)
    }

    pub fn start_charon(&mut self, conf: &str) -> Result<(), String> {
        let charon_dir = self.dir.path().join("charon");
        fs::create_dir_all(&charon_dir).map_err(|e| e.to_string())?;
        // a killed charon's socket must not pass for the new one's
        let _ = fs::remove_file(charon_dir.join("charon.vici"));
        let charon = Charon::start(&self.netns, &self.netns.b, &charon_dir)?;
        let loaded = charon.load(conf)?;
        if !loaded.contains("loaded connection 'gw'") {
            return Err(format!("swanctl --load-all:\n{loaded}"));
        }
        self.charon = Some(charon);
        Ok(())
    }

    /// Starts cygnetd with this swanctl.conf and strongswan.conf.
    pub fn start_cygnetd(&mut self, swanctl: &str, strongswan: &str) -> Result<(), String> {
        let path = self.dir.path().join("swanctl.conf");
        write(&path, swanctl)?;
        let cygnetd = Cygnetd::start_with(
            &self.netns,
            &self.netns.a,
            &path,
            self.dir.path(),
            CYGNET,
            strongswan,
            &[],
        )?;
        self.cygnetd = Some(cygnetd);
        Ok(())
    }

    pub fn cygnetd(&self) -> Result<&Cygnetd, String> {
        self.cygnetd
            .as_ref()
            .ok_or_else(|| "cygnetd is not running".into())
    }

    pub fn charon(&self) -> Result<&Charon, String> {
        self.charon
            .as_ref()
            .ok_or_else(|| "charon is not running".into())
    }

    pub fn wait_log(&self, line: &str, secs: u64) -> Result<(), String> {
        self.cygnetd()?.wait_log(line, secs)
    }

    /// Waits up to `secs` for the `n`th CHILD_SA cygnetd establishes.
    pub fn wait_child(&self, n: usize, secs: u64) -> Result<(), String> {
        let log = || self.cygnetd.as_ref().map(Cygnetd::log).unwrap_or_default();
        wait_until(Duration::from_secs(secs), || child_spis(&log()).len() >= n)
            .then_some(())
            .ok_or_else(|| format!("cygnetd did not establish CHILD_SA #{n} within {secs} s"))
    }

    pub fn wait_charon_log(&self, line: &str, secs: u64) -> Result<(), String> {
        let charon = self.charon()?;
        wait_until(Duration::from_secs(secs), || charon.log().contains(line))
            .then_some(())
            .ok_or_else(|| format!("charon did not log {line:?} within {secs} s"))
    }

    pub fn swanctl(&self, command: &str, extra: &[&str]) -> Result<String, String> {
        self.charon()?.swanctl(command, extra)
    }

    /// Side a's XFRM policies.
    pub fn policies(&self) -> Result<String, String> {
        self.netns.ip(&["-n", &self.netns.a, "xfrm", "policy"])
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Stops the daemons; prints their logs and fails if `result` failed.
    pub fn finish(mut self, result: Result<(), String>) {
        let cygnet_log = self.cygnetd.as_ref().map(Cygnetd::log).unwrap_or_default();
        if let Some(mut c) = self.cygnetd.take() {
            let _ = c.stop();
        }
        let charon_log = self.charon.as_ref().map(Charon::log).unwrap_or_default();
        if let Err(why) = result {
            println!("--- cygnetd.log ---\n{}", tail(&cygnet_log, 80));
            println!("--- charon.log ---\n{}", tail(&charon_log, 60));
            panic!("{why}");
        }
    }
}

/// Runs `steps` in a fresh lab, if the prerequisites are there.
pub fn lab(
    test: &str,
    prefix: &str,
    charon_conf: Option<&str>,
    steps: fn(&mut Lab) -> Result<(), String>,
) {
    let Some(ip) = prerequisites(test) else {
        return;
    };
    let mut lab = Lab::up(&ip, prefix, charon_conf).expect("lab");
    let result = steps(&mut lab);
    lab.finish(result);
}
