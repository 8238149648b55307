//! Every trust rule and failure, through `CredentialStore::check_peer`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ike::auth::{Credentials, Signer, VerifyRequest};
use ike::config::{RemoteAuth, Revocation};
use ike::wire::iana::HashAlgorithm;
use ike::wire::{Certificate as CertPayload, Identification};
use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};

use crate::error::VerifyError;
use crate::sign::KeySigner;
use crate::testpki::{Alg, Issued, Spec, now};
use crate::{CredentialStore, Curve, Verified};

const OCTETS: &[u8] = b"IKE_SA_INIT | Nr | prf(SK_pi, IDi')";
const HASHES: [HashAlgorithm; 4] = [
    HashAlgorithm::SHA2_256,
    HashAlgorithm::SHA2_384,
    HashAlgorithm::SHA2_512,
    HashAlgorithm::IDENTITY,
];

fn store_at(time: SystemTime, cas: &[&Issued]) -> CredentialStore {
    let mut store = CredentialStore::new().with_clock(Arc::new(move || time));
    for ca in cas {
        store.add_authority(ca.cert());
    }
    store
}

fn moon_id() -> Identification {
    Identification::fqdn("moon.strongswan.org")
}

/// The peer `leaf` signs OCTETS and sends `chain`; we check as `round`.
fn check(
    store: &CredentialStore,
    leaf: &Issued,
    chain: &[&Issued],
    round: &RemoteAuth,
) -> Result<Verified, VerifyError> {
    check_signed(store, leaf, chain, round, OCTETS)
}

fn check_signed(
    store: &CredentialStore,
    leaf: &Issued,
    chain: &[&Issued],
    round: &RemoteAuth,
    signed: &[u8],
) -> Result<Verified, VerifyError> {
    let signer = KeySigner::new(Arc::new(leaf.private_key()), Vec::new(), Vec::new(), false);
    let method = signer.choose(&HASHES).unwrap();
    let data = signer.sign(method, signed).unwrap();
    let certs: Vec<CertPayload> = chain
        .iter()
        .map(|c| CertPayload {
            encoding: ike::wire::iana::CertEncoding::X509_SIGNATURE,
            data: c.der.clone(),
        })
        .collect();
    store.check_peer(&VerifyRequest {
        id: &moon_id(),
        certificates: &certs,
        method,
        data: &data,
        octets: OCTETS,
        round,
    })
}

fn ca() -> Issued {
    Issued::self_signed(&Spec::ca("strongSwan Root CA"))
}

fn moon(ca: &Issued) -> Issued {
    ca.issue(&Spec::leaf("moon.strongswan.org"))
}

#[test]
fn a_ca_signed_peer_with_its_id_in_the_certificate_is_accepted() {
    let ca = ca();
    let leaf = moon(&ca);
    let v = check(
        &store_at(now(), &[&ca]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
    )
    .unwrap();
    assert_eq!(v.subject, "C=CH, O=strongSwan, CN=moon.strongswan.org");
}

#[test]
fn an_expired_or_not_yet_valid_certificate_is_refused() {
    let ca = ca();
    let leaf = moon(&ca);
    let later = now() + Duration::from_secs(20 * 365 * 86400);
    let err = check(
        &store_at(later, &[&ca]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
    );
    assert!(matches!(err, Err(VerifyError::Expired(_))), "{err:?}");
    let earlier = now() - Duration::from_secs(10 * 365 * 86400);
    let err = check(
        &store_at(earlier, &[&ca]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
    );
    assert!(matches!(err, Err(VerifyError::NotYetValid(_))), "{err:?}");
}

#[test]
fn an_expired_root_ca_is_refused() {
    let mut spec = Spec::ca("old root");
    spec.years = (2010, 2024);
    let ca = Issued::self_signed(&spec);
    let mut leaf_spec = Spec::leaf("moon.strongswan.org");
    leaf_spec.years = (2020, 2023);
    let leaf = ca.issue(&leaf_spec);
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_640_995_200); // 2022
    assert!(
        check(
            &store_at(at, &[&ca]),
            &leaf,
            &[&leaf],
            &RemoteAuth::default()
        )
        .is_ok()
    );
    let after = SystemTime::UNIX_EPOCH + Duration::from_secs(1_719_792_000); // mid 2024
    let err = check(
        &store_at(after, &[&ca]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
    );
    assert!(matches!(err, Err(VerifyError::Expired(_))), "{err:?}");
}

#[test]
fn an_unknown_ca_is_refused() {
    let (ca, other) = (ca(), Issued::self_signed(&Spec::ca("other CA")));
    let leaf = moon(&ca);
    let err = check(
        &store_at(now(), &[&other]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
    );
    assert!(matches!(err, Err(VerifyError::UnknownCa(_))), "{err:?}");
}

#[test]
fn a_chain_needs_its_intermediate_from_the_peer_or_the_store() {
    let root = ca();
    let sub = root.issue(&Spec::ca("strongSwan Intermediate CA"));
    let leaf = moon(&sub);
    let store = store_at(now(), &[&root]);
    assert!(check(&store, &leaf, &[&leaf, &sub], &RemoteAuth::default()).is_ok());
    let err = check(&store, &leaf, &[&leaf], &RemoteAuth::default());
    assert!(matches!(err, Err(VerifyError::UnknownCa(_))), "{err:?}");
    let with_sub = store_at(now(), &[&root, &sub]);
    assert!(check(&with_sub, &leaf, &[&leaf], &RemoteAuth::default()).is_ok());
}

#[test]
fn a_certificate_issued_by_an_end_entity_breaks_the_chain() {
    let root = ca();
    let mut not_ca = Spec::leaf("not a CA");
    not_ca.key_usages.push(KeyUsagePurpose::KeyCertSign);
    let fake = root.issue(&not_ca);
    let leaf = moon(&fake);
    let err = check(
        &store_at(now(), &[&root]),
        &leaf,
        &[&leaf, &fake],
        &RemoteAuth::default(),
    );
    assert!(
        matches!(
            err,
            Err(VerifyError::BrokenChain(_) | VerifyError::UnknownCa(_))
        ),
        "{err:?}"
    );
}

#[test]
fn a_path_length_constraint_limits_intermediates() {
    let mut spec = Spec::ca("constrained root");
    spec.path_len = Some(0);
    let root = Issued::self_signed(&spec);
    let sub = root.issue(&Spec::ca("too deep"));
    let leaf = moon(&sub);
    let err = check(
        &store_at(now(), &[&root]),
        &leaf,
        &[&leaf, &sub],
        &RemoteAuth::default(),
    );
    assert!(
        matches!(
            err,
            Err(VerifyError::BrokenChain(_) | VerifyError::UnknownCa(_))
        ),
        "{err:?}"
    );
    let direct = moon(&root);
    assert!(
        check(
            &store_at(now(), &[&root]),
            &direct,
            &[&direct],
            &RemoteAuth::default()
        )
        .is_ok()
    );
}

#[test]
fn the_ike_id_must_be_in_the_certificate() {
    let ca = ca();
    let sun = ca.issue(&Spec::leaf("sun.strongswan.org"));
    let err = check(
        &store_at(now(), &[&ca]),
        &sun,
        &[&sun],
        &RemoteAuth::default(),
    );
    assert!(matches!(err, Err(VerifyError::IdMismatch(_))), "{err:?}");
}

#[test]
fn a_signature_over_other_octets_is_refused() {
    let ca = ca();
    let leaf = moon(&ca);
    let err = check_signed(
        &store_at(now(), &[&ca]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
        b"x",
    );
    assert!(matches!(err, Err(VerifyError::BadSignature(_))), "{err:?}");
}

#[test]
fn key_usage_without_digital_signature_is_refused() {
    let ca = ca();
    let mut spec = Spec::leaf("moon.strongswan.org");
    spec.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
    let leaf = ca.issue(&spec);
    let err = check(
        &store_at(now(), &[&ca]),
        &leaf,
        &[&leaf],
        &RemoteAuth::default(),
    );
    assert!(matches!(err, Err(VerifyError::Usage(_))), "{err:?}");
}

#[test]
fn extended_key_usage_must_allow_ike() {
    let ca = ca();
    let ike = ExtendedKeyUsagePurpose::Other(vec![1, 3, 6, 1, 5, 5, 7, 3, 17]);
    for (ekus, ok) in [
        (vec![ike], true),
        (vec![ExtendedKeyUsagePurpose::ServerAuth], true),
        (vec![ExtendedKeyUsagePurpose::ClientAuth], true),
        (vec![ExtendedKeyUsagePurpose::CodeSigning], false),
    ] {
        let mut spec = Spec::leaf("moon.strongswan.org");
        spec.ekus = ekus;
        let leaf = ca.issue(&spec);
        let got = check(
            &store_at(now(), &[&ca]),
            &leaf,
            &[&leaf],
            &RemoteAuth::default(),
        );
        assert_eq!(got.is_ok(), ok, "{:?}: {got:?}", spec.ekus);
        if !ok {
            assert!(matches!(got, Err(VerifyError::Usage(_))));
        }
    }
}

#[test]
fn remote_cacerts_restricts_the_issuer() {
    let (a, b) = (ca(), Issued::self_signed(&Spec::ca("other CA")));
    let leaf = moon(&a);
    let store = store_at(now(), &[&a, &b]);
    let only_b = RemoteAuth {
        cacerts: vec![b.der.clone()],
        ..RemoteAuth::default()
    };
    let err = check(&store, &leaf, &[&leaf], &only_b);
    assert!(matches!(err, Err(VerifyError::CaNotAllowed(_))), "{err:?}");
    let only_a = RemoteAuth {
        cacerts: vec![a.der.clone()],
        ..RemoteAuth::default()
    };
    assert!(check(&store_at(now(), &[]), &leaf, &[&leaf], &only_a).is_ok());
}

#[test]
fn constraints_on_key_type_and_strength_are_enforced() {
    let ca = ca();
    let leaf = moon(&ca);
    let store = store_at(now(), &[&ca]);
    for (auth, ok) in [
        ("pubkey", true),
        ("ecdsa-256", true),
        ("ecdsa-384", false),
        ("rsa-2048", false),
        ("ecdsa-sha256", true),
        ("ecdsa-sha384", false),
        ("ike:ecdsa-sha256", true),
    ] {
        let round = RemoteAuth {
            auth: auth.into(),
            ..RemoteAuth::default()
        };
        let got = check(&store, &leaf, &[&leaf], &round);
        assert_eq!(got.is_ok(), ok, "{auth}: {got:?}");
        if !ok {
            assert!(
                matches!(got, Err(VerifyError::Constraint(_))),
                "{auth}: {got:?}"
            );
        }
    }
}

#[test]
fn a_revoked_certificate_is_refused_and_strict_needs_a_crl() {
    let ca = ca();
    let mut spec = Spec::leaf("moon.strongswan.org");
    spec.serial = 42;
    let leaf = ca.issue(&spec);
    let mut store = store_at(now(), &[&ca]);
    let strict = RemoteAuth {
        revocation: Revocation::Strict,
        ..RemoteAuth::default()
    };
    let err = check(&store, &leaf, &[&leaf], &strict);
    assert!(
        matches!(err, Err(VerifyError::RevocationUnknown(_))),
        "{err:?}"
    );
    let relaxed = RemoteAuth::default();
    assert!(check(&store, &leaf, &[&leaf], &relaxed).is_ok());

    store
        .load_vici("x509crl", &ca.crl(&[7], (2025, 2026)))
        .unwrap();
    assert!(check(&store, &leaf, &[&leaf], &strict).is_ok());
    store
        .load_vici("x509crl", &ca.crl(&[42], (2025, 2026)))
        .unwrap();
    let err = check(&store, &leaf, &[&leaf], &relaxed);
    assert!(matches!(err, Err(VerifyError::Revoked(_))), "{err:?}");
}

#[test]
fn ifuri_needs_a_crl_only_for_certificates_naming_one() {
    let ca = ca();
    let ifuri = RemoteAuth {
        revocation: Revocation::IfUri,
        ..RemoteAuth::default()
    };
    let store = store_at(now(), &[&ca]);
    let plain = moon(&ca);
    assert!(check(&store, &plain, &[&plain], &ifuri).is_ok());
    let mut spec = Spec::leaf("moon.strongswan.org");
    spec.crl_uri = true;
    let leaf = ca.issue(&spec);
    let err = check(&store, &leaf, &[&leaf], &ifuri);
    assert!(
        matches!(err, Err(VerifyError::RevocationUnknown(_))),
        "{err:?}"
    );
}

#[test]
fn a_pinned_certificate_needs_no_ca_and_another_key_is_refused() {
    let moon = Issued::self_signed(&Spec::leaf("moon.strongswan.org"));
    let pinned = RemoteAuth {
        certs: vec![moon.der.clone()],
        ..RemoteAuth::default()
    };
    let store = store_at(now(), &[]);
    assert!(check(&store, &moon, &[&moon], &pinned).is_ok());
    assert!(check(&store, &moon, &[], &pinned).is_ok());
    let imposter = Issued::self_signed(&Spec::leaf("moon.strongswan.org"));
    let err = check(&store, &imposter, &[&imposter], &pinned);
    assert!(matches!(err, Err(VerifyError::PinMismatch(_))), "{err:?}");
    let err = check(&store, &imposter, &[], &pinned);
    assert!(matches!(err, Err(VerifyError::PinMismatch(_))), "{err:?}");
}

#[test]
fn a_pinned_certificate_must_still_name_the_peer() {
    let sun = Issued::self_signed(&Spec::leaf("sun.strongswan.org"));
    let pinned = RemoteAuth {
        certs: vec![sun.der.clone()],
        ..RemoteAuth::default()
    };
    let err = check(&store_at(now(), &[]), &sun, &[], &pinned);
    assert!(matches!(err, Err(VerifyError::IdMismatch(_))), "{err:?}");
}

#[test]
fn a_pinned_raw_public_key_authenticates_without_certificates() {
    let moon = Issued::self_signed(&Spec::leaf("anything").alg(Alg::Ed25519));
    let spki = moon.private_key().public_key().to_spki();
    let pinned = RemoteAuth {
        pubkeys: vec![spki],
        ..RemoteAuth::default()
    };
    assert!(check(&store_at(now(), &[]), &moon, &[], &pinned).is_ok());
    let other = Issued::self_signed(&Spec::leaf("anything").alg(Alg::Ecdsa(Curve::P384)));
    let err = check(&store_at(now(), &[]), &other, &[], &pinned);
    assert!(matches!(err, Err(VerifyError::PinMismatch(_))), "{err:?}");
}

#[test]
fn a_loaded_certificate_is_found_by_identity_when_none_is_sent() {
    let ca = ca();
    let leaf = moon(&ca);
    let mut store = store_at(now(), &[&ca]);
    assert!(matches!(
        check(&store, &leaf, &[], &RemoteAuth::default()),
        Err(VerifyError::NoCertificate(_))
    ));
    store.add_certificate(leaf.cert());
    assert!(check(&store, &leaf, &[], &RemoteAuth::default()).is_ok());
    // a loaded self-signed certificate is trusted as charon trusts it
    let own = Issued::self_signed(&Spec::leaf("moon.strongswan.org"));
    let mut store = store_at(now(), &[]);
    store.add_certificate(own.cert());
    assert!(check(&store, &own, &[&own], &RemoteAuth::default()).is_ok());
}

#[test]
fn certreq_hashes_are_the_sha1_of_each_ca_spki() {
    let (a, b) = (ca(), Issued::self_signed(&Spec::ca("other CA")));
    let store = store_at(now(), &[&a, &b]);
    let hashes = store.ca_key_hashes(&RemoteAuth::default());
    let spki_sha1 = |c: &Issued| crate::key::sha1(&c.cert().public_key().to_spki());
    assert_eq!(hashes, [spki_sha1(&a), spki_sha1(&b)]);
    let only_b = RemoteAuth {
        cacerts: vec![b.der.clone()],
        ..RemoteAuth::default()
    };
    assert_eq!(store.ca_key_hashes(&only_b), [spki_sha1(&b)]);
}

#[test]
fn rsa_3072_with_pss_chains_and_verifies() {
    let root = Issued::self_signed(&Spec::ca("RSA root").alg(Alg::Rsa(3072)));
    let leaf = root.issue(&Spec::leaf("moon.strongswan.org").alg(Alg::Rsa(3072)));
    let round = RemoteAuth {
        auth: "rsa-3072".into(),
        ..RemoteAuth::default()
    };
    let v = check(&store_at(now(), &[&root]), &leaf, &[&leaf], &round).unwrap();
    assert_eq!(v.scheme, crate::Scheme::RsaPkcs1(crate::Hash::Sha256));
    let round = RemoteAuth {
        auth: "rsa-4096".into(),
        ..RemoteAuth::default()
    };
    assert!(check(&store_at(now(), &[&root]), &leaf, &[&leaf], &round).is_err());
}
