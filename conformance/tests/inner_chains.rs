//! Decrypted inner payload chains (the plaintext of SK payloads), rebuilt
//! byte by byte from the field values in the lab's tshark decodes
//! (`fixtures/captures/*.txt`, "Contained Data"), parsed with
//! `parse_payload_chain` and compared with charon's log line and with
//! tshark's length. Emitting must give the same bytes back.
//!
//! The bytes are assembled here by hand (generic headers included), not by
//! the codec, so the test does not check the codec against itself. When the
//! crypto provider lands, the real decrypted chains replace these.

use std::path::PathBuf;

use conformance::captured::unhex;
use ike::wire::iana::{AuthMethod, CertEncoding, IdType, TsType};
use ike::wire::{
    NotifyType, Payload, PayloadType, ProtocolId, TrafficSelector, chain_summary,
    emit_payload_chain, first_payload_type, parse_payload_chain,
};

/// A payload with its generic header: next type, not critical, length.
fn raw(next: PayloadType, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len() + 4).expect("short payload");
    let mut out = vec![next.0, 0];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn id_fqdn(name: &str) -> Vec<u8> {
    let mut body = vec![IdType::FQDN.0, 0, 0, 0];
    body.extend_from_slice(name.as_bytes());
    body
}

fn status(ty: NotifyType) -> Vec<u8> {
    let mut body = vec![0, 0];
    body.extend_from_slice(&ty.0.to_be_bytes());
    body
}

/// TS payload body with one TS_IPV4_ADDR_RANGE, any protocol and port.
fn ts_v4(start: [u8; 4], end: [u8; 4]) -> Vec<u8> {
    let mut body = vec![
        1,
        0,
        0,
        0,
        TsType::IPV4_ADDR_RANGE.0,
        0,
        0,
        16,
        0,
        0,
        0xff,
        0xff,
    ];
    body.extend_from_slice(&start);
    body.extend_from_slice(&end);
    body
}

/// An ESP proposal: AES_GCM_16/128 [, CURVE_25519], NO_EXT_SEQ.
fn esp_proposal(spi: &str, pfs: bool) -> Vec<u8> {
    let mut transforms = hex_bytes("0300000c01000014800e0080");
    if pfs {
        transforms.extend(hex_bytes("030000080400001f"));
    }
    transforms.extend(hex_bytes("0000000805000000"));
    let count = if pfs { 3 } else { 2 };
    proposal(ProtocolId::ESP, &hex_bytes(spi), count, &transforms)
}

fn proposal(protocol: ProtocolId, spi: &[u8], count: u8, transforms: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + spi.len() + transforms.len()).expect("short proposal");
    let mut p = vec![0, 0];
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[
        1,
        protocol.0,
        u8::try_from(spi.len()).expect("short SPI"),
        count,
    ]);
    p.extend_from_slice(spi);
    p.extend_from_slice(transforms);
    p
}

/// The five status notifies that close charon's IKE_AUTH request.
fn auth_request_tail() -> Vec<u8> {
    let tail = [
        NotifyType::MOBIKE_SUPPORTED,
        NotifyType::NO_ADDITIONAL_ADDRESSES,
        NotifyType::MULTIPLE_AUTH_SUPPORTED,
        NotifyType::EAP_ONLY_AUTHENTICATION,
        NotifyType::IKEV2_MESSAGE_ID_SYNC_SUPPORTED,
    ];
    let mut out = Vec::new();
    for (i, ty) in tail.iter().enumerate() {
        let next = if i + 1 < tail.len() {
            PayloadType::NOTIFY
        } else {
            PayloadType::NONE
        };
        out.extend(raw(next, &status(*ty)));
    }
    out
}

/// Parses, compares with charon's summary and tshark's length, re-emits.
fn check(first: PayloadType, bytes: &[u8], tshark_len: usize, charon: &str) -> Vec<Payload> {
    assert_eq!(bytes.len(), tshark_len, "tshark's Contained Data length");
    let chain = parse_payload_chain(first, bytes).expect("the inner chain parses");
    assert_eq!(chain_summary(&chain), charon);
    assert_eq!(first_payload_type(&chain), first);
    assert_eq!(emit_payload_chain(&chain).expect("emit"), bytes);
    chain
}

#[test]
fn psk_ike_auth_request() {
    // psk-net2net frame 3.
    let mut bytes = raw(PayloadType::NOTIFY, &id_fqdn("a.lab.test"));
    bytes.extend(raw(PayloadType::IDR, &status(NotifyType::INITIAL_CONTACT)));
    bytes.extend(raw(PayloadType::AUTH, &id_fqdn("b.lab.test")));
    let mut auth = vec![AuthMethod::PSK.0, 0, 0, 0];
    auth.extend(hex_bytes(
        "469167411b9c85723e43d8766fd0a56c61f57ac0383e3588f3053fa7eb12ffb9",
    ));
    bytes.extend(raw(PayloadType::SA, &auth));
    bytes.extend(raw(PayloadType::TSI, &esp_proposal("74fd4d27", false)));
    bytes.extend(raw(
        PayloadType::TSR,
        &ts_v4([10, 1, 0, 0], [10, 1, 0, 255]),
    ));
    bytes.extend(raw(
        PayloadType::NOTIFY,
        &ts_v4([10, 2, 0, 0], [10, 2, 0, 255]),
    ));
    bytes.extend(auth_request_tail());
    let chain = check(
        PayloadType::IDI,
        &bytes,
        208,
        "[ IDi N(INIT_CONTACT) IDr AUTH SA TSi TSr N(MOBIKE_SUP) N(NO_ADD_ADDR) N(MULT_AUTH) \
         N(EAP_ONLY) N(MSG_ID_SYN_SUP) ]",
    );
    let Payload::IdI(idi) = &chain[0] else {
        panic!("IDi first")
    };
    assert_eq!(idi.to_string(), "a.lab.test");
    let Payload::Sa(sa) = &chain[4] else {
        panic!("SA fifth")
    };
    assert_eq!(sa.proposals[0].spi, [0x74, 0xfd, 0x4d, 0x27]);
    assert_eq!(sa.proposals[0].transforms[0].key_length(), Some(128));
    let Payload::TsR(tsr) = &chain[6] else {
        panic!("TSr seventh")
    };
    let [TrafficSelector::Ipv4(range)] = tsr.0.as_slice() else {
        panic!("one IPv4 TS")
    };
    assert_eq!(range.start.to_string(), "10.2.0.0");
}

#[test]
fn cert_ike_auth_request_with_cert_certreq_and_signature_auth() {
    // cert-net2net frame 3; the certificate is pki/a.crt.
    let cert_der = der_from_pem(&fixture("pki/a.crt"));
    let mut cert = vec![CertEncoding::X509_SIGNATURE.0];
    cert.extend_from_slice(&cert_der);
    let mut certreq = vec![CertEncoding::X509_SIGNATURE.0];
    certreq.extend(hex_bytes("aadecaa42578523023869f4074452f235f13838b"));
    // RFC 7427 AUTH: ASN.1 length, AlgorithmIdentifier ecdsa-with-SHA256,
    // then the DER signature (tshark shows only its start; the rest is filler
    // of the captured length).
    let mut auth = vec![AuthMethod::DIGITAL_SIGNATURE.0, 0, 0, 0];
    auth.extend(hex_bytes(
        "0c300a06082a8648ce3d0403023045022100f6d16b1051637232d8342bcb6426ac0b658c",
    ));
    auth.resize(88, 0x5a);

    let mut bytes = raw(PayloadType::CERT, &id_fqdn("a.lab.test"));
    bytes.extend(raw(PayloadType::NOTIFY, &cert));
    bytes.extend(raw(
        PayloadType::CERTREQ,
        &status(NotifyType::INITIAL_CONTACT),
    ));
    bytes.extend(raw(PayloadType::IDR, &certreq));
    bytes.extend(raw(PayloadType::AUTH, &id_fqdn("b.lab.test")));
    bytes.extend(raw(PayloadType::SA, &auth));
    bytes.extend(raw(PayloadType::TSI, &esp_proposal("f4195333", false)));
    bytes.extend(raw(
        PayloadType::TSR,
        &ts_v4([10, 1, 0, 0], [10, 1, 0, 255]),
    ));
    bytes.extend(raw(
        PayloadType::NOTIFY,
        &ts_v4([10, 2, 0, 0], [10, 2, 0, 255]),
    ));
    bytes.extend(auth_request_tail());
    let chain = check(
        PayloadType::IDI,
        &bytes,
        716,
        "[ IDi CERT N(INIT_CONTACT) CERTREQ IDr AUTH SA TSi TSr N(MOBIKE_SUP) N(NO_ADD_ADDR) \
         N(MULT_AUTH) N(EAP_ONLY) N(MSG_ID_SYN_SUP) ]",
    );
    let Payload::Cert(c) = &chain[1] else {
        panic!("CERT second")
    };
    assert_eq!(
        (c.encoding, c.data.len()),
        (CertEncoding::X509_SIGNATURE, 426)
    );
    let Payload::CertReq(r) = &chain[3] else {
        panic!("CERTREQ fourth")
    };
    assert_eq!(r.ca_key_hashes().map(Iterator::count), Some(1));
    let Payload::Auth(a) = &chain[5] else {
        panic!("AUTH sixth")
    };
    assert_eq!(a.method, AuthMethod::DIGITAL_SIGNATURE);
}

#[test]
fn child_sa_rekey_request() {
    // rekey-packets frame 39.
    let mut notify = vec![ProtocolId::ESP.0, 4];
    notify.extend_from_slice(&NotifyType::REKEY_SA.0.to_be_bytes());
    notify.extend(hex_bytes("40ae0aec"));
    let mut ke = hex_bytes("001f0000");
    ke.extend(hex_bytes(
        "72874588a0a39d65a2f44ae6427add89ef0e02925b7f1a3adf912b282e7b081b",
    ));
    let nonce = hex_bytes("3fc1f067092bebf8c0d3df75f35be17723b405f5f96b4e6636222bc5c1852d8e");

    let mut bytes = raw(PayloadType::SA, &notify);
    bytes.extend(raw(PayloadType::NONCE, &esp_proposal("7e7f9c3e", true)));
    bytes.extend(raw(PayloadType::KE, &nonce));
    bytes.extend(raw(PayloadType::TSI, &ke));
    bytes.extend(raw(
        PayloadType::TSR,
        &ts_v4([10, 1, 0, 0], [10, 1, 0, 255]),
    ));
    bytes.extend(raw(
        PayloadType::NONE,
        &ts_v4([10, 2, 0, 0], [10, 2, 0, 255]),
    ));
    let chain = check(
        PayloadType::NOTIFY,
        &bytes,
        180,
        "[ N(REKEY_SA) SA No KE TSi TSr ]",
    );
    let Payload::Notify(n) = &chain[0] else {
        panic!("N first")
    };
    assert_eq!(
        (n.protocol, n.spi.as_slice()),
        (ProtocolId::ESP, &[0x40, 0xae, 0x0a, 0xec][..])
    );
}

#[test]
fn ike_sa_rekey_request_with_an_8_byte_spi() {
    // rekey-time frame 73.
    let transforms = hex_bytes(concat!(
        "0300000c0100000c800e0080",
        "030000080300000c",
        "0300000802000005",
        "000000080400001f",
    ));
    let sa = proposal(
        ProtocolId::IKE,
        &hex_bytes("a442607974ed62d9"),
        4,
        &transforms,
    );
    let nonce = hex_bytes("edadd802629643f25de40a88a3f44ec6398695aa104c2c349385c7b4b9060d1e");
    let mut ke = hex_bytes("001f0000");
    ke.extend(hex_bytes(
        "1adccf8f716b06f14e2ab3d5ee5c1025497d66ffd52bfe75f59110867efac477",
    ));
    let mut bytes = raw(PayloadType::NONCE, &sa);
    bytes.extend(raw(PayloadType::KE, &nonce));
    bytes.extend(raw(PayloadType::NONE, &ke));
    let chain = check(PayloadType::SA, &bytes, 132, "[ SA No KE ]");
    let Payload::Sa(sa) = &chain[0] else {
        panic!("SA first")
    };
    assert_eq!(sa.proposals[0].spi.len(), 8);
}

#[test]
fn child_sa_delete() {
    // rekey-packets frame 41: INFORMATIONAL [ D ] for ESP SPI 0x40ae0aec.
    let bytes = raw(PayloadType::NONE, &hex_bytes("0304000140ae0aec"));
    let chain = check(PayloadType::DELETE, &bytes, 12, "[ D ]");
    let Payload::Delete(d) = &chain[0] else {
        panic!("D")
    };
    assert_eq!(d.spis, [vec![0x40, 0xae, 0x0a, 0xec]]);
}

#[test]
fn empty_liveness_check() {
    // dpd frame 7: the 16 decrypted octets are padding only.
    check(PayloadType::NONE, &[], 0, "[ ]");
}

fn fixture(path: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/captures");
    std::fs::read_to_string(dir.join(path)).expect("fixture")
}

/// The DER inside a PEM file (standard base64, no dependencies).
fn der_from_pem(pem: &str) -> Vec<u8> {
    let b64: Vec<u8> = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().bytes())
        .filter(|&b| b != b'=')
        .collect();
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0_u32, 0);
    for c in b64 {
        acc = (acc << 6) | u32::from(value(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).expect("masked to 8 bits"));
        }
    }
    out
}

fn hex_bytes(text: &str) -> Vec<u8> {
    unhex(text).expect("hex")
}
