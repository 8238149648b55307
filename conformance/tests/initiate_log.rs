//! `swanctl --initiate` streams the daemon's log lines: strongSwan's own
//! swanctl brings up the same connection through cygnetd and through
//! charon 5.9.8, and every kind of line cygnetd prints must be one charon
//! prints too, in charon's order (cygnetd prints fewer: no MOBIKE, no
//! extensions it does not implement).

mod common;

use common::twins::Twins;
use common::vici_lab::Lab;
use common::{SWANCTL, prerequisites, run};

/// A log line without its variable parts: numbers, hex SPIs, the payload
/// list of `generating`/`parsed` lines (which lists extensions).
fn kind(line: &str) -> String {
    let line = line.split(" [ ").next().unwrap_or(line);
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        // numbers, hex SPIs and durations (`13073s`)
        let digits = word
            .strip_suffix('s')
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()));
        let number = digits.is_some()
            || (word.chars().all(|c| c.is_ascii_hexdigit())
                && word.chars().any(|c| c.is_ascii_digit()));
        out.push_str(if number { "#" } else { word.as_str() });
        word.clear();
    };
    for c in line.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The log lines (`[GRP] ...`) of an `--initiate` output, as kinds.
fn kinds(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| l.starts_with('['))
        .map(kind)
        .collect()
}

/// Whether `ours` appears in `theirs` in order (a subsequence).
fn in_order(ours: &[String], theirs: &[String]) -> Result<(), String> {
    let mut rest = theirs.iter();
    for line in ours {
        if !rest.any(|t| t == line) {
            return Err(format!(
                "{line:?} is not in charon's lines (in that order):\n{theirs:#?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn cygnetd_streams_charons_initiate_lines_in_charons_order() {
    let Some(ip) = prerequisites("initiate_log") else {
        return;
    };
    let twins = Twins::up(&ip, "ilt").expect("two charons");
    let theirs = run(std::process::Command::new(SWANCTL)
        .args(["--initiate", "--child", "net", "--timeout", "10", "--uri"])
        .arg(twins.uri()))
    .expect("charon initiates");
    let lab = Lab::up(&ip, "ilc").expect("cygnetd and charon");
    lab.ours("--load-all", &["--file", &lab.conf])
        .expect("load");
    let ours = lab
        .ours("--initiate", &["--child", "net", "--timeout", "10"])
        .expect("cygnetd initiates");
    let (ours, theirs) = (kinds(&ours), kinds(&theirs));
    assert!(ours.len() >= 15, "{ours:#?}");
    if let Err(why) = in_order(&ours, &theirs) {
        panic!("{why}\nours:\n{ours:#?}");
    }
}

#[test]
fn kinds_drop_numbers_spis_and_payload_lists() {
    assert_eq!(
        kind("[ENC] generating IKE_AUTH request 1 [ IDi AUTH ]"),
        "[ENC] generating IKE_AUTH request #"
    );
    assert_eq!(
        kind(
            "[IKE] CHILD_SA net{1} established with SPIs c1f4b5ea_i 0a4c68bc_o and TS 10.1.0.0/24"
        ),
        "[IKE] CHILD_SA net{#} established with SPIs #_i #_o and TS #.#.#.#/#"
    );
    let theirs = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
    assert!(in_order(&["a".into(), "c".into()], &theirs).is_ok());
    assert!(in_order(&["c".into(), "a".into()], &theirs).is_err());
}
