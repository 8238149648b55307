//! The IKE SA's keys (RFC 7296 §2.14), protected exchanges on it (§3.14)
//! and IKE_AUTH with a pre-shared key and the first CHILD_SA (§1.2, §2.15,
//! §2.17).

use ike::crypto::keymat::{child_keys, psk_auth};
use ike::crypto::{IkeSuite, Prf, Provider, Secret, SkProtector, child_key_lengths};
use ike::proposal::{proposals_from_sa, sa_offering, strip_ke};
use ike::protect::{self, Opened};
use ike::wire::iana::{AuthMethod, ExchangeType, NotifyType, ProtocolId};
use ike::wire::{
    Authentication, Codec, Identification, IpRange, Notify, Payload, TrafficSelector,
    TrafficSelectors,
};

use super::sa_init::{SaInit, selected_proposal};
use super::transport::Transport;
use super::{Config, ProbeError, check_response, describe, error, request_header};

/// An established (or being authenticated) IKE SA, initiator side.
pub(super) struct IkeSa {
    spi_i: u64,
    spi_r: u64,
    prf: &'static dyn Prf,
    sk_d: Secret,
    sk_pi: Secret,
    sk_pr: Secret,
    /// Seals our requests (SK_ei, SK_ai).
    send: SkProtector,
    /// Opens the responses (SK_er, SK_ar).
    recv: SkProtector,
    next_id: u32,
}

impl IkeSa {
    /// SKEYSEED and the seven keys from the IKE_SA_INIT result.
    pub(super) fn derive(provider: &Provider, init: &SaInit) -> Result<Self, ProbeError> {
        let suite = IkeSuite::new(provider, &init.proposal)?;
        let keys = suite.derive(
            init.g_ir.as_bytes(),
            &init.ni,
            &init.nr,
            &init.spi_i.to_be_bytes(),
            &init.spi_r.to_be_bytes(),
        )?;
        println!(
            "derived IKE_SA keys: SK_d {}, SK_a 2x{}, SK_e 2x{}, SK_p 2x{} bytes",
            keys.sk_d.len(),
            keys.sk_ai.len(),
            keys.sk_ei.len(),
            keys.sk_pi.len()
        );
        let (send, recv) = suite.protectors(provider, &keys)?;
        Ok(Self {
            spi_i: init.spi_i,
            spi_r: init.spi_r,
            prf: suite.prf,
            sk_d: keys.sk_d,
            sk_pi: keys.sk_pi,
            sk_pr: keys.sk_pr,
            send,
            recv,
            next_id: 1,
        })
    }

    /// One protected request/response exchange carrying `inner`.
    pub(super) fn exchange(
        &mut self,
        provider: &Provider,
        transport: &Transport,
        exchange: ExchangeType,
        inner: &[Payload],
    ) -> Result<Opened, ProbeError> {
        let id = self.next_id;
        let header = request_header(self.spi_i, self.spi_r, exchange, id);
        println!("generating {}", describe(&header, inner));
        let request = protect::seal(&header, inner, &self.send, provider.rng.as_ref())?;
        let response = transport.exchange(&request, exchange, self.spi_i, id)?;
        let opened = protect::open(&response, &self.recv)?;
        println!("parsed {}", describe(&opened.outer, &opened.inner));
        check_response(&opened.outer, exchange, id)?;
        if opened.outer.spi_r != self.spi_r {
            return Err(ProbeError::Invalid("the response has another SPIr".into()));
        }
        self.next_id += 1;
        Ok(opened)
    }
}

/// IKE_AUTH: IDi, N(INITIAL_CONTACT), IDr, AUTH, SA, TSi, TSr; checks the
/// responder's AUTH, IDr, ESP proposal and SPI and traffic selectors, and
/// derives the CHILD_SA keys.
pub(super) fn ike_auth(
    config: &Config,
    provider: &Provider,
    transport: &Transport,
    sa: &mut IkeSa,
    init: &SaInit,
) -> Result<(), ProbeError> {
    let id_i = Identification::fqdn(&config.id_i);
    let id_r = Identification::fqdn(&config.id_r);
    let id_i_body = id_i.get_encoding()?;
    let auth = psk_auth(
        sa.prf,
        &config.psk,
        &init.request,
        &init.nr,
        sa.sk_pi.as_bytes(),
        &id_i_body,
    );
    let our_spi = esp_spi(provider)?;
    let mut esp = strip_ke(&config.esp_proposals);
    for proposal in &mut esp {
        proposal.spi = our_spi.to_be_bytes().to_vec();
    }
    let inner = vec![
        Payload::IdI(id_i),
        Payload::Notify(Notify::new(NotifyType::INITIAL_CONTACT, Vec::new())),
        Payload::IdR(id_r.clone()),
        Payload::Auth(Authentication {
            method: AuthMethod::PSK,
            data: auth.as_bytes().to_vec(),
        }),
        Payload::Sa(sa_offering(&esp)),
        Payload::TsI(TrafficSelectors(vec![config.local_ts.clone()])),
        Payload::TsR(TrafficSelectors(vec![config.remote_ts.clone()])),
    ];
    let opened = sa.exchange(provider, transport, ExchangeType::IKE_AUTH, &inner)?;
    error::check_no_error_notify(ExchangeType::IKE_AUTH, &opened.inner)?;
    let reply = Reply::collect(&opened.inner);
    let missing = |what: &str| ProbeError::Invalid(format!("IKE_AUTH response without {what}"));

    let got_id = reply.id_r.ok_or_else(|| missing("IDr"))?;
    if *got_id != id_r {
        return Err(ProbeError::Invalid(format!(
            "IDr is {:?} {:?}, expected {}",
            got_id.ty,
            String::from_utf8_lossy(&got_id.data),
            config.id_r
        )));
    }
    let got_auth = reply.auth.ok_or_else(|| missing("AUTH"))?;
    let expected = psk_auth(
        sa.prf,
        &config.psk,
        &init.response,
        &init.ni,
        sa.sk_pr.as_bytes(),
        &got_id.get_encoding()?,
    );
    if got_auth.method != AuthMethod::PSK || got_auth.data != expected.as_bytes() {
        return Err(ProbeError::Invalid(format!(
            "the responder's AUTH ({}) does not verify",
            got_auth.method
        )));
    }
    println!(
        "authentication of '{}' with pre-shared key successful",
        config.id_r
    );
    println!(
        "IKE_SA established between {}[{}]...{}[{}]",
        config.local, config.id_i, config.remote, config.id_r
    );

    let sa_r = reply.sa.ok_or_else(|| missing("SA"))?;
    let child = selected_proposal(&proposals_from_sa(sa_r), &esp, ProtocolId::ESP, true)?;
    let their_spi = match <[u8; 4]>::try_from(child.spi.as_slice()) {
        Ok(spi) if u32::from_be_bytes(spi) >= 256 => u32::from_be_bytes(spi),
        _ => {
            return Err(ProbeError::Invalid(format!(
                "bad ESP SPI {:02x?}",
                child.spi
            )));
        }
    };
    let ts_i = narrowed(reply.ts_i, &config.local_ts, "TSi")?;
    let ts_r = narrowed(reply.ts_r, &config.remote_ts, "TSr")?;
    println!("selected proposal: {child}");
    let (encr_len, integ_len) = child_key_lengths(provider, &child)?;
    let keys = child_keys(
        sa.prf, &sa.sk_d, None, &init.ni, &init.nr, encr_len, integ_len,
    )?;
    println!(
        "CHILD_SA established with SPIs {our_spi:08x}_i {their_spi:08x}_o and TS {} === {}",
        show_ts(ts_i),
        show_ts(ts_r)
    );
    println!(
        "derived CHILD_SA keys: encryption {}+{}, integrity {}+{} bytes",
        keys.encr_i.len(),
        keys.encr_r.len(),
        keys.integ_i.len(),
        keys.integ_r.len()
    );
    Ok(())
}

/// The payloads of the IKE_AUTH response the probe checks.
#[derive(Default)]
struct Reply<'a> {
    id_r: Option<&'a Identification>,
    auth: Option<&'a Authentication>,
    sa: Option<&'a ike::wire::SecurityAssociation>,
    ts_i: Option<&'a TrafficSelectors>,
    ts_r: Option<&'a TrafficSelectors>,
}

impl<'a> Reply<'a> {
    fn collect(payloads: &'a [Payload]) -> Self {
        let mut reply = Self::default();
        for payload in payloads {
            match payload {
                Payload::IdR(p) => reply.id_r = Some(p),
                Payload::Auth(p) => reply.auth = Some(p),
                Payload::Sa(p) => reply.sa = Some(p),
                Payload::TsI(p) => reply.ts_i = Some(p),
                Payload::TsR(p) => reply.ts_r = Some(p),
                _ => {}
            }
        }
        reply
    }
}

/// A random ESP SPI outside the reserved 1–255 (RFC 4303 §2.1).
fn esp_spi(provider: &Provider) -> Result<u32, ProbeError> {
    loop {
        let mut spi = [0u8; 4];
        provider.rng.fill(&mut spi)?;
        let spi = u32::from_be_bytes(spi);
        if spi >= 256 {
            return Ok(spi);
        }
    }
}

/// The responder's selectors: at least one, each inside what we proposed
/// (it may narrow, RFC 7296 §2.9).
fn narrowed<'a>(
    got: Option<&'a TrafficSelectors>,
    ours: &TrafficSelector,
    what: &str,
) -> Result<&'a TrafficSelectors, ProbeError> {
    let got =
        got.ok_or_else(|| ProbeError::Invalid(format!("IKE_AUTH response without {what}")))?;
    if got.0.is_empty() || !got.0.iter().all(|ts| within(ts, ours)) {
        return Err(ProbeError::Invalid(format!(
            "{what} {} is not within what we proposed ({})",
            show_ts(got),
            show_ts(&TrafficSelectors(vec![ours.clone()]))
        )));
    }
    Ok(got)
}

fn within(inner: &TrafficSelector, outer: &TrafficSelector) -> bool {
    fn range<A: Ord>(i: &IpRange<A>, o: &IpRange<A>) -> bool {
        (o.ip_protocol == 0 || o.ip_protocol == i.ip_protocol)
            && o.start_port <= i.start_port
            && i.end_port <= o.end_port
            && o.start <= i.start
            && i.end <= o.end
    }
    match (inner, outer) {
        (TrafficSelector::Ipv4(i), TrafficSelector::Ipv4(o)) => range(i, o),
        (TrafficSelector::Ipv6(i), TrafficSelector::Ipv6(o)) => range(i, o),
        _ => false,
    }
}

fn show_ts(ts: &TrafficSelectors) -> String {
    let parts: Vec<String> =
        ts.0.iter()
            .map(|ts| match ts {
                TrafficSelector::Ipv4(r) => format!("{}..{}", r.start, r.end),
                TrafficSelector::Ipv6(r) => format!("{}..{}", r.start, r.end),
                TrafficSelector::Other { ty, .. } => format!("{ty:?}"),
            })
            .collect();
    parts.join(" ")
}
