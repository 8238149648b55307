//! `swanctl --lint`: every problem as `file:line:col: message`, exit 1 when
//! anything would be rejected, no daemon needed.

use std::fs;
use std::path::Path;
use std::process::Command;

fn lint(file: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_swanctl"))
        .args(["--lint", "--file"])
        .arg(file)
        .args(["--uri", "unix:///nonexistent/never-connected.vici"])
        .output()
        .expect("run swanctl");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn bundled_example_is_clean() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("example/swanctl.conf");
    let (code, text) = lint(&example);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("2 connections, 2 secrets, 0 authorities, 1 pools; 0 problems"),
        "{text}"
    );
}

#[test]
fn broken_config_reports_each_problem_with_its_position_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("swanctl.conf");
    fs::write(
        &conf,
        "connections {\n  bad {\n    proposals = aes128-nope-x25519\n    children {\n      \
         c {\n        mode = tunel\n        hw_offload = packet\n        rekey_bytes = 1g\n      \
         }\n    }\n    colour = blue\n  }\n  good {\n    remote_addrs = 192.0.2.2\n  }\n}\n",
    )
    .expect("write");
    let (code, text) = lint(&conf);
    assert_eq!(code, 1, "{text}");
    let at = |line: u32, col: u32| format!("{}:{line}:{col}: bad: ", conf.display());
    for expected in [
        at(3, 5)
            + "invalid value for: proposals, config discarded (algorithm 'nope' not recognized)",
        at(6, 9) + "children.c: invalid value for: mode, config discarded",
        at(7, 9) + "children.c: invalid value for: hw_offload, config discarded",
        at(11, 5) + "unknown option: colour, config discarded",
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        text.contains("1 connections, 0 secrets, 0 authorities, 0 pools; 4 problems"),
        "{text}"
    );
}

#[test]
fn syntax_error_names_its_position_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("swanctl.conf");
    fs::write(
        &conf,
        "connections {\n  a {\n    remote_addrs 192.0.2.1\n  }\n}\n",
    )
    .expect("write");
    let (code, text) = lint(&conf);
    assert_eq!(code, 1, "{text}");
    let expected = format!(
        "{}:3:18: syntax error, unexpected name '192', expecting '=', '{{' or ':'",
        conf.display()
    );
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn include_cycle_is_reported_at_the_include() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("swanctl.conf");
    fs::write(&conf, "connections {\n  include loop.conf\n}\n").expect("write");
    fs::write(
        dir.path().join("loop.conf"),
        "x { }\ninclude swanctl.conf\n",
    )
    .expect("write");
    let (code, text) = lint(&conf);
    assert_eq!(code, 1, "{text}");
    let expected = format!(
        "{}:2:1: include cycle",
        dir.path().join("loop.conf").display()
    );
    assert!(text.contains(&expected), "{text}");
}
