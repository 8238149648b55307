//! A matrix row's lab: its own pair of namespaces, the initiator in side a
//! and the responder in side b, each daemon reading the swanctl.conf and
//! credentials the scenario writes for its side.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::common::certlab::{self, CertLab, Side};
use crate::common::conf::ConnConf;
use crate::common::{Netns, tail, write};
use crate::peer::{Daemon, Kind};

/// Who runs which side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// cygnetd initiates, charon responds.
    CygnetCharon,
    /// charon initiates, cygnetd responds.
    CharonCygnet,
    /// cygnetd on both sides.
    CygnetCygnet,
}

impl Role {
    pub const ALL: [Self; 3] = [Self::CygnetCharon, Self::CharonCygnet, Self::CygnetCygnet];

    /// (initiator, responder).
    pub fn kinds(self) -> (Kind, Kind) {
        match self {
            Self::CygnetCharon => (Kind::Cygnet, Kind::Charon),
            Self::CharonCygnet => (Kind::Charon, Kind::Cygnet),
            Self::CygnetCygnet => (Kind::Cygnet, Kind::Cygnet),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CygnetCharon => "Cygnet -> charon",
            Self::CharonCygnet => "charon -> Cygnet",
            Self::CygnetCygnet => "Cygnet <-> Cygnet",
        }
    }
}

/// The addresses of a lab: outer (veth) and inner (loopback) per side.
#[derive(Debug)]
pub struct Addrs {
    pub a: &'static str,
    pub b: &'static str,
    pub inner_a: &'static str,
    pub inner_b: &'static str,
    pub net_a: &'static str,
    pub net_b: &'static str,
}

pub const V4: Addrs = Addrs {
    a: "192.0.2.1",
    b: "192.0.2.2",
    inner_a: "10.1.0.1",
    inner_b: "10.2.0.1",
    net_a: "10.1.0.0/24",
    net_b: "10.2.0.0/24",
};

pub const V6: Addrs = Addrs {
    a: "fd00::1",
    b: "fd00::2",
    inner_a: "fd01::1",
    inner_b: "fd02::1",
    net_a: "fd01::/64",
    net_b: "fd02::/64",
};

/// Writes a side's swanctl.conf and credentials into a directory; the
/// swanctl.conf's path.
pub type Write = Box<dyn Fn(Side, &Path, &Addrs) -> Result<PathBuf, String> + Send + Sync>;

/// What a scenario needs besides root, charon, swanctl and `ip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Openssl,
    Iperf3,
}

/// One row of the matrix.
pub struct Scenario {
    pub name: &'static str,
    pub addrs: &'static Addrs,
    pub needs: &'static [Need],
    /// strongswan.conf lines for both daemons (sections merge).
    pub settings: &'static str,
    /// Why charon cannot take part, if it cannot (only Cygnet <-> Cygnet
    /// runs).
    pub charon_cannot: Option<&'static str>,
    /// Extra inner addresses (a, b) on the loopbacks.
    pub inner: &'static [(&'static str, &'static str)],
    pub write: Write,
    pub steps: fn(&Lab) -> Result<(), String>,
}

/// The daemons and the namespaces of one row; fields drop in order, the
/// daemons before the namespaces.
pub struct Lab {
    /// The initiator (side a) and the responder (side b).
    pub a: Daemon,
    pub b: Daemon,
    pub netns: Netns,
    pub addrs: &'static Addrs,
    pub role: Role,
    _dir: TempDir,
}

impl Lab {
    /// Namespaces `<prefix>{a,b}<pid>`, the responder started first.
    pub fn up(ip: &Path, prefix: &str, scenario: &Scenario, role: Role) -> Result<Self, String> {
        let addrs = scenario.addrs;
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::up_with(ip, prefix, addrs.a.contains(':'))?;
        netns.add_outer(true, addrs.a)?;
        netns.add_outer(false, addrs.b)?;
        netns.add_inner(true, addrs.inner_a)?;
        netns.add_inner(false, addrs.inner_b)?;
        for (a, b) in scenario.inner {
            netns.add_inner(true, a)?;
            netns.add_inner(false, b)?;
        }
        let (ka, kb) = role.kinds();
        let (da, db) = (dir.path().join("a"), dir.path().join("b"));
        let conf_b = (scenario.write)(Side::Responder, &db, addrs)?;
        let b = Daemon::start(kb, &netns, &netns.b, &db, &conf_b, addrs.b, scenario)?;
        let conf_a = (scenario.write)(Side::Initiator, &da, addrs)?;
        let a = Daemon::start(ka, &netns, &netns.a, &da, &conf_a, addrs.a, scenario)?;
        Ok(Self {
            a,
            b,
            netns,
            addrs,
            role,
            _dir: dir,
        })
    }

    /// Side a (`from_a`) or b drops (`cut`) or again sends (`!cut`)
    /// everything it addresses to the other side: an `ip rule` to a
    /// blackhole, which charon's kernel interface does not watch (a route
    /// change would make it look for another path).
    pub fn cut(&self, from_a: bool, cut: bool) -> Result<(), String> {
        let (ns, to) = if from_a {
            (&self.netns.a, self.addrs.b)
        } else {
            (&self.netns.b, self.addrs.a)
        };
        let verb = if cut { "add" } else { "del" };
        self.netns
            .ip(&["-n", ns, "rule", verb, "pref", "50", "to", to, "blackhole"])
            .map(drop)
    }

    /// How many lines of both logs mention a rekey collision.
    pub fn collisions(&self) -> usize {
        let logs = self.both().map(Daemon::log);
        logs.iter().map(|l| l.matches("collision").count()).sum()
    }

    pub fn both(&self) -> [&Daemon; 2] {
        [&self.a, &self.b]
    }

    /// `why` with both logs and listings.
    pub fn explain(&self, why: &str) -> String {
        let mut text = why.to_owned();
        for (side, d) in [("a (initiator)", &self.a), ("b (responder)", &self.b)] {
            text += &format!(
                "\n--- {side}: {} --list-sas ---\n{}--- {side}: {} log ---\n{}",
                d.name(),
                d.list_sas(),
                d.name(),
                tail(&without_vici_noise(&d.log()), 40)
            );
        }
        text
    }
}

/// The lab's PSK connection on both sides, adjusted by `adjust`.
pub fn psk_both(adjust: fn(&mut ConnConf)) -> Write {
    psk_on(None, adjust)
}

/// The lab's PSK connection, adjusted by `adjust` on the initiator only.
pub fn psk_initiator(adjust: fn(&mut ConnConf)) -> Write {
    psk_on(Some(Side::Initiator), adjust)
}

/// The lab's PSK connection, adjusted by `adjust` on the responder only.
pub fn psk_responder(adjust: fn(&mut ConnConf)) -> Write {
    psk_on(Some(Side::Responder), adjust)
}

/// The lab's PSK connection for each side at the row's addresses, adjusted
/// by `adjust` on `only` that side (or both).
fn psk_on(only: Option<Side>, adjust: fn(&mut ConnConf)) -> Write {
    Box::new(move |side, dir, addrs| {
        let a = side == Side::Initiator;
        let mut conf = ConnConf::lab(a);
        let (local, remote, lnet, rnet) = if a {
            (addrs.a, addrs.b, addrs.net_a, addrs.net_b)
        } else {
            (addrs.b, addrs.a, addrs.net_b, addrs.net_a)
        };
        conf.local_addr = local.into();
        conf.remote_addr = remote.into();
        conf.child().local_ts = lnet.into();
        conf.child().remote_ts = rnet.into();
        if only.is_none_or(|s| s == side) {
            adjust(&mut conf);
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join("swanctl.conf");
        write(&path, &conf.render())?;
        Ok(path)
    })
}

/// A certificate scenario's files for each side (IPv4 lab addresses).
pub fn cert(scenario: certlab::Scenario) -> Write {
    Box::new(move |side, dir, _| {
        let lab = CertLab::new(scenario)?;
        let (local, remote) = match side {
            Side::Initiator => (&certlab::LAB_A, &certlab::LAB_B),
            Side::Responder => (&certlab::LAB_B, &certlab::LAB_A),
        };
        lab.write_side(side, dir, local, remote)
    })
}

/// A log without the lines of the VICI clients the checks are.
fn without_vici_noise(log: &str) -> String {
    let lines: Vec<&str> = log.lines().filter(|l| !l.contains("vici client")).collect();
    lines.join("\n")
}
