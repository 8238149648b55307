use super::*;

fn rsa(bits: u32) -> KeyKind {
    KeyKind::Rsa(bits)
}

#[test]
fn pubkey_alone_constrains_nothing() {
    let c = AuthConstraints::parse("pubkey", false);
    assert_eq!(c, AuthConstraints::default());
    assert!(c.check_key_type(KeyKind::Ed25519).is_ok());
    assert!(c.check_ike_scheme(Scheme::RsaPkcs1(Hash::Sha1)).is_ok());
}

#[test]
fn a_key_type_with_strength_requires_type_and_size_of_the_whole_chain() {
    let c = AuthConstraints::parse("rsa-2048", false);
    assert_eq!(c.strengths, [(KeyType::Rsa, 2048)]);
    assert!(c.check_strengths(&[rsa(3072), rsa(2048)]).is_ok());
    let err = c.check_strengths(&[rsa(3072), rsa(1024)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "constraint check failed: 1024 bit RSA key not acceptable"
    );
    // an ECDSA key anywhere in the chain has no ECDSA constraint to meet
    assert!(
        c.check_strengths(&[KeyKind::Ecdsa(Curve::P384), rsa(4096)])
            .is_err()
    );
    assert!(c.check_key_type(KeyKind::Ecdsa(Curve::P256)).is_err());
}

#[test]
fn ecdsa_strengths_compare_the_curve_size() {
    let c = AuthConstraints::parse("ecdsa-384", false);
    assert!(c.check_strengths(&[KeyKind::Ecdsa(Curve::P521)]).is_ok());
    assert!(c.check_strengths(&[KeyKind::Ecdsa(Curve::P256)]).is_err());
}

#[test]
fn two_key_types_each_with_their_own_strength() {
    let c = AuthConstraints::parse("rsa-2048-ecdsa-256", false);
    assert!(
        c.check_strengths(&[KeyKind::Ecdsa(Curve::P256), rsa(4096)])
            .is_ok()
    );
    assert!(c.check_key_type(KeyKind::Ed25519).is_err());
}

#[test]
fn hashes_constrain_chain_and_ike_signatures_of_their_key_type() {
    let c = AuthConstraints::parse("rsa-2048-sha256-sha384", false);
    let want = [
        Scheme::RsaPkcs1(Hash::Sha256),
        Scheme::RsaPkcs1(Hash::Sha384),
    ];
    assert_eq!(c.cert_schemes, want);
    assert_eq!(c.ike_schemes, want);
    assert!(c.check_ike_scheme(Scheme::RsaPkcs1(Hash::Sha1)).is_err());
    assert!(c.check_ike_scheme(Scheme::RsaPss(Hash::Sha256)).is_err());
    assert!(
        c.check_cert_schemes(&[Scheme::RsaPkcs1(Hash::Sha512)])
            .is_err()
    );
}

#[test]
fn ecdsa_hashes_allow_the_der_and_the_classic_formats() {
    let c = AuthConstraints::parse("ecdsa-sha256", false);
    assert!(c.check_ike_scheme(Scheme::Ecdsa(Hash::Sha256)).is_ok());
    assert!(c.check_ike_scheme(Scheme::EcdsaFixed(Curve::P256)).is_ok());
    assert!(c.check_ike_scheme(Scheme::Ecdsa(Hash::Sha384)).is_err());
}

#[test]
fn ike_prefixed_hashes_leave_the_chain_alone() {
    let c = AuthConstraints::parse("ike:rsa/pss-sha256", false);
    assert!(c.cert_schemes.is_empty());
    assert_eq!(c.ike_schemes, [Scheme::RsaPss(Hash::Sha256)]);
    let c = AuthConstraints::parse("rsa/pss-sha384", false);
    assert_eq!(c.cert_schemes, [Scheme::RsaPss(Hash::Sha384)]);
}

#[test]
fn rsa_pss_alone_requires_pss() {
    let c = AuthConstraints::parse("rsa/pss", false);
    assert_eq!(c.key_types, [KeyType::Rsa]);
    assert!(c.check_ike_scheme(Scheme::RsaPss(Hash::Sha512)).is_ok());
    assert!(c.check_ike_scheme(Scheme::RsaPkcs1(Hash::Sha256)).is_err());
    assert!(c.cert_schemes.is_empty());
}

#[test]
fn rsa_pss_setting_adds_pss_to_plain_hash_tokens() {
    let c = AuthConstraints::parse("pubkey-sha256", true);
    assert_eq!(
        c.ike_schemes[..2],
        [Scheme::RsaPss(Hash::Sha256), Scheme::RsaPkcs1(Hash::Sha256)]
    );
}

#[test]
fn ed25519_identity_and_unknown_tokens() {
    let c = AuthConstraints::parse("ed25519-identity-bogus", false);
    assert_eq!(c.ike_schemes, [Scheme::Ed25519]);
    assert_eq!(c.ignored, ["bogus"]);
    assert!(c.check_key_type(KeyKind::Ed25519).is_ok());
    assert!(c.check_key_type(rsa(2048)).is_err());
}
