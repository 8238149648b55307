//! Our swanctl against strongSwan's swanctl 5.9.8 on live daemons.
//!
//! 1. Two charons in a pair of network namespaces (a: 192.0.2.1, b:
//!    192.0.2.2, the `gw`/`net` PSK connection of `common::vici_lab`, plus
//!    a trap child, a pool and an authority in a). Both swanctls run the
//!    same read-only commands against charon a in the same state; the
//!    state-changing ones (`--initiate`, `--rekey`, `--terminate`) run in
//!    two identical cycles, strongSwan's swanctl first, ours second. Their
//!    stdout, stderr and exit status must be equal after masking only what
//!    differs from one run to the next ([`mask`]).
//! 2. Our swanctl `--initiate` against cygnetd (the VICI lab) brings the
//!    tunnel up with charon-style progress and exit 0, and reports the
//!    peer's refusal with a non-zero exit.
//!
//! Needs root, `ip`, charon, swanctl and openssl (see
//! `common::prerequisites`).

mod common;

use std::path::Path;
use std::process::Command;

use common::twins::{Twins, bad_conn};
use common::vici_lab::{self, Lab};
use common::{SWANCTL, pki, prerequisites, tail, write};

/// What one swanctl run printed.
#[derive(Debug, PartialEq, Eq)]
struct Out {
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

fn swanctl(binary: &Path, uri: &str, args: &[&str]) -> Out {
    let out = Command::new(binary)
        .args(args.iter().take(1))
        .args(["--uri", uri])
        .args(args.iter().skip(1))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()));
    Out {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: conformance::bins::without_plugin_noise(&out.stderr),
        status: out.status.code(),
    }
}

/// Masks what legitimately differs between two runs against the same
/// daemon, and nothing else:
/// - unique IDs of SAs (`gw[2]`, `net{3}`: digits in brackets right after
///   a letter; addresses with ports such as `192.0.2.1[500]` stay),
/// - SPIs (`c409ddf2_i`, `cfd77578_o`),
/// - durations (`13698s`: charon jitters rekey times randomly),
/// - the daemon's uptime, idle/busy worker counts and allocator figures
///   in `--stats`.
fn mask(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("uptime: ") {
                return "uptime: <masked>".to_owned();
            }
            if line.starts_with("mallinfo: ") {
                return "mallinfo: <masked>".to_owned();
            }
            // threads busy at the moment (the request itself keeps some)
            if let Some(total) = line
                .strip_prefix("worker threads: ")
                .and_then(|rest| rest.split(" total").next())
            {
                return format!("worker threads: {total} total, <masked>");
            }
            let words: Vec<String> = line.split(' ').map(mask_word).collect();
            words.join(" ")
        })
        .map(|l| l + "\n")
        .collect()
}

fn mask_word(word: &str) -> String {
    let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some((spi, side)) = word.split_once('_')
        && spi.len() == 8
        && is_hex(spi)
        && matches!(side, "i" | "o")
    {
        return format!("<spi>_{side}");
    }
    if let Some(n) = word.strip_suffix('s')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return "<n>s".to_owned();
    }
    let mut out = String::new();
    let mut chars = word.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        out.push(c);
        if matches!(c, '[' | '{') && prev.is_ascii_alphabetic() {
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            if !digits.is_empty() {
                out.push('#');
            }
        }
        prev = c;
    }
    out
}

/// Compares both swanctls for `args` in the current state.
fn same(twins: &Twins, ours: &Path, args: &[&str], failures: &mut Vec<String>) -> (Out, Out) {
    let uri = twins.uri();
    let theirs = swanctl(Path::new(SWANCTL), &uri, args);
    let mine = swanctl(ours, &uri, args);
    compare(args, &theirs, &mine, failures);
    (theirs, mine)
}

fn compare(args: &[&str], theirs: &Out, mine: &Out, failures: &mut Vec<String>) {
    let masked = |o: &Out| (mask(&o.stdout), mask(&o.stderr), o.status);
    if masked(theirs) == masked(mine) {
        println!("SAME {args:?}:\n{}{}", theirs.stdout, theirs.stderr);
    } else {
        failures.push(format!(
            "{args:?} differs:\n--- strongSwan ---\n{theirs:?}\n--- ours ---\n{mine:?}"
        ));
    }
}

/// The state-changing commands, in the order of a cycle.
const CYCLE: [&[&str]; 6] = [
    &["--initiate", "--child", "net"],
    &["--rekey", "--child", "net"],
    &["--terminate", "--ike", "gw"],
    &["--initiate", "--child", "nonexistent"],
    // 192.0.2.9 does not answer: charon stops waiting after 1 s, and the
    // half-open IKE_SA must go for the next cycle to start alike
    &["--initiate", "--child", "trap", "--timeout", "1"],
    &["--terminate", "--ike", "trapped", "--force"],
];

/// One initiate/rekey/terminate cycle with `binary`.
fn cycle(uri: &str, binary: &Path) -> Vec<Out> {
    CYCLE
        .iter()
        .map(|args| {
            if args[0] == "--terminate" {
                // let the rekeying finish first
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
            swanctl(binary, uri, args)
        })
        .collect()
}

#[test]
fn our_swanctl_prints_what_strongswans_prints_against_charon() {
    let name = "our_swanctl_prints_what_strongswans_prints_against_charon";
    let Some(ip) = prerequisites(name) else {
        return;
    };
    if !pki::openssl_available(name) {
        return;
    }
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let twins = Twins::up(&ip, "cl").expect("lab");
    let mut failures = Vec::new();
    for args in [
        &["--stats"][..],
        &["--list-algs"],
        &["--list-algs", "--raw"],
        &["--list-pols"],
        &["--list-pols", "--trap", "--pretty"],
        &["--list-pols", "--child", "nonexistent"],
        &["--list-authorities"],
        &["--list-authorities", "--raw"],
        &["--list-pools", "--leases"],
        &["--counters"],
        &["--counters", "--all"],
        &["--counters", "--name", "nonexistent"],
        &["--uninstall", "--child", "nonexistent"],
        &["--rekey", "--ike", "nonexistent"],
        &[
            "--redirect",
            "--ike",
            "nonexistent",
            "--gateway",
            "192.0.2.9",
        ],
        &["--flush-certs", "--raw"],
    ] {
        same(&twins, &ours, args, &mut failures);
    }
    // --uninstall then --install the trap child, with each swanctl
    for binary in [Path::new(SWANCTL), &ours] {
        let uri = twins.uri();
        let un = swanctl(binary, &uri, &["--uninstall", "--child", "trap"]);
        let pols = swanctl(binary, &uri, &["--list-pols"]);
        let ins = swanctl(binary, &uri, &["--install", "--child", "trap", "--pretty"]);
        println!("{}: {un:?} {pols:?} {ins:?}", binary.display());
        assert_eq!(un.status, Some(0), "{un:?}");
        assert!(!pols.stdout.contains("trap"), "{pols:?}");
        assert_eq!(ins.status, Some(0), "{ins:?}");
    }
    let uri = twins.uri();
    let theirs = cycle(&uri, Path::new(SWANCTL));
    let mine = cycle(&uri, &ours);
    for ((args, t), m) in CYCLE.iter().zip(&theirs).zip(&mine) {
        compare(args, t, m, &mut failures);
    }
    // now with counts that are not all zero
    for args in [
        &["--counters", "--all", "--pretty"][..],
        &["--counters"],
        &["--stats"],
    ] {
        same(&twins, &ours, args, &mut failures);
    }
    assert!(
        theirs[0].stdout.contains("initiate completed successfully"),
        "{:?}",
        theirs[0]
    );
    if !failures.is_empty() {
        println!("--- charon a ---\n{}", tail(&twins.a.log(), 60));
        panic!("{}", failures.join("\n"));
    }
}

fn ours_against_cygnetd(lab: &Lab, ours: &Path, args: &[&str]) -> Out {
    swanctl(ours, &lab.cygnetd.vici_uri(), args)
}

#[test]
fn our_swanctl_initiates_through_cygnetd_and_reports_refusals() {
    let name = "our_swanctl_initiates_through_cygnetd_and_reports_refusals";
    let Some(ip) = prerequisites(name) else {
        return;
    };
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let lab = Lab::up(&ip, "cc").expect("lab");
    let file = lab.dir.path().join("both.conf");
    write(&file, &(vici_lab::swanctl_conf(true) + &bad_conn())).expect("write");
    let file = file.display().to_string();
    let result = (|| -> Result<(), String> {
        let load = ours_against_cygnetd(&lab, &ours, &["--load-all", "--file", &file]);
        if load.status != Some(0) {
            return Err(format!("--load-all: {load:?}"));
        }
        let up = ours_against_cygnetd(&lab, &ours, &["--initiate", "--child", "net"]);
        println!("{up:?}");
        vici_lab::expect(
            &up.stdout,
            &[
                "[IKE] initiating IKE_SA gw[",
                "] to 192.0.2.2\n",
                "initiate completed successfully\n",
            ],
        )?;
        if up.status != Some(0) || !up.stderr.is_empty() {
            return Err(format!("initiate: {up:?}"));
        }
        lab.wait_charon_sas(&["gw: #", "ESTABLISHED", "INSTALLED"])?;
        let down = ours_against_cygnetd(&lab, &ours, &["--terminate", "--ike", "gw"]);
        println!("{down:?}");
        if down.status != Some(0) || !down.stdout.ends_with("terminate completed successfully\n") {
            return Err(format!("terminate: {down:?}"));
        }
        lab.wait_charon_no_sas()?;
        let refused = ours_against_cygnetd(
            &lab,
            &ours,
            &["--initiate", "--child", "net", "--ike", "bad"],
        );
        println!("{refused:?}");
        if refused.status != Some(1)
            || !refused.stderr.starts_with("initiate failed: ")
            || !refused.stdout.contains("[IKE] initiating IKE_SA bad[")
            || !refused.stdout.contains("AUTHENTICATION_FAILED")
        {
            return Err(format!("refused initiate: {refused:?}"));
        }
        Ok(())
    })();
    if let Err(why) = result {
        println!("--- cygnetd.log ---\n{}", tail(&lab.cygnetd.log(), 80));
        println!("--- charon.log ---\n{}", tail(&lab.charon.log(), 40));
        panic!("{why}");
    }
}

#[test]
fn masking_hides_only_volatile_values() {
    assert_eq!(
        mask("[IKE] IKE_SA gw[12] established between 192.0.2.1[a.lab.test]...192.0.2.2[b]\n"),
        "[IKE] IKE_SA gw[#] established between 192.0.2.1[a.lab.test]...192.0.2.2[b]\n"
    );
    assert_eq!(
        mask("CHILD_SA net{3} established with SPIs c409ddf2_i cfd77578_o and TS x"),
        "CHILD_SA net{#} established with SPIs <spi>_i <spi>_o and TS x\n"
    );
    assert_eq!(
        mask("[NET] sending packet: from 192.0.2.1[500] to 192.0.2.2[500] (240 bytes)"),
        "[NET] sending packet: from 192.0.2.1[500] to 192.0.2.2[500] (240 bytes)\n"
    );
    assert_eq!(
        mask("scheduling rekeying in 13698s"),
        "scheduling rekeying in <n>s\n"
    );
    assert_eq!(
        mask("generating request 2 [ D ]"),
        "generating request 2 [ D ]\n"
    );
}
