//! [`UserspaceInstaller`]: the installer calls on the daemon's thread,
//! the packet threads it starts, and what it undoes when it goes.

use core::net::IpAddr;
use std::collections::BTreeSet;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Instant, SystemTime};

use tokio::sync::mpsc;

use super::routing::Routing;
use super::rtnl::Rtnl;
use super::{Io, UserspaceConfig, inbound, open_tun, outbound};
use crate::userspace::{Policy, SaConfig, SaError};
use crate::xfrm::SPI_RANGE;
use crate::{
    HwOffload, InstallError, Installer, KernelEvent, OffloadMode, PolicyAction, PolicyDirection,
    PolicySpec, Protocol, SaId, SaSpec, SaStats, SaUpdate,
};

/// How many events can wait for the daemon.
const EVENT_QUEUE: usize = 1024;

/// ESP in user space: a TUN device, the NAT-T sockets, two packet threads.
pub struct UserspaceInstaller {
    io: Arc<Io>,
    threads: Vec<JoinHandle<()>>,
    routing: Routing,
    tun_name: String,
    /// SPIs from `get_spi` and of installed inbound SAs.
    spis: BTreeSet<u32>,
    reserved: BTreeSet<SaId>,
    policies: Vec<PolicySpec>,
    events: Option<mpsc::Receiver<KernelEvent>>,
}

impl core::fmt::Debug for UserspaceInstaller {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UserspaceInstaller")
            .field("tun", &self.tun_name)
            .field("policies", &self.policies.len())
            .finish_non_exhaustive()
    }
}

impl UserspaceInstaller {
    /// Creates the TUN device and its routing rules and starts reading the
    /// TUN device and the sockets.
    ///
    /// # Errors
    /// [`InstallError::System`] if the device, a socket option or a thread
    /// cannot be made (no `CAP_NET_ADMIN`, no `/dev/net/tun`...).
    pub fn open(config: UserspaceConfig) -> Result<Self, InstallError> {
        let system = |what: &str| {
            let what = what.to_owned();
            move |e: io::Error| InstallError::System(format!("{what}: {e}"))
        };
        let tun = Arc::new(open_tun(&config.tun_name, config.mtu).map_err(system("TUN device"))?);
        let tun_name = tun.name().map_err(system("TUN device name"))?;
        let index = tun.if_index().map_err(system("TUN device index"))?;
        let rtnl = Rtnl::open().map_err(system("rtnetlink socket"))?;
        let routing = Routing::new(rtnl, (index, &tun_name), &config.ike_ports);
        let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
        let io = Arc::new(Io::new(config, tun, events_tx).map_err(system("NAT-T socket"))?);
        let mut threads = Vec::new();
        for (name, body) in [
            ("esp-out", outbound::run as fn(&Io)),
            ("esp-in", inbound::run as fn(&Io)),
        ] {
            let io = Arc::clone(&io);
            let handle = std::thread::Builder::new()
                .name(name.into())
                .spawn(move || body(&io))
                .map_err(system("packet thread"))?;
            threads.push(handle);
        }
        tracing::info!(target: "esp", "userspace ESP on TUN device {tun_name} (MTU {}, offloads {})",
            io.mtu, if io.tun.tcp_gso() { "on" } else { "off" });
        Ok(Self {
            io,
            threads,
            routing,
            tun_name,
            spis: BTreeSet::new(),
            reserved: BTreeSet::new(),
            policies: Vec::new(),
            events: Some(events_rx),
        })
    }

    /// The TUN device's name.
    #[must_use]
    pub fn tun_name(&self) -> &str {
        &self.tun_name
    }

    fn random_spi(&self) -> Result<u32, InstallError> {
        let (min, max) = SPI_RANGE;
        for _ in 0..64 {
            let mut bytes = [0u8; 4];
            aws_lc_rs::rand::fill(&mut bytes)
                .map_err(|_| InstallError::System("no randomness for an SPI".into()))?;
            let spi = min + u32::from_ne_bytes(bytes) % (max - min + 1);
            if !self.spis.contains(&spi) {
                return Ok(spi);
            }
        }
        Err(InstallError::System("no free SPI".into()))
    }
}

impl Installer for UserspaceInstaller {
    fn get_spi(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        protocol: Protocol,
    ) -> Result<u32, InstallError> {
        if protocol != Protocol::Esp {
            return Err(InstallError::Unsupported("AH in user space".into()));
        }
        let spi = self.random_spi()?;
        self.spis.insert(spi);
        self.reserved.insert(SaId { spi, dst, protocol });
        tracing::info!(target: "knl", "got SPI {spi:08x} for {protocol} {src} => {dst}");
        Ok(spi)
    }

    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        sa.check()?;
        if matches!(sa.hw_offload, HwOffload::Crypto | HwOffload::Packet) {
            return Err(InstallError::Offload {
                interface: None,
                reason: "the userspace data path has no hardware offload".into(),
            });
        }
        if sa.mark.is_some() || sa.set_mark.is_some() || sa.if_id != 0 {
            return Err(InstallError::Unsupported(
                "marks and interface IDs in user space".into(),
            ));
        }
        let config =
            SaConfig::from_spec(sa).map_err(|e| InstallError::Unsupported(e.to_string()))?;
        let added = self.io.shared.lock().add_sa(Instant::now(), config);
        match added {
            Ok(_) => {}
            Err(SaError::Exists) => return Err(InstallError::Exists),
            Err(e) => return Err(InstallError::Invalid(e.to_string())),
        }
        sa.log_adding();
        self.reserved.remove(&sa.id);
        if sa.direction == crate::Direction::In {
            self.spis.insert(sa.id.spi);
        }
        Ok(OffloadMode::None)
    }

    fn update_sa(&mut self, _id: &SaId, _update: &SaUpdate) -> Result<(), InstallError> {
        Err(InstallError::Unsupported(
            "moving SAs in the userspace data path".into(),
        ))
    }

    fn query_sa(&mut self, id: &SaId) -> Result<SaStats, InstallError> {
        let stats = self
            .io
            .shared
            .lock()
            .query_sa(id)
            .ok_or(InstallError::NotFound)?;
        let (now, wall) = (Instant::now(), SystemTime::now());
        Ok(SaStats {
            bytes: stats.bytes,
            packets: stats.packets,
            last_use: stats
                .last_used
                .and_then(|at| wall.checked_sub(now.saturating_duration_since(at))),
        })
    }

    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        if self.reserved.remove(id) {
            self.spis.remove(&id.spi);
            return Ok(());
        }
        if !self.io.shared.lock().del_sa(id) {
            return Err(InstallError::NotFound);
        }
        if self.io.shared.lock().query_sa(id).is_none() {
            self.spis.remove(&id.spi);
        }
        tracing::debug!(target: "knl", "deleting SAD entry with SPI {:08x}", id.spi);
        Ok(())
    }

    fn add_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        if policy.direction == PolicyDirection::Out {
            self.io.shared.lock().add_policy(Policy::from_spec(policy));
            if matches!(policy.action, PolicyAction::Protect(_)) {
                self.routing.add(&policy.src_ts, &policy.dst_ts);
            }
        }
        tracing::debug!(target: "knl", "adding policy {} === {} {:?}",
            policy.src_ts, policy.dst_ts, policy.direction);
        self.policies.push(policy.clone());
        Ok(())
    }

    fn del_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        let at = self
            .policies
            .iter()
            .rposition(|p| p == policy)
            .ok_or(InstallError::NotFound)?;
        self.policies.remove(at);
        if policy.direction == PolicyDirection::Out {
            self.io.shared.lock().del_policy(&Policy::from_spec(policy));
            if matches!(policy.action, PolicyAction::Protect(_)) {
                self.routing.del(&policy.src_ts, &policy.dst_ts);
            }
        }
        tracing::debug!(target: "knl", "deleting policy {} === {} {:?}",
            policy.src_ts, policy.dst_ts, policy.direction);
        Ok(())
    }

    fn add_vip(&mut self, vip: IpAddr) -> Result<(), InstallError> {
        self.routing
            .add_vip(vip)
            .map_err(|e| InstallError::System(format!("adding virtual IP {vip}: {e}")))
    }

    fn del_vip(&mut self, vip: IpAddr) -> Result<(), InstallError> {
        self.routing
            .del_vip(vip)
            .map_err(|e| InstallError::System(format!("removing virtual IP {vip}: {e}")))
    }

    fn flush(&mut self) -> Result<(), InstallError> {
        self.io.shared.lock().flush();
        self.routing.clear_routes();
        self.policies.clear();
        self.reserved.clear();
        self.spis.clear();
        Ok(())
    }

    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>> {
        self.events.take()
    }
}

impl Drop for UserspaceInstaller {
    fn drop(&mut self) {
        self.io.shared.stop();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
