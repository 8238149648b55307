//! The Linux kernel backend: SAs and policies over `NETLINK_XFRM`
//! (linux/xfrm.h), encoded with netlink-packet-xfrm, behaving as charon's
//! kernel-netlink plugin (strongSwan 5.9.8 `kernel_netlink_ipsec.c`).
//!
//! Requests are synchronous (see [`socket`]); expire and acquire
//! notifications arrive on the channel of [`Installer::events`], read by
//! a task on the caller's tokio runtime. The backend remembers what it
//! installed, so [`Installer::flush`] removes exactly that.

mod events;
mod link;
mod offload;
mod policy;
mod sad;
mod socket;
mod spd;
mod state;
#[cfg(test)]
mod tests;
mod wire;

use std::collections::{BTreeMap, BTreeSet};

use netlink_packet_core::Emitable;
use netlink_packet_xfrm::XfrmMessage;
use tokio::sync::mpsc;

use self::link::Links;
use self::socket::{Channel, Failure};
use self::spd::{Change, Key, Spd};
use crate::{
    Direction, InstallError, Installer, KernelEvent, Mark, OffloadMode, PolicySpec, Protocol, SaId,
    SaSpec, SaStats, SaUpdate,
};

/// charon's default `spi_min`/`spi_max`.
pub const SPI_RANGE: (u32, u32) = (0xc000_0000, 0xcfff_ffff);
/// `EEXIST`, `ENOENT`, `ESRCH` (asm-generic/errno-base.h).
const EEXIST: i32 = 17;
const ENOENT: i32 = 2;
const ESRCH: i32 = 3;

/// An SA we installed, with what identifies it to the kernel.
#[derive(Clone, Copy, Debug)]
struct Installed {
    reqid: u32,
    direction: Direction,
    mark: Option<Mark>,
    if_id: u32,
    offload: OffloadMode,
    ifindex: Option<u32>,
}

/// Installs SAs and policies in the kernel of the current network
/// namespace.
pub struct XfrmInstaller {
    xfrm: Channel,
    links: Option<Links>,
    spi_range: (u32, u32),
    sad: BTreeMap<SaId, Installed>,
    /// SPIs from `get_spi` not yet filled in by `add_sa`.
    reserved: BTreeSet<SaId>,
    spd: Spd,
    subscribed: bool,
}

impl XfrmInstaller {
    /// Opens the netlink socket; SPIs come from [`SPI_RANGE`].
    ///
    /// # Errors
    /// [`InstallError::System`] if the socket cannot be made (no XFRM in
    /// the kernel, no `CAP_NET_ADMIN`...).
    pub fn open() -> Result<Self, InstallError> {
        let xfrm = Channel::open(events::NETLINK_XFRM)
            .map_err(|e| InstallError::System(format!("unable to open XFRM socket: {e}")))?;
        Ok(Self {
            xfrm,
            links: None,
            spi_range: SPI_RANGE,
            sad: BTreeMap::new(),
            reserved: BTreeSet::new(),
            spd: Spd::default(),
            subscribed: false,
        })
    }

    /// SPIs from `min..=max` (charon's `spi_min`/`spi_max`).
    #[must_use]
    pub fn with_spi_range(mut self, min: u32, max: u32) -> Self {
        self.spi_range = (min.min(max), min.max(max));
        self
    }

    /// The rtnetlink socket, opened on first use.
    fn links(&mut self) -> Result<&mut Links, InstallError> {
        if self.links.is_none() {
            let links = Links::open()
                .map_err(|e| InstallError::System(format!("unable to open rtnetlink: {e}")))?;
            self.links = Some(links);
        }
        self.links
            .as_mut()
            .ok_or_else(|| InstallError::System("no rtnetlink socket".into()))
    }

    /// Sends one request.
    fn send(&mut self, msg: XfrmMessage) -> Result<Vec<XfrmMessage>, Failure> {
        self.xfrm.xfrm(msg)
    }

    /// The index of a policy's interface, 0 for none.
    fn policy_ifindex(&mut self, p: &PolicySpec) -> Result<u32, InstallError> {
        let Some(name) = &p.interface else {
            return Ok(0);
        };
        let found = self
            .links()?
            .by_name(name)
            .map_err(|e| e.into_error("find interface"))?;
        found
            .map(|i| i.index)
            .ok_or_else(|| InstallError::Invalid(format!("no interface {name}")))
    }

    /// The kernel identity of a policy: direction, selector, mark, if_id.
    fn policy_key(p: &PolicySpec, ifindex: u32) -> Key {
        let id = policy::policy_id(p, ifindex);
        let mut bytes = vec![0; id.buffer_len()];
        id.emit(&mut bytes);
        Key(bytes)
    }

    /// The interface an SA of `reqid` is packet-offloaded to: the kernel
    /// pairs packet-offloaded SAs only with packet-offloaded policies.
    fn packet_offload(&self, reqid: Option<u32>) -> Option<u32> {
        let reqid = reqid?;
        self.sad
            .values()
            .find(|sa| sa.reqid == reqid && sa.offload == OffloadMode::Packet)
            .and_then(|sa| sa.ifindex)
    }

    /// Tells the kernel about a change of the SPD.
    fn apply(&mut self, change: Change, ifindex: u32) -> Result<(), InstallError> {
        match change {
            Change::Keep => Ok(()),
            Change::Update(p) => {
                let offload = self.packet_offload(p.reqid());
                let msg = policy::new_policy(&p, ifindex, offload);
                self.send(XfrmMessage::UpdatePolicy(msg))
                    .map(drop)
                    .map_err(|e| e.into_error("update policy"))
            }
            Change::Add(p) => {
                let offload = self.packet_offload(p.reqid());
                let msg = policy::new_policy(&p, ifindex, offload);
                match self.send(XfrmMessage::AddPolicy(msg.clone())) {
                    // someone else's policy: take it over, as charon does
                    Err(e) if e.errno() == Some(EEXIST) => self
                        .send(XfrmMessage::UpdatePolicy(msg))
                        .map(drop)
                        .map_err(|e| e.into_error("update policy")),
                    other => other.map(drop).map_err(|e| e.into_error("add policy")),
                }
            }
            Change::Delete(p) => {
                let msg = policy::policy_id(&p, ifindex);
                match self.send(XfrmMessage::DeletePolicy(msg)) {
                    Err(e) if matches!(e.errno(), Some(ENOENT | ESRCH)) => Ok(()),
                    other => other.map(drop).map_err(|e| e.into_error("delete policy")),
                }
            }
        }
    }

    /// The priority a policy is enforced with.
    fn priority(p: &PolicySpec, ifindex: u32) -> u32 {
        let sel = policy::selector(&p.src_ts, &p.dst_ts, ifindex);
        p.priority
            .unwrap_or_else(|| policy::priority(&sel, p.class, p.interface.is_some()))
    }
}

impl Installer for XfrmInstaller {
    fn get_spi(
        &mut self,
        src: core::net::IpAddr,
        dst: core::net::IpAddr,
        protocol: Protocol,
    ) -> Result<u32, InstallError> {
        self.reserve_spi(src, dst, protocol)
    }

    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError> {
        self.install_sa(sa)
    }

    fn update_sa(&mut self, id: &SaId, update: &SaUpdate) -> Result<(), InstallError> {
        self.move_sa(id, update)
    }

    fn query_sa(&mut self, id: &SaId) -> Result<SaStats, InstallError> {
        self.sa_stats(id)
    }

    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError> {
        self.remove_sa(id)
    }

    fn add_policy(&mut self, p: &PolicySpec) -> Result<(), InstallError> {
        if p.src_ts.from.is_ipv4() != p.dst_ts.from.is_ipv4() {
            return Err(InstallError::Invalid(format!(
                "policy {} === {} mixes address families",
                p.src_ts, p.dst_ts
            )));
        }
        let ifindex = self.policy_ifindex(p)?;
        let key = Self::policy_key(p, ifindex);
        let priority = Self::priority(p, ifindex);
        let change = self.spd.add(key.clone(), p.clone(), priority);
        tracing::debug!(
            target: "knl",
            "adding policy {} === {} {:?} [priority {priority}]: {}",
            p.src_ts,
            p.dst_ts,
            p.direction,
            match change {
                Change::Keep => "kept behind a better one",
                _ => "enforced",
            }
        );
        let result = self.apply(change, ifindex);
        if result.is_err() {
            self.spd.remove(&key, p);
        }
        result
    }

    fn del_policy(&mut self, p: &PolicySpec) -> Result<(), InstallError> {
        let ifindex = self.policy_ifindex(p)?;
        let key = Self::policy_key(p, ifindex);
        let change = self.spd.remove(&key, p).ok_or(InstallError::NotFound)?;
        tracing::debug!(
            target: "knl",
            "deleting policy {} === {} {:?}",
            p.src_ts,
            p.dst_ts,
            p.direction
        );
        let result = self.apply(change, ifindex);
        if result.is_err() {
            self.spd
                .undo_remove(key, p.clone(), Self::priority(p, ifindex));
        }
        result
    }

    fn flush(&mut self) -> Result<(), InstallError> {
        let mut first = Ok(());
        for p in self.spd.drain() {
            let removed = self
                .policy_ifindex(&p)
                .and_then(|ifindex| self.apply(Change::Delete(p), ifindex));
            first = first.and(removed);
        }
        let ids: Vec<SaId> = self.sad.keys().chain(&self.reserved).copied().collect();
        for id in ids {
            match self.remove_sa(&id) {
                Ok(()) | Err(InstallError::NotFound) => {}
                Err(e) => first = first.and(Err(e)),
            }
        }
        first
    }

    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>> {
        if self.subscribed {
            return None;
        }
        self.subscribed = true;
        events::subscribe()
            .inspect_err(|e| tracing::error!(target: "knl", "no XFRM events: {e}"))
            .ok()
    }
}
