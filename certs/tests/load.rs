//! Loading every key format (openssl makes them at test time), certificates
//! in PEM and DER, VICI blobs and swanctl directories with per-file errors.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use certs::load::{self, Loaded};
use certs::{CredentialStore, Curve, FileErrorKind, KeyKind, ParseError};
use common::{Openssl, write};
use zeroize::Zeroizing;

fn kind(data: &[u8], passphrase: Option<&str>) -> KeyKind {
    load::parse_private_key(data, passphrase)
        .unwrap()
        .public_key()
        .kind()
}

#[test]
fn plain_keys_load_in_every_format_openssl_writes() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "rsa8.pem",
    ]);
    o.run(&["rsa", "-in", "rsa8.pem", "-traditional", "-out", "rsa1.pem"]);
    o.run(&[
        "rsa",
        "-in",
        "rsa8.pem",
        "-traditional",
        "-outform",
        "DER",
        "-out",
        "rsa1.der",
    ]);
    o.run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "rsa8.pem", "-outform", "DER", "-out", "rsa8.der",
    ]);
    o.run(&[
        "ecparam",
        "-genkey",
        "-name",
        "secp384r1",
        "-noout",
        "-out",
        "sec1.pem",
    ]);
    o.run(&[
        "ec", "-in", "sec1.pem", "-outform", "DER", "-out", "sec1.der",
    ]);
    o.run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", "sec1.pem", "-out", "ec8.pem",
    ]);
    o.run(&["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"]);
    for name in ["rsa8.pem", "rsa1.pem", "rsa1.der", "rsa8.der"] {
        assert_eq!(kind(&o.read(name), None), KeyKind::Rsa(2048), "{name}");
    }
    for name in ["sec1.pem", "sec1.der", "ec8.pem"] {
        assert_eq!(
            kind(&o.read(name), None),
            KeyKind::Ecdsa(Curve::P384),
            "{name}"
        );
    }
    assert_eq!(kind(&o.read("ed.pem"), None), KeyKind::Ed25519);
}

#[test]
fn encrypted_pkcs8_needs_the_right_passphrase() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "ecparam",
        "-genkey",
        "-name",
        "prime256v1",
        "-noout",
        "-out",
        "ec.pem",
    ]);
    o.run(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        "ec.pem",
        "-passout",
        "pass:s3cret",
        "-out",
        "enc.pem",
    ]);
    o.run(&[
        "pkcs8",
        "-topk8",
        "-scrypt",
        "-in",
        "ec.pem",
        "-passout",
        "pass:s3cret",
        "-outform",
        "DER",
        "-out",
        "enc.der",
    ]);
    for name in ["enc.pem", "enc.der"] {
        let data = o.read(name);
        assert_eq!(
            kind(&data, Some("s3cret")),
            KeyKind::Ecdsa(Curve::P256),
            "{name}"
        );
        let missing = load::parse_private_key(&data, None).unwrap_err();
        assert_eq!(missing, ParseError::PassphraseRequired);
        let wrong = load::parse_private_key(&data, Some("wrong")).unwrap_err();
        assert_eq!(wrong, ParseError::WrongPassphrase, "{name}");
    }
}

#[test]
fn legacy_pem_encryption_is_refused_with_a_hint() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "k.pem",
    ]);
    o.run(&[
        "rsa",
        "-in",
        "k.pem",
        "-traditional",
        "-aes128",
        "-passout",
        "pass:x",
        "-out",
        "old.pem",
    ]);
    let err = load::parse_private_key(&o.read("old.pem"), Some("x")).unwrap_err();
    assert!(matches!(err, ParseError::Encryption(_)), "{err:?}");
}

fn self_signed(o: &Openssl, key: &str, cert: &str) {
    o.run(&[
        "req",
        "-x509",
        "-new",
        "-key",
        key,
        "-subj",
        "/C=CH/O=strongSwan/CN=moon",
        "-days",
        "30",
        "-out",
        cert,
    ]);
}

#[test]
fn pkcs12_containers_open_with_their_passphrase() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "ecparam",
        "-genkey",
        "-name",
        "prime256v1",
        "-noout",
        "-out",
        "k.pem",
    ]);
    self_signed(&o, "k.pem", "c.pem");
    let export = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-passout", "pass:p12", "-out",
            out,
        ];
        args.extend_from_slice(extra);
        o.run(&args);
    };
    export("modern.p12", &[]);
    export(
        "3des.p12",
        &[
            "-certpbe",
            "PBE-SHA1-3DES",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ],
    );
    for name in ["modern.p12", "3des.p12"] {
        let p12 = load::parse_pkcs12(&o.read(name), Some("p12")).unwrap();
        assert_eq!(p12.keys.len(), 1, "{name}");
        assert_eq!(p12.certs.len(), 1, "{name}");
        assert_eq!(p12.keys[0].public_key(), p12.certs[0].public_key());
        let wrong = load::parse_pkcs12(&o.read(name), Some("nope")).unwrap_err();
        assert_eq!(wrong, ParseError::WrongPassphrase, "{name}");
    }
}

#[test]
fn certificates_and_public_keys_load_from_pem_and_der() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "k.pem",
    ]);
    self_signed(&o, "k.pem", "c.pem");
    o.run(&["x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der"]);
    o.run(&["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"]);
    o.run(&[
        "pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
    ]);
    o.run(&[
        "rsa",
        "-in",
        "k.pem",
        "-RSAPublicKey_out",
        "-out",
        "rsapub.pem",
    ]);
    let pem = load::parse_certificates(&o.read("c.pem")).unwrap();
    let der = load::parse_certificates(&o.read("c.der")).unwrap();
    assert_eq!(pem, der);
    let bundle = [o.read("c.pem"), o.read("c.pem")].concat();
    assert_eq!(load::parse_certificates(&bundle).unwrap().len(), 2);
    for name in ["pub.pem", "pub.der", "rsapub.pem"] {
        let key = load::parse_public_key(&o.read(name)).unwrap();
        assert_eq!(&key, pem[0].public_key(), "{name}");
    }
    assert!(pem[0].is_self_signed());
}

#[test]
fn garbage_and_oversized_blobs_are_typed_errors() {
    assert_eq!(
        load::parse_certificates(b"-----BEGIN NOTHING-----\n-----END NOTHING-----\n"),
        Err(ParseError::NotFound("certificate"))
    );
    assert!(matches!(
        load::parse_certificates(b"\x30\x03\x02\x01\x00"),
        Err(ParseError::Certificate(_))
    ));
    assert!(load::parse_private_key(b"junk", None).is_err());
    let huge = vec![0u8; load::MAX_BLOB + 1];
    assert_eq!(
        load::parse_crls(&huge).unwrap_err(),
        ParseError::TooLarge {
            max: load::MAX_BLOB
        }
    );
    assert_eq!(
        load::parse_vici("x509foo", b"").unwrap_err(),
        ParseError::UnknownType("x509foo".into())
    );
}

#[test]
fn vici_key_types_must_match_the_key() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "ecparam",
        "-genkey",
        "-name",
        "prime256v1",
        "-noout",
        "-out",
        "ec.pem",
    ]);
    let ec = o.read("ec.pem");
    assert!(matches!(
        load::parse_vici("ecdsa", &ec),
        Ok(Loaded::PrivateKey(_))
    ));
    assert!(matches!(
        load::parse_vici("any", &ec),
        Ok(Loaded::PrivateKey(_))
    ));
    assert!(matches!(
        load::parse_vici("rsa", &ec),
        Err(ParseError::Key(_))
    ));
}

#[test]
fn a_bad_file_is_reported_by_name_and_the_others_still_load() {
    let Some(o) = Openssl::new() else { return };
    o.run(&[
        "ecparam",
        "-genkey",
        "-name",
        "prime256v1",
        "-noout",
        "-out",
        "k.pem",
    ]);
    self_signed(&o, "k.pem", "c.pem");
    o.run(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        "k.pem",
        "-passout",
        "pass:pw",
        "-out",
        "enc.pem",
    ]);
    o.run(&[
        "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-passout", "pass:pw", "-out",
        "k.p12",
    ]);
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    write(b, "x509/moon.pem", &o.read("c.pem"));
    write(
        b,
        "x509/broken.pem",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    write(b, "x509ca/ca.der", &[0x30, 0x00]);
    write(b, "ecdsa/moon.pem", &o.read("k.pem"));
    write(b, "rsa/not-rsa.pem", &o.read("k.pem"));
    write(b, "pkcs8/enc.pem", &o.read("enc.pem"));
    write(b, "private/locked.pem", &o.read("enc.pem"));
    write(b, "pkcs12/moon.p12", &o.read("k.p12"));
    let passphrases =
        |p: &Path| (p.file_name()? != "locked.pem").then(|| Zeroizing::new("pw".to_owned()));
    let mut store = CredentialStore::new();
    let report = store.load_dir(b, &passphrases);
    let failed: Vec<String> = report
        .errors
        .iter()
        .map(|e| e.path.strip_prefix(b).unwrap().display().to_string())
        .collect();
    assert_eq!(
        failed,
        [
            "x509ca/ca.der",
            "x509/broken.pem",
            "private/locked.pem",
            "rsa/not-rsa.pem"
        ]
    );
    let locked = &report.errors[2];
    assert_eq!(
        locked.kind,
        FileErrorKind::Parse(ParseError::PassphraseRequired)
    );
    assert!(
        locked
            .to_string()
            .ends_with("private/locked.pem: encrypted, but no passphrase given")
    );
    assert_eq!(report.loaded.len(), 4, "{:?}", report.loaded);
}
