//! Building and checking AUTH payloads (RFC 7296 §2.15): shared keys here,
//! signatures through the [`Credentials`](crate::auth::Credentials) traits.

use subtle::ConstantTimeEq;

use crate::Error;
use crate::auth::{AuthError, VerifyRequest};
use crate::config::{AuthClass, SendCert};
use crate::sa::{Ctx, SaCore};
use crate::wire::iana::AuthMethod;
use crate::wire::{Authentication, Certificate, Codec, Identification, Payload};

/// Our AUTH payload and, for signatures, the CERT payloads to send before
/// it (`send_cert`: always, or if the peer asked with a CERTREQ).
pub(crate) fn our_auth(
    sa: &SaCore,
    ctx: &Ctx<'_>,
    me: &Identification,
    peer: Option<&Identification>,
) -> Result<(Vec<Payload>, Payload), Error> {
    let (keys, init) = keys_and_init(sa)?;
    let id_body = me.get_encoding()?;
    match sa.config.local.class {
        AuthClass::Psk | AuthClass::Any => {
            let psk = ctx
                .credentials
                .shared_key(me, peer)
                .ok_or(AuthError::NoCredentials)?;
            let data = init.psk_auth(keys, &psk, sa.initiator, &id_body);
            tracing::info!("authentication of '{me}' (myself) with pre-shared key");
            let auth = Payload::Auth(Authentication {
                method: AuthMethod::PSK,
                data: data.as_bytes().to_vec(),
            });
            Ok((Vec::new(), auth))
        }
        AuthClass::PubKey => {
            let signer = ctx
                .credentials
                .signer(me, &sa.config.local)
                .ok_or(AuthError::NoCredentials)?;
            let method = signer.choose(&sa.peer_hashes)?;
            let octets = init.signed_octets(keys, sa.initiator, &id_body);
            let data = signer.sign(method, &octets)?;
            tracing::info!(
                "authentication of '{me}' (myself) with {} successful",
                signer.scheme_name(method)
            );
            let send = match sa.config.send_cert {
                SendCert::Always => true,
                SendCert::Never => false,
                SendCert::IfAsked => sa.peer_certreq,
            };
            let certs = if send {
                signer.certificates()
            } else {
                Vec::new()
            };
            let certs = certs.into_iter().map(Payload::Cert).collect();
            Ok((certs, Payload::Auth(Authentication { method, data })))
        }
    }
}

/// Checks the peer's AUTH payload for identity `peer` (§2.15).
pub(crate) fn verify_peer(
    sa: &SaCore,
    ctx: &Ctx<'_>,
    me: &Identification,
    peer: &Identification,
    auth: &Authentication,
    certificates: &[Certificate],
) -> Result<(), Error> {
    let (keys, init) = keys_and_init(sa)?;
    let id_body = peer.get_encoding()?;
    let peer_is_initiator = !sa.initiator;
    let allowed = match sa.config.remote.class {
        AuthClass::Psk => auth.method == AuthMethod::PSK,
        AuthClass::PubKey => auth.method != AuthMethod::PSK,
        AuthClass::Any => true,
    };
    if !allowed {
        return Err(AuthError::MethodNotAllowed(auth.method).into());
    }
    if auth.method == AuthMethod::PSK {
        let psk = ctx
            .credentials
            .shared_key(me, Some(peer))
            .ok_or(AuthError::NoCredentials)?;
        let expected = init.psk_auth(keys, &psk, peer_is_initiator, &id_body);
        if bool::from(expected.as_bytes().ct_eq(&auth.data)) {
            tracing::info!("authentication of '{peer}' with pre-shared key successful");
            return Ok(());
        }
        tracing::info!("tried 1 shared key for '{me}' - '{peer}', but MAC mismatched");
        return Err(AuthError::BadSignature.into());
    }
    let verifier = ctx.credentials.verifier().ok_or(AuthError::NoCredentials)?;
    let octets = init.signed_octets(keys, peer_is_initiator, &id_body);
    verifier.verify(&VerifyRequest {
        id: peer,
        certificates,
        method: auth.method,
        data: &auth.data,
        octets: &octets,
        round: &sa.config.remote,
    })?;
    Ok(())
}

fn keys_and_init(sa: &SaCore) -> Result<(&crate::sa::SaKeys, &crate::sa::InitMessages), Error> {
    match (&sa.keys, &sa.init) {
        (Some(keys), Some(init)) => Ok((keys, init)),
        _ => Err(Error::ApiMisuse("IKE_AUTH before IKE_SA_INIT completed")),
    }
}
