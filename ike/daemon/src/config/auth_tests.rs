use std::fs;

use ike::config::IkeConfig;
use ike::config::{AuthClass, IdMatch};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PublicKeyData};
use swanctl_parser::config::SwanctlConfig;
use swanctl_parser::settings::Settings;
use tempfile::TempDir;

use super::super::{ConvError, convert};
use super::*;

/// A self-signed ECDSA certificate `C=CH, O=Cygnet Test, CN=<cn>` (UTF8
/// strings, as rcgen writes them): PEM and DER.
fn cert(cn: &str) -> (String, Vec<u8>, KeyPair) {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(vec![cn.to_owned()]).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CH");
    dn.push(DnType::OrganizationName, "Cygnet Test");
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), cert.der().to_vec(), key)
}

/// A swanctl directory with `files` (relative paths) and connection `gw`
/// with these `local` and `remote` sections.
fn lab(files: &[(&str, &[u8])], local: &str, remote: &str) -> (TempDir, String) {
    let dir = TempDir::new().unwrap();
    for (name, data) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
    let text = format!(
        "connections {{\n  gw {{\n    local {{\n{local}\n    }}\n    remote {{\n{remote}\n    }}\n  }}\n}}\n"
    );
    (dir, text)
}

fn load(dir: &TempDir, text: &str) -> Result<IkeConfig, Vec<ConvError>> {
    let settings = Settings::parse_str(text, "swanctl.conf").unwrap();
    let (config, errors) = SwanctlConfig::from_settings(&settings);
    assert!(errors.is_empty(), "{errors:?}");
    convert(&config.connections, dir.path()).map(|mut l| {
        let c = l.configs.remove(0);
        Arc::try_unwrap(c).unwrap()
    })
}

fn dn_id(der: &[u8]) -> Identification {
    Certificate::from_der(der).unwrap().subject_id()
}

#[test]
fn a_local_round_without_id_sends_the_subject_of_its_certificate() {
    let (moon, moon_der, _) = cert("moon.test");
    let (root, root_der, _) = cert("Root");
    let (dir, text) = lab(
        &[("x509/moon.pem", moon.as_bytes())],
        "auth = pubkey\ncerts = moon.pem",
        "",
    );
    let root_path = dir.path().join("elsewhere-root.pem");
    fs::write(&root_path, &root).unwrap();
    let text = text.replace(
        "remote {\n",
        &format!(
            "remote {{\nauth = ecdsa-256\nrevocation = strict\ncacerts = {}\n",
            root_path.display()
        ),
    );
    let c = load(&dir, &text).unwrap();
    assert_eq!(c.local.id, Some(dn_id(&moon_der)));
    assert_eq!(c.local.certs, [moon_der]);
    assert_eq!(
        (c.local.class, c.local.auth.as_str()),
        (AuthClass::PubKey, "pubkey")
    );
    assert_eq!(c.remote.cacerts, [root_der]);
    assert_eq!(
        (c.remote.class, c.remote.auth.as_str()),
        (AuthClass::PubKey, "ecdsa-256")
    );
    assert_eq!(c.remote.revocation, Revocation::Strict);
    assert_eq!(c.remote.id, IdMatch::Any);
}

#[test]
fn dn_remote_ids_match_subjects_in_other_string_types_and_with_wildcards() {
    let (_, sun_der, _) = cert("sun.test");
    let sun = dn_id(&sun_der);
    let (dir, text) = lab(
        &[],
        "auth = psk",
        "id = \"C=CH, O=Cygnet Test, CN=sun.test\"",
    );
    let exact = load(&dir, &text).unwrap().remote.id;
    assert!(exact.matches(&sun), "{exact:?}");
    assert!(exact.is_exact());
    let (dir, text) = lab(&[], "auth = psk", "id = \"C=CH, O=Cygnet Test, CN=*\"");
    let wild = load(&dir, &text).unwrap().remote.id;
    assert!(wild.matches(&sun) && !wild.is_exact(), "{wild:?}");
    assert!(!wild.matches(&Identification::fqdn("sun.test")));
    let (dir, text) = lab(&[], "auth = psk", "id = \"C=CH, O=Other, CN=*\"");
    assert!(!load(&dir, &text).unwrap().remote.id.matches(&sun));
}

#[test]
fn a_pinned_certificate_or_raw_key_without_id_becomes_the_remote_id() {
    let (sun, sun_der, sun_key) = cert("sun.test");
    let (dir, text) = lab(
        &[("x509/sun.pem", sun.as_bytes())],
        "auth = psk",
        "auth = pubkey\ncerts = sun.pem",
    );
    let c = load(&dir, &text).unwrap();
    assert_eq!(c.remote.certs, std::slice::from_ref(&sun_der));
    assert!(c.remote.id.matches(&dn_id(&sun_der)) && c.remote.id.is_exact());
    let spki = sun_key.subject_public_key_info();
    let pem = certs::load::parse_public_key(&spki).unwrap();
    let (dir, text) = lab(
        &[("pubkey/sun.der", &spki)],
        "auth = psk",
        "pubkeys = sun.der",
    );
    let c = load(&dir, &text).unwrap();
    assert_eq!(c.remote.pubkeys, [pem.to_spki()]);
    let key_id = Identification {
        ty: IdType::KEY_ID,
        data: pem.spki_sha1().to_vec(),
    };
    assert_eq!(c.remote.id, IdMatch::Exact(key_id));
}

#[test]
fn inline_certificates_load_and_unusable_ones_are_errors_at_the_round() {
    let (_, der, _) = cert("moon.test");
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    let (dir, text) = lab(&[], &format!("certs = 0x{hex}"), "");
    assert_eq!(load(&dir, &text).unwrap().local.certs, [der]);
    let (dir, text) = lab(
        &[("x509ca/junk.pem", b"-----BEGIN CERTIFICATE-----\nnope\n")],
        "certs = missing.pem",
        "cacerts = junk.pem\npubkeys = 0x0102",
    );
    let shown: Vec<String> = load(&dir, &text)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    let x509 = dir.path().join("x509/missing.pem");
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(
        shown[0].starts_with(&format!(
            "swanctl.conf:3:5: gw: local: certs: '{}': ",
            x509.display()
        )),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("swanctl.conf:6:5: gw: remote: cacerts: '"),
        "{shown:?}"
    );
    assert!(shown[1].contains("x509ca/junk.pem': "), "{shown:?}");
    assert!(
        shown[2].starts_with("swanctl.conf:6:5: gw: remote: pubkeys: inline data: "),
        "{shown:?}"
    );
}

#[test]
fn the_swanctl_directory_is_the_folder_of_swanctl_conf() {
    assert_eq!(
        swanctl_dir(Path::new("/etc/swanctl/swanctl.conf")),
        Path::new("/etc/swanctl")
    );
    assert_eq!(swanctl_dir(Path::new("swanctl.conf")), Path::new("."));
}
