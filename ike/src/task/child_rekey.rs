//! Rekeying a CHILD_SA (RFC 7296 §1.3.3, §2.8) and the simultaneous-rekey
//! rule (§2.8.1): of two new CHILD_SAs, the one created by the exchange
//! with the lowest of the four nonces is redundant and deleted by the side
//! that initiated that exchange; the other side deletes the old CHILD_SA.
//!
//! ```text
//! HDR, SK {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}  -->
//!                                        <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
//! HDR, SK {D(old)}  -->  <--  HDR, SK {D(old)}
//! ```

use super::child_create::{ChildRequest, select_child};
use super::common::{
    check_nonce, find, first_error, nonce, notify, refusal, requested_group, require, retry_at,
    start_ke,
};
use super::informational::{ChildDelete, remove_child};
use super::{Inbound, Progress, Reply, Task};
use crate::Error;
use crate::action::{ChildId, DownReason, Event};
use crate::counters::Counter;
use crate::crypto::{ActiveKe, Secret};
use crate::error::PeerMisbehaved;
use crate::sa::{ChildState, Ctx, IkeState, SaCore};
use crate::wire::iana::{ExchangeType, KeId, NotifyType, PayloadType, ProtocolId};
use crate::wire::{Notify, Payload};

/// The peer's rekey of the same CHILD_SA, answered while ours was in flight.
#[derive(Debug)]
pub(crate) struct Collision {
    pub(crate) new: ChildId,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
}

/// Our rekey of one CHILD_SA.
pub(crate) struct ChildRekey {
    pub(crate) old: ChildId,
    /// The reqid the old CHILD_SA's policies use.
    reqid: u32,
    request: Option<ChildRequest>,
    ni: Vec<u8>,
    group: Option<KeId>,
    ke: Option<Box<dyn ActiveKe>>,
    retried: bool,
    pub(crate) collision: Option<Collision>,
}

impl ChildRekey {
    pub(crate) const fn new(old: ChildId) -> Self {
        Self {
            old,
            reqid: 0,
            request: None,
            ni: Vec::new(),
            group: None,
            ke: None,
            retried: false,
            collision: None,
        }
    }

    pub(crate) fn build_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Option<Vec<Payload>>, Error> {
        let Some(old) = sa.child(self.old) else {
            return Ok(None);
        };
        if !matches!(old.state, ChildState::Installed | ChildState::Rekeying) {
            return Ok(None);
        }
        let old_spi = old.spi_in;
        self.reqid = old.reqid;
        if self.request.is_none() {
            let request = ChildRequest::for_rekey(sa, ctx, old)?;
            self.group = request.ke_group();
            self.ni = nonce(ctx)?;
            self.request = Some(request);
        }
        let ke = match self.group {
            Some(group) => {
                let (active, payload) = start_ke(ctx, group)?;
                self.ke = Some(active);
                Some(payload)
            }
            None => None,
        };
        if let Some(old) = sa.child_mut(self.old) {
            old.state = ChildState::Rekeying;
        }
        let mut rekey = Notify::new(NotifyType::REKEY_SA, Vec::new());
        rekey.protocol = ProtocolId::ESP;
        rekey.spi = old_spi.to_be_bytes().to_vec();
        let mut payloads = vec![Payload::Notify(rekey)];
        if let Some(request) = &self.request {
            payloads.extend(request.payloads(Some(&self.ni), ke.as_ref()));
        }
        Ok(Some(payloads))
    }

    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        response: &Inbound<'_>,
    ) -> Result<Progress, Error> {
        if let (false, Some(wanted)) = (self.retried, requested_group(response.payloads)) {
            self.retried = true;
            self.group = Some(wanted);
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
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        payloads: &[Payload],
    ) -> Result<(ChildId, Vec<u8>), Error> {
        if let Some(error) = first_error(payloads) {
            return Err(Error::Notified(error));
        }
        // the old CHILD_SA may be gone meanwhile (deleted by the peer); the
        // peer installed the new one all the same, so we do too
        let reqid = self.reqid;
        let ex = ExchangeType::CREATE_CHILD_SA;
        let nr = check_nonce(&require(find!(payloads, Payload::Nonce), ex, PayloadType::NONCE)?.0)?;
        let g_ir = complete_ke(self.ke.take(), payloads)?;
        // a collision we lost makes our new CHILD_SA redundant: it is
        // deleted again and never sends (no window in which the peer has
        // removed its inbound side while we still use it)
        let lost = self
            .collision
            .as_ref()
            .is_some_and(|theirs| lowest_is_ours((&self.ni, &nr), (&theirs.ni, &theirs.nr)));
        let request = self
            .request
            .as_mut()
            .ok_or(Error::ApiMisuse("rekey without request"))?;
        request.outbound_now = !lost;
        let new = request.complete(
            sa,
            ctx,
            payloads,
            (&self.ni, &nr),
            g_ir.as_ref(),
            Some(reqid),
        )?;
        Ok((new, nr))
    }

    /// Our new CHILD_SA is installed: settle a collision, then delete the
    /// loser.
    fn rekeyed(&mut self, sa: &mut SaCore, ctx: &mut Ctx<'_>, new: ChildId, nr: &[u8]) -> Progress {
        ctx.counters
            .count(Some(&sa.config.name), Counter::ChildRekey);
        ctx.event(Event::ChildRekeyed {
            sa: sa.handle,
            old: self.old,
            new,
        });
        if sa.child(self.old).is_none() && self.collision.is_none() {
            return Progress::Done;
        }
        let (survivor, follow) = match self.collision.take() {
            Some(theirs) if lowest_is_ours((&self.ni, nr), (&theirs.ni, &theirs.nr)) => {
                tracing::info!(
                    "CHILD_SA rekey collision won by the peer, deleting redundant CHILD_SA"
                );
                (
                    theirs.new,
                    ChildDelete {
                        child: new,
                        reason: DownReason::Rekeyed,
                    },
                )
            }
            _ => (
                new,
                ChildDelete {
                    child: self.old,
                    reason: DownReason::Rekeyed,
                },
            ),
        };
        awaiting_delete(sa, ctx, self.old, survivor);
        Progress::Followed(Task::ChildDelete(follow))
    }

    /// The rekey failed: a collision the peer won, a CHILD_SA the peer no
    /// longer knows, or a retry later.
    fn failed(&mut self, sa: &mut SaCore, ctx: &mut Ctx<'_>, e: &Error) {
        tracing::info!("rekeying CHILD_SA failed: {e}");
        if let Some(request) = &self.request {
            request.release(ctx);
        }
        if let Some(theirs) = self.collision.take() {
            awaiting_delete(sa, ctx, self.old, theirs.new);
            return;
        }
        if *e == Error::Notified(NotifyType::CHILD_SA_NOT_FOUND) {
            remove_child(sa, ctx, self.old, DownReason::Peer);
            return;
        }
        let retry = retry_at(ctx);
        if let Some(old) = sa.child_mut(self.old) {
            old.state = ChildState::Installed;
            old.rekey_at = Some(retry);
        }
    }

    pub(crate) fn abort(self, sa: &mut SaCore, ctx: &mut Ctx<'_>) {
        if let Some(request) = &self.request {
            request.release(ctx);
        }
        if let Some(old) = sa.child_mut(self.old)
            && old.state == ChildState::Rekeying
        {
            old.state = ChildState::Installed;
        }
    }
}

/// `old` was replaced by `successor` and waits for its delete; if neither
/// side sends one in time, we do.
fn awaiting_delete(sa: &mut SaCore, ctx: &Ctx<'_>, old: ChildId, successor: ChildId) {
    let grace = ctx.now + super::ike_rekey::REKEYED_GRACE;
    if let Some(old) = sa.child_mut(old) {
        old.state = ChildState::Rekeyed;
        old.successor = Some(successor);
        old.expire_at = Some(old.expire_at.map_or(grace, |at| at.min(grace)));
    }
}

/// Whether the lowest of the four nonces is one of `ours` (§2.8.1).
pub(crate) fn lowest_is_ours(ours: (&[u8], &[u8]), theirs: (&[u8], &[u8])) -> bool {
    ours.0.min(ours.1) < theirs.0.min(theirs.1)
}

/// `g^ir` of a PFS exchange, or `None` without KE.
fn complete_ke(
    ke: Option<Box<dyn ActiveKe>>,
    payloads: &[Payload],
) -> Result<Option<Secret>, Error> {
    let Some(ke) = ke else {
        return Ok(None);
    };
    let ex = ExchangeType::CREATE_CHILD_SA;
    let ke_r = require(find!(payloads, Payload::Ke), ex, PayloadType::KE)?;
    if ke_r.group != ke.group() {
        return Err(PeerMisbehaved::KeGroupMismatch.into());
    }
    Ok(Some(ke.complete(&ke_r.data)?))
}

/// The responder's rekey of the CHILD_SA named in `rekey` (§2.8): the new
/// inbound SA now, its outbound SA once the old one is deleted.
pub(crate) fn respond(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    active: Option<&mut Task>,
    request: &Inbound<'_>,
    rekey: &Notify,
) -> Reply {
    let old = <[u8; 4]>::try_from(rekey.spi.as_slice())
        .ok()
        .map(u32::from_be_bytes)
        .and_then(|spi| sa.children.iter().find(|c| c.spi_out == spi));
    let Some(old) = old else {
        if matches!(active, Some(Task::ChildCreate(_) | Task::ChildRekey(_))) {
            // it may be the CHILD_SA our request in flight creates: the
            // peer installed it before its answer reached us (§2.25)
            return Reply::keep(vec![notify(NotifyType::TEMPORARY_FAILURE, Vec::new())]);
        }
        let mut n = Notify::new(NotifyType::CHILD_SA_NOT_FOUND, Vec::new());
        n.protocol = rekey.protocol;
        n.spi.clone_from(&rekey.spi);
        return Reply::keep(vec![Payload::Notify(n)]);
    };
    let (old_id, state) = (old.id, old.state);
    let ours = match active {
        Some(Task::ChildRekey(t)) if t.old == old_id => Some(t),
        _ => None,
    };
    // §2.25.1: the CHILD_SA is being closed or already replaced
    let refused = sa.state != IkeState::Established
        || state == ChildState::Deleting
        || (state != ChildState::Installed && ours.is_none());
    if refused {
        return Reply::keep(vec![notify(NotifyType::TEMPORARY_FAILURE, Vec::new())]);
    }
    match accept(sa, ctx, request.payloads, old_id) {
        Ok((payloads, new, ni, nr)) => {
            let collided = ours.is_some();
            if let Some(ours) = ours {
                ours.collision = Some(Collision { new, ni, nr });
            }
            if collided {
                // until our own rekey settles the collision, the peer's new
                // CHILD_SA replaces the old one if that is deleted first
                if let Some(old) = sa.child_mut(old_id) {
                    old.successor = Some(new);
                }
            } else {
                awaiting_delete(sa, ctx, old_id, new);
            }
            ctx.counters
                .count(Some(&sa.config.name), Counter::ChildRekey);
            ctx.event(Event::ChildRekeyed {
                sa: sa.handle,
                old: old_id,
                new,
            });
            Reply::keep(payloads)
        }
        Err(e) => {
            tracing::info!("refusing CHILD_SA rekey: {e}");
            refusal(&e)
        }
    }
}

type Accepted = (Vec<Payload>, ChildId, Vec<u8>, Vec<u8>);

fn accept(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    payloads: &[Payload],
    old_id: ChildId,
) -> Result<Accepted, Error> {
    let Some(old) = sa.child(old_id) else {
        return Err(Error::Notified(NotifyType::CHILD_SA_NOT_FOUND));
    };
    let (config, reqid) = (old.config.clone(), old.reqid);
    let ex = ExchangeType::CREATE_CHILD_SA;
    let ni = check_nonce(&require(find!(payloads, Payload::Nonce), ex, PayloadType::NONCE)?.0)?;
    let selection = select_child(sa, payloads, true, Some(&config))?;
    let (g_ir, ke_r) =
        super::child_create::respond_ke(ctx, selection.ke_group(), find!(payloads, Payload::Ke))?;
    let nr = nonce(ctx)?;
    let (response, new) = selection.install(
        sa,
        ctx,
        (&ni, &nr),
        g_ir.as_ref(),
        (Some(&nr), ke_r),
        Some(reqid),
    )?;
    Ok((response, new, ni, nr))
}
