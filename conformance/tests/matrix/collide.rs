//! Simultaneous rekeys made certain: both sides start the rekey while
//! neither can reach the other, so both requests are out when the path
//! comes back (retransmits after 1 s). Whether a side then sees the
//! other's request while waiting for its own answer (a collision, RFC 7296
//! §2.8.1) or after (TEMPORARY_FAILURE, the SA is being deleted) depends
//! on the retransmit timing: both are right, so the rows assert the end
//! state: one IKE SA and one CHILD_SA on each side, the same ones, that
//! carry traffic, and print how many collision lines the logs have.

use std::thread;
use std::time::Duration;

use crate::checks::{inner_traffic, wait_established_with};
use crate::common::wait_until;
use crate::lab::{Lab, Scenario};
use crate::rows::{plain, up};
use crate::sas::IkeSa;

pub fn all() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "CHILD_SA rekey requested by both at once",
            steps: |lab| collide(lab, "--child", |s| s.newest_child() >= 2),
            ..plain()
        },
        Scenario {
            name: "IKE SA rekey requested by both at once",
            steps: |lab| collide(lab, "--ike", |s| s.id >= 2),
            ..plain()
        },
    ]
}

/// Up with traffic; both sides cut off, `swanctl --rekey <what> ...` on
/// both, the path back: both end on the same rekeyed SA (`rekeyed`), one
/// IKE SA and one CHILD_SA each, and the tunnel carries traffic.
fn collide(lab: &Lab, what: &str, rekeyed: fn(&IkeSa) -> bool) -> Result<(), String> {
    up(lab)?;
    inner_traffic(lab)?;
    let name = if what == "--child" { "net" } else { "gw" };
    for a in [true, false] {
        lab.cut(a, true)?;
    }
    let rekeys: Vec<Result<String, String>> = thread::scope(|s| {
        let runs = lab
            .both()
            .map(|d| s.spawn(move || d.swanctl("--rekey", &[what, name])));
        runs.map(|r| r.join().unwrap_or_else(|_| Err("panicked".into())))
            .into_iter()
            .collect()
    });
    // both requests are out (and lost) before the path comes back
    thread::sleep(Duration::from_millis(500));
    for a in [true, false] {
        lab.cut(a, false)?;
    }
    for (d, rekey) in lab.both().into_iter().zip(rekeys) {
        rekey.map_err(|e| format!("{}: swanctl --rekey: {e}", d.name()))?;
    }
    wait_established_with(lab, &["net"], 15, rekeyed)?;
    // the redundant SAs go: one of each left on both sides
    let single = |d: &crate::peer::Daemon| {
        let sas = d.sas();
        let ike: Vec<&IkeSa> = sas.iter().filter(|s| s.state == "ESTABLISHED").collect();
        ike.len() == 1 && ike[0].children.iter().filter(|c| c.installed()).count() == 1
    };
    if !wait_until(Duration::from_secs(10), || {
        lab.both().iter().all(|d| single(d))
    }) {
        let d = lab
            .both()
            .into_iter()
            .find(|d| !single(d))
            .unwrap_or(&lab.a);
        return Err(format!(
            "{} keeps more than one IKE SA or CHILD_SA:\n{}",
            d.name(),
            d.list_sas()
        ));
    }
    inner_traffic(lab)?;
    let collisions = lab.collisions();
    println!(
        "  rekey {what} {}: {collisions} collision lines logged",
        lab.role.label()
    );
    Ok(())
}
