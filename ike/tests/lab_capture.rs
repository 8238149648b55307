//! End-to-end check against a strongSwan 5.9.8 capture (shared lab,
//! `captures/psk-net2net.pcap`): the IKE_AUTH messages, their SK payloads
//! protected with AES-CBC-128 + HMAC-SHA2-256-128, open with the keys charon
//! logged (`psk-net2net.ikev2_keys`, Wireshark's ikev2_decryption_table
//! format: SPIi, SPIr, SK_ei, SK_er, cipher, SK_ai, SK_ar, integrity).
//!
//! The fixtures hold the UDP payloads of frames 3 and 4 (port 4500, with the
//! 4-byte non-ESP marker stripped).
#![cfg(feature = "default-provider")]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Mutex;

use common::hex;

use ike::crypto::{CryptoError, SecureRandom, SkProtector, default_provider};
use ike::wire::iana::{EncrId, IntegId};

const REQUEST: &str = include_str!("../src/crypto/testdata/psk-net2net-ike-auth-request.hex");
const RESPONSE: &str = include_str!("../src/crypto/testdata/psk-net2net-ike-auth-response.hex");
const KEYS: &str = include_str!("../src/crypto/testdata/psk-net2net.ikev2_keys");

/// IKE header (28 bytes) + SK generic payload header (4 bytes).
const BODY_START: usize = 28 + 4;

struct Keys {
    spi_i: Vec<u8>,
    spi_r: Vec<u8>,
    sk_ei: Vec<u8>,
    sk_er: Vec<u8>,
    sk_ai: Vec<u8>,
    sk_ar: Vec<u8>,
}

fn keys() -> Keys {
    let fields: Vec<&str> = KEYS.trim().split(',').collect();
    assert_eq!(fields[4], "\"AES-CBC-128 [RFC3602]\"");
    assert_eq!(fields[7], "\"HMAC_SHA2_256_128 [RFC4868]\"");
    Keys {
        spi_i: hex(fields[0]),
        spi_r: hex(fields[1]),
        sk_ei: hex(fields[2]),
        sk_er: hex(fields[3]),
        sk_ai: hex(fields[5]),
        sk_ar: hex(fields[6]),
    }
}

fn protector(sk_e: &[u8], sk_a: &[u8]) -> SkProtector {
    let provider = default_provider();
    SkProtector::new(
        &provider,
        EncrId::AES_CBC,
        Some(128),
        Some(IntegId::HMAC_SHA2_256_128),
        sk_e,
        Some(sk_a),
    )
    .unwrap()
}

/// Checks the header fields this test relies on and returns the message.
fn message(fixture: &str, keys: &Keys) -> Vec<u8> {
    let message = hex(fixture);
    assert_eq!(&message[..8], &keys.spi_i[..]);
    assert_eq!(&message[8..16], &keys.spi_r[..]);
    assert_eq!(message[16], 46, "first payload is SK");
    assert_eq!(message[18], 35, "IKE_AUTH");
    assert_eq!(
        u32::from_be_bytes(message[24..28].try_into().unwrap()) as usize,
        message.len()
    );
    let sk_len = u16::from_be_bytes(message[30..32].try_into().unwrap()) as usize;
    assert_eq!(28 + sk_len, message.len(), "SK is the only payload");
    message
}

/// ID payload header + ID_FQDN: next payload, flags, length 18, type 2.
fn id_payload(next: u8, fqdn: &[u8]) -> Vec<u8> {
    [&[next, 0, 0, 18, 2, 0, 0, 0][..], fqdn].concat()
}

#[test]
fn strongswan_ike_auth_request_opens_with_the_logged_keys() {
    let keys = keys();
    let message = message(REQUEST, &keys);
    let sk = protector(&keys.sk_ei, &keys.sk_ai);
    let inner = sk.open(&message, BODY_START..message.len()).unwrap();
    // psk-net2net.txt: "Contained Data (208 bytes)", first IDi = a.lab.test,
    // followed by N(INITIAL_CONTACT) (next payload 41).
    assert_eq!(inner.len(), 208);
    assert_eq!(&inner[..18], &id_payload(41, b"a.lab.test")[..]);
    // The SK header's Next Payload names the first inner payload (IDi = 35).
    assert_eq!(message[28], 35);
}

#[test]
fn strongswan_ike_auth_response_opens_with_the_responder_keys() {
    let keys = keys();
    let message = message(RESPONSE, &keys);
    let inner = protector(&keys.sk_er, &keys.sk_ar)
        .open(&message, BODY_START..message.len())
        .unwrap();
    assert_eq!(inner.len(), 158);
    assert_eq!(&inner[..18], &id_payload(39, b"b.lab.test")[..]);
    // The initiator's keys do not open the responder's message.
    let wrong = protector(&keys.sk_ei, &keys.sk_ai).open(&message, BODY_START..message.len());
    assert_eq!(wrong, Err(CryptoError::IntegrityCheckFailed));
}

#[test]
fn a_tampered_capture_fails_the_integrity_check() {
    let keys = keys();
    let mut message = message(REQUEST, &keys);
    let sk = protector(&keys.sk_ei, &keys.sk_ai);
    message[20] ^= 0x80; // Message ID, covered by the ICV
    assert_eq!(
        sk.open(&message, BODY_START..message.len()),
        Err(CryptoError::IntegrityCheckFailed)
    );
}

/// Returns the capture's IV when asked for it.
#[derive(Debug)]
struct ReplayRng(Mutex<Vec<u8>>);

impl SecureRandom for ReplayRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let iv = self.0.lock().unwrap();
        dest.copy_from_slice(&iv[..dest.len()]);
        Ok(())
    }
}

#[test]
fn resealing_the_decrypted_request_reproduces_the_capture() {
    let keys = keys();
    let message = message(REQUEST, &keys);
    let sk = protector(&keys.sk_ei, &keys.sk_ai);
    let inner = sk.open(&message, BODY_START..message.len()).unwrap();
    assert_eq!(BODY_START + sk.sealed_len(inner.len()), message.len());
    let iv = message[BODY_START..BODY_START + 16].to_vec();
    let mut resealed = message[..BODY_START].to_vec();
    sk.seal(&ReplayRng(Mutex::new(iv)), &mut resealed, &inner)
        .unwrap();
    assert_eq!(
        sk.open(&resealed, BODY_START..resealed.len()).unwrap(),
        inner
    );
    // Same IV and plaintext: the 13 ciphertext blocks holding the 208 bytes
    // of payloads are byte-identical to charon's. Only the last block, with
    // the padding (charon's bytes are not zeros, ours are), and so the ICV
    // differ.
    assert_eq!(resealed.len(), message.len());
    let payload_blocks_end = BODY_START + 16 + 208;
    assert_eq!(
        resealed[..payload_blocks_end],
        message[..payload_blocks_end]
    );
    assert_ne!(
        resealed[payload_blocks_end..],
        message[payload_blocks_end..]
    );
}
