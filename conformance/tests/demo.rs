//! The README's main job, `bash conformance/demo/run.sh`: two cygnetd
//! peers, `swanctl --initiate`, traffic, both sides' `--list-sas`, in both
//! of its modes (namespaces as root, loopback otherwise).

mod common;

use std::path::Path;
use std::process::Command;

/// Runs the demo (in `mode` if given) and returns its exit status and
/// output.
fn run_demo(mode: Option<&str>) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/run.sh");
    let mut cmd = Command::new("timeout");
    cmd.args(["300", "bash"]).arg(&script);
    if let Some(mode) = mode {
        cmd.env("CYGNET_DEMO_MODE", mode);
    }
    let out = cmd.output().expect("running the demo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The lines every run must print: the tunnel up, listed on both sides
/// (`--list-sas` shows the IKE SA and the CHILD_SA of each peer), and torn
/// down.
fn assert_tunnel(text: &str) {
    for line in [
        "initiate completed successfully",
        "site-b: #1, ESTABLISHED, IKEv2",
        "site-a: #1, ESTABLISHED, IKEv2",
        "terminate completed successfully",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    let installed = text.matches("lan: #1, reqid 1, INSTALLED, TUNNEL").count();
    assert_eq!(installed, 2, "both sides list the CHILD_SA:\n{text}");
}

#[test]
fn the_demo_brings_up_a_tunnel_and_pings_through_it() {
    if common::prerequisites("demo").is_none() {
        return;
    }
    let (ok, text) = run_demo(None);
    assert!(ok, "the demo failed:\n{text}");
    assert_tunnel(&text);
    assert!(
        text.contains("5 packets transmitted, 5 received"),
        "pings lost:\n{text}"
    );
}

#[test]
fn the_demo_negotiates_on_loopback_without_namespaces() {
    let (ok, text) = run_demo(Some("loopback"));
    assert!(ok, "the demo failed:\n{text}");
    assert_tunnel(&text);
    assert!(text.contains("loopback mode"), "{text}");
}
