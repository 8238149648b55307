//! Fragmentation round trips and the reassembly rules of RFC 7383 §2.6.
//!
//! No captured strongSwan fragment exists yet: the lab captures in
//! conformance/fixtures (captures/*.txt, keylog/*/decoded.txt) have no
//! SKF payload, since their IKE_AUTH messages stay under 1280 bytes.

use super::*;
use crate::crypto::{TestRng, test_protector};
use crate::protect::Opened;
use crate::wire::iana::{CertEncoding, EncrId, IdType, IntegId, NotifyType, ProtocolId};
use crate::wire::{Certificate, Flags, Identification, Notify};

/// 1280-byte IPv4 datagrams on port 4500 (charon's default).
const LIMIT: usize = 1248;

fn cbc() -> SkProtector {
    test_protector(EncrId::AES_CBC, 256, Some(IntegId::HMAC_SHA2_512_256))
}

fn gcm() -> SkProtector {
    test_protector(EncrId::AES_GCM_16, 128, None)
}

fn ike_auth(message_id: u32) -> Message {
    Message {
        spi_i: 0x0102_0304_0506_0708,
        spi_r: 0x1112_1314_1516_1718,
        exchange: ExchangeType::IKE_AUTH,
        flags: Flags::INITIATOR,
        message_id,
        payloads: Vec::new(),
    }
}

/// An IKE_AUTH request with a certificate of `cert_len` bytes.
fn inner(cert_len: usize) -> Vec<Payload> {
    vec![
        Payload::IdI(Identification {
            ty: IdType::FQDN,
            data: b"moon.strongswan.org".to_vec(),
        }),
        Payload::Cert(Certificate {
            encoding: CertEncoding::X509_SIGNATURE,
            data: (0..cert_len).map(|i| i as u8).collect(),
        }),
        notify(),
    ]
}

fn notify() -> Payload {
    Payload::Notify(Notify {
        protocol: ProtocolId::NONE,
        spi: Vec::new(),
        ty: NotifyType::INITIAL_CONTACT,
        data: Vec::new(),
    })
}

fn fragments(sk: &SkProtector, id: u32, cert_len: usize, limit: usize) -> Vec<Vec<u8>> {
    let rng = TestRng::new(u64::from(id));
    seal_fragmented(&ike_auth(id), &inner(cert_len), sk, &rng, limit).unwrap()
}

fn add(r: &mut Reassembler, bytes: &[u8], sk: &SkProtector) -> Result<Reassembly, FragmentError> {
    r.add(&Message::parse(bytes).unwrap(), bytes, sk)
}

fn complete(result: Result<Reassembly, FragmentError>) -> Opened {
    match result {
        Ok(Reassembly::Complete(opened)) => opened,
        other => panic!("expected a complete message, got {other:?}"),
    }
}

fn skf(bytes: &[u8]) -> EncryptedFragment {
    match Message::parse(bytes).unwrap().payloads.pop() {
        Some(Payload::Skf(skf)) => skf,
        other => panic!("expected SKF, got {other:?}"),
    }
}

#[test]
fn fragmented_messages_reassemble_to_the_same_payloads() {
    for sk in [cbc(), gcm()] {
        let frags = fragments(&sk, 1, 3000, LIMIT);
        assert_eq!(frags.len(), 3);
        let mut r = Reassembler::default();
        for (i, frag) in frags[..2].iter().enumerate() {
            let received = u16::try_from(i + 1).unwrap();
            assert_eq!(
                add(&mut r, frag, &sk),
                Ok(Reassembly::Incomplete { received, total: 3 })
            );
        }
        let opened = complete(add(&mut r, &frags[2], &sk));
        assert_eq!(opened.inner, inner(3000));
        assert_eq!(opened.plaintext, emit_payload_chain(&inner(3000)).unwrap());
        assert_eq!(opened.outer.message_id, 1);
        assert_eq!(r.pending_message_id(), None);
    }
}

#[test]
fn fragments_fill_the_limit_exactly_as_charon_computes_it() {
    // CBC: 1248 - 28 - 8 - 16 (IV) - 32 (ICV) = 1164, rounded down to the
    // block: 1152, minus the Pad Length byte: 1151 bytes of inner chain in
    // fragments of 28 + 8 + 16 + 1152 + 32 = 1236 bytes.
    // GCM: 1248 - 28 - 8 - 8 - 16 - 1 = 1187, in fragments of 1248 bytes.
    for (sk, content, full_len) in [(cbc(), 1151, 1236), (gcm(), 1187, LIMIT)] {
        let frags = fragments(&sk, 1, 5000, LIMIT);
        let (last, full) = frags.split_last().unwrap();
        assert!(full.iter().all(|frag| frag.len() == full_len));
        assert!(last.len() <= full_len);
        let chain_len = emit_payload_chain(&inner(5000)).unwrap().len();
        assert_eq!(frags.len(), chain_len.div_ceil(content));
    }
}

#[test]
fn every_fragment_stays_within_the_limit() {
    let sk = cbc();
    for limit in (200..1400).step_by(37) {
        for frag in fragments(&sk, 1, 2000, limit) {
            assert!(frag.len() <= limit, "{} > {limit}", frag.len());
        }
    }
}

#[test]
fn fragment_headers_follow_rfc_7383() {
    let frags = fragments(&gcm(), 1, 3000, LIMIT);
    for (i, frag) in frags.iter().enumerate() {
        let skf = skf(frag);
        assert_eq!((usize::from(skf.number), skf.total), (i + 1, 3));
        let next = if i == 0 {
            PayloadType::IDI
        } else {
            PayloadType::NONE
        };
        assert_eq!(skf.first_inner, next);
        assert_eq!(frag[16], PayloadType::SKF.0, "the header names SKF");
    }
}

#[test]
fn out_of_order_and_duplicated_fragments_reassemble() {
    let sk = gcm();
    let frags = fragments(&sk, 1, 3000, LIMIT);
    let mut r = Reassembler::default();
    assert!(matches!(
        add(&mut r, &frags[2], &sk),
        Ok(Reassembly::Incomplete { .. })
    ));
    assert_eq!(add(&mut r, &frags[2], &sk), Ok(Reassembly::Duplicate));
    assert_eq!(
        add(&mut r, &frags[0], &sk),
        Ok(Reassembly::Incomplete {
            received: 2,
            total: 3
        })
    );
    assert_eq!(add(&mut r, &frags[0], &sk), Ok(Reassembly::Duplicate));
    let opened = complete(add(&mut r, &frags[1], &sk));
    assert_eq!(opened.inner, inner(3000));
    assert_eq!(opened.outer, Message::parse(&frags[0]).unwrap());
}

#[test]
fn a_corrupted_fragment_is_dropped_and_its_good_copy_accepted() {
    for sk in [cbc(), gcm()] {
        let frags = fragments(&sk, 1, 3000, LIMIT);
        let mut r = Reassembler::default();
        add(&mut r, &frags[0], &sk).unwrap();
        let mut bad = frags[1].clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(
            add(&mut r, &bad, &sk),
            Err(FragmentError::Protect(ProtectError::Crypto(
                CryptoError::IntegrityCheckFailed
            )))
        );
        add(&mut r, &frags[1], &sk).unwrap();
        let opened = complete(add(&mut r, &frags[2], &sk));
        assert_eq!(opened.inner, inner(3000));
    }
}

#[test]
fn the_fragment_fields_are_covered_by_the_integrity_check() {
    let sk = cbc();
    let frags = fragments(&sk, 1, 3000, LIMIT);
    let mut bytes = frags[1].clone();
    // Total Fragments 3 -> 4 in the SKF header after the IKE header
    bytes[28 + 7] = 4;
    let mut r = Reassembler::default();
    assert_eq!(
        add(&mut r, &bytes, &sk),
        Err(FragmentError::Protect(ProtectError::Crypto(
            CryptoError::IntegrityCheckFailed
        )))
    );
    assert_eq!(r.pending_message_id(), None);
}

#[test]
fn more_total_fragments_restart_and_fewer_are_dropped() {
    let sk = gcm();
    let big = fragments(&sk, 1, 3000, LIMIT);
    let small = fragments(&sk, 1, 3000, 700);
    assert!(small.len() > big.len());
    let mut r = Reassembler::default();
    add(&mut r, &big[0], &sk).unwrap();
    add(&mut r, &big[1], &sk).unwrap();
    // the sender re-fragmented smaller (RFC 7383 §2.5.2): start over
    let total = skf(&small[0]).total;
    assert_eq!(
        add(&mut r, &small[0], &sk),
        Ok(Reassembly::Incomplete { received: 1, total })
    );
    assert_eq!(
        add(&mut r, &big[2], &sk),
        Err(FragmentError::FewerFragments {
            total: 3,
            expected: total
        })
    );
    for frag in &small[1..small.len() - 1] {
        add(&mut r, frag, &sk).unwrap();
    }
    let opened = complete(add(&mut r, small.last().unwrap(), &sk));
    assert_eq!(opened.inner, inner(3000));
}

#[test]
fn a_newer_message_replaces_and_older_ones_are_stale() {
    let sk = gcm();
    let first = fragments(&sk, 1, 3000, LIMIT);
    let second = fragments(&sk, 2, 3000, LIMIT);
    let mut r = Reassembler::default();
    add(&mut r, &first[0], &sk).unwrap();
    add(&mut r, &second[1], &sk).unwrap();
    assert_eq!(r.pending_message_id(), Some(2));
    assert_eq!(
        add(&mut r, &first[1], &sk),
        Err(FragmentError::Stale { message_id: 1 })
    );
    add(&mut r, &second[0], &sk).unwrap();
    complete(add(&mut r, &second[2], &sk));
    // a retransmitted fragment of the completed message starts nothing
    assert_eq!(
        add(&mut r, &second[0], &sk),
        Err(FragmentError::Stale { message_id: 2 })
    );
    assert_eq!(r.pending_message_id(), None);
}

#[test]
fn a_message_over_the_size_cap_is_discarded() {
    let sk = cbc();
    let frags = fragments(&sk, 1, 3000, LIMIT);
    let mut r = Reassembler::new(2000);
    add(&mut r, &frags[0], &sk).unwrap();
    assert_eq!(
        add(&mut r, &frags[1], &sk),
        Err(FragmentError::TooLarge { max_len: 2000 })
    );
    assert_eq!(r.pending_message_id(), None);
}

#[test]
fn the_default_cap_is_charons_max_packet() {
    let sk = gcm();
    let mut r = Reassembler::default();
    let frags = fragments(&sk, 1, 10_000, LIMIT);
    let mut results = frags.iter().map(|frag| add(&mut r, frag, &sk));
    let error = results.find_map(Result::err);
    let max_len = DEFAULT_MAX_PACKET;
    assert_eq!(error, Some(FragmentError::TooLarge { max_len }));
    let frags = fragments(&sk, 2, 9000, LIMIT);
    let last = frags.iter().map(|frag| add(&mut r, frag, &sk)).last();
    assert!(matches!(last, Some(Ok(Reassembly::Complete(_)))));
}

#[test]
fn more_than_64_fragments_are_refused() {
    let sk = gcm();
    let rng = TestRng::new(1);
    // 89 bytes of inner chain per fragment
    assert!(matches!(
        seal_fragmented(&ike_auth(1), &inner(9000), &sk, &rng, 150),
        Err(FragmentError::TooManyFragments { total }) if total > 64
    ));
    // the codec refuses Total Fragments 65, so build the message directly
    let skf = EncryptedFragment {
        first_inner: PayloadType::IDI,
        number: 1,
        total: 65,
        body: Vec::new(),
    };
    let bytes = seal_fragment(&ike_auth(1), skf.clone(), &[0; 16], &sk, &rng).unwrap();
    let body = bytes[28 + 8..].to_vec();
    let mut message = ike_auth(1);
    message
        .payloads
        .push(Payload::Skf(EncryptedFragment { body, ..skf }));
    let mut r = Reassembler::default();
    assert_eq!(
        r.add(&message, &bytes, &sk),
        Err(FragmentError::TooManyFragments { total: 65 })
    );
}

#[test]
fn a_single_fragment_completes_at_once() {
    let sk = cbc();
    let frags = fragments(&sk, 1, 100, LIMIT);
    assert_eq!(frags.len(), 1);
    assert_eq!((skf(&frags[0]).number, skf(&frags[0]).total), (1, 1));
    let opened =
        complete(Reassembler::default().add(&Message::parse(&frags[0]).unwrap(), &frags[0], &sk));
    assert_eq!(opened.inner, inner(100));
}

#[test]
fn an_empty_inner_chain_is_one_empty_fragment() {
    let sk = gcm();
    let rng = TestRng::new(1);
    let frags = seal_fragmented(&ike_auth(3), &[], &sk, &rng, LIMIT).unwrap();
    assert_eq!(frags.len(), 1);
    assert_eq!(skf(&frags[0]).first_inner, PayloadType::NONE);
    let opened = complete(add(&mut Reassembler::default(), &frags[0], &sk));
    assert_eq!((opened.inner, opened.plaintext), (Vec::new(), Vec::new()));
}

#[test]
fn unprotected_payloads_go_into_the_first_fragment_only() {
    let sk = cbc();
    let mut header = ike_auth(1);
    header
        .payloads
        .push(Payload::VendorId(wire::VendorId(vec![7; 300])));
    let rng = TestRng::new(1);
    let frags = seal_fragmented(&header, &inner(3000), &sk, &rng, LIMIT).unwrap();
    assert!(frags.iter().all(|frag| frag.len() <= LIMIT));
    let outers: Vec<_> = frags.iter().map(|f| Message::parse(f).unwrap()).collect();
    assert_eq!(outers[0].payloads.len(), 2);
    assert!(outers[1..].iter().all(|outer| outer.payloads.len() == 1));
    let mut r = Reassembler::default();
    let last = frags.iter().map(|frag| add(&mut r, frag, &sk)).last();
    let opened = complete(last.unwrap());
    assert_eq!(opened.outer.payloads[0], header.payloads[0]);
    assert_eq!(opened.inner, inner(3000));
}

#[test]
fn a_limit_without_room_for_data_is_refused() {
    let rng = TestRng::new(1);
    // 28 + 8 + 16 (IV) + 16 (one block) + 32 (ICV) = 100
    let sk = cbc();
    assert!(seal_fragmented(&ike_auth(1), &inner(10), &sk, &rng, 100).is_ok());
    assert_eq!(
        seal_fragmented(&ike_auth(1), &inner(10), &sk, &rng, 99),
        Err(FragmentError::LimitTooSmall { max_message: 99 })
    );
}

#[test]
fn only_oversized_messages_after_ike_sa_init_are_fragmented() {
    let sk = gcm();
    let rng = TestRng::new(1);
    let seal = |id, cert_len, max| seal_datagrams(&ike_auth(id), &inner(cert_len), &sk, &rng, max);
    let small = seal(1, 100, Some(LIMIT)).unwrap();
    assert_eq!(small.len(), 1);
    assert_eq!(
        crate::protect::open(&small[0], &sk).unwrap().inner,
        inner(100)
    );
    let unnegotiated = seal(1, 3000, None).unwrap();
    assert_eq!(unnegotiated.len(), 1);
    assert!(unnegotiated[0].len() > LIMIT);
    assert_eq!(seal(1, 3000, Some(LIMIT)).unwrap().len(), 3);
    assert!(!must_fragment(ExchangeType::IKE_SA_INIT, 5000, Some(LIMIT)));
    assert!(!must_fragment(ExchangeType::IKE_AUTH, LIMIT, Some(LIMIT)));
    assert!(must_fragment(
        ExchangeType::IKE_AUTH,
        LIMIT + 1,
        Some(LIMIT)
    ));
    assert!(!must_fragment(ExchangeType::IKE_AUTH, 5000, None));
}

#[test]
fn the_message_limit_follows_charons_fragment_size() {
    use AddressFamily::{Ipv4, Ipv6};
    assert_eq!(max_message_len(DEFAULT_FRAGMENT_SIZE, Ipv4, true), 1248);
    assert_eq!(max_message_len(DEFAULT_FRAGMENT_SIZE, Ipv4, false), 1252);
    assert_eq!(max_message_len(DEFAULT_FRAGMENT_SIZE, Ipv6, true), 1228);
    assert_eq!(max_message_len(DEFAULT_FRAGMENT_SIZE, Ipv6, false), 1232);
    assert_eq!(max_message_len(0, Ipv4, true), 544);
    assert_eq!(max_message_len(0, Ipv6, false), 1232);
    assert_eq!(max_message_len(20, Ipv4, true), 0);
}

#[test]
fn unfragmented_and_mismatched_input_is_refused() {
    let sk = gcm();
    let rng = TestRng::new(1);
    let whole = crate::protect::seal(&ike_auth(1), &inner(10), &sk, &rng).unwrap();
    let mut r = Reassembler::default();
    assert_eq!(add(&mut r, &whole, &sk), Err(FragmentError::NotFragment));
    let frags = fragments(&sk, 1, 3000, LIMIT);
    let message = Message::parse(&frags[1]).unwrap();
    assert_eq!(
        r.add(&message, &frags[0], &sk),
        Err(FragmentError::Mismatch)
    );
    assert_eq!(r.pending_message_id(), None);
}
