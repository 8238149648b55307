//! Live differential test of the listing commands: strongSwan's
//! `/usr/sbin/swanctl` and ours run `--list-sas`, `--list-conns`,
//! `--list-certs` (and their options) and `--monitor-sa` against the same
//! charon, which has a certificate tunnel (`gw`, the `Chain` scenario of
//! `common::certlab`) and a PSK tunnel with two children up. Outputs must
//! be equal after masking the times that tick between the two runs (see
//! [`mask`]); nothing else is masked (SPIs and counters do not change: no
//! traffic flows). A third test shows our `hw-offload` line against
//! cygnetd. Needs root, `ip`, charon and swanctl.
//!
//! With `CYGNET_CAPTURE_DIR` set, also writes the `list-sa`, `list-conn`
//! and `list-cert` events charon sent as recorder seed lines (`event ...`)
//! into that directory: that is how `conformance/configs/4*-list-*/seed`
//! were made.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::certlab::{CHILD, CertLab, LAB_A, LAB_B, Scenario, Side};
use common::{Charon, Netns, prerequisites, vici_lab};
use conformance::bins::without_plugin_noise;
use conformance::swanctl;
use conformance::vici_recorder::{Recorder, Seed};
use swanctl_parser::vici::{Client, Item, Message};
use tempfile::TempDir;

/// A PSK connection with two children, appended to each side's
/// swanctl.conf (sections of the same name merge).
fn psk_conf(local: &str, remote: &str, me: &str, peer: &str, lnet: &str, rnet: &str) -> String {
    format!(
        r"
connections {{
  psk {{
    local_addrs = {local}
    remote_addrs = {remote}
    proposals = aes128-sha256-x25519
    encap = yes
    dpd_delay = 30s
    local {{
      auth = psk
      id = {me}
    }}
    remote {{
      auth = psk
      id = {peer}
    }}
    children {{
      one {{
        local_ts = {lnet}1.0/24
        remote_ts = {rnet}1.0/24
        esp_proposals = aes128gcm16
        rekey_bytes = 1000000
      }}
      two {{
        local_ts = {lnet}2.0/24,{lnet}3.0/24
        remote_ts = {rnet}2.0/24
        esp_proposals = aes256-sha256-modp2048
        mode = tunnel
      }}
    }}
  }}
}}
secrets {{
  ike-psk {{
    id-1 = moon-psk
    id-2 = sun-psk
    secret = 0x0123456789abcdef0123456789abcdef
  }}
}}
"
    )
}

struct Lab {
    moon: Charon,
    sun: Charon,
    _netns: Netns,
    _dir: TempDir,
}

/// The lab in namespaces `<prefix>{a,b}<pid>` (a prefix per test: they
/// run in parallel).
fn lab(ip: &Path, prefix: &str) -> Result<Lab, String> {
    let certs = CertLab::new(Scenario::Chain)?;
    let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
    let netns = Netns::up(ip, prefix)?;
    netns.add_outer(true, LAB_A.addr)?;
    netns.add_outer(false, LAB_B.addr)?;
    // kernel-libipsec routes need a local address in each local TS
    for net in ["0", "1", "2", "3"] {
        netns.add_inner(true, &format!("10.1.{net}.1"))?;
        netns.add_inner(false, &format!("10.2.{net}.1"))?;
    }
    let (moon_dir, sun_dir) = (dir.path().join("moon"), dir.path().join("sun"));
    let moon_conf = certs.write_side(Side::Initiator, &moon_dir, &LAB_A, &LAB_B)?;
    let sun_conf = certs.write_side(Side::Responder, &sun_dir, &LAB_B, &LAB_A)?;
    for (conf, local, remote, me, peer, lnet, rnet) in [
        (
            &moon_conf, LAB_A.addr, LAB_B.addr, "moon-psk", "sun-psk", "10.1.", "10.2.",
        ),
        (
            &sun_conf, LAB_B.addr, LAB_A.addr, "sun-psk", "moon-psk", "10.2.", "10.1.",
        ),
    ] {
        let mut text = std::fs::read_to_string(conf).map_err(|e| e.to_string())?;
        text.push_str(&psk_conf(local, remote, me, peer, lnet, rnet));
        common::write(conf, &text)?;
    }
    let moon = Charon::start(&netns, &netns.a, &moon_dir)?;
    let sun = Charon::start(&netns, &netns.b, &sun_dir)?;
    moon.load_file(&moon_conf)?;
    sun.load_file(&sun_conf)?;
    for child in [CHILD, "one", "two"] {
        let out = moon
            .swanctl("--initiate", &["--child", child, "--timeout", "10"])
            .map_err(|e| format!("{e}\n{}", common::tail(&sun.log(), 40)))?;
        if !out.contains("initiate completed successfully") {
            return Err(format!(
                "initiate {child}:\n{out}\n{}",
                common::tail(&sun.log(), 40)
            ));
        }
    }
    Ok(Lab {
        moon,
        sun,
        _netns: netns,
        _dir: dir,
    })
}

fn uri(charon: &Charon) -> String {
    format!("unix://{}", charon.dir().join("charon.vici").display())
}

/// stdout, stderr and exit code of `swanctl args --uri <charon>`.
fn swanctl(binary: &Path, charon: &Charon, args: &[&str]) -> (String, String, Option<i32>) {
    let out = swanctl::command(binary, args, &uri(charon))
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        without_plugin_noise(&out.stderr),
        out.status.code(),
    )
}

/// Seconds that tick between the two runs: the digits right after these
/// markers (text, `--raw` and `--pretty` forms of `list-sa` and of the
/// updown events) become `N`.
fn mask(text: &str) -> String {
    const MARKERS: [&str; 5] = [
        "established",
        "rekeying in",
        "reauth in",
        "expires in",
        "installed",
    ];
    const KEYS: [&str; 5] = [
        "established",
        "rekey-time",
        "reauth-time",
        "life-time",
        "install-time",
    ];
    let mut prefixes: Vec<String> = MARKERS.iter().map(|m| format!("{m} ")).collect();
    for key in KEYS {
        prefixes.push(format!("{key}="));
        prefixes.push(format!("{key} = "));
    }
    let mut out = text.to_owned();
    for prefix in &prefixes {
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(at) = rest.find(prefix.as_str()) {
            let after = at + prefix.len();
            result.push_str(&rest[..after]);
            let digits = rest[after..].bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                result.push('N');
            }
            rest = &rest[after + digits..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

const SAS: &[&[&str]] = &[
    &["--list-sas"],
    &["--list-sas", "--raw"],
    &["--list-sas", "--pretty"],
    &["--list-sas", "--ike", "psk"],
    &["--list-sas", "--ike-id", "1", "--noblock"],
    &["--list-sas", "--child", "two"],
    &["--list-sas", "--ike", "nonexistent"],
    &["-l", "-i", "gw", "-r"],
];
const CONNS: &[&[&str]] = &[
    &["--list-conns"],
    &["--list-conns", "--raw"],
    &["--list-conns", "--pretty"],
];
const CERTS: &[&[&str]] = &[
    &["--list-certs"],
    &["--list-certs", "--short"],
    &["--list-certs", "--utc"],
    &["--list-certs", "--pem"],
    &["--list-certs", "--raw"],
    &["--list-certs", "--pretty"],
    &["--list-certs", "--type", "x509", "--flag", "ca"],
    &["--list-certs", "--flag", "none", "--utc", "--short"],
    &["--list-certs", "--subject", "sun.strongswan.org"],
    &["--list-certs", "--type", "x509_crl"],
];

#[test]
fn list_commands_print_what_strongswan_swanctl_prints() {
    let Some(ip) = prerequisites("swanctl_cli_lists") else {
        return;
    };
    if !common::pki::openssl_available("swanctl_cli_lists") {
        return;
    }
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let reference = Path::new(common::SWANCTL);
    let lab = lab(&ip, "scl").expect("lab");
    if let Some(dir) = std::env::var_os("CYGNET_CAPTURE_DIR") {
        capture(&lab, Path::new(&dir));
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for (charon, name, commands) in [
        (&lab.moon, "moon", SAS),
        (&lab.sun, "sun", SAS),
        (&lab.moon, "moon", CONNS),
        (&lab.moon, "moon", CERTS),
        (&lab.sun, "sun", CERTS),
    ] {
        for args in commands {
            let theirs = swanctl(reference, charon, args);
            let mine = swanctl(&ours, charon, args);
            let (theirs, mine) = (
                (mask(&theirs.0), theirs.1, theirs.2),
                (mask(&mine.0), mine.1, mine.2),
            );
            compared += 1;
            assert!(
                !theirs.0.is_empty() || args.contains(&"nonexistent") || args.contains(&"x509_crl"),
                "{name} {args:?}: strongSwan's swanctl printed nothing"
            );
            if theirs == mine {
                eprintln!("PASS {name} {args:?}");
            } else {
                eprintln!("FAIL {name} {args:?}");
                failures.push(format!(
                    "{name} {args:?}:\n--- strongSwan ---\n{}{}exit {:?}\n--- ours ---\n{}{}exit {:?}",
                    theirs.0, theirs.1, theirs.2, mine.0, mine.1, mine.2
                ));
            }
        }
    }
    eprintln!("{compared} commands compared, {} differ", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn monitor_sa_prints_what_strongswan_swanctl_prints() {
    let Some(ip) = prerequisites("swanctl_cli_lists monitor") else {
        return;
    };
    if !common::pki::openssl_available("swanctl_cli_lists monitor") {
        return;
    }
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let lab = lab(&ip, "scm").expect("lab");
    for args in [&["--monitor-sa"][..], &["--monitor-sa", "--raw"]] {
        let spawn = |binary: &Path| swanctl::spawn(binary, args, &uri(&lab.moon));
        let monitors = [spawn(Path::new(common::SWANCTL)), spawn(&ours)];
        // time to start and register
        std::thread::sleep(Duration::from_millis(1000));
        // a child down and up again, the PSK IKE_SA down and up again
        let steps = [
            ("--terminate", ["--child", "one"]),
            ("--initiate", ["--child", "one"]),
            ("--terminate", ["--ike", "psk"]),
            ("--initiate", ["--child", "one"]),
        ];
        let done: Result<Vec<String>, String> = steps
            .iter()
            .map(|(command, what)| {
                lab.moon
                    .swanctl(command, &[what[0], what[1], "--timeout", "10"])
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        // the monitors end (SIGINT) whatever happened
        let outputs: Vec<(String, String, Option<i32>)> =
            monitors.into_iter().map(interrupt).collect();
        done.expect("swanctl steps");
        assert!(outputs[0].0.contains("one"), "{args:?}: {outputs:?}");
        assert_eq!(outputs[0], outputs[1], "{args:?}");
        eprintln!("PASS {args:?}: {} lines", outputs[0].0.lines().count());
    }
}

/// SIGINT to a running `--monitor-sa`; its masked stdout, stderr and exit
/// code.
fn interrupt(child: std::process::Child) -> (String, String, Option<i32>) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    (
        mask(&String::from_utf8_lossy(&out.stdout)),
        without_plugin_noise(&out.stderr),
        out.status.code(),
    )
}

/// Writes charon's list events as recorder seed lines.
fn capture(lab: &Lab, dir: &Path) {
    for (charon, side, command, event) in [
        (&lab.moon, "moon", "list-sas", "list-sa"),
        (&lab.sun, "sun", "list-sas", "list-sa"),
        (&lab.moon, "moon", "list-conns", "list-conn"),
        (&lab.sun, "sun", "list-certs", "list-cert"),
    ] {
        let mut client = Client::connect(&uri(charon)).expect("connect");
        client.register(event).expect("register");
        let (_, events) = client
            .request_collecting(command, &Message::new())
            .expect("request");
        let mut text = String::new();
        for e in events {
            let hex: String = e
                .message
                .encode()
                .expect("encode")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            text.push_str(&format!("event {command} {event} {hex}\n"));
        }
        common::write(&dir.join(format!("{side}-{command}.seed")), &text).expect("write");
    }
}

/// Against cygnetd (recording backend, `hw_offload = auto`): our swanctl
/// prints what strongSwan's prints plus the `hw-offload` line of our
/// extension key, which the raw dumps of both show.
#[test]
fn our_swanctl_shows_the_hw_offload_cygnetd_reports() {
    let Some(ip) = prerequisites("swanctl_cli_lists hw-offload") else {
        return;
    };
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let lab = vici_lab::Lab::up(&ip, "sco").expect("lab");
    let conf = lab.dir.path().join("offload.conf");
    let text = vici_lab::swanctl_conf(true).replace(
        "esp_proposals = aes128gcm16-x25519",
        "esp_proposals = aes128gcm16-x25519\n        hw_offload = auto",
    );
    common::write(&conf, &text).expect("write");
    lab.ours("--load-all", &["--file", &conf.display().to_string()])
        .expect("load");
    lab.ours("--initiate", &["--child", "net", "--timeout", "10"])
        .expect("initiate");
    let run = |binary: &Path, args: &[&str]| {
        let out = swanctl::command(binary, args, &lab.cygnetd.vici_uri())
            .output()
            .expect("swanctl");
        mask(&String::from_utf8_lossy(&out.stdout))
    };
    let reference = Path::new(common::SWANCTL);
    let (theirs, mine) = (run(reference, &["--list-sas"]), run(&ours, &["--list-sas"]));
    println!("{mine}");
    assert!(mine.contains("\n    hw-offload: none (auto)\n"), "{mine}");
    let without: String = mine
        .lines()
        .filter(|l| !l.starts_with("    hw-offload: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without, theirs);
    let (theirs, mine) = (
        run(reference, &["--list-sas", "--raw"]),
        run(&ours, &["--list-sas", "--raw"]),
    );
    assert!(mine.contains(" hw-offload=none (auto) "), "{mine}");
    assert_eq!(mine, theirs);
}

/// `--monitor-sa` against the recording VICI server (no root needed):
/// the `list-sa` events captured from charon, replayed as `child-updown`
/// (and, without their CHILD_SAs, as `ike-updown`) right after swanctl
/// registered, print the same with both swanctls; SIGINT ends both alike.
#[test]
fn monitor_sa_prints_replayed_updown_events_like_strongswan_swanctl() {
    let reference = Path::new(common::SWANCTL);
    if !reference.is_file() {
        println!("skipping: no {}", reference.display());
        return;
    }
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let captured = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/42-list-sas/captured.seed");
    let captured = Seed::from_file(&captured).expect("captured seed");
    let mut seed = Seed::new();
    for event in &captured.events {
        let mut up = Message::new().with_value("up", "yes");
        let mut ike_only = up.clone();
        for (name, item) in &event.message {
            up.push(name.clone(), item.clone());
            if let Item::Section(sa) = item {
                let mut without_children = Message::new();
                for (key, value) in sa.iter().filter(|(key, _)| key != "child-sas") {
                    without_children.push(key.clone(), value.clone());
                }
                ike_only.push_section(name.clone(), without_children);
            }
        }
        seed = seed
            .with_event(None, "ike-updown", ike_only)
            .with_event(None, "child-updown", up);
    }
    assert!(seed.events.len() >= 4);
    for args in [
        &["--monitor-sa"][..],
        &["--monitor-sa", "--raw"],
        &["-m", "-P"],
    ] {
        let runs: Vec<_> = [reference, ours.as_path()]
            .into_iter()
            .map(|binary| monitor_once(binary, args, &seed))
            .collect();
        assert!(
            runs[0].0.matches("reqid").count() >= 4,
            "{args:?}: {runs:?}"
        );
        assert_eq!(runs[0], runs[1], "{args:?}");
    }
}

/// stdout, stderr and exit code of one `--monitor-sa` run, ended by SIGINT
/// once the recorder has sent its events.
fn monitor_once(binary: &Path, args: &[&str], seed: &Seed) -> (String, String, Option<i32>) {
    let dir = TempDir::new().expect("temp dir");
    let socket = dir.path().join("monitor.vici");
    let recorder = Recorder::start(&socket, seed.clone()).expect("recorder");
    let child = swanctl::spawn(binary, args, &swanctl::uri(&socket));
    let registered = common::wait_until(Duration::from_secs(5), || {
        recorder
            .log()
            .iter()
            .any(|r| r.starts_with("EVENT_REGISTER child-updown"))
    });
    // the recorder pauses 200 ms before it sends the events
    std::thread::sleep(Duration::from_millis(700));
    let out = interrupt(child);
    assert!(registered, "{} did not register", binary.display());
    out
}
