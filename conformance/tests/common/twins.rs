//! Two charons in a pair of network namespaces (a: 192.0.2.1, b:
//! 192.0.2.2) with the `gw`/`net` PSK connection of [`vici_lab`]; a also
//! has a trap child (`trapped`/`trap`), a pool (`lab-pool`), an authority
//! (`lab-ca`), the counters plugin and `bad`, which b refuses.

use std::fs;
use std::path::Path;

use super::vici_lab;
use super::{Charon, Netns, pki, write};
use tempfile::TempDir;

pub struct Twins {
    pub a: Charon,
    _b: Charon,
    _netns: Netns,
    pub dir: TempDir,
}

impl Twins {
    pub fn up(ip: &Path, prefix: &str) -> Result<Self, String> {
        let dir = TempDir::new().map_err(|e| e.to_string())?;
        let netns = Netns::sites(ip, prefix, (vici_lab::CYGNET, vici_lab::CHARON))?;
        let (da, db) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&da, &db] {
            fs::create_dir_all(d.join("x509ca")).map_err(|e| e.to_string())?;
        }
        let a = Charon::start_with_plugins(&netns, &netns.a, &da, "counters")?;
        let b = Charon::start(&netns, &netns.b, &db)?;
        let loaded = b.load(&vici_lab::swanctl_conf(false))?;
        if !loaded.contains("loaded connection 'gw'") {
            return Err(format!("charon b --load-all:\n{loaded}"));
        }
        write(&da.join("x509ca/root.pem"), &pki::ecdsa()?.root.cert)?;
        let conf = vici_lab::swanctl_conf(true) + SIDE_A_EXTRAS + &bad_conn();
        let loaded = a.load(&conf)?;
        if !loaded.contains("loaded authority 'lab-ca'") || !loaded.contains("'trapped'") {
            return Err(format!("charon a --load-all:\n{loaded}"));
        }
        Ok(Self {
            a,
            _b: b,
            _netns: netns,
            dir,
        })
    }

    pub fn uri(&self) -> String {
        format!("unix://{}", self.a.dir().join("charon.vici").display())
    }
}

/// `bad`: side a's `gw` with a remote identity charon b does not know,
/// so that b refuses it with AUTHENTICATION_FAILED.
pub fn bad_conn() -> String {
    let conf = vici_lab::swanctl_conf(true);
    let gw = conf.split("secrets {").next().unwrap_or_default();
    gw.replace("gw {", "bad {")
        .replace("id = b.lab.test", "id = nobody.lab.test")
}

/// A trap-policy connection, a pool and an authority for charon a.
const SIDE_A_EXTRAS: &str = r#"
connections {
  trapped {
    remote_addrs = 192.0.2.9
    local {
      auth = psk
    }
    remote {
      auth = psk
    }
    children {
      trap {
        local_ts = 10.1.0.0/24
        remote_ts = 10.9.0.0/24
        start_action = trap
      }
    }
  }
}
pools {
  lab-pool {
    addrs = 10.3.0.0/28
    dns = 10.3.0.1
  }
}
authorities {
  lab-ca {
    cacert = root.pem
    crl_uris = http://crl.lab.test/1.crl, http://crl.lab.test/2.crl
    ocsp_uris = http://ocsp.lab.test
  }
}
"#;
