//! Helpers shared by the tasks: finding payloads and notifies, checking a
//! responder's choice, identities, nonces and SPIs.

use core::net::IpAddr;

use super::Reply;
use crate::Error;
use crate::crypto::ActiveKe;
use crate::crypto::CryptoError;
use crate::error::PeerMisbehaved;
use crate::proposal::{
    IkeSaInitRejection, Proposal, SelectionFlags, choose_ike_sa_init, proposals_from_sa,
    supported_ike_proposals,
};
use crate::sa::{Ctx, SaCore};
use crate::wire::iana::{KeId, NotifyType, PayloadType, ProtocolId};
use crate::wire::{Identification, KeyExchange, Notify, Payload};

/// Shortest and longest nonce accepted (RFC 7296 §3.9).
const NONCE_LEN: core::ops::RangeInclusive<usize> = 16..=256;

pub(crate) fn notify(ty: NotifyType, data: Vec<u8>) -> Payload {
    Payload::Notify(Notify::new(ty, data))
}

pub(crate) fn find_notify(payloads: &[Payload], ty: NotifyType) -> Option<&Notify> {
    payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.ty == ty => Some(n),
        _ => None,
    })
}

pub(crate) fn has_notify(payloads: &[Payload], ty: NotifyType) -> bool {
    find_notify(payloads, ty).is_some()
}

/// The first error notify (types below 16384, §3.10.1).
pub(crate) fn first_error(payloads: &[Payload]) -> Option<NotifyType> {
    payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.ty.is_error() => Some(n.ty),
        _ => None,
    })
}

/// The group an INVALID_KE_PAYLOAD notify asks for (§1.2, §3.10.1: two
/// octets of data), if the message has one.
pub(crate) fn requested_group(payloads: &[Payload]) -> Option<KeId> {
    match find_notify(payloads, NotifyType::INVALID_KE_PAYLOAD)?
        .data
        .as_slice()
    {
        [hi, lo] => Some(KeId(u16::from_be_bytes([*hi, *lo]))),
        _ => None,
    }
}

/// An unknown payload with the critical bit set (§2.5).
pub(crate) fn unsupported_critical(payloads: &[Payload]) -> Option<PayloadType> {
    payloads.iter().find_map(|p| match p {
        Payload::Unknown {
            ty, critical: true, ..
        } => Some(*ty),
        _ => None,
    })
}

/// Extracts the first payload of one variant: `find!(payloads, Payload::Nonce)`.
macro_rules! find {
    ($payloads:expr, $variant:path) => {
        $payloads.iter().find_map(|p| match p {
            $variant(inner) => Some(inner),
            _ => None,
        })
    };
}
pub(crate) use find;

/// `Err(MissingPayload)` for a required payload that is absent.
pub(crate) fn require<T>(
    found: Option<T>,
    exchange: crate::wire::iana::ExchangeType,
    ty: PayloadType,
) -> Result<T, Error> {
    found.ok_or(Error::PeerMisbehaved(PeerMisbehaved::MissingPayload(
        exchange, ty,
    )))
}

/// The one proposal of a response, checked against our offer
/// ([`proposal::check_selected`](crate::proposal::check_selected)).
pub(crate) fn check_selected(
    received: &[Proposal],
    offered: &[Proposal],
    protocol: ProtocolId,
    skip_ke: bool,
) -> Result<Proposal, Error> {
    crate::proposal::check_selected(received, offered, protocol, skip_ke)
        .map(log_selected)
        .ok_or(Error::PeerMisbehaved(PeerMisbehaved::ProposalNotOffered))
}

/// charon's `selected proposal: IKE:AES_CBC_128/...` line.
pub(crate) fn log_selected(proposal: Proposal) -> Proposal {
    tracing::info!(target: "cfg", "selected proposal: {proposal}");
    proposal
}

/// Starts our side of a key exchange: the secret half and the KE payload.
pub(crate) fn start_ke(
    ctx: &Ctx<'_>,
    group: KeId,
) -> Result<(Box<dyn ActiveKe>, KeyExchange), Error> {
    let kg = ctx.provider.ke(group).ok_or(Error::NoProposalChosen)?;
    let active = kg.start(ctx.provider.rng.as_ref())?;
    let payload = KeyExchange {
        group,
        data: active.public_key().to_vec(),
    };
    Ok((active, payload))
}

/// The responder's choice of an IKE proposal (IKE_SA_INIT or IKE SA
/// rekey): our preferred acceptable proposal, whose group must be that of
/// KEi (else INVALID_KE_PAYLOAD, §1.2), and the key exchange completed.
pub(crate) fn accept_ike_proposal(
    sa: &SaCore,
    ctx: &Ctx<'_>,
    offered: &crate::wire::SecurityAssociation,
    ke_i: &KeyExchange,
) -> Result<(Proposal, crate::crypto::Secret, KeyExchange), Error> {
    let ours = supported_ike_proposals(&sa.config.proposals, ctx.provider);
    let theirs = proposals_from_sa(offered);
    let proposal = choose_ike_sa_init(&ours, &theirs, Some(ke_i.group), SelectionFlags::default())
        .map_err(|e| match e {
            IkeSaInitRejection::NoProposalChosen => Error::NoProposalChosen,
            IkeSaInitRejection::InvalidKe { wanted } => Error::InvalidKe { wanted },
        })
        .map(log_selected)?;
    let (ke, ke_r) = start_ke(ctx, ke_i.group)?;
    let g_ir = ke.complete(&ke_i.data)?;
    Ok((proposal, g_ir, ke_r))
}

/// The responder's answer to our IKE proposals (IKE_SA_INIT or IKE SA
/// rekey): the selected proposal, which must use `group`, its KEr of that
/// group, and Nr.
pub(crate) fn ike_answer<'a>(
    exchange: crate::wire::iana::ExchangeType,
    payloads: &'a [Payload],
    offered: &[Proposal],
    group: KeId,
) -> Result<(Proposal, &'a KeyExchange, Vec<u8>), Error> {
    let sa = require(find!(payloads, Payload::Sa), exchange, PayloadType::SA)?;
    let ke_r = require(find!(payloads, Payload::Ke), exchange, PayloadType::KE)?;
    let nonce = require(
        find!(payloads, Payload::Nonce),
        exchange,
        PayloadType::NONCE,
    )?;
    let nr = check_nonce(&nonce.0)?;
    let proposal = check_selected(&proposals_from_sa(sa), offered, ProtocolId::IKE, false)?;
    if proposal.ke() != Some(group) || ke_r.group != group {
        return Err(PeerMisbehaved::KeGroupMismatch.into());
    }
    Ok((proposal, ke_r, nr))
}

/// A responder's refusal of a CREATE_CHILD_SA: the error's notify (with
/// the wanted group for INVALID_KE_PAYLOAD); the IKE SA stays.
pub(crate) fn refusal(e: &Error) -> Reply {
    let data = match e {
        Error::InvalidKe { wanted } => wanted.0.to_be_bytes().to_vec(),
        _ => Vec::new(),
    };
    Reply::keep(
        e.notify()
            .map(|ty| vec![notify(ty, data)])
            .unwrap_or_default(),
    )
}

/// Our CERTREQ payload naming the CAs we trust for this connection, if
/// `send_certreq` and the peer may use a certificate (RFC 7296 §3.7).
pub(crate) fn certificate_requests(sa: &SaCore, ctx: &Ctx<'_>) -> Option<Payload> {
    let remote = &sa.config.remote;
    if !sa.config.send_certreq || remote.class == crate::config::AuthClass::Psk {
        return None;
    }
    let hashes = ctx.credentials.ca_key_hashes(remote);
    (!hashes.is_empty()).then(|| {
        Payload::CertReq(crate::wire::CertificateRequest {
            encoding: crate::wire::iana::CertEncoding::X509_SIGNATURE,
            authorities: hashes.concat(),
        })
    })
}

/// The identity of an address (charon's default for `local.id`).
pub(crate) fn address_id(addr: IpAddr) -> Identification {
    match addr {
        IpAddr::V4(a) => Identification::ipv4(a),
        IpAddr::V6(a) => Identification::ipv6(a),
    }
}

/// Our identity on this SA: `local.id`, or our address.
pub(crate) fn our_id(sa: &SaCore) -> Identification {
    sa.config
        .local
        .id
        .clone()
        .unwrap_or_else(|| address_id(sa.local.ip()))
}

/// A fresh nonce of the configured length (§2.10).
pub(crate) fn nonce(ctx: &Ctx<'_>) -> Result<Vec<u8>, CryptoError> {
    #[allow(unused_mut)]
    let mut nonce = ctx.random(ctx.settings.nonce_len)?;
    #[cfg(test)]
    if let (Some(next), Some(first)) = (&ctx.settings.nonce_first_byte, nonce.first_mut()) {
        // collision tests decide who holds the lowest nonce
        *first = next.get();
        next.set(next.get().wrapping_add(1));
    }
    Ok(nonce)
}

/// When to retry an exchange the peer refused for now: charon's 15 s less
/// up to 10 s of jitter, so that two colliding peers fall out of step.
pub(crate) fn retry_at(ctx: &Ctx<'_>) -> crate::time::Instant {
    let mut byte = [0u8; 2];
    let jitter_ms = match ctx.provider.rng.fill(&mut byte) {
        Ok(()) => u64::from(u16::from_be_bytes(byte)) % 10_001,
        Err(_) => 0,
    };
    ctx.now + core::time::Duration::from_millis(15_000 - jitter_ms)
}

/// A received nonce of acceptable length.
pub(crate) fn check_nonce(nonce: &[u8]) -> Result<Vec<u8>, Error> {
    if NONCE_LEN.contains(&nonce.len()) {
        Ok(nonce.to_vec())
    } else {
        Err(Error::InvalidSyntax(crate::wire::Error::BadLength {
            what: "nonce",
        }))
    }
}

/// An ESP/AH SPI from a proposal: four octets, not 0–255 (RFC 4303 §2.1).
pub(crate) fn child_spi(spi: &[u8]) -> Result<u32, Error> {
    let bytes: [u8; 4] = spi
        .try_into()
        .map_err(|_| Error::PeerMisbehaved(PeerMisbehaved::BadSpi))?;
    let spi = u32::from_be_bytes(bytes);
    if spi < 256 {
        return Err(PeerMisbehaved::BadSpi.into());
    }
    Ok(spi)
}
