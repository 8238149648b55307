//! The XFRM backend against the running kernel, each test in a network
//! namespace of its own: the test re-runs itself under `unshare --net`,
//! so the namespace disappears with the process. Needs root; CI
//! (`CYGNET_REQUIRE_INTEROP`) fails instead of skipping. This machine's
//! kernel has XFRM but no ESP: policies, ALLOCSPI, queries and events are
//! real; ESP states are refused (the VM test, conformance/vm, installs
//! them).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use esp_install::xfrm::{SPI_RANGE, XfrmInstaller};
use esp_install::{
    Aead, Algorithms, CopyDscp, Direction, HwOffload, IcvLen, InstallError, Installer, KernelEvent,
    Key, Lifetime, Mode, PolicyClass, PolicyDirection, PolicySpec, Protocol, SaId, SaSpec,
    Selector,
};

const INSIDE: &str = "CYGNET_XFRM_NETNS";

/// `true` inside the namespace (run the test); outside, runs `test` in a
/// new one and returns `false`, or skips without root.
fn inside(test: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        return true;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0");
    let tools = ["/usr/bin/unshare", "/usr/sbin/ip"]
        .iter()
        .all(|p| Path::new(p).exists());
    if !root || !tools {
        let why = if root { "no unshare or ip" } else { "not root" };
        assert!(
            std::env::var_os("CYGNET_REQUIRE_INTEROP").is_none(),
            "CYGNET_REQUIRE_INTEROP is set but {test} cannot run: {why}"
        );
        println!("skipping {test}: {why}");
        return false;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new("/usr/bin/unshare")
        .arg("--net")
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("unshare runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test} in its namespace:\n{text}");
    assert!(text.contains("1 passed"), "{test} did not run:\n{text}");
    false
}

/// `ip` with these arguments, in our namespace; its output.
fn ip(args: &[&str]) -> String {
    let out = Command::new("/usr/sbin/ip")
        .args(args)
        .output()
        .expect("ip runs");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn subnet(a: u8, b: u8) -> Selector {
    Selector {
        from: v4(a, b, 0, 0),
        to: v4(a, b, 255, 255),
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
    }
}

fn policy(direction: PolicyDirection, reqid: u32) -> PolicySpec {
    let (src_ts, dst_ts, src, dst) = match direction {
        PolicyDirection::Out => (
            subnet(10, 1),
            subnet(10, 2),
            v4(192, 0, 2, 1),
            v4(192, 0, 2, 2),
        ),
        _ => (
            subnet(10, 2),
            subnet(10, 1),
            v4(192, 0, 2, 2),
            v4(192, 0, 2, 1),
        ),
    };
    PolicySpec::esp(
        direction,
        (src_ts, dst_ts),
        (reqid, Mode::Tunnel),
        (src, dst),
        PolicyClass::Default,
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn allocspi_reserves_an_spi_in_charons_range_until_it_is_deleted() {
    if !inside("allocspi_reserves_an_spi_in_charons_range_until_it_is_deleted") {
        return;
    }
    let mut xfrm = XfrmInstaller::open().unwrap();
    let (peer, us) = (v4(192, 0, 2, 2), v4(192, 0, 2, 1));
    let spi = xfrm.get_spi(peer, us, Protocol::Esp).unwrap();
    let other = xfrm.get_spi(peer, us, Protocol::Esp).unwrap();
    assert!((SPI_RANGE.0..=SPI_RANGE.1).contains(&spi), "{spi:08x}");
    assert_ne!(spi, other);
    let listed = ip(&["xfrm", "state"]);
    assert!(listed.contains(&format!("spi 0x{spi:08x}")), "{listed}");
    // a reserved SPI is a larval SA the kernel answers queries about
    let id = SaId {
        spi,
        dst: us,
        protocol: Protocol::Esp,
    };
    assert_eq!(xfrm.query_sa(&id).unwrap().packets, 0);
    xfrm.del_sa(&id).unwrap();
    assert_eq!(xfrm.del_sa(&id), Err(InstallError::NotFound));
    assert_eq!(xfrm.query_sa(&id), Err(InstallError::NotFound));
    xfrm.flush().unwrap();
    assert_eq!(ip(&["xfrm", "state"]), "");
}

#[test]
fn policies_appear_in_the_kernel_with_charons_priorities_and_go_away() {
    if !inside("policies_appear_in_the_kernel_with_charons_priorities_and_go_away") {
        return;
    }
    let mut xfrm = XfrmInstaller::open().unwrap();
    for dir in [
        PolicyDirection::Out,
        PolicyDirection::In,
        PolicyDirection::Fwd,
    ] {
        xfrm.add_policy(&policy(dir, 7)).unwrap();
    }
    let listed = ip(&["xfrm", "policy"]);
    assert_eq!(listed.matches("priority 383615").count(), 3, "{listed}");
    for line in [
        "dir out",
        "dir in",
        "dir fwd",
        "src 10.1.0.0/16 dst 10.2.0.0/16",
    ] {
        assert!(listed.contains(line), "{line}: {listed}");
    }
    assert!(
        listed.contains("tmpl src 192.0.2.1 dst 192.0.2.2"),
        "{listed}"
    );
    assert_eq!(listed.matches("reqid 7 mode tunnel").count(), 3, "{listed}");
    xfrm.del_policy(&policy(PolicyDirection::Fwd, 7)).unwrap();
    assert!(!ip(&["xfrm", "policy"]).contains("dir fwd"));
    assert_eq!(
        xfrm.del_policy(&policy(PolicyDirection::Fwd, 7)),
        Err(InstallError::NotFound)
    );
    xfrm.flush().unwrap();
    assert_eq!(ip(&["xfrm", "policy"]), "");
}

#[test]
fn a_rekeyed_childs_policy_replaces_the_old_one_and_survives_its_delete() {
    if !inside("a_rekeyed_childs_policy_replaces_the_old_one_and_survives_its_delete") {
        return;
    }
    let mut xfrm = XfrmInstaller::open().unwrap();
    let (old, new) = (
        policy(PolicyDirection::Out, 7),
        policy(PolicyDirection::Out, 8),
    );
    xfrm.add_policy(&old).unwrap();
    xfrm.add_policy(&new).unwrap();
    let listed = ip(&["xfrm", "policy"]);
    assert!(
        listed.contains("reqid 8 ") && !listed.contains("reqid 7 "),
        "{listed}"
    );
    xfrm.del_policy(&old).unwrap();
    let listed = ip(&["xfrm", "policy"]);
    assert!(listed.contains("reqid 8 "), "{listed}");
    xfrm.del_policy(&new).unwrap();
    assert_eq!(ip(&["xfrm", "policy"]), "");
}

#[test]
fn flush_removes_our_policies_and_leaves_the_others() {
    if !inside("flush_removes_our_policies_and_leaves_the_others") {
        return;
    }
    ip(&["link", "set", "lo", "up"]);
    ip(&[
        "xfrm",
        "policy",
        "add",
        "src",
        "10.9.0.0/16",
        "dst",
        "10.8.0.0/16",
        "dir",
        "out",
    ]);
    let mut xfrm = XfrmInstaller::open().unwrap();
    let mut on_lo = policy(PolicyDirection::Out, 7);
    on_lo.interface = Some("lo".into());
    xfrm.add_policy(&on_lo).unwrap();
    xfrm.add_policy(&policy(PolicyDirection::In, 7)).unwrap();
    let listed = ip(&["xfrm", "policy"]);
    // an interface makes the policy more specific (charon's priority)
    assert!(
        listed.contains("dev lo") && listed.contains("priority 383613"),
        "{listed}"
    );
    xfrm.flush().unwrap();
    let listed = ip(&["xfrm", "policy"]);
    assert!(listed.contains("src 10.9.0.0/16"), "{listed}");
    assert!(!listed.contains("10.1.0.0"), "{listed}");
}

fn gcm_sa(offload: HwOffload) -> SaSpec {
    let (src, dst) = (v4(192, 0, 2, 1), v4(192, 0, 2, 2));
    SaSpec {
        id: SaId {
            spi: 0xc000_1234,
            dst,
            protocol: Protocol::Esp,
        },
        direction: Direction::Out,
        src: SocketAddr::new(src, 4500),
        dst: SocketAddr::new(dst, 4500),
        reqid: 7,
        mode: Mode::Tunnel,
        encap: true,
        algorithms: Algorithms::Aead {
            aead: Aead::AesGcm(IcvLen::Bytes16),
            key: Key::new(vec![1; 20]),
        },
        esn: true,
        replay_window: 0,
        lifetime: Lifetime::default(),
        mark: None,
        set_mark: None,
        if_id: 0,
        copy_df: true,
        copy_ecn: true,
        copy_dscp: CopyDscp::Out,
        tfc_padding: 0,
        hw_offload: offload,
        offload_dev: None,
        local_ts: Vec::new(),
        remote_ts: Vec::new(),
    }
}

#[test]
fn an_esp_sa_is_refused_with_the_kernels_reason_without_esp_support() {
    if !inside("an_esp_sa_is_refused_with_the_kernels_reason_without_esp_support") {
        return;
    }
    let mut xfrm = XfrmInstaller::open().unwrap();
    let sa = gcm_sa(HwOffload::No);
    match xfrm.add_sa(&sa) {
        Err(InstallError::Kernel { op, errno, message }) => {
            assert_eq!(op, "add SA");
            assert!(errno > 0 && !message.is_empty(), "{errno} {message}");
            println!("refused as expected: {message} (errno {errno})");
            assert_eq!(ip(&["xfrm", "state"]), "");
        }
        // a kernel with ESP and GCM (not this CI's) takes it
        Ok(mode) => {
            assert_eq!(mode, esp_install::OffloadMode::None);
            assert!(ip(&["xfrm", "state"]).contains("spi 0xc0001234"));
            xfrm.flush().unwrap();
        }
        Err(e) => panic!("untyped refusal: {e:?}"),
    }
}

#[test]
fn required_offload_without_an_interface_for_the_address_fails_clearly() {
    if !inside("required_offload_without_an_interface_for_the_address_fails_clearly") {
        return;
    }
    let mut xfrm = XfrmInstaller::open().unwrap();
    let err = xfrm.add_sa(&gcm_sa(HwOffload::Crypto)).unwrap_err();
    assert!(
        matches!(
            err,
            InstallError::Offload {
                interface: None,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("no interface owns"), "{err}");
}

#[test]
fn a_larval_sa_timing_out_arrives_as_a_hard_expire_event() {
    if !inside("a_larval_sa_timing_out_arrives_as_a_hard_expire_event") {
        return;
    }
    std::fs::write("/proc/sys/net/core/xfrm_acq_expires", "1").unwrap();
    runtime().block_on(async {
        let mut xfrm = XfrmInstaller::open().unwrap();
        let mut events = xfrm.events().unwrap();
        assert!(xfrm.events().is_none());
        let us = v4(192, 0, 2, 1);
        let spi = xfrm.get_spi(v4(192, 0, 2, 2), us, Protocol::Esp).unwrap();
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap();
        let id = SaId {
            spi,
            dst: us,
            protocol: Protocol::Esp,
        };
        assert_eq!(
            event,
            Some(KernelEvent::Expire {
                id,
                reqid: 0,
                hard: true
            })
        );
    });
}

#[test]
fn traffic_on_a_trap_policy_arrives_as_an_acquire_for_its_reqid() {
    if !inside("traffic_on_a_trap_policy_arrives_as_an_acquire_for_its_reqid") {
        return;
    }
    // the flow needs a route out of a real device: a veth pair
    ip(&["link", "add", "xa", "type", "veth", "peer", "name", "xb"]);
    ip(&["link", "set", "xa", "up"]);
    ip(&["link", "set", "xb", "up"]);
    ip(&["addr", "add", "10.1.0.1/24", "dev", "xa"]);
    ip(&["route", "add", "10.2.0.0/16", "dev", "xa"]);
    runtime().block_on(async {
        let mut xfrm = XfrmInstaller::open().unwrap();
        let mut events = xfrm.events().unwrap();
        let mut trap = policy(PolicyDirection::Out, 42);
        trap.class = PolicyClass::Routed;
        xfrm.add_policy(&trap).unwrap();
        let socket = std::net::UdpSocket::bind("10.1.0.1:5000").unwrap();
        // dropped while the SA is negotiated (larval drop); sent or not
        let _ = socket.send_to(b"hello", "10.2.0.1:7");
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .unwrap();
        let Some(KernelEvent::Acquire { reqid, src, dst }) = event else {
            panic!("{event:?}");
        };
        assert_eq!(reqid, 42);
        assert_eq!(
            (src.from, src.protocol, src.from_port),
            (v4(10, 1, 0, 1), 17, 5000)
        );
        assert_eq!(
            (dst.to, dst.from_port, dst.to_port),
            (v4(10, 2, 0, 1), 7, 7)
        );
        xfrm.flush().unwrap();
    });
}
