//! Codec cost of one IKE_AUTH message: strongSwan's IKE_AUTH request from
//! the psk-net2net lab capture (334-byte message, 208-byte inner chain of
//! IDi N IDr AUTH SA TSi TSr and five notifies).
//!
//! * `outer_parse_emit`: header + SK payload parse and emit.
//! * `inner_parse_emit`: the decrypted inner chain parsed and emitted.
//! * `open_and_parse` / `seal`: with AES-CBC-128/HMAC-SHA2-256-128.
//!
//! Run with `cargo bench -p ike --bench codec`.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::hex;
use divan::{Bencher, black_box};
use ike::crypto::{SkProtector, TestRng, default_provider};
use ike::protect;
use ike::wire::iana::{EncrId, IntegId};
use ike::wire::{Message, emit_payload_chain, parse_payload_chain};

fn main() {
    divan::main();
}

const REQUEST: &str = include_str!("../src/crypto/testdata/psk-net2net-ike-auth-request.hex");
const KEYS: &str = include_str!("../src/crypto/testdata/psk-net2net.ikev2_keys");

/// The initiator's SK protector (SK_ei, SK_ai from the key table).
fn protector() -> SkProtector {
    let fields: Vec<&str> = KEYS.trim().split(',').collect();
    SkProtector::new(
        &default_provider(),
        EncrId::AES_CBC,
        Some(128),
        Some(IntegId::HMAC_SHA2_256_128),
        &hex(fields[2]),
        Some(&hex(fields[5])),
    )
    .unwrap()
}

#[divan::bench]
fn outer_parse_emit(bencher: Bencher<'_, '_>) {
    let bytes = hex(REQUEST);
    bencher.bench(|| Message::parse(black_box(&bytes)).unwrap().emit().unwrap());
}

#[divan::bench]
fn inner_parse_emit(bencher: Bencher<'_, '_>) {
    let bytes = hex(REQUEST);
    let opened = protect::open(&bytes, &protector()).unwrap();
    let first = opened.inner.first().unwrap().payload_type();
    let plaintext = opened.plaintext;
    bencher.bench(|| {
        let chain = parse_payload_chain(first, black_box(&plaintext)).unwrap();
        emit_payload_chain(&chain).unwrap()
    });
}

#[divan::bench]
fn open_and_parse(bencher: Bencher<'_, '_>) {
    let bytes = hex(REQUEST);
    let sk = protector();
    bencher.bench(|| protect::open(black_box(&bytes), &sk).unwrap());
}

#[divan::bench]
fn seal(bencher: Bencher<'_, '_>) {
    let bytes = hex(REQUEST);
    let sk = protector();
    let opened = protect::open(&bytes, &sk).unwrap();
    let mut header = opened.outer.clone();
    header.payloads.pop();
    let rng = TestRng::new(1);
    bencher.bench(|| protect::seal(&header, black_box(&opened.inner), &sk, &rng).unwrap());
}
