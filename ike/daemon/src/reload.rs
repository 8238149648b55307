//! Re-reading strongswan.conf on SIGHUP and VICI `reload-settings`, as
//! charon does (`charon-systemd.c`, `vici_control.c`): the loggers,
//! retransmissions, DoS limits and `replay_window` of new CHILD_SAs
//! change at once; ports, the VICI socket and the ESP backend keep their
//! values until the next start. swanctl.conf is not read (`swanctl
//! --load-all` does that).

use std::sync::Arc;

use crate::driver::Driver;
use crate::log::Logging;
use crate::settings;

/// What a reload reconfigures besides the core.
pub(crate) struct Reload {
    pub(crate) logging: Arc<Logging>,
    /// `--debug`: stderr stays at level 2 at least.
    pub(crate) debug: bool,
}

impl Driver {
    /// SIGHUP.
    pub(crate) fn sighup(&mut self) {
        tracing::info!(target: "dmn", "signal of type SIGHUP received. Reloading configuration");
        if self.reload_settings().is_err() {
            tracing::info!(target: "dmn", "reloading config failed, keeping old");
        }
    }

    /// Re-reads strongswan.conf and applies it; an unreadable or invalid
    /// file changes nothing.
    ///
    /// # Errors
    /// The problem, logged already.
    pub(crate) fn reload_settings(&mut self) -> Result<(), String> {
        let charon = settings::load(&self.vici.conf).inspect_err(|e| {
            tracing::warn!(target: "cfg", "{e}");
        })?;
        if let Some(reload) = &self.reload {
            reload.logging.configure(&charon, reload.debug);
        }
        let mut core = settings::core(&charon);
        let current = self.endpoint.settings();
        if (core.port, core.port_nat_t) != (current.port, current.port_nat_t) {
            tracing::info!(target: "cfg", "port and port_nat_t changes apply at the next start");
        }
        (core.port, core.port_nat_t) = (current.port, current.port_nat_t);
        self.endpoint.set_settings(core);
        self.replay_window = charon.replay_window;
        tracing::info!(target: "cfg", "reloaded '{}'", self.vici.conf.display());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use swanctl_parser::vici::Message;

    use crate::vici::command_tests::harness_with_conf;

    #[tokio::test(flavor = "current_thread")]
    async fn a_reload_applies_retransmits_dos_limits_and_the_replay_window() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("strongswan.conf");
        std::fs::write(&conf, "charon {\n port = 600\n}\n").unwrap();
        let mut h = harness_with_conf(&conf);
        std::fs::write(
            &conf,
            "charon {\n port = 700\n retransmit_timeout = 1.5\n cookie_threshold = 7\n \
             block_threshold = 9\n replay_window = 128\n}\n",
        )
        .unwrap();
        let ok = Message::new().with_value("success", "yes");
        assert_eq!(h.request("reload-settings", Message::new()), ok);
        let s = h.driver.endpoint.settings();
        assert_eq!(s.retransmit.timeout, Duration::from_millis(1500));
        assert_eq!((s.dos.cookie_threshold, s.dos.block_threshold), (7, 9));
        assert_eq!(s.port, 500, "ports stay until the next start");
        assert_eq!(h.driver.replay_window, 128);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_invalid_file_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("strongswan.conf");
        std::fs::write(&conf, "charon {\n retransmit_tries = 2\n}\n").unwrap();
        let mut h = harness_with_conf(&conf);
        std::fs::write(&conf, "charon {\n retransmit_tries = 9\n").unwrap();
        assert!(h.driver.reload_settings().is_err());
        assert_eq!(h.driver.endpoint.settings().retransmit.tries, 5);
    }
}
