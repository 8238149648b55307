//! swanctl.conf and credential directories of the certificate scenarios,
//! one side at a time, for charon and cygnetd alike: `write_side` fills a
//! directory with `swanctl.conf`, `x509/`, `x509ca/` and `private/`.
//! The initiator is moon, the responder sun; connection `gw`, tunnel-mode
//! child `net` between the lab's inner networks.

use std::fs;
use std::path::{Path, PathBuf};

use super::conf::ConnConf;
use super::pki::{self, EcdsaPki, Host, Hosts, Pem};

pub const CONN: &str = "gw";
pub const CHILD: &str = "net";

/// The certificate scenarios of issue 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// ECDSA P-256 leaves signed by the root, which both trust.
    EcdsaCa,
    /// RSA-3072 leaves under the intermediate (held as in `Chain`),
    /// RSASSA-PSS (SHA-256) required in IKE AUTH both ways
    /// (`ike:rsa/pss-sha256`).
    RsaPss,
    /// ECDSA leaves under the intermediate. The initiator trusts only the
    /// root and needs the intermediate from the responder's CERT payloads;
    /// the responder has the intermediate in x509ca/.
    Chain,
    /// Self-signed leaves pinned with `remote.certs`, no CA at all.
    Pinned,
    /// As `Pinned`, but this side pins an impostor certificate (same DN
    /// and SAN, another key): authentication must fail.
    PinMismatch(Side),
    /// As `Chain` with RSA-4096 leaves and `fragmentation = yes`: the
    /// IKE_AUTH messages exceed 1280 bytes.
    Rsa4096Chain,
    /// As `EcdsaCa`, but the initiator's leaf is signed by a root CA the
    /// responder does not know (`pki::FOREIGN_DN`): authentication must
    /// fail.
    UnknownCa,
}

impl Scenario {
    /// Whether the IKE SA must come up.
    pub fn establishes(self) -> bool {
        !matches!(self, Self::PinMismatch(_) | Self::UnknownCa)
    }
}

/// A side's role; the initiator is moon, the responder sun.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Initiator,
    Responder,
}

impl Side {
    pub fn host(self) -> Host {
        match self {
            Self::Initiator => Host::Moon,
            Self::Responder => Host::Sun,
        }
    }
}

/// An outer address and the inner network behind it.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub addr: &'static str,
    pub net: &'static str,
}

/// The lab's side a and side b (`Netns`, `add_outer`/`add_inner`).
pub const LAB_A: Endpoint = Endpoint {
    addr: "192.0.2.1",
    net: "10.1.0.0/24",
};
pub const LAB_B: Endpoint = Endpoint {
    addr: "192.0.2.2",
    net: "10.2.0.0/24",
};

/// The IKE identities a side configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ids {
    /// `local.id` and `remote.id` are the hosts' FQDNs (subjectAltNames).
    Fqdn,
    /// No `local.id` (the certificate's subject DN is used), `remote.id`
    /// the peer's DN as text.
    Dn,
    /// No `local.id`, `remote.id = "C=CH, O=Cygnet Test, CN=*"`.
    DnWildcard,
}

impl Ids {
    /// The identity `host` authenticates as, as charon prints it.
    pub fn shown(self, host: Host) -> String {
        match self {
            Self::Fqdn => host.fqdn().to_owned(),
            Self::Dn | Self::DnWildcard => host.dn(),
        }
    }
}

/// A scenario with the credentials it needs (generated on first use).
pub struct CertLab {
    pub scenario: Scenario,
    /// `start_action = start` on the initiator (else `none`: it waits for
    /// `swanctl --initiate`).
    pub initiator_starts: bool,
    pub ids: Ids,
    ecdsa: &'static EcdsaPki,
    rsa: Option<&'static Hosts<Pem>>,
}

/// What one side loads: files by directory, and the auth settings.
struct Creds {
    auth: &'static str,
    x509: Vec<(String, String)>,
    x509ca: Vec<(String, String)>,
    key: (String, String),
    /// `remote.cacerts` or `remote.certs`.
    remote: String,
    extra: &'static str,
}

impl CertLab {
    pub fn new(scenario: Scenario) -> Result<Self, String> {
        let rsa = match scenario {
            Scenario::RsaPss => Some(pki::rsa3072()?),
            Scenario::Rsa4096Chain => Some(pki::rsa4096()?),
            _ => None,
        };
        Ok(Self {
            scenario,
            initiator_starts: false,
            ids: Ids::Fqdn,
            ecdsa: pki::ecdsa()?,
            rsa,
        })
    }

    /// Writes `side`'s files into `dir` (created if missing); the path of
    /// its swanctl.conf (for `swanctl --load-all --file` or
    /// `cygnetd --swanctl-conf`).
    pub fn write_side(
        &self,
        side: Side,
        dir: &Path,
        local: &Endpoint,
        remote: &Endpoint,
    ) -> Result<PathBuf, String> {
        let creds = self.creds(side)?;
        let conf = dir.join("swanctl.conf");
        for sub in ["x509", "x509ca", "private"] {
            fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        for (name, pem) in &creds.x509 {
            super::write(&dir.join("x509").join(name), pem)?;
        }
        for (name, pem) in &creds.x509ca {
            super::write(&dir.join("x509ca").join(name), pem)?;
        }
        super::write(&dir.join("private").join(&creds.key.0), &creds.key.1)?;
        super::write(&conf, &self.swanctl_conf(side, &creds, local, remote))?;
        Ok(conf)
    }

    fn creds(&self, side: Side) -> Result<Creds, String> {
        let me = side.host();
        let peer = me.peer();
        let root = ("root.pem".to_owned(), self.ecdsa.root.cert.clone());
        let intermediate = (
            "intermediate.pem".to_owned(),
            self.ecdsa.intermediate.cert.clone(),
        );
        let cacerts = "cacerts = root.pem".to_owned();
        let leaf = |pems: &Hosts<Pem>, x509ca| Creds {
            auth: "pubkey",
            x509: vec![own_cert(me, pems)],
            x509ca,
            key: own_key(me, pems),
            remote: cacerts.clone(),
            extra: "",
        };
        let rsa = || self.rsa.ok_or("no RSA credentials loaded");
        // only the responder knows the intermediate and sends it
        let chain_cas = match side {
            Side::Initiator => vec![root.clone()],
            Side::Responder => vec![root.clone(), intermediate],
        };
        Ok(match self.scenario {
            Scenario::EcdsaCa => leaf(&self.ecdsa.root_signed, vec![root]),
            Scenario::RsaPss => Creds {
                auth: "ike:rsa/pss-sha256",
                ..leaf(rsa()?, chain_cas)
            },
            Scenario::UnknownCa => match side {
                Side::Initiator => leaf(&self.ecdsa.foreign_signed, vec![root]),
                Side::Responder => leaf(&self.ecdsa.root_signed, vec![root]),
            },
            Scenario::Chain => leaf(&self.ecdsa.intermediate_signed, chain_cas),
            Scenario::Rsa4096Chain => Creds {
                extra: "fragmentation = yes\n    ",
                ..leaf(rsa()?, chain_cas)
            },
            Scenario::Pinned | Scenario::PinMismatch(_) => {
                let pinned = if self.scenario == Scenario::PinMismatch(side) {
                    (
                        format!("{}-impostor.pem", peer.short()),
                        self.ecdsa.impostor.get(peer).cert.clone(),
                    )
                } else {
                    own_cert(peer, &self.ecdsa.self_signed)
                };
                Creds {
                    auth: "pubkey",
                    remote: format!("certs = {}", pinned.0),
                    x509: vec![own_cert(me, &self.ecdsa.self_signed), pinned],
                    x509ca: Vec::new(),
                    key: own_key(me, &self.ecdsa.self_signed),
                    extra: "",
                }
            }
        })
    }

    fn swanctl_conf(
        &self,
        side: Side,
        creds: &Creds,
        local: &Endpoint,
        remote: &Endpoint,
    ) -> String {
        let start = if side == Side::Initiator && self.initiator_starts {
            "start"
        } else {
            "none"
        };
        let me = side.host();
        let (local_id, remote_id) = match self.ids {
            Ids::Fqdn => (me.fqdn().to_owned(), me.peer().fqdn().to_owned()),
            Ids::Dn => (String::new(), format!("\"{}\"", me.peer().dn())),
            Ids::DnWildcard => (String::new(), "\"C=CH, O=Cygnet Test, CN=*\"".to_owned()),
        };
        let mut conf = ConnConf::lab(side == Side::Initiator);
        conf.comment = format!("# {:?}, {side:?} ({})\n", self.scenario, me.fqdn());
        conf.local_addr = local.addr.into();
        conf.remote_addr = remote.addr.into();
        conf.auth = creds.auth.into();
        (conf.local_id, conf.remote_id) = (local_id, remote_id);
        conf.local_extra = format!("certs = {}", creds.x509[0].0);
        conf.remote_extra.clone_from(&creds.remote);
        conf.extra = format!("encap = yes\n    {}", creds.extra);
        conf.secret = None;
        let net = conf.child();
        net.name = CHILD.into();
        net.local_ts = local.net.into();
        net.remote_ts = remote.net.into();
        net.mode.clear();
        net.start_action = start.into();
        conf.render()
    }
}

/// `(x509/<host>.pem, cert)` of `host` in this family.
fn own_cert(host: Host, pems: &Hosts<Pem>) -> (String, String) {
    (format!("{}.pem", host.short()), pems.get(host).cert.clone())
}

fn own_key(host: Host, pems: &Hosts<Pem>) -> (String, String) {
    (format!("{}.key", host.short()), pems.get(host).key.clone())
}
