use std::net::Ipv4Addr;

use rcgen::{DnType, SanType};

use super::*;
use crate::asn1;
use crate::testpki::{Issued, Spec};

const PRINTABLE_STRING: u8 = 0x13;
const SET: u8 = 0x31;

fn moon() -> Certificate {
    let mut spec = Spec::leaf("moon.strongswan.org");
    spec.sans.push(SanType::Rfc822Name(
        "moon@strongswan.org".try_into().unwrap(),
    ));
    spec.sans.push(SanType::IpAddress([192, 0, 2, 1].into()));
    Issued::self_signed(&spec).cert()
}

fn dn_id(cert: &Certificate) -> Identification {
    cert.subject_id()
}

#[test]
fn fqdn_email_and_ip_identities_match_subject_alt_names_case_insensitively() {
    let cert = moon();
    assert!(cert_has_id(
        &cert,
        &Identification::fqdn("MOON.strongswan.org")
    ));
    assert!(cert_has_id(
        &cert,
        &Identification::rfc822("moon@StrongSwan.org")
    ));
    assert!(cert_has_id(
        &cert,
        &Identification::ipv4(Ipv4Addr::new(192, 0, 2, 1))
    ));
    assert!(!cert_has_id(
        &cert,
        &Identification::fqdn("sun.strongswan.org")
    ));
    assert!(!cert_has_id(
        &cert,
        &Identification::ipv4(Ipv4Addr::new(192, 0, 2, 2))
    ));
}

#[test]
fn the_common_name_is_not_an_fqdn_identity() {
    let mut spec = Spec::leaf("moon.strongswan.org");
    spec.sans.clear();
    let cert = Issued::self_signed(&spec).cert();
    assert!(!cert_has_id(
        &cert,
        &Identification::fqdn("moon.strongswan.org")
    ));
    assert!(cert_has_id(&cert, &dn_id(&cert)));
}

#[test]
fn a_dn_identity_matches_the_subject() {
    let cert = moon();
    assert!(cert_has_id(&cert, &dn_id(&cert)));
    let other = Issued::self_signed(&Spec::leaf("sun.strongswan.org")).cert();
    assert!(!cert_has_id(&cert, &dn_id(&other)));
    assert_eq!(
        cert.subject_text(),
        "C=CH, O=strongSwan, CN=moon.strongswan.org"
    );
}

#[test]
fn key_ids_name_the_key_or_the_certificate() {
    let cert = moon();
    let key_id = |data: Vec<u8>| Identification {
        ty: IdType::KEY_ID,
        data,
    };
    assert!(cert_has_id(
        &cert,
        &key_id(cert.public_key().spki_sha1().to_vec())
    ));
    assert!(cert_has_id(&cert, &key_id(sha1(cert.der()).to_vec())));
    assert!(!cert_has_id(&cert, &key_id(vec![0; 20])));
}

/// A DER Name from (OID last arc of 2.5.4.x, tag, value).
fn name(parts: &[(u8, u8, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = parts
        .iter()
        .map(|&(arc, tag, v)| {
            let oid = asn1::wrap(asn1::OID, &[&[0x55, 0x04, arc]]);
            let atv = asn1::wrap(asn1::SEQUENCE, &[&oid, &asn1::wrap(tag, &[v.as_bytes()])]);
            asn1::wrap(SET, &[&atv])
        })
        .collect();
    let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
    asn1::wrap(asn1::SEQUENCE, &refs)
}

const UTF8: u8 = 0x0c;

#[test]
fn dn_patterns_match_wildcard_values_in_the_same_order() {
    let pattern = DnPattern::new(name(&[(6, PRINTABLE_STRING, "CH"), (3, UTF8, "*")])).unwrap();
    assert!(pattern.has_wildcards());
    let id = |dn| Identification {
        ty: IdType::DER_ASN1_DN,
        data: dn,
    };
    assert!(pattern.matches(&id(name(&[(6, PRINTABLE_STRING, "CH"), (3, UTF8, "moon")]))));
    assert!(!pattern.matches(&id(name(&[(6, PRINTABLE_STRING, "DE"), (3, UTF8, "moon")]))));
    assert!(!pattern.matches(&id(name(&[(3, UTF8, "moon"), (6, PRINTABLE_STRING, "CH")]))));
    assert!(!pattern.matches(&id(name(&[(6, PRINTABLE_STRING, "CH")]))));
    assert!(!pattern.matches(&Identification::fqdn("*")));
    // the peer's own `*` is literal: no wildcard matching against certificates
    let literal = id(name(&[(6, PRINTABLE_STRING, "CH"), (3, UTF8, "*")]));
    let cert = Issued::self_signed(&Spec {
        dn: vec![
            (DnType::CountryName, "CH".into()),
            (DnType::CommonName, "moon".into()),
        ],
        ..Spec::leaf("moon")
    })
    .cert();
    assert!(!cert_has_id(&cert, &literal));
}

#[test]
fn a_pattern_without_wildcards_is_an_exact_id_for_the_core() {
    let dn = name(&[(6, PRINTABLE_STRING, "CH"), (3, UTF8, "sun")]);
    let pattern = DnPattern::new(dn.clone()).unwrap();
    let id_match =
        ike::config::IdMatch::Pattern(ike::config::Pattern(std::sync::Arc::new(pattern)));
    assert_eq!(id_match.exact().map(|id| id.data.clone()), Some(dn));
    assert!(DnPattern::new(vec![0x30, 0x03, 0x31]).is_none());
}
