//! The command layer without a socket: a driver on loopback ports with
//! the recording backend, a fake client's queue, and charon's answers.

use std::sync::Arc;

use esp_install::RecordingInstaller;
use swanctl_parser::vici::{Message, Packet};
use tokio::sync::{mpsc, oneshot};

use tracing_subscriber::layer::SubscriberExt as _;

use super::logtap::{LogTap, TapLayer};
use super::{ClientId, Inbound};
use crate::driver::Driver;

const CLIENT: ClientId = ClientId(1);

pub(crate) struct Harness {
    pub(crate) driver: Driver,
    rx: mpsc::Receiver<Vec<Packet>>,
    /// The `done` ends of requests answered later.
    waiting: Vec<oneshot::Receiver<()>>,
    /// Log lines reach the driver's tap while the harness lives.
    _log: tracing::subscriber::DefaultGuard,
}

fn harness() -> Harness {
    harness_full(Box::new(RecordingInstaller::new()), NO_CONF.as_ref())
}

const NO_CONF: &str = "/nonexistent/strongswan.conf";

/// A harness whose driver uses `installer`.
pub(crate) fn harness_with(installer: Box<dyn esp_install::Installer>) -> Harness {
    harness_full(installer, NO_CONF.as_ref())
}

/// A harness whose strongswan.conf is `conf`.
pub(crate) fn harness_with_conf(conf: &std::path::Path) -> Harness {
    harness_full(Box::new(RecordingInstaller::new()), conf)
}

fn harness_full(installer: Box<dyn esp_install::Installer>, conf: &std::path::Path) -> Harness {
    let tap = Arc::new(LogTap::default());
    let subscriber = tracing_subscriber::registry().with(TapLayer(Arc::clone(&tap)));
    let log = tracing::subscriber::set_default(subscriber);
    let mut driver = crate::test_driver::driver(installer, tap, conf);
    let (tx, rx) = mpsc::channel(16);
    driver.vici_inbound(Inbound::Connected { client: CLIENT, tx });
    Harness {
        driver,
        rx,
        waiting: Vec::new(),
        _log: log,
    }
}

impl Harness {
    /// Sends a packet; everything queued for the client in answer.
    pub(crate) fn send(&mut self, packet: Packet) -> Vec<Packet> {
        let (done, finished) = oneshot::channel();
        self.waiting.push(finished);
        self.driver.vici_inbound(Inbound::Packet {
            client: CLIENT,
            packet,
            done,
        });
        let mut out = Vec::new();
        while let Ok(batch) = self.rx.try_recv() {
            out.extend(batch);
        }
        out
    }

    /// The response of a command.
    pub(crate) fn request(&mut self, command: &str, msg: Message) -> Message {
        let out = self.send(Packet::request(command, msg));
        match out.last() {
            Some(Packet::CmdResponse(m)) => m.clone(),
            other => panic!("{command}: no response but {other:?}"),
        }
    }
}

pub(crate) fn failure(errmsg: &str) -> Message {
    Message::new()
        .with_value("success", "no")
        .with_value("errmsg", errmsg)
}

pub(crate) fn ok() -> Message {
    Message::new().with_value("success", "yes")
}

/// A `load-conn` request as strongSwan's swanctl sends it.
pub(crate) fn gw(extra: Message) -> Message {
    gw_with(extra, Message::new())
}

/// [`gw`] with more keys in child `net`.
pub(crate) fn gw_with(extra: Message, net_extra: Message) -> Message {
    let side = |id: &str| {
        Message::new()
            .with_value("auth", "psk")
            .with_value("id", id)
    };
    let mut net = Message::new()
        .with_list("local_ts", ["10.1.0.0/24"])
        .with_list("remote_ts", ["10.2.0.0/24"]);
    for (k, item) in net_extra.into_items() {
        net.push(k, item);
    }
    let mut conn = Message::new()
        .with_value("version", "2")
        .with_list("local_addrs", ["127.0.0.1"])
        .with_list("remote_addrs", ["127.0.0.2"])
        .with_section("local", side("a.test"))
        .with_section("remote", side("b.test"))
        .with_section("children", Message::new().with_section("net", net));
    for (k, item) in extra.into_items() {
        conn.push(k, item);
    }
    Message::new().with_section("gw", conn)
}

#[tokio::test(flavor = "current_thread")]
async fn unknown_commands_get_cmd_unknown_and_charons_unimplemented_ones_a_reason() {
    let mut h = harness();
    assert_eq!(
        h.send(Packet::request("bogus", Message::new())),
        vec![Packet::CmdUnknown]
    );
    assert_eq!(
        h.request("redirect", Message::new()),
        failure("'redirect' is not supported by cygnetd yet")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn event_registrations_are_confirmed_only_for_charons_events() {
    let mut h = harness();
    assert_eq!(
        h.send(Packet::EventRegister("list-sa".into())),
        vec![Packet::EventConfirm]
    );
    assert_eq!(
        h.send(Packet::EventRegister("nope".into())),
        vec![Packet::EventUnknown]
    );
    assert_eq!(
        h.send(Packet::EventUnregister("nope".into())),
        vec![Packet::EventUnknown]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn connections_load_list_and_unload_with_charons_replies() {
    let mut h = harness();
    assert_eq!(h.request("load-conn", gw(Message::new())), ok());
    assert_eq!(
        h.request("get-conns", Message::new()),
        Message::new().with_list("conns", ["gw"])
    );
    h.send(Packet::EventRegister("list-conn".into()));
    let out = h.send(Packet::request("list-conns", Message::new()));
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(matches!(&out[0], Packet::Event { name, message }
        if name == "list-conn" && message.get_section("gw").is_some()));
    assert_eq!(out[1], Packet::CmdResponse(Message::new()));
    assert_eq!(h.driver.endpoint.configs().len(), 1);
    assert_eq!(
        h.request("unload-conn", Message::new().with_value("name", "gw")),
        ok()
    );
    assert!(h.driver.endpoint.configs().is_empty());
    assert_eq!(
        h.request("unload-conn", Message::new().with_value("name", "gw")),
        failure("unload: connection 'gw' not found")
    );
    assert_eq!(
        h.request("unload-conn", Message::new()),
        failure("unload: missing connection name")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_connection_leaves_the_loaded_ones_untouched() {
    let mut h = harness();
    assert_eq!(h.request("load-conn", gw(Message::new())), ok());
    let bad = Message::new().with_section("bad", Message::new().with_value("bogus", "1"));
    assert_eq!(
        h.request("load-conn", bad),
        failure("unknown option: bogus, config discarded")
    );
    let beet = gw(Message::new()).with_section(
        "other",
        Message::new().with_section(
            "children",
            Message::new().with_section("x", Message::new().with_value("mode", "beet")),
        ),
    );
    let reply = h.request("load-conn", beet);
    assert_eq!(reply.get_str("success"), Some("no"));
    assert_eq!(
        h.request("get-conns", Message::new()),
        Message::new().with_list("conns", ["gw"])
    );
}

#[tokio::test(flavor = "current_thread")]
async fn shared_keys_load_list_and_unload_by_id() {
    let mut h = harness();
    let key = Message::new()
        .with_value("id", "ike-1")
        .with_value("type", "IKE")
        .with_value("data", "secret")
        .with_list("owners", ["a.test", "b.test"]);
    assert_eq!(h.request("load-shared", key), ok());
    assert_eq!(
        h.request("get-shared", Message::new()),
        Message::new().with_list("keys", ["ike-1"])
    );
    let me = ike::wire::Identification::fqdn("a.test");
    assert!(ike::auth::Credentials::shared_key(h.driver.vici.creds.as_ref(), &me, None).is_some());
    assert_eq!(
        h.request("unload-shared", Message::new().with_value("id", "ike-1")),
        ok()
    );
    assert!(ike::auth::Credentials::shared_key(h.driver.vici.creds.as_ref(), &me, None).is_none());
    let bad = Message::new()
        .with_value("type", "foo")
        .with_value("data", "x");
    assert_eq!(
        h.request("load-shared", bad),
        failure("invalid shared key type: foo")
    );
    let empty = Message::new().with_value("type", "ike");
    assert_eq!(
        h.request("load-shared", empty),
        failure("shared key data missing")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn private_keys_are_listed_by_their_key_id() {
    let mut h = harness();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let pem = key.serialize_pem();
    let reply = h.request(
        "load-key",
        Message::new()
            .with_value("type", "ecdsa")
            .with_value("data", pem),
    );
    assert_eq!(reply.get_str("success"), Some("yes"));
    let id = reply.get_str("id").unwrap().to_owned();
    assert_eq!(id.len(), 40);
    let keys = h.request("get-keys", Message::new());
    assert_eq!(keys, Message::new().with_list("keys", [id.as_str()]));
    assert_eq!(
        h.request("unload-key", Message::new().with_value("id", id.as_str())),
        ok()
    );
    assert_eq!(
        h.request("unload-key", Message::new().with_value("id", id.as_str())),
        failure("key not found")
    );
    assert_eq!(
        h.request(
            "load-key",
            Message::new()
                .with_value("type", "dsa")
                .with_value("data", "x")
        ),
        failure("invalid key type: dsa")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn control_commands_refuse_missing_selectors_and_unknown_configs_as_charon() {
    let mut h = harness();
    assert_eq!(
        h.request("initiate", Message::new()),
        failure("missing configuration name")
    );
    assert_eq!(
        h.request("initiate", Message::new().with_value("child", "net")),
        failure("CHILD_SA config 'net' not found")
    );
    assert_eq!(
        h.request("initiate", Message::new().with_value("ike", "gw")),
        failure("IKE_SA config 'gw' not found")
    );
    assert_eq!(
        h.request("terminate", Message::new()),
        failure("missing terminate selector")
    );
    assert_eq!(
        h.request("terminate", Message::new().with_value("ike", "gw")),
        Message::new()
            .with_value("success", "no")
            .with_value("matches", "0")
            .with_value("terminated", "0")
            .with_value("errmsg", "no matching SAs to terminate found")
    );
    assert_eq!(
        h.request("rekey", Message::new()),
        failure("missing rekey selector")
    );
    assert_eq!(
        h.request("rekey", Message::new().with_value("child", "net")),
        Message::new()
            .with_value("success", "no")
            .with_value("matches", "0")
            .with_value("errmsg", "no matching SAs to rekey found")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_initiate_answers_later_and_times_out_with_charons_message() {
    let mut h = harness();
    assert_eq!(h.request("load-conn", gw(Message::new())), ok());
    h.send(Packet::EventRegister("control-log".into()));
    let out = h.send(Packet::request(
        "initiate",
        Message::new()
            .with_value("child", "net")
            .with_value("timeout", "1"),
    ));
    assert!(
        out.iter().all(|p| !matches!(p, Packet::CmdResponse(_))),
        "{out:?}"
    );
    tokio::time::sleep(core::time::Duration::from_millis(5)).await;
    h.driver.vici_timeouts();
    let mut out = Vec::new();
    while let Ok(batch) = h.rx.try_recv() {
        out.extend(batch);
    }
    assert!(
        out.iter()
            .any(|p| matches!(p, Packet::Event { name, .. } if name == "control-log")),
        "{out:?}"
    );
    assert_eq!(
        out.last(),
        Some(&Packet::CmdResponse(failure(
            "CHILD_SA 'net' not established after 1ms"
        )))
    );
    // the client task may read its next request now
    assert_eq!(
        h.waiting.last_mut().unwrap().try_recv(),
        Err(oneshot::error::TryRecvError::Closed)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn list_sas_streams_only_to_a_registered_client_and_answers_empty() {
    let mut h = harness();
    let out = h.send(Packet::request("list-sas", Message::new()));
    assert_eq!(out, vec![Packet::CmdResponse(Message::new())]);
    let stats = h.request("stats", Message::new());
    assert_eq!(
        stats.find(&["ikesas", "total"]).cloned(),
        Some(swanctl_parser::vici::Item::Value(b"0".to_vec()))
    );
    assert_eq!(
        h.request("version", Message::new()).get_str("daemon"),
        Some("cygnetd")
    );
    assert_eq!(h.request("reload-settings", Message::new()), ok());
}

#[tokio::test(flavor = "current_thread")]
async fn loaded_certificates_are_listed_with_their_der_and_private_key_flag() {
    let mut h = harness();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(vec!["moon.test".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let load = Message::new()
        .with_value("type", "X509")
        .with_value("flag", "NONE")
        .with_value("data", cert.der().to_vec());
    assert_eq!(h.request("load-cert", load), ok());
    let key_msg = Message::new()
        .with_value("type", "any")
        .with_value("data", key.serialize_pem());
    assert_eq!(
        h.request("load-key", key_msg).get_str("success"),
        Some("yes")
    );
    h.send(Packet::EventRegister("list-cert".into()));
    let out = h.send(Packet::request("list-certs", Message::new()));
    let expected = Message::new()
        .with_value("type", "X509")
        .with_value("flag", "NONE")
        .with_value("has_privkey", "yes")
        .with_value("data", cert.der().to_vec());
    assert_eq!(
        out,
        vec![
            Packet::event("list-cert", expected),
            Packet::CmdResponse(Message::new())
        ]
    );
    let only_ca = Message::new()
        .with_value("type", "X509")
        .with_value("flag", "CA");
    let out = h.send(Packet::request("list-certs", only_ca));
    assert_eq!(out, vec![Packet::CmdResponse(Message::new())]);
    let bad = Message::new()
        .with_value("type", "X509")
        .with_value("flag", "CA");
    assert_eq!(
        h.request("load-cert", bad),
        failure("certificate data missing")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn authorities_load_and_list_with_their_subject_and_uris() {
    let mut h = harness();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Test CA");
    let ca = params.self_signed(&key).unwrap();
    let section = Message::new()
        .with_value("cacert", ca.der().to_vec())
        .with_list("crl_uris", ["http://crl.test/ca.crl"]);
    let load = Message::new().with_section("test-ca", section);
    assert_eq!(h.request("load-authority", load), ok());
    assert_eq!(
        h.request("get-authorities", Message::new()),
        Message::new().with_list("authorities", ["test-ca"])
    );
    h.send(Packet::EventRegister("list-authority".into()));
    let out = h.send(Packet::request("list-authorities", Message::new()));
    let expected = Message::new().with_section(
        "test-ca",
        Message::new()
            .with_value("cacert", "CN=Test CA")
            .with_list("crl_uris", ["http://crl.test/ca.crl"])
            .with_list("ocsp_uris", Vec::<&str>::new()),
    );
    assert_eq!(
        out,
        vec![
            Packet::event("list-authority", expected),
            Packet::CmdResponse(Message::new())
        ]
    );
    assert_eq!(h.driver.vici.creds.read().authorities().count(), 1);
    let unload = Message::new().with_value("name", "test-ca");
    assert_eq!(h.request("unload-authority", unload.clone()), ok());
    assert_eq!(h.driver.vici.creds.read().authorities().count(), 0);
    assert_eq!(
        h.request("unload-authority", unload),
        failure("unload: authority 'test-ca' not found")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn without_policies_or_counted_connections_the_answers_are_charons_for_none() {
    let mut h = harness();
    let out = h.send(Packet::request("list-policies", Message::new()));
    assert_eq!(out, vec![Packet::CmdResponse(Message::new())]);
    assert_eq!(
        h.request("uninstall", Message::new().with_value("child", "net")),
        failure("policy 'net' not found")
    );
    let counters = h.request("get-counters", Message::new().with_value("name", "gw"));
    assert_eq!(
        counters.get_str("errmsg"),
        Some("no counters found for this connection")
    );
}
