//! IKE_AUTH (RFC 7296 §1.2, §2.15): identities, authentication and the
//! first CHILD_SA.
//!
//! ```text
//! HDR, SK {IDi, [CERT,] N(INITIAL_CONTACT), [IDr,] AUTH, SA, TSi, TSr}  -->
//!                                  <--  HDR, SK {IDr, [CERT,] AUTH, SA, TSi, TSr}
//! ```

use std::sync::Arc;

use super::authenticate::{our_auth, verify_peer};
use super::child_create::{ChildRequest, respond_in_auth};
use super::common::{certificate_requests, find, first_error, has_notify, notify, our_id, require};
use super::config_payload::{assign_vips, assigned_vips, vip_request};
use super::{Inbound, Progress, Reply};
use crate::Error;
use crate::action::{DownReason, Event};
use crate::auth::AuthError;
use crate::config::{IdMatch, IkeConfig};
use crate::endpoint::keep_refuses;
use crate::error::PeerMisbehaved;
use crate::sa::lifetime::ike_deadlines;
use crate::sa::{Ctx, IkeState, SaCore};
use crate::wire::iana::{ExchangeType, NotifyType, PayloadType};
use crate::wire::{Certificate, Identification, Payload};

/// The initiator's IKE_AUTH, with the first CHILD_SA if one was asked for.
pub(crate) struct IkeAuth {
    child: Option<ChildRequest>,
    /// Send INITIAL_CONTACT: we hold no other IKE SA of this connection.
    initial_contact: bool,
}

impl IkeAuth {
    pub(crate) const fn new(child: Option<ChildRequest>, initial_contact: bool) -> Self {
        Self {
            child,
            initial_contact,
        }
    }

    pub(crate) fn build_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Vec<Payload>, Error> {
        let me = our_id(sa);
        let peer = sa.config.remote.id.exact().cloned();
        // IDi, [CERT,] [N(INITIAL_CONTACT),] [CERTREQ,] [IDr,] AUTH (charon's order)
        let (certs, auth) = our_auth(sa, ctx, &me, peer.as_ref())?;
        let mut payloads = vec![Payload::IdI(me.clone())];
        payloads.extend(certs);
        if self.initial_contact {
            payloads.push(notify(NotifyType::INITIAL_CONTACT, Vec::new()));
        }
        payloads.extend(certificate_requests(sa, ctx));
        if let Some(peer) = &peer {
            payloads.push(Payload::IdR(peer.clone()));
        }
        payloads.push(auth);
        payloads.extend(vip_request(&sa.config));
        if let Some(child) = &self.child {
            payloads.extend(child.payloads(None, None));
        }
        sa.local_id = Some(me);
        Ok(payloads)
    }

    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        response: &Inbound<'_>,
    ) -> Result<Progress, Error> {
        let payloads = response.payloads;
        let ex = ExchangeType::IKE_AUTH;
        let auth = find!(payloads, Payload::Auth);
        if let (None, Some(error)) = (auth, first_error(payloads)) {
            return Err(Error::Notified(error));
        }
        let id_r = require(find!(payloads, Payload::IdR), ex, PayloadType::IDR)?;
        let auth = require(auth, ex, PayloadType::AUTH)?;
        if !sa.config.remote.id.matches(id_r) {
            return Err(PeerMisbehaved::UnexpectedIdentity.into());
        }
        let me = sa.local_id.clone().unwrap_or_else(|| our_id(sa));
        verify_peer(sa, ctx, &me, id_r, auth, &certificates(payloads))?;
        sa.local_vips = assigned_vips(payloads);
        for vip in &sa.local_vips {
            tracing::info!("installing new virtual IP {vip}");
        }
        if sa.local_vips.is_empty() && !sa.config.vips.is_empty() {
            tracing::info!("peer didn't accept virtual IP request");
        }
        established(sa, ctx, id_r.clone());
        if let Some(child) = self.child.take() {
            let Some(init) = sa.init.as_ref() else {
                return Err(Error::ApiMisuse("IKE_AUTH without IKE_SA_INIT"));
            };
            let nonces = (init.ni.clone(), init.nr.clone());
            if let Err(e) = child.complete(sa, ctx, payloads, (&nonces.0, &nonces.1), None, None) {
                tracing::info!("failed to establish CHILD_SA, keeping IKE_SA: {e}");
                child.release(ctx);
                ctx.event(Event::ChildFailed {
                    sa: sa.handle,
                    name: child.config.name.clone(),
                    reason: DownReason::Failed(e),
                });
            }
        }
        Ok(Progress::Done)
    }

    pub(crate) fn abort(self, _sa: &mut SaCore, ctx: &mut Ctx<'_>, _reason: DownReason) {
        if let Some(child) = self.child {
            child.release(ctx);
        }
    }
}

/// The responder's IKE_AUTH: find the connection, check the initiator,
/// answer with our identity and AUTH, the virtual IPs and the CHILD_SA
/// (none if the configuration payload failed, as in charon).
pub(crate) fn respond(sa: &mut SaCore, ctx: &mut Ctx<'_>, request: &Inbound<'_>) -> Reply {
    match authenticate(sa, ctx, request.payloads) {
        Ok((mut payloads, configured)) => {
            if !configured {
                tracing::info!("configuration payload negotiation failed, no CHILD_SA built");
            } else if find!(request.payloads, Payload::Sa).is_some() {
                payloads.extend(respond_in_auth(sa, ctx, request.payloads));
            }
            Reply::keep(payloads)
        }
        Err(e) => {
            tracing::info!("IKE_AUTH failed: {e}");
            Reply::fatal(e)
        }
    }
}

fn authenticate(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    payloads: &[Payload],
) -> Result<(Vec<Payload>, bool), Error> {
    let ex = ExchangeType::IKE_AUTH;
    let id_i = require(find!(payloads, Payload::IdI), ex, PayloadType::IDI)?;
    let auth = require(find!(payloads, Payload::Auth), ex, PayloadType::AUTH)?;
    let id_r = find!(payloads, Payload::IdR);
    let config = select_config(sa, ctx.configs, id_i, id_r).ok_or(AuthError::NoCredentials)?;
    sa.config = config;
    let me = our_id(sa);
    verify_peer(sa, ctx, &me, id_i, auth, &certificates(payloads))?;
    let contact = has_notify(payloads, NotifyType::INITIAL_CONTACT);
    if !contact && keep_refuses(ctx.peers, &sa.config, (&me, id_i), sa.remote) {
        tracing::info!("canceling IKE_SA setup due to uniqueness policy");
        return Err(AuthError::UniquenessPolicy.into());
    }
    sa.peer_certreq |= find!(payloads, Payload::CertReq).is_some();
    let (certs, auth) = our_auth(sa, ctx, &me, Some(id_i))?;
    let mut response = vec![Payload::IdR(me.clone())];
    response.extend(certs);
    response.push(auth);
    sa.local_id = Some(me);
    sa.uniqueness = Some(contact);
    let configured = match assign_vips(sa, ctx, payloads, id_i) {
        Ok(cp) => {
            response.extend(cp);
            true
        }
        Err(failure) => {
            response.push(failure);
            false
        }
    };
    established(sa, ctx, id_i.clone());
    Ok((response, configured))
}

/// The best connection for these identities among those matching the
/// SA's addresses (charon's peer config lookup): an exact remote ID beats
/// a wildcard beats `%any`; configuration order breaks ties.
fn select_config(
    sa: &SaCore,
    configs: &[Arc<IkeConfig>],
    id_i: &Identification,
    id_r: Option<&Identification>,
) -> Option<Arc<IkeConfig>> {
    let score = |c: &IkeConfig| -> Option<u8> {
        let addrs =
            c.local_addrs.is_empty() || c.local_addrs.iter().any(|a| a.contains(sa.local.ip()));
        let peers =
            c.remote_addrs.is_empty() || c.remote_addrs.iter().any(|a| a.contains(sa.remote.ip()));
        let us = match (id_r, &c.local.id) {
            (Some(want), Some(ours)) => want.same_as(ours),
            _ => true,
        };
        if !(addrs && peers && us && c.remote.id.matches(id_i)) {
            return None;
        }
        Some(match c.remote.id {
            IdMatch::Any => 0,
            ref id if id.is_exact() => 2,
            _ => 1,
        })
    };
    let mut best: Option<(u8, &Arc<IkeConfig>)> = None;
    for config in configs {
        if let Some(s) = score(config)
            && best.is_none_or(|(b, _)| s > b)
        {
            best = Some((s, config));
        }
    }
    best.map(|(_, c)| Arc::clone(c))
}

fn certificates(payloads: &[Payload]) -> Vec<Certificate> {
    payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Cert(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// The IKE SA is authenticated: schedule its lifetime and report it.
fn established(sa: &mut SaCore, ctx: &mut Ctx<'_>, remote_id: Identification) {
    sa.state = IkeState::Established;
    sa.established = Some(ctx.now);
    let (rekey_at, expire_at) = ike_deadlines(ctx.provider, ctx.now, &sa.config.lifetime);
    sa.rekey_at = rekey_at;
    sa.expire_at = expire_at;
    sa.remote_id = Some(remote_id.clone());
    tracing::info!("IKE_SA {} established between {}", sa.label(), sa.between());
    if let Some(at) = rekey_at {
        tracing::info!("scheduling rekeying in {}s", (at - ctx.now).as_secs());
    }
    if let Some(at) = expire_at {
        tracing::info!("maximum IKE_SA lifetime {}s", (at - ctx.now).as_secs());
    }
    ctx.event(Event::IkeUp {
        sa: sa.handle,
        local_id: sa.local_id.clone().unwrap_or_default(),
        remote_id,
    });
}
