//! SA operations of [`XfrmInstaller`]: reserve an SPI, add (with the
//! offload fallbacks), move, query, delete.

use core::net::IpAddr;
use std::time::{Duration, SystemTime};

use netlink_packet_xfrm::{
    Address, XFRM_OFFLOAD_INBOUND, XfrmAttrs, XfrmMessage,
    policy::ModifyMessage as PolicyModifyMessage,
};

use super::offload;
use super::socket::Failure;
use super::state::{self, OffloadDev};
use super::wire::Keyed;
use super::{EEXIST, ENOENT, ESRCH, Installed, XfrmInstaller};
use crate::{
    Direction, InstallError, OffloadMode, PolicyDirection, Protocol, SaId, SaSpec, SaStats,
    SaUpdate,
};

impl XfrmInstaller {
    /// `XFRM_MSG_ALLOCSPI`: the kernel adds a larval SA holding the SPI.
    pub(super) fn reserve_spi(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        protocol: Protocol,
    ) -> Result<u32, InstallError> {
        if src.is_ipv4() != dst.is_ipv4() {
            return Err(InstallError::Invalid(format!(
                "{src} and {dst} differ in family"
            )));
        }
        let msg = state::alloc_spi(src, dst, protocol, self.spi_range);
        let answer = self
            .send(XfrmMessage::AllocSpi(msg))
            .map_err(|e| e.into_error("allocate SPI"))?;
        let spi = answer
            .iter()
            .find_map(|m| match m {
                XfrmMessage::AddSa(sa) => Some(sa.user_sa_info.id.spi),
                _ => None,
            })
            .ok_or_else(|| InstallError::System("ALLOCSPI answered without an SA".into()))?;
        tracing::debug!(target: "knl", "got SPI {spi:08x}");
        self.reserved.insert(SaId { spi, dst, protocol });
        Ok(spi)
    }

    /// Adds an SA, trying the offload modes `hw_offload` allows.
    pub(super) fn install_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        sa.check()?;
        let dev = self.offload_interface(sa)?;
        let byte_limits = sa.lifetime.soft.bytes != 0 || sa.lifetime.hard.bytes != 0;
        let attempts = offload::attempts(sa.hw_offload, byte_limits, dev.as_ref())?;
        let required = !matches!(sa.hw_offload, crate::HwOffload::Auto);
        let dev_name = dev.as_ref().map(|d| d.name.clone());
        let mut tried = attempts.iter().peekable();
        while let Some(&mode) = tried.next() {
            let target = dev.as_ref().and_then(|d| match mode {
                OffloadMode::None => None,
                OffloadMode::Crypto | OffloadMode::Packet => Some(OffloadDev {
                    ifindex: d.index,
                    packet: mode == OffloadMode::Packet,
                }),
            });
            let failure = match self.send_sa(sa, target) {
                Ok(()) => match self.verify_offload(sa, mode, required, &dev_name)? {
                    Some(mode) => return Ok(self.track(sa, mode, target)),
                    None => format!(
                        "{} kept no {mode} offload state",
                        dev_name.as_deref().unwrap_or("the device")
                    ),
                },
                Err(e) if e.errno() == Some(EEXIST) => return Err(InstallError::Exists),
                Err(e) if mode == OffloadMode::None => return Err(e.into_error("add SA")),
                Err(e) if required => {
                    return Err(InstallError::Offload {
                        interface: dev_name,
                        reason: format!("kernel refused {mode} offload: {}", describe(e)),
                    });
                }
                Err(e) => describe(e),
            };
            if let Some(next) = tried.peek() {
                tracing::info!(
                    target: "knl",
                    "failed to install SA with {mode} HW offload ({failure}), trying with {next} HW offload"
                );
            }
        }
        Err(InstallError::System("no offload mode left to try".into()))
    }

    /// The interface to offload to: the configured one, else the owner of
    /// the SA's local address; `None` without offload or interface.
    fn offload_interface(
        &mut self,
        sa: &SaSpec,
    ) -> Result<Option<super::link::Interface>, InstallError> {
        if sa.hw_offload == crate::HwOffload::No {
            return Ok(None);
        }
        let found = self.links().and_then(|links| {
            match &sa.offload_dev {
                Some(name) => links.by_name(name),
                None => links.owner(sa.local()),
            }
            .map_err(|e| e.into_error("find offload interface"))
        });
        match found {
            // auto does without offload rather than fail
            Err(e) if sa.hw_offload == crate::HwOffload::Auto => {
                tracing::warn!(target: "knl", "no HW offload for SPI {:08x}: {e}", sa.id.spi);
                Ok(None)
            }
            other => other,
        }
    }

    /// NEWSA, or UPDSA over a larval SA from `get_spi` (falling back to
    /// NEWSA if it expired meanwhile, as charon does).
    fn send_sa(&mut self, sa: &SaSpec, offload: Option<OffloadDev>) -> Result<(), Failure> {
        let msg = state::new_sa(sa, offload);
        if self.reserved.contains(&sa.id) {
            match self.send(XfrmMessage::UpdateSa(msg.clone())) {
                Err(e) if matches!(e.errno(), Some(ENOENT | ESRCH)) => {}
                other => return other.map(drop),
            }
        }
        self.send(XfrmMessage::AddSa(msg)).map(drop)
    }

    /// Whether the kernel kept the offload it was asked for (it silently
    /// installs crypto-offload SAs in software on devices without
    /// offload); a required mode that was dropped removes the SA again.
    fn verify_offload(
        &mut self,
        sa: &SaSpec,
        mode: OffloadMode,
        required: bool,
        dev: &Option<String>,
    ) -> Result<Option<OffloadMode>, InstallError> {
        if mode == OffloadMode::None {
            return Ok(Some(mode));
        }
        let kept = self
            .get_sa(&sa.id, sa.mark, sa.if_id)?
            .0
            .nlas
            .iter()
            .any(|nla| matches!(nla, XfrmAttrs::OffloadDevice(_)));
        if kept {
            return Ok(Some(mode));
        }
        let id = state::sa_id(sa.id, sa.mark, sa.if_id);
        self.send(XfrmMessage::DeleteSa(id))
            .map_err(|e| e.into_error("delete SA"))?;
        if required {
            return Err(InstallError::Offload {
                interface: dev.clone(),
                reason: format!(
                    "the device does not do {mode} offload of ESP (the kernel installed \
                     the SA in software)"
                ),
            });
        }
        Ok(None)
    }

    fn track(&mut self, sa: &SaSpec, offload: OffloadMode, dev: Option<OffloadDev>) -> OffloadMode {
        tracing::debug!(
            target: "knl",
            "added SAD entry with SPI {:08x} and reqid {{{}}} ({:?}, {} => {}, HW offload {offload})",
            sa.id.spi,
            sa.reqid,
            sa.direction,
            sa.src,
            sa.dst,
        );
        self.reserved.remove(&sa.id);
        self.sad.insert(
            sa.id,
            Installed {
                reqid: sa.reqid,
                direction: sa.direction,
                mark: sa.mark,
                if_id: sa.if_id,
                offload,
                ifindex: dev.map(|d| d.ifindex),
            },
        );
        offload
    }

    /// `XFRM_MSG_GETSA`: the SA as the kernel has it (keys included, wiped
    /// on drop).
    fn get_sa(
        &mut self,
        id: &SaId,
        mark: Option<crate::Mark>,
        if_id: u32,
    ) -> Result<Keyed, InstallError> {
        let msg = state::sa_id(*id, mark, if_id);
        let answer = self
            .send(XfrmMessage::GetSa(msg))
            .map_err(not_found("query SA"))?;
        answer
            .into_iter()
            .find_map(|m| match m {
                XfrmMessage::AddSa(sa) => Some(Keyed(sa)),
                _ => None,
            })
            .ok_or(InstallError::NotFound)
    }

    /// Counters from `xfrm_usersa_info.curlft`; the last use from our
    /// policies of the SA's reqid and direction (the SA's own use time is
    /// its first use, xfrm_state.c).
    pub(super) fn sa_stats(&mut self, id: &SaId) -> Result<SaStats, InstallError> {
        let known = self.sad.get(id).copied();
        let (mark, if_id) = known.map_or((None, 0), |k| (k.mark, k.if_id));
        let cur = self.get_sa(id, mark, if_id)?.0.user_sa_info.lifetime_cur;
        let last_use = match known {
            Some(k) => self.last_use(k)?,
            None => None,
        };
        Ok(SaStats {
            bytes: cur.bytes,
            packets: cur.packets,
            last_use,
        })
    }

    fn last_use(&mut self, sa: Installed) -> Result<Option<SystemTime>, InstallError> {
        let dirs: &[PolicyDirection] = match sa.direction {
            Direction::In => &[PolicyDirection::In, PolicyDirection::Fwd],
            Direction::Out => &[PolicyDirection::Out],
        };
        let ours: Vec<crate::PolicySpec> = self
            .spd
            .enforced()
            .filter(|p| p.reqid() == Some(sa.reqid) && dirs.contains(&p.direction))
            .cloned()
            .collect();
        let mut newest = 0;
        for p in ours {
            let ifindex = self.policy_ifindex(&p)?;
            let msg = super::policy::policy_id(&p, ifindex);
            let answer = self
                .send(XfrmMessage::GetPolicy(msg))
                .map_err(not_found("query policy"))?;
            for m in answer {
                if let XfrmMessage::AddPolicy(PolicyModifyMessage {
                    user_policy_info, ..
                }) = m
                {
                    newest = newest.max(user_policy_info.lifetime_cur.use_time);
                }
            }
        }
        Ok((newest != 0).then(|| SystemTime::UNIX_EPOCH + Duration::from_secs(newest)))
    }

    /// Removes an SA or a reserved SPI.
    pub(super) fn remove_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        let known = self.sad.remove(id);
        self.reserved.remove(id);
        let (mark, if_id) = known.map_or((None, 0), |k| (k.mark, k.if_id));
        let msg = state::sa_id(*id, mark, if_id);
        tracing::debug!(target: "knl", "deleting SAD entry with SPI {:08x}", id.spi);
        self.send(XfrmMessage::DeleteSa(msg))
            .map(drop)
            .map_err(not_found("delete SA"))
    }

    /// Moves an SA: the kernel keys SAs by destination, so this reads the
    /// SA (keys, replay state), deletes it and adds it at the new
    /// addresses with its counters, as charon's `update_sa`.
    pub(super) fn move_sa(&mut self, id: &SaId, update: &SaUpdate) -> Result<(), InstallError> {
        if update.src.is_ipv4() != update.dst.is_ipv4() {
            return Err(InstallError::Invalid(
                "new addresses differ in family".into(),
            ));
        }
        let known = self.sad.get(id).copied();
        let (mark, if_id) = known.map_or((None, 0), |k| (k.mark, k.if_id));
        let mut keyed = self.get_sa(id, mark, if_id)?;
        let sa = &mut keyed.0;
        let info = &mut sa.user_sa_info;
        let old_src = info.saddr;
        info.saddr = Address::from_ip(&update.src.ip());
        info.id.daddr = Address::from_ip(&update.dst.ip());
        info.family = state::family(update.dst.ip());
        // a host selector on the old addresses follows them
        let sel = &mut info.selector;
        if sel.saddr == old_src && sel.prefixlen_s != 0 {
            sel.saddr = info.saddr;
        }
        if sel.daddr == Address::from_ip(&id.dst) && sel.prefixlen_d != 0 {
            sel.daddr = info.id.daddr;
        }
        let cur = info.lifetime_cur;
        let local = |flags: u8| {
            if flags & XFRM_OFFLOAD_INBOUND != 0 {
                update.dst.ip()
            } else {
                update.src.ip()
            }
        };
        let mut nlas = Vec::with_capacity(sa.nlas.len() + 2);
        for nla in core::mem::take(&mut sa.nlas) {
            match nla {
                XfrmAttrs::EncapsulationTemplate(_) => {}
                XfrmAttrs::OffloadDevice(mut dev) => match self.links()?.owner(local(dev.flags)) {
                    Ok(Some(i)) => {
                        dev.ifindex = i32::try_from(i.index).unwrap_or(i32::MAX);
                        nlas.push(XfrmAttrs::OffloadDevice(dev));
                    }
                    _ => tracing::warn!(target: "knl", "SA {:08x} loses its HW offload", id.spi),
                },
                other => nlas.push(other),
            }
        }
        if update.encap {
            nlas.push(XfrmAttrs::EncapsulationTemplate(state::encap(
                update.src, update.dst,
            )));
        }
        nlas.push(XfrmAttrs::LifetimeBytes(cur));
        sa.nlas = nlas;
        self.send(XfrmMessage::DeleteSa(state::sa_id(*id, mark, if_id)))
            .map_err(not_found("delete SA"))?;
        let moved = SaId {
            dst: update.dst.ip(),
            ..*id
        };
        let known = self.sad.remove(id);
        // the request wipes the keys it was given
        self.send(XfrmMessage::AddSa(core::mem::take(&mut keyed.0)))
            .map_err(|e| e.into_error("re-add moved SA"))?;
        if let Some(k) = known {
            self.sad.insert(moved, k);
        }
        tracing::info!(
            target: "knl",
            "updated SAD entry with SPI {:08x} to {} => {}",
            id.spi,
            update.src,
            update.dst
        );
        Ok(())
    }
}

/// A refusal as text: the kernel's message and errno.
fn describe(e: Failure) -> String {
    match e.into_error("add SA") {
        InstallError::Kernel { message, errno, .. } => format!("{message} (errno {errno})"),
        other => other.to_string(),
    }
}

/// Maps "no such SA/policy" to [`InstallError::NotFound`].
fn not_found(op: &'static str) -> impl Fn(Failure) -> InstallError {
    move |e| match e.errno() {
        Some(ENOENT | ESRCH) => InstallError::NotFound,
        _ => e.into_error(op),
    }
}
