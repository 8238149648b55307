//! strongSwan's own swanctl 5.9.8 drives cygnetd over VICI, with charon
//! 5.9.8 as the IKE peer in a private pair of network namespaces
//! (cygnetd at 192.0.2.1 with `backend = recording`, charon with
//! kernel-libipsec at 192.0.2.2). cygnetd starts without connections:
//! `swanctl --load-all` loads them, then `--stats`, `--list-conns`,
//! `--initiate`, `--list-sas`, `--rekey` and `--terminate` must succeed
//! with the output charon gives for the same state (the same commands run
//! against charon for comparison), SPIs matching across both daemons.
//! Needs root, `ip`, charon and swanctl (see `common::prerequisites`).

mod common;

use std::fs;
use std::time::Duration;

use common::vici_lab::{Lab, expect};
use common::{pki, prerequisites, tail, wait_until, write};
use swanctl_parser::vici::{Client, Event, Item};

#[test]
fn strongswans_swanctl_loads_initiates_lists_rekeys_and_terminates_through_cygnetd() {
    let name = "strongswans_swanctl_loads_initiates_lists_rekeys_and_terminates_through_cygnetd";
    let Some(ip) = prerequisites(name) else {
        return;
    };
    let lab = Lab::up(&ip, "vs").expect("lab");
    if let Err(why) = steps(&lab) {
        println!("--- cygnetd.log ---\n{}", tail(&lab.cygnetd.log(), 80));
        println!("--- charon.log ---\n{}", tail(&lab.charon.log(), 60));
        panic!("{why}");
    }
}

#[test]
fn strongswans_swanctl_lists_the_same_certificates_from_cygnetd_as_from_charon() {
    let name = "strongswans_swanctl_lists_the_same_certificates_from_cygnetd_as_from_charon";
    let Some(ip) = prerequisites(name) else {
        return;
    };
    if !pki::openssl_available(name) {
        return;
    }
    let lab = Lab::up(&ip, "vc").expect("lab");
    if let Err(why) = list_certs(&lab) {
        println!("--- cygnetd.log ---\n{}", tail(&lab.cygnetd.log(), 40));
        panic!("{why}");
    }
}

/// The same credential folder loaded into both daemons lists the same.
fn list_certs(lab: &Lab) -> Result<(), String> {
    let pki = pki::ecdsa()?;
    let dir = lab.dir.path().join("creds");
    for sub in ["x509", "x509ca", "private"] {
        fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
    }
    write(&dir.join("x509ca/root.pem"), &pki.root.cert)?;
    write(&dir.join("x509/moon.pem"), &pki.root_signed.moon.cert)?;
    write(&dir.join("x509/sun.pem"), &pki.root_signed.sun.cert)?;
    write(&dir.join("private/moon.pem"), &pki.root_signed.moon.key)?;
    let conf = dir.join("swanctl.conf");
    write(&conf, "")?;
    let file = conf.display().to_string();
    let ours = lab.ours("--load-creds", &["--file", &file])?;
    let theirs = lab.charon.swanctl("--load-creds", &["--file", &file])?;
    if ours != theirs {
        return Err(format!(
            "--load-creds differs:\nours:\n{ours}\ncharon's:\n{theirs}"
        ));
    }
    let ours = lab.ours("--list-certs", &[])?;
    let theirs = lab.charon.swanctl("--list-certs", &[])?;
    expect(
        &ours,
        &[
            "List of X.509 End Entity Certificates",
            "List of X.509 CA Certificates",
            "has private key",
        ],
    )?;
    if ours != theirs {
        return Err(format!(
            "--list-certs differs:\nours:\n{ours}\ncharon's:\n{theirs}"
        ));
    }
    Ok(())
}

fn steps(lab: &Lab) -> Result<(), String> {
    // --load-all: the connection and the secret arrive over VICI
    let loaded = lab.ours("--load-all", &["--file", &lab.conf])?;
    expect(
        &loaded,
        &[
            "loaded ike secret 'ike-lab'",
            "loaded connection 'gw'",
            "successfully loaded 1 connections, 0 unloaded",
        ],
    )?;
    lab.cygnetd.wait_log("added vici connection: gw", 2)?;
    // --stats: charon's lines
    let stats = lab.ours("--stats", &[])?;
    expect(
        &stats,
        &[
            "uptime: ",
            "worker threads: ",
            "job queues: ",
            "jobs scheduled: ",
            "IKE_SAs: 0 total, 0 half-open",
        ],
    )?;
    same_line_starts(&stats, &lab.charon.swanctl("--stats", &[])?, 5)?;
    let algs = lab.ours("--list-algs", &[])?;
    expect(
        &algs,
        &[
            "encryption:",
            "  AES_CBC[cygnet]",
            "aead:",
            "  AES_GCM_16[cygnet]",
            "dh:",
            "  CURVE_25519[cygnet]",
        ],
    )?;
    // --list-conns: what charon lists for its mirror image of the config
    let conns = lab.ours("--list-conns", &[])?;
    let theirs = mirror(&lab.charon.swanctl("--list-conns", &[])?);
    if conns != theirs {
        return Err(format!(
            "--list-conns differs:\nours:\n{conns}\ncharon's (mirrored):\n{theirs}"
        ));
    }
    let raw = lab.ours("--list-conns", &["--raw"])?;
    let theirs = mirror(&lab.charon.swanctl("--list-conns", &["--raw"])?);
    if raw != theirs {
        return Err(format!(
            "--list-conns --raw differs:\nours:\n{raw}\ncharon's:\n{theirs}"
        ));
    }
    // --initiate: charon's progress lines, then success
    let mut events = Client::connect(&lab.cygnetd.vici_uri()).map_err(|e| e.to_string())?;
    events
        .set_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    for event in ["ike-updown", "child-updown", "ike-rekey", "child-rekey"] {
        events.register(event).map_err(|e| e.to_string())?;
    }
    let initiated = lab.ours("--initiate", &["--child", "net", "--timeout", "10"])?;
    expect(
        &initiated,
        &[
            "[IKE] initiating IKE_SA gw[1] to 192.0.2.2",
            "[IKE] IKE_SA gw[1] established between 192.0.2.1[a.lab.test]...192.0.2.2[b.lab.test]",
            "initiate completed successfully",
        ],
    )?;
    let up = next(&mut events, "ike-updown")?;
    expect_path(&up, &["gw", "state"], "ESTABLISHED")?;
    expect_path(&up, &["up"], "yes")?;
    let child_up = next(&mut events, "child-updown")?;
    expect_path(
        &child_up,
        &["gw", "child-sas", "net-1", "state"],
        "INSTALLED",
    )?;
    // --list-sas: our SAs, with the SPIs charon lists the other way round
    let sas = lab.ours("--list-sas", &[])?;
    let (spi_i, spi_r) = ike_spis(&sas).ok_or_else(|| format!("no IKE SA in:\n{sas}"))?;
    let (spi_in, spi_out) = child_spis(&sas).ok_or_else(|| format!("no CHILD_SA in:\n{sas}"))?;
    expect(
        &sas,
        &[
            &format!("gw: #1, ESTABLISHED, IKEv2, {spi_i}_i* {spi_r}_r"),
            "  local  'a.lab.test' @ 192.0.2.1[4500]",
            "  remote 'b.lab.test' @ 192.0.2.2[4500]",
            "  AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519",
            "  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128",
            "    local  10.1.0.0/24",
            "    remote 10.2.0.0/24",
        ],
    )?;
    lab.wait_charon_sas(&[
        &format!("gw: #1, ESTABLISHED, IKEv2, {spi_i}_i {spi_r}_r*"),
        "  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128",
        &format!("in  {spi_out}"),
        &format!("out {spi_in}"),
    ])?;
    same_shape(&sas, &lab.charon.swanctl("--list-sas", &[])?)?;
    let raw = lab.ours("--list-sas", &["--raw"])?;
    same_keys(&raw, &lab.charon.swanctl("--list-sas", &["--raw"])?)?;
    // --rekey: a new CHILD_SA replaces the first on both sides
    let rekeyed = lab.ours("--rekey", &["--child", "net"])?;
    expect(&rekeyed, &["rekey completed successfully"])?;
    let mut now = String::new();
    let replaced = wait_until(Duration::from_secs(5), || {
        now = lab.ours("--list-sas", &[]).unwrap_or_default();
        child_spis(&now).is_some_and(|(i, _)| i != spi_in) && !now.contains(&spi_in)
    });
    if !replaced {
        return Err(format!("the CHILD_SA was not replaced:\n{now}"));
    }
    let rekey = next(&mut events, "child-rekey")?;
    expect_path(
        &rekey,
        &["gw", "child-sas", "net", "old", "spi-in"],
        &spi_in,
    )?;
    expect_path(&rekey, &["gw", "child-sas", "net", "new", "uniqueid"], "2")?;
    // --rekey --ike: a new IKE SA takes the CHILD_SA over
    let rekeyed = lab.ours("--rekey", &["--ike", "gw"])?;
    expect(&rekeyed, &["rekey completed successfully"])?;
    let rekey = next(&mut events, "ike-rekey")?;
    expect_path(&rekey, &["gw", "old", "initiator-spi"], &spi_i)?;
    expect_path(&rekey, &["gw", "new", "state"], "ESTABLISHED")?;
    let moved = wait_until(Duration::from_secs(5), || {
        now = lab.ours("--list-sas", &[]).unwrap_or_default();
        now.contains("gw: #2, ESTABLISHED") && !now.contains("gw: #1,")
    });
    if !moved {
        return Err(format!("the IKE SA was not replaced:\n{now}"));
    }
    same_shape(&now, &lab.charon.swanctl("--list-sas", &[])?)?;
    // --terminate: the IKE SA goes on both sides
    let terminated = lab.ours("--terminate", &["--ike", "gw", "--timeout", "10"])?;
    expect(&terminated, &["terminate completed successfully"])?;
    let gone = lab.ours("--list-sas", &[])?;
    if gone.contains("gw: #") {
        return Err(format!("SAs left after --terminate:\n{gone}"));
    }
    lab.wait_charon_no_sas()?;
    let down = next(&mut events, "ike-updown")?;
    if down.message.get_str("up").is_some() {
        return Err(format!("expected ike-updown down, got {:?}", down.message));
    }
    expect_path(&down, &["gw", "uniqueid"], "2")
}

/// The next event called `name`, skipping others.
fn next(client: &mut Client, name: &str) -> Result<Event, String> {
    loop {
        let event = client
            .next_event()
            .map_err(|e| format!("waiting for {name}: {e}"))?;
        if event.name == name {
            return Ok(event);
        }
    }
}

fn expect_path(e: &Event, path: &[&str], value: &str) -> Result<(), String> {
    match e.message.find(path) {
        Some(Item::Value(v)) if v == value.as_bytes() => Ok(()),
        other => Err(format!(
            "{} event: {path:?} is {other:?}, not {value:?}:\n{}",
            e.name,
            e.message.vici_dump(&e.name, true)
        )),
    }
}

/// The text before the first digit of each of the first `n` lines must be
/// the same (values aside).
fn same_line_starts(ours: &str, theirs: &str, n: usize) -> Result<(), String> {
    let start = |l: &str| {
        l.split(|c: char| c.is_ascii_digit())
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let a: Vec<String> = ours.lines().take(n).map(start).collect();
    let b: Vec<String> = theirs.lines().take(n).map(start).collect();
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "lines differ from charon's:\nours:\n{ours}\ncharon's:\n{theirs}"
        ))
    }
}

/// `--list-sas` of both: the same lines once the sides are swapped in
/// charon's, the IKE SPI's `*` dropped and runs of hex digits (SPIs,
/// times, counters) masked.
fn same_shape(ours: &str, theirs: &str) -> Result<(), String> {
    let mask = |text: &str| -> String {
        let mut out = String::new();
        let mut in_run = false;
        for c in text.chars().filter(|c| *c != '*') {
            let hex = c.is_ascii_digit() || ('a'..='f').contains(&c);
            if !hex {
                out.push(c);
            } else if !in_run {
                out.push('#');
            }
            in_run = hex;
        }
        out
    };
    let (a, b) = (mask(ours), mask(&mirror(&without_deleted(theirs))));
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "--list-sas differs:\nours:\n{ours}\ncharon's:\n{theirs}"
        ))
    }
}

/// `--raw` output of both: the same keys in the same order, apart from
/// those that differ by role (`initiator`, the NAT conditions: charon
/// fakes the NAT cygnetd sees) and our `hw-offload` extension.
fn same_keys(ours: &str, theirs: &str) -> Result<(), String> {
    let keys = |text: &str| -> Vec<String> {
        text.split([' ', '{', '}'])
            .filter_map(|w| w.split_once('=').map(|(k, _)| k.to_owned()))
            .filter(|k| !k.starts_with("nat-") && k != "initiator" && k != "hw-offload")
            .collect()
    };
    let ours_keys = keys(ours);
    if ours_keys.len() > 30 && ours_keys.contains(&"spi-in".to_owned()) && ours_keys == keys(theirs)
    {
        Ok(())
    } else {
        Err(format!(
            "--raw keys differ:\nours:\n{ours}\ncharon's:\n{theirs}"
        ))
    }
}

/// `--list-sas` text without the CHILD_SAs charon still lists as DELETED
/// after a rekey (charon's `delete_rekeyed_delay`).
fn without_deleted(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let child_header = line.starts_with("  ") && !line.starts_with("    ");
        if child_header {
            skipping = line.contains(", DELETED, ");
        } else if !line.starts_with("    ") {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// charon's output with the two sides swapped (addresses, IDs, subnets).
fn mirror(text: &str) -> String {
    let swaps = [
        ("192.0.2.1", "192.0.2.2"),
        ("a.lab.test", "b.lab.test"),
        ("10.1.0.0/24", "10.2.0.0/24"),
    ];
    let mut out = text.to_owned();
    for (i, (a, b)) in swaps.iter().enumerate() {
        let tmp = format!("\u{1}{i}\u{1}");
        out = out.replace(a, &tmp).replace(b, a).replace(&tmp, b);
    }
    out
}

/// (initiator's, responder's) SPI of the first IKE SA line.
fn ike_spis(sas: &str) -> Option<(String, String)> {
    let line = sas.lines().find(|l| l.starts_with("gw: #"))?;
    let mut words = line.rsplit(' ');
    let r = words
        .next()?
        .trim_end_matches('*')
        .strip_suffix("_r")?
        .to_owned();
    let i = words
        .next()?
        .trim_end_matches('*')
        .strip_suffix("_i")?
        .to_owned();
    Some((i, r))
}

/// (in, out) SPI of the first CHILD_SA.
fn child_spis(sas: &str) -> Option<(String, String)> {
    let spi = |prefix: &str| {
        let line = sas.lines().find(|l| l.trim_start().starts_with(prefix))?;
        let rest = line.trim_start().strip_prefix(prefix)?.trim_start();
        Some(rest.split(',').next()?.trim().to_owned())
    };
    Some((spi("in ")?, spi("out ")?))
}
