//! IKE message and payload chain parsing never panics, and whatever parses
//! re-emits and re-parses to the same value.
//!
//! The whole input is tried as an IKE message (and as a UDP/4500 datagram);
//! the first octet also selects the first payload type of a chain made of
//! the rest (`PayloadType::ALL[i]`, or the octet itself as a raw type), so
//! every payload type, registered or not, starts chains.
//!
//! Canonical form: for a message whose reserved fields are zero and whose
//! known payloads have the critical bit clear (what RFC 7296 §3.2 demands
//! of senders), emit reproduces the input exactly. The only non-canonical
//! corners are exactly those bits (reserved bits and octets, the minor
//! version, reserved header flags, the critical bit of payloads the codec
//! understands), which are ignored on receipt and sent as zero. So emit
//! must have the input's length, may differ from it only by cleared bits,
//! and must be a fixpoint; the parsed values are compared for equality.
#![no_main]

use ike::wire::natt::{Udp4500, classify};
use ike::wire::{
    Message, PayloadIter, PayloadType, chain_summary, emit_payload_chain, first_payload_type,
    parse_payload_chain,
};
use libfuzzer_sys::fuzz_target;

/// `emitted` equals `input` except for bits that were set in the input and
/// cleared by emit.
fn assert_only_cleared_bits(emitted: &[u8], input: &[u8]) {
    assert_eq!(emitted.len(), input.len(), "emit changed the length");
    for (i, (out, inp)) in emitted.iter().zip(input).enumerate() {
        assert_eq!(out & !inp, 0, "emit set bits at offset {i}: {out:#04x} vs {inp:#04x}");
    }
}

fn check_message(data: &[u8]) {
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    let bytes = msg.emit().expect("a parsed message re-emits");
    assert_only_cleared_bits(&bytes, data);
    let again = Message::parse(&bytes).expect("a re-emitted message parses");
    assert_eq!(again, msg, "message changed in parse→emit→parse");
    assert_eq!(again.emit().expect("re-emits"), bytes, "emit is not a fixpoint");
    let _ = msg.to_string();
}

fn check_chain(first: PayloadType, data: &[u8]) {
    // The iterator stops at the first error and yields nothing after it.
    let mut iter = PayloadIter::new(first, data);
    let mut failed = false;
    for item in iter.by_ref() {
        assert!(!failed, "the chain iterator went on after an error");
        failed = item.is_err();
    }
    assert!(iter.next().is_none());

    let Ok(chain) = parse_payload_chain(first, data) else {
        return;
    };
    assert!(chain.is_empty() || first_payload_type(&chain) == first);
    let bytes = emit_payload_chain(&chain).expect("a parsed chain re-emits");
    assert_only_cleared_bits(&bytes, data);
    let again = parse_payload_chain(first, &bytes).expect("a re-emitted chain parses");
    assert_eq!(again, chain, "chain changed in parse→emit→parse");
    assert_eq!(emit_payload_chain(&again).expect("re-emits"), bytes);
    let _ = chain_summary(&chain);
}

fuzz_target!(|data: &[u8]| {
    check_message(data);
    if let Ok(Udp4500::Ike(ike)) = classify(data) {
        check_message(ike);
    }
    if let Some((&selector, rest)) = data.split_first() {
        let first = PayloadType::ALL
            .get(usize::from(selector))
            .copied()
            .unwrap_or(PayloadType(selector));
        check_chain(first, rest);
    }
});
