//! IKE_SA + first CHILD_SA establishments between two endpoints in one
//! process: the whole core (codec, crypto, state machine), no sockets.
//! PSK, IKE aes256gcm16-prfsha256-x25519, ESP aes256gcm16; each iteration
//! runs IKE_SA_INIT and IKE_AUTH from `initiate` to both sides' CHILD_SA
//! installed, then deletes the SA so the endpoints stay small.
//!
//! Run with `cargo bench -p ike --bench establish`; establishments per
//! second = 1 / the median time.
#![allow(clippy::unwrap_used)]

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::sync::Arc;

use ike::Endpoint;
use ike::auth::Credentials;
use ike::config::{
    AuthClass, ChildConfig, ChildLifetime, Fragmentation, IdMatch, IkeConfig, IkeLifetime,
    LocalAuth, Mode, RemoteAuth,
};
use ike::crypto::{Secret, default_provider};
use ike::proposal::Proposal;
use ike::settings::Settings;
use ike::time::Instant;
use ike::ts::TsSpec;
use ike::wire::Identification;
use ike::wire::iana::ProtocolId;

fn main() {
    divan::main();
}

#[derive(Debug)]
struct Psk;

impl Credentials for Psk {
    fn shared_key(&self, _: &Identification, _: Option<&Identification>) -> Option<Secret> {
        Some(Secret::from(b"a-benchmark-secret".to_vec()))
    }
}

fn config(me: &str, peer: &str, local: [u8; 2], remote: [u8; 2]) -> IkeConfig {
    let net = |a: [u8; 2]| TsSpec::subnet(IpAddr::V4(Ipv4Addr::new(10, a[0], a[1], 0)), 24);
    IkeConfig {
        name: "gw".into(),
        local_addrs: Vec::new(),
        remote_addrs: Vec::new(),
        proposals: vec![Proposal::parse(ProtocolId::IKE, "aes256gcm16-prfsha256-x25519").unwrap()],
        local: LocalAuth {
            id: Some(Identification::fqdn(me)),
            class: AuthClass::Psk,
            ..LocalAuth::default()
        },
        remote: RemoteAuth {
            id: IdMatch::Exact(Identification::fqdn(peer)),
            class: AuthClass::Psk,
            ..RemoteAuth::default()
        },
        children: vec![Arc::new(ChildConfig {
            name: "net".into(),
            proposals: vec![Proposal::parse(ProtocolId::ESP, "aes256gcm16").unwrap()],
            local_ts: vec![net(local)],
            remote_ts: vec![net(remote)],
            mode: Mode::Tunnel,
            lifetime: ChildLifetime::default(),
            ipcomp: false,
        })],
        lifetime: IkeLifetime::default(),
        dpd_delay: Duration::ZERO,
        encap: false,
        fragmentation: Fragmentation::Yes,
        send_certreq: true,
        send_cert: ike::config::SendCert::IfAsked,
        vips: Vec::new(),
        pools: Vec::new(),
        unique: ike::config::Unique::No,
    }
}

struct Side {
    ep: Endpoint,
    addr: SocketAddr,
    up: usize,
}

fn side(me: &str, peer: &str, last: u8, nets: ([u8; 2], [u8; 2])) -> Side {
    let mut ep = Endpoint::new(default_provider(), Settings::default(), Arc::new(Psk)).unwrap();
    ep.load_config(Arc::new(config(me, peer, nets.0, nets.1)));
    Side {
        ep,
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)), 500),
        up: 0,
    }
}

/// Moves every datagram across until both sides are quiet.
fn shuttle(a: &mut Side, b: &mut Side, now: Instant) {
    let (up_a, up_b) = ike::testing::shuttle(&mut a.ep, &mut b.ep, now);
    a.up += up_a;
    b.up += up_b;
}

#[divan::bench]
fn psk_x25519_aes_gcm(bencher: divan::Bencher<'_, '_>) {
    let mut a = side("moon", "sun", 1, ([1, 0], [2, 0]));
    let mut b = side("sun", "moon", 2, ([2, 0], [1, 0]));
    let now = Instant::ZERO;
    bencher.bench_local(|| {
        let (local, remote) = (a.addr, b.addr);
        let sa =
            a.ep.initiate(now, "gw", Some("net"), local, remote)
                .unwrap();
        shuttle(&mut a, &mut b, now);
        a.ep.delete_ike(now, sa);
        shuttle(&mut a, &mut b, now);
    });
    assert!(
        a.up > 0 && a.up == b.up,
        "every iteration established a CHILD_SA on both sides"
    );
    assert_eq!(a.ep.sas().count() + b.ep.sas().count(), 0);
}
