//! Rekeying the IKE SA (RFC 7296 §1.3.2, §2.18) and simultaneous IKE SA
//! rekeys (§2.8.2): the new SA created with the lowest of the four nonces
//! is redundant and deleted by its initiator; the CHILD_SAs move to the
//! surviving SA, and the winner's initiator deletes the old SA.
//!
//! ```text
//! HDR, SK {SA, Ni, KEi}  -->
//!                   <--  HDR, SK {SA, Nr, KEr}
//! HDR, SK {D(IKE)} (old SA)  -->  <--  HDR, SK {}
//! ```

use super::child_rekey::lowest_is_ours;
use super::common::{
    accept_ike_proposal, check_nonce, find, first_error, ike_answer, nonce, notify, refusal,
    requested_group, require, retry_at, start_ke,
};
use super::informational::IkeDelete;
use super::{Inbound, Progress, Reply, Task};
use crate::Error;
use crate::action::{DownReason, Event, SaHandle};
use crate::counters::Counter;
use crate::crypto::ActiveKe;
use crate::error::PeerMisbehaved;
use crate::proposal::{Proposal, order_for_ke, sa_accepting, sa_offering, supported_ike_proposals};
use crate::sa::{Ctx, IkeSa, IkeState, KeyInputs, SaCore, SaKeys};
use crate::wire::iana::{ExchangeType, KeId, NotifyType, PayloadType};
use crate::wire::{Nonce, Payload};

/// How long a replaced SA waits for the peer's delete.
pub(crate) const REKEYED_GRACE: core::time::Duration = core::time::Duration::from_secs(30);

/// The peer's rekey of this IKE SA, answered while ours was in flight.
#[derive(Debug)]
pub(crate) struct IkeCollision {
    pub(crate) new: SaHandle,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
}

/// Our rekey of the IKE SA.
pub(crate) struct IkeRekey {
    spi: u64,
    proposals: Vec<Proposal>,
    group: KeId,
    ni: Vec<u8>,
    ke: Option<Box<dyn ActiveKe>>,
    retried: bool,
    pub(crate) collision: Option<IkeCollision>,
}

impl IkeRekey {
    /// Offers the configured proposals with the current SA's group first.
    pub(crate) fn new(sa: &SaCore, ctx: &Ctx<'_>) -> Result<Self, Error> {
        let spi = crate::sa::ike_spi(ctx)?;
        let mut proposals = supported_ike_proposals(&sa.config.proposals, ctx.provider);
        if let Some(current) = sa.keys.as_ref().and_then(|k| k.proposal.ke()) {
            proposals = order_for_ke(&proposals, current);
        }
        for p in &mut proposals {
            p.spi = spi.to_be_bytes().to_vec();
        }
        let group = proposals
            .first()
            .and_then(Proposal::ke)
            .ok_or(Error::NoProposalChosen)?;
        Ok(Self {
            spi,
            proposals,
            group,
            ni: nonce(ctx)?,
            ke: None,
            retried: false,
            collision: None,
        })
    }

    pub(crate) fn build_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Vec<Payload>, Error> {
        let (ke, ke_i) = start_ke(ctx, self.group)?;
        let payloads = vec![
            Payload::Sa(sa_offering(&self.proposals)),
            Payload::Nonce(Nonce(self.ni.clone())),
            Payload::Ke(ke_i),
        ];
        self.ke = Some(ke);
        sa.state = IkeState::Rekeying;
        Ok(payloads)
    }

    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        response: &Inbound<'_>,
    ) -> Result<Progress, Error> {
        let offered = |g: KeId| {
            self.proposals
                .iter()
                .any(|p| p.ke_methods().any(|m| m == g))
        };
        if let (false, Some(wanted)) = (self.retried, requested_group(response.payloads))
            && offered(wanted)
        {
            self.retried = true;
            self.group = wanted;
            self.proposals = order_for_ke(&self.proposals, wanted);
            return Ok(Progress::Restart);
        }
        match self.finish(sa, ctx, response.payloads) {
            Ok((new, nr)) => Ok(self.rekeyed(sa, ctx, new, &nr)),
            Err(e) => {
                self.failed(sa, ctx, &e);
                Ok(Progress::Done)
            }
        }
    }

    fn finish(
        &mut self,
        sa: &SaCore,
        ctx: &mut Ctx<'_>,
        payloads: &[Payload],
    ) -> Result<(IkeSa, Vec<u8>), Error> {
        if let Some(error) = first_error(payloads) {
            return Err(Error::Notified(error));
        }
        let (proposal, ke_r, nr) = ike_answer(
            ExchangeType::CREATE_CHILD_SA,
            payloads,
            &self.proposals,
            self.group,
        )?;
        let spi_r = ike_spi_of(&proposal)?;
        let ke = self
            .ke
            .take()
            .ok_or(Error::ApiMisuse("IKE rekey response before request"))?;
        let g_ir = ke.complete(&ke_r.data)?;
        let old = sa.keys.as_ref().ok_or(Error::ApiMisuse("no IKE keys"))?;
        let inputs = KeyInputs {
            g_ir: &g_ir,
            ni: &self.ni,
            nr: &nr,
            spi_i: self.spi,
            spi_r,
            old_sk_d: Some((old.prf, &old.sk_d)),
        };
        let keys = SaKeys::derive(ctx.provider, &proposal, &inputs, true)?;
        Ok((IkeSa::rekeyed(sa, ctx, true, (self.spi, spi_r), keys), nr))
    }

    /// The new SA exists: settle a collision, move the CHILD_SAs, delete
    /// the loser.
    fn rekeyed(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        mut new: IkeSa,
        nr: &[u8],
    ) -> Progress {
        let new_handle = new.core.handle;
        let progress = match self.collision.take() {
            Some(theirs) if lowest_is_ours((&self.ni, nr), (&theirs.ni, &theirs.nr)) => {
                tracing::info!("IKE_SA rekey collision won by the peer, deleting redundant IKE_SA");
                new.delete(ctx, DownReason::Local);
                adopt(sa, ctx, theirs.new, false);
                Progress::Done
            }
            _ => {
                adopt(sa, ctx, new_handle, true);
                Progress::Followed(Task::IkeDelete(IkeDelete {
                    reason: DownReason::Rekeyed,
                }))
            }
        };
        ctx.new_sas.push(new);
        progress
    }

    fn failed(&mut self, sa: &mut SaCore, ctx: &mut Ctx<'_>, e: &Error) {
        tracing::info!("rekeying IKE_SA failed: {e}");
        if let Some(theirs) = self.collision.take() {
            adopt(sa, ctx, theirs.new, false);
            return;
        }
        sa.state = IkeState::Established;
        sa.rekey_at = Some(retry_at(ctx));
    }

    pub(crate) fn abort(&self, sa: &mut SaCore) {
        if sa.state == IkeState::Rekeying {
            sa.state = IkeState::Established;
        }
    }
}

/// `new` replaces `sa`: the CHILD_SAs move over, `sa` waits for its delete.
pub(crate) fn adopt(sa: &mut SaCore, ctx: &mut Ctx<'_>, new: SaHandle, ours: bool) {
    sa.state = IkeState::Rekeyed;
    // if the peer never deletes it, we do (charon does the same)
    sa.expire_at = Some(ctx.now + REKEYED_GRACE);
    ctx.moves.push((sa.handle, new));
    // charon counts by who initiated the rekey (`ours`)
    let counter = if ours {
        Counter::IkeRekeyInit
    } else {
        Counter::IkeRekeyResp
    };
    ctx.counters.count(Some(&sa.config.name), counter);
    ctx.event(Event::IkeRekeyed {
        old: sa.handle,
        new,
    });
}

/// The eight-octet SPI of an IKE proposal (§3.3.1), not zero.
fn ike_spi_of(proposal: &Proposal) -> Result<u64, Error> {
    let bytes: [u8; 8] = proposal
        .spi
        .as_slice()
        .try_into()
        .map_err(|_| Error::PeerMisbehaved(PeerMisbehaved::BadSpi))?;
    match u64::from_be_bytes(bytes) {
        0 => Err(PeerMisbehaved::BadSpi.into()),
        spi => Ok(spi),
    }
}

/// The responder's IKE SA rekey: refused while CHILD_SA exchanges of ours
/// are in flight (§2.25.2); a collision if ours is.
pub(crate) fn respond(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    active: Option<&mut Task>,
    request: &Inbound<'_>,
) -> Reply {
    let ours = match active {
        Some(Task::IkeRekey(t)) => Some(t),
        None | Some(Task::Dpd) if sa.state == IkeState::Established => None,
        _ => return Reply::keep(vec![notify(NotifyType::TEMPORARY_FAILURE, Vec::new())]),
    };
    match accept(sa, ctx, request.payloads) {
        Ok((payloads, new, ni, nr)) => {
            match ours {
                Some(ours) => ours.collision = Some(IkeCollision { new, ni, nr }),
                None => adopt(sa, ctx, new, false),
            }
            Reply::keep(payloads)
        }
        Err(e) => {
            tracing::info!("refusing IKE_SA rekey: {e}");
            refusal(&e)
        }
    }
}

type Accepted = (Vec<Payload>, SaHandle, Vec<u8>, Vec<u8>);

fn accept(sa: &mut SaCore, ctx: &mut Ctx<'_>, payloads: &[Payload]) -> Result<Accepted, Error> {
    let ex = ExchangeType::CREATE_CHILD_SA;
    let sa_payload = require(find!(payloads, Payload::Sa), ex, PayloadType::SA)?;
    let ni = check_nonce(&require(find!(payloads, Payload::Nonce), ex, PayloadType::NONCE)?.0)?;
    let ke_i = require(find!(payloads, Payload::Ke), ex, PayloadType::KE)?;
    let (proposal, g_ir, ke_r) = accept_ike_proposal(sa, ctx, sa_payload, ke_i)?;
    let spi_i = ike_spi_of(&proposal)?;
    let spi_r = crate::sa::ike_spi(ctx)?;
    let nr = nonce(ctx)?;
    let old = sa.keys.as_ref().ok_or(Error::ApiMisuse("no IKE keys"))?;
    let inputs = KeyInputs {
        g_ir: &g_ir,
        ni: &ni,
        nr: &nr,
        spi_i,
        spi_r,
        old_sk_d: Some((old.prf, &old.sk_d)),
    };
    let keys = SaKeys::derive(ctx.provider, &proposal, &inputs, false)?;
    let new = IkeSa::rekeyed(sa, ctx, false, (spi_i, spi_r), keys);
    let handle = new.core.handle;
    ctx.new_sas.push(new);
    let mut accepted = proposal.clone();
    accepted.spi = spi_r.to_be_bytes().to_vec();
    let response = vec![
        Payload::Sa(sa_accepting(&accepted)),
        Payload::Nonce(Nonce(nr.clone())),
        Payload::Ke(ke_r),
    ];
    Ok((response, handle, ni, nr))
}
