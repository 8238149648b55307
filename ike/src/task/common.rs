//! Helpers shared by the tasks: finding payloads and notifies, checking a
//! responder's choice, identities, nonces and SPIs.

use core::net::IpAddr;
use core::slice;

use crate::Error;
use crate::crypto::CryptoError;
use crate::error::PeerMisbehaved;
use crate::proposal::{Proposal, SelectionFlags, select};
use crate::sa::{Ctx, SaCore};
use crate::wire::iana::{NotifyType, PayloadType, ProtocolId, TransformType};
use crate::wire::{Identification, Notify, Payload};

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

/// The one proposal of a response, checked against our offer: it must be
/// one we offered (§2.7, §3.3.1: its number names ours) with at most one
/// transform of each type.
pub(crate) fn check_selected(
    received: &[Proposal],
    offered: &[Proposal],
    protocol: ProtocolId,
    skip_ke: bool,
) -> Result<Proposal, Error> {
    let [proposal] = received else {
        return Err(PeerMisbehaved::ProposalNotOffered.into());
    };
    let types = [
        TransformType::ENCR,
        TransformType::PRF,
        TransformType::INTEG,
        TransformType::KE,
        TransformType::ESN,
    ];
    let doubled = types.iter().any(|&ty| proposal.of_type(ty).count() > 1);
    let flags = SelectionFlags {
        skip_ke,
        ..SelectionFlags::default()
    };
    let ours = usize::from(proposal.number)
        .checked_sub(1)
        .and_then(|i| offered.get(i));
    let matches = ours.is_some_and(|ours| select(slice::from_ref(ours), received, flags).is_some());
    if proposal.protocol != protocol || doubled || !matches {
        return Err(PeerMisbehaved::ProposalNotOffered.into());
    }
    Ok(proposal.clone())
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
