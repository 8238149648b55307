//! cygnetd against strongSwan 5.9.8's charon, with PSK authentication, in
//! a private pair of network namespaces per test (cygnetd at 192.0.2.1,
//! charon with kernel-libipsec at 192.0.2.2, so IKE floats to UDP 4500).
//!
//! - Cygnet initiates (`start_action = start`), rekeys the CHILD_SA
//!   (`rekey_time = 8s`) and the IKE SA (14 s), and deletes everything on
//!   SIGTERM;
//! - charon initiates (`swanctl --initiate`), rekeys both with the same
//!   times (Cygnet as responder), and `swanctl --terminate` ends it.
//!
//! Each step is checked on both sides with concrete values: the SPIs
//! cygnetd logs must be the ones charon's `--list-sas` shows, and charon's
//! log must show the rekeys and deletes. The two tests run in parallel in
//! about 20 s. Needs root, `ip`, charon and swanctl (see
//! `common::prerequisites`).

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::cygnetd::{Cygnetd, child_spis, ike_spis};
use common::psk_lab::{CHARON, CYGNET, Side, swanctl_conf};
use common::{Charon, Netns, prerequisites, tail, wait_until, write};
use tempfile::TempDir;

/// Short lifetimes of the rekeying side: CHILD_SA at 8 s, IKE SA at 14 s,
/// no jitter, hard limits far enough away.
const CHILD_REKEY: &str = "rekey_time = 8s\n        life_time = 40s\n        rand_time = 0";
const IKE_REKEY: &str = "rekey_time = 14s\n    rand_time = 0\n    over_time = 40s";

#[test]
fn cygnet_initiates_rekeys_both_sas_and_deletes_them_on_sigterm() {
    let Some(ip) = prerequisites("cygnet_initiates_rekeys_both_sas_and_deletes_them_on_sigterm")
    else {
        return;
    };
    let charon_conf = swanctl_conf(Side::Charon, "none", "", "");
    let cygnet_conf = swanctl_conf(Side::Cygnet, "start", CHILD_REKEY, IKE_REKEY);
    let mut pair = Pair::up(&ip, "cyi", &charon_conf, &cygnet_conf).expect("lab");
    let result = initiator_steps(&mut pair);
    pair.finish(result);
}

fn initiator_steps(pair: &mut Pair) -> Result<(), String> {
    // a. established: charon shows Cygnet's SPIs (its in = our out)
    let (child_in, child_out) = pair.wait_child(1, 10)?;
    let (spi_i, spi_r) = pair.wait_ike(1, 1)?;
    pair.wait_list_sas(&[
        &format!("gw: #1, ESTABLISHED, IKEv2, {spi_i}_i {spi_r}_r*"),
        "remote 'a.lab.test' @ 192.0.2.1[4500]",
        "net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128",
        &format!("in  {child_out}"),
        &format!("out {child_in}"),
    ])?;
    // c. our rekey_time: a second CHILD_SA, the first one closed on charon
    let (new_in, new_out) = pair.wait_child(2, 12)?;
    pair.wait_charon_log(&format!(
        "CHILD_SA net{{2}} established with SPIs {new_out}_i {new_in}_o"
    ))?;
    pair.wait_charon_log(&format!(
        "closing CHILD_SA net{{1}} with SPIs {child_out}_i"
    ))?;
    pair.wait_list_sas(&[&format!("in  {new_out}"), &format!("out {new_in}")])?;
    pair.assert_not_installed(&child_out)?;
    // d. our IKE rekey_time: a new IKE SA on charon that kept the CHILD_SA
    pair.wait_cygnet_log("IKE_SA gw[1] rekeyed", 10)?;
    let (new_i, new_r) = pair.wait_ike(2, 1)?;
    pair.wait_charon_log(
        "IKE_SA gw[2] rekeyed between 192.0.2.2[b.lab.test]...192.0.2.1[a.lab.test]",
    )?;
    pair.wait_charon_log("received DELETE for IKE_SA gw[1]")?;
    pair.wait_list_sas_with_latest_child(&format!(
        "gw: #2, ESTABLISHED, IKEv2, {new_i}_i {new_r}_r*"
    ))?;
    // e. SIGTERM: Cygnet deletes the IKE SA, charon has nothing left
    let status = pair.stop_cygnetd().ok_or("cygnetd did not exit")?;
    if !status.success() {
        return Err(format!("cygnetd exited with {status}"));
    }
    pair.wait_charon_log("received DELETE for IKE_SA gw[2]")?;
    pair.wait_cygnet_log("IKE_SA gw[2] deleted (deleted locally)", 1)?;
    pair.wait_no_sas()
}

#[test]
fn charon_initiates_and_rekeys_and_cygnet_follows_until_terminate() {
    let Some(ip) = prerequisites("charon_initiates_and_rekeys_and_cygnet_follows_until_terminate")
    else {
        return;
    };
    let charon_conf = swanctl_conf(Side::Charon, "none", CHILD_REKEY, IKE_REKEY);
    let cygnet_conf = swanctl_conf(Side::Cygnet, "none", "", "");
    let mut pair = Pair::up(&ip, "cyr", &charon_conf, &cygnet_conf).expect("lab");
    let result = responder_steps(&mut pair);
    pair.finish(result);
}

fn responder_steps(pair: &mut Pair) -> Result<(), String> {
    // b. charon initiates; swanctl exits 0 once the CHILD_SA is up
    let out = pair
        .charon
        .swanctl("--initiate", &["--child", "net", "--timeout", "10"])?;
    if !out.contains("initiate completed successfully") {
        return Err(format!("swanctl --initiate:\n{out}"));
    }
    let (child_in, child_out) = pair.wait_child(1, 2)?;
    let (spi_i, spi_r) = pair.wait_ike(1, 1)?;
    pair.wait_cygnet_log(
        "IKE_SA gw[1] established between 192.0.2.1[a.lab.test]...192.0.2.2[b.lab.test]",
        1,
    )?;
    pair.wait_list_sas(&[
        &format!("gw: #1, ESTABLISHED, IKEv2, {spi_i}_i* {spi_r}_r"),
        &format!("in  {child_out}"),
        &format!("out {child_in}"),
    ])?;
    // c. charon's rekey_time: Cygnet answers the CHILD_SA rekey
    let (new_in, new_out) = pair.wait_child(2, 12)?;
    pair.wait_cygnet_log(
        &format!(
            "CHILD_SA net{{1}} with SPIs {child_in}_i {child_out}_o rekeyed, replaced by \
             net{{2}} with SPIs {new_in}_i {new_out}_o"
        ),
        1,
    )?;
    pair.wait_charon_log(&format!(
        "CHILD_SA net{{2}} established with SPIs {new_out}_i {new_in}_o"
    ))?;
    pair.wait_charon_log(&format!(
        "closing CHILD_SA net{{1}} with SPIs {child_out}_i"
    ))?;
    pair.wait_list_sas(&[&format!("in  {new_out}"), &format!("out {new_in}")])?;
    // d. charon's IKE rekey_time: Cygnet answers the IKE SA rekey
    pair.wait_cygnet_log("IKE_SA gw[1] rekeyed", 10)?;
    let (new_i, new_r) = pair.wait_ike(2, 1)?;
    pair.wait_charon_log(
        "IKE_SA gw[2] rekeyed between 192.0.2.2[b.lab.test]...192.0.2.1[a.lab.test]",
    )?;
    pair.wait_cygnet_log("IKE_SA gw[1] deleted (rekeyed)", 2)?;
    pair.wait_list_sas_with_latest_child(&format!(
        "gw: #2, ESTABLISHED, IKEv2, {new_i}_i* {new_r}_r"
    ))?;
    // e. swanctl --terminate: Cygnet sees the delete
    pair.charon
        .swanctl("--terminate", &["--ike", "gw", "--timeout", "5"])?;
    pair.wait_cygnet_log("received DELETE for IKE_SA gw[2]", 3)?;
    pair.wait_cygnet_log("IKE_SA gw[2] deleted (deleted by peer)", 1)?;
    pair.wait_no_sas()?;
    let status = pair.stop_cygnetd().ok_or("cygnetd did not exit")?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("cygnetd exited with {status}"))
}

/// cygnetd in side a, charon in side b. Fields drop in order: cygnetd and
/// charon stop before the namespaces go.
struct Pair {
    cygnetd: Cygnetd,
    charon: Charon,
    _netns: Netns,
    _dir: TempDir,
}

impl Pair {
    fn up(ip: &Path, prefix: &str, charon_conf: &str, cygnet_conf: &str) -> Result<Self, String> {
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::sites(ip, prefix, (CYGNET, CHARON))?;
        let charon_dir = dir.path().join("charon");
        fs::create_dir(&charon_dir).map_err(|e| e.to_string())?;
        let charon = Charon::start(&netns, &netns.b, &charon_dir)?;
        let loaded = charon.load(charon_conf)?;
        if !loaded.contains("loaded connection 'gw'") {
            return Err(format!("swanctl --load-all:\n{loaded}"));
        }
        let swanctl = dir.path().join("swanctl.conf");
        write(&swanctl, cygnet_conf)?;
        let cygnetd = Cygnetd::start(&netns, &netns.a, &swanctl, dir.path(), CYGNET)?;
        Ok(Self {
            cygnetd,
            charon,
            _netns: netns,
            _dir: dir,
        })
    }

    fn cygnet_log(&self) -> String {
        self.cygnetd.log()
    }

    /// Waits up to `secs` for `line` in cygnetd's log.
    fn wait_cygnet_log(&self, line: &str, secs: u64) -> Result<(), String> {
        self.cygnetd.wait_log(line, secs)
    }

    /// Waits up to 3 s for `line` in charon's log.
    fn wait_charon_log(&self, line: &str) -> Result<(), String> {
        let found = wait_until(Duration::from_secs(3), || self.charon.log().contains(line));
        found
            .then_some(())
            .ok_or_else(|| format!("charon did not log {line:?}"))
    }

    /// The SPIs (ours in, ours out) of the `n`th CHILD_SA cygnetd
    /// established, waiting up to `secs` for it.
    fn wait_child(&self, n: usize, secs: u64) -> Result<(String, String), String> {
        let mut found = None;
        wait_until(Duration::from_secs(secs), || {
            found = child_spis(&self.cygnet_log()).into_iter().nth(n - 1);
            found.is_some()
        });
        found.ok_or_else(|| format!("cygnetd did not establish CHILD_SA #{n} within {secs} s"))
    }

    /// The SPIs (initiator's, responder's) of IKE SA `gw[n]`.
    fn wait_ike(&self, n: u32, secs: u64) -> Result<(String, String), String> {
        let mut found = None;
        wait_until(Duration::from_secs(secs), || {
            found = ike_spis(&self.cygnet_log(), "gw", n);
            found.is_some()
        });
        found.ok_or_else(|| format!("cygnetd did not log the SPIs of gw[{n}]"))
    }

    fn list_sas(&self) -> String {
        self.charon
            .swanctl("--list-sas", &[])
            .unwrap_or_else(|e| format!("list-sas failed: {e}"))
    }

    /// Waits up to 3 s for charon's `--list-sas` to show every line.
    fn wait_list_sas(&self, lines: &[&str]) -> Result<(), String> {
        let mut sas = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            sas = self.list_sas();
            lines.iter().all(|l| sas.contains(l))
        });
        found.then_some(()).ok_or_else(|| {
            let missing: Vec<&&str> = lines.iter().filter(|l| !sas.contains(**l)).collect();
            format!("charon's list-sas lacks {missing:?}:\n{sas}")
        })
    }

    /// `ike_line` and, INSTALLED below it, the CHILD_SA cygnetd
    /// established last.
    fn wait_list_sas_with_latest_child(&self, ike_line: &str) -> Result<(), String> {
        let mut sas = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            sas = self.list_sas();
            let latest = child_spis(&self.cygnet_log()).pop();
            let below = sas.find(ike_line).map(|at| &sas[at..]);
            matches!((below, latest), (Some(below), Some((i, o)))
                if below.contains("INSTALLED") && below.contains(&format!("in  {o}"))
                    && below.contains(&format!("out {i}")))
        });
        found.then_some(()).ok_or_else(|| {
            format!("charon's list-sas lacks {ike_line:?} with the CHILD_SA:\n{sas}")
        })
    }

    /// charon lists no INSTALLED CHILD_SA with inbound SPI `spi` (a
    /// rekeyed one stays listed as DELETED for a while).
    fn assert_not_installed(&self, spi: &str) -> Result<(), String> {
        let sas = self.list_sas();
        let line = format!("in  {spi}");
        let installed = sas
            .split("  net: #")
            .any(|child| child.contains(&line) && child.contains("INSTALLED"));
        if installed {
            return Err(format!(
                "charon's list-sas still has {spi} INSTALLED:\n{sas}"
            ));
        }
        Ok(())
    }

    /// Waits up to 3 s for charon to hold no SA.
    fn wait_no_sas(&self) -> Result<(), String> {
        let mut sas = String::new();
        let empty = wait_until(Duration::from_secs(3), || {
            sas = self.list_sas();
            !sas.contains("gw: #")
        });
        empty
            .then_some(())
            .ok_or_else(|| format!("charon still has SAs:\n{sas}"))
    }

    /// SIGTERM to cygnetd; its exit status.
    fn stop_cygnetd(&mut self) -> Option<std::process::ExitStatus> {
        self.cygnetd.stop()
    }

    /// Stops cygnetd, prints both logs if `result` failed and fails.
    fn finish(mut self, result: Result<(), String>) {
        let _ = self.stop_cygnetd();
        if let Err(why) = result {
            println!("--- cygnetd.log ---\n{}", tail(&self.cygnet_log(), 80));
            println!("--- charon.log ---\n{}", tail(&self.charon.log(), 80));
            panic!("{why}");
        }
    }
}
