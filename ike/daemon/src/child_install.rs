//! A CHILD_SA's SAs into the installer with the child's `hw_offload` (from
//! its swanctl.conf section, which the core does not carry), and the
//! installer's answer: a CHILD_SA whose SA the installer refused fails
//! (charon: "unable to install inbound and outbound IPsec SA (SAD) in
//! kernel") and is deleted, rather than staying up without a data plane.

use ike::action::SaInstall;
use ike::{ChildId, DownReason, Event};
use swanctl_parser::config as sw;

use crate::driver::Driver;
use crate::install;

/// Why a refused CHILD_SA failed, as `swanctl --initiate` and the log say.
const REFUSED: &str = "unable to install IPsec SA (SAD) in kernel";

impl Driver {
    /// Installs one direction of a CHILD_SA; a refusal (logged by
    /// [`install::add_sa`]) is remembered until the CHILD_SA's event.
    pub(crate) fn install_sa(&mut self, sa: &SaInstall) {
        let configured = install::hw_offload(self.configured_offload(sa));
        match install::add_sa(self.installer.as_mut(), sa, self.replay_window, configured) {
            Some(mode) => {
                let offload = install::Offload { configured, mode };
                self.offloads.insert((sa.spi, sa.dst.ip()), offload);
            }
            None if !self.refused.contains(&sa.child) => self.refused.push(sa.child),
            None => {}
        }
    }

    /// `hw_offload` of the CHILD_SA configuration an SA is installed for.
    fn configured_offload(&self, sa: &SaInstall) -> sw::HwOffload {
        let Some(ike) = self.endpoint.sa(sa.ike_sa) else {
            return sw::HwOffload::No;
        };
        self.vici
            .conns
            .iter()
            .filter(|c| c.name == ike.name)
            .flat_map(|c| &c.children)
            .find(|c| c.name == sa.config.name)
            .map_or(sw::HwOffload::No, |c| c.hw_offload)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use esp_install::RecordingInstaller;
    use ike::SaHandle;

    use super::*;
    use crate::vici::logtap::LogTap;

    fn driver() -> Driver {
        let installer = Box::new(RecordingInstaller::new());
        crate::test_driver::driver(
            installer,
            Arc::new(LogTap::default()),
            std::path::Path::new("/nonexistent/strongswan.conf"),
        )
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
}
