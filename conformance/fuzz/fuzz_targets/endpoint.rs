//! A responder `ike::Endpoint` fed arbitrary datagrams never panics: the
//! input is split into datagrams (two-octet length prefixes), each handed
//! to `handle_datagram` and, if new, to the DoS gate `admit`, with the
//! virtual clock moving on between them so that timers run too.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use ike::auth::Credentials;
use ike::config::{
    AuthClass, ChildConfig, ChildLifetime, Fragmentation, IdMatch, IkeConfig, IkeLifetime,
    LocalAuth, Mode, RemoteAuth,
};
use ike::crypto::{Secret, test_provider};
use ike::proposal::Proposal;
use ike::settings::Settings;
use ike::time::Instant;
use ike::ts::TsSpec;
use ike::wire::iana::ProtocolId;
use ike::wire::Identification;
use ike::Endpoint;
use libfuzzer_sys::fuzz_target;

#[derive(Debug)]
struct Psk;

impl Credentials for Psk {
    fn shared_key(&self, _: &Identification, _: Option<&Identification>) -> Option<Secret> {
        Some(Secret::from(b"fuzz".to_vec()))
    }
}

fn endpoint() -> Endpoint {
    let proposals = ["aes256gcm16-prfsha256-x25519-ecp256", "aes128-sha256-modp2048"]
        .iter()
        .filter_map(|p| Proposal::parse(ProtocolId::IKE, p).ok())
        .collect();
    let config = IkeConfig {
        name: "fuzz".into(),
        local_addrs: Vec::new(),
        remote_addrs: Vec::new(),
        proposals,
        local: LocalAuth { id: None, class: AuthClass::Psk,
            ..LocalAuth::default() },
        remote: RemoteAuth { id: IdMatch::Any, class: AuthClass::Psk,
            ..RemoteAuth::default() },
        children: vec![Arc::new(ChildConfig {
            name: "net".into(),
            proposals: Proposal::parse(ProtocolId::ESP, "aes128gcm16").into_iter().collect(),
            local_ts: vec![TsSpec::dynamic()],
            remote_ts: vec![TsSpec::dynamic()],
            mode: Mode::Tunnel,
            lifetime: ChildLifetime::default(),
            ipcomp: false,
        })],
        lifetime: IkeLifetime::default(),
        dpd_delay: Duration::from_secs(30),
        encap: false,
        fragmentation: Fragmentation::Yes,
        send_certreq: true,
        send_cert: ike::config::SendCert::IfAsked,
        vips: Vec::new(),
        pools: Vec::new(),
        unique: ike::config::Unique::No,
    };
    let mut ep = Endpoint::new(test_provider(1), Settings::default(), Arc::new(Psk))
        .expect("the test provider has SHA-1 and SHA-256");
    ep.load_config(Arc::new(config));
    ep
}

fuzz_target!(|data: &[u8]| {
    let mut ep = endpoint();
    let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 500);
    let remote = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 500);
    let mut rest = data;
    let mut now = Instant::ZERO;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (datagram, next) = tail.split_at(len);
        rest = next;
        if let Some(incoming) = ep.handle_datagram(now, local, remote, datagram) {
            let _ = ep.admit(now, incoming);
        }
        while ep.poll_action().is_some() {}
        now = now + Duration::from_secs(7);
        ep.handle_timeout(now);
        while ep.poll_action().is_some() {}
    }
});
