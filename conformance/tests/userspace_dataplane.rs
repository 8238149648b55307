//! cygnetd's userspace ESP data plane (TUN device `ipsec0`, ESP in UDP on
//! the NAT-T socket, raw ESP) carrying real traffic between two network
//! namespaces (192.0.2.1 with 10.1.0.1, 192.0.2.2 with 10.2.0.1):
//!
//! - `rekey_packets = 20` on Cygnet's side, on charon's or on both:
//!   continuous ping, a rekey every ~20 packets started by the side at
//!   20, not one ping lost (make-before-break);
//! - Cygnet against Cygnet: tunnel and transport mode, over UDP and raw
//!   ESP (the TUN counters prove the traffic took the tunnel, which plain
//!   transport-mode pings would not need);
//! - the same ping with the recording backend (no data plane) is lost.
//!
//! Ping and iperf3 between Cygnet and charon in both roles are rows of the
//! interop matrix (`tests/matrix`). Needs root, `ip`, charon and swanctl
//! (see `common::prerequisites`); about 20 s, the tests in parallel.

mod common;

use std::path::Path;
use std::thread;
use std::time::Duration;

use common::cygnetd::{Cygnetd, STRONGSWAN_CONF, child_spis};
use common::traffic::{A, B, INNER_A, INNER_B, lab, lab_conf, link_packets, ping};
use common::{Charon, Netns, prerequisites, tail, wait_until, write};
use tempfile::TempDir;

const TUN: &str = "ipsec0";

/// cygnetd in side a (or b) with `conf`, its files in `<dir>/<side>`.
fn cygnetd(
    netns: &Netns,
    dir: &Path,
    a: bool,
    conf: &str,
    strongswan: &str,
) -> Result<Cygnetd, String> {
    let (side, ns, addr) = if a {
        ("a", &netns.a, A)
    } else {
        ("b", &netns.b, B)
    };
    let dir = dir.join(side);
    let swanctl = dir.join("swanctl.conf");
    write(&swanctl, conf)?;
    Cygnetd::start_with(netns, ns, &swanctl, &dir, addr, strongswan, &[])
}

/// Fails unless all `count` pings came back.
fn ping_all(netns: &Netns, ns: &str, src: &str, dst: &str, count: u32) -> Result<(), String> {
    let (sent, received) = ping(netns, ns, src, dst, count, "0.2")?;
    if sent == count && received == count {
        Ok(())
    } else {
        Err(format!(
            "ping {src} -> {dst}: {received} of {sent} answered"
        ))
    }
}

/// Fails unless the TUN device of `ns` received and sent `at_least`
/// packets.
fn tun_carried(netns: &Netns, ns: &str, at_least: u64) -> Result<(), String> {
    let (rx, tx) = link_packets(netns, ns, TUN)?;
    if rx >= at_least && tx >= at_least {
        Ok(())
    } else {
        Err(format!(
            "{TUN} in {ns}: {rx} packets received, {tx} sent, expected {at_least} each"
        ))
    }
}

// --- Cygnet against charon -------------------------------------------------

/// cygnetd in side a, charon (kernel-libipsec) in side b; the daemons
/// stop before the namespaces go.
struct WithCharon {
    cygnetd: Cygnetd,
    charon: Charon,
    netns: Netns,
    _dir: TempDir,
}

impl WithCharon {
    fn up(ip: &Path, prefix: &str, cygnet_conf: &str, charon_conf: &str) -> Result<Self, String> {
        let (netns, dir) = lab(ip, prefix)?;
        let charon = Charon::start(&netns, &netns.b, &dir.path().join("b"))?;
        let loaded = charon.load(charon_conf)?;
        if !loaded.contains("loaded connection 'gw'") {
            return Err(format!("swanctl --load-all:\n{loaded}"));
        }
        let cygnetd = cygnetd(&netns, dir.path(), true, cygnet_conf, STRONGSWAN_CONF)?;
        Ok(Self {
            cygnetd,
            charon,
            netns,
            _dir: dir,
        })
    }

    /// Both logs after `why`.
    fn explain(&self, why: &str) -> String {
        format!(
            "{why}\n--- cygnetd.log ---\n{}\n--- charon.log ---\n{}",
            tail(&self.cygnetd.log(), 60),
            tail(&self.charon.log(), 60)
        )
    }

    /// Waits for the first CHILD_SA on both sides.
    fn established(&self) -> Result<(), String> {
        self.cygnetd.wait_log("CHILD_SA net{1} established", 10)?;
        let installed = wait_until(Duration::from_secs(3), || {
            self.charon
                .swanctl("--list-sas", &[])
                .is_ok_and(|s| s.contains("INSTALLED, TUNNEL-in-UDP"))
        });
        installed
            .then_some(())
            .ok_or_else(|| "charon lists no INSTALLED CHILD_SA".into())
    }
}

/// Who reaches its packet limit first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FirstToRekey {
    /// Cygnet at 20 packets, charon at 30.
    Cygnet,
    /// charon at 20, Cygnet at 30.
    Charon,
    /// Both at 20: either, and collisions.
    Either,
}

#[test]
fn rekey_packets_20_rekeys_after_20_packets_without_losing_a_ping() {
    let test = "rekey_packets_20_rekeys_after_20_packets_without_losing_a_ping";
    let Some(ip) = prerequisites(test) else {
        return;
    };
    let scenarios = [
        ("urc", FirstToRekey::Cygnet),
        ("urs", FirstToRekey::Charon),
        ("ure", FirstToRekey::Either),
    ];
    let failures: Vec<String> = thread::scope(|s| {
        let runs = scenarios.map(|(prefix, first)| {
            let ip = &ip;
            s.spawn(move || rekey_scenario(ip, prefix, first))
        });
        runs.into_iter()
            .filter_map(|r| r.join().unwrap_or_else(|_| Err("panicked".into())).err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn rekey_scenario(ip: &Path, prefix: &str, first: FirstToRekey) -> Result<(), String> {
    let (ours, theirs) = match first {
        FirstToRekey::Cygnet => (20, 30),
        FirstToRekey::Charon => (30, 20),
        FirstToRekey::Either => (20, 20),
    };
    let child = |n| format!("rekey_packets = {n}");
    let cygnet_conf = lab_conf(true, "start", "tunnel", true, &child(ours));
    let charon_conf = lab_conf(false, "none", "tunnel", true, &child(theirs));
    let lab = WithCharon::up(ip, prefix, &cygnet_conf, &charon_conf)?;
    rekey_steps(&lab, first).map_err(|why| lab.explain(&format!("{first:?} rekeys first: {why}")))
}

fn rekey_steps(lab: &WithCharon, first: FirstToRekey) -> Result<(), String> {
    lab.established()?;
    // 100 pings at 20/s: a rekey every 10 pings or so (each ping counts
    // on both directions' SAs)
    let (sent, received) = ping(&lab.netns, &lab.netns.a, INNER_A, INNER_B, 100, "0.05")?;
    if sent != 100 || received != 100 {
        return Err(format!(
            "{received} of {sent} pings answered across the rekeys"
        ));
    }
    let log = lab.cygnetd.log();
    let rekeyed = log.matches("rekeyed, replaced by").count();
    if rekeyed < 5 {
        return Err(format!(
            "cygnetd logged {rekeyed} CHILD_SA rekeys, expected 5 or more"
        ));
    }
    // who counted to the limit: our data plane's soft expires, charon's
    // rekey requests (the rekey requests each side received)
    let charon = lab.charon.log();
    let requests = |verb: &str| {
        charon
            .lines()
            .filter(|l| l.contains(&format!("{verb} CREATE_CHILD_SA request")))
            .filter(|l| l.contains("N(REKEY_SA)"))
            .count()
    };
    let ours = log.matches("soft expire for SPI").count();
    let (theirs, answered) = (requests("generating"), requests("parsed"));
    let expected = match first {
        FirstToRekey::Cygnet => ours >= 5 && answered >= 5 && theirs == 0,
        FirstToRekey::Charon => theirs >= 5 && ours == 0,
        FirstToRekey::Either => ours + theirs >= 5,
    };
    if !expected {
        return Err(format!(
            "cygnetd had {ours} soft expires, charon sent {theirs} and answered {answered} \
             rekey requests"
        ));
    }
    // both end with the same, newest CHILD_SA installed
    let (ours_in, ours_out) = child_spis(&log)
        .pop()
        .ok_or("cygnetd established no CHILD_SA")?;
    let want = [format!("in  {ours_out}"), format!("out {ours_in}")];
    let mut sas = String::new();
    let same = wait_until(Duration::from_secs(3), || {
        sas = lab.charon.swanctl("--list-sas", &[]).unwrap_or_default();
        want.iter().all(|w| sas.contains(w.as_str()))
    });
    same.then_some(())
        .ok_or_else(|| format!("charon does not list cygnetd's newest CHILD_SA {want:?}:\n{sas}"))
}

// --- Cygnet against Cygnet -------------------------------------------------

/// Two cygnetds, a initiates.
struct Pair {
    a: Cygnetd,
    b: Cygnetd,
    netns: Netns,
    _dir: TempDir,
}

impl Pair {
    fn up(
        ip: &Path,
        prefix: &str,
        mode: &str,
        encap: bool,
        strongswan: &str,
    ) -> Result<Self, String> {
        let (netns, dir) = lab(ip, prefix)?;
        let b = cygnetd(
            &netns,
            dir.path(),
            false,
            &lab_conf(false, "none", mode, encap, ""),
            strongswan,
        )?;
        let a = cygnetd(
            &netns,
            dir.path(),
            true,
            &lab_conf(true, "start", mode, encap, ""),
            strongswan,
        )?;
        Ok(Self {
            a,
            b,
            netns,
            _dir: dir,
        })
    }

    fn explain(&self, why: &str) -> String {
        format!(
            "{why}\n--- a: cygnetd.log ---\n{}\n--- b: cygnetd.log ---\n{}",
            tail(&self.a.log(), 40),
            tail(&self.b.log(), 40)
        )
    }

    fn established(&self) -> Result<(), String> {
        self.a.wait_log("CHILD_SA net{1} established", 10)?;
        self.b.wait_log("CHILD_SA net{1} established", 3)
    }
}

#[test]
fn cygnet_to_cygnet_pings_in_tunnel_and_transport_mode_over_udp_and_raw_esp() {
    let test = "cygnet_to_cygnet_pings_in_tunnel_and_transport_mode_over_udp_and_raw_esp";
    let Some(ip) = prerequisites(test) else {
        return;
    };
    let scenarios = [
        ("uct", "tunnel", true),
        ("ucT", "tunnel", false),
        ("ucp", "transport", false),
        ("ucP", "transport", true),
    ];
    let failures: Vec<String> = thread::scope(|s| {
        let runs = scenarios.map(|(prefix, mode, encap)| {
            let ip = &ip;
            s.spawn(move || cygnet_scenario(ip, prefix, mode, encap))
        });
        runs.into_iter()
            .filter_map(|r| r.join().unwrap_or_else(|_| Err("panicked".into())).err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn cygnet_scenario(ip: &Path, prefix: &str, mode: &str, encap: bool) -> Result<(), String> {
    let what = format!("{mode} mode, {}", if encap { "UDP" } else { "raw ESP" });
    let pair = Pair::up(ip, prefix, mode, encap, STRONGSWAN_CONF)
        .map_err(|e| format!("{what}: lab: {e}"))?;
    cygnet_steps(&pair, mode, encap).map_err(|why| pair.explain(&format!("{what}: {why}")))
}

fn cygnet_steps(pair: &Pair, mode: &str, encap: bool) -> Result<(), String> {
    pair.established()?;
    let (src, dst) = if mode == "transport" {
        (A, B)
    } else {
        (INNER_A, INNER_B)
    };
    let (netns, a, b) = (&pair.netns, &pair.netns.a, &pair.netns.b);
    ping_all(netns, a, src, dst, 5)?;
    ping_all(netns, b, dst, src, 5)?;
    tun_carried(netns, a, 10)?;
    tun_carried(netns, b, 10)?;
    let encapsulated = pair.a.log().contains("UDP encapsulated");
    if encapsulated != encap {
        return Err(format!(
            "SAs UDP encapsulated: {encapsulated}, expected {encap}"
        ));
    }
    Ok(())
}

#[test]
fn without_a_data_plane_the_same_pings_are_lost() {
    let test = "without_a_data_plane_the_same_pings_are_lost";
    let Some(ip) = prerequisites(test) else {
        return;
    };
    let recording = format!("{STRONGSWAN_CONF}cygnet {{\n  backend = recording\n}}\n");
    let pair = Pair::up(&ip, "ucn", "tunnel", true, &recording).expect("lab");
    let result = pair.established().and_then(|()| {
        pair.a.wait_log("ESP backend: recording", 1)?;
        let (sent, received) = ping(&pair.netns, &pair.netns.a, INNER_A, INNER_B, 3, "0.2")?;
        if sent == 3 && received == 0 {
            Ok(())
        } else {
            Err(format!(
                "{received} of {sent} pings answered without a data plane"
            ))
        }
    });
    if let Err(why) = result {
        panic!("{}", pair.explain(&why));
    }
}
