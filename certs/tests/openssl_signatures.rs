//! Signatures made by openssl verify with ours (RSA-PSS, ECDSA in DER and
//! raw form, Ed25519, and SHA-1 RSA for AUTH method 1), and openssl
//! verifies ours.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use certs::load;
use certs::sign::{KeySigner, sign_raw};
use certs::verify::{auth_scheme, verify_signature};
use certs::{Hash, Scheme};
use common::Openssl;
use ike::auth::Signer;
use ike::wire::iana::{AuthMethod, HashAlgorithm};

const DATA: &[u8] = b"IKE_SA_INIT request | Nr | prf(SK_pi, IDi')";

fn setup(o: &Openssl, genpkey: &[&str]) -> certs::PublicKey {
    o.write("data", DATA);
    let mut args = vec!["genpkey"];
    args.extend_from_slice(genpkey);
    args.extend_from_slice(&["-out", "key.pem"]);
    o.run(&args);
    o.run(&["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    load::parse_public_key(&o.read("pub.pem")).unwrap()
}

#[test]
fn openssl_rsa_pss_signatures_verify() {
    let Some(o) = Openssl::new() else { return };
    let key = setup(
        &o,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    );
    for (hash, salt) in [
        (Hash::Sha256, "32"),
        (Hash::Sha384, "48"),
        (Hash::Sha512, "64"),
    ] {
        let md = format!("-{}", hash.name());
        o.run(&[
            "dgst",
            &md,
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            &format!("rsa_pss_saltlen:{salt}"),
            "-sign",
            "key.pem",
            "-out",
            "sig",
            "data",
        ]);
        let sig = o.read("sig");
        verify_signature(&key, Scheme::RsaPss(hash), DATA, &sig).unwrap();
        assert!(verify_signature(&key, Scheme::RsaPss(hash), b"tampered", &sig).is_err());
        assert!(verify_signature(&key, Scheme::RsaPkcs1(hash), DATA, &sig).is_err());
    }
}

#[test]
fn openssl_ecdsa_signatures_verify_in_der_and_as_method_9() {
    let Some(o) = Openssl::new() else { return };
    let key = setup(
        &o,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    o.run(&["dgst", "-sha256", "-sign", "key.pem", "-out", "sig", "data"]);
    let der = o.read("sig");
    verify_signature(&key, Scheme::Ecdsa(Hash::Sha256), DATA, &der).unwrap();
    // the same signature as r | s (RFC 4754) for AUTH method 9
    let raw = der_to_fixed(&der, 32);
    let (scheme, sig) = auth_scheme(AuthMethod::ECDSA_256, &raw).unwrap();
    verify_signature(&key, scheme, DATA, sig).unwrap();
    assert!(verify_signature(&key, scheme, DATA, &der).is_err());
}

#[test]
fn openssl_ed25519_signatures_verify() {
    let Some(o) = Openssl::new() else { return };
    let key = setup(&o, &["-algorithm", "ed25519"]);
    o.run(&[
        "pkeyutl", "-sign", "-rawin", "-inkey", "key.pem", "-in", "data", "-out", "sig",
    ]);
    verify_signature(&key, Scheme::Ed25519, DATA, &o.read("sig")).unwrap();
}

#[test]
fn an_old_peers_sha1_rsa_signature_verifies_as_method_1() {
    let Some(o) = Openssl::new() else { return };
    let key = setup(
        &o,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    );
    o.run(&["dgst", "-sha1", "-sign", "key.pem", "-out", "sig", "data"]);
    let sig = o.read("sig");
    let (scheme, sig) = auth_scheme(AuthMethod::RSA, &sig).unwrap();
    assert_eq!(scheme, Scheme::RsaPkcs1(Hash::Sha1));
    verify_signature(&key, scheme, DATA, sig).unwrap();
}

#[test]
fn openssl_verifies_our_pss_and_ecdsa_signatures() {
    let Some(o) = Openssl::new() else { return };
    setup(
        &o,
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    );
    let ours = load::parse_private_key(&o.read("key.pem"), None).unwrap();
    o.write(
        "sig",
        &sign_raw(&ours, Scheme::RsaPss(Hash::Sha256), DATA).unwrap(),
    );
    assert!(o.succeeds(&[
        "dgst",
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
        "-verify",
        "pub.pem",
        "-signature",
        "sig",
        "data",
    ]));
    setup(
        &o,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    );
    let ours = Arc::new(load::parse_private_key(&o.read("key.pem"), None).unwrap());
    let signer = KeySigner::new(ours, Vec::new(), Vec::new(), false);
    let method = signer.choose(&[HashAlgorithm::SHA2_384]).unwrap();
    let data = signer.sign(method, DATA).unwrap();
    let (_, sig) = auth_scheme(method, &data).unwrap();
    o.write("sig", sig);
    assert!(o.succeeds(&[
        "dgst",
        "-sha384",
        "-verify",
        "pub.pem",
        "-signature",
        "sig",
        "data"
    ]));
}

/// A DER ECDSA-Sig-Value as r | s of `n` octets each.
fn der_to_fixed(der: &[u8], n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = &der[2..];
    for _ in 0..2 {
        let len = usize::from(rest[1]);
        let int = &rest[2..2 + len];
        let int = &int[int.len().saturating_sub(n)..];
        out.extend(std::iter::repeat_n(0, n - int.len()));
        out.extend_from_slice(int);
        rest = &rest[2 + len..];
    }
    out
}
