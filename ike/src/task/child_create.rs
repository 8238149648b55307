//! Creating CHILD_SAs (RFC 7296 §1.3, §2.17): piggybacked on IKE_AUTH or in
//! a CREATE_CHILD_SA exchange, with traffic selector narrowing (§2.9),
//! transport mode (§1.3.1) and PFS (§1.3.1 KEi/KEr).
//!
//! ```text
//! HDR, SK {SA, Ni, [KEi], TSi, TSr}  -->
//!                               <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
//! ```

use std::sync::Arc;

use super::common::{
    check_nonce, check_selected, child_spi, find, find_notify, first_error, has_notify,
    log_selected, nonce, notify, refusal, requested_group, require, start_ke,
};
use super::config_payload::{local_hosts, remote_hosts};
use super::{Inbound, Progress, Reply, Task};
use crate::Error;
use crate::action::{ChildId, DownReason, Event};
use crate::config::{ChildConfig, Mode};
use crate::crypto::{ActiveKe, Secret};
use crate::error::PeerMisbehaved;
use crate::proposal::{
    Proposal, SelectionFlags, proposals_from_sa, sa_accepting, sa_offering, select, strip_ke,
};
use crate::sa::{ChildInit, ChildSa, Ctx, SaCore, child::Negotiated};
use crate::ts;
use crate::wire::iana::{ExchangeType, KeId, NotifyType, PayloadType, ProtocolId};
use crate::wire::{KeyExchange, Nonce, Payload, TrafficSelector, TrafficSelectors};

/// What we offer for a new CHILD_SA.
pub(crate) struct ChildRequest {
    pub(crate) config: Arc<ChildConfig>,
    /// The unique ID the CHILD_SA gets (charon numbers it when proposing).
    id: ChildId,
    /// The reqid of the CHILD_SA a rekey replaces.
    rekeys: Option<u32>,
    spi_in: u32,
    proposals: Vec<Proposal>,
    with_ke: bool,
    local_ts: Vec<TrafficSelector>,
    remote_ts: Vec<TrafficSelector>,
    /// The reqid asked for (a trap's).
    reqid: Option<u32>,
    /// Whether [`complete`](Self::complete) installs the outbound SA; not
    /// for a rekey that lost a collision (charon's `handle_collision`
    /// installs none for the redundant CHILD_SA).
    pub(crate) outbound_now: bool,
}

impl ChildRequest {
    /// Allocates our inbound SPI and resolves the selectors; `with_ke`
    /// keeps the proposals' KE methods (CREATE_CHILD_SA with PFS).
    pub(crate) fn new(
        sa: &SaCore,
        ctx: &mut Ctx<'_>,
        config: Arc<ChildConfig>,
        with_ke: bool,
    ) -> Result<Self, Error> {
        let spi_in = ctx.ids.spi(ctx.provider)?;
        let mut proposals = if with_ke {
            config.proposals.clone()
        } else {
            strip_ke(&config.proposals)
        };
        for p in &mut proposals {
            p.spi = spi_in.to_be_bytes().to_vec();
        }
        if config.ipcomp {
            tracing::warn!(
                "IPComp is not supported, CHILD_SA '{}' goes without",
                config.name
            );
        }
        Ok(Self {
            id: ctx.ids.child(),
            rekeys: None,
            local_ts: ts::propose(&config.local_ts, &local_hosts(sa)),
            remote_ts: ts::propose(&config.remote_ts, &[sa.remote.ip()]),
            config,
            spi_in,
            proposals,
            with_ke,
            reqid: None,
            outbound_now: true,
        })
    }

    /// Applies an acquire's [`ChildInit`]: its reqid, and the packet's
    /// selectors first in TSi/TSr (RFC 7296 §2.9).
    pub(crate) fn with_init(mut self, init: ChildInit) -> Self {
        if let Some((src, dst)) = init.packet {
            self.local_ts.insert(0, src);
            self.remote_ts.insert(0, dst);
        }
        self.reqid = init.reqid;
        self
    }

    /// Rekeys `old` (§2.8): its configuration and current selectors.
    pub(crate) fn for_rekey(sa: &SaCore, ctx: &mut Ctx<'_>, old: &ChildSa) -> Result<Self, Error> {
        let mut request = Self::new(sa, ctx, Arc::clone(&old.config), true)?;
        request.local_ts.clone_from(&old.local_ts);
        request.remote_ts.clone_from(&old.remote_ts);
        request.rekeys = Some(old.reqid);
        Ok(request)
    }

    /// The KE method of our first proposal, if PFS is configured.
    pub(crate) fn ke_group(&self) -> Option<KeId> {
        self.proposals
            .first()
            .and_then(Proposal::ke)
            .filter(|g| *g != KeId::NONE)
    }

    /// SA and, with `ke`/`nonce` for CREATE_CHILD_SA, Ni and KEi; then TSi,
    /// TSr and N(USE_TRANSPORT_MODE) if configured.
    pub(crate) fn payloads(&self, nonce: Option<&[u8]>, ke: Option<&KeyExchange>) -> Vec<Payload> {
        let reqid = self
            .rekeys
            .map(|r| format!(" reqid {r}"))
            .unwrap_or_default();
        tracing::info!(
            "establishing CHILD_SA {}{{{}}}{reqid}",
            self.config.name,
            self.id
        );
        let mut payloads = Vec::new();
        if self.config.mode == Mode::Transport {
            payloads.push(notify(NotifyType::USE_TRANSPORT_MODE, Vec::new()));
        }
        payloads.push(Payload::Sa(sa_offering(&self.proposals)));
        if let Some(nonce) = nonce {
            payloads.push(Payload::Nonce(Nonce(nonce.to_vec())));
        }
        if let Some(ke) = ke {
            payloads.push(Payload::Ke(ke.clone()));
        }
        payloads.push(Payload::TsI(TrafficSelectors(self.local_ts.clone())));
        payloads.push(Payload::TsR(TrafficSelectors(self.remote_ts.clone())));
        payloads
    }

    /// Checks the responder's answer and installs the CHILD_SA.
    pub(crate) fn complete(
        &self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        payloads: &[Payload],
        nonces: (&[u8], &[u8]),
        g_ir: Option<&Secret>,
        replaces: Option<u32>,
    ) -> Result<ChildId, Error> {
        if let Some(error) = first_error(payloads) {
            return Err(Error::Notified(error));
        }
        let ex = ExchangeType::CREATE_CHILD_SA;
        let sa_payload = require(find!(payloads, Payload::Sa), ex, PayloadType::SA)?;
        let ts_i = require(find!(payloads, Payload::TsI), ex, PayloadType::TSI)?;
        let ts_r = require(find!(payloads, Payload::TsR), ex, PayloadType::TSR)?;
        let received = proposals_from_sa(sa_payload);
        let proposal = check_selected(&received, &self.proposals, ProtocolId::ESP, !self.with_ke)?;
        let spi_out = child_spi(&proposal.spi)?;
        if sa.deleted_early.contains(&spi_out) {
            // the peer created it and deleted it before its answer reached us
            return Err(Error::Notified(NotifyType::CHILD_SA_NOT_FOUND));
        }
        if !within(&ts_i.0, &self.local_ts) || !within(&ts_r.0, &self.remote_ts) {
            return Err(PeerMisbehaved::TsNotNarrowed.into());
        }
        let transport = self.config.mode == Mode::Transport
            && has_notify(payloads, NotifyType::USE_TRANSPORT_MODE);
        let keys = sa_keys(sa)?.child_keys(ctx.provider, &proposal, g_ir, nonces.0, nonces.1)?;
        let neg = Negotiated {
            id: Some(self.id),
            config: Arc::clone(&self.config),
            proposal,
            spi_in: self.spi_in,
            spi_out,
            mode: if transport {
                Mode::Transport
            } else {
                Mode::Tunnel
            },
            local_ts: ts_i.0.clone(),
            remote_ts: ts_r.0.clone(),
            keys,
            we_initiated: true,
            replaces,
            reqid: self.reqid,
            outbound_now: self.outbound_now,
        };
        Ok(establish(sa, ctx, neg))
    }

    /// The exchange failed: the SPI is free again.
    pub(crate) fn release(&self, ctx: &mut Ctx<'_>) {
        ctx.ids.release_spi(self.spi_in);
    }
}

/// Every selector of `got` inside one of `ours` (the responder may only
/// narrow, §2.9), and at least one.
fn within(got: &[TrafficSelector], ours: &[TrafficSelector]) -> bool {
    !got.is_empty() && got.iter().all(|g| ours.iter().any(|o| ts::is_subset(g, o)))
}

fn sa_keys(sa: &SaCore) -> Result<&crate::sa::SaKeys, Error> {
    sa.keys.as_ref().ok_or(Error::ApiMisuse("no IKE keys"))
}

/// Installs a negotiated CHILD_SA, records it and reports it.
fn establish(sa: &mut SaCore, ctx: &mut Ctx<'_>, neg: Negotiated) -> ChildId {
    let name = neg.config.name.clone();
    let rekey = neg.replaces.is_some();
    let child = ChildSa::install(sa, ctx, neg);
    let id = child.id;
    tracing::info!(
        "CHILD_SA {name}{{{id}}} established with SPIs {:08x}_i {:08x}_o and TS {} === {}",
        child.spi_in,
        child.spi_out,
        ts::TsList(&child.local_ts),
        ts::TsList(&child.remote_ts)
    );
    sa.children.push(child);
    if !rekey {
        ctx.event(Event::ChildUp {
            sa: sa.handle,
            child: id,
            name,
        });
    }
    id
}

/// A responder's choice for a requested CHILD_SA.
pub(crate) struct Selection {
    config: Arc<ChildConfig>,
    proposal: Proposal,
    spi_out: u32,
    local_ts: Vec<TrafficSelector>,
    remote_ts: Vec<TrafficSelector>,
    transport: bool,
}

/// Picks the child configuration whose selectors overlap the request
/// (`only`: the configuration of the CHILD_SA being rekeyed), then the
/// proposal (§2.7) and the narrowed selectors (§2.9).
pub(crate) fn select_child(
    sa: &SaCore,
    payloads: &[Payload],
    with_ke: bool,
    only: Option<&Arc<ChildConfig>>,
) -> Result<Selection, Error> {
    let ex = ExchangeType::CREATE_CHILD_SA;
    let sa_payload = require(find!(payloads, Payload::Sa), ex, PayloadType::SA)?;
    let ts_i = require(find!(payloads, Payload::TsI), ex, PayloadType::TSI)?;
    let ts_r = require(find!(payloads, Payload::TsR), ex, PayloadType::TSR)?;
    let candidates: Vec<&Arc<ChildConfig>> = match only {
        Some(config) => vec![config],
        None => sa.config.children.iter().collect(),
    };
    let (config, local_ts, remote_ts) = candidates
        .into_iter()
        .find_map(|config| {
            let local = ts::narrow(&ts::resolve(&config.local_ts, &[sa.local.ip()]), &ts_r.0);
            let remote = ts::narrow(&ts::resolve(&config.remote_ts, &remote_hosts(sa)), &ts_i.0);
            (!local.is_empty() && !remote.is_empty()).then_some((config, local, remote))
        })
        .ok_or(Error::TsUnacceptable)?;
    let ours = if with_ke {
        config.proposals.clone()
    } else {
        strip_ke(&config.proposals)
    };
    let flags = SelectionFlags {
        skip_ke: !with_ke,
        ..SelectionFlags::default()
    };
    let proposal = select(&ours, &proposals_from_sa(sa_payload), flags)
        .map(log_selected)
        .ok_or(Error::NoProposalChosen)?;
    let spi_out = child_spi(&proposal.spi)?;
    let transport =
        config.mode == Mode::Transport && has_notify(payloads, NotifyType::USE_TRANSPORT_MODE);
    Ok(Selection {
        config: Arc::clone(config),
        proposal,
        spi_out,
        local_ts,
        remote_ts,
        transport,
    })
}

impl Selection {
    /// The KE method the selected proposal requires (PFS).
    pub(crate) fn ke_group(&self) -> Option<KeId> {
        self.proposal.ke().filter(|g| *g != KeId::NONE)
    }

    /// Installs the CHILD_SA as responder and returns the answer's SA,
    /// [Nr, KEr,] TSi, TSr payloads.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn install(
        self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        nonces: (&[u8], &[u8]),
        g_ir: Option<&Secret>,
        exchange_payloads: (Option<&[u8]>, Option<KeyExchange>),
        replaces: Option<u32>,
    ) -> Result<(Vec<Payload>, ChildId), Error> {
        let spi_in = ctx.ids.spi(ctx.provider)?;
        let keys =
            sa_keys(sa)?.child_keys(ctx.provider, &self.proposal, g_ir, nonces.0, nonces.1)?;
        let mut accepted = self.proposal.clone();
        accepted.spi = spi_in.to_be_bytes().to_vec();
        let mut payloads = Vec::new();
        if self.transport {
            payloads.push(notify(NotifyType::USE_TRANSPORT_MODE, Vec::new()));
        }
        payloads.push(Payload::Sa(sa_accepting(&accepted)));
        let (nr, ke_r) = exchange_payloads;
        if let Some(nr) = nr {
            payloads.push(Payload::Nonce(Nonce(nr.to_vec())));
        }
        if let Some(ke_r) = ke_r {
            payloads.push(Payload::Ke(ke_r));
        }
        payloads.push(Payload::TsI(TrafficSelectors(self.remote_ts.clone())));
        payloads.push(Payload::TsR(TrafficSelectors(self.local_ts.clone())));
        let neg = Negotiated {
            id: None,
            config: self.config,
            proposal: self.proposal,
            spi_in,
            spi_out: self.spi_out,
            mode: if self.transport {
                Mode::Transport
            } else {
                Mode::Tunnel
            },
            local_ts: self.local_ts,
            remote_ts: self.remote_ts,
            keys,
            we_initiated: false,
            outbound_now: replaces.is_none(),
            replaces,
            reqid: None,
        };
        let id = establish(sa, ctx, neg);
        Ok((payloads, id))
    }
}

/// The responder's part of IKE_AUTH for the piggybacked CHILD_SA: its
/// payloads, or the error notify (the IKE SA stays up, §1.2).
pub(crate) fn respond_in_auth(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    payloads: &[Payload],
) -> Vec<Payload> {
    let Some(init) = sa.init.as_ref() else {
        return Vec::new();
    };
    let (ni, nr) = (init.ni.clone(), init.nr.clone());
    let result = select_child(sa, payloads, false, None)
        .and_then(|selection| selection.install(sa, ctx, (&ni, &nr), None, (None, None), None));
    match result {
        Ok((payloads, _)) => payloads,
        Err(e) => {
            tracing::info!("failed to establish CHILD_SA, keeping IKE_SA: {e}");
            ctx.event(Event::ChildFailed {
                sa: sa.handle,
                name: String::new(),
                reason: DownReason::Failed(e.clone()),
            });
            e.notify()
                .map(|ty| vec![notify(ty, Vec::new())])
                .unwrap_or_default()
        }
    }
}

/// CREATE_CHILD_SA for an additional CHILD_SA (initiator).
pub(crate) struct ChildCreate {
    request: ChildRequest,
    ni: Vec<u8>,
    group: Option<KeId>,
    ke: Option<Box<dyn ActiveKe>>,
    retried: bool,
}

impl ChildCreate {
    pub(crate) fn new(
        sa: &SaCore,
        ctx: &mut Ctx<'_>,
        config: Arc<ChildConfig>,
        init: ChildInit,
    ) -> Result<Self, Error> {
        let request = ChildRequest::new(sa, ctx, config, true)?.with_init(init);
        Ok(Self {
            group: request.ke_group(),
            request,
            ni: nonce(ctx)?,
            ke: None,
            retried: false,
        })
    }

    pub(crate) fn build_i(
        &mut self,
        _sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Option<Vec<Payload>>, Error> {
        let ke = match self.group {
            Some(group) => {
                let (active, payload) = start_ke(ctx, group)?;
                self.ke = Some(active);
                Some(payload)
            }
            None => None,
        };
        Ok(Some(self.request.payloads(Some(&self.ni), ke.as_ref())))
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
        let result = self.finish(sa, ctx, response.payloads);
        if let Err(e) = result {
            self.fail(sa, ctx, DownReason::Failed(e));
        }
        Ok(Progress::Done)
    }

    fn finish(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        payloads: &[Payload],
    ) -> Result<ChildId, Error> {
        if let Some(error) = first_error(payloads) {
            return Err(Error::Notified(error));
        }
        let ex = ExchangeType::CREATE_CHILD_SA;
        let nr = check_nonce(&require(find!(payloads, Payload::Nonce), ex, PayloadType::NONCE)?.0)?;
        let g_ir = match self.ke.take() {
            Some(ke) => {
                let ke_r = require(find!(payloads, Payload::Ke), ex, PayloadType::KE)?;
                if ke_r.group != ke.group() {
                    return Err(PeerMisbehaved::KeGroupMismatch.into());
                }
                Some(ke.complete(&ke_r.data)?)
            }
            None => None,
        };
        self.request
            .complete(sa, ctx, payloads, (&self.ni, &nr), g_ir.as_ref(), None)
    }

    fn fail(&self, sa: &SaCore, ctx: &mut Ctx<'_>, reason: DownReason) {
        tracing::info!(
            "failed to establish CHILD_SA '{}'",
            self.request.config.name
        );
        self.request.release(ctx);
        ctx.event(Event::ChildFailed {
            sa: sa.handle,
            name: self.request.config.name.clone(),
            reason,
        });
    }

    pub(crate) fn abort(self, sa: &mut SaCore, ctx: &mut Ctx<'_>, reason: DownReason) {
        self.fail(sa, ctx, reason);
    }
}

/// The responder's CREATE_CHILD_SA (strongSwan's `process_request`):
/// N(REKEY_SA) rekeys a CHILD_SA, an SA without TS rekeys the IKE SA,
/// anything else creates a CHILD_SA.
pub(crate) fn respond(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    active: Option<&mut Task>,
    request: &Inbound<'_>,
) -> Reply {
    if let Some(rekey) = find_notify(request.payloads, NotifyType::REKEY_SA) {
        return super::child_rekey::respond(sa, ctx, active, request, rekey);
    }
    if find!(request.payloads, Payload::TsI).is_none() {
        return super::ike_rekey::respond(sa, ctx, active, request);
    }
    if matches!(active, Some(Task::IkeRekey(_))) || sa.state != crate::sa::IkeState::Established {
        // §2.25.2: no new CHILD_SAs while the IKE SA is being rekeyed
        return Reply::keep(vec![notify(NotifyType::TEMPORARY_FAILURE, Vec::new())]);
    }
    match accept(sa, ctx, request.payloads) {
        Ok(payloads) => Reply::keep(payloads),
        Err(e) => {
            tracing::info!("refusing CHILD_SA: {e}");
            refusal(&e)
        }
    }
}

fn accept(sa: &mut SaCore, ctx: &mut Ctx<'_>, payloads: &[Payload]) -> Result<Vec<Payload>, Error> {
    let ex = ExchangeType::CREATE_CHILD_SA;
    let ni = check_nonce(&require(find!(payloads, Payload::Nonce), ex, PayloadType::NONCE)?.0)?;
    let selection = select_child(sa, payloads, true, None)?;
    let (g_ir, ke_r) = respond_ke(ctx, selection.ke_group(), find!(payloads, Payload::Ke))?;
    let nr = nonce(ctx)?;
    let (payloads, _) =
        selection.install(sa, ctx, (&ni, &nr), g_ir.as_ref(), (Some(&nr), ke_r), None)?;
    Ok(payloads)
}

/// The responder's side of a PFS key exchange: the selected proposal's
/// group must be the one of KEi, else INVALID_KE_PAYLOAD (§1.3).
pub(crate) fn respond_ke(
    ctx: &Ctx<'_>,
    wanted: Option<KeId>,
    ke_i: Option<&KeyExchange>,
) -> Result<(Option<Secret>, Option<KeyExchange>), Error> {
    match (wanted, ke_i) {
        (None, _) => Ok((None, None)),
        (Some(wanted), Some(ke_i)) if ke_i.group == wanted => {
            let (ke, ke_r) = start_ke(ctx, wanted)?;
            Ok((Some(ke.complete(&ke_i.data)?), Some(ke_r)))
        }
        (Some(wanted), _) => Err(Error::InvalidKe { wanted }),
    }
}
