//! Usage texts and option errors of the control and listing commands:
//! our swanctl and strongSwan's 5.9.8 print the same (up to the program
//! path in getopt's messages), exit with the same status and send nothing
//! over the VICI connection they open.

use std::path::Path;

use conformance::swanctl;
use conformance::vici_recorder::{Recorder, Seed};

const COMMANDS: [&str; 25] = [
    "version",
    "reload-settings",
    "list-sas",
    "monitor-sa",
    "list-conns",
    "list-certs",
    "load-all",
    "load-conns",
    "load-creds",
    "load-authorities",
    "load-pools",
    "initiate",
    "terminate",
    "rekey",
    "redirect",
    "install",
    "uninstall",
    "log",
    "stats",
    "counters",
    "flush-certs",
    "list-algs",
    "list-pools",
    "list-pols",
    "list-authorities",
];

/// Output (program path replaced), status and packets of one run.
fn run(binary: &Path, args: &[&str], socket: &Path) -> (String, Option<i32>, Vec<String>) {
    let recorder = Recorder::start(socket, Seed::new()).expect("recorder");
    let out = swanctl::command(binary, args, &swanctl::uri(socket))
        .output()
        .expect("run swanctl");
    let program = binary.display().to_string();
    let text = conformance::bins::without_plugin_noise(&out.stdout)
        + "--- stderr\n"
        + &conformance::bins::without_plugin_noise(&out.stderr);
    (
        text.replace(&program, "swanctl"),
        out.status.code(),
        recorder.stop(),
    )
}

#[test]
fn usage_and_option_errors_match_strongswans() {
    let theirs = swanctl::strongswan_swanctl();
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("usage.vici");
    let mut failures = Vec::new();
    for command in COMMANDS {
        let command = format!("--{command}");
        for extra in [
            &["--help"][..],
            &["--bogus"],
            &["-Z"],
            &["--child"],
            &["-r", "-h"],
        ] {
            let args: Vec<&str> = std::iter::once(command.as_str())
                .chain(extra.iter().copied())
                .collect();
            let reference = run(theirs, &args, &socket);
            let mine = run(&ours, &args, &socket);
            assert!(reference.2.is_empty(), "{args:?}: {reference:?}");
            assert!(reference.0.contains("usage:"), "{args:?}: {reference:?}");
            if reference != mine {
                failures.push(format!("{args:?}:\n{reference:?}\n{mine:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "differences:\n{}", failures.join("\n"));
}
