//! Trap policies and pools of cygnetd against strongSwan 5.9.8:
//!
//! - cygnetd (userspace data plane) with `start_action = trap` in side a,
//!   charon (kernel-libipsec) in side b: a ping from 10.1.0.1 to 10.2.0.1
//!   hits the trap, cygnetd negotiates the CHILD_SA with the packet's
//!   selectors first, charon lists it ESTABLISHED/INSTALLED, pings pass;
//!   when charon closes the CHILD_SA the trap stays and the next ping
//!   brings it up again; a CHILD_SA charon initiates for the trapped
//!   child carries the traffic without acquires;
//! - the same trap configuration and pools in cygnetd and in a charon
//!   alone: strongSwan's `swanctl --list-pols`, `--load-pools` and
//!   `--list-pools` print the same through both.
//!
//! Needs root, `ip`, charon and swanctl (see `common::prerequisites`);
//! about 10 s.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::cygnetd::{Cygnetd, STRONGSWAN_CONF};
use common::traffic::{A, INNER_A, INNER_B, lab, lab_conf, ping};
use common::{Charon, Netns, SWANCTL, prerequisites, tail, wait_until, write};

/// A connection of shunts: a pass policy within the local network and
/// a drop policy towards 10.66.0.0/16.
const SHUNTS: &str = "connections {\n  sh {\n    local_addrs = 192.0.2.1\n    local {\n      auth = psk\n    }\n    \
                      remote {\n      auth = psk\n    }\n    children {\n      \
                      lan {\n        mode = pass\n        start_action = trap\n        \
                      local_ts = 10.1.0.0/24\n        remote_ts = 10.1.0.0/24\n      }\n      \
                      blk {\n        mode = drop\n        start_action = trap\n        \
                      remote_ts = 10.66.0.0/16\n      }\n    }\n  }\n}\n";

/// Two pools, one with attributes.
const POOLS: &str = "pools {\n  p1 {\n    addrs = 10.3.0.0/24\n    dns = 10.9.0.1, 10.9.0.2\n  }\n  \
                     p2 {\n    addrs = 10.4.0.1-10.4.0.5\n  }\n}\n";

/// strongSwan's swanctl against a VICI socket: its stdout, or why not.
fn swanctl(uri: &str, command: &str, extra: &[&str]) -> Result<String, String> {
    let out = Command::new(SWANCTL)
        .args([command, "--uri", uri])
        .args(extra)
        .output()
        .map_err(|e| format!("{SWANCTL}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "swanctl {command} {extra:?}: {}\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// cygnetd in side a with `conf` and this `cygnet.backend`.
fn cygnetd_a(netns: &Netns, dir: &Path, conf: &str, backend: &str) -> Result<Cygnetd, String> {
    let dir = dir.join("a");
    let swanctl = dir.join("swanctl.conf");
    write(&swanctl, conf)?;
    let strongswan = format!("{STRONGSWAN_CONF}cygnet {{\n  backend = {backend}\n}}\n");
    Cygnetd::start_with(netns, &netns.a, &swanctl, &dir, A, &strongswan, &[])
}

#[test]
fn a_ping_into_cygnets_trap_brings_up_the_child_sa_with_charon() {
    let Some(ip) = prerequisites("a_ping_into_cygnets_trap_brings_up_the_child_sa_with_charon")
    else {
        return;
    };
    let (netns, dir) = lab(&ip, "ytp").expect("lab");
    let charon = Charon::start(&netns, &netns.b, &dir.path().join("b")).expect("charon");
    let loaded = charon
        .load(&lab_conf(false, "none", "tunnel", true, ""))
        .expect("charon --load-all");
    assert!(loaded.contains("loaded connection 'gw'"), "{loaded}");
    let conf = lab_conf(true, "trap", "tunnel", true, "");
    let cygnetd = cygnetd_a(&netns, dir.path(), &conf, "userspace").expect("cygnetd");
    let result = trap_steps(&netns, &cygnetd, &charon);
    drop(cygnetd);
    if let Err(why) = result {
        let log = fs::read_to_string(dir.path().join("a/cygnetd.log")).unwrap_or_default();
        println!("--- cygnetd.log ---\n{}", tail(&log, 80));
        println!("--- charon.log ---\n{}", tail(&charon.log(), 80));
        panic!("{why}");
    }
}

fn trap_steps(netns: &Netns, cygnetd: &Cygnetd, charon: &Charon) -> Result<(), String> {
    let pols = swanctl(&cygnetd.vici_uri(), "--list-pols", &[])?;
    if !pols.contains("gw/net, TUNNEL") {
        return Err(format!("--list-pols lists no trap:\n{pols}"));
    }
    if charon.swanctl("--list-sas", &[])?.contains("gw: #") {
        return Err("an SA exists before any traffic".into());
    }
    // the first pings hit the trap; the CHILD_SA comes up meanwhile
    ping(netns, &netns.a, INNER_A, INNER_B, 3, "0.5")?;
    wait_charon_sas(
        charon,
        &[
            "gw: #1, ESTABLISHED, IKEv2",
            "net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP",
        ],
    )?;
    cygnetd.wait_log("creating acquire job for policy 10.1.0.1", 1)?;
    // charon received the packet's selectors first (RFC 7296 §2.9)
    let log = charon.log();
    if !log.contains(" 10.1.0.1/32[icmp] 10.1.0.0/24") {
        return Err("charon's log shows no TSi led by 10.1.0.1/32[icmp]".into());
    }
    ping_all(netns, 5)?;
    // charon closes the CHILD_SA: the trap stays and triggers again
    charon.swanctl("--terminate", &["--child", "net", "--timeout", "5"])?;
    cygnetd.wait_log("received DELETE for ESP CHILD_SA", 3)?;
    let pols = swanctl(&cygnetd.vici_uri(), "--list-pols", &[])?;
    if !pols.contains("gw/net, TUNNEL") {
        return Err(format!("the trap went with the CHILD_SA:\n{pols}"));
    }
    ping(netns, &netns.a, INNER_A, INNER_B, 3, "0.5")?;
    wait_charon_sas(charon, &["net: #2, reqid 1, INSTALLED, TUNNEL-in-UDP"])?;
    ping_all(netns, 5)?;
    // charon initiates the trapped child: its CHILD_SA (a reqid of its own
    // in cygnetd) carries the traffic, the trap acquires nothing
    charon.swanctl("--terminate", &["--child", "net", "--timeout", "5"])?;
    let acquires = |log: &str| log.matches("creating acquire job").count();
    let before = acquires(&cygnetd.log());
    let out = charon.swanctl("--initiate", &["--child", "net", "--timeout", "10"])?;
    if !out.contains("initiate completed successfully") {
        return Err(format!("swanctl --initiate:\n{out}"));
    }
    ping_all(netns, 5)?;
    let sas = charon.swanctl("--list-sas", &[])?;
    if sas.matches("INSTALLED").count() != 1 || acquires(&cygnetd.log()) != before {
        return Err(format!(
            "the trap acquired beside charon's CHILD_SA:\n{sas}"
        ));
    }
    Ok(())
}

fn ping_all(netns: &Netns, count: u32) -> Result<(), String> {
    let (sent, received) = ping(netns, &netns.a, INNER_A, INNER_B, count, "0.2")?;
    if sent == count && received == count {
        Ok(())
    } else {
        Err(format!(
            "ping through the tunnel: {received} of {sent} answered"
        ))
    }
}

/// Waits up to 5 s for every line in charon's `--list-sas`.
fn wait_charon_sas(charon: &Charon, lines: &[&str]) -> Result<(), String> {
    let mut sas = String::new();
    let found = wait_until(Duration::from_secs(5), || {
        sas = charon.swanctl("--list-sas", &[]).unwrap_or_default();
        lines.iter().all(|l| sas.contains(l))
    });
    found
        .then_some(())
        .ok_or_else(|| format!("charon's --list-sas lacks {lines:?}:\n{sas}"))
}

#[test]
fn list_pols_load_pools_and_list_pools_print_the_same_from_cygnetd_and_charon() {
    let Some(ip) =
        prerequisites("list_pols_load_pools_and_list_pools_print_the_same_from_cygnetd_and_charon")
    else {
        return;
    };
    // each daemon alone in side a of its own lab, with the same file
    let conf = format!(
        "{}{SHUNTS}{POOLS}",
        lab_conf(true, "trap", "tunnel", true, "")
    );
    let (ours_ns, ours_dir) = lab(&ip, "ytla").expect("lab");
    let cygnetd = cygnetd_a(&ours_ns, ours_dir.path(), &conf, "recording").expect("cygnetd");
    let (theirs_ns, theirs_dir) = lab(&ip, "ytlb").expect("lab");
    let charon_dir = theirs_dir.path().join("a");
    let charon = Charon::start(&theirs_ns, &theirs_ns.a, &charon_dir).expect("charon");
    let result = compare(&cygnetd, &charon, &conf, &ours_dir.path().join("a"));
    drop(cygnetd);
    if let Err(why) = result {
        let log = fs::read_to_string(ours_dir.path().join("a/cygnetd.log")).unwrap_or_default();
        println!("--- cygnetd.log ---\n{}", tail(&log, 60));
        println!("--- charon.log ---\n{}", tail(&charon.log(), 60));
        panic!("{why}");
    }
}

fn compare(cygnetd: &Cygnetd, charon: &Charon, conf: &str, ours: &Path) -> Result<(), String> {
    let uri = cygnetd.vici_uri();
    let loaded = charon.load(conf)?;
    if !loaded.contains("loaded connection 'sh'") {
        return Err(format!("charon --load-all:\n{loaded}"));
    }
    let file = ours.join("swanctl.conf").display().to_string();
    let theirs_file = charon.dir().join("swanctl.conf").display().to_string();
    let load = |uri: &str, file: &str| swanctl(uri, "--load-pools", &["--file", file]);
    same(
        "--load-pools",
        &load(&uri, &file)?,
        &load(&charon_uri(charon), &theirs_file)?,
        false,
    )?;
    for args in [
        &["--list-pols"][..],
        &["--list-pols", "--raw"],
        &["--list-pols", "--trap", "--child", "net"],
        &["--list-pols", "--drop"],
        &["--list-pols", "--pass", "--raw"],
    ] {
        let (command, extra) = (args[0], &args[1..]);
        same(
            &args.join(" "),
            &swanctl(&uri, command, extra)?,
            &charon.swanctl(command, extra)?,
            false,
        )?;
    }
    for args in [
        &["--list-pools"][..],
        &["--list-pools", "--leases"],
        &["--list-pools", "--raw"],
        &["--list-pools", "--leases", "--raw"],
        &["--list-pools", "--pretty", "--name", "p1"],
    ] {
        let (command, extra) = (args[0], &args[1..]);
        // charon lists its pools in hash table order
        let sorted = !args.contains(&"--name");
        same(
            &args.join(" "),
            &swanctl(&uri, command, extra)?,
            &charon.swanctl(command, extra)?,
            sorted,
        )?;
    }
    Ok(())
}

fn charon_uri(charon: &Charon) -> String {
    format!("unix://{}", charon.dir().join("charon.vici").display())
}

/// Equal output; `sorted` compares the lines (or the raw reply's
/// sections) in any order.
fn same(what: &str, ours: &str, theirs: &str, sorted: bool) -> Result<(), String> {
    let key = |text: &str| {
        let mut parts: Vec<String> = if text.contains(" reply {") {
            raw_sections(text)
        } else {
            text.lines().map(str::to_owned).collect()
        };
        if sorted {
            parts.sort();
        }
        parts
    };
    if key(ours) == key(theirs) && !ours.trim().is_empty() {
        println!("$ swanctl {what}\n{ours}");
        Ok(())
    } else {
        Err(format!(
            "{what} differs:\nours:\n{ours}\ncharon's:\n{theirs}"
        ))
    }
}

/// The top-level sections of a one-line raw dump (`name {...}`).
fn raw_sections(text: &str) -> Vec<String> {
    let Some(body) = text
        .trim()
        .split_once(" reply {")
        .and_then(|(_, b)| b.strip_suffix('}'))
    else {
        return vec![text.to_owned()];
    };
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push(body[start..=i].trim().to_owned());
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    out
}
