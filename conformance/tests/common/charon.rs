//! strongSwan 5.9.8's charon with kernel-libipsec in a namespace of the
//! lab, with its own strongswan.conf, log and VICI socket; dropping it
//! stops exactly that process.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use super::{CHARON, Netns, swanctl_at, terminate, wait_until, write};

/// charon in a namespace with its own strongswan.conf, log and VICI
/// socket in `dir`.
pub struct Charon {
    dir: PathBuf,
    process: Option<Child>,
}

impl Charon {
    /// Starts charon in `ns` and waits for its VICI socket.
    pub fn start(netns: &Netns, ns: &str, dir: &Path) -> Result<Self, String> {
        Self::start_with_plugins(netns, ns, dir, "")
    }

    /// As [`Charon::start`], loading the plugins `extra` (space-separated)
    /// after the lab's.
    pub fn start_with_plugins(
        netns: &Netns,
        ns: &str,
        dir: &Path,
        extra: &str,
    ) -> Result<Self, String> {
        Self::start_with(netns, ns, dir, extra, "")
    }

    /// As [`Charon::start_with_plugins`], appending `settings` to its
    /// strongswan.conf (sections merge).
    pub fn start_with(
        netns: &Netns,
        ns: &str,
        dir: &Path,
        extra: &str,
        settings: &str,
    ) -> Result<Self, String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let vici = format!("unix://{}", dir.join("charon.vici").display());
        let sep = if extra.is_empty() { "" } else { " " };
        let conf = STRONGSWAN_CONF
            .replace(" vici updown\n", &format!(" vici updown{sep}{extra}\n"))
            .replace("@VICI@", &vici)
            .replace("@LOG@", &dir.join("charon.log").display().to_string())
            + settings;
        write(&dir.join("strongswan.conf"), &conf)?;
        let out = fs::File::create(dir.join("charon.stdout")).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let env = format!("STRONGSWAN_CONF={}", dir.join("strongswan.conf").display());
        let child = netns
            .exec(ns, "env")
            .args([&env, CHARON])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting charon: {e}"))?;
        let mut charon = Self {
            dir: dir.to_owned(),
            process: Some(child),
        };
        let socket = dir.join("charon.vici");
        wait_until(Duration::from_secs(10), || {
            socket.exists() || charon.exited()
        });
        if !socket.exists() {
            return Err("charon's vici socket did not appear within 10 s".into());
        }
        Ok(charon)
    }

    /// SIGKILL: charon goes without deleting anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn exited(&mut self) -> bool {
        matches!(
            self.process.as_mut().map(Child::try_wait),
            Some(Ok(Some(_)))
        )
    }

    /// `swanctl <command> --uri <charon's socket> <extra...>`.
    pub fn swanctl(&self, command: &str, extra: &[&str]) -> Result<String, String> {
        let vici = format!("unix://{}", self.dir.join("charon.vici").display());
        swanctl_at(&vici, command, extra)
    }

    /// Writes `text` as swanctl.conf and loads it (`--load-all`).
    pub fn load(&self, text: &str) -> Result<String, String> {
        let file = self.dir.join("swanctl.conf");
        write(&file, text)?;
        self.swanctl("--load-all", &["--file", &file.display().to_string()])
    }

    /// The directory of its files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads a swanctl.conf with its credential directories next to it
    /// (`--load-all --file`).
    pub fn load_file(&self, conf: &Path) -> Result<String, String> {
        self.swanctl("--load-all", &["--file", &conf.display().to_string()])
    }

    /// Everything charon logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("charon.log")).unwrap_or_default()
    }
}

impl Drop for Charon {
    fn drop(&mut self) {
        if let Some(child) = self.process.take() {
            terminate(child);
        }
    }
}

/// The lab's strongswan.conf.in: an explicit plugin list with
/// kernel-libipsec before kernel-netlink, no /etc/strongswan.d.
const STRONGSWAN_CONF: &str = r"charon {
  load_modular = no
  load = random nonce openssl aes sha1 sha2 hmac kdf gcm curve25519 x509 pem pkcs1 pkcs8 pubkey constraints revocation kernel-libipsec kernel-netlink socket-default vici updown
  plugins {
    vici {
      socket = @VICI@
    }
  }
  filelog {
    test {
      path = @LOG@
      time_format = %H:%M:%S
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
      enc = 1
      chd = 2
      knl = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  journal {
    default = -1
  }
}
";
