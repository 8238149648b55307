//! Traps through the VICI command layer with a recording data plane.

use std::sync::{Arc, Mutex, MutexGuard};

use esp_install::{
    InstallError, Installer, KernelEvent, OffloadMode, PolicyAction, PolicyClass, PolicyDirection,
    Protocol, RecordingInstaller, SaId, SaSpec, SaStats, SaUpdate, Selector,
};
use swanctl_parser::vici::{Message, Packet};
use tokio::sync::mpsc;

use crate::vici::command_tests::{Harness, failure, gw, gw_with, harness_with, ok};

/// A recording installer the test keeps a handle on.
#[derive(Clone, Default)]
pub(crate) struct Shared(Arc<Mutex<RecordingInstaller>>);

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, RecordingInstaller> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Installer for Shared {
    fn get_spi(
        &mut self,
        src: core::net::IpAddr,
        dst: core::net::IpAddr,
        p: Protocol,
    ) -> Result<u32, InstallError> {
        self.lock().get_spi(src, dst, p)
    }
    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        self.lock().add_sa(sa)
    }
    fn update_sa(&mut self, id: &SaId, update: &SaUpdate) -> Result<(), InstallError> {
        self.lock().update_sa(id, update)
    }
    fn query_sa(&mut self, id: &SaId) -> Result<SaStats, InstallError> {
        self.lock().query_sa(id)
    }
    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        self.lock().del_sa(id)
    }
    fn add_policy(&mut self, p: &esp_install::PolicySpec) -> Result<(), InstallError> {
        self.lock().add_policy(p)
    }
    fn del_policy(&mut self, p: &esp_install::PolicySpec) -> Result<(), InstallError> {
        self.lock().del_policy(p)
    }
    fn add_vip(&mut self, vip: core::net::IpAddr) -> Result<(), InstallError> {
        self.lock().add_vip(vip)
    }
    fn del_vip(&mut self, vip: core::net::IpAddr) -> Result<(), InstallError> {
        self.lock().del_vip(vip)
    }
    fn flush(&mut self) -> Result<(), InstallError> {
        self.lock().flush()
    }
    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>> {
        self.lock().events()
    }
}

pub(crate) fn setup() -> (Harness, Shared) {
    let shared = Shared::default();
    (harness_with(Box::new(shared.clone())), shared)
}

fn trap() -> Message {
    gw_with(
        Message::new(),
        Message::new().with_value("start_action", "trap"),
    )
}

fn host(ip: &str, protocol: u8) -> Selector {
    let ip = ip.parse().unwrap();
    Selector {
        from: ip,
        to: ip,
        protocol,
        from_port: 0,
        to_port: u16::MAX,
    }
}

fn acquire(reqid: u32) -> KernelEvent {
    KernelEvent::Acquire {
        reqid,
        src: host("10.1.0.5", 1),
        dst: host("10.2.0.9", 1),
    }
}

/// The reqids of the installed policies, checking each is a trap's.
fn trap_reqids(shared: &Shared) -> Vec<(PolicyDirection, u32)> {
    let rec = shared.lock();
    assert_eq!(rec.sas().count(), 0, "a trap installs no SA");
    rec.policies()
        .iter()
        .map(|p| {
            assert_eq!(p.class, PolicyClass::Routed);
            let PolicyAction::Protect(t) = p.action else {
                panic!("{p:?}");
            };
            (p.direction, t.reqid)
        })
        .collect()
}

fn list_policies(h: &mut Harness, request: Message) -> Vec<Packet> {
    h.send(Packet::EventRegister("list-policy".into()));
    h.send(Packet::request("list-policies", request))
}

#[tokio::test(flavor = "current_thread")]
async fn start_action_trap_installs_out_in_and_fwd_policies_with_a_reqid_and_no_sa() {
    let (mut h, shared) = setup();
    assert_eq!(h.request("load-conn", trap()), ok());
    let reqids = trap_reqids(&shared);
    let dirs: Vec<PolicyDirection> = reqids.iter().map(|(d, _)| *d).collect();
    use PolicyDirection::{Fwd, In, Out};
    assert_eq!(dirs, [Out, In, Fwd]);
    assert!(reqids.iter().all(|(_, r)| *r == reqids[0].1 && *r != 0));
    let out = shared.lock().policies()[0].clone();
    assert_eq!(out.src_ts.to_string(), "10.1.0.0..10.1.0.255");
    assert!(h.driver.endpoint.sas().next().is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn list_policies_streams_the_traps_as_charon_names_them() {
    let (mut h, _) = setup();
    assert_eq!(h.request("load-conn", trap()), ok());
    let all = Message::new()
        .with_value("trap", "yes")
        .with_value("drop", "yes")
        .with_value("pass", "yes");
    let out = list_policies(&mut h, all);
    let expected = "list-policy {gw/net {child=net ike=gw mode=TUNNEL \
        local-ts=[10.1.0.0/24] remote-ts=[10.2.0.0/24]}}\n";
    let [Packet::Event { name, message }, Packet::CmdResponse(end)] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(name, "list-policy");
    assert_eq!(message.vici_dump("list-policy", false), expected);
    assert_eq!(*end, Message::new());
    // without `trap`, or for another child, nothing
    let drop_only = Message::new().with_value("drop", "yes");
    assert_eq!(list_policies(&mut h, drop_only).len(), 1);
    let other = Message::new()
        .with_value("trap", "yes")
        .with_value("child", "x");
    assert_eq!(list_policies(&mut h, other).len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn an_acquire_initiates_once_until_its_ike_sa_goes() {
    let (mut h, shared) = setup();
    assert_eq!(h.request("load-conn", trap()), ok());
    let reqid = trap_reqids(&shared)[0].1;
    h.driver.acquire(&acquire(reqid + 100));
    assert_eq!(h.driver.endpoint.sas().count(), 0, "unknown reqid");
    h.driver.acquire(&acquire(reqid));
    let sas: Vec<_> = h.driver.endpoint.sas().collect();
    assert_eq!(sas.len(), 1);
    assert_eq!(sas[0].name, "gw");
    assert_eq!(sas[0].remote.to_string(), "127.0.0.2:500");
    // a second acquire while it is negotiated is ignored
    h.driver.acquire(&acquire(reqid));
    assert_eq!(h.driver.endpoint.sas().count(), 1);
    // once the IKE SA failed, the next acquire starts again
    let sa = sas[0].handle;
    h.driver.trap_event(&ike::Event::IkeDown {
        sa,
        reason: ike::DownReason::Timeout,
    });
    h.driver.endpoint.delete_ike(h.driver.now(), sa);
    h.driver.acquire(&acquire(reqid));
    assert_eq!(h.driver.endpoint.sas().count(), 1);
    assert_ne!(h.driver.endpoint.sas().next().map(|s| s.handle), Some(sa));
    // the trap stays through it all
    assert_eq!(trap_reqids(&shared).len(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn install_and_uninstall_answer_as_charon() {
    let (mut h, shared) = setup();
    assert_eq!(h.request("load-conn", gw(Message::new())), ok());
    assert!(shared.lock().policies().is_empty(), "start_action = none");
    let net = Message::new().with_value("child", "net");
    assert_eq!(h.request("install", net.clone()), ok());
    assert_eq!(trap_reqids(&shared).len(), 3);
    assert_eq!(
        h.request("install", Message::new().with_value("child", "x")),
        failure("configuration name not found")
    );
    let wrong_ike = net.clone().with_value("ike", "other");
    assert_eq!(
        h.request("install", wrong_ike.clone()),
        failure("configuration name not found")
    );
    assert_eq!(
        h.request("install", Message::new()),
        failure("missing configuration name")
    );
    assert_eq!(
        h.request("uninstall", wrong_ike),
        failure("policy 'net' not found")
    );
    assert_eq!(h.request("uninstall", net.clone()), ok());
    assert!(shared.lock().policies().is_empty());
    assert_eq!(
        h.request("uninstall", net),
        failure("policy 'net' not found")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn reinstalling_keeps_the_reqid_and_unload_conn_removes_the_trap() {
    let (mut h, shared) = setup();
    assert_eq!(h.request("load-conn", trap()), ok());
    let before = trap_reqids(&shared);
    let net = Message::new().with_value("child", "net");
    assert_eq!(h.request("install", net), ok());
    assert_eq!(trap_reqids(&shared), before);
    assert_eq!(
        h.request("unload-conn", Message::new().with_value("name", "gw")),
        ok()
    );
    assert!(shared.lock().policies().is_empty());
    assert!(h.driver.traps.list.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn pass_and_drop_children_are_shunts_listed_and_removed_as_charon_does() {
    let (mut h, shared) = setup();
    let shunt = |mode: &str| {
        Message::new()
            .with_value("mode", mode)
            .with_value("start_action", "trap")
            .with_list("remote_ts", ["10.9.0.0/16"])
    };
    let children = Message::new()
        .with_section("lan", shunt("pass"))
        .with_section("blk", shunt("drop"));
    let conn = Message::new()
        .with_value("version", "2")
        .with_section("local", Message::new().with_value("auth", "psk"))
        .with_section("remote", Message::new().with_value("auth", "psk"))
        .with_section("children", children);
    assert_eq!(
        h.request("load-conn", Message::new().with_section("sh", conn)),
        ok()
    );
    assert!(h.driver.endpoint.configs()[0].children.is_empty());
    let actions: Vec<PolicyAction> = shared.lock().policies().iter().map(|p| p.action).collect();
    assert_eq!(actions.len(), 6);
    assert!(actions[..3].iter().all(|a| *a == PolicyAction::Pass));
    assert!(actions[3..].iter().all(|a| *a == PolicyAction::Drop));
    let pass = Message::new().with_value("pass", "yes");
    let out = list_policies(&mut h, pass);
    let [Packet::Event { message, .. }, Packet::CmdResponse(_)] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(
        message.vici_dump("e", false),
        "e {sh/lan {child=lan ike=sh mode=PASS local-ts=[dynamic] remote-ts=[10.9.0.0/16]}}\n"
    );
    let all = Message::new()
        .with_value("trap", "yes")
        .with_value("drop", "yes")
        .with_value("pass", "yes");
    assert_eq!(list_policies(&mut h, all).len(), 3);
    let blk = Message::new().with_value("child", "blk");
    assert_eq!(h.request("uninstall", blk.clone()), ok());
    assert_eq!(shared.lock().policies().len(), 3);
    assert_eq!(h.request("install", blk), ok());
    assert_eq!(shared.lock().policies().len(), 6);
    assert_eq!(
        h.request("unload-conn", Message::new().with_value("name", "sh")),
        ok()
    );
    assert!(shared.lock().policies().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn reloading_a_connection_without_the_child_removes_its_trap() {
    let (mut h, shared) = setup();
    assert_eq!(h.request("load-conn", trap()), ok());
    assert_eq!(trap_reqids(&shared).len(), 3);
    // the same connection with its child renamed: the old trap goes
    let conn = Message::new()
        .with_value("version", "2")
        .with_list("local_addrs", ["127.0.0.1"])
        .with_list("remote_addrs", ["127.0.0.2"])
        .with_section("local", Message::new().with_value("auth", "psk"))
        .with_section("remote", Message::new().with_value("auth", "psk"))
        .with_section(
            "children",
            Message::new().with_section("other", Message::new()),
        );
    assert_eq!(
        h.request("load-conn", Message::new().with_section("gw", conn)),
        ok()
    );
    assert!(shared.lock().policies().is_empty());
    assert!(h.driver.traps.list.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_trap_decision_installs_the_childs_trap_policies() {
    let (mut h, shared) = setup();
    assert_eq!(h.request("load-conn", gw(Message::new())), ok());
    assert!(shared.lock().policies().is_empty());
    // dpd_action/close_action = trap after the CHILD_SA went down
    h.driver.decide(vec![crate::actions::Decision::Trap {
        conn: "gw".into(),
        child: "net".into(),
    }]);
    assert_eq!(trap_reqids(&shared).len(), 3);
}
