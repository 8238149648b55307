//! Traffic through a tunnel of the lab: ping, iperf3 and the TUN device's
//! counters, each run inside a namespace; the lab's two-sided swanctl.conf
//! for data plane tests.

use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tempfile::TempDir;

use super::conf::ConnConf;
use super::{Netns, run, terminate, wait_until};

/// The lab's outer addresses (sides a and b) and inner hosts.
pub const A: &str = "192.0.2.1";
pub const B: &str = "192.0.2.2";
pub const INNER_A: &str = "10.1.0.1";
pub const INNER_B: &str = "10.2.0.1";

/// The lab: namespaces with both sides' addresses, and a temporary
/// directory with a folder per side (`a`, `b`).
pub fn lab(ip: &Path, prefix: &str) -> Result<(Netns, TempDir), String> {
    let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
    let netns = Netns::up(ip, prefix)?;
    netns.add_outer(true, A)?;
    netns.add_outer(false, B)?;
    netns.add_inner(true, INNER_A)?;
    netns.add_inner(false, INNER_B)?;
    for side in ["a", "b"] {
        fs::create_dir(dir.path().join(side)).map_err(|e| e.to_string())?;
    }
    Ok((netns, dir))
}

pub const IPERF3: &str = "/usr/bin/iperf3";

/// `ping -c count -i interval -I src dst` in `ns`: (sent, received).
pub fn ping(
    netns: &Netns,
    ns: &str,
    src: &str,
    dst: &str,
    count: u32,
    interval: &str,
) -> Result<(u32, u32), String> {
    let out = netns
        .exec(ns, "ping")
        .args([
            "-n",
            "-q",
            "-W",
            "1",
            "-i",
            interval,
            "-c",
            &count.to_string(),
        ])
        .args(["-I", src, dst])
        .output()
        .map_err(|e| format!("ping: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if String::from_utf8_lossy(&out.stderr).contains("Network is unreachable") {
        return Ok((count, 0)); // no route: nothing left
    }
    let line = text
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .ok_or_else(|| format!("ping printed no summary:\n{text}"))?;
    let number = |word: &str| -> Option<u32> {
        let at = line.find(word)?;
        line[..at].split_whitespace().last()?.parse().ok()
    };
    match (number(" packets transmitted"), number(" received")) {
        (Some(sent), Some(received)) => Ok((sent, received)),
        _ => Err(format!("unreadable ping summary {line:?}")),
    }
}

/// iperf3 TCP for `secs` from `client` (in `client_ns`) to `server` (in
/// `server_ns`); the receiver's rate in bit/s.
pub fn iperf3(
    netns: &Netns,
    server_ns: &str,
    server: &str,
    client_ns: &str,
    client: &str,
    secs: u32,
) -> Result<f64, String> {
    let listener = netns
        .exec(server_ns, IPERF3)
        .args(["-s", "-1", "-B", server])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("iperf3 -s: {e}"))?;
    let mut result = Err("iperf3 server did not answer".to_owned());
    // the server needs a moment to listen (a refused client may still
    // exit 0, with the error in its JSON)
    wait_until(Duration::from_secs(3), || {
        result = run(netns.exec(client_ns, IPERF3).args([
            "-c",
            server,
            "-B",
            client,
            "-t",
            &secs.to_string(),
            "-J",
        ]));
        result
            .as_ref()
            .is_ok_and(|json| !json.contains("\"error\""))
    });
    terminate(listener);
    let json = result?;
    received_rate(&json).ok_or_else(|| format!("no receiver rate in iperf3's output:\n{json}"))
}

/// `end.sum_received.bits_per_second` of iperf3's JSON.
fn received_rate(json: &str) -> Option<f64> {
    let sum = &json[json.find("\"sum_received\"")?..];
    let key = "\"bits_per_second\":";
    let rest = sum[sum.find(key)? + key.len()..].trim_start();
    let end = rest.find([',', '}', '\n'])?;
    rest[..end].trim().parse().ok()
}

/// (received, sent) packets of interface `dev` in `ns`.
pub fn link_packets(netns: &Netns, ns: &str, dev: &str) -> Result<(u64, u64), String> {
    let out = netns.ip(&["-n", ns, "-s", "link", "show", "dev", dev])?;
    let mut lines = out.lines();
    let mut counts = Vec::new();
    while let Some(line) = lines.next() {
        let header = line.trim_start();
        if header.starts_with("RX:") || header.starts_with("TX:") {
            let packets = lines
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("unreadable link statistics:\n{out}"))?;
            counts.push(packets);
        }
    }
    match counts[..] {
        [rx, tx, ..] => Ok((rx, tx)),
        _ => Err(format!("no link statistics:\n{out}")),
    }
}

/// The lab's connection `gw` for side a (192.0.2.1, 10.1.0.0/24) or b
/// (192.0.2.2, 10.2.0.0/24): PSK, child `net` in `mode` with `start`,
/// `encap = yes` if asked, and extra child lines. Transport mode uses the
/// default (dynamic) selectors, the hosts themselves.
pub fn lab_conf(a: bool, start: &str, mode: &str, encap: bool, child: &str) -> String {
    let mut conf = ConnConf::lab(a);
    if encap {
        conf.extra = "encap = yes".into();
    }
    let net = conf.child();
    if mode == "transport" {
        net.local_ts.clear();
        net.remote_ts.clear();
    }
    net.mode = mode.into();
    net.start_action = start.into();
    net.extra = child.into();
    conf.render()
}
