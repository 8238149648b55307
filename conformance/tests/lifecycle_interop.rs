//! cygnetd's lifecycle as charon's, against strongSwan 5.9.8's charon in
//! a private pair of network namespaces per test (the PSK lab of
//! `common::psk_lab`): `keyingtries`, `dpd_action = restart`,
//! `close_action = restart`, `unique = replace`, a log level changed by
//! SIGHUP, and the kernel policies of a SIGKILLed cygnetd removed by the
//! next start. Needs root, `ip`, charon and swanctl (see
//! `common::prerequisites`).

mod common;

use std::fs;
use std::time::Duration;

use common::psk_lab::{CHARON, Lab, Side, lab, swanctl_conf};
use common::{wait_until, write};

/// charon's second address (`unique = keep`).
const CHARON_2: &str = "192.0.2.3";

/// Quick retransmits: an unanswered request fails after 1.4 s.
const QUICK: &str = "charon {\n  retransmit_timeout = 0.5\n  retransmit_tries = 1\n}\n";

fn charon_conf() -> String {
    swanctl_conf(Side::Charon, "none", "", "")
}

#[test]
fn keyingtries_retries_an_unanswered_initiation_then_gives_up() {
    lab("keyingtries", "lkt", None, |lab| {
        let conf = swanctl_conf(Side::Cygnet, "start", "", "keyingtries = 3");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.wait_log("peer not responding, trying again (2/3)", 5)?;
        lab.wait_log("peer not responding, trying again (3/3)", 5)?;
        lab.wait_log("establishing IKE_SA failed, peer not responding", 5)?;
        std::thread::sleep(Duration::from_secs(2));
        let cygnetd = lab.cygnetd()?;
        cygnetd.expect_no_log("(4/3)")?;
        let retries = cygnetd.log().matches("trying again").count();
        (retries == 2)
            .then_some(())
            .ok_or_else(|| format!("{retries} retries instead of 2"))
    });
}

#[test]
fn swanctl_initiate_follows_the_keying_tries() {
    lab("initiate_tries", "lit", None, |lab| {
        let conf = swanctl_conf(Side::Cygnet, "none", "", "keyingtries = 2");
        lab.start_cygnetd(&conf, QUICK)?;
        let uri = lab.cygnetd()?.vici_uri();
        let out = std::process::Command::new(common::SWANCTL)
            .args(["--initiate", "--uri", &uri, "--child", "net"])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let expected = [
            "[IKE] peer not responding, trying again (2/2)",
            "[IKE] establishing IKE_SA failed, peer not responding",
            "initiate failed: establishing CHILD_SA 'net' failed",
        ];
        let missing: Vec<&&str> = expected.iter().filter(|l| !text.contains(**l)).collect();
        (missing.is_empty() && !out.status.success())
            .then_some(())
            .ok_or_else(|| format!("swanctl --initiate lacks {missing:?}:\n{text}"))
    });
}

#[test]
fn dpd_action_restart_brings_the_tunnel_back_after_the_peer_returns() {
    lab("dpd_restart", "ldp", Some(&charon_conf()), |lab| {
        let child = "dpd_action = restart";
        let conf = swanctl_conf(
            Side::Cygnet,
            "start",
            child,
            "dpd_delay = 2s\n    keyingtries = 0",
        );
        lab.start_cygnetd(&conf, QUICK)?;
        lab.wait_child(1, 10)?;
        // charon's side goes silent: DPD fails, cygnetd keeps trying
        lab.netns.set_link(false, false)?;
        lab.wait_log("restarting CHILD_SAs net of gw", 10)?;
        lab.wait_log("peer not responding, trying again (3/0)", 10)?;
        lab.netns.set_link(false, true)?;
        lab.wait_child(2, 15)?;
        let sas = lab.swanctl("--list-sas", &[])?;
        sas.contains("INSTALLED")
            .then_some(())
            .ok_or_else(|| format!("charon has no CHILD_SA again:\n{sas}"))
    });
}

#[test]
fn close_action_restart_reinitiates_when_charon_deletes_the_ike_sa() {
    lab("close_restart", "lcl", Some(&charon_conf()), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "start", "close_action = restart", "");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.wait_child(1, 10)?;
        lab.swanctl("--terminate", &["--ike", "gw"])?;
        lab.wait_log("IKE_SA gw[1] deleted (deleted by peer)", 5)?;
        lab.wait_log("restarting CHILD_SAs net of gw", 5)?;
        lab.wait_child(2, 10)?;
        lab.wait_charon_log("CHILD_SA net{2} established", 5)
    });
}

#[test]
fn close_action_restart_reinitiates_as_the_former_responder() {
    lab("close_responder", "lcr", Some(&charon_conf()), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "none", "close_action = restart", "");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.swanctl("--initiate", &["--child", "net"])?;
        lab.wait_child(1, 10)?;
        lab.swanctl("--terminate", &["--ike", "gw"])?;
        lab.wait_log("restarting CHILD_SAs net of gw", 5)?;
        lab.wait_child(2, 10)?;
        // this time charon answers
        lab.wait_charon_log("192.0.2.1 is initiating an IKE_SA", 5)
    });
}

#[test]
fn close_action_restart_recreates_a_deleted_child_sa_on_the_same_ike_sa() {
    lab("close_child", "lcc", Some(&charon_conf()), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "start", "close_action = restart", "");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.wait_child(1, 10)?;
        lab.swanctl("--terminate", &["--child", "net"])?;
        lab.wait_log("restarting CHILD_SA net", 5)?;
        lab.wait_child(2, 10)?;
        let sas = lab.swanctl("--list-sas", &[])?;
        (sas.contains("gw: #1") && sas.contains("net: #2"))
            .then_some(())
            .ok_or_else(|| format!("not on IKE SA #1:\n{sas}"))
    });
}

#[test]
fn close_action_restart_ignores_the_deletes_that_end_charons_rekeys() {
    let rekeying = swanctl_conf(
        Side::Charon,
        "none",
        "rekey_time = 4s\n        life_time = 40s\n        rand_time = 0",
        "rekey_time = 6s\n    rand_time = 0\n    over_time = 40s",
    );
    lab("close_rekey", "lcx", Some(&rekeying), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "start", "close_action = restart", "");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.wait_child(1, 10)?;
        lab.wait_charon_log("closing CHILD_SA net{1}", 10)?;
        lab.wait_log("IKE_SA gw[1] rekeyed", 10)?;
        std::thread::sleep(Duration::from_secs(1));
        lab.cygnetd()?.expect_no_log("restarting CHILD_SA")
    });
}

#[test]
fn close_action_none_leaves_the_tunnel_down() {
    lab("close_none", "lcn", Some(&charon_conf()), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "start", "", "");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.wait_child(1, 10)?;
        lab.swanctl("--terminate", &["--ike", "gw"])?;
        lab.wait_log("IKE_SA gw[1] deleted (deleted by peer)", 5)?;
        std::thread::sleep(Duration::from_secs(2));
        lab.cygnetd()?.expect_no_log("initiating IKE_SA gw[2]")
    });
}

/// charon's `gw` and a copy `gw2` with the same identities.
fn charon_twice() -> String {
    charon_twice_from(CHARON)
}

/// As [`charon_twice`], `gw2` from address `from`.
fn charon_twice_from(from: &str) -> String {
    let conf = charon_conf();
    let start = conf.find("  gw {").unwrap_or(0);
    let end = conf.find("\n}\nsecrets").unwrap_or(conf.len());
    // narrower traffic: charon refuses a duplicate of gw's CHILD_SA,
    let gw2 = conf[start..end]
        .replacen("  gw {", "  gw2 {", 1)
        .replacen("local_ts = 10.2.0.0/24", "local_ts = 10.2.0.1/32", 1)
        // and another peer config (charon reuses the IKE SA of an equal one)
        .replacen("encap = yes", "encap = yes\n    dpd_delay = 300s", 1)
        .replacen(
            &format!("local_addrs = {CHARON}"),
            &format!("local_addrs = {from}"),
            1,
        );
    conf.replacen("connections {\n", &format!("connections {{\n{gw2}\n"), 1)
}

#[test]
fn unique_replace_deletes_the_older_ike_sa_with_the_same_identities() {
    lab("unique_replace", "lun", Some(&charon_twice()), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "none", "", "unique = replace");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.swanctl("--initiate", &["--child", "net", "--ike", "gw"])?;
        lab.wait_child(1, 10)?;
        // a second IKE SA from charon (no INITIAL_CONTACT: it has one)
        lab.swanctl("--initiate", &["--child", "net", "--ike", "gw2"])?;
        lab.wait_child(2, 10)?;
        lab.wait_log(
            "schedule delete of duplicate IKE_SA for peer 'b.lab.test' due to uniqueness policy \
             and suspected reauthentication",
            5,
        )?;
        lab.wait_charon_log("received DELETE for IKE_SA gw[1]", 15)?;
        let sas = lab.swanctl("--list-sas", &[])?;
        (!sas.contains("gw: #1") && sas.contains("gw2: #2"))
            .then_some(())
            .ok_or_else(|| format!("charon's list-sas:\n{sas}"))
    });
}

#[test]
fn unique_keep_refuses_a_second_ike_sa_from_another_address() {
    lab("unique_keep", "lke", None, |lab| {
        lab.netns.add_outer(false, CHARON_2)?;
        lab.start_charon(&charon_twice_from(CHARON_2))?;
        let both = format!("unique = keep\n    remote_addrs = {CHARON}, {CHARON_2}");
        let conf = swanctl_conf(Side::Cygnet, "none", "", &both);
        lab.start_cygnetd(&conf, QUICK)?;
        lab.swanctl("--initiate", &["--child", "net", "--ike", "gw"])?;
        lab.wait_child(1, 10)?;
        // the same identities from 192.0.2.3: refused in IKE_AUTH
        let second = lab.swanctl("--initiate", &["--child", "net", "--ike", "gw2"]);
        if second.is_ok() {
            return Err("charon's second IKE SA was accepted".into());
        }
        lab.wait_log("canceling IKE_SA setup due to uniqueness policy", 5)?;
        lab.wait_charon_log("received AUTHENTICATION_FAILED notify error", 5)?;
        let sas = lab.swanctl("--list-sas", &[])?;
        (sas.contains("gw: #1") && !sas.contains("gw2: #"))
            .then_some(())
            .ok_or_else(|| format!("charon's list-sas:\n{sas}"))
    });
}

#[test]
fn unique_never_ignores_initial_contact_of_a_restarted_peer() {
    lab("unique_never", "lnv", Some(&charon_conf()), |lab| {
        let conf = swanctl_conf(Side::Cygnet, "none", "", "unique = never");
        lab.start_cygnetd(&conf, QUICK)?;
        lab.swanctl("--initiate", &["--child", "net"])?;
        lab.wait_child(1, 10)?;
        // charon restarts without a word and comes with INITIAL_CONTACT
        if let Some(mut charon) = lab.charon.take() {
            charon.kill();
        }
        lab.start_charon(&charon_conf())?;
        lab.swanctl("--initiate", &["--child", "net"])?;
        lab.wait_child(2, 10)?;
        lab.cygnetd()?.expect_no_log("destroying duplicate IKE_SA")
    });
}

#[test]
fn sighup_applies_new_log_levels() {
    lab("sighup_levels", "lhu", None, |lab| {
        let file = lab.path("charon-file.log");
        let strongswan = format!(
            "{QUICK}charon {{\n  filelog {{\n    f {{\n      path = {}\n      default = -1\n      \
             cfg = -1\n      flush_line = yes\n    }}\n  }}\n}}\n",
            file.display()
        );
        lab.start_cygnetd(&swanctl_conf(Side::Cygnet, "none", "", ""), &strongswan)?;
        let read = || fs::read_to_string(&file).unwrap_or_default();
        if !read().is_empty() {
            return Err(format!("logged at level -1:\n{}", read()));
        }
        let conf = lab.path("strongswan.conf");
        let text = fs::read_to_string(&conf).map_err(|e| e.to_string())?;
        write(&conf, &text.replace("cfg = -1", "cfg = 1"))?;
        lab.cygnetd()?.signal("HUP")?;
        lab.wait_log("signal of type SIGHUP received. Reloading configuration", 5)?;
        let reloaded = format!("00[CFG] reloaded '{}'", conf.display());
        wait_until(Duration::from_secs(5), || read().contains(&reloaded))
            .then_some(())
            .ok_or_else(|| format!("the file logger lacks {reloaded:?}:\n{}", read()))?;
        (!read().contains("[DMN]"))
            .then_some(())
            .ok_or_else(|| format!("other subsystems logged:\n{}", read()))
    });
}

#[test]
fn a_restart_removes_the_policies_a_killed_cygnetd_left() {
    lab("sigkill_cleanup", "lkl", Some(&charon_conf()), |lab| {
        let kernel = format!("{QUICK}cygnet {{\n  backend = kernel\n}}\n");
        // trap policies: the kernel takes them without ESP states (which
        // need esp4, which this kernel may lack)
        let conf = swanctl_conf(Side::Cygnet, "trap", "", "");
        lab.start_cygnetd(&conf, &kernel)?;
        let policies = |lab: &Lab| lab.policies().unwrap_or_default();
        wait_until(Duration::from_secs(10), || {
            policies(lab).matches("dir ").count() == 3
        })
        .then_some(())
        .ok_or_else(|| format!("no policies installed:\n{}", policies(lab)))?;
        if let Some(mut cygnetd) = lab.cygnetd.take() {
            cygnetd.kill();
        }
        if !policies(lab).contains("10.2.0.0/24") {
            return Err("the policies went with the process".into());
        }
        let state = fs::read_to_string(lab.path("cygnetd.installed")).unwrap_or_default();
        if state.matches("policy ").count() != 3 {
            return Err(format!("the state file does not list 3 policies:\n{state}"));
        }
        let idle = swanctl_conf(Side::Cygnet, "none", "", "");
        lab.start_cygnetd(&idle, &kernel)?;
        lab.wait_log("a previous run left installed", 5)?;
        // logged before the removal: give it a moment (the new cygnetd's
        // own per-socket IKE bypass policies are listed as `socket`, not
        // `dir`)
        wait_until(Duration::from_secs(3), || !policies(lab).contains("dir "))
            .then_some(())
            .ok_or_else(|| format!("policies left after the restart:\n{}", policies(lab)))
    });
}

#[test]
fn a_killed_userspace_cygnetd_leaves_nothing_in_the_way_of_the_next() {
    lab("sigkill_userspace", "lku", Some(&charon_conf()), |lab| {
        let userspace = format!("{QUICK}cygnet {{\n  backend = userspace\n}}\n");
        let conf = swanctl_conf(Side::Cygnet, "start", "", "");
        lab.start_cygnetd(&conf, &userspace)?;
        lab.wait_child(1, 10)?;
        if let Some(mut cygnetd) = lab.cygnetd.take() {
            cygnetd.kill();
        }
        // the same TUN device name and VICI socket path again
        lab.start_cygnetd(&conf, &userspace)?;
        lab.wait_log("removing stale VICI socket", 5)?;
        lab.wait_log("ESP backend: userspace (TUN device ipsec0)", 5)?;
        lab.wait_child(1, 10)?;
        lab.wait_charon_log("CHILD_SA net{2} established", 5)
    });
}
