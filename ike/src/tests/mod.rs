//! Scenario tests: two sans-IO endpoints against a virtual clock, every
//! exchange scripted in RFC 7296 notation, with assertions on the actions
//! and on what each side's recording data plane holds.

mod charon_log;
mod collisions;
mod counters;
mod establish;
mod hostile;
mod informational;
mod lossy;
pub(crate) mod pair;
mod rekey;
mod signatures;
mod transport;
mod trap;
mod unique;
mod vip;

use core::net::{IpAddr, Ipv4Addr};
use core::time::Duration;
use std::sync::Arc;

use crate::config::{
    AddrMatch, AuthClass, ChildConfig, ChildLifetime, Fragmentation, IdMatch, IkeConfig,
    IkeLifetime, Limits, LocalAuth, Mode, RemoteAuth,
};
use crate::proposal::Proposal;
use crate::ts::TsSpec;
use crate::wire::Identification;
use crate::wire::iana::ProtocolId;

pub(crate) use pair::{A, B, Pair};

fn subnet(a: u8, b: u8, prefix_16: bool) -> TsSpec {
    let from = Ipv4Addr::new(10, a, b, 0);
    let to = if prefix_16 {
        Ipv4Addr::new(10, a, 255, 255)
    } else {
        Ipv4Addr::new(10, a, b, 255)
    };
    TsSpec {
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
        from: IpAddr::V4(from),
        to: IpAddr::V4(to),
        dynamic: false,
    }
}

/// `net`: 10.1.0.0/16 === 10.2.0.0/16 with AES-GCM, rekey after 1 h.
fn child(name: &str, local: TsSpec, remote: TsSpec, esp: &str) -> ChildConfig {
    ChildConfig {
        name: name.into(),
        proposals: vec![Proposal::parse(ProtocolId::ESP, esp).unwrap()],
        local_ts: vec![local],
        remote_ts: vec![remote],
        mode: Mode::Tunnel,
        lifetime: ChildLifetime {
            time: Limits {
                rekey: 3600,
                life: 3960,
                rand: 360,
            },
            ..ChildLifetime::default()
        },
        ipcomp: false,
    }
}

/// A PSK connection `name` from `me` to `peer` with one child `net`; A's
/// side is 10.1.0.0/16, B's 10.2.0.0/16.
fn psk_conn(side_a: bool) -> IkeConfig {
    let (me, peer, local, remote) = if side_a {
        (
            "moon.example",
            "sun.example",
            subnet(1, 0, true),
            subnet(2, 0, true),
        )
    } else {
        (
            "sun.example",
            "moon.example",
            subnet(2, 0, true),
            subnet(1, 0, true),
        )
    };
    let peer_addr = if side_a { B } else { A };
    IkeConfig {
        name: "gw".into(),
        local_addrs: Vec::new(),
        remote_addrs: vec![AddrMatch::addr(peer_addr)],
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
        children: vec![Arc::new(child("net", local, remote, "aes128gcm16-x25519"))],
        lifetime: IkeLifetime {
            rekey_time: Duration::from_secs(4 * 3600),
            over_time: Duration::from_secs(1440),
            rand_time: Duration::from_secs(1440),
            ..IkeLifetime::default()
        },
        dpd_delay: Duration::ZERO,
        encap: false,
        fragmentation: Fragmentation::Yes,
        send_certreq: true,
        send_cert: crate::config::SendCert::IfAsked,
        vips: Vec::new(),
        pools: Vec::new(),
        unique: crate::config::Unique::No,
    }
}

/// A's and B's PSK connections, adjusted by `edit_a`/`edit_b`.
fn configs(
    edit_a: impl FnOnce(&mut IkeConfig),
    edit_b: impl FnOnce(&mut IkeConfig),
) -> (IkeConfig, IkeConfig) {
    let (mut a, mut b) = (psk_conn(true), psk_conn(false));
    edit_a(&mut a);
    edit_b(&mut b);
    (a, b)
}

/// Replaces the first child's configuration.
fn edit_child(config: &mut IkeConfig, edit: impl FnOnce(&mut ChildConfig)) {
    let mut child = (*config.children[0]).clone();
    edit(&mut child);
    config.children[0] = Arc::new(child);
}

/// A pair with both SAs established and `net` installed.
/// A restarted A (a fresh endpoint) sends INITIAL_CONTACT again.
fn restart_a(pair: &mut Pair) {
    let (a, _) = configs(|_| {}, |_| {});
    pair.a = pair::Node::new(
        7,
        A,
        b"secret-psk-0123456789",
        crate::settings::Settings::default(),
    );
    pair.a.ep.load_config(std::sync::Arc::new(a));
    pair.initiate("gw", Some("net"));
    pair.drive();
}

fn established() -> Pair {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().state, crate::IkeState::Established);
    assert_eq!(pair.b.sa().state, crate::IkeState::Established);
    pair.a.take_events();
    pair.b.take_events();
    pair
}

/// Both data planes hold matching SA pairs: A's outbound SPIs are B's
/// inbound ones with the same keys, and vice versa.
#[track_caller]
fn assert_sas_match(pair: &Pair) {
    use crate::action::Direction::{Inbound, Outbound};
    for (from, to) in [
        (&pair.a.kernel, &pair.b.kernel),
        (&pair.b.kernel, &pair.a.kernel),
    ] {
        assert_eq!(from.spis(Outbound), to.spis(Inbound));
        for spi in from.spis(Outbound) {
            let (out, inb) = (&from.sas[&spi], &to.sas[&spi]);
            assert_eq!(out.encr_key, inb.encr_key, "keys of {spi:08x}");
            assert_eq!(out.integ_key, inb.integ_key, "keys of {spi:08x}");
        }
    }
}
