//! Known-answer test against real strongSwan 5.9.8 exchanges
//! (`fixtures/keylog`, made with `lab/keylog-capture.sh`): from the captured
//! IKE_SA_INIT messages and the DH secret charon logged, our proposal
//! selection, key derivation (RFC 7296 §2.14, §2.17) and PSK AUTH (§2.15)
//! give exactly charon's values, and with our own keys every encrypted
//! message of the exchange verifies, decrypts, parses as charon logged it
//! and re-emits to the same plaintext.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use conformance::captured::{charon_lines, ike_messages, message_key, unhex};
use ike::crypto::keymat::{child_keys, psk_auth, skeyseed};
use ike::crypto::{
    IkeKeys, IkeSuite, Prf, Provider, SkProtector, child_key_lengths, default_provider,
};
use ike::proposal::{
    Proposal, SelectionFlags, proposals_from_sa, sa_accepting, sa_offering, select,
};
use ike::protect;
use ike::wire::iana::{AuthMethod, ProtocolId};
use ike::wire::{Message, Payload, chain_summary, emit_payload_chain};

/// The IKE proposals of the fixtures (directory names).
const PROPOSALS: [&str; 8] = [
    "aes128-sha256-x25519",
    "aes256gcm16-prfsha384-ecp384",
    "aes256-sha512-modp3072",
    "chacha20poly1305-prfsha256-x25519",
    "aes192gcm8-prfsha256-ecp256",
    "aes128gcm12-prfsha512-ecp521",
    "aes256-sha1-modp2048",
    "aes128-sha384-modp4096",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/keylog")
        .join(name)
}

/// `keys.txt`: `name = value` lines, `#` comments.
fn read_keys(dir: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir.join("keys.txt")).expect("keys.txt");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

struct Fixture {
    keys: HashMap<String, String>,
    /// Every IKE message of the pcap, in capture order.
    messages: Vec<Vec<u8>>,
    charon: HashMap<String, String>,
}

impl Fixture {
    fn load(name: &str) -> Self {
        let dir = fixture(name);
        let pcap = std::fs::read(dir.join("exchange.pcap")).expect("exchange.pcap");
        let log = std::fs::read_to_string(dir.join("charon-a.log")).expect("charon-a.log");
        Self {
            keys: read_keys(&dir),
            messages: ike_messages(&pcap)
                .expect("readable pcap")
                .into_iter()
                .map(|(_, bytes)| bytes)
                .collect(),
            charon: charon_lines(&log),
        }
    }

    fn hex(&self, key: &str) -> Vec<u8> {
        let value = self.keys.get(key).unwrap_or_else(|| panic!("no {key}"));
        unhex(value).unwrap_or_else(|| panic!("{key} is not hex"))
    }

    fn text(&self, key: &str) -> &str {
        self.keys.get(key).unwrap_or_else(|| panic!("no {key}"))
    }
}

fn nonce(msg: &Message) -> Vec<u8> {
    msg.payloads
        .iter()
        .find_map(|p| match p {
            Payload::Nonce(n) => Some(n.0.clone()),
            _ => None,
        })
        .expect("a nonce")
}

fn ke_data(msg: &Message) -> (u16, Vec<u8>) {
    msg.payloads
        .iter()
        .find_map(|p| match p {
            Payload::Ke(ke) => Some((ke.group.0, ke.data.clone())),
            _ => None,
        })
        .expect("a KE payload")
}

fn sa_proposals(payloads: &[Payload]) -> Vec<Proposal> {
    payloads
        .iter()
        .find_map(|p| match p {
            Payload::Sa(sa) => Some(proposals_from_sa(sa)),
            _ => None,
        })
        .expect("an SA payload")
}

/// The IKE_SA_INIT exchange: our selection must pick what charon picked.
fn check_ike_sa_init(fx: &Fixture, name: &str) -> (Proposal, Message, Message) {
    let request = Message::parse(&fx.hex("msg_init_i")).expect("request parses");
    let response = Message::parse(&fx.hex("msg_init_r")).expect("response parses");
    assert_eq!(fx.messages[0], fx.hex("msg_init_i"), "{name}: pcap frame 1");
    assert_eq!(fx.messages[1], fx.hex("msg_init_r"), "{name}: pcap frame 2");
    for (msg, role) in [(&request, "i"), (&response, "r")] {
        assert_eq!(nonce(msg), fx.hex(&format!("n{role}")), "{name}: N{role}");
        let (group, data) = ke_data(msg);
        assert_eq!(group.to_string(), fx.text("dh_group"), "{name}: KE group");
        assert_eq!(data, fx.hex(&format!("ke_{role}")), "{name}: KE{role}");
    }
    let configured = vec![Proposal::parse(ProtocolId::IKE, name).expect("valid proposal")];
    // what we would offer for this configuration is what charon offered
    let request_sa = request
        .payloads
        .iter()
        .find(|p| matches!(p, Payload::Sa(_)));
    assert_eq!(
        request_sa,
        Some(&Payload::Sa(sa_offering(&configured))),
        "{name}: our SA payload"
    );
    let offered = sa_proposals(&request.payloads);
    let chosen = select(&configured, &offered, SelectionFlags::default()).expect("a match");
    let answered = sa_proposals(&response.payloads);
    assert_eq!(answered.len(), 1, "{name}: one proposal answered");
    assert_eq!(chosen.number, answered[0].number, "{name}: proposal number");
    assert_eq!(
        chosen.transforms(),
        answered[0].transforms(),
        "{name}: transforms"
    );
    let response_sa = response
        .payloads
        .iter()
        .find(|p| matches!(p, Payload::Sa(_)));
    assert_eq!(
        response_sa,
        Some(&Payload::Sa(sa_accepting(&chosen))),
        "{name}: our answer's SA payload"
    );
    assert_eq!(
        chosen.to_string(),
        format!("IKE:{}", fx.text("ike_proposal")),
        "{name}: charon's name of the proposal"
    );
    (chosen, request, response)
}

fn derive(fx: &Fixture, name: &str, suite: &IkeSuite, chosen: &Proposal) -> IkeKeys {
    let (ni, nr, g_ir) = (fx.hex("ni"), fx.hex("nr"), fx.hex("dh_secret"));
    let seed = skeyseed(suite.prf, &ni, &nr, &g_ir);
    assert_eq!(seed.as_bytes(), fx.hex("skeyseed"), "{name}: SKEYSEED");
    let spi = |key| -> [u8; 8] { fx.hex(key).try_into().expect("8-byte SPI") };
    let keys = suite
        .derive(&g_ir, &ni, &nr, &spi("spi_i"), &spi("spi_r"))
        .expect("derivation");
    let aead = chosen.is_aead();
    for (label, ours) in [
        ("sk_d", &keys.sk_d),
        ("sk_ai", &keys.sk_ai),
        ("sk_ar", &keys.sk_ar),
        ("sk_ei", &keys.sk_ei),
        ("sk_er", &keys.sk_er),
        ("sk_pi", &keys.sk_pi),
        ("sk_pr", &keys.sk_pr),
    ] {
        if aead && label.starts_with("sk_a") {
            assert!(
                ours.is_empty() && !fx.keys.contains_key(label),
                "{name}: {label}"
            );
            continue;
        }
        assert_eq!(ours.as_bytes(), fx.hex(label), "{name}: {label}");
    }
    keys
}

fn auth_of(payloads: &[Payload]) -> Vec<u8> {
    payloads
        .iter()
        .find_map(|p| match p {
            Payload::Auth(a) if a.method == AuthMethod::PSK => Some(a.data.clone()),
            _ => None,
        })
        .expect("a shared key MIC AUTH payload")
}

/// Opens every encrypted message with our keys; returns the decrypted
/// IKE_AUTH request and response chains.
fn open_all(fx: &Fixture, name: &str, sk: &[SkProtector; 2]) -> (Vec<Payload>, Vec<Payload>) {
    let (mut auth_i, mut auth_r) = (None, None);
    let mut opened = 0;
    for bytes in &fx.messages[2..] {
        let msg = Message::parse(bytes).expect("parses");
        let protector = &sk[usize::from(!msg.flags.is_initiator())];
        let plain = protect::open(bytes, protector)
            .unwrap_or_else(|e| panic!("{name}: {}: {e}", message_key(&msg)));
        assert_eq!(
            emit_payload_chain(&plain.inner).expect("emits"),
            plain.plaintext,
            "{name}: {} inner chain re-emits",
            message_key(&msg)
        );
        if let Some(logged) = fx.charon.get(&message_key(&msg)) {
            assert_eq!(
                &chain_summary(&plain.inner),
                logged,
                "{name}: {}",
                message_key(&msg)
            );
        }
        match message_key(&msg).as_str() {
            "IKE_AUTH request 1" => auth_i = Some(plain.inner),
            "IKE_AUTH response 1" => auth_r = Some(plain.inner),
            _ => {}
        }
        opened += 1;
    }
    // IKE_AUTH pair, then the Delete and its response
    assert_eq!(opened, 4, "{name}: encrypted messages");
    (
        auth_i.expect("IKE_AUTH request"),
        auth_r.expect("IKE_AUTH response"),
    )
}

fn check_auth(
    fx: &Fixture,
    name: &str,
    prf: &dyn Prf,
    keys: &IkeKeys,
    chains: &(Vec<Payload>, Vec<Payload>),
) {
    let psk = fx.hex("psk");
    let ours_i = psk_auth(
        prf,
        &psk,
        &fx.hex("msg_init_i"),
        &fx.hex("nr"),
        keys.sk_pi.as_bytes(),
        &fx.hex("id_i"),
    )
    .as_bytes()
    .to_vec();
    let ours_r = psk_auth(
        prf,
        &psk,
        &fx.hex("msg_init_r"),
        &fx.hex("ni"),
        keys.sk_pr.as_bytes(),
        &fx.hex("id_r"),
    )
    .as_bytes()
    .to_vec();
    assert_eq!(ours_i, fx.hex("auth_i"), "{name}: initiator AUTH");
    assert_eq!(ours_r, fx.hex("auth_r"), "{name}: responder AUTH");
    assert_eq!(auth_of(&chains.0), ours_i, "{name}: AUTH payload sent by a");
    assert_eq!(auth_of(&chains.1), ours_r, "{name}: AUTH payload sent by b");
}

/// CHILD_SA keys (no PFS in IKE_AUTH) for the ESP proposal b accepted.
fn check_child(
    fx: &Fixture,
    name: &str,
    provider: &Provider,
    prf: &dyn Prf,
    keys: &IkeKeys,
    response: &[Payload],
) {
    let esp = sa_proposals(response).remove(0);
    assert_eq!(
        esp.to_string(),
        format!("ESP:{}", fx.text("esp_proposal")),
        "{name}"
    );
    assert_eq!(
        esp.spi,
        fx.hex("child_spi_r"),
        "{name}: responder's ESP SPI"
    );
    let (encr_len, integ_len) = child_key_lengths(provider, &esp).expect("ESP key lengths");
    let child = child_keys(
        prf,
        &keys.sk_d,
        None,
        &fx.hex("ni"),
        &fx.hex("nr"),
        encr_len,
        integ_len,
    )
    .expect("KEYMAT");
    assert_eq!(
        child.encr_i.as_bytes(),
        fx.hex("child_ei"),
        "{name}: child_ei"
    );
    assert_eq!(
        child.encr_r.as_bytes(),
        fx.hex("child_er"),
        "{name}: child_er"
    );
    if integ_len > 0 {
        assert_eq!(
            child.integ_i.as_bytes(),
            fx.hex("child_ai"),
            "{name}: child_ai"
        );
        assert_eq!(
            child.integ_r.as_bytes(),
            fx.hex("child_ar"),
            "{name}: child_ar"
        );
    }
}

#[test]
fn our_derivation_matches_strongswan_for_every_captured_proposal() {
    let provider = default_provider();
    for name in PROPOSALS {
        let fx = Fixture::load(name);
        assert_eq!(fx.text("proposal"), name);
        let (chosen, ..) = check_ike_sa_init(&fx, name);
        let suite = IkeSuite::new(&provider, &chosen).expect("supported suite");
        let keys = derive(&fx, name, &suite, &chosen);
        let prf = suite.prf;
        let (initiator, responder) = suite.protectors(&provider, &keys).expect("protectors");
        let sk = [initiator, responder];
        let chains = open_all(&fx, name, &sk);
        check_auth(&fx, name, prf, &keys, &chains);
        check_child(&fx, name, &provider, prf, &keys, &chains.1);
    }
}

#[test]
fn every_fixture_directory_is_covered() {
    let mut dirs: Vec<String> = std::fs::read_dir(fixture(""))
        .expect("fixtures/keylog")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut known: Vec<String> = PROPOSALS.iter().map(|p| (*p).to_owned()).collect();
    known.sort();
    assert_eq!(dirs, known);
}

#[test]
fn a_wrong_dh_secret_gives_another_skeyseed() {
    let provider = default_provider();
    let fx = Fixture::load(PROPOSALS[0]);
    let (chosen, ..) = check_ike_sa_init(&fx, PROPOSALS[0]);
    let prf = provider.prf(chosen.prf().expect("PRF")).expect("supported");
    let mut secret = fx.hex("dh_secret");
    secret[0] ^= 1;
    let seed = skeyseed(prf, &fx.hex("ni"), &fx.hex("nr"), &secret);
    assert_ne!(seed.as_bytes(), fx.hex("skeyseed"));
}
