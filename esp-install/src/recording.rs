//! A backend that keeps SAs and policies in memory and logs what it is
//! asked to do, for tests and for running without a data plane.

use core::net::IpAddr;
use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::mpsc;

use crate::{
    InstallError, Installer, KernelEvent, OffloadMode, PolicySpec, Protocol, SaId, SaSpec, SaStats,
    SaUpdate,
};

/// The first SPI handed out by [`RecordingInstaller::get_spi`].
const FIRST_SPI: u32 = 0xc000_0001;

/// How many events can wait for the daemon.
const EVENT_QUEUE: usize = 64;

/// Keeps SAs and policies in memory; logs each change (never keys).
/// Tests inject [`KernelEvent`]s and set counters.
#[derive(Debug)]
pub struct RecordingInstaller {
    sas: BTreeMap<SaId, (SaSpec, SaStats)>,
    reserved: BTreeSet<SaId>,
    policies: Vec<PolicySpec>,
    vips: Vec<IpAddr>,
    next_spi: u32,
    events_tx: mpsc::Sender<KernelEvent>,
    events_rx: Option<mpsc::Receiver<KernelEvent>>,
}

impl Default for RecordingInstaller {
    fn default() -> Self {
        let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
        Self {
            sas: BTreeMap::new(),
            reserved: BTreeSet::new(),
            policies: Vec::new(),
            vips: Vec::new(),
            next_spi: FIRST_SPI,
            events_tx,
            events_rx: Some(events_rx),
        }
    }
}

impl RecordingInstaller {
    /// An empty SAD and SPD.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The installed SAs, ordered by SPI.
    pub fn sas(&self) -> impl Iterator<Item = &SaSpec> {
        self.sas.values().map(|(sa, _)| sa)
    }

    /// The installed policies, oldest first.
    #[must_use]
    pub fn policies(&self) -> &[PolicySpec] {
        &self.policies
    }

    /// The virtual IPs added, oldest first.
    #[must_use]
    pub fn vips(&self) -> &[IpAddr] {
        &self.vips
    }

    /// Sets what [`Installer::query_sa`] reports for an SA.
    ///
    /// # Errors
    /// [`InstallError::NotFound`] if it is not installed.
    pub fn set_stats(&mut self, id: &SaId, stats: SaStats) -> Result<(), InstallError> {
        let entry = self.sas.get_mut(id).ok_or(InstallError::NotFound)?;
        entry.1 = stats;
        Ok(())
    }

    /// Queues an event for the daemon, as the data plane would.
    ///
    /// # Errors
    /// If the queue is full or the receiver is gone.
    pub fn inject(&self, event: KernelEvent) -> Result<(), InstallError> {
        self.events_tx
            .try_send(event)
            .map_err(|e| InstallError::System(format!("event not queued: {e}")))
    }
}

impl Installer for RecordingInstaller {
    fn get_spi(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        protocol: Protocol,
    ) -> Result<u32, InstallError> {
        let spi = self.next_spi;
        self.next_spi = self.next_spi.wrapping_add(1);
        self.reserved.insert(SaId { spi, dst, protocol });
        tracing::info!(target: "knl", "got SPI {spi:08x} for {protocol} {src} => {dst}");
        Ok(spi)
    }

    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        sa.check()?;
        if self.sas.contains_key(&sa.id) {
            return Err(InstallError::Exists);
        }
        sa.log_adding();
        self.reserved.remove(&sa.id);
        self.sas.insert(sa.id, (sa.clone(), SaStats::default()));
        Ok(OffloadMode::None)
    }

    fn update_sa(&mut self, id: &SaId, update: &SaUpdate) -> Result<(), InstallError> {
        let (mut sa, stats) = self.sas.remove(id).ok_or(InstallError::NotFound)?;
        sa.src = update.src;
        sa.dst = update.dst;
        sa.encap = update.encap;
        sa.id.dst = update.dst.ip();
        tracing::info!(
            target: "knl",
            "updating SAD entry with SPI {:08x} to {} => {}",
            id.spi,
            sa.src,
            sa.dst
        );
        self.sas.insert(sa.id, (sa, stats));
        Ok(())
    }

    fn query_sa(&mut self, id: &SaId) -> Result<SaStats, InstallError> {
        self.sas
            .get(id)
            .map(|(_, stats)| *stats)
            .ok_or(InstallError::NotFound)
    }

    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        if self.reserved.remove(id) {
            return Ok(());
        }
        let (sa, _) = self.sas.remove(id).ok_or(InstallError::NotFound)?;
        tracing::debug!(
            target: "knl",
            "deleting SAD entry with SPI {:08x} and reqid {{{}}}",
            id.spi,
            sa.reqid
        );
        Ok(())
    }

    fn add_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        tracing::debug!(
            target: "knl",
            "adding policy {} === {} {:?} (reqid {{{}}})",
            policy.src_ts,
            policy.dst_ts,
            policy.direction,
            policy.reqid().unwrap_or(0)
        );
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
        tracing::debug!(
            target: "knl",
            "deleting policy {} === {} {:?}",
            policy.src_ts,
            policy.dst_ts,
            policy.direction
        );
        Ok(())
    }

    fn add_vip(&mut self, vip: IpAddr) -> Result<(), InstallError> {
        tracing::info!(target: "knl", "adding virtual IP {vip}");
        if !self.vips.contains(&vip) {
            self.vips.push(vip);
        }
        Ok(())
    }

    fn del_vip(&mut self, vip: IpAddr) -> Result<(), InstallError> {
        let at = self
            .vips
            .iter()
            .position(|v| *v == vip)
            .ok_or(InstallError::NotFound)?;
        self.vips.remove(at);
        tracing::info!(target: "knl", "removing virtual IP {vip}");
        Ok(())
    }

    fn flush(&mut self) -> Result<(), InstallError> {
        tracing::info!(
            target: "knl",
            "flushing {} SAs and {} policies",
            self.sas.len(),
            self.policies.len()
        );
        self.sas.clear();
        self.reserved.clear();
        self.policies.clear();
        self.vips.clear();
        Ok(())
    }

    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>> {
        self.events_rx.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{policy, sa};
    use crate::{HwOffload, Lifetime, Limits};

    #[test]
    fn sas_are_kept_until_deleted_and_duplicates_are_refused() {
        let mut rec = RecordingInstaller::new();
        rec.add_sa(&sa(0xc001)).unwrap();
        assert_eq!(rec.add_sa(&sa(0xc001)), Err(InstallError::Exists));
        rec.add_sa(&sa(0xc002)).unwrap();
        let spis: Vec<u32> = rec.sas().map(|s| s.id.spi).collect();
        assert_eq!(spis, [0xc001, 0xc002]);
        rec.del_sa(&sa(0xc001).id).unwrap();
        assert_eq!(rec.del_sa(&sa(0xc001).id), Err(InstallError::NotFound));
        assert_eq!(rec.sas().count(), 1);
    }

    #[test]
    fn policies_are_removed_by_value_and_flush_empties_everything() {
        let mut rec = RecordingInstaller::new();
        rec.add_policy(&policy()).unwrap();
        rec.add_sa(&sa(1)).unwrap();
        rec.del_policy(&policy()).unwrap();
        assert_eq!(rec.del_policy(&policy()), Err(InstallError::NotFound));
        rec.add_policy(&policy()).unwrap();
        rec.flush().unwrap();
        assert!(rec.policies().is_empty());
        assert_eq!(rec.sas().count(), 0);
    }

    #[test]
    fn reserved_spis_are_distinct_and_can_be_released() {
        let mut rec = RecordingInstaller::new();
        let s = sa(0);
        let a = rec.get_spi(s.src.ip(), s.dst.ip(), Protocol::Esp).unwrap();
        let b = rec.get_spi(s.src.ip(), s.dst.ip(), Protocol::Esp).unwrap();
        assert_ne!(a, b);
        let id = SaId { spi: a, ..s.id };
        rec.del_sa(&id).unwrap();
        assert_eq!(rec.del_sa(&id), Err(InstallError::NotFound));
    }

    #[test]
    fn an_updated_sa_moves_to_its_new_destination_with_its_counters() {
        let mut rec = RecordingInstaller::new();
        let s = sa(7);
        rec.add_sa(&s).unwrap();
        let stats = SaStats {
            bytes: 100,
            packets: 2,
            last_use: None,
        };
        rec.set_stats(&s.id, stats).unwrap();
        let to = "198.51.100.9:4500".parse().unwrap();
        let update = SaUpdate {
            src: s.src,
            dst: to,
            encap: true,
        };
        rec.update_sa(&s.id, &update).unwrap();
        assert_eq!(rec.query_sa(&s.id), Err(InstallError::NotFound));
        let moved = SaId {
            dst: to.ip(),
            ..s.id
        };
        assert_eq!(rec.query_sa(&moved), Ok(stats));
    }

    #[test]
    fn packet_offload_with_a_byte_limit_is_refused() {
        let mut rec = RecordingInstaller::new();
        let mut s = sa(9);
        s.hw_offload = HwOffload::Packet;
        s.lifetime = Lifetime {
            soft: Limits {
                bytes: 1 << 20,
                ..Limits::default()
            },
            hard: Limits::default(),
        };
        assert!(matches!(rec.add_sa(&s), Err(InstallError::Invalid(_))));
    }

    #[tokio::test]
    async fn injected_events_arrive_on_the_channel_taken_once() {
        let mut rec = RecordingInstaller::new();
        let mut rx = rec.events().unwrap();
        assert!(rec.events().is_none());
        let event = KernelEvent::Expire {
            id: sa(3).id,
            reqid: 1,
            hard: false,
        };
        rec.inject(event.clone()).unwrap();
        assert_eq!(rx.recv().await, Some(event));
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        let shown = format!("{:?}", sa(1));
        assert!(shown.contains("Key(<20 bytes>)"), "{shown}");
        assert!(!shown.contains("7, 7"), "{shown}");
    }
}
