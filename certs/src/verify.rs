//! Checking a peer's AUTH signature with a public key (RFC 7296 §2.15,
//! RFC 4754 for methods 9–11, RFC 7427 for method 14).

use aws_lc_rs::signature::{self as s, UnparsedPublicKey, VerificationAlgorithm};
use ike::wire::iana::AuthMethod;

use crate::error::VerifyError;
use crate::key::{Curve, KeyKind, PublicKey};
use crate::scheme::{self, Hash, Scheme};

/// The scheme of an AUTH payload and the signature it carries.
pub fn auth_scheme(method: AuthMethod, data: &[u8]) -> Result<(Scheme, &[u8]), VerifyError> {
    if method == AuthMethod::DIGITAL_SIGNATURE {
        return scheme::split_auth_data(data).map_err(VerifyError::Unsupported);
    }
    Scheme::of_method(method)
        .map(|s| (s, data))
        .ok_or_else(|| VerifyError::Unsupported(format!("{method} authentication")))
}

/// Verifies `signature` over `octets` with `key` under `scheme`.
pub fn verify_signature(
    key: &PublicKey,
    scheme: Scheme,
    octets: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    if !scheme.fits(key.kind()) {
        return Err(VerifyError::BadSignature(format!(
            "{scheme} signature with a {} key",
            key.kind()
        )));
    }
    if let KeyKind::Rsa(bits) = key.kind()
        && !(2048..=8192).contains(&bits)
    {
        return Err(VerifyError::Unsupported(format!(
            "{bits} bit RSA keys (2048 to 8192 bits are accepted)"
        )));
    }
    let alg = algorithm(scheme, key.kind())
        .ok_or_else(|| VerifyError::Unsupported(format!("{scheme} with a {} key", key.kind())))?;
    UnparsedPublicKey::new(alg, key.raw())
        .verify(octets, signature)
        .map_err(|_| VerifyError::BadSignature(format!("{scheme} with {} key", key.kind())))
}

/// The aws-lc-rs verification algorithm for a scheme and key.
pub(crate) fn algorithm(
    scheme: Scheme,
    kind: KeyKind,
) -> Option<&'static dyn VerificationAlgorithm> {
    let curve = match kind {
        KeyKind::Ecdsa(c) => Some(c),
        _ => None,
    };
    Some(match (scheme, curve) {
        (Scheme::RsaPkcs1(Hash::Sha1), _) => &s::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (Scheme::RsaPkcs1(Hash::Sha256), _) => &s::RSA_PKCS1_2048_8192_SHA256,
        (Scheme::RsaPkcs1(Hash::Sha384), _) => &s::RSA_PKCS1_2048_8192_SHA384,
        (Scheme::RsaPkcs1(Hash::Sha512), _) => &s::RSA_PKCS1_2048_8192_SHA512,
        (Scheme::RsaPss(Hash::Sha256), _) => &s::RSA_PSS_2048_8192_SHA256,
        (Scheme::RsaPss(Hash::Sha384), _) => &s::RSA_PSS_2048_8192_SHA384,
        (Scheme::RsaPss(Hash::Sha512), _) => &s::RSA_PSS_2048_8192_SHA512,
        (Scheme::EcdsaFixed(Curve::P256), _) => &s::ECDSA_P256_SHA256_FIXED,
        (Scheme::EcdsaFixed(Curve::P384), _) => &s::ECDSA_P384_SHA384_FIXED,
        (Scheme::EcdsaFixed(Curve::P521), _) => &s::ECDSA_P521_SHA512_FIXED,
        (Scheme::Ecdsa(Hash::Sha256), Some(Curve::P256)) => &s::ECDSA_P256_SHA256_ASN1,
        (Scheme::Ecdsa(Hash::Sha384), Some(Curve::P256)) => &s::ECDSA_P256_SHA384_ASN1,
        (Scheme::Ecdsa(Hash::Sha512), Some(Curve::P256)) => &s::ECDSA_P256_SHA512_ASN1,
        (Scheme::Ecdsa(Hash::Sha256), Some(Curve::P384)) => &s::ECDSA_P384_SHA256_ASN1,
        (Scheme::Ecdsa(Hash::Sha384), Some(Curve::P384)) => &s::ECDSA_P384_SHA384_ASN1,
        (Scheme::Ecdsa(Hash::Sha512), Some(Curve::P384)) => &s::ECDSA_P384_SHA512_ASN1,
        (Scheme::Ecdsa(Hash::Sha256), Some(Curve::P521)) => &s::ECDSA_P521_SHA256_ASN1,
        (Scheme::Ecdsa(Hash::Sha384), Some(Curve::P521)) => &s::ECDSA_P521_SHA384_ASN1,
        (Scheme::Ecdsa(Hash::Sha512), Some(Curve::P521)) => &s::ECDSA_P521_SHA512_ASN1,
        (Scheme::Ed25519, _) => &s::ED25519,
        _ => return None,
    })
}
