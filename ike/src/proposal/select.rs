//! Proposal selection (RFC 7296 §2.7) with strongSwan's preference rules:
//! the configured order wins unless `prefer_supplied`, the chosen proposal
//! keeps the received proposal's number and SPI, each transform type gets
//! one algorithm (same ID and key length on both sides), AEAD drops
//! integrity, and a missing key exchange in ESP/AH matches only `NONE`.

use super::{Algorithm, Proposal, Transform};
use crate::wire::iana::{KeId, ProtocolId, TransformType};

/// How to select (strongSwan's `proposal_selection_flag_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelectionFlags {
    /// Walk the received proposals in their order instead of ours
    /// (`prefer_configured_proposals = no`).
    pub prefer_supplied: bool,
    /// Never select private-use algorithm IDs (peer is not known to be
    /// strongSwan-compatible).
    pub skip_private: bool,
    /// Ignore key exchange transforms: CHILD_SAs created in IKE_AUTH have
    /// no KE payload (RFC 7296 §1.2).
    pub skip_ke: bool,
}

/// Picks the first acceptable pair, walking the preferred list in order
/// and, for each entry, the other list in order. The result carries the
/// received proposal's number and SPI and one transform per type.
pub fn select(
    configured: &[Proposal],
    supplied: &[Proposal],
    flags: SelectionFlags,
) -> Option<Proposal> {
    let (preferred, other) = if flags.prefer_supplied {
        (supplied, configured)
    } else {
        (configured, supplied)
    };
    preferred.iter().find_map(|first| {
        other.iter().find_map(|second| {
            let received = if flags.prefer_supplied { first } else { second };
            let transforms = select_transforms(first, second, flags)?;
            Some(Proposal {
                protocol: received.protocol,
                number: received.number,
                spi: received.spi.clone(),
                transforms,
            })
        })
    })
}

/// Every transform type either proposal uses, in strongSwan's type order
/// (so encryption is decided before integrity).
fn merged_types(a: &Proposal, b: &Proposal) -> Vec<TransformType> {
    let mut types: Vec<TransformType> = a
        .transforms()
        .iter()
        .chain(b.transforms())
        .map(|t| t.alg.transform_type())
        .collect();
    types.sort_by_key(|&ty| super::type_order(ty));
    types.dedup();
    types
}

fn select_transforms(
    first: &Proposal,
    second: &Proposal,
    flags: SelectionFlags,
) -> Option<Vec<Transform>> {
    if first.protocol != second.protocol {
        return None;
    }
    let mut selected = Vec::new();
    let mut aead = false;
    for ty in merged_types(first, second) {
        if (ty == TransformType::INTEG && aead) || (ty == TransformType::KE && flags.skip_ke) {
            continue;
        }
        let chosen = select_of_type(first, second, ty, flags)?;
        if let Some(t) = chosen {
            aead |= t.is_aead();
            selected.push(t);
        }
    }
    Some(selected)
}

/// `None`: no agreement; `Some(None)`: agreement on "nothing" (both omit
/// the type, or ESP/AH KE with `NONE`); `Some(Some(t))`: the transform.
fn select_of_type(
    first: &Proposal,
    second: &Proposal,
    ty: TransformType,
    flags: SelectionFlags,
) -> Option<Option<Transform>> {
    let optional = ty == TransformType::KE && first.protocol != ProtocolId::IKE;
    let offers_none = |p: &Proposal| p.of_type(ty).any(|t| t.alg == Algorithm::Ke(KeId::NONE));
    match (first.has(ty), second.has(ty)) {
        (false, false) => return Some(None),
        (false, true) if optional && offers_none(second) => return Some(None),
        (true, false) if optional && offers_none(first) => return Some(None),
        (false, _) | (_, false) => return None,
        (true, true) => {}
    }
    let chosen = first.of_type(ty).find(|a| {
        second.of_type(ty).any(|b| *a == b) && !(flags.skip_private && a.alg.is_private_use())
    })?;
    // an agreed NONE means "no transform" (except ESN, where 0 is "no ESN")
    if chosen.alg.wire_id() == 0 && ty != TransformType::ESN {
        return Some(None);
    }
    Some(Some(*chosen))
}

/// Our proposals for a CHILD_SA negotiated without KE (IKE_AUTH): KE
/// transforms removed and duplicates that creates dropped.
pub fn strip_ke(proposals: &[Proposal]) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::with_capacity(proposals.len());
    for proposal in proposals {
        let mut stripped = proposal.clone();
        stripped.remove(TransformType::KE);
        if !out.contains(&stripped) {
            out.push(stripped);
        }
    }
    out
}

/// Initiator order for a KE payload of `group`: the group moves to the
/// front of every proposal that has it, and proposals without it go last,
/// so the responder is likely to pick the group we already sent.
pub fn order_for_ke(proposals: &[Proposal], group: KeId) -> Vec<Proposal> {
    let (mut with, without): (Vec<Proposal>, Vec<Proposal>) = proposals
        .iter()
        .cloned()
        .partition(|p| p.ke_methods().any(|g| g == group));
    for proposal in &mut with {
        let wanted = Algorithm::Ke(group);
        if let Some(at) = proposal.transforms.iter().position(|t| t.alg == wanted) {
            let transform = proposal.transforms.remove(at);
            let first_ke = proposal
                .transforms
                .iter()
                .position(|t| t.alg.transform_type() == TransformType::KE)
                .unwrap_or(proposal.transforms.len());
            proposal.transforms.insert(first_ke, transform);
        }
    }
    with.extend(without);
    with
}

/// Why a responder refuses an IKE_SA_INIT request's SA and KE payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IkeSaInitRejection {
    /// No proposal matches: answer NO_PROPOSAL_CHOSEN (RFC 7296 §2.7).
    NoProposalChosen,
    /// A proposal matches but the KE payload is for another group: answer
    /// INVALID_KE_PAYLOAD naming `wanted` (RFC 7296 §1.2, §3.10.1).
    InvalidKe { wanted: KeId },
}

/// Responder choice for IKE_SA_INIT: select a proposal, then require the
/// initiator's KE payload group to be the selected one.
pub fn choose_ike_sa_init(
    configured: &[Proposal],
    supplied: &[Proposal],
    ke_payload_group: Option<KeId>,
    flags: SelectionFlags,
) -> Result<Proposal, IkeSaInitRejection> {
    let selected =
        select(configured, supplied, flags).ok_or(IkeSaInitRejection::NoProposalChosen)?;
    let Some(wanted) = selected.ke() else {
        return Err(IkeSaInitRejection::NoProposalChosen);
    };
    if ke_payload_group == Some(wanted) {
        Ok(selected)
    } else {
        Err(IkeSaInitRejection::InvalidKe { wanted })
    }
}

/// The initiator's check of a responder's SA payload (RFC 7296 §2.7,
/// §3.3.1): exactly one proposal, at most one transform of each type, and
/// it must be acceptable under the offered proposal its number names.
/// Returns that proposal, or `None` if it was not ours.
pub fn check_selected(
    received: &[Proposal],
    offered: &[Proposal],
    protocol: ProtocolId,
    skip_ke: bool,
) -> Option<Proposal> {
    let [proposal] = received else {
        return None;
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
    let matches =
        ours.is_some_and(|ours| select(core::slice::from_ref(ours), received, flags).is_some());
    (proposal.protocol == protocol && !doubled && matches).then(|| proposal.clone())
}
