//! Virtual IPs (IKEv2 configuration payloads, RFC 7296 §2.19, §3.15)
//! between cygnetd (userspace data plane, side a) and strongSwan 5.9.8's
//! charon (kernel-libipsec, side b), both roles at once in two labs:
//!
//! - charon asks with `vips = 0.0.0.0`, cygnetd assigns 10.3.0.1 from its
//!   pool `p1`: both list the address, cygnetd's `--list-pools --leases`
//!   shows the lease online for charon's identity, charon receives the
//!   pool's DNS server with it, and charon's virtual IP pings 10.1.0.1
//!   through the tunnel;
//! - cygnetd asks, charon assigns from its pool: the same the other way,
//!   cygnetd's virtual IP on its TUN device pings 10.2.0.1.
//!
//! Needs root, `ip`, charon and swanctl (see `common::prerequisites`);
//! about 5 s.

mod common;

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::Duration;

use common::cygnetd::{Cygnetd, STRONGSWAN_CONF};
use common::traffic::{A, INNER_A, INNER_B, lab, lab_conf, ping};
use common::{Charon, Netns, SWANCTL, prerequisites, tail, wait_until, write};

const VIP: &str = "10.3.0.1";
const POOL: &str = "pools {\n  p1 {\n    addrs = 10.3.0.0/24\n    dns = 10.9.0.1\n  }\n}\n";

/// The lab's configuration of a side, asking for a virtual IP (`vips`,
/// dynamic local selector) or assigning one (`pools`, dynamic remote
/// selector) instead of its fixed inner network.
fn conf(a: bool, start: &str, asks: bool) -> String {
    let base = lab_conf(a, start, "tunnel", true, "");
    let (local, remote) = if a {
        ("10.1.0.0/24", "10.2.0.0/24")
    } else {
        ("10.2.0.0/24", "10.1.0.0/24")
    };
    if asks {
        base.replace(&format!("local_ts = {local}"), "")
            .replace("version = 2", "version = 2\n    vips = 0.0.0.0")
    } else {
        let assigns = base
            .replace(&format!("remote_ts = {remote}"), "")
            .replace("version = 2", "version = 2\n    pools = p1");
        format!("{assigns}{POOL}")
    }
}

/// strongSwan's swanctl against cygnetd.
fn ours(cygnetd: &Cygnetd, command: &str, extra: &[&str]) -> Result<String, String> {
    let out = Command::new(SWANCTL)
        .args([command, "--uri", &cygnetd.vici_uri()])
        .args(extra)
        .output()
        .map_err(|e| format!("{SWANCTL}: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Waits up to 5 s for `lines` in what `list` prints.
fn wait_lines(what: &str, list: impl Fn() -> String, lines: &[&str]) -> Result<(), String> {
    let mut text = String::new();
    let found = wait_until(Duration::from_secs(5), || {
        text = list();
        lines.iter().all(|l| text.contains(l))
    });
    found
        .then_some(())
        .ok_or_else(|| format!("{what} lacks {lines:?}:\n{text}"))
}

fn ping_from(netns: &Netns, ns: &str, src: &str, dst: &str) -> Result<(), String> {
    let (sent, received) = ping(netns, ns, src, dst, 5, "0.2")?;
    if sent == 5 && received == 5 {
        Ok(())
    } else {
        Err(format!(
            "ping {src} -> {dst}: {received} of {sent} answered"
        ))
    }
}

#[derive(Clone, Copy, Debug)]
enum Asker {
    Charon,
    Cygnet,
}

fn run(ip: &Path, prefix: &str, asker: Asker) -> Result<(), String> {
    let (netns, dir) = lab(ip, prefix)?;
    let charon = Charon::start(&netns, &netns.b, &dir.path().join("b"))?;
    let cygnet_asks = matches!(asker, Asker::Cygnet);
    let loaded = charon.load(&conf(false, "none", !cygnet_asks))?;
    if !loaded.contains("loaded connection 'gw'") {
        return Err(format!("charon --load-all:\n{loaded}"));
    }
    let swanctl = dir.path().join("a/swanctl.conf");
    let start = if cygnet_asks { "start" } else { "none" };
    write(&swanctl, &conf(true, start, cygnet_asks))?;
    let strongswan = format!("{STRONGSWAN_CONF}cygnet {{\n  backend = userspace\n}}\n");
    let cygnetd = Cygnetd::start_with(
        &netns,
        &netns.a,
        &swanctl,
        &dir.path().join("a"),
        A,
        &strongswan,
        &[],
    )?;
    let result = steps(&netns, &cygnetd, &charon, asker);
    println!(
        "{asker:?} asks\n--- charon --list-sas ---\n{}--- cygnetd --list-sas ---\n{}",
        charon.swanctl("--list-sas", &[]).unwrap_or_default(),
        ours(&cygnetd, "--list-sas", &[]).unwrap_or_default()
    );
    if let Err(why) = result {
        return Err(format!(
            "{asker:?} asks: {why}\n--- cygnetd.log ---\n{}\n--- charon.log ---\n{}",
            tail(&cygnetd.log(), 60),
            tail(&charon.log(), 60)
        ));
    }
    Ok(())
}

fn steps(netns: &Netns, cygnetd: &Cygnetd, charon: &Charon, asker: Asker) -> Result<(), String> {
    let charon_sas = || charon.swanctl("--list-sas", &[]).unwrap_or_default();
    let our_sas = || ours(cygnetd, "--list-sas", &[]).unwrap_or_default();
    match asker {
        Asker::Charon => {
            let out = charon.swanctl("--initiate", &["--child", "net", "--timeout", "10"])?;
            if !out.contains("initiate completed successfully") {
                return Err(format!("swanctl --initiate:\n{out}"));
            }
            wait_lines(
                "charon's --list-sas",
                charon_sas,
                &[
                    &format!("local  'b.lab.test' @ 192.0.2.2[4500] [{VIP}]"),
                    &format!("local  {VIP}/32"),
                ],
            )?;
            wait_lines(
                "cygnetd's --list-sas",
                our_sas,
                &[
                    &format!("remote 'b.lab.test' @ 192.0.2.2[4500] [{VIP}]"),
                    &format!("remote {VIP}/32"),
                ],
            )?;
            // the pool's DNS server went along with the address
            if !charon.log().contains("CPRP(ADDR DNS)") {
                return Err("charon received no CPRP(ADDR DNS)".into());
            }
            let leases = ours(cygnetd, "--list-pools", &["--leases"])?;
            if !leases.contains(VIP) || !leases.contains("online   'b.lab.test'") {
                return Err(format!("cygnetd's --list-pools --leases:\n{leases}"));
            }
            ping_from(netns, &netns.b, VIP, INNER_A)
        }
        Asker::Cygnet => {
            wait_lines(
                "charon's --list-sas",
                charon_sas,
                &[
                    &format!("remote 'a.lab.test' @ 192.0.2.1[4500] [{VIP}]"),
                    &format!("remote {VIP}/32"),
                ],
            )?;
            wait_lines(
                "cygnetd's --list-sas",
                our_sas,
                &[&format!("local  'a.lab.test' @ 192.0.2.1[4500] [{VIP}]")],
            )?;
            cygnetd.wait_log(&format!("installing new virtual IP {VIP}"), 1)?;
            let leases = charon.swanctl("--list-pools", &["--leases"])?;
            if !leases.contains("online   'a.lab.test'") {
                return Err(format!("charon's --list-pools --leases:\n{leases}"));
            }
            ping_from(netns, &netns.a, VIP, INNER_B)
        }
    }
}

#[test]
fn virtual_ips_are_assigned_and_carry_traffic_in_both_roles_with_charon() {
    let Some(ip) =
        prerequisites("virtual_ips_are_assigned_and_carry_traffic_in_both_roles_with_charon")
    else {
        return;
    };
    let failures: Vec<String> = thread::scope(|s| {
        let runs: Vec<_> = [(Asker::Charon, "yvc"), (Asker::Cygnet, "yvy")]
            .into_iter()
            .map(|(asker, prefix)| {
                let ip = &ip;
                s.spawn(move || run(ip, prefix, asker))
            })
            .collect();
        runs.into_iter()
            .filter_map(|r| r.join().unwrap_or_else(|_| Err("panicked".into())).err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
