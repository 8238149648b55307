//! Trust in a peer's key (RFC 4945 §5, RFC 5280 §6): a chain from the
//! end entity through intermediates to a self-signed trust anchor,
//! validated by rustls-webpki (signatures, validity, basicConstraints,
//! keyUsage of CAs, path length, name constraints, CRLs), plus what
//! charon checks on top: the anchor's own validity, keyUsage of the end
//! entity, `remote.cacerts` and `remote.revocation`.

use std::time::SystemTime;

use ike::config::Revocation;
use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{
    EndEntityCert, ExpirationPolicy, ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter,
    RevocationCheckDepth, RevocationOptions, RevocationOptionsBuilder, UnknownStatusPolicy,
};

use crate::cert::{Certificate, unix};
use crate::error::VerifyError;
use crate::identity::dn_text;
use crate::key::{KeyKind, PublicKey};
use crate::load::Crl;
use crate::scheme::Scheme;

/// A key we trust for the peer, with what constraints look at.
#[derive(Clone, Debug)]
pub(crate) struct Trusted {
    pub(crate) key: PublicKey,
    /// Keys of the end entity and every issuer (charon's strengths).
    pub(crate) chain_keys: Vec<KeyKind>,
    /// Signature schemes of the end entity and intermediates.
    pub(crate) cert_schemes: Vec<Scheme>,
    /// The end entity's subject, for messages.
    pub(crate) subject: String,
}

/// What a chain is validated against.
pub(crate) struct Anchors<'a> {
    pub(crate) now: SystemTime,
    /// Self-signed CA certificates.
    pub(crate) roots: Vec<&'a Certificate>,
    /// Other CA certificates and the peer's extra certificates.
    pub(crate) intermediates: Vec<&'a Certificate>,
    pub(crate) crls: &'a [Crl],
    pub(crate) revocation: Revocation,
    /// `remote.cacerts`: the path must contain one of these.
    pub(crate) required: &'a [Certificate],
}

/// Extended key usage as RFC 4945 §5.1.3.12 allows it for IKE: none,
/// ipsecIKE, anyExtendedKeyUsage, serverAuth/clientAuth (widely issued)
/// or iKEIntermediate (strongSwan's pki). charon 5.9.8 checks none.
struct IkeEku;

const IKE_EKUS: [&[u8]; 5] = [
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x11],
    &[0x55, 0x1d, 0x25, 0x00],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x08, 0x02, 0x02],
];

impl ExtendedKeyUsageValidator for IkeEku {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let mut empty = true;
        for id in iter {
            let id = id?;
            empty = false;
            if IKE_EKUS.iter().any(|&ok| KeyPurposeId::new(ok) == id) {
                return Ok(());
            }
        }
        // the context variant needs a webpki KeyUsage we cannot build
        #[allow(deprecated)]
        let refused = webpki::Error::RequiredEkuNotFound;
        if empty { Ok(()) } else { Err(refused) }
    }
}

/// Validity of a certificate used without a CA (pins).
pub(crate) fn check_validity(
    cert: &Certificate,
    now: SystemTime,
    role: &str,
) -> Result<(), VerifyError> {
    let (from, to) = (cert.validity().0, cert.validity().1);
    let subject = cert.subject_text();
    if unix(now) < unix(from) {
        return Err(VerifyError::NotYetValid(format!("{role} \"{subject}\"")));
    }
    if unix(now) > unix(to) {
        return Err(VerifyError::Expired(format!("{role} \"{subject}\"")));
    }
    Ok(())
}

/// RFC 4945 §5.1.3.2: an end entity with keyUsage must allow signatures.
pub(crate) fn check_usage(cert: &Certificate) -> Result<(), VerifyError> {
    if cert.ike_usage() {
        return Ok(());
    }
    Err(VerifyError::Usage(format!(
        "\"{}\" has keyUsage without digitalSignature or nonRepudiation",
        cert.subject_text()
    )))
}

/// A pinned (or loaded self-signed) certificate: trusted as it is.
pub(crate) fn pinned(cert: &Certificate, now: SystemTime) -> Result<Trusted, VerifyError> {
    check_validity(cert, now, "pinned certificate")?;
    check_usage(cert)?;
    Ok(Trusted {
        key: cert.public_key().clone(),
        chain_keys: vec![cert.public_key().kind()],
        cert_schemes: Vec::new(),
        subject: cert.subject_text(),
    })
}

/// Validates the chain of `ee`.
pub(crate) fn validate_chain(ee: &Certificate, a: &Anchors<'_>) -> Result<Trusted, VerifyError> {
    check_validity(ee, a.now, "certificate")?;
    check_usage(ee)?;
    let root_ders: Vec<CertificateDer<'_>> = a.roots.iter().map(|c| c.der().into()).collect();
    let roots: Vec<_> = root_ders
        .iter()
        .filter_map(|d| webpki::anchor_from_trusted_cert(d).ok())
        .collect();
    if roots.is_empty() {
        return Err(VerifyError::UnknownCa("no CA certificates loaded".into()));
    }
    let inter_ders: Vec<CertificateDer<'_>> =
        a.intermediates.iter().map(|c| c.der().into()).collect();
    let ee_der = CertificateDer::from(ee.der());
    let end_entity = EndEntityCert::try_from(&ee_der).map_err(|e| map_error(&e, ee))?;
    let time = UnixTime::since_unix_epoch(
        a.now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default(),
    );
    let crls: Vec<_> = a.crls.iter().map(|c| &c.list).collect();
    let options = |deny: bool| -> Option<RevocationOptions<'_>> {
        let builder = RevocationOptionsBuilder::new(&crls).ok()?;
        let (status, expiry) = if deny {
            (UnknownStatusPolicy::Deny, ExpirationPolicy::Enforce)
        } else {
            (UnknownStatusPolicy::Allow, ExpirationPolicy::Ignore)
        };
        Some(
            builder
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(status)
                .with_expiration_policy(expiry)
                .build(),
        )
    };
    let verify = |revocation| {
        end_entity.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &roots,
            &inter_ders,
            time,
            IkeEku,
            revocation,
            None,
        )
    };
    let path =
        verify(options(a.revocation == Revocation::Strict)).map_err(|e| map_error(&e, ee))?;
    let used: Vec<&Certificate> = path
        .intermediate_certificates()
        .filter_map(|c| {
            a.intermediates
                .iter()
                .copied()
                .find(|i| i.der() == c.der().as_ref())
        })
        .collect();
    let root = roots
        .iter()
        .position(|r| core::ptr::eq(r, path.anchor()))
        .and_then(|i| a.roots.get(i).copied())
        .ok_or_else(|| VerifyError::UnknownCa("anchor not found".into()))?;
    let needs_status = match a.revocation {
        Revocation::Strict => true,
        Revocation::IfUri => ee.has_crl_uris() || used.iter().any(|c| c.has_crl_uris()),
        Revocation::Relaxed => false,
    };
    if needs_status {
        let deny = options(true).ok_or_else(|| {
            VerifyError::RevocationUnknown(format!("no CRL loaded for \"{}\"", ee.subject_text()))
        })?;
        verify(Some(deny)).map_err(|e| map_error(&e, ee))?;
    }
    check_validity(root, a.now, "CA certificate")?;
    check_path_len(&used, root)?;
    if !a.required.is_empty() {
        let in_path =
            |c: &Certificate| c.der() == root.der() || used.iter().any(|u| u.der() == c.der());
        if !a.required.iter().any(in_path) {
            return Err(VerifyError::CaNotAllowed(format!(
                "\"{}\" is issued by \"{}\"",
                ee.subject_text(),
                root.subject_text()
            )));
        }
    }
    let mut cert_schemes = Vec::new();
    for c in core::iter::once(ee).chain(used.iter().copied()) {
        cert_schemes.push(c.signature_scheme().map_err(VerifyError::Unsupported)?);
    }
    let chain_keys = core::iter::once(ee)
        .chain(used.iter().copied())
        .chain(core::iter::once(root))
        .map(|c| c.public_key().kind())
        .collect();
    tracing::debug!(
        "\"{}\" chains to \"{}\"",
        ee.subject_text(),
        root.subject_text()
    );
    Ok(Trusted {
        key: ee.public_key().clone(),
        chain_keys,
        cert_schemes,
        subject: ee.subject_text(),
    })
}

/// RFC 5280 §4.2.1.9 for every CA including the anchor (rustls-webpki
/// does not know the anchor's basicConstraints): at most pathLen
/// intermediates below it.
fn check_path_len(used: &[&Certificate], root: &Certificate) -> Result<(), VerifyError> {
    for (below, ca) in used
        .iter()
        .copied()
        .chain(core::iter::once(root))
        .enumerate()
    {
        if let Some(max) = ca.path_len()
            && below > max as usize
        {
            return Err(VerifyError::BrokenChain(format!(
                "path length {below} below \"{}\" exceeds its limit of {max}",
                ca.subject_text()
            )));
        }
    }
    Ok(())
}

#[allow(deprecated)] // RequiredEkuNotFound: see IkeEku
fn map_error(e: &webpki::Error, ee: &Certificate) -> VerifyError {
    use webpki::Error as E;
    let subject = format!("chain of \"{}\"", ee.subject_text());
    match e {
        E::CertExpired { .. } => VerifyError::Expired(subject),
        E::CertNotValidYet { .. } => VerifyError::NotYetValid(subject),
        E::UnknownIssuer => VerifyError::UnknownCa(format!(
            "no trusted issuer \"{}\" for \"{}\"",
            dn_text(ee.issuer()),
            ee.subject_text()
        )),
        E::CertRevoked => VerifyError::Revoked(subject),
        E::UnknownRevocationStatus => VerifyError::RevocationUnknown(subject),
        E::CrlExpired { .. } => {
            VerifyError::RevocationUnknown(format!("CRL expired for {subject}"))
        }
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => VerifyError::Usage(format!(
            "extendedKeyUsage of the {subject} does not allow IKE"
        )),
        other => VerifyError::BrokenChain(format!("{subject}: {other}")),
    }
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
