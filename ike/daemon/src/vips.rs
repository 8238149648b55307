//! Virtual IPs the peers assigned us (RFC 7296 §2.19): installed in the
//! data plane when the IKE SA comes up, before its CHILD_SAs' policies
//! (so their routes take them as source), moved along IKE rekeys and
//! removed when no IKE SA holds them any more.

use core::net::IpAddr;

use ike::{Event, SaHandle};

use crate::driver::Driver;

/// The virtual IPs each IKE SA holds.
#[derive(Debug, Default)]
pub(crate) struct Vips {
    by_sa: Vec<(SaHandle, Vec<IpAddr>)>,
}

impl Vips {
    fn held(&self, ip: IpAddr) -> bool {
        self.by_sa.iter().any(|(_, ips)| ips.contains(&ip))
    }
}

impl Driver {
    /// Follows the IKE SAs' virtual IPs in the data plane.
    pub(crate) fn vip_event(&mut self, event: &Event) {
        match event {
            Event::IkeUp { sa, .. } => {
                let vips = self
                    .endpoint
                    .sa(*sa)
                    .map(|info| info.local_vips)
                    .unwrap_or_default();
                if vips.is_empty() {
                    return;
                }
                for ip in &vips {
                    if !self.vips.held(*ip)
                        && let Err(e) = self.installer.add_vip(*ip)
                    {
                        tracing::warn!(target: "knl", "installing virtual IP {ip} failed: {e}");
                    }
                }
                self.vips.by_sa.push((*sa, vips));
            }
            Event::IkeRekeyed { old, new } => {
                for (sa, _) in self.vips.by_sa.iter_mut().filter(|(sa, _)| sa == old) {
                    *sa = *new;
                }
            }
            Event::IkeDown { sa, .. } => {
                let Some(at) = self.vips.by_sa.iter().position(|(s, _)| s == sa) else {
                    return;
                };
                let (_, ips) = self.vips.by_sa.remove(at);
                for ip in ips {
                    if !self.vips.held(ip)
                        && let Err(e) = self.installer.del_vip(ip)
                    {
                        tracing::warn!(target: "knl", "removing virtual IP {ip} failed: {e}");
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trap::tests::setup;
    use esp_install::Installer as _;

    #[tokio::test(flavor = "current_thread")]
    async fn a_virtual_ip_follows_its_ike_sa_through_a_rekey_and_goes_with_it() {
        let (mut h, shared) = setup();
        let ip: IpAddr = "10.3.0.1".parse().unwrap();
        let (old, new) = (SaHandle(1), SaHandle(2));
        shared.lock().add_vip(ip).unwrap();
        h.driver.vips.by_sa.push((old, vec![ip]));
        h.driver.vip_event(&Event::IkeRekeyed { old, new });
        let down = |sa| Event::IkeDown {
            sa,
            reason: ike::DownReason::Rekeyed,
        };
        h.driver.vip_event(&down(old));
        assert_eq!(shared.lock().vips(), [ip], "the new SA holds it");
        h.driver.vip_event(&down(new));
        assert!(shared.lock().vips().is_empty());
    }
}
