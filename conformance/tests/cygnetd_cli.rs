//! cygnetd refuses configurations it cannot use before it opens any
//! socket: each problem printed as `file:line:col: ...`, exit status 1.

use std::fs;
use std::process::{Command, Output};

use tempfile::TempDir;

fn cygnetd_with(swanctl_conf: &str) -> (Output, String) {
    let dir = TempDir::new().expect("temp dir");
    let file = dir.path().join("swanctl.conf");
    fs::write(&file, swanctl_conf).expect("writing swanctl.conf");
    let out = Command::new(conformance::bins::cygnetd().expect("building cygnetd"))
        .arg("--swanctl-conf")
        .arg(&file)
        .arg("--conf")
        .arg(dir.path().join("missing-strongswan.conf"))
        .output()
        .expect("running cygnetd");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out,
        stderr.replace(&file.display().to_string(), "swanctl.conf"),
    )
}

#[test]
fn a_syntax_error_is_reported_with_its_position_and_exit_status_1() {
    let (out, stderr) = cygnetd_with("connections {\n  gw {\n    local_addrs 192.0.2.1\n");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("swanctl.conf:3:17: syntax error"),
        "{stderr}"
    );
}

#[test]
fn unsupported_settings_are_each_reported_at_their_position() {
    let conf = "connections {\n  gw {\n    remote_addrs = 192.0.2.2\n    local {\n      auth = eap-md5\n    }\n    children {\n      net {\n        mode = beet\n      }\n    }\n  }\n}\n";
    let (out, stderr) = cygnetd_with(conf);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "swanctl.conf:4:5: gw: local: only psk and pubkey authentication are supported"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("swanctl.conf:8:7: gw: children.net: mode Beet is not supported"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_value_is_reported_as_the_parser_reports_it() {
    let conf = "connections {\n  gw {\n    proposals = aes128-nosuchalg\n  }\n}\n";
    let (out, stderr) = cygnetd_with(conf);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("swanctl.conf:3:5: gw: invalid value for: proposals, config discarded (algorithm 'nosuchalg' not recognized)"),
        "{stderr}"
    );
}
