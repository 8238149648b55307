//! Checking a peer's signature AUTH (RFC 7296 §2.15) the way charon's
//! pubkey authenticator and credential manager do: find the keys we trust
//! for the peer's identity (pinned keys, or a certificate chain to a
//! trusted CA), enforce `remote.auth`, then verify the signature.

use ike::auth::VerifyRequest;
use ike::wire::iana::CertEncoding;

use crate::cert::Certificate;
use crate::constraints::AuthConstraints;
use crate::error::VerifyError;
use crate::identity::{cert_has_id, id_text};
use crate::key::PublicKey;
use crate::scheme::Scheme;
use crate::store::CredentialStore;
use crate::trust::{self, Anchors, Trusted};
use crate::verify::{auth_scheme, verify_signature};

/// The most CERT payloads of a peer we look at (end entity first).
const MAX_PEER_CERTS: usize = 16;

/// What a successful verification established.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The end entity's subject, or `raw public key`.
    pub subject: String,
    /// The scheme of the peer's AUTH signature.
    pub scheme: Scheme,
}

/// Verifies `req` against the store; `Err` says which check failed.
pub(crate) fn verify(
    store: &CredentialStore,
    req: &VerifyRequest<'_>,
) -> Result<Verified, VerifyError> {
    let (scheme, signature) = auth_scheme(req.method, req.data)?;
    let constraints = AuthConstraints::parse(&req.round.auth, store.rsa_pss());
    constraints.check_ike_scheme(scheme)?;
    let peer_certs: Vec<Result<Certificate, VerifyError>> = req
        .certificates
        .iter()
        .filter(|c| c.encoding == CertEncoding::X509_SIGNATURE)
        .take(MAX_PEER_CERTS)
        .map(|c| Certificate::from_der(&c.data).map_err(|e| VerifyError::Malformed(e.to_string())))
        .collect();
    let pinned = !req.round.certs.is_empty() || !req.round.pubkeys.is_empty();
    let candidates = if pinned {
        pinned_keys(store, req, &peer_certs)?
    } else {
        chain_keys(store, req, &peer_certs)?
    };
    let mut first_error = None;
    for trusted in candidates {
        let checked = constraints
            .check_key_type(trusted.key.kind())
            .and_then(|()| constraints.check_strengths(&trusted.chain_keys))
            .and_then(|()| constraints.check_cert_schemes(&trusted.cert_schemes))
            .and_then(|()| verify_signature(&trusted.key, scheme, req.octets, signature));
        match checked {
            Ok(()) => {
                return Ok(Verified {
                    subject: trusted.subject,
                    scheme,
                });
            }
            Err(e) => {
                tracing::debug!("key of \"{}\" failed: {e}", trusted.subject);
                first_error.get_or_insert(e);
            }
        }
    }
    Err(match first_error {
        Some(VerifyError::BadSignature(_)) if pinned => VerifyError::PinMismatch(format!(
            "the signature of '{}' verifies with no pinned key",
            id_text(req.id)
        )),
        Some(e) => e,
        None => VerifyError::NoCertificate(id_text(req.id)),
    })
}

/// `remote.certs` / `remote.pubkeys`: only these keys, no CA involved; a
/// pinned certificate must also certify the peer's identity.
fn pinned_keys(
    store: &CredentialStore,
    req: &VerifyRequest<'_>,
    peer_certs: &[Result<Certificate, VerifyError>],
) -> Result<Vec<Trusted>, VerifyError> {
    let now = store.now();
    let mut out = Vec::new();
    let mut pins = Vec::new();
    for der in &req.round.certs {
        let cert = Certificate::from_der(der)
            .map_err(|e| VerifyError::Malformed(format!("pinned certificate: {e}")))?;
        pins.push(cert.public_key().clone());
        if cert_has_id(&cert, req.id) {
            out.push(trust::pinned(&cert, now)?);
        }
    }
    for spki in &req.round.pubkeys {
        let key = PublicKey::from_spki(spki)
            .map_err(|e| VerifyError::Malformed(format!("pinned public key: {e}")))?;
        pins.push(key.clone());
        out.push(Trusted {
            chain_keys: vec![key.kind()],
            key,
            cert_schemes: Vec::new(),
            subject: "raw public key".into(),
        });
    }
    // the peer's own certificate tells which key it used
    if let Some(Ok(sent)) = peer_certs.first()
        && !pins.contains(sent.public_key())
    {
        return Err(VerifyError::PinMismatch(format!(
            "\"{}\" sent by '{}' is not pinned",
            sent.subject_text(),
            id_text(req.id)
        )));
    }
    if out.is_empty() {
        return Err(VerifyError::IdMismatch(format!(
            "'{}' is in no pinned certificate",
            id_text(req.id)
        )));
    }
    Ok(out)
}

/// The peer's end-entity certificate (its first CERT payload, or a loaded
/// one for its identity) validated to a trusted CA; loaded self-signed
/// certificates for the identity are trusted as charon trusts them.
fn chain_keys(
    store: &CredentialStore,
    req: &VerifyRequest<'_>,
    peer_certs: &[Result<Certificate, VerifyError>],
) -> Result<Vec<Trusted>, VerifyError> {
    let now = store.now();
    let mut out = Vec::new();
    if req.round.cacerts.is_empty() {
        for cert in store
            .end_entities()
            .filter(|c| c.is_self_signed() && cert_has_id(c, req.id))
        {
            out.push(trust::pinned(cert, now)?);
        }
    }
    let ee = match peer_certs.first() {
        Some(sent) => sent.clone()?,
        None => match store
            .end_entities()
            .find(|c| !c.is_self_signed() && cert_has_id(c, req.id))
        {
            Some(c) => c.clone(),
            None if !out.is_empty() => return Ok(out),
            None => {
                return Err(VerifyError::NoCertificate(format!(
                    "'{}' sent none and none is loaded",
                    id_text(req.id)
                )));
            }
        },
    };
    if !cert_has_id(&ee, req.id) {
        return Err(VerifyError::IdMismatch(format!(
            "'{}' is not in \"{}\"",
            id_text(req.id),
            ee.subject_text()
        )));
    }
    if out.iter().any(|t| &t.key == ee.public_key()) {
        return Ok(out);
    }
    let required: Vec<Certificate> = req
        .round
        .cacerts
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<Result<_, _>>()
        .map_err(|e| VerifyError::Malformed(format!("remote.cacerts: {e}")))?;
    let extra: Vec<&Certificate> = peer_certs
        .iter()
        .skip(1)
        .filter_map(|c| c.as_ref().ok())
        .collect();
    let cas: Vec<&Certificate> = store.authorities().chain(required.iter()).collect();
    let anchors = Anchors {
        now,
        roots: cas.iter().copied().filter(|c| c.is_self_signed()).collect(),
        intermediates: cas
            .iter()
            .copied()
            .filter(|c| !c.is_self_signed())
            .chain(extra)
            .collect(),
        crls: store.crls(),
        revocation: req.round.revocation,
        required: &required,
    };
    match trust::validate_chain(&ee, &anchors) {
        Ok(t) => out.push(t),
        Err(e) if out.is_empty() => return Err(e),
        Err(e) => tracing::debug!("{e}"),
    }
    Ok(out)
}
