//! Known-answer checks of the RFC 7427 Appendix A AlgorithmIdentifiers.

use super::*;

const PKCS1_PREFIX: [u8; 13] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];

/// RFC 7427 A.4.3 with the errata: RSASSA-PSS, SHA-256, MGF1-SHA-256,
/// salt 32, no trailer.
const PSS_SHA256: [u8; 67] = [
    0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, 0xa0,
    0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
    0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03,
    0x02, 0x01, 0x20,
];

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn pkcs1_identifiers_match_rfc_7427_appendix_a1() {
    let cases = [
        (Hash::Sha1, 0x05),
        (Hash::Sha256, 0x0b),
        (Hash::Sha384, 0x0c),
        (Hash::Sha512, 0x0d),
    ];
    for (hash, last) in cases {
        let mut want = PKCS1_PREFIX.to_vec();
        *want.last_mut().unwrap() = last;
        want.extend_from_slice(&[0x05, 0x00]);
        let scheme = Scheme::RsaPkcs1(hash);
        assert_eq!(scheme.algorithm_identifier().unwrap(), want, "{hash:?}");
        assert_eq!(Scheme::from_algorithm_identifier(&want), Ok(scheme));
    }
}

#[test]
fn ecdsa_identifiers_match_rfc_7427_appendix_a3() {
    let cases = [
        (Hash::Sha256, "300a06082a8648ce3d040302"),
        (Hash::Sha384, "300a06082a8648ce3d040303"),
        (Hash::Sha512, "300a06082a8648ce3d040304"),
    ];
    for (hash, want) in cases {
        let scheme = Scheme::Ecdsa(hash);
        assert_eq!(scheme.algorithm_identifier().unwrap(), hex(want));
        assert_eq!(Scheme::from_algorithm_identifier(&hex(want)), Ok(scheme));
    }
}

#[test]
fn ed25519_identifier_matches_rfc_8420() {
    let want = hex("3005 0603 2b6570");
    assert_eq!(Scheme::Ed25519.algorithm_identifier().unwrap(), want);
    assert_eq!(
        Scheme::from_algorithm_identifier(&want),
        Ok(Scheme::Ed25519)
    );
}

#[test]
fn pss_is_sent_as_charon_sends_it() {
    assert_eq!(
        Scheme::RsaPss(Hash::Sha256).algorithm_identifier().unwrap(),
        PSS_SHA256
    );
    let sha512 = Scheme::RsaPss(Hash::Sha512).algorithm_identifier().unwrap();
    assert_eq!(sha512.len(), 67);
    assert_eq!(sha512[sha512.len() - 1], 0x40);
}

#[test]
fn pss_with_the_rfc_7427_trailer_field_is_accepted() {
    // RFC 7427 A.4.3 as printed: with trailerField 1
    let mut aid = PSS_SHA256.to_vec();
    aid.extend_from_slice(&[0xa3, 0x03, 0x02, 0x01, 0x01]);
    aid[1] = 0x46;
    aid[14] = 0x39;
    assert_eq!(
        Scheme::from_algorithm_identifier(&aid),
        Ok(Scheme::RsaPss(Hash::Sha256))
    );
}

#[test]
fn pss_with_sha1_defaults_or_an_odd_salt_is_refused() {
    // RFC 7427 A.4.1: empty parameters mean SHA-1
    let empty = hex("300d 0609 2a864886f70d01010a 3000");
    assert!(Scheme::from_algorithm_identifier(&empty).is_err());
    let mut no_salt = PSS_SHA256.to_vec();
    *no_salt.last_mut().unwrap() = 0;
    let err = Scheme::from_algorithm_identifier(&no_salt).unwrap_err();
    assert!(err.contains("salt 0"), "{err}");
}

#[test]
fn auth_data_splits_into_scheme_and_signature() {
    let data = join_auth_data(Scheme::Ecdsa(Hash::Sha384), b"sig").unwrap();
    assert_eq!(data[0], 12);
    assert_eq!(
        split_auth_data(&data),
        Ok((Scheme::Ecdsa(Hash::Sha384), &b"sig"[..]))
    );
    assert!(split_auth_data(&data[..5]).is_err());
    assert!(split_auth_data(&[]).is_err());
}

#[test]
fn any_truncation_of_an_identifier_fails_cleanly() {
    for len in 0..PSS_SHA256.len() {
        assert!(Scheme::from_algorithm_identifier(&PSS_SHA256[..len]).is_err());
    }
}

#[test]
fn schemes_are_named_as_charon_logs_them() {
    let names: Vec<String> = [
        Scheme::RsaPkcs1(Hash::Sha1),
        Scheme::RsaPkcs1(Hash::Sha384),
        Scheme::RsaPss(Hash::Sha256),
        Scheme::Ecdsa(Hash::Sha256),
        Scheme::EcdsaFixed(Curve::P384),
        Scheme::Ed25519,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        names,
        [
            "RSA_EMSA_PKCS1_SHA1",
            "RSA_EMSA_PKCS1_SHA2_384",
            "RSA_EMSA_PSS_SHA2_256_SALT_32",
            "ECDSA_WITH_SHA256_DER",
            "ECDSA-384",
            "ED25519"
        ]
    );
}
