use core::net::SocketAddr;

use ike::wire::Identification;
use swanctl_parser::config::SwanctlConfig;
use swanctl_parser::settings::Settings;

use super::*;

const SA: SaHandle = SaHandle(1);
const LOCAL: &str = "192.0.2.1:500";
const REMOTE: &str = "192.0.2.2:500";

/// Connection `gw` with children `a` and `b` and these extra settings
/// (`conn` on the connection, `child` on both children).
fn conns(conn: &str, child: &str) -> Vec<sw::Connection> {
    let text = format!(
        "connections {{ gw {{ remote_addrs = 192.0.2.2\n {conn}\n children {{ a {{ {child} }}\n \
         b {{ {child} }} }} }} }}"
    );
    let tree = Settings::parse_str(&text, "swanctl.conf").unwrap();
    let (config, errors) = SwanctlConfig::from_settings(&tree);
    assert!(errors.is_empty(), "{errors:?}");
    config.connections
}

fn addrs() -> (SocketAddr, SocketAddr) {
    (LOCAL.parse().unwrap(), REMOTE.parse().unwrap())
}

/// `gw` initiated with `a` and `b`, try `attempt`.
fn initiated(attempt: u32) -> Lifecycle {
    let mut life = Lifecycle::default();
    let children = ["a".to_owned(), "b".to_owned()];
    life.initiated(SA, "gw", &children, addrs(), attempt);
    life
}

fn up(life: &mut Lifecycle, conns: &[sw::Connection]) {
    let ike_up = Event::IkeUp {
        sa: SA,
        local_id: Identification::fqdn("a"),
        remote_id: Identification::fqdn("b"),
    };
    assert!(life.observe(&ike_up, None, conns).is_empty());
    for (id, name) in [(1, "a"), (2, "b")] {
        let child_up = Event::ChildUp {
            sa: SA,
            child: ChildId(id),
            name: name.to_owned(),
        };
        assert!(life.observe(&child_up, None, conns).is_empty());
    }
}

/// The IKE SA goes down with its children, as the core reports it.
fn down(life: &mut Lifecycle, conns: &[sw::Connection], reason: DownReason) -> Vec<Decision> {
    for id in [1, 2] {
        let child_down = Event::ChildDown {
            sa: SA,
            child: ChildId(id),
            reason: reason.clone(),
        };
        assert!(life.observe(&child_down, None, conns).is_empty());
    }
    let mut out = life.observe(&Event::IkeDown { sa: SA, reason }, None, conns);
    out.extend(life.settle(conns));
    out
}

fn restart(children: &[&str], attempt: u32) -> Decision {
    let (local, remote) = addrs();
    Decision::Initiate {
        conn: "gw".into(),
        children: children.iter().map(|c| (*c).to_owned()).collect(),
        local: if attempt == 1 {
            SocketAddr::new(local.ip(), 0)
        } else {
            local
        },
        remote,
        attempt,
        replaces: SA,
    }
}

#[test]
fn an_unanswered_initiation_is_retried_up_to_keyingtries() {
    let conns = conns("keyingtries = 3", "");
    let mut life = initiated(1);
    let retry = down(&mut life, &conns, DownReason::Timeout);
    assert_eq!(retry, [restart(&["a", "b"], 2)]);
    let mut life = initiated(3);
    assert!(down(&mut life, &conns, DownReason::Timeout).is_empty());
}

#[test]
fn keyingtries_default_to_one_and_zero_retries_for_ever() {
    let mut life = initiated(1);
    assert!(down(&mut life, &conns("", ""), DownReason::Timeout).is_empty());
    let mut life = initiated(1000);
    let retry = down(
        &mut life,
        &conns("keyingtries = 0", ""),
        DownReason::Timeout,
    );
    assert_eq!(retry, [restart(&["a", "b"], 1001)]);
}

#[test]
fn failed_authentication_and_proposals_are_not_retried() {
    let conns = conns("keyingtries = 0", "");
    let failed = DownReason::Failed(ike::Error::ApiMisuse("no proposal"));
    let mut life = initiated(1);
    assert!(down(&mut life, &conns, failed).is_empty());
}

#[test]
fn a_dead_peer_restarts_the_children_with_dpd_action_restart() {
    let conns = conns("", "dpd_action = restart");
    let mut life = initiated(1);
    up(&mut life, &conns);
    assert_eq!(
        down(&mut life, &conns, DownReason::Timeout),
        [restart(&["a", "b"], 1)]
    );
}

#[test]
fn dpd_action_clear_and_a_local_delete_do_nothing() {
    let conns_clear = conns("", "dpd_action = clear");
    let mut life = initiated(1);
    up(&mut life, &conns_clear);
    assert!(down(&mut life, &conns_clear, DownReason::Timeout).is_empty());
    let conns_restart = conns("", "dpd_action = restart\n close_action = restart");
    for reason in [
        DownReason::Local,
        DownReason::Duplicate,
        DownReason::Expired,
    ] {
        let mut life = initiated(1);
        up(&mut life, &conns_restart);
        assert!(down(&mut life, &conns_restart, reason).is_empty());
    }
}

#[test]
fn trap_actions_become_trap_decisions() {
    let conns = conns("", "dpd_action = trap\n close_action = trap");
    for reason in [DownReason::Timeout, DownReason::Peer] {
        let mut life = initiated(1);
        up(&mut life, &conns);
        let trap = |child: &str| Decision::Trap {
            conn: "gw".into(),
            child: child.into(),
        };
        assert_eq!(down(&mut life, &conns, reason), [trap("a"), trap("b")]);
    }
}

#[test]
fn the_peer_deleting_the_ike_sa_applies_close_action() {
    let conns = conns("", "close_action = start");
    let mut life = initiated(1);
    up(&mut life, &conns);
    assert_eq!(
        down(&mut life, &conns, DownReason::Peer),
        [restart(&["a", "b"], 1)]
    );
}

#[test]
fn nothing_is_set_up_again_while_shutting_down() {
    let conns = conns(
        "keyingtries = 0",
        "close_action = restart\n dpd_action = restart",
    );
    let mut life = initiated(1);
    life.stop();
    assert!(down(&mut life, &conns, DownReason::Timeout).is_empty());
    let mut life = initiated(1);
    up(&mut life, &conns);
    life.stop();
    assert!(down(&mut life, &conns, DownReason::Peer).is_empty());
}

#[test]
fn the_peer_deleting_one_child_recreates_it_on_the_same_ike_sa() {
    let conns = conns("", "close_action = restart");
    let mut life = initiated(1);
    up(&mut life, &conns);
    let child_down = Event::ChildDown {
        sa: SA,
        child: ChildId(2),
        reason: DownReason::Peer,
    };
    assert!(life.observe(&child_down, None, &conns).is_empty());
    let child = Decision::Child {
        sa: SA,
        child: "b".into(),
    };
    assert_eq!(life.settle(&conns), [child]);
    assert!(life.settle(&conns).is_empty(), "once");
}

#[test]
fn a_responder_restarts_to_the_peers_address_and_configured_port() {
    let conns = conns("remote_port = 4501", "close_action = restart");
    let mut life = Lifecycle::default();
    let info = IkeSaInfo {
        handle: SA,
        name: "gw".into(),
        initiator: false,
        local: "192.0.2.1:4500".parse().unwrap(),
        remote: "192.0.2.2:34567".parse().unwrap(),
        state: ike::IkeState::Established,
        spi_i: 1,
        spi_r: 2,
        local_id: None,
        remote_id: None,
        proposal: None,
        nat: ike::NatState::default(),
        established: None,
        rekey_at: None,
        children: Vec::new(),
        local_vips: Vec::new(),
        remote_vips: Vec::new(),
    };
    let ike_up = Event::IkeUp {
        sa: SA,
        local_id: Identification::fqdn("a"),
        remote_id: Identification::fqdn("b"),
    };
    life.observe(&ike_up, Some(&info), &conns);
    let child_up = Event::ChildUp {
        sa: SA,
        child: ChildId(7),
        name: "a".into(),
    };
    life.observe(&child_up, None, &conns);
    let decided = down(&mut life, &conns, DownReason::Peer);
    let expected = Decision::Initiate {
        conn: "gw".into(),
        children: vec!["a".into()],
        local: "192.0.2.1:0".parse().unwrap(),
        remote: "192.0.2.2:4501".parse().unwrap(),
        attempt: 1,
        replaces: SA,
    };
    assert_eq!(decided, [expected]);
}

/// The driver carries decisions out: a keying try initiates the children
/// and is followed; its timeout leads to the next try until keyingtries.
#[tokio::test(flavor = "current_thread")]
async fn the_driver_initiates_each_try_and_stops_after_keyingtries() {
    use swanctl_parser::vici::Message;

    use crate::vici::command_tests::{gw, harness_with_conf};

    let mut h = harness_with_conf(std::path::Path::new("/nonexistent/strongswan.conf"));
    let ok = Message::new().with_value("success", "yes");
    let conn = gw(Message::new().with_value("keyingtries", "2"));
    assert_eq!(h.request("load-conn", conn), ok);
    let d = &mut h.driver;
    d.decide(vec![Decision::Initiate {
        conn: "gw".into(),
        children: vec!["net".into()],
        local: "127.0.0.1:0".parse().unwrap(),
        remote: "127.0.0.2:500".parse().unwrap(),
        attempt: 1,
        replaces: SaHandle(99),
    }]);
    let first: Vec<IkeSaInfo> = d.endpoint.sas().collect();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].name, "gw");
    assert_eq!(first[0].local.port(), d.port, "charon.port as source");
    let timeout = |sa| Event::IkeDown {
        sa,
        reason: DownReason::Timeout,
    };
    // the core would destroy it; the driver only follows the event
    d.after(&timeout(first[0].handle));
    let second: Vec<SaHandle> = d
        .endpoint
        .sas()
        .map(|s| s.handle)
        .filter(|s| *s != first[0].handle)
        .collect();
    assert_eq!(second.len(), 1, "try 2 of 2");
    d.after(&timeout(second[0]));
    assert_eq!(d.endpoint.sas().count(), 2, "no third try");
}
