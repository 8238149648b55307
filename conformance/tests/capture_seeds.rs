//! Captures what charon 5.9.8 answers to the control and listing commands
//! (replies and streamed events) as seeds for the recording VICI server
//! of `swanctl_differential` (`conformance/configs/4x-ctl-*/seed`).
//! Not a test: run it by hand, as root, when the seeds need renewing:
//!
//! ```text
//! CYGNET_SEED_DIR=conformance/configs cargo test -p conformance \
//!     --test capture_seeds -- --ignored --nocapture
//! ```

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

use common::prerequisites;
use common::twins::Twins;
use swanctl_parser::vici::{Client, Message};

fn hex(msg: &Message) -> String {
    let bytes = msg.encode().expect("encode");
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Seed lines for one exchange: `command` with `req` on a connection
/// registered for `event` (if any); its events, then its reply.
fn exchange(
    uri: &str,
    event: Option<&str>,
    command: &str,
    req: &Message,
    seed: &mut String,
) -> Message {
    let mut client = Client::connect(uri).expect("connect");
    if let Some(event) = event {
        client.register(event).expect("register");
    }
    let (reply, events) = client.request_collecting(command, req).expect("request");
    for e in events {
        let _ = writeln!(seed, "event {command} {} {}", e.name, hex(&e.message));
    }
    let _ = writeln!(seed, "reply {command} {}", hex(&reply));
    reply
}

fn kv(pairs: &[(&str, &str)]) -> Message {
    let mut msg = Message::new();
    for (k, v) in pairs {
        msg.push_value(*k, *v);
    }
    msg
}

#[test]
#[ignore = "run by hand to renew the seeds"]
fn capture_recorder_seeds_from_charon() {
    let Some(ip) = prerequisites("capture_recorder_seeds_from_charon") else {
        return;
    };
    let out = PathBuf::from(std::env::var("CYGNET_SEED_DIR").expect("CYGNET_SEED_DIR"));
    let twins = Twins::up(&ip, "cs").expect("lab");
    let uri = twins.uri();
    let ctl = Some("control-log");
    let mut seeds: Vec<(&str, String)> = Vec::new();
    let header = "# captured from charon 5.9.8 by tests/capture_seeds.rs\n";
    let mut seed = header.to_owned();

    // --log: log events while the tunnel comes up, on another connection
    let mut log = Client::connect(&uri).expect("connect");
    log.register("log").expect("register");
    let mut ok = header.to_owned();
    exchange(
        &uri,
        ctl,
        "initiate",
        &kv(&[("child", "net"), ("loglevel", "1")]),
        &mut ok,
    );
    sleep(Duration::from_millis(300));
    log.set_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut log_seed = header.to_owned();
    for _ in 0..12 {
        let Ok(e) = log.next_event() else { break };
        let _ = writeln!(log_seed, "event - {} {}", e.name, hex(&e.message));
    }
    seeds.push(("50-ctl-log", log_seed));
    seeds.push(("41-ctl-initiate-ok", ok));

    let mut other = header.to_owned();
    exchange(&uri, None, "rekey", &kv(&[("child", "net")]), &mut other);
    sleep(Duration::from_millis(500));
    let redirect = kv(&[("ike", "gw"), ("gateway", "192.0.2.9")]);
    exchange(&uri, None, "redirect", &redirect, &mut other);
    exchange(
        &uri,
        None,
        "uninstall",
        &kv(&[("child", "trap")]),
        &mut other,
    );
    exchange(&uri, None, "install", &kv(&[("child", "trap")]), &mut other);
    seeds.push(("47-ctl-rekey-redirect-install", other));

    exchange(
        &uri,
        ctl,
        "terminate",
        &kv(&[("ike", "gw"), ("loglevel", "1")]),
        &mut seed,
    );
    seeds.push((
        "45-ctl-terminate",
        std::mem::replace(&mut seed, header.to_owned()),
    ));

    let bad = kv(&[("child", "net"), ("ike", "bad"), ("loglevel", "1")]);
    exchange(&uri, ctl, "initiate", &bad, &mut seed);
    seeds.push((
        "42-ctl-initiate-fails",
        std::mem::replace(&mut seed, header.to_owned()),
    ));

    let unknown = kv(&[("child", "nonexistent"), ("loglevel", "1")]);
    exchange(&uri, ctl, "initiate", &unknown, &mut seed);
    seeds.push((
        "43-ctl-initiate-unknown",
        std::mem::replace(&mut seed, header.to_owned()),
    ));

    let timeout = kv(&[("child", "trap"), ("timeout", "1000"), ("loglevel", "1")]);
    exchange(&uri, ctl, "initiate", &timeout, &mut seed);
    seeds.push((
        "44-ctl-initiate-timeout",
        std::mem::replace(&mut seed, header.to_owned()),
    ));

    let none = kv(&[("ike", "nonexistent"), ("loglevel", "1")]);
    exchange(&uri, ctl, "terminate", &none, &mut seed);
    exchange(
        &uri,
        None,
        "get-counters",
        &kv(&[("name", "nonexistent")]),
        &mut seed,
    );
    seeds.push((
        "46-ctl-unknown-sas",
        std::mem::replace(&mut seed, header.to_owned()),
    ));

    exchange(&uri, None, "stats", &Message::new(), &mut seed);
    exchange(&uri, None, "get-algorithms", &Message::new(), &mut seed);
    exchange(&uri, None, "get-counters", &Message::new(), &mut seed);
    exchange(
        &uri,
        None,
        "get-pools",
        &kv(&[("leases", "yes")]),
        &mut seed,
    );
    let pols = kv(&[("trap", "yes"), ("drop", "yes"), ("pass", "yes")]);
    exchange(&uri, Some("list-policy"), "list-policies", &pols, &mut seed);
    exchange(
        &uri,
        Some("list-authority"),
        "list-authorities",
        &Message::new(),
        &mut seed,
    );
    seeds.push(("48-ctl-listings", seed));

    for (name, text) in seeds {
        let dir = out.join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("seed"), &text).expect("write seed");
        println!("--- {name}/seed ---\n{text}");
    }
}
