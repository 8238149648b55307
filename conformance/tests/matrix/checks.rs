//! What the rows assert, on both sides alike: the SAs both daemons list,
//! pings through the tunnel, and the counters of the SAs and of the TUN
//! devices (`ipsec0`: cygnetd's and kernel-libipsec's).

use std::time::Duration;

use crate::common::traffic::{link_packets, ping};
use crate::common::wait_until;
use crate::lab::Lab;
use crate::peer::Daemon;
use crate::sas::{ChildSa, IkeSa};

pub const TUN: &str = "ipsec0";

/// `swanctl --initiate --child <child>` on the initiator succeeds.
pub fn initiate(lab: &Lab, child: &str) -> Result<(), String> {
    let out = lab
        .a
        .swanctl("--initiate", &["--child", child, "--timeout", "15"])?;
    out.contains("initiate completed successfully")
        .then_some(())
        .ok_or_else(|| format!("swanctl --initiate --child {child}:\n{out}"))
}

/// `swanctl --initiate` fails (the peer refused).
pub fn initiate_fails(lab: &Lab) -> Result<(), String> {
    match lab
        .a
        .swanctl("--initiate", &["--child", "net", "--timeout", "15"])
    {
        Ok(out) => Err(format!("swanctl --initiate succeeded:\n{out}")),
        Err(_) => Ok(()),
    }
}

/// The ESTABLISHED IKE SA `gw` of a listing with every child in
/// `children` INSTALLED (the newest of each name).
fn established<'a>(sas: &'a [IkeSa], children: &[&str]) -> Option<(&'a IkeSa, Vec<&'a ChildSa>)> {
    let ike = sas
        .iter()
        .filter(|s| s.name == "gw" && s.state == "ESTABLISHED")
        .max_by_key(|s| s.id)?;
    let found = children
        .iter()
        .map(|name| {
            ike.children
                .iter()
                .filter(|c| c.name == *name && c.installed())
                .max_by_key(|c| c.id)
        })
        .collect::<Option<Vec<_>>>()?;
    Some((ike, found))
}

/// Both sides list one ESTABLISHED IKE SA `gw` with `children`
/// INSTALLED, the initiator's inbound SPIs the responder's outbound ones
/// and vice versa; (initiator's, responder's) newest IKE SA, waiting up to
/// `secs`. `accept` adds a condition on both listings.
pub fn wait_established_with(
    lab: &Lab,
    children: &[&str],
    secs: u64,
    accept: impl Fn(&IkeSa) -> bool,
) -> Result<(IkeSa, IkeSa), String> {
    let mut found = None;
    let ok = wait_until(Duration::from_secs(secs), || {
        let (a, b) = (lab.a.sas(), lab.b.sas());
        let pair = established(&a, children).zip(established(&b, children));
        let Some(((ia, ca), (ib, cb))) = pair else {
            return false;
        };
        let crossed = ca
            .iter()
            .zip(&cb)
            .all(|(x, y)| x.spi_in == y.spi_out && x.spi_out == y.spi_in);
        if crossed && accept(ia) && accept(ib) {
            found = Some((ia.clone(), ib.clone()));
        }
        found.is_some()
    });
    match found {
        Some(pair) if ok => Ok(pair),
        _ => Err(format!(
            "not ESTABLISHED with {children:?} INSTALLED on both sides (SPIs crossed) within {secs} s"
        )),
    }
}

pub fn wait_established(lab: &Lab, children: &[&str]) -> Result<(IkeSa, IkeSa), String> {
    wait_established_with(lab, children, 5, |_| true)
}

/// Packets (in, out) of every CHILD_SA a daemon lists.
fn sa_packets(d: &Daemon) -> (u64, u64) {
    d.sas()
        .iter()
        .flat_map(|s| &s.children)
        .fold((0, 0), |(i, o), c| (i + c.packets_in, o + c.packets_out))
}

/// Counters of both sides: (SA packets in, out, TUN rx, tx) each.
fn counters(lab: &Lab) -> Result<[[u64; 4]; 2], String> {
    let mut all = [[0; 4]; 2];
    for (i, (d, ns)) in [(&lab.a, &lab.netns.a), (&lab.b, &lab.netns.b)]
        .into_iter()
        .enumerate()
    {
        let (sa_in, sa_out) = sa_packets(d);
        let (rx, tx) = link_packets(&lab.netns, ns, TUN)?;
        all[i] = [sa_in, sa_out, rx, tx];
    }
    Ok(all)
}

/// `count` pings from `src` in side a to `dst` in side b and `count`
/// back, all answered.
pub fn ping_both(lab: &Lab, src: &str, dst: &str, count: u32) -> Result<(), String> {
    for (ns, from, to) in [(&lab.netns.a, src, dst), (&lab.netns.b, dst, src)] {
        let (sent, received) = ping(&lab.netns, ns, from, to, count, "0.1")?;
        if sent != count || received != count {
            return Err(format!(
                "ping {from} -> {to}: {received} of {sent} answered{}",
                dropping(lab)
            ));
        }
    }
    Ok(())
}

/// `: <daemon> logged "<line>"` for the first log line of either side
/// about dropping packets, if any.
fn dropping(lab: &Lab) -> String {
    lab.both()
        .into_iter()
        .find_map(|d| {
            let log = d.log();
            let line = log.lines().find(|l| l.contains("dropping"))?;
            let text = line.split_once("] ").map_or(line, |(_, t)| t);
            Some(format!(" ({} logged {text:?})", d.name()))
        })
        .unwrap_or_default()
}

/// Pings both ways between each (a, b) pair and checks that every one of
/// them went through ESP on both sides: each side's SAs and TUN device
/// counted at least the echo requests and replies, in and out.
pub fn traffic(lab: &Lab, pairs: &[(&str, &str)]) -> Result<(), String> {
    const COUNT: u32 = 5;
    let want = u64::from(2 * COUNT) * pairs.len() as u64;
    counted(lab, want, true, || {
        pairs
            .iter()
            .try_for_each(|(src, dst)| ping_both(lab, src, dst, COUNT))
    })
}

/// Runs `send` and checks that each side's TUN device (and, if `sas`, its
/// SAs; not across rekeys, whose replaced SAs leave the listing) counted
/// `want` packets or more in and out meanwhile.
pub fn counted(
    lab: &Lab,
    want: u64,
    sas: bool,
    send: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let before = counters(lab)?;
    send()?;
    let after = counters(lab)?;
    let what = ["SA packets in", "SA packets out", "ipsec0 rx", "ipsec0 tx"];
    let first = if sas { 0 } else { 2 };
    for (side, d) in [(0, &lab.a), (1, &lab.b)] {
        for (i, name) in what.iter().enumerate().skip(first) {
            let delta = after[side][i].saturating_sub(before[side][i]);
            if delta < want {
                return Err(format!(
                    "{} ({}): {name} rose by {delta}, expected {want} or more",
                    d.name(),
                    if side == 0 { "initiator" } else { "responder" },
                ));
            }
        }
    }
    Ok(())
}

/// The tunnel of the lab's inner addresses carries pings.
pub fn inner_traffic(lab: &Lab) -> Result<(), String> {
    traffic(lab, &[(lab.addrs.inner_a, lab.addrs.inner_b)])
}

/// Neither side lists an IKE SA `gw` (waiting up to `secs`) and cygnetd
/// keeps no SAD entry.
pub fn wait_no_sas(lab: &Lab, secs: u64) -> Result<(), String> {
    for d in lab.both() {
        wait_no_sa(d, secs)?;
    }
    Ok(())
}

/// One side holds no IKE SA `gw` and no SAD entry, waiting up to `secs`.
pub fn wait_no_sa(d: &Daemon, secs: u64) -> Result<(), String> {
    let empty = wait_until(Duration::from_secs(secs), || {
        d.sas().iter().all(|s| s.name != "gw") && d.sad_entries().is_empty()
    });
    if empty {
        return Ok(());
    }
    Err(format!(
        "{} keeps SAs (SAD entries {:?}):\n{}",
        d.name(),
        d.sad_entries(),
        d.list_sas()
    ))
}

/// Neither side lists an INSTALLED CHILD_SA nor keeps a SAD entry.
pub fn nothing_installed(lab: &Lab) -> Result<(), String> {
    for d in lab.both() {
        let installed = d
            .sas()
            .iter()
            .flat_map(|s| s.children.clone())
            .any(|c| c.installed());
        if installed || !d.sad_entries().is_empty() {
            return Err(format!(
                "{} has a CHILD_SA installed (SAD entries {:?}):\n{}",
                d.name(),
                d.sad_entries(),
                d.list_sas()
            ));
        }
    }
    Ok(())
}

/// Waits up to `secs` for `text` in a daemon's log.
pub fn wait_log(d: &Daemon, text: &str, secs: u64) -> Result<(), String> {
    wait_until(Duration::from_secs(secs), || d.log().contains(text))
        .then_some(())
        .ok_or_else(|| format!("{} did not log {text:?} within {secs} s", d.name()))
}
