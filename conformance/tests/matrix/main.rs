//! The interop matrix: every scenario in every role, each run in its own
//! pair of network namespaces, a few at a time, and a table of
//! `scenario × role → pass / FAIL (reason) / SKIP (reason)`. The roles:
//! cygnetd initiates to charon, charon (kernel-libipsec) initiates to
//! cygnetd, cygnetd to cygnetd. Both daemons are driven alike with
//! strongSwan's swanctl over their VICI sockets, and every row checks
//! both sides: their `--list-sas` (states, crossed SPIs, packet counters)
//! and their TUN devices' counters.
//!
//! `cargo test -p conformance --test matrix -- [filter]` (a filter keeps
//! the scenarios whose name contains it); `CYGNET_MATRIX_JOBS` rows at a
//! time (3). Exits 1 if a row fails; a row that cannot run says SKIP with
//! the reason, which is a failure under `CYGNET_REQUIRE_INTEROP` (CI as
//! root). See `conformance/MATRIX.md`.

#![allow(unreachable_pub)] // a test binary: pub means "for its other modules"

#[path = "../common/mod.rs"]
mod common;

mod checks;
mod collide;
mod lab;
mod life;
mod peer;
mod report;
mod rows;
mod sas;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lab::{Lab, Need, Role, Scenario};
use report::Outcome;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return; // nothing for test listers: the matrix is one run
    }
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let scenarios: Vec<Scenario> = rows::all()
        .into_iter()
        .filter(|s| filter.is_none_or(|f| s.name.contains(f.as_str())))
        .collect();
    let jobs = std::env::var("CYGNET_MATRIX_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or(3usize)
        .max(1);
    let started = Instant::now();
    let outcomes = run_all(&scenarios, jobs);
    let failed = report::print(&scenarios, &outcomes, started.elapsed());
    if failed {
        std::process::exit(1);
    }
}

/// Every (scenario, role), `jobs` at a time, in order (the slow
/// scenarios come first); the outcomes by scenario, then role.
fn run_all(scenarios: &[Scenario], jobs: usize) -> Vec<[Outcome; 3]> {
    // missing tools skip; cygnetd is built once, before any row's clock
    // starts, and not building fails
    let ready = match common::interop_tools() {
        Err(missing) => Err(Outcome::skip(missing)),
        Ok(ip) => conformance::bins::cygnetd()
            .map(|_| ip)
            .map_err(|e| Outcome::fail(&e, String::new(), Duration::ZERO)),
    };
    let runs: Vec<(usize, usize)> = (0..scenarios.len())
        .flat_map(|s| (0..Role::ALL.len()).map(move |r| (s, r)))
        .collect();
    let results: Vec<Mutex<Option<Outcome>>> = runs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..jobs.min(runs.len()) {
            s.spawn(|| {
                while let Some(&(si, ri)) = runs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (scenario, role) = (&scenarios[si], Role::ALL[ri]);
                    let prefix = format!("x{si:02}{}", ["i", "r", "c"][ri]);
                    let outcome = match &ready {
                        Ok(ip) => run_one(ip, &prefix, scenario, role),
                        Err(outcome) => outcome.clone(),
                    };
                    println!("{}", report::progress(scenario, role, &outcome));
                    let at = runs.iter().position(|r| *r == (si, ri)).unwrap_or(0);
                    *results[at].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                }
            });
        }
    });
    let mut outcomes = results
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .map(|o| o.unwrap_or_else(|| Outcome::fail("did not run", String::new(), Duration::ZERO)));
    scenarios
        .iter()
        .map(|_| std::array::from_fn(|_| outcomes.next().unwrap_or_else(|| Outcome::skip("?"))))
        .collect()
}

/// One row in one role.
fn run_one(ip: &Path, prefix: &str, scenario: &Scenario, role: Role) -> Outcome {
    if let Some(why) = scenario.charon_cannot
        && role != Role::CygnetCygnet
    {
        return Outcome::NotApplicable(why);
    }
    if let Err(why) = needs(scenario.needs) {
        return Outcome::skip(&why);
    }
    let start = Instant::now();
    let lab = match Lab::up(ip, prefix, scenario, role) {
        Ok(lab) => lab,
        Err(e) => return Outcome::fail(&format!("lab: {e}"), e.clone(), start.elapsed()),
    };
    let result = catch_unwind(AssertUnwindSafe(|| (scenario.steps)(&lab)))
        .unwrap_or_else(|_| Err("the steps panicked".into()));
    let took = start.elapsed();
    match result {
        Ok(()) => Outcome::Pass(took),
        Err(why) => Outcome::fail(&why, lab.explain(&why), took),
    }
}

/// The tools a scenario needs, or which one is missing.
fn needs(needs: &[Need]) -> Result<(), String> {
    for need in needs {
        let found = match need {
            Need::Openssl => Command::new("openssl")
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success()),
            Need::Iperf3 => PathBuf::from(common::traffic::IPERF3).is_file(),
        };
        if !found {
            return Err(format!("no {need:?}").to_lowercase());
        }
    }
    Ok(())
}
