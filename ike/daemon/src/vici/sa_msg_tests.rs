use core::net::SocketAddr;
use core::time::Duration;

use ike::proposal::Proposal;
use ike::ts::TsSpec;
use ike::wire::iana::ProtocolId;
use ike::wire::{Identification, TrafficSelector};
use ike::{ChildId, ChildState, NatState, SaHandle};

use super::*;

fn at(secs: u64) -> Instant {
    Instant::from_duration(Duration::from_secs(secs))
}

fn ts(net: &str) -> TrafficSelector {
    let (from, to) = match net {
        "10.1.0.0/24" => ("10.1.0.0", "10.1.0.255"),
        _ => ("10.2.0.0", "10.2.0.255"),
    };
    TsSpec::range(from.parse().unwrap(), to.parse().unwrap())
        .selector()
        .unwrap()
}

/// The SAs of the lab capture in reference §6.1 (raw form), at t = 100 s.
fn lab_sa() -> IkeSaInfo {
    let child = ChildSaInfo {
        id: ChildId(3),
        name: "net".into(),
        state: ChildState::Installed,
        reqid: 1,
        spi_in: 0x09c4_ee90,
        spi_out: 0xc1c8_27eb,
        proposal: Proposal::parse(ProtocolId::ESP, "aes128gcm16-x25519").unwrap(),
        mode: Mode::Tunnel,
        local_ts: vec![ts("10.1.0.0/24")],
        remote_ts: vec![ts("10.2.0.0/24")],
        established: at(91),
        rekey_at: Some(at(100 + 3362)),
        expire_at: Some(at(100 + 3951)),
    };
    IkeSaInfo {
        handle: SaHandle(1),
        name: "gw".into(),
        state: IkeState::Established,
        initiator: true,
        spi_i: 0x8324_497c_0bb1_53b0,
        spi_r: 0x457f_d250_82f9_1a1c,
        local: "198.51.100.1:4500".parse::<SocketAddr>().unwrap(),
        remote: "198.51.100.2:4500".parse::<SocketAddr>().unwrap(),
        local_id: Some(Identification::fqdn("a")),
        remote_id: Some(Identification::fqdn("b")),
        proposal: Some(Proposal::parse(ProtocolId::IKE, "aes128-sha256-x25519").unwrap()),
        nat: NatState {
            local_behind: false,
            remote_behind: true,
            encap: false,
        },
        established: Some(at(85)),
        rekey_at: Some(at(100 + 13683)),
        local_vips: Vec::new(),
        remote_vips: Vec::new(),
        children: vec![child],
    }
}

#[test]
fn a_list_sa_event_has_charons_keys_values_and_order() {
    let sa = lab_sa();
    let children: Vec<_> = sa.children.iter().map(|c| (c, Usage::default())).collect();
    let msg = ike_with_children(&sa, &children, at(100));
    let expected = "list-sa event {gw {uniqueid=1 version=2 state=ESTABLISHED \
        local-host=198.51.100.1 local-port=4500 local-id=a remote-host=198.51.100.2 \
        remote-port=4500 remote-id=b initiator=yes initiator-spi=8324497c0bb153b0 \
        responder-spi=457fd25082f91a1c nat-remote=yes nat-any=yes encr-alg=AES_CBC \
        encr-keysize=128 integ-alg=HMAC_SHA2_256_128 prf-alg=PRF_HMAC_SHA2_256 \
        dh-group=CURVE_25519 established=15 rekey-time=13683 child-sas {net-3 {name=net \
        uniqueid=3 reqid=1 state=INSTALLED mode=TUNNEL protocol=ESP encap=yes \
        spi-in=09c4ee90 spi-out=c1c827eb encr-alg=AES_GCM_16 encr-keysize=128 \
        dh-group=CURVE_25519 bytes-in=0 packets-in=0 bytes-out=0 packets-out=0 \
        rekey-time=3362 life-time=3951 install-time=9 local-ts=[10.1.0.0/24] \
        remote-ts=[10.2.0.0/24]}}}}\n";
    assert_eq!(msg.vici_dump("list-sa event", false), expected);
}

#[test]
fn a_forced_encapsulation_is_a_fake_nat_as_charon_reports_it() {
    let mut sa = lab_sa();
    sa.nat = NatState {
        local_behind: false,
        remote_behind: false,
        encap: true,
    };
    let mut msg = Message::new();
    list_ike(&mut msg, &sa, at(100));
    assert_eq!(msg.get_str("nat-fake"), Some("yes"));
    assert_eq!(msg.get_str("nat-any"), Some("yes"));
    assert_eq!(msg.get_str("nat-remote"), None);
}

#[test]
fn an_sa_not_yet_established_lists_no_times_and_unknown_ids_as_any() {
    let mut sa = lab_sa();
    sa.state = IkeState::Connecting;
    sa.remote_id = None;
    let mut msg = Message::new();
    list_ike(&mut msg, &sa, at(100));
    assert_eq!(msg.get_str("state"), Some("CONNECTING"));
    assert_eq!(msg.get_str("remote-id"), Some("%any"));
    assert_eq!(msg.get_str("established"), None);
    assert_eq!(msg.get_str("rekey-time"), None);
}

#[test]
fn counters_and_last_use_are_listed_for_each_direction() {
    let sa = lab_sa();
    let usage = Usage {
        bytes_in: 420,
        packets_in: 5,
        last_in: Some(SystemTime::now() - Duration::from_secs(3)),
        bytes_out: 84,
        packets_out: 1,
        last_out: None,
        offload: None,
    };
    let msg = list_child(&sa.children[0], false, &usage, at(100));
    assert_eq!(msg.get_str("bytes-in"), Some("420"));
    assert_eq!(msg.get_str("packets-in"), Some("5"));
    assert!(matches!(msg.get_str("use-in"), Some("3" | "4")));
    assert_eq!(msg.get_str("use-out"), None);
    assert_eq!(msg.get_str("encap"), None);
}

#[test]
fn the_offload_in_use_is_listed_as_our_hw_offload_key() {
    use esp_install::{HwOffload, OffloadMode};

    use crate::install::Offload;

    let sa = lab_sa();
    let child = &sa.children[0];
    let listed = |configured, mode| {
        let usage = Usage {
            offload: Some(Offload { configured, mode }),
            ..Usage::default()
        };
        let msg = list_child(child, false, &usage, at(100));
        msg.get_str("hw-offload").map(str::to_owned)
    };
    assert_eq!(
        list_child(child, false, &Usage::default(), at(100)).get_str("hw-offload"),
        None
    );
    assert_eq!(
        listed(HwOffload::No, OffloadMode::None).as_deref(),
        Some("none")
    );
    assert_eq!(
        listed(HwOffload::Crypto, OffloadMode::Crypto).as_deref(),
        Some("crypto")
    );
    assert_eq!(
        listed(HwOffload::Auto, OffloadMode::Packet).as_deref(),
        Some("packet")
    );
    assert_eq!(
        listed(HwOffload::Auto, OffloadMode::Crypto).as_deref(),
        Some("crypto (auto)")
    );
    assert_eq!(
        listed(HwOffload::Auto, OffloadMode::None).as_deref(),
        Some("none (auto)")
    );
}

#[test]
fn virtual_ips_are_listed_after_the_times_only_when_there_are_some() {
    let mut sa = lab_sa();
    let mut msg = Message::new();
    list_ike(&mut msg, &sa, at(100));
    assert!(msg.find(&["local-vips"]).is_none());
    sa.local_vips = vec!["10.3.0.1".parse().unwrap()];
    let mut msg = Message::new();
    list_ike(&mut msg, &sa, at(100));
    assert!(
        msg.vici_dump("e", false)
            .ends_with("rekey-time=13683 local-vips=[10.3.0.1]}\n"),
        "{}",
        msg.vici_dump("e", false)
    );
}
