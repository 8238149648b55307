//! The interop lab of the tests, after `/work/shared/lab`: two private
//! network namespaces joined by a veth pair ([`Netns`]) and strongSwan
//! 5.9.8's charon with kernel-libipsec in one of them ([`Charon`]).
//! Dropping them stops exactly the processes started (by PID) and deletes
//! exactly the namespaces created.

#![allow(dead_code, unreachable_pub)] // each test binary uses a part

pub mod certlab;
mod charon;
pub mod conf;
pub mod cygnet_lab;
pub mod cygnetd;
pub mod pki;
pub mod psk_lab;
pub mod traffic;
pub mod twins;
pub mod vici_lab;

pub use charon::Charon;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const CHARON: &str = "/usr/sbin/charon-systemd";
pub use conformance::swanctl::STRONGSWAN_SWANCTL as SWANCTL;

/// The path of `ip` if interop tests can run; otherwise prints why not
/// and returns `None`, unless CI requires them (`CYGNET_REQUIRE_INTEROP`).
pub fn prerequisites(test: &str) -> Option<PathBuf> {
    let skip = match interop_tools() {
        Ok(ip) => return Some(ip),
        Err(skip) => skip,
    };
    // CI sets this: there the interop tests must run, never skip
    assert!(
        !interop_required(),
        "CYGNET_REQUIRE_INTEROP is set but {test} cannot run: {skip}"
    );
    println!("skipping {test}: {skip}");
    None
}

/// Whether CI requires the interop tests to run (`CYGNET_REQUIRE_INTEROP`).
pub fn interop_required() -> bool {
    std::env::var_os("CYGNET_REQUIRE_INTEROP").is_some()
}

/// The path of `ip` if interop tests can run, else why not.
pub fn interop_tools() -> Result<PathBuf, &'static str> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1));
    let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let skip = if euid != Some("0") {
        "not root"
    } else if !Path::new(CHARON).is_file() {
        "no /usr/sbin/charon-systemd"
    } else if !Path::new(SWANCTL).is_file() {
        "no /usr/sbin/swanctl"
    } else if let Some(ip) = ip {
        return Ok(ip);
    } else {
        "no ip (iproute2)"
    };
    Err(skip)
}

/// Two namespaces with a veth pair between them; IPv6 off (no DAD to wait
/// for, no address change that would make charon roam) unless asked for,
/// then with addresses added without DAD.
pub struct Netns {
    ip: PathBuf,
    /// The namespace of side a and of side b.
    pub a: String,
    pub b: String,
    created: Vec<String>,
    veth: (String, String),
}

impl Netns {
    /// Namespaces `<prefix>a<pid>` and `<prefix>b<pid>`; `prefix` keeps
    /// parallel tests apart (at most 5 characters: veth names are short).
    pub fn up(ip: &Path, prefix: &str) -> Result<Self, String> {
        Self::up_with(ip, prefix, false)
    }

    /// Two sites: [`up`](Self::up) with outer addresses `a` and `b`, and the
    /// inner networks 10.1.0.1 (side a) and 10.2.0.1 (side b).
    pub fn sites(ip: &Path, prefix: &str, (a, b): (&str, &str)) -> Result<Self, String> {
        let netns = Self::up(ip, prefix)?;
        netns.add_outer(true, a)?;
        netns.add_outer(false, b)?;
        netns.add_inner(true, "10.1.0.1")?;
        netns.add_inner(false, "10.2.0.1")?;
        Ok(netns)
    }

    /// As [`up`](Self::up), with IPv6 on if `ipv6`.
    pub fn up_with(ip: &Path, prefix: &str, ipv6: bool) -> Result<Self, String> {
        let pid = std::process::id();
        let mut ns = Self {
            ip: ip.to_owned(),
            a: format!("{prefix}a{pid}"),
            b: format!("{prefix}b{pid}"),
            created: Vec::new(),
            veth: (format!("{prefix}a{pid}"), format!("{prefix}b{pid}")),
        };
        for name in [ns.a.clone(), ns.b.clone()] {
            ns.ip(&["netns", "add", &name])?;
            ns.created.push(name.clone());
            let sysctl = if ipv6 { NO_DAD } else { DISABLE_IPV6 };
            ns.ip(&["netns", "exec", &name, "sh", "-c", sysctl])?;
            ns.ip(&["-n", &name, "link", "set", "lo", "up"])?;
        }
        let (va, vb) = ns.veth.clone();
        let (a, b) = (ns.a.clone(), ns.b.clone());
        ns.ip(&[
            "link", "add", &va, "netns", &a, "type", "veth", "peer", "name", &vb, "netns", &b,
        ])?;
        ns.ip(&["-n", &a, "link", "set", &va, "up"])?;
        ns.ip(&["-n", &b, "link", "set", &vb, "up"])?;
        Ok(ns)
    }

    /// Adds `addr/24` (IPv6: `/64`, no DAD) to side a's (`a = true`) or
    /// side b's veth.
    pub fn add_outer(&self, a: bool, addr: &str) -> Result<(), String> {
        let (ns, dev) = if a {
            (&self.a, &self.veth.0)
        } else {
            (&self.b, &self.veth.1)
        };
        self.add_addr(ns, dev, addr, 24, 64)
    }

    /// Adds `addr/32` (IPv6: `/128`) to a side's loopback (an inner
    /// network).
    pub fn add_inner(&self, a: bool, addr: &str) -> Result<(), String> {
        let ns = if a { &self.a } else { &self.b };
        self.add_addr(ns, "lo", addr, 32, 128)
    }

    fn add_addr(&self, ns: &str, dev: &str, addr: &str, v4: u8, v6: u8) -> Result<(), String> {
        let v6_addr = addr.contains(':');
        let cidr = format!("{addr}/{}", if v6_addr { v6 } else { v4 });
        let mut args = vec!["-n", ns, "addr", "add", &cidr, "dev", dev];
        if v6_addr {
            args.push("nodad");
        }
        self.ip(&args).map(drop)
    }

    /// Sets side a's (`a = true`) or side b's veth up or down (a peer
    /// that vanishes without a word, and comes back).
    pub fn set_link(&self, a: bool, up: bool) -> Result<(), String> {
        let (ns, dev) = if a {
            (&self.a, &self.veth.0)
        } else {
            (&self.b, &self.veth.1)
        };
        let state = if up { "up" } else { "down" };
        self.ip(&["-n", ns, "link", "set", dev, state]).map(drop)
    }

    /// `ip` with these arguments.
    pub fn ip(&self, args: &[&str]) -> Result<String, String> {
        run(Command::new(&self.ip).args(args))
    }

    /// A command that runs `program` in namespace `ns` (`ip netns exec`
    /// execs it, so the child's PID is the program's).
    pub fn exec(&self, ns: &str, program: &str) -> Command {
        let mut cmd = Command::new(&self.ip);
        cmd.args(["netns", "exec", ns, program]);
        cmd
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in self.created.drain(..).rev() {
            let _ = Command::new(&self.ip).args(["netns", "del", &ns]).status();
        }
    }
}

/// strongSwan's `swanctl <command> --uri <vici> <extra...>`.
pub fn swanctl_at(vici: &str, command: &str, extra: &[&str]) -> Result<String, String> {
    run(Command::new(SWANCTL)
        .args([command, "--uri", vici])
        .args(extra))
}

/// SIGTERM to exactly this child, SIGKILL after 5 s; its exit status.
pub fn terminate(mut child: Child) -> Option<std::process::ExitStatus> {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    wait_until(Duration::from_secs(5), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if matches!(child.try_wait(), Ok(None)) {
        let _ = child.kill();
    }
    child.wait().ok()
}

/// Polls `done` every 50 ms until it holds or `limit` passes; whether it
/// held.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a command; its stdout, or an error with its output.
pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(format!("{cmd:?}: {}\n{stdout}{stderr}", out.status))
    }
}

pub fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A channel receiving the lines of `out`, read by a thread.
pub fn spawn_lines(out: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(out) = out {
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// A thread reading all of `out`.
pub fn spawn_read(out: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut out) = out {
            let _ = out.read_to_string(&mut text);
        }
        text
    })
}

const DISABLE_IPV6: &str = "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && \
                            echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6";

/// IPv6 without duplicate address detection: no address changes after
/// the daemons start.
const NO_DAD: &str = "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && \
                      echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad";
