//! IKE_SA_INIT (RFC 7296 §1.2): proposals, key exchange and nonces, with
//! NAT detection (§2.23), COOKIE (§2.6), INVALID_KE_PAYLOAD retries (§1.2)
//! and the capability notifies charon sends (RFC 7383 §2.3, RFC 7427 §4).
//!
//! ```text
//! HDR, SA, KEi, Ni, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP), N(HASH_ALG) -->
//!      <-- HDR, SA, KEr, Nr, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP), N(HASH_ALG)
//! ```

use super::common::{
    accept_ike_proposal, certificate_requests, check_nonce, find, find_notify, first_error,
    ike_answer, nonce, notify, requested_group, require, start_ke,
};
use super::{Inbound, Progress, Reply};
use crate::Error;
use crate::config::Fragmentation;
use crate::crypto::ActiveKe;
use crate::error::PeerMisbehaved;
use crate::natd::{NatDetection, SourceMode};
use crate::proposal::{Proposal, order_for_ke, sa_accepting, sa_offering, supported_ike_proposals};
use crate::sa::keys_inputs;
use crate::sa::{Ctx, InitMessages, NatState, SaCore, SaKeys};
use crate::wire::iana::{ExchangeType, HashAlgorithm, KeId, NotifyType, PayloadType};
use crate::wire::{Nonce, Payload};

/// How often IKE_SA_INIT is restarted (INVALID_KE_PAYLOAD, COOKIE).
const MAX_RESTARTS: u8 = 5;
/// The longest COOKIE accepted (§2.6: 1 to 64 octets).
const MAX_COOKIE_LEN: usize = 64;
/// The hash algorithms announced for RFC 7427 signatures, as charon does.
const SIGNATURE_HASHES: [HashAlgorithm; 4] = [
    HashAlgorithm::SHA2_256,
    HashAlgorithm::SHA2_384,
    HashAlgorithm::SHA2_512,
    HashAlgorithm::IDENTITY,
];

/// The initiator's IKE_SA_INIT.
pub(crate) struct IkeInit {
    proposals: Vec<Proposal>,
    group: KeId,
    ke: Option<Box<dyn ActiveKe>>,
    ni: Vec<u8>,
    cookie: Option<Vec<u8>>,
    restarts: u8,
}

impl IkeInit {
    /// Offers the configured proposals the provider implements, with a
    /// KE payload for the first one's group.
    pub(crate) fn new(sa: &SaCore, ctx: &Ctx<'_>) -> Result<Self, Error> {
        let proposals = supported_ike_proposals(&sa.config.proposals, ctx.provider);
        let group = proposals
            .first()
            .and_then(Proposal::ke)
            .ok_or(Error::NoProposalChosen)?;
        Ok(Self {
            proposals,
            group,
            ke: None,
            ni: nonce(ctx)?,
            cookie: None,
            restarts: 0,
        })
    }

    pub(crate) fn build_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Vec<Payload>, Error> {
        let (ke, ke_i) = start_ke(ctx, self.group)?;
        let mut payloads = Vec::new();
        if let Some(cookie) = &self.cookie {
            payloads.push(notify(NotifyType::COOKIE, cookie.clone()));
        }
        payloads.extend([
            Payload::Sa(sa_offering(&self.proposals)),
            Payload::Ke(ke_i),
            Payload::Nonce(Nonce(self.ni.clone())),
        ]);
        payloads.extend(natd_payloads(sa, ctx, (sa.spi_i, 0)));
        payloads.extend(capabilities(sa));
        self.ke = Some(ke);
        Ok(payloads)
    }

    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        response: &Inbound<'_>,
    ) -> Result<Progress, Error> {
        let payloads = response.payloads;
        if let Some(wanted) = requested_group(payloads) {
            return self.retry_with_group(wanted);
        }
        if let Some(n) = find_notify(payloads, NotifyType::COOKIE) {
            return self.retry_with_cookie(&n.data);
        }
        if let Some(error) = first_error(payloads) {
            return Err(Error::Notified(error));
        }
        let (proposal, ke_r, nr) = ike_answer(
            ExchangeType::IKE_SA_INIT,
            payloads,
            &self.proposals,
            self.group,
        )?;
        if response.outer.spi_r == 0 {
            return Err(PeerMisbehaved::BadSpi.into());
        }
        let ke = self
            .ke
            .take()
            .ok_or(Error::ApiMisuse("IKE_SA_INIT response before request"))?;
        let g_ir = ke.complete(&ke_r.data)?;
        sa.spi_r = response.outer.spi_r;
        let init = InitMessages {
            request: response.request.to_vec(),
            response: response.bytes.to_vec(),
            ni: self.ni.clone(),
            nr,
        };
        let inputs = keys_inputs(sa, &g_ir, &init);
        sa.keys = Some(SaKeys::derive(ctx.provider, &proposal, &inputs, true)?);
        sa.init = Some(init);
        learn_capabilities(sa, payloads);
        process_natd(sa, ctx, (sa.spi_i, sa.spi_r), payloads);
        Ok(Progress::Done)
    }

    /// INVALID_KE_PAYLOAD: retry with the group the responder asks for if
    /// we offered it (§1.2).
    fn retry_with_group(&mut self, wanted: KeId) -> Result<Progress, Error> {
        let offered = self
            .proposals
            .iter()
            .any(|p| p.ke_methods().any(|g| g == wanted));
        if wanted == self.group || !offered || !self.restart() {
            return Err(Error::InvalidKe { wanted });
        }
        tracing::info!(
            "peer didn't accept DH group {}, it requested {wanted}",
            self.group
        );
        self.group = wanted;
        self.proposals = order_for_ke(&self.proposals, wanted);
        Ok(Progress::Restart)
    }

    /// COOKIE: send the request again with the cookie first (§2.6).
    fn retry_with_cookie(&mut self, data: &[u8]) -> Result<Progress, Error> {
        if data.is_empty() || data.len() > MAX_COOKIE_LEN || !self.restart() {
            return Err(Error::Notified(NotifyType::COOKIE));
        }
        tracing::info!("received COOKIE, retrying");
        self.cookie = Some(data.to_vec());
        Ok(Progress::Restart)
    }

    fn restart(&mut self) -> bool {
        self.restarts += 1;
        self.restarts <= MAX_RESTARTS
    }
}

/// The responder's IKE_SA_INIT: select, exchange keys, derive.
pub(crate) fn respond(sa: &mut SaCore, ctx: &mut Ctx<'_>, request: &Inbound<'_>) -> Reply {
    match accept(sa, ctx, request) {
        Ok(payloads) => Reply::keep(payloads),
        Err(Error::InvalidKe { wanted }) => {
            let data = wanted.0.to_be_bytes().to_vec();
            let mut reply = Reply::fatal(Error::InvalidKe { wanted });
            reply.payloads = vec![notify(NotifyType::INVALID_KE_PAYLOAD, data)];
            reply
        }
        Err(e) => Reply::fatal(e),
    }
}

fn accept(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    request: &Inbound<'_>,
) -> Result<Vec<Payload>, Error> {
    let payloads = request.payloads;
    let ex = ExchangeType::IKE_SA_INIT;
    let sa_payload = require(find!(payloads, Payload::Sa), ex, PayloadType::SA)?;
    let ke_i = require(find!(payloads, Payload::Ke), ex, PayloadType::KE)?;
    let ni = check_nonce(&require(find!(payloads, Payload::Nonce), ex, PayloadType::NONCE)?.0)?;
    let (proposal, g_ir, ke_r) = accept_ike_proposal(sa, ctx, sa_payload, ke_i)?;
    let nr = nonce(ctx)?;
    let init = InitMessages {
        request: request.bytes.to_vec(),
        response: Vec::new(), // filled in by the exchange manager once emitted
        ni,
        nr: nr.clone(),
    };
    let inputs = keys_inputs(sa, &g_ir, &init);
    sa.keys = Some(SaKeys::derive(ctx.provider, &proposal, &inputs, false)?);
    sa.init = Some(init);
    learn_capabilities(sa, payloads);
    let nat_t = process_natd(sa, ctx, (sa.spi_i, 0), payloads);
    let mut response = vec![
        Payload::Sa(sa_accepting(&proposal)),
        Payload::Ke(ke_r),
        Payload::Nonce(Nonce(nr)),
    ];
    if nat_t {
        response.extend(natd_payloads(sa, ctx, (sa.spi_i, sa.spi_r)));
    }
    response.extend(certificate_requests(sa, ctx));
    response.extend(capabilities(sa));
    Ok(response)
}

/// FRAGMENTATION_SUPPORTED unless `fragmentation = no`, and the signature
/// hash algorithms.
fn capabilities(sa: &SaCore) -> Vec<Payload> {
    let mut payloads = Vec::new();
    if sa.config.fragmentation != Fragmentation::No {
        payloads.push(notify(
            NotifyType::IKEV2_FRAGMENTATION_SUPPORTED,
            Vec::new(),
        ));
    }
    let hashes = SIGNATURE_HASHES
        .iter()
        .flat_map(|h| h.0.to_be_bytes())
        .collect();
    payloads.push(notify(NotifyType::SIGNATURE_HASH_ALGORITHMS, hashes));
    payloads
}

/// What the peer announced: fragmentation and signature hashes.
fn learn_capabilities(sa: &mut SaCore, payloads: &[Payload]) {
    sa.peer_certreq |= find!(payloads, Payload::CertReq).is_some();
    let ours = !matches!(sa.config.fragmentation, Fragmentation::No);
    sa.fragmentation =
        ours && find_notify(payloads, NotifyType::IKEV2_FRAGMENTATION_SUPPORTED).is_some();
    if let Some(n) = find_notify(payloads, NotifyType::SIGNATURE_HASH_ALGORITHMS) {
        sa.peer_hashes = n
            .data
            .chunks_exact(2)
            .map(|c| HashAlgorithm(u16::from_be_bytes([c[0], c[1]])))
            .collect();
    }
}

/// Our NAT-D notifies (§2.23): always in a request, in a response only
/// if the request had them.
fn natd_payloads(sa: &SaCore, ctx: &Ctx<'_>, spis: (u64, u64)) -> Vec<Payload> {
    let mode = SourceMode::choose(sa.local.ip(), sa.config.encap);
    let notifies = ctx.natd.notifies(spis, sa.local, sa.remote, mode);
    notifies.into_iter().map(Payload::Notify).collect()
}

/// Evaluates the peer's NAT-D notifies; with a NAT (or `encap = yes`) ESP
/// is UDP-encapsulated and IKE moves to port 4500. Returns whether the
/// peer supports NAT traversal.
fn process_natd(sa: &mut SaCore, ctx: &Ctx<'_>, spis: (u64, u64), payloads: &[Payload]) -> bool {
    let mode = SourceMode::choose(sa.local.ip(), sa.config.encap);
    let NatDetection::Supported(status) =
        ctx.natd.evaluate(spis, sa.local, sa.remote, mode, payloads)
    else {
        return false;
    };
    if status.local_behind_nat {
        tracing::info!("local host is behind NAT, sending keep alives");
    }
    if status.remote_behind_nat {
        tracing::info!("remote host is behind NAT");
    }
    sa.nat = NatState {
        local_behind: status.local_behind_nat,
        remote_behind: status.remote_behind_nat,
        encap: status.udp_encap(),
    };
    if sa.nat.encap && sa.initiator {
        sa.float(ctx.settings);
    }
    true
}
