//! The `vici` package from PyPI (strongSwan's Python binding) drives
//! cygnetd, with charon 5.9.8 as the IKE peer (the lab of
//! `common::vici_lab`): version, stats, load-shared, get-shared,
//! load-conn, get-conns, list-conns, a refused and a successful initiate
//! with its streamed log, list-sas, terminate, and an unknown command.
//! Needs root, `ip`, charon, and python3 with `vici` (`.ci/install`
//! installs it).

mod common;

use std::path::Path;
use std::process::Command;

use common::vici_lab::Lab;
use common::{prerequisites, tail};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/vici_session.py");

#[test]
fn pythons_vici_package_loads_initiates_lists_and_terminates_through_cygnetd() {
    let name = "pythons_vici_package_loads_initiates_lists_and_terminates_through_cygnetd";
    let Some(ip) = prerequisites(name) else {
        return;
    };
    if !python_vici(name) {
        return;
    }
    let lab = Lab::up(&ip, "vp").expect("lab");
    let socket = lab
        .cygnetd
        .vici_uri()
        .trim_start_matches("unix://")
        .to_owned();
    let out = Command::new("python3")
        .arg(SCRIPT)
        .arg(&socket)
        .output()
        .expect("running python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let checks = [
        "daemon: cygnetd",
        "ikesas: 0",
        "shared: ike-py",
        "conns: gw",
        "conn-children: net",
        "unknown-child: Command failed: CHILD_SA config 'nope' not found",
        "[IKE] initiating IKE_SA gw[1] to 192.0.2.2",
        "ike-state: ESTABLISHED",
        "remote-id: b.lab.test",
        "child-state: INSTALLED",
        "child-ts: 10.1.0.0/24===10.2.0.0/24",
        "left: 0",
        "bogus: SessionException",
    ];
    let missing: Vec<&&str> = checks.iter().filter(|c| !stdout.contains(**c)).collect();
    if !out.status.success() || !missing.is_empty() {
        println!("--- cygnetd.log ---\n{}", tail(&lab.cygnetd.log(), 60));
        panic!("{}: missing {missing:?}\n{stdout}{stderr}", out.status);
    }
}

/// Whether python3 can import `vici`; otherwise says why not and, unless
/// CI requires the interop tests, skips.
fn python_vici(test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import vici"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CYGNET_REQUIRE_INTEROP").is_none(),
            "CYGNET_REQUIRE_INTEROP is set but {test} cannot run: no python3 vici package"
        );
        println!("skipping {test}: no python3 vici package");
    }
    ok && Path::new(SCRIPT).is_file()
}
