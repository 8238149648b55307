//! Every encrypted IKE message of the lab captures (`fixtures/captures`,
//! strongSwan 5.9.8 on both sides) verifies and decrypts with the keys
//! charon logged (the Wireshark tables `*.ikev2_keys`), its inner chain
//! parses as charon logged it and re-emits to exactly the decrypted bytes,
//! and sealing that chain again opens to the same payloads.

use std::collections::HashMap;
use std::path::PathBuf;

use conformance::captured::{charon_lines, ike_messages, message_key, unhex};
use ike::crypto::{SkProtector, TestRng, default_provider};
use ike::protect;
use ike::wire::iana::{EncrId, ExchangeType, IntegId};
use ike::wire::{Message, chain_summary, emit_payload_chain};

const CAPTURES: [&str; 7] = [
    "psk-net2net",
    "cert-net2net",
    "selfsigned-pinned",
    "host2host-tunnel",
    "dpd",
    "rekey-packets",
    "rekey-time",
];

/// Encrypted messages in all captures together (70 IKE messages minus
/// seven IKE_SA_INIT exchanges).
const ENCRYPTED_MESSAGES: usize = 56;

fn capture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/captures")
}

/// The two directions of one IKE SA.
struct SaKeys {
    initiator: SkProtector,
    responder: SkProtector,
}

/// `ispi,rspi,sk_ei,sk_er,"encr",sk_ai,sk_ar,"integ"` records, keyed by
/// the SPI pair. Every lab SA uses AES-CBC-128 with HMAC-SHA2-256-128.
fn read_keys(name: &str) -> HashMap<(Vec<u8>, Vec<u8>), SaKeys> {
    let provider = default_provider();
    let text = std::fs::read_to_string(capture_dir().join(format!("{name}.ikev2_keys")))
        .expect("key table");
    let protector = |sk_e: &str, sk_a: &str| {
        let (sk_e, sk_a) = (unhex(sk_e).expect("hex"), unhex(sk_a).expect("hex"));
        let integ = Some(IntegId::HMAC_SHA2_256_128);
        SkProtector::new(
            &provider,
            EncrId::AES_CBC,
            Some(128),
            integ,
            &sk_e,
            Some(&sk_a),
        )
        .expect("protector")
    };
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 8, "{name}: key record");
            assert_eq!(f[4], "\"AES-CBC-128 [RFC3602]\"");
            assert_eq!(f[7], "\"HMAC_SHA2_256_128 [RFC4868]\"");
            let spis = (unhex(f[0]).expect("SPIi"), unhex(f[1]).expect("SPIr"));
            let keys = SaKeys {
                initiator: protector(f[2], f[5]),
                responder: protector(f[3], f[6]),
            };
            (spis, keys)
        })
        .collect()
}

/// charon keys that name one message only (message IDs restart after an
/// IKE_SA rekey, so a key can name two).
fn unique_charon_lines(text: &str) -> HashMap<String, String> {
    let all = charon_lines(text);
    let mut count: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        for key in all.keys() {
            if line.contains(&format!(" {key} [")) {
                *count.entry(key.clone()).or_default() += 1;
            }
        }
    }
    all.into_iter()
        .filter(|(key, _)| count.get(key) == Some(&1))
        .collect()
}

/// Opens every encrypted message of one capture; returns how many, and how
/// many of them were compared with charon's log.
fn check_capture(name: &str) -> (usize, usize) {
    let keys = read_keys(name);
    let pcap = std::fs::read(capture_dir().join(format!("{name}.pcap"))).expect("pcap");
    let log = std::fs::read_to_string(capture_dir().join(format!("{name}.txt"))).expect("txt");
    let charon = unique_charon_lines(&log);
    let rng = TestRng::new(3);
    let (mut opened, mut compared) = (0, 0);
    for (d, bytes) in ike_messages(&pcap).expect("readable pcap") {
        let msg = Message::parse(&bytes).expect("parses");
        if msg.exchange == ExchangeType::IKE_SA_INIT {
            continue;
        }
        let at = format!("{name} frame {} ({})", d.frame, message_key(&msg));
        let spis = (
            msg.spi_i.to_be_bytes().to_vec(),
            msg.spi_r.to_be_bytes().to_vec(),
        );
        let sa = keys.get(&spis).unwrap_or_else(|| panic!("{at}: no keys"));
        let sk = if msg.flags.is_initiator() {
            &sa.initiator
        } else {
            &sa.responder
        };
        let plain = protect::open(&bytes, sk).unwrap_or_else(|e| panic!("{at}: {e}"));
        let emitted = emit_payload_chain(&plain.inner).expect("emits");
        assert_eq!(emitted, plain.plaintext, "{at}: inner chain re-emits");
        if let Some(logged) = charon.get(&message_key(&msg)) {
            assert_eq!(&chain_summary(&plain.inner), logged, "{at}");
            compared += 1;
        }
        let mut header = plain.outer.clone();
        header.payloads.pop();
        let resealed = protect::seal(&header, &plain.inner, sk, &rng).expect("seals");
        assert_eq!(
            resealed.len(),
            bytes.len(),
            "{at}: same length when sealed again"
        );
        let again = protect::open(&resealed, sk).expect("opens");
        assert_eq!(again.inner, plain.inner, "{at}: resealed payloads");
        opened += 1;
    }
    (opened, compared)
}

#[test]
fn every_encrypted_message_in_the_captures_opens_parses_and_re_emits() {
    let mut total = 0;
    for name in CAPTURES {
        let (opened, compared) = check_capture(name);
        assert!(
            compared >= 3,
            "{name}: only {compared} messages compared with charon"
        );
        total += opened;
    }
    assert_eq!(total, ENCRYPTED_MESSAGES);
}

#[test]
fn a_message_opened_with_the_other_direction_fails() {
    let keys = read_keys("psk-net2net");
    let pcap = std::fs::read(capture_dir().join("psk-net2net.pcap")).expect("pcap");
    let (_, bytes) = ike_messages(&pcap)
        .expect("pcap")
        .into_iter()
        .nth(2)
        .expect("IKE_AUTH request");
    let sa = keys.values().next().expect("one SA");
    assert!(protect::open(&bytes, &sa.initiator).is_ok());
    assert!(protect::open(&bytes, &sa.responder).is_err());
}
