use std::fs;

use certs::Certificate;
use ike::auth::Credentials;
use ike::config::{AuthClass, LocalAuth, RemoteAuth};
use ike::wire::Identification;
use ike::wire::iana::{AuthMethod, HashAlgorithm};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, PublicKeyData,
};
use swanctl_parser::settings::Settings;
use tempfile::TempDir;

use super::*;

fn config(text: &str) -> sw::SwanctlConfig {
    let settings = Settings::parse_str(text, "swanctl.conf").unwrap();
    let (config, errors) = sw::SwanctlConfig::from_settings(&settings);
    assert!(errors.is_empty(), "{errors:?}");
    config
}

/// A self-signed ECDSA certificate `C=CH, O=Cygnet Test, CN=<cn>` and
/// its key, both PEM.
fn cert(cn: &str, ca: bool) -> (String, String) {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(vec![cn.to_owned()]).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CH");
    dn.push(DnType::OrganizationName, "Cygnet Test");
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

fn subject(pem: &str) -> Identification {
    let der = certs::load::parse_certificates(pem.as_bytes()).unwrap();
    Certificate::subject_id(&der[0])
}

fn lookup(store: &CredentialStore, me: &Identification, peer: &Identification) -> Option<String> {
    store
        .shared_key(me, Some(peer))
        .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
}

#[test]
fn ike_secrets_match_their_owners_as_charon_ranks_them() {
    let text = r#"secrets {
  ike-any { secret = any-key }
  ike-lab { id-a = a.lab.test
            id-b = *.peers.test
            secret = lab-key }
  ike-dn { id = "C=CH, O=Cygnet Test, CN=*"
           secret = dn-key }
  eap-carol { id = carol
              secret = eap-key }
}
"#;
    let dir = TempDir::new().unwrap();
    let store = load(dir.path(), &config(text), false).unwrap().store;
    let fqdn = Identification::fqdn;
    let me = fqdn("A.Lab.Test");
    assert_eq!(
        lookup(&store, &me, &fqdn("c.peers.test")).as_deref(),
        Some("lab-key")
    );
    assert_eq!(
        lookup(&store, &fqdn("x.test"), &fqdn("carol")).as_deref(),
        Some("any-key")
    );
    let (sun, _) = cert("sun.test", false);
    assert_eq!(
        lookup(&store, &fqdn("x.test"), &subject(&sun)).as_deref(),
        Some("dn-key")
    );
    assert!(!format!("{store:?}").contains("lab-key"), "{store:?}");
}

#[test]
fn key_passphrases_come_from_the_secrets_section_of_the_keys_folder() {
    let text = r#"secrets {
  private-moon { file = Moon.KEY
                 secret = "pw moon" }
  rsa-sun { file = sun.key
            secret = pw-sun }
}
"#;
    let secrets = config(text).secrets;
    let pass = |path: &str| passphrase(&secrets, Path::new(path)).map(|p| p.as_str().to_owned());
    assert_eq!(
        pass("/etc/swanctl/private/moon.key").as_deref(),
        Some("pw moon")
    );
    assert_eq!(pass("/etc/swanctl/rsa/sun.key").as_deref(), Some("pw-sun"));
    assert_eq!(pass("/etc/swanctl/ecdsa/sun.key"), None);
    assert_eq!(pass("/etc/swanctl/private/sun.key"), None);
}

#[test]
fn bad_credential_files_are_reported_and_the_others_load() {
    let dir = TempDir::new().unwrap();
    let (moon, moon_key) = cert("moon.test", false);
    for (name, data) in [
        ("x509/moon.pem", moon.as_str()),
        (
            "x509/broken.pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ),
        ("private/moon.key", moon_key.as_str()),
    ] {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
    let loaded = load(dir.path(), &config(""), false).unwrap();
    let bad: Vec<String> = loaded.bad_files.iter().map(ToString::to_string).collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    let broken = dir.path().join("x509/broken.pem");
    assert!(
        bad[0].starts_with(&format!("{}: ", broken.display())),
        "{bad:?}"
    );
    let round = LocalAuth {
        class: AuthClass::PubKey,
        ..LocalAuth::default()
    };
    assert!(loaded.store.signer(&subject(&moon), &round).is_some());
}

#[test]
fn authorities_become_trust_anchors_and_unreadable_ones_are_errors() {
    let dir = TempDir::new().unwrap();
    let (ca, _) = cert("Cygnet Test CA", true);
    fs::create_dir_all(dir.path().join("x509ca")).unwrap();
    fs::write(dir.path().join("x509ca/ca.pem"), &ca).unwrap();
    let text = "authorities {\n  ca {\n    cacert = ca.pem\n  }\n}\n";
    let store = load(dir.path(), &config(text), false).unwrap().store;
    assert_eq!(store.ca_key_hashes(&RemoteAuth::default()).len(), 1);
    let text = "authorities {\n  gone {\n    cacert = gone.pem\n  }\n}\n";
    let errors = load(dir.path(), &config(text), false).err().unwrap();
    let gone = dir.path().join("x509ca/gone.pem");
    assert!(
        errors[0].to_string().starts_with(&format!(
            "swanctl.conf:2:3: authority gone: '{}': ",
            gone.display()
        )),
        "{errors:?}"
    );
}

#[test]
fn charons_rsa_pss_setting_makes_rsa_keys_sign_with_rsassa_pss() {
    const PSS_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    let dir = TempDir::new().unwrap();
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    fs::create_dir_all(dir.path().join("rsa")).unwrap();
    fs::write(dir.path().join("rsa/gw.key"), key.serialize_pem()).unwrap();
    let round = LocalAuth {
        class: AuthClass::PubKey,
        pubkeys: vec![key.subject_public_key_info()],
        ..LocalAuth::default()
    };
    let me = Identification::fqdn("gw.test");
    let sha256 = [HashAlgorithm::SHA2_256];
    for rsa_pss in [false, true] {
        let store = load(dir.path(), &config(""), rsa_pss).unwrap().store;
        let signer = store.signer(&me, &round).unwrap();
        let method = signer.choose(&sha256).unwrap();
        assert_eq!(method, AuthMethod::DIGITAL_SIGNATURE);
        let data = signer.sign(method, b"octets").unwrap();
        let pss = data[..24].windows(PSS_OID.len()).any(|w| w == PSS_OID);
        assert_eq!(pss, rsa_pss);
    }
}
