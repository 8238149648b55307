//! Exchanges decomposed into tasks, as strongSwan does (RFC 7296 §1.2–1.5).
//!
//! A task is one elementary operation. As initiator, the exchange manager
//! calls [`Task::build_i`] for the request and [`Task::process_i`] with the
//! response; tasks never see message IDs or retransmits. As responder,
//! [`respond`] picks what to do from the request's exchange type and
//! payloads (one function, as strongSwan's `process_request`) and returns
//! the response payloads. Tasks add their side effects (install SA, events)
//! to the action queue as they run.

mod authenticate;
mod child_create;
mod child_rekey;
mod common;
pub(crate) use common::address_id;
mod config_payload;
mod ike_auth;
mod ike_init;
mod ike_rekey;
mod informational;

use crate::Error;
use crate::action::DownReason;
use crate::sa::{Ctx, IkeState, SaCore};
use crate::wire::iana::{ExchangeType, NotifyType};
use crate::wire::{Message, Notify, Payload};

pub(crate) use child_create::{ChildCreate, ChildRequest};
pub(crate) use child_rekey::ChildRekey;
pub(crate) use ike_auth::IkeAuth;
pub(crate) use ike_init::IkeInit;
pub(crate) use ike_rekey::IkeRekey;
pub(crate) use informational::{ChildDelete, IkeDelete};

/// A received message, decrypted.
pub(crate) struct Inbound<'a> {
    pub(crate) outer: &'a Message,
    pub(crate) exchange: ExchangeType,
    /// The whole message as received.
    pub(crate) bytes: &'a [u8],
    /// For a response: our request as sent.
    pub(crate) request: &'a [u8],
    /// The (inner) payloads.
    pub(crate) payloads: &'a [Payload],
}

/// What a response did to the initiator's task.
pub(crate) enum Progress {
    /// The task is complete.
    Done,
    /// Send the request again with new contents and the same message ID
    /// (IKE_SA_INIT after INVALID_KE_PAYLOAD or COOKIE).
    Restart,
    /// Done; this task must run next (the delete after a rekey).
    Followed(Task),
}

/// What happens to the IKE SA after a response is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum After {
    Keep,
    Destroy(DownReason),
}

/// A responder's answer.
pub(crate) struct Reply {
    pub(crate) payloads: Vec<Payload>,
    pub(crate) after: After,
}

impl Reply {
    pub(crate) const fn keep(payloads: Vec<Payload>) -> Self {
        Self {
            payloads,
            after: After::Keep,
        }
    }

    /// Answers with the error notify of `error` (§2.21) and ends the SA.
    pub(crate) fn fatal(error: Error) -> Self {
        let payloads = error
            .notify()
            .map(|ty| vec![Payload::Notify(Notify::new(ty, Vec::new()))])
            .unwrap_or_default();
        Self {
            payloads,
            after: After::Destroy(DownReason::Failed(error)),
        }
    }
}

/// An operation of the initiator.
pub(crate) enum Task {
    IkeInit(Box<IkeInit>),
    IkeAuth(Box<IkeAuth>),
    ChildCreate(Box<ChildCreate>),
    ChildRekey(Box<ChildRekey>),
    IkeRekey(Box<IkeRekey>),
    ChildDelete(ChildDelete),
    IkeDelete(IkeDelete),
    /// A liveness check: an empty INFORMATIONAL (§2.4).
    Dpd,
}

impl Task {
    pub(crate) const fn exchange(&self) -> ExchangeType {
        match self {
            Self::IkeInit(_) => ExchangeType::IKE_SA_INIT,
            Self::IkeAuth(_) => ExchangeType::IKE_AUTH,
            Self::ChildCreate(_) | Self::ChildRekey(_) | Self::IkeRekey(_) => {
                ExchangeType::CREATE_CHILD_SA
            }
            Self::ChildDelete(_) | Self::IkeDelete(_) | Self::Dpd => ExchangeType::INFORMATIONAL,
        }
    }

    /// Whether the IKE SA is in a state to start this task.
    pub(crate) fn can_start(&self, sa: &SaCore) -> bool {
        match self {
            Self::IkeInit(_) | Self::IkeAuth(_) => sa.state == IkeState::Connecting,
            Self::IkeDelete(_) => true,
            Self::ChildCreate(_)
            | Self::ChildRekey(_)
            | Self::IkeRekey(_)
            | Self::ChildDelete(_)
            | Self::Dpd => sa.state == IkeState::Established,
        }
    }

    /// The request's payloads; `None` if there is nothing left to do.
    pub(crate) fn build_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Option<Vec<Payload>>, Error> {
        match self {
            Self::IkeInit(t) => t.build_i(sa, ctx).map(Some),
            Self::IkeAuth(t) => t.build_i(sa, ctx).map(Some),
            Self::ChildCreate(t) => t.build_i(sa, ctx),
            Self::ChildRekey(t) => t.build_i(sa, ctx),
            Self::IkeRekey(t) => t.build_i(sa, ctx).map(Some),
            Self::ChildDelete(t) => Ok(t.build_i(sa)),
            Self::IkeDelete(t) => Ok(Some(t.build_i(sa))),
            Self::Dpd => Ok(Some(Vec::new())),
        }
    }

    /// Handles the response. An error fails the whole IKE SA; tasks that
    /// only fail a CHILD_SA report that themselves and return `Done`.
    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        response: &Inbound<'_>,
    ) -> Result<Progress, Error> {
        match self {
            Self::IkeInit(t) => t.process_i(sa, ctx, response),
            Self::IkeAuth(t) => t.process_i(sa, ctx, response),
            Self::ChildCreate(t) => t.process_i(sa, ctx, response),
            Self::ChildRekey(t) => t.process_i(sa, ctx, response),
            Self::IkeRekey(t) => t.process_i(sa, ctx, response),
            Self::ChildDelete(t) => t.process_i(sa, ctx, response),
            Self::IkeDelete(t) => t.process_i(sa, ctx),
            Self::Dpd => Ok(Progress::Done),
        }
    }

    /// The exchange failed or timed out: undo what the task began.
    pub(crate) fn abort(self, sa: &mut SaCore, ctx: &mut Ctx<'_>, reason: DownReason) {
        match self {
            Self::ChildCreate(t) => t.abort(sa, ctx, reason),
            Self::ChildRekey(t) => t.abort(sa, ctx),
            Self::IkeRekey(t) => t.abort(sa),
            Self::IkeAuth(t) => t.abort(sa, ctx, reason),
            Self::ChildDelete(t) => t.abort(sa),
            Self::IkeInit(_) | Self::IkeDelete(_) | Self::Dpd => {}
        }
    }
}

/// Answers a request (strongSwan's `process_request`): the exchange type
/// and payloads decide the operation.
pub(crate) fn respond(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    active: Option<&mut Task>,
    request: &Inbound<'_>,
) -> Reply {
    if let Some(ty) = common::unsupported_critical(request.payloads) {
        // §2.5: the notify carries the payload type
        let notify = Notify::new(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD, vec![ty.0]);
        return Reply::keep(vec![Payload::Notify(notify)]);
    }
    match (request.exchange, sa.state) {
        (ExchangeType::IKE_SA_INIT, IkeState::Connecting) if !sa.initiator => {
            ike_init::respond(sa, ctx, request)
        }
        (ExchangeType::IKE_AUTH, IkeState::Connecting) if !sa.initiator => {
            ike_auth::respond(sa, ctx, request)
        }
        (ExchangeType::CREATE_CHILD_SA, IkeState::Established | IkeState::Rekeying) => {
            child_create::respond(sa, ctx, active, request)
        }
        (ExchangeType::INFORMATIONAL, IkeState::Connecting) => Reply::keep(Vec::new()),
        (ExchangeType::INFORMATIONAL, _) => informational::respond(sa, ctx, active, request),
        (ExchangeType::CREATE_CHILD_SA, _) => Reply::keep(vec![common::notify(
            NotifyType::TEMPORARY_FAILURE,
            Vec::new(),
        )]),
        _ => Reply::keep(vec![common::notify(NotifyType::INVALID_SYNTAX, Vec::new())]),
    }
}
