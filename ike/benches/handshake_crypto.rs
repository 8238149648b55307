//! All crypto one side (the initiator) does for IKE_SA_INIT + IKE_AUTH with
//! X25519, AES-CBC-128/HMAC-SHA2-256-128/PRF-HMAC-SHA2-256 (the lab's IKE
//! proposal) and one CHILD_SA (ESP AES-GCM-16-128 KEYMAT):
//!
//! * `psk_x25519`: keygen, DH, SKEYSEED and SK_*, PSK AUTH (ours and the
//!   peer's, RFC 7296 §2.15), SK protectors for both directions, sealing our
//!   ~300-byte IKE_AUTH request and opening a ~300-byte response, KEYMAT.
//! * `ecdsa_p256_x25519`: the same with RFC 7427 ECDSA-P256-SHA256 AUTH
//!   (aws-lc-rs sign of our ~300-byte signed octets + one verify of the
//!   peer's) instead of the PSK computations.
//!
//! Run with `cargo bench -p ike --bench handshake_crypto`.
#![allow(clippy::unwrap_used)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, UnparsedPublicKey};
use divan::Bencher;
use ike::crypto::keymat::{child_keys, maced_id, psk_auth};
use ike::crypto::{CryptoError, IkeKeys, IkeSuite, Prf, Provider, SecureRandom, default_provider};
use ike::proposal::Proposal;
use ike::wire::iana::{KeId, PrfId, ProtocolId};

fn main() {
    divan::main();
}

/// The message bytes and peer values a handshake needs, prepared up front.
struct Peer {
    provider: Provider,
    /// The responder's KE data.
    ke_r: Vec<u8>,
    nr: [u8; 32],
    spi_r: [u8; 8],
    /// Our IKE_SA_INIT request (~300 bytes), the start of our signed octets.
    init_request: Vec<u8>,
    /// The responder's IKE_SA_INIT response.
    init_response: Vec<u8>,
    /// The plaintext of our IKE_AUTH request (~300 bytes of payloads).
    auth_payloads: Vec<u8>,
    id_i: Vec<u8>,
    id_r: Vec<u8>,
    /// The ECDSA keys: ours, and the peer's public key + signature.
    ecdsa: EcdsaKeyPair,
    peer_ecdsa_public: Vec<u8>,
    peer_signature: Vec<u8>,
}

const PSK: &[u8] = b"a shared secret of the lab, 32 b";
const HEADER_LEN: usize = 28 + 4;

impl Peer {
    fn new() -> Self {
        let provider = default_provider();
        let responder = provider
            .ke(KeId::CURVE_25519)
            .unwrap()
            .start(provider.rng.as_ref())
            .unwrap();
        let alg = &signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let ecdsa = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).unwrap();
        let peer_pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let peer_key = EcdsaKeyPair::from_pkcs8(alg, peer_pkcs8.as_ref()).unwrap();
        let init_response = vec![0x5a; 300];
        let peer_signature = peer_key
            .sign(&rng, &init_response)
            .unwrap()
            .as_ref()
            .to_vec();
        Self {
            ke_r: responder.public_key().to_vec(),
            nr: [0x4e; 32],
            spi_r: [0x52; 8],
            init_request: vec![0xa5; 300],
            init_response,
            auth_payloads: vec![0x3c; 300],
            id_i: b"\x02\0\0\0a.lab.test".to_vec(),
            id_r: b"\x02\0\0\0b.lab.test".to_vec(),
            peer_ecdsa_public: peer_key.public_key().as_ref().to_vec(),
            peer_signature,
            ecdsa,
            provider,
        }
    }
}

/// IKE header + SK header with final lengths for `body_len` bytes of SK body.
fn sk_headers(body_len: usize) -> Vec<u8> {
    let mut message = vec![0x11; 8];
    message.extend_from_slice(&[0x22; 8]);
    message.extend_from_slice(&[46, 0x20, 35, 0x08, 0, 0, 0, 1]);
    message.extend_from_slice(&u32::try_from(HEADER_LEN + body_len).unwrap().to_be_bytes());
    message.extend_from_slice(&[35, 0]);
    message.extend_from_slice(&u16::try_from(4 + body_len).unwrap().to_be_bytes());
    message
}

/// Replays 72 random bytes (Ni, SPIi, X25519 scalar) drawn during setup, so
/// that setup can prepare the responder's IKE_AUTH message for the keys the
/// timed part derives.
#[derive(Debug)]
struct ReplayRng(std::sync::Mutex<(Vec<u8>, usize)>);

impl SecureRandom for ReplayRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut state = self.0.lock().unwrap();
        let (bytes, pos) = &mut *state;
        dest.copy_from_slice(&bytes[*pos..*pos + dest.len()]);
        *pos += dest.len();
        Ok(())
    }
}

struct Input {
    rng: ReplayRng,
    response: Vec<u8>,
}

/// Untimed: the responder's sealed IKE_AUTH response for this iteration.
fn setup(peer: &Peer) -> Input {
    let mut random = vec![0; 72];
    peer.provider.rng.fill(&mut random).unwrap();
    let (keys, _) = ike_sa_init(peer, &ReplayRng(std::sync::Mutex::new((random.clone(), 0))));
    let (_, responder) = suite(&peer.provider)
        .protectors(&peer.provider, &keys)
        .unwrap();
    let mut response = sk_headers(responder.sealed_len(peer.auth_payloads.len()));
    responder
        .seal(
            peer.provider.rng.as_ref(),
            &mut response,
            &peer.auth_payloads,
        )
        .unwrap();
    Input {
        rng: ReplayRng(std::sync::Mutex::new((random, 0))),
        response,
    }
}

/// The lab's IKE suite: AES-CBC-128, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256.
fn suite(provider: &Provider) -> IkeSuite {
    let proposal = Proposal::parse(ProtocolId::IKE, "aes128-sha256-x25519").unwrap();
    IkeSuite::new(provider, &proposal).unwrap()
}

/// IKE_SA_INIT crypto: nonce, SPI, keygen, DH, SKEYSEED, SK_*.
fn ike_sa_init(peer: &Peer, rng: &dyn SecureRandom) -> (IkeKeys, [u8; 32]) {
    let provider = &peer.provider;
    let (mut ni, mut spi_i) = ([0u8; 32], [0u8; 8]);
    rng.fill(&mut ni).unwrap();
    rng.fill(&mut spi_i).unwrap();
    let ke = provider.ke(KeId::CURVE_25519).unwrap().start(rng).unwrap();
    divan::black_box(ke.public_key());
    let g_ir = ke.complete(&peer.ke_r).unwrap();
    let keys = suite(provider)
        .derive(g_ir.as_bytes(), &ni, &peer.nr, &spi_i, &peer.spi_r)
        .unwrap();
    (keys, ni)
}

/// IKE_AUTH crypto besides AUTH: protectors, seal our request, open the
/// response, KEYMAT.
fn ike_auth_sk_and_keymat(peer: &Peer, prf: &dyn Prf, keys: &IkeKeys, ni: &[u8], response: &[u8]) {
    let provider = &peer.provider;
    let (out, inbound) = suite(provider).protectors(provider, keys).unwrap();
    let mut request = sk_headers(out.sealed_len(peer.auth_payloads.len()));
    out.seal(provider.rng.as_ref(), &mut request, &peer.auth_payloads)
        .unwrap();
    divan::black_box(&request);
    let inner = inbound.open(response, HEADER_LEN..response.len()).unwrap();
    divan::black_box(inner);
    let child = child_keys(prf, &keys.sk_d, None, ni, &peer.nr, 20, 0).unwrap();
    divan::black_box(child);
}

#[divan::bench]
fn psk_x25519(bencher: Bencher<'_, '_>) {
    let peer = Peer::new();
    let prf = peer.provider.prf(PrfId::HMAC_SHA2_256).unwrap();
    bencher
        .with_inputs(|| setup(&peer))
        .bench_local_values(|input| {
            let (keys, ni) = ike_sa_init(&peer, &input.rng);
            // Our AUTH, and the one we expect from the responder.
            let sk_pi = keys.sk_pi.as_bytes();
            let ours = psk_auth(prf, PSK, &peer.init_request, &peer.nr, sk_pi, &peer.id_i);
            let sk_pr = keys.sk_pr.as_bytes();
            let theirs = psk_auth(prf, PSK, &peer.init_response, &ni, sk_pr, &peer.id_r);
            divan::black_box((ours, theirs));
            ike_auth_sk_and_keymat(&peer, prf, &keys, &ni, &input.response);
        });
}

#[divan::bench]
fn ecdsa_p256_x25519(bencher: Bencher<'_, '_>) {
    let peer = Peer::new();
    let prf = peer.provider.prf(PrfId::HMAC_SHA2_256).unwrap();
    let rng = SystemRandom::new();
    let verifier =
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, &peer.peer_ecdsa_public);
    bencher
        .with_inputs(|| setup(&peer))
        .bench_local_values(|input| {
            let (keys, ni) = ike_sa_init(&peer, &input.rng);
            let maced_i = maced_id(prf, keys.sk_pi.as_bytes(), &peer.id_i);
            let octets = [&peer.init_request[..], &peer.nr, maced_i.as_bytes()].concat();
            let signature = peer.ecdsa.sign(&rng, &octets).unwrap();
            divan::black_box(signature);
            // The peer's signature covers its own octets; a fixed message stands
            // in for them (the verify cost does not depend on the content).
            let maced_r = maced_id(prf, keys.sk_pr.as_bytes(), &peer.id_r);
            divan::black_box(&maced_r);
            verifier
                .verify(&peer.init_response, &peer.peer_signature)
                .unwrap();
            ike_auth_sk_and_keymat(&peer, prf, &keys, &ni, &input.response);
        });
}

/// The pieces on their own, for reference.
#[divan::bench]
fn x25519_keygen_and_dh(bencher: Bencher<'_, '_>) {
    let peer = Peer::new();
    let group = peer.provider.ke(KeId::CURVE_25519).unwrap();
    bencher.bench_local(|| {
        let ke = group.start(peer.provider.rng.as_ref()).unwrap();
        ke.complete(&peer.ke_r).unwrap()
    });
}

#[divan::bench]
fn modp_2048_keygen_and_dh(bencher: Bencher<'_, '_>) {
    let provider = default_provider();
    let group = provider.ke(KeId::MODP_2048).unwrap();
    let peer = group
        .start(provider.rng.as_ref())
        .unwrap()
        .public_key()
        .to_vec();
    bencher.bench_local(|| {
        let ke = group.start(provider.rng.as_ref()).unwrap();
        ke.complete(&peer).unwrap()
    });
}
