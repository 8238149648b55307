//! `swanctl --log` differential: our swanctl and strongSwan's 5.9.8 each
//! register for `log` on a recording VICI server seeded with `log` events
//! captured from charon (`configs/50-ctl-log/seed`), print them, and on
//! SIGINT say `disconnecting...` and exit 0. Same packets, same stdout,
//! stderr and exit status required (plugin noise of strongSwan's swanctl
//! aside).

use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use conformance::swanctl::{self, Run};
use conformance::vici_recorder::{Recorder, Seed};

/// Runs `binary --log <args>` until it registered and got the seeded
/// events, then interrupts it with `signal`.
fn run(binary: &Path, args: &[&str], seed: &Seed, signal: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("log.vici");
    let recorder = Recorder::start(&socket, seed.clone()).expect("recorder");
    let child = swanctl::spawn(binary, &[&["--log"], args].concat(), &swanctl::uri(&socket));
    let start = Instant::now();
    while recorder.log().is_empty() && start.elapsed() < Duration::from_secs(10) {
        sleep(Duration::from_millis(20));
    }
    // the events follow the confirmation after 100 ms; leave time to print
    // them
    sleep(Duration::from_millis(600));
    let pid = child.id().to_string();
    let killed = Command::new("kill").args([signal, &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()), "kill {signal} {pid}");
    let out = child.wait_with_output().expect("wait");
    Run {
        packets: recorder.stop(),
        stdout: conformance::bins::without_plugin_noise(&out.stdout),
        stderr: conformance::bins::without_plugin_noise(&out.stderr),
        status: out.status.code(),
    }
}

#[test]
fn our_swanctl_log_prints_what_strongswans_prints() {
    let theirs = swanctl::strongswan_swanctl();
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let seed_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/50-ctl-log/seed");
    let seed = Seed::from_file(&seed_file).expect("seed");
    assert!(seed.events.len() >= 10, "{} events", seed.events.len());
    for (args, signal) in [
        (&[][..], "-INT"),
        (&["--raw"], "-INT"),
        (&["--pretty"], "-TERM"),
    ] {
        let reference = run(theirs, args, &seed, signal);
        let mine = run(&ours, args, &seed, signal);
        assert_eq!(reference.status, Some(0), "{reference:?}");
        assert!(reference.stdout.lines().count() >= 10, "{reference:?}");
        assert_eq!(reference, mine, "swanctl --log {args:?}");
    }
}
