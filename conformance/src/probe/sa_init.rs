//! The IKE_SA_INIT exchange (RFC 7296 §1.2): SA, KE, Ni and NAT detection
//! (§2.23), with one retry after INVALID_KE_PAYLOAD (§1.2) or COOKIE (§2.6).

use core::net::SocketAddr;

use ike::crypto::{Provider, Secret};
use ike::natd::{NatDetection, NatDetector, SourceMode};
use ike::proposal::{Proposal, check_selected, order_for_ke, proposals_from_sa, sa_offering};
use ike::wire::iana::{ExchangeType, KeId, NotifyType, ProtocolId};
use ike::wire::{KeyExchange, Message, Nonce, Notify, Payload};

use super::transport::{IKE_PORT, Transport};
use super::{Config, ProbeError, check_response, error, request_header};

/// Our nonce length (RFC 7296 §2.10: at least half the PRF key size).
const NONCE_LEN: usize = 32;
/// How many times IKE_SA_INIT is sent with new parameters.
const MAX_ATTEMPTS: usize = 3;

/// What IKE_SA_INIT established.
pub(super) struct SaInit {
    pub(super) spi_i: u64,
    pub(super) spi_r: u64,
    /// Our last IKE_SA_INIT request, as sent (signed in our AUTH).
    pub(super) request: Vec<u8>,
    /// The responder's IKE_SA_INIT response, as received.
    pub(super) response: Vec<u8>,
    pub(super) ni: Vec<u8>,
    pub(super) nr: Vec<u8>,
    /// The responder's selected proposal.
    pub(super) proposal: Proposal,
    /// The shared secret g^ir.
    pub(super) g_ir: Secret,
    /// Either side is behind a NAT: move to port 4500.
    pub(super) nat_detected: bool,
}

pub(super) fn ike_sa_init(
    config: &Config,
    provider: &Provider,
    transport: &Transport,
) -> Result<SaInit, ProbeError> {
    let rng = provider.rng.as_ref();
    let natd = NatDetector::new(provider)?;
    let spi_i = loop {
        let mut spi = [0u8; 8];
        rng.fill(&mut spi)?;
        if spi != [0; 8] {
            break u64::from_be_bytes(spi);
        }
    };
    let mut ni = vec![0u8; NONCE_LEN];
    rng.fill(&mut ni)?;
    let mut proposals = config.ike_proposals.clone();
    let mut group = first_group(&proposals)?;
    let mut cookie: Option<Vec<u8>> = None;
    for _ in 0..MAX_ATTEMPTS {
        let kg = provider.ke(group).ok_or_else(|| {
            ProbeError::Invalid(format!("key exchange method {group} is not implemented"))
        })?;
        let ke = kg.start(rng)?;
        let mut payloads = Vec::new();
        if let Some(data) = &cookie {
            payloads.push(notify(NotifyType::COOKIE, data.clone()));
        }
        payloads.extend([
            Payload::Sa(sa_offering(&proposals)),
            Payload::Ke(KeyExchange {
                group,
                data: ke.public_key().to_vec(),
            }),
            Payload::Nonce(Nonce(ni.clone())),
        ]);
        let (local, remote) = endpoints(config);
        let notifies = natd.notifies((spi_i, 0), local, remote, SourceMode::Real);
        payloads.extend(notifies.into_iter().map(Payload::Notify));
        let mut msg = request_header(spi_i, 0, ExchangeType::IKE_SA_INIT, 0);
        msg.payloads = payloads;
        println!("generating {msg}");
        let request = msg.emit()?;
        let response = transport.exchange(&request, ExchangeType::IKE_SA_INIT, spi_i, 0)?;
        let reply = Message::parse(&response)?;
        println!("parsed {reply}");
        check_response(&reply, ExchangeType::IKE_SA_INIT, 0)?;
        if let Some(wanted) = find_notify(&reply, NotifyType::INVALID_KE_PAYLOAD) {
            let wanted = requested_group(wanted)?;
            if wanted == group
                || !proposals
                    .iter()
                    .any(|p| p.ke_methods().any(|g| g == wanted))
            {
                return Err(ProbeError::Invalid(format!(
                    "INVALID_KE_PAYLOAD asks for {wanted}, which we did not offer or already sent"
                )));
            }
            println!("peer didn't accept DH group {group}, it requested {wanted}");
            group = wanted;
            proposals = order_for_ke(&proposals, wanted);
            continue;
        }
        if let Some(data) = find_notify(&reply, NotifyType::COOKIE) {
            println!("received COOKIE, retrying");
            cookie = Some(data.to_vec());
            continue;
        }
        error::check_no_error_notify(ExchangeType::IKE_SA_INIT, &reply.payloads)?;
        return accept(
            config, &natd, &proposals, group, ke, ni, request, response, &reply,
        );
    }
    Err(ProbeError::Invalid(format!(
        "no IKE_SA_INIT succeeded after {MAX_ATTEMPTS} attempts"
    )))
}

/// Checks the successful response and computes g^ir.
#[allow(clippy::too_many_arguments)]
fn accept(
    config: &Config,
    natd: &NatDetector,
    offered: &[Proposal],
    group: KeId,
    ke: Box<dyn ike::crypto::ActiveKe>,
    ni: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
    reply: &Message,
) -> Result<SaInit, ProbeError> {
    let spi_r = reply.spi_r;
    if spi_r == 0 {
        return Err(ProbeError::Invalid("responder SPI is zero".into()));
    }
    let mut sa = None;
    let mut ke_r = None;
    let mut nr = None;
    for payload in &reply.payloads {
        match payload {
            Payload::Sa(p) => sa = Some(p),
            Payload::Ke(p) => ke_r = Some(p),
            Payload::Nonce(p) => nr = Some(p.0.clone()),
            _ => {}
        }
    }
    let missing = |what: &str| ProbeError::Invalid(format!("IKE_SA_INIT response without {what}"));
    let sa = sa.ok_or_else(|| missing("SA"))?;
    let ke_r = ke_r.ok_or_else(|| missing("KE"))?;
    let nr = nr.ok_or_else(|| missing("Nr"))?;
    let proposal = selected_proposal(&proposals_from_sa(sa), offered, ProtocolId::IKE, false)?;
    if proposal.ke() != Some(group) || ke_r.group != group {
        return Err(ProbeError::Invalid(format!(
            "responder selected {:?} with a {} KE payload, we sent {group}",
            proposal.ke(),
            ke_r.group
        )));
    }
    println!("selected proposal: {proposal}");
    println!("IKE_SA SPIs {:016x}_i {spi_r:016x}_r", reply.spi_i);
    let g_ir = ke.complete(&ke_r.data)?;
    let nat_detected = nat_detection(natd, config, reply);
    Ok(SaInit {
        spi_i: reply.spi_i,
        spi_r,
        request,
        response,
        ni,
        nr,
        proposal,
        g_ir,
        nat_detected,
    })
}

/// The single proposal of a response, checked against our offer: it must
/// be one we offered (RFC 7296 §2.7) with one transform of each type.
pub(super) fn selected_proposal(
    received: &[Proposal],
    offered: &[Proposal],
    protocol: ProtocolId,
    skip_ke: bool,
) -> Result<Proposal, ProbeError> {
    check_selected(received, offered, protocol, skip_ke).ok_or_else(|| {
        let names: Vec<String> = received.iter().map(ToString::to_string).collect();
        ProbeError::Invalid(format!(
            "the responder selected {}, which is not one of ours",
            names.join(", ")
        ))
    })
}

/// RFC 7296 §2.23 with [`NatDetector`]: prints what charon would.
fn nat_detection(natd: &NatDetector, config: &Config, reply: &Message) -> bool {
    let (local, remote) = endpoints(config);
    let spis = (reply.spi_i, reply.spi_r);
    let NatDetection::Supported(status) =
        natd.evaluate(spis, local, remote, SourceMode::Real, &reply.payloads)
    else {
        println!("responder does not support NAT traversal");
        return false;
    };
    if status.remote_behind_nat {
        println!("remote host is behind NAT");
    }
    if status.local_behind_nat {
        println!("local host is behind NAT");
    }
    status.udp_encap()
}

/// Both IKE_SA_INIT endpoints: always port 500.
fn endpoints(config: &Config) -> (SocketAddr, SocketAddr) {
    (
        SocketAddr::new(config.local, IKE_PORT),
        SocketAddr::new(config.remote, IKE_PORT),
    )
}

fn notify(ty: NotifyType, data: Vec<u8>) -> Payload {
    Payload::Notify(Notify::new(ty, data))
}

fn find_notify(msg: &Message, ty: NotifyType) -> Option<&[u8]> {
    msg.payloads.iter().find_map(|p| match p {
        Payload::Notify(n) if n.ty == ty => Some(n.data.as_slice()),
        _ => None,
    })
}

/// The two-octet group of an INVALID_KE_PAYLOAD notify (RFC 7296 §3.10.1).
fn requested_group(data: &[u8]) -> Result<KeId, ProbeError> {
    match data {
        [hi, lo] => Ok(KeId(u16::from_be_bytes([*hi, *lo]))),
        _ => Err(ProbeError::Invalid(format!(
            "INVALID_KE_PAYLOAD with {} data octets, not 2",
            data.len()
        ))),
    }
}

fn first_group(proposals: &[Proposal]) -> Result<KeId, ProbeError> {
    proposals
        .first()
        .and_then(Proposal::ke)
        .ok_or_else(|| ProbeError::Usage("the first IKE proposal has no key exchange".into()))
}
