//! A CHILD_SA's SAs into the installer, with what the core does not carry:
//! the child's `hw_offload` from its swanctl.conf section, and the
//! installer's answer. A CHILD_SA whose SA the installer refused fails
//! (charon: "unable to install inbound and outbound IPsec SA (SAD) in
//! kernel") and is deleted, rather than staying up without a data plane.

use esp_install::HwOffload;
use ike::action::SaInstall;
use ike::{ChildId, DownReason, Event};
use swanctl_parser::config as sw;

use crate::driver::Driver;
use crate::install;

/// Why a refused CHILD_SA failed, as `swanctl --initiate` and the log say.
const REFUSED: &str = "unable to install IPsec SA (SAD) in kernel";

impl Driver {
    /// Installs one direction of a CHILD_SA; a refusal is logged and
    /// remembered until the CHILD_SA's event.
    pub(crate) fn install_sa(&mut self, sa: &SaInstall) {
        let conn = self.endpoint.sa(sa.ike_sa).map(|info| info.name);
        let offload = hw_offload(&self.vici.conns, conn.as_deref(), &sa.config.name);
        let added = install::add_sa(self.installer.as_mut(), sa, self.replay_window, offload);
        if let Err(e) = added {
            tracing::warn!(target: "knl", "unable to install {} SA {:08x} of CHILD_SA {}{{{}}}: {e}",
                if sa.direction == ike::action::Direction::Inbound { "inbound" } else { "outbound" },
                sa.spi, sa.config.name, sa.child);
            if !self.refused.contains(&sa.child) {
                self.refused.push(sa.child);
            }
        }
    }

    /// `event`, except that a CHILD_SA the installer refused fails
    /// instead of coming up (and a refused rekey's new CHILD_SA goes):
    /// it is deleted, which tells the peer.
    pub(crate) fn checked_event(&mut self, event: Event) -> Event {
        let refused = match &event {
            Event::ChildUp { child, .. } | Event::ChildRekeyed { new: child, .. } => *child,
            _ => return event,
        };
        if !self.take_refused(refused) {
            return event;
        }
        tracing::warn!(target: "chd", "{REFUSED}, deleting CHILD_SA {{{refused}}}");
        let now = self.now();
        self.endpoint.delete_child(now, refused);
        match event {
            Event::ChildUp { sa, name, .. } => Event::ChildFailed {
                sa,
                name,
                reason: DownReason::Failed(ike::Error::ApiMisuse(REFUSED)),
            },
            other => other,
        }
    }

    fn take_refused(&mut self, child: ChildId) -> bool {
        let before = self.refused.len();
        self.refused.retain(|&c| c != child);
        self.refused.len() != before
    }
}

/// The `hw_offload` of child `child` of connection `conn`; none for
/// children not found (loaded otherwise than from swanctl.conf or VICI).
fn hw_offload(conns: &[sw::Connection], conn: Option<&str>, child: &str) -> HwOffload {
    let found = conns
        .iter()
        .filter(|c| Some(c.name.as_str()) == conn)
        .flat_map(|c| c.children.iter())
        .find(|c| c.name == child);
    match found.map(|c| c.hw_offload) {
        Some(sw::HwOffload::Crypto) => HwOffload::Crypto,
        Some(sw::HwOffload::Packet) => HwOffload::Packet,
        Some(sw::HwOffload::Auto) => HwOffload::Auto,
        Some(sw::HwOffload::No) | None => HwOffload::No,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use esp_install::RecordingInstaller;
    use ike::SaHandle;
    use swanctl_parser::config::SwanctlConfig;
    use swanctl_parser::settings::Settings;

    use super::*;
    use crate::vici::logtap::LogTap;

    fn driver() -> Driver {
        let installer = Box::new(RecordingInstaller::new());
        crate::test_driver::driver(installer, Arc::new(LogTap::default()))
    }

    fn up(child: u32) -> Event {
        Event::ChildUp {
            sa: SaHandle(1),
            child: ChildId(child),
            name: "net".into(),
        }
    }

    #[tokio::test]
    async fn a_refused_child_fails_once_and_others_come_up() {
        let mut driver = driver();
        driver.refused = vec![ChildId(7)];
        assert_eq!(driver.checked_event(up(8)), up(8), "not refused");
        let failed = driver.checked_event(up(7));
        let Event::ChildFailed { sa, name, reason } = failed else {
            panic!("{failed:?}");
        };
        assert_eq!((sa, name.as_str()), (SaHandle(1), "net"));
        assert_eq!(reason, DownReason::Failed(ike::Error::ApiMisuse(REFUSED)));
        assert!(driver.refused.is_empty());
        assert_eq!(driver.checked_event(up(7)), up(7), "forgotten once failed");
    }

    #[tokio::test]
    async fn a_refused_rekey_stays_a_rekey_and_other_events_pass() {
        let mut driver = driver();
        driver.refused = vec![ChildId(9)];
        let rekeyed = Event::ChildRekeyed {
            sa: SaHandle(1),
            old: ChildId(8),
            new: ChildId(9),
        };
        assert_eq!(driver.checked_event(rekeyed.clone()), rekeyed);
        assert!(driver.refused.is_empty(), "taken by the rekey");
        let down = Event::ChildDown {
            sa: SaHandle(1),
            child: ChildId(9),
            reason: DownReason::Local,
        };
        assert_eq!(driver.checked_event(down.clone()), down);
    }

    fn conns(text: &str) -> Vec<sw::Connection> {
        let settings = Settings::parse_str(text, "swanctl.conf").unwrap();
        let (config, errors) = SwanctlConfig::from_settings(&settings);
        assert!(errors.is_empty(), "{errors:?}");
        config.connections
    }

    #[test]
    fn each_child_gets_its_own_hw_offload_by_connection_and_name() {
        let conns = conns(
            "connections {
               gw { children { net { hw_offload = packet } web { hw_offload = auto } } }
               other { children { net { hw_offload = yes } } }
             }",
        );
        assert_eq!(hw_offload(&conns, Some("gw"), "net"), HwOffload::Packet);
        assert_eq!(hw_offload(&conns, Some("gw"), "web"), HwOffload::Auto);
        assert_eq!(hw_offload(&conns, Some("other"), "net"), HwOffload::Crypto);
        assert_eq!(hw_offload(&conns, Some("other"), "web"), HwOffload::No);
        assert_eq!(hw_offload(&conns, None, "net"), HwOffload::No);
    }
}
