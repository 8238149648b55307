//! The IKE codec against every IKE message of the lab captures
//! (strongSwan 5.9.8 ↔ strongSwan 5.9.8, `fixtures/captures/README.md`):
//! each parses, its header matches tshark's summary line, its payload list
//! matches what charon logged (IKE_SA_INIT) or is `[ SK ]` with the first
//! inner type charon logged (everything encrypted), and emit reproduces the
//! captured bytes exactly.

use std::collections::HashMap;
use std::path::PathBuf;

use conformance::captured::{Carried, carried, charon_lines, message_key};
use conformance::pcap::{UdpDatagram, udp_datagrams};
use ike::wire::{ExchangeType, Message, Payload, PayloadType, chain_summary, type_summary};

/// (capture, IKE messages, ESP packets) of every capture in the lab.
const CAPTURES: [(&str, usize, usize); 7] = [
    ("psk-net2net", 6, 12),
    ("cert-net2net", 6, 12),
    ("selfsigned-pinned", 6, 12),
    ("host2host-tunnel", 6, 12),
    ("dpd", 10, 6),
    ("rekey-packets", 14, 98),
    ("rekey-time", 22, 80),
];

/// IKE messages in all captures together.
const TOTAL_IKE_MESSAGES: usize = 70;

fn capture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/captures")
}

/// One line of tshark's summary: frame, exchange, MID, I and R flags.
#[derive(Debug)]
struct TsharkLine {
    frame: usize,
    frame_len: usize,
    exchange: String,
    message_id: u32,
    initiator: bool,
    response: bool,
}

/// `    3   0.003533    192.0.2.1 → 192.0.2.2    ISAKMP 334 IKE_AUTH MID=01 Initiator Request`
fn tshark_lines(text: &str) -> Vec<TsharkLine> {
    text.lines()
        .filter(|l| l.contains(" ISAKMP ") && l.contains("MID="))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 11, "unexpected tshark line {l:?}");
            let mid = f[8].strip_prefix("MID=").expect("MID field");
            TsharkLine {
                frame: f[0].parse().expect("frame number"),
                frame_len: f[6].parse().expect("frame length"),
                exchange: f[7].to_owned(),
                message_id: u32::from_str_radix(mid, 16).expect("MID"),
                initiator: f[9] == "Initiator",
                response: f[10] == "Response",
            }
        })
        .collect()
}

/// Checks one captured message; returns whether charon logged it.
fn check_message(
    name: &str,
    d: &UdpDatagram,
    bytes: &[u8],
    line: &TsharkLine,
    charon: &HashMap<String, String>,
) -> bool {
    let at = format!("{name} frame {}", d.frame);
    let msg = Message::parse(bytes).unwrap_or_else(|e| panic!("{at}: {e}"));
    assert_eq!(line.frame, d.frame, "{at}: tshark line");
    assert_eq!(
        line.frame_len,
        14 + 20 + 8 + d.payload.len(),
        "{at}: frame length"
    );
    assert_eq!(msg.exchange.to_string(), line.exchange, "{at}: exchange");
    assert_eq!(msg.message_id, line.message_id, "{at}: message ID");
    assert_eq!(msg.flags.is_initiator(), line.initiator, "{at}: I flag");
    assert_eq!(msg.flags.is_response(), line.response, "{at}: R flag");
    assert_eq!(
        msg.emit().expect("emit"),
        bytes,
        "{at}: emit(parse(b)) != b"
    );

    let key = message_key(&msg);
    let logged = charon.get(&key);
    if msg.exchange == ExchangeType::IKE_SA_INIT {
        let logged = logged.unwrap_or_else(|| panic!("{at}: charon did not log {key}"));
        assert_eq!(&chain_summary(&msg.payloads), logged, "{at}: payloads");
        return true;
    }
    assert_eq!(chain_summary(&msg.payloads), "[ SK ]", "{at}: outer chain");
    let [Payload::Sk(sk)] = msg.payloads.as_slice() else {
        unreachable!()
    };
    assert!(!sk.body.is_empty(), "{at}: SK body");
    // charon logs the decrypted payloads; their first must be what SK names.
    if let Some(logged) = logged {
        let first = logged.split_whitespace().nth(1).filter(|t| *t != "]");
        let expected = first.map_or("NONE".to_owned(), |t| {
            t.split('(').next().unwrap_or(t).to_owned()
        });
        let named = match sk.first_inner {
            PayloadType::NONE => "NONE".to_owned(),
            ty => type_summary(ty),
        };
        assert_eq!(named, expected, "{at}: first inner payload of {logged}");
    }
    logged.is_some()
}

/// Checks one capture; returns (IKE messages, ESP packets, charon lines
/// matched).
fn check_capture(name: &str) -> (usize, usize, usize) {
    let dir = capture_dir();
    let pcap = std::fs::read(dir.join(format!("{name}.pcap"))).expect("read pcap");
    let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).expect("read txt");
    let lines = tshark_lines(&text);
    let charon = charon_lines(&text);
    let (mut ike, mut esp, mut logged) = (0, 0, 0);
    for d in udp_datagrams(&pcap).expect("a readable capture") {
        match carried(&d) {
            Carried::Ike(bytes) => {
                let line = lines
                    .get(ike)
                    .unwrap_or_else(|| panic!("{name}: more IKE than tshark"));
                logged += usize::from(check_message(name, &d, bytes, line, &charon));
                ike += 1;
            }
            Carried::Esp => esp += 1,
            Carried::Keepalive => {}
            Carried::Other => panic!("{name} frame {}: not IKE, ESP or keepalive", d.frame),
        }
    }
    assert_eq!(
        ike,
        lines.len(),
        "{name}: tshark lists another number of IKE messages"
    );
    assert_eq!(
        logged,
        charon.len(),
        "{name}: a charon line matched no captured message"
    );
    (ike, esp, logged)
}

#[test]
fn every_captured_ike_message_parses_matches_charon_and_re_emits_exactly() {
    let mut total = 0;
    for (name, ike, esp) in CAPTURES {
        let (seen_ike, seen_esp, _) = check_capture(name);
        assert_eq!(
            (seen_ike, seen_esp),
            (ike, esp),
            "{name}: IKE and ESP counts"
        );
        total += seen_ike;
    }
    assert_eq!(total, TOTAL_IKE_MESSAGES);
}

#[test]
fn charon_lines_are_read_from_the_capture_logs() {
    let text = std::fs::read_to_string(capture_dir().join("psk-net2net.txt")).unwrap();
    let charon = charon_lines(&text);
    assert_eq!(charon.len(), 5);
    assert_eq!(charon["INFORMATIONAL request 2"], "[ D ]");
    assert_eq!(tshark_lines(&text).len(), 6);
}

#[test]
fn every_capture_in_the_fixtures_is_checked() {
    let mut on_disk: Vec<String> = std::fs::read_dir(capture_dir())
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .into_string()
                .ok()?
                .strip_suffix(".pcap")
                .map(str::to_owned)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CAPTURES.iter().map(|(n, ..)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}
