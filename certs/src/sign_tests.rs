use std::sync::Arc;

use super::*;
use crate::testpki::{Alg, our_key, rcgen_key};
use crate::verify::{auth_scheme, verify_signature};

const ALL_HASHES: [HashAlgorithm; 4] = [
    HashAlgorithm::SHA2_256,
    HashAlgorithm::SHA2_384,
    HashAlgorithm::SHA2_512,
    HashAlgorithm::IDENTITY,
];

fn signer(alg: Alg, configured: &[Scheme], rsa_pss: bool) -> KeySigner {
    let key = Arc::new(our_key(&rcgen_key(alg)));
    KeySigner::new(key, Vec::new(), configured.to_vec(), rsa_pss)
}

/// Signs through the trait and verifies the AUTH data with our verifier.
fn round_trip(s: &KeySigner, peer: &[HashAlgorithm]) -> (AuthMethod, Scheme) {
    let method = s.choose(peer).unwrap();
    let data = s.sign(method, b"signed octets").unwrap();
    let (scheme, sig) = auth_scheme(method, &data).unwrap();
    verify_signature(s.key.public_key(), scheme, b"signed octets", sig).unwrap();
    assert!(verify_signature(s.key.public_key(), scheme, b"other octets", sig).is_err());
    (method, scheme)
}

#[test]
fn ecdsa_keys_sign_rfc_7427_with_their_curves_hash() {
    let cases = [
        (Curve::P256, Hash::Sha256),
        (Curve::P384, Hash::Sha384),
        (Curve::P521, Hash::Sha512),
    ];
    for (curve, hash) in cases {
        let s = signer(Alg::Ecdsa(curve), &[], false);
        let got = round_trip(&s, &ALL_HASHES);
        assert_eq!(got, (AuthMethod::DIGITAL_SIGNATURE, Scheme::Ecdsa(hash)));
    }
}

#[test]
fn without_rfc_7427_ecdsa_uses_methods_9_to_11_with_raw_signatures() {
    let cases = [
        (Curve::P256, AuthMethod::ECDSA_256, 64),
        (Curve::P384, AuthMethod::ECDSA_384, 96),
        (Curve::P521, AuthMethod::ECDSA_521, 132),
    ];
    for (curve, method, len) in cases {
        let s = signer(Alg::Ecdsa(curve), &[], false);
        assert_eq!(round_trip(&s, &[]).0, method);
        assert_eq!(s.sign(method, b"x").unwrap().len(), len);
    }
}

#[test]
fn rsa_prefers_pkcs1_sha256_by_default_and_pss_when_enabled() {
    let s = signer(Alg::Rsa(2048), &[], false);
    assert_eq!(
        round_trip(&s, &ALL_HASHES).1,
        Scheme::RsaPkcs1(Hash::Sha256)
    );
    let s = KeySigner::new(Arc::clone(&s.key), Vec::new(), Vec::new(), true);
    assert_eq!(round_trip(&s, &ALL_HASHES).1, Scheme::RsaPss(Hash::Sha256));
    // only SHA-512 offered by the peer
    assert_eq!(
        round_trip(&s, &[HashAlgorithm::SHA2_512]).1,
        Scheme::RsaPss(Hash::Sha512)
    );
}

#[test]
fn every_configured_rsa_scheme_round_trips() {
    let key = Arc::new(our_key(&rcgen_key(Alg::Rsa(2048))));
    for hash in [Hash::Sha256, Hash::Sha384, Hash::Sha512] {
        for scheme in [Scheme::RsaPkcs1(hash), Scheme::RsaPss(hash)] {
            let s = KeySigner::new(Arc::clone(&key), Vec::new(), vec![scheme], false);
            assert_eq!(round_trip(&s, &ALL_HASHES).1, scheme);
        }
    }
}

#[test]
fn ed25519_needs_the_identity_hash() {
    let s = signer(Alg::Ed25519, &[], false);
    assert_eq!(round_trip(&s, &ALL_HASHES).1, Scheme::Ed25519);
    assert!(s.choose(&[HashAlgorithm::SHA2_256]).is_err());
    assert!(s.choose(&[]).is_err());
}

#[test]
fn rsa_refuses_to_sign_method_1_with_sha1() {
    let s = signer(Alg::Rsa(2048), &[], false);
    let err = s.choose(&[]).unwrap_err().to_string();
    assert!(err.contains("SHA-1"), "{err}");
    assert!(s.choose(&[HashAlgorithm::SHA1]).is_err());
    assert!(s.sign(AuthMethod::RSA, b"x").is_err());
}

#[test]
fn configured_schemes_for_another_key_type_leave_nothing_to_sign_with() {
    let s = signer(
        Alg::Ecdsa(Curve::P256),
        &[Scheme::RsaPss(Hash::Sha256)],
        false,
    );
    assert!(s.choose(&ALL_HASHES).is_err());
}

#[test]
fn default_schemes_grow_with_the_key_as_charon_orders_them() {
    assert_eq!(
        default_schemes(KeyKind::Rsa(4096), false),
        [Hash::Sha384, Hash::Sha512, Hash::Sha256].map(Scheme::RsaPkcs1)
    );
    assert_eq!(
        default_schemes(KeyKind::Ecdsa(Curve::P384), false),
        [Hash::Sha384, Hash::Sha512].map(Scheme::Ecdsa)
    );
}
