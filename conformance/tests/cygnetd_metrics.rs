//! Operator interfaces of cygnetd without root: systemd's readiness
//! notification (`Type=notify`) and the Prometheus metrics, with two
//! cygnetd on loopback (recording backend, unprivileged ports) and a
//! tunnel brought up by our swanctl.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PORT: u16 = 20500;
const PORT_NAT_T: u16 = 24500;

/// A cygnetd that is killed when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn conf(me: &str, peer: &str, ids: (&str, &str)) -> String {
    let (ours, theirs) = if me == "127.0.0.1" {
        ("10.1.0.0/24", "10.2.0.0/24")
    } else {
        ("10.2.0.0/24", "10.1.0.0/24")
    };
    format!(
        "connections {{\n gw {{\n  local_addrs = {me}\n  remote_addrs = {peer}\n  remote_port = {PORT}\n\
         local {{\n   auth = psk\n   id = {}\n  }}\n  remote {{\n   auth = psk\n   id = {}\n  }}\n\
         children {{\n   net {{\n    local_ts = {ours}\n    remote_ts = {theirs}\n   }}\n  }}\n }}\n}}\n\
         secrets {{\n ike {{\n  secret = metrics-test-key\n }}\n}}\n",
        ids.0, ids.1
    )
}

fn start(dir: &Path, me: &str, peer: &str, ids: (&str, &str), extra: &str) -> Daemon {
    std::fs::create_dir_all(dir).expect("metrics test");
    std::fs::write(dir.join("swanctl.conf"), conf(me, peer, ids)).expect("metrics test");
    let strongswan = format!(
        "charon {{\n port = {PORT}\n port_nat_t = {PORT_NAT_T}\n plugins {{ vici {{ socket = unix://{} }} }}\n}}\n\
         cygnet {{\n backend = recording\n{extra}}}\n",
        dir.join("vici").display()
    );
    std::fs::write(dir.join("strongswan.conf"), strongswan).expect("metrics test");
    let log = std::fs::File::create(dir.join("log")).expect("metrics test");
    let child = Command::new(conformance::bins::cygnetd().expect("metrics test"))
        .arg("--swanctl-conf")
        .arg(dir.join("swanctl.conf"))
        .arg("--conf")
        .arg(dir.join("strongswan.conf"))
        .env("NOTIFY_SOCKET", dir.join("notify"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("metrics test");
    Daemon(child)
}

fn scrape(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("metrics test");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("metrics test");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("metrics test");
    text
}

#[test]
fn readiness_is_notified_and_metrics_count_the_tunnel() {
    let dir = tempfile::tempdir().expect("metrics test");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).expect("metrics test");
    let notify = UnixDatagram::bind(a.join("notify")).expect("metrics test");
    notify
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("metrics test");
    let metrics = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("metrics test");
        probe.local_addr().expect("metrics test").to_string()
    };
    let ids = ("a.example", "b.example");
    let _da = start(
        &a,
        "127.0.0.1",
        "127.0.0.2",
        ids,
        &format!(" metrics {{\n  listen = {metrics}\n }}\n"),
    );
    let _db = start(&b, "127.0.0.2", "127.0.0.1", (ids.1, ids.0), "");
    // systemd's READY=1 once the sockets listen
    let mut buf = [0u8; 256];
    let n = notify.recv(&mut buf).expect("READY=1 from cygnetd");
    let state = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(state.starts_with("READY=1\n"), "{state}");
    let before = scrape(&metrics);
    assert!(before.starts_with("HTTP/1.0 200 OK\r\n"), "{before}");
    assert!(
        before.contains("cygnet_ike_sas{state=\"ESTABLISHED\"} 0\n"),
        "{before}"
    );
    // wait for b's socket too, then bring the tunnel up
    let deadline = Instant::now() + Duration::from_secs(20);
    while !b.join("vici").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Command::new(conformance::bins::swanctl().expect("metrics test"))
        .args(["--initiate", "--child", "net", "--uri"])
        .arg(format!("unix://{}", a.join("vici").display()))
        .output()
        .expect("metrics test");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = scrape(&metrics);
    for line in [
        "cygnet_ike_sas{state=\"ESTABLISHED\"} 1\n",
        "cygnet_child_sas 1\n",
        "cygnet_ike_events_total{counter=\"ike-init-out-req\"} 1\n",
        "cygnet_ike_events_total{counter=\"ike-auth-in-resp\"} 1\n",
        "cygnet_auth_failures_total 0\n",
        "cygnet_child_sa_bytes_total{ike=\"gw\",child=\"net\",uniqueid=\"1\",direction=\"in\"} 0\n",
        "# TYPE cygnet_retransmits_total counter\n",
    ] {
        assert!(after.contains(line), "no {line:?} in\n{after}");
    }
    let not_found = {
        let mut s = TcpStream::connect(&metrics).expect("metrics test");
        s.write_all(b"GET / HTTP/1.0\r\n\r\n")
            .expect("metrics test");
        let mut t = String::new();
        s.read_to_string(&mut t).expect("metrics test");
        t
    };
    assert!(not_found.starts_with("HTTP/1.0 404"), "{not_found}");
}
