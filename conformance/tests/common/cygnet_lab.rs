//! cygnetd against charon with the certificate lab (`certlab`): one
//! scenario in both roles at once, cygnetd in side a (192.0.2.1) and charon
//! in side b (192.0.2.2), each reading the swanctl.conf and credential
//! folders the lab writes for its side; checks on both daemons' logs and
//! charon's `--list-sas`.

use std::path::Path;
use std::thread;
use std::time::Duration;

use super::certlab::{CHILD, CONN, CertLab, Ids, LAB_A, LAB_B, Scenario, Side};
use super::cygnetd::{Cygnetd, child_spis, ike_spis, installed_spis};
use super::pki::{self, Host};
use super::{Charon, Netns, prerequisites, tail, wait_until};
use tempfile::TempDir;

/// Who initiates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    CygnetInitiates,
    CharonInitiates,
}

impl Role {
    /// The lab side Cygnet takes.
    pub fn cygnet_side(self) -> Side {
        match self {
            Self::CygnetInitiates => Side::Initiator,
            Self::CharonInitiates => Side::Responder,
        }
    }

    pub fn charon_side(self) -> Side {
        match self {
            Self::CygnetInitiates => Side::Responder,
            Self::CharonInitiates => Side::Initiator,
        }
    }

    pub fn cygnet_pins_impostor(self) -> Scenario {
        Scenario::PinMismatch(self.cygnet_side())
    }

    pub fn charon_pins_impostor(self) -> Scenario {
        Scenario::PinMismatch(self.charon_side())
    }
}

/// A scenario for each role.
pub type ScenarioOf = fn(Role) -> Scenario;

/// Runs `steps` for both roles at once, each in its own namespaces
/// (`y<tag>i`, `y<tag>r`), and fails naming every role that failed.
pub fn both_roles(
    tag: &str,
    scenario: ScenarioOf,
    ids: Ids,
    steps: fn(&Lab) -> Result<(), String>,
) {
    let roles = [(Role::CygnetInitiates, "i"), (Role::CharonInitiates, "r")];
    let name = format!("cygnet_cert_interop {:?}", scenario(Role::CygnetInitiates));
    let Some(ip) = prerequisites(&name) else {
        return;
    };
    if !pki::openssl_available(&name) {
        return;
    }
    let failures: Vec<String> = thread::scope(|s| {
        let runs: Vec<_> = roles
            .into_iter()
            .map(|(role, suffix)| {
                let prefix = format!("y{tag}{suffix}");
                let ip = &ip;
                s.spawn(move || run(ip, &prefix, scenario(role), ids, role, steps))
            })
            .collect();
        runs.into_iter()
            .filter_map(|r| r.join().unwrap_or_else(|_| Err("panicked".into())).err())
            .collect()
    });
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n\n"));
}

/// One role: the lab, the steps, and both logs if they fail.
fn run(
    ip: &Path,
    prefix: &str,
    scenario: Scenario,
    ids: Ids,
    role: Role,
    steps: fn(&Lab) -> Result<(), String>,
) -> Result<(), String> {
    let what = format!("{role:?} ({scenario:?})");
    let lab = Lab::up(ip, prefix, scenario, ids, role).map_err(|e| format!("{what}: lab: {e}"))?;
    steps(&lab).map_err(|why| {
        format!(
            "{what}: {why}\n--- cygnetd.log ---\n{}\n--- charon.log ---\n{}",
            tail(&lab.cygnetd.log(), 60),
            tail(&lab.charon.log(), 60)
        )
    })
}

/// cygnetd in side a, charon in side b; fields drop in order, the daemons
/// before the namespaces.
pub struct Lab {
    pub cygnetd: Cygnetd,
    pub charon: Charon,
    pub role: Role,
    ids: Ids,
    _netns: Netns,
    _dir: TempDir,
}

impl Lab {
    fn up(
        ip: &Path,
        prefix: &str,
        scenario: Scenario,
        ids: Ids,
        role: Role,
    ) -> Result<Self, String> {
        let mut lab = CertLab::new(scenario)?;
        lab.ids = ids;
        lab.initiator_starts = role == Role::CygnetInitiates;
        let (ours, theirs) = (role.cygnet_side(), role.charon_side());
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::sites(ip, prefix, (LAB_A.addr, LAB_B.addr))?;
        let (cygnet_dir, charon_dir) = (dir.path().join("cygnet"), dir.path().join("charon"));
        let charon_conf = lab.write_side(theirs, &charon_dir, &LAB_B, &LAB_A)?;
        let charon = Charon::start(&netns, &netns.b, &charon_dir)?;
        let out = charon.load_file(&charon_conf)?;
        if !out.contains(&format!("loaded connection '{CONN}'")) {
            return Err(format!("swanctl --load-all:\n{out}"));
        }
        let cygnet_conf = lab.write_side(ours, &cygnet_dir, &LAB_A, &LAB_B)?;
        let cygnetd = Cygnetd::start(&netns, &netns.a, &cygnet_conf, &cygnet_dir, LAB_A.addr)?;
        Ok(Self {
            cygnetd,
            charon,
            role,
            ids,
            _netns: netns,
            _dir: dir,
        })
    }

    pub fn cygnet_host(&self) -> Host {
        self.role.cygnet_side().host()
    }

    /// (our identity, charon's) as both daemons print them.
    pub fn ids(&self) -> (String, String) {
        let us = self.cygnet_host();
        (self.ids.shown(us), self.ids.shown(us.peer()))
    }

    /// The SA comes up: cygnetd logs it between the two identities, and
    /// charon lists it ESTABLISHED with cygnetd's IKE SPIs and the
    /// CHILD_SA INSTALLED with cygnetd's ESP SPIs.
    pub fn establish(&self) -> Result<(), String> {
        if self.role == Role::CharonInitiates {
            let out = self
                .charon
                .swanctl("--initiate", &["--child", CHILD, "--timeout", "10"])?;
            if !out.contains("initiate completed successfully") {
                return Err(format!("swanctl --initiate:\n{out}"));
            }
        }
        let (us, them) = self.ids();
        self.cygnetd.wait_log(
            &format!(
                "IKE_SA {CONN}[1] established between {}[{us}]...{}[{them}]",
                LAB_A.addr, LAB_B.addr
            ),
            10,
        )?;
        let (child_in, child_out) = self.wait_child()?;
        let (spi_i, spi_r) =
            ike_spis(&self.cygnetd.log(), CONN, 1).ok_or("cygnetd logged no IKE SPIs")?;
        let ike = match self.role {
            Role::CygnetInitiates => {
                format!("{CONN}: #1, ESTABLISHED, IKEv2, {spi_i}_i {spi_r}_r*")
            }
            Role::CharonInitiates => {
                format!("{CONN}: #1, ESTABLISHED, IKEv2, {spi_i}_i* {spi_r}_r")
            }
        };
        self.charon.wait_list_sas(&[
            &ike,
            &format!("local  '{them}' @ {}[4500]", LAB_B.addr),
            &format!("remote '{us}' @ {}[4500]", LAB_A.addr),
            &format!("{CHILD}: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128"),
            &format!("in  {child_out}"),
            &format!("out {child_in}"),
        ])
    }

    /// Our (in, out) SPIs of the first CHILD_SA, waiting up to 3 s.
    fn wait_child(&self) -> Result<(String, String), String> {
        let mut found = None;
        wait_until(Duration::from_secs(3), || {
            found = child_spis(&self.cygnetd.log()).into_iter().next();
            found.is_some()
        });
        found.ok_or_else(|| "cygnetd established no CHILD_SA".to_owned())
    }

    /// Authentication fails: charon's initiate fails (or cygnetd's IKE SA
    /// goes down), charon keeps no SA, and cygnetd no SAD entry; unless
    /// `installed` (the responder installs before the initiator's
    /// verdict), it never installed one.
    pub fn reject(&self, installed: bool) -> Result<(), String> {
        match self.role {
            Role::CharonInitiates => {
                let initiated = self
                    .charon
                    .swanctl("--initiate", &["--child", CHILD, "--timeout", "10"]);
                if let Ok(out) = initiated {
                    return Err(format!("swanctl --initiate succeeded:\n{out}"));
                }
            }
            Role::CygnetInitiates => self
                .cygnetd
                .wait_log(&format!("IKE_SA {CONN}[1] deleted ("), 10)?,
        }
        let mut sas = String::new();
        let empty = wait_until(Duration::from_secs(3), || {
            sas = self.charon.swanctl("--list-sas", &[]).unwrap_or_default();
            !sas.contains(&format!("{CONN}: #"))
        });
        if !empty {
            return Err(format!("charon keeps an SA:\n{sas}"));
        }
        let mut left = Vec::new();
        let none = wait_until(Duration::from_secs(3), || {
            left = installed_spis(&self.cygnetd.log());
            left.is_empty()
        });
        if !none {
            return Err(format!("cygnetd keeps SAD entries {left:?}"));
        }
        if installed {
            return self.cygnetd.wait_log("deleting SAD entry", 1);
        }
        self.cygnetd.expect_no_log("adding SAD entry")?;
        self.cygnetd.expect_no_log("established with SPIs")
    }
}

/// Log and `--list-sas` checks on charon.
pub trait Checks {
    fn expect(&self, lines: &[&str]) -> Result<(), String>;
    fn expect_no_log(&self, text: &str) -> Result<(), String>;
    fn wait_list_sas(&self, lines: &[&str]) -> Result<(), String>;
}

impl Checks for Charon {
    /// Waits up to 3 s for every line in the log.
    fn expect(&self, lines: &[&str]) -> Result<(), String> {
        let mut log = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            log = self.log();
            lines.iter().all(|l| log.contains(l))
        });
        found.then_some(()).ok_or_else(|| {
            let missing: Vec<&&str> = lines.iter().filter(|l| !log.contains(**l)).collect();
            format!("charon's log lacks {missing:?}")
        })
    }

    fn expect_no_log(&self, text: &str) -> Result<(), String> {
        match self.log().lines().find(|l| l.contains(text)) {
            Some(line) => Err(format!("charon logged {line:?}")),
            None => Ok(()),
        }
    }

    /// Waits up to 3 s for every line in `--list-sas`.
    fn wait_list_sas(&self, lines: &[&str]) -> Result<(), String> {
        let mut sas = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            sas = self.swanctl("--list-sas", &[]).unwrap_or_default();
            lines.iter().all(|l| sas.contains(l))
        });
        found.then_some(()).ok_or_else(|| {
            let missing: Vec<&&str> = lines.iter().filter(|l| !sas.contains(**l)).collect();
            format!("charon's list-sas lacks {missing:?}:\n{sas}")
        })
    }
}
