//! A backend that keeps SAs and policies in memory and logs what it is
//! asked to do, for tests and for running without a data plane.

use std::collections::BTreeMap;

use crate::{InstallError, Installer, PolicySpec, SaId, SaSpec};

/// Keeps SAs and policies in memory; logs each change (never keys).
#[derive(Debug, Default)]
pub struct RecordingInstaller {
    sas: BTreeMap<SaId, SaSpec>,
    policies: Vec<PolicySpec>,
}

impl RecordingInstaller {
    /// An empty SAD and SPD.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The installed SAs, ordered by SPI.
    pub fn sas(&self) -> impl Iterator<Item = &SaSpec> {
        self.sas.values()
    }

    /// The installed policies, oldest first.
    #[must_use]
    pub fn policies(&self) -> &[PolicySpec] {
        &self.policies
    }
}

impl Installer for RecordingInstaller {
    fn add_sa(&mut self, sa: &SaSpec) -> Result<(), InstallError> {
        if self.sas.contains_key(&sa.id) {
            return Err(InstallError::Exists);
        }
        tracing::info!(
            target: "knl",
            "adding SAD entry with SPI {:08x} and reqid {{{}}} ({:?}, {} => {}{})",
            sa.id.spi,
            sa.reqid,
            sa.direction,
            sa.src,
            sa.dst,
            if sa.encap { ", UDP encapsulated" } else { "" },
        );
        self.sas.insert(sa.id, sa.clone());
        Ok(())
    }

    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        let sa = self.sas.remove(id).ok_or(InstallError::NotFound)?;
        tracing::info!(
            target: "knl",
            "deleting SAD entry with SPI {:08x} and reqid {{{}}}",
            id.spi,
            sa.reqid
        );
        Ok(())
    }

    fn add_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        tracing::info!(
            target: "knl",
            "adding policy {} === {} {:?} (reqid {{{}}})",
            policy.src_ts,
            policy.dst_ts,
            policy.direction,
            policy.reqid
        );
        self.policies.push(policy.clone());
        Ok(())
    }

    fn del_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError> {
        let at = self
            .policies
            .iter()
            .position(|p| p == policy)
            .ok_or(InstallError::NotFound)?;
        self.policies.remove(at);
        tracing::info!(
            target: "knl",
            "deleting policy {} === {} {:?}",
            policy.src_ts,
            policy.dst_ts,
            policy.direction
        );
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
        self.policies.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core::net::{IpAddr, Ipv4Addr, SocketAddr};

    use super::*;
    use crate::{Direction, Key, Lifetime, Mode, PolicyDirection, Protocol, Selector};

    fn sa(spi: u32) -> SaSpec {
        let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let b = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
        SaSpec {
            id: SaId {
                spi,
                dst: b,
                protocol: Protocol::Esp,
            },
            direction: Direction::Out,
            src: SocketAddr::new(a, 4500),
            dst: SocketAddr::new(b, 4500),
            reqid: 1,
            mode: Mode::Tunnel,
            encap: true,
            encr_alg: 20,
            encr_key: Key::new(vec![7; 20]),
            integ_alg: None,
            integ_key: Key::default(),
            esn: false,
            replay_window: 32,
            lifetime: Lifetime::default(),
            local_ts: Vec::new(),
            remote_ts: Vec::new(),
        }
    }

    fn policy() -> PolicySpec {
        let any = Selector {
            from: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            to: IpAddr::V4(Ipv4Addr::BROADCAST),
            protocol: 0,
            from_port: 0,
            to_port: u16::MAX,
        };
        PolicySpec {
            direction: PolicyDirection::Out,
            src_ts: any,
            dst_ts: any,
            reqid: 1,
            mode: Mode::Tunnel,
            src: IpAddr::V4(Ipv4Addr::LOCALHOST),
            dst: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

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
    fn keys_never_show_in_debug_output() {
        let shown = format!("{:?}", sa(1));
        assert!(shown.contains("Key(<20 bytes>)"), "{shown}");
        assert!(!shown.contains("7, 7"), "{shown}");
    }
}
