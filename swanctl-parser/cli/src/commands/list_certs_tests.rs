//! The certificate printer on certificates made with the `openssl`
//! command (skipped where it is missing): an RSA CA with a path length,
//! an ECDSA end entity with subjectAltNames, CRL and OCSP URIs signed by
//! it, and a self-signed Ed25519 certificate, also printed as expired.

use std::path::Path;
use std::process::Command;

use super::*;

fn openssl(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

struct Made {
    ca: Vec<u8>,
    ee: Vec<u8>,
    ed: Vec<u8>,
    /// openssl's subjectKeyIdentifier of the end entity, as `%#B`.
    ee_ski: String,
}

fn der(dir: &Path, pem: &str) -> Option<Vec<u8>> {
    let out = format!("{pem}.der");
    openssl(dir, &["x509", "-in", pem, "-outform", "DER", "-out", &out])?;
    std::fs::read(dir.join(out)).ok()
}

fn make() -> Option<Made> {
    let tmp = tempfile::tempdir().ok()?;
    let dir = tmp.path();
    let ca = [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "3650",
        "-subj",
        "/C=CH/O=Test/CN=Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:1",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ];
    openssl(dir, &ca)?;
    let csr = [
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ee.key",
        "-subj",
        "/C=CH/O=Test/CN=moon.test",
        "-out",
        "ee.csr",
    ];
    openssl(dir, &csr)?;
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:moon.test,IP:192.0.2.1,email:moon@test\n\
         extendedKeyUsage=serverAuth\n\
         crlDistributionPoints=URI:http://crl.test/ca.crl\n\
         authorityInfoAccess=OCSP;URI:http://ocsp.test\n\
         subjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid\n",
    )
    .ok()?;
    let sign = [
        "x509",
        "-req",
        "-in",
        "ee.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "0x00a0b1",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
        "-out",
        "ee.pem",
    ];
    openssl(dir, &sign)?;
    let ed = [
        "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", "ed.key", "-out", "ed.pem",
        "-days", "1", "-subj", "/CN=ed",
    ];
    openssl(dir, &ed)?;
    let ski = openssl(
        dir,
        &[
            "x509",
            "-in",
            "ee.pem",
            "-noout",
            "-ext",
            "subjectKeyIdentifier",
        ],
    )?;
    Some(Made {
        ca: der(dir, "ca.pem")?,
        ee: der(dir, "ee.pem")?,
        ed: der(dir, "ed.pem")?,
        ee_ski: ski.lines().nth(1)?.trim().to_ascii_lowercase(),
    })
}

fn event(ty: &str, flag: Option<&str>, data: &[u8]) -> Message {
    let mut msg = Message::new().with_value("type", ty);
    if let Some(flag) = flag {
        msg.push_value("flag", flag);
    }
    msg.with_value("data", data.to_vec())
}

fn now() -> i64 {
    super::now()
}

#[test]
fn prints_openssl_made_certificates_like_strongswan() {
    let Some(made) = make() else {
        println!("skipping: no working openssl command");
        return;
    };
    let mut printer = Printer::new(true, true);
    let ca = cert_text(
        &mut printer,
        &event("X509", Some("CA"), &made.ca),
        false,
        now(),
    );
    assert!(
        ca.starts_with("\nList of X.509 CA Certificates\n\n"),
        "{ca}"
    );
    for line in [
        "  subject:  \"C=CH, O=Test, CN=Test CA\"\n",
        "  issuer:   \"C=CH, O=Test, CN=Test CA\"\n",
        "  flags:     CA CRLSign self-signed \n",
        "  pathlen:   1\n",
        "  pubkey:    RSA 2048 bits\n",
    ] {
        assert!(ca.contains(line), "{line:?} missing in:\n{ca}");
    }
    assert!(ca.contains(", ok (expires in 3649 days)\n") || ca.contains("(expires in 3650 days)"));

    let msg = event("X509", Some("NONE"), &made.ee).with_value("has_privkey", "yes");
    let ee = cert_text(&mut printer, &msg, false, now());
    assert!(
        ee.starts_with("\nList of X.509 End Entity Certificates\n\n"),
        "{ee}"
    );
    for line in [
        "  subject:  \"C=CH, O=Test, CN=moon.test\"\n",
        "  issuer:   \"C=CH, O=Test, CN=Test CA\"\n",
        "  serial:    a0:b1\n",
        "  altNames:  moon.test, 192.0.2.1, moon@test\n",
        "  flags:     serverAuth \n",
        "  CRL URIs:  http://crl.test/ca.crl\n",
        "  OCSP URIs: http://ocsp.test\n",
        "  pubkey:    ECDSA 256 bits, has private key\n",
        &format!("  subjkeyId: {}\n", made.ee_ski),
        &format!("  subjkey:   {}\n", made.ee_ski),
    ] {
        assert!(ee.contains(line), "{line:?} missing in:\n{ee}");
    }
    assert!(!ee.contains("pathlen"));

    // a second end entity: no caption, an empty line only
    let ed = cert_text(
        &mut printer,
        &event("X509", Some("NONE"), &made.ed),
        false,
        now(),
    );
    assert!(ed.starts_with("\n  subject:  \"CN=ed\"\n"), "{ed}");
    assert!(ed.contains("  pubkey:    ED25519 256 bits\n"), "{ed}");
    assert!(ed.contains("  flags:     CA self-signed \n"), "{ed}");
    assert!(ed.contains(", ok (expires in "), "{ed}");

    // the same, eleven days on
    let later = cert_text(
        &mut printer,
        &event("X509", Some("NONE"), &made.ed),
        false,
        now() + 11 * 86400,
    );
    assert!(later.contains(", expired (10 days ago)\n"), "{later}");

    // --short leaves out flags, URIs and constraints
    let mut short = Printer::new(false, true);
    let ee = cert_text(
        &mut short,
        &event("X509", Some("NONE"), &made.ee),
        false,
        now(),
    );
    assert!(!ee.contains("flags:") && !ee.contains("CRL URIs"), "{ee}");
    assert!(
        ee.contains("  altNames:  moon.test, 192.0.2.1, moon@test\n"),
        "{ee}"
    );
}

#[test]
fn prints_pem_and_refuses_what_it_cannot_print() {
    let Some(made) = make() else {
        println!("skipping: no working openssl command");
        return;
    };
    let mut printer = Printer::new(true, false);
    let pem = cert_text(
        &mut printer,
        &event("X509", Some("CA"), &made.ca),
        true,
        now(),
    );
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"));
    assert!(pem.lines().skip(1).all(|l| l.len() <= 64));
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(crate::text::from_base64(body.as_bytes()), made.ca);
    // unknown types and flags, missing data, garbage: nothing printed
    for msg in [
        event("FOO", None, &made.ca),
        event("X509", Some("ANY"), &made.ca),
        Message::new().with_value("type", "X509"),
        event("X509", Some("NONE"), b"\x30\x03\x02\x01\x00"),
        event("OCSP_RESPONSE", None, &made.ca),
    ] {
        assert_eq!(cert_text(&mut printer, &msg, false, now()), "");
    }
}

#[test]
fn raw_public_keys_show_a_subject_unless_it_is_a_key_id() {
    assert_eq!(printed_subject("moon.test").as_deref(), Some("moon.test"));
    assert_eq!(printed_subject("@moon.test").as_deref(), Some("moon.test"));
    assert_eq!(printed_subject("C=CH, CN=x").as_deref(), Some("C=CH, CN=x"));
    assert_eq!(printed_subject("fd00::1").as_deref(), Some("fd00::1"));
    assert_eq!(printed_subject(""), Some("%any".to_owned()));
    assert_eq!(printed_subject("aa:bb:cc"), None);
    assert_eq!(printed_subject("@#aabb"), None);
}
