//! Rows about an SA's life: rekeys by packets and by time (one side or
//! both at once), deletes from either side, DPD with the peer gone.

use std::time::Duration;

use crate::checks::{counted, inner_traffic, wait_established_with, wait_no_sa, wait_no_sas};
use crate::common::conf::ConnConf;
use crate::common::traffic::ping;
use crate::common::wait_until;
use crate::lab::{Lab, Scenario, psk_both, psk_initiator};
use crate::rows::{plain, up};

/// CHILD_SA every 5 s, IKE SA every 11 s, no jitter, hard limits far off.
const CHILD_REKEY: &str = "rekey_time = 5s\n        life_time = 60s\n        rand_time = 0";
const IKE_REKEY: &str = "rekey_time = 11s\n    rand_time = 0\n    over_time = 60s";

/// Liveness checks after 2 s without traffic (retransmits: 1 s, 3 tries).
const DPD_DELAY: &str = "dpd_delay = 2s";

pub fn all() -> Vec<Scenario> {
    let mut rows = vec![
        Scenario {
            name: "DPD, peer gone: dpd_action = restart",
            write: psk_initiator(|c| {
                c.extra = DPD_DELAY.into();
                c.child().extra = "dpd_action = restart".into();
            }),
            steps: |lab| {
                peer_gone(lab)?;
                peer_back(lab)?;
                // a new IKE SA with the CHILD_SA, and it carries traffic
                let started = wait_until(Duration::from_secs(20), || {
                    lab.a.sas().iter().any(|s| s.id >= 2)
                });
                if !started {
                    return Err(format!(
                        "{} started no new IKE SA within 20 s of the path coming back",
                        lab.a.name()
                    ));
                }
                wait_established_with(lab, &["net"], 20, |s| s.id >= 2)?;
                inner_traffic(lab)
            },
            ..plain()
        },
        Scenario {
            name: "DPD, peer gone: dpd_action = clear",
            write: psk_initiator(|c| {
                c.extra = DPD_DELAY.into();
                c.child().extra = "dpd_action = clear".into();
            }),
            steps: |lab| {
                peer_gone(lab)?;
                peer_back(lab)?;
                // nothing comes back
                std::thread::sleep(Duration::from_secs(3));
                wait_no_sa(&lab.a, 0)
            },
            ..plain()
        },
        Scenario {
            name: "CHILD and IKE rekey by time, both sides at once",
            write: psk_both(rekey_by_time),
            steps: rekeyed_by_time,
            ..plain()
        },
        Scenario {
            name: "CHILD and IKE rekey by time (initiator)",
            write: psk_initiator(rekey_by_time),
            steps: rekeyed_by_time,
            ..plain()
        },
        Scenario {
            name: "rekey_packets = 20 under continuous ping",
            write: psk_both(|c| c.child().extra = "rekey_packets = 20".into()),
            steps: |lab| {
                up(lab)?;
                let a = lab.addrs;
                // 100 echo requests out of one TUN device and into the
                // other, 100 replies back
                counted(lab, 100, false, || {
                    let (sent, received) =
                        ping(&lab.netns, &lab.netns.a, a.inner_a, a.inner_b, 100, "0.05")?;
                    if sent == 100 && received == 100 {
                        return Ok(());
                    }
                    Err(format!(
                        "{received} of {sent} pings answered across the rekeys"
                    ))
                })?;
                // both list the same newest CHILD_SA, the 4th or later
                let (ia, ib) = wait_established_with(lab, &["net"], 5, |s| s.newest_child() >= 4)?;
                println!(
                    "  rekey_packets {}: CHILD_SA #{} / #{} after 100 pings",
                    lab.role.label(),
                    ia.newest_child(),
                    ib.newest_child()
                );
                Ok(())
            },
            ..plain()
        },
        Scenario {
            name: "terminate from the initiator",
            steps: |lab| terminate(lab, &lab.a),
            ..plain()
        },
        Scenario {
            name: "terminate from the responder",
            steps: |lab| terminate(lab, &lab.b),
            ..plain()
        },
    ];
    rows.extend(crate::collide::all());
    rows
}

/// Short lifetimes, no jitter.
fn rekey_by_time(c: &mut ConnConf) {
    c.extra = IKE_REKEY.into();
    c.child().extra = CHILD_REKEY.into();
}

/// Up, then both sides list a rekeyed IKE SA (#2 or later) holding a
/// rekeyed CHILD_SA, and it carries traffic. Whether the rekeys collided
/// depends on timing: printed, not asserted.
fn rekeyed_by_time(lab: &Lab) -> Result<(), String> {
    up(lab)?;
    let (ia, ib) =
        wait_established_with(lab, &["net"], 25, |s| s.id >= 2 && s.newest_child() >= 2)?;
    inner_traffic(lab)?;
    let collisions = lab.collisions();
    println!(
        "  rekey by time {}: IKE SA #{}/#{}, CHILD_SA #{}/#{}, {collisions} collision lines logged",
        lab.role.label(),
        ia.id,
        ib.id,
        ia.newest_child(),
        ib.newest_child()
    );
    Ok(())
}

/// Up with traffic, then `side` terminates the IKE SA: nothing is left on
/// either side.
fn terminate(lab: &Lab, side: &crate::peer::Daemon) -> Result<(), String> {
    up(lab)?;
    inner_traffic(lab)?;
    side.swanctl("--terminate", &["--ike", "gw", "--timeout", "10"])?;
    wait_no_sas(lab, 5)
}

/// Up, then the responder's side drops everything to the initiator: the
/// initiator's DPD finds the peer gone and its IKE SA #1 goes within 30 s.
fn peer_gone(lab: &Lab) -> Result<(), String> {
    up(lab)?;
    lab.cut(false, true)?;
    let gone = wait_until(Duration::from_secs(30), || {
        lab.a.sas().iter().all(|s| s.id != 1) && lab.a.sad_entries().is_empty()
    });
    gone.then_some(()).ok_or_else(|| {
        format!(
            "{} keeps IKE SA #1 30 s after its peer went:\n{}",
            lab.a.name(),
            lab.a.list_sas()
        )
    })
}

fn peer_back(lab: &Lab) -> Result<(), String> {
    lab.cut(false, false)
}
