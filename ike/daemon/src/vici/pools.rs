//! Virtual IP pools: `load-pool`, `unload-pool` and `get-pools` as
//! charon's `vici_attribute.c` answers them, the addresses counted as its
//! `mem_pool.c` counts them. The core takes leases from them through
//! [`PoolStore`] (`leases.rs`).

use core::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use swanctl_parser::config::{Pool, PoolAddrs, parse_pool};
use swanctl_parser::vici::Message;

use crate::driver::Driver;
use crate::vici::truthy;

/// charon's `POOL_LIMIT`: leases are counted in 31 host bits at most.
const POOL_LIMIT: u32 = 31;

/// An address handed out from a pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lease {
    pub(crate) address: IpAddr,
    /// The peer's identity, as charon prints it.
    pub(crate) identity: String,
    pub(crate) online: bool,
}

/// A loaded pool with charon's view of its addresses.
#[derive(Clone, Debug)]
pub(crate) struct LoadedPool {
    pub(crate) pool: Pool,
    pub(crate) base: IpAddr,
    pub(crate) size: u32,
    /// 1 if `base` is a network ID that is never handed out.
    pub(crate) first: u32,
    pub(crate) leases: Vec<Lease>,
}

impl LoadedPool {
    pub(crate) fn new(pool: Pool) -> Self {
        let (base, size) = base_and_size(pool.addrs);
        let first = match pool.addrs {
            PoolAddrs::Subnet { base, prefix } => {
                let host_bits = host_bits(base, prefix);
                u32::from(1u32 << host_bits > 2 && network_id_diff(base, host_bits) == 0)
            }
            PoolAddrs::Range { .. } => 0,
        };
        Self {
            pool,
            base,
            size,
            first,
            leases: Vec::new(),
        }
    }

    pub(crate) fn online(&self) -> usize {
        self.leases.iter().filter(|l| l.online).count()
    }
}

/// The pools, in load order.
#[derive(Debug, Default)]
pub(crate) struct Pools {
    pub(crate) list: Vec<LoadedPool>,
}

/// The pools, shared by the VICI commands and the core's IKE_AUTH
/// responders (one thread uses them; the lock only satisfies the core's
/// `Send + Sync` bound).
#[derive(Debug, Default)]
pub(crate) struct PoolStore(Mutex<Pools>);

impl PoolStore {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Pools> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The pools of swanctl.conf, loaded at start as `load-pool` would
    /// (as its connections are).
    pub(crate) fn load(&self, pools: &[Pool]) {
        let mut store = self.lock();
        for pool in pools {
            if let Err(e) = store.merge(LoadedPool::new(pool.clone())) {
                tracing::warn!(target: "cfg", "{e}");
            }
        }
    }
}

impl Pools {
    /// Adds a pool or merges it into the one of the same name (charon's
    /// `merge_pool`): same addresses keep the leases, other addresses
    /// replace it only without online leases.
    fn merge(&mut self, new: LoadedPool) -> Result<(), String> {
        let name = new.pool.name.clone();
        let (base, size) = (new.base, new.size);
        let Some(old) = self.list.iter_mut().find(|p| p.pool.name == name) else {
            tracing::info!(target: "cfg", "added vici pool {name}: {base}, {size} entries");
            self.list.push(new);
            return Ok(());
        };
        if old.base == base && old.size == size {
            tracing::info!(target: "cfg", "updated vici pool {name}: {base}, {size} entries");
            old.pool = new.pool;
            return Ok(());
        }
        let online = old.online();
        if online == 0 {
            tracing::info!(target: "cfg", "replaced vici pool {name}: {base}, {size} entries");
            *old = new;
            return Ok(());
        }
        tracing::info!(target: "cfg", "vici pool {name} has {online} online leases, unable to replace");
        Err(format!(
            "vici pool {name} has online leases, unable to replace"
        ))
    }
}

impl Driver {
    /// Each section of the request is a pool; the first refused one ends
    /// the request, earlier ones stay loaded.
    pub(crate) fn vici_load_pool(&mut self, msg: &Message) -> Result<(), String> {
        for node in super::request_nodes(msg)? {
            let pool = parse_pool(&node).map_err(|e| super::first_errmsg(&e))?;
            self.vici.pools.lock().merge(LoadedPool::new(pool))?;
        }
        Ok(())
    }

    pub(crate) fn vici_unload_pool(&mut self, msg: &Message) -> Result<(), String> {
        let name = msg.get_str("name").ok_or("missing pool name to unload")?;
        let mut store = self.vici.pools.lock();
        let pools = &mut store.list;
        let at = pools
            .iter()
            .position(|p| p.pool.name == name)
            .ok_or_else(|| format!("{name} not found"))?;
        let online = pools[at].online();
        if online > 0 {
            tracing::info!(target: "cfg", "vici pool {name} has {online} online leases, unable to unload");
            return Err(format!("{name} has online leases, unable to unload"));
        }
        pools.remove(at);
        tracing::info!(target: "cfg", "unloaded vici pool {name}");
        Ok(())
    }

    /// `<name> { base size online offline [leases { 0 { address identity
    /// status } ... }] }` for each pool (or the one named `name`).
    pub(crate) fn vici_get_pools(&self, msg: &Message) -> Message {
        let leases = msg.get_str("leases").is_some_and(truthy);
        let filter = msg.get_str("name");
        let mut out = Message::new();
        for p in &self.vici.pools.lock().list {
            if filter.is_some_and(|f| f != p.pool.name) {
                continue;
            }
            out.push_section(p.pool.name.as_str(), pool_message(p, leases));
        }
        out
    }
}

fn pool_message(p: &LoadedPool, with_leases: bool) -> Message {
    let online = p.online();
    let mut b = Message::new();
    b.push_value("base", p.base.to_string());
    b.push_value("size", p.size.to_string());
    b.push_value("online", online.to_string());
    b.push_value("offline", (p.leases.len() - online).to_string());
    if with_leases {
        let mut leases = Message::new();
        for (i, l) in p.leases.iter().enumerate() {
            let status = if l.online { "online" } else { "offline" };
            let lease = Message::new()
                .with_value("address", l.address.to_string())
                .with_value("identity", l.identity.as_str())
                .with_value("status", status);
            leases.push_section(i.to_string(), lease);
        }
        b.push_section("leases", leases);
    }
    b
}

/// charon's boolean setting values (`settings_value_as_bool`).
/// The low 32 bits of an address (charon counts leases in them).
fn last32(ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(a) => a.to_bits(),
        // truncation intended: the last four octets
        IpAddr::V6(a) => (a.to_bits() & u128::from(u32::MAX)) as u32,
    }
}

/// The first address and the number of assignable ones (`mem_pool.c`): a
/// range counts every address; a subnet skips its network ID (or starts
/// at a host base) and its broadcast address, and is capped at 2^31.
fn base_and_size(addrs: PoolAddrs) -> (IpAddr, u32) {
    match addrs {
        PoolAddrs::Range { from, to } => {
            (from, last32(to).wrapping_sub(last32(from)).wrapping_add(1))
        }
        PoolAddrs::Subnet { base, prefix } => {
            let host_bits = host_bits(base, prefix);
            if addr_bits(base).saturating_sub(prefix.into()) > POOL_LIMIT {
                tracing::info!(target: "cfg", "virtual IP pool too large, limiting to {base}/{}",
                    addr_bits(base) - host_bits);
            }
            let mut size = 1u32 << host_bits;
            let diff = network_id_diff(base, host_bits);
            if size > 2 {
                size -= if diff == 0 { 1 } else { diff };
                size -= 1; // the broadcast address
            } else if diff != 0 {
                size -= 1; // only the second address
            }
            (base, size)
        }
    }
}

fn addr_bits(ip: IpAddr) -> u32 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// The host bits of a pool subnet, at most [`POOL_LIMIT`].
fn host_bits(base: IpAddr, prefix: u8) -> u32 {
    addr_bits(base)
        .saturating_sub(prefix.into())
        .min(POOL_LIMIT)
}

/// How far `host` lies above its subnet's network ID (`host_bits` ≤ 31).
fn network_id_diff(host: IpAddr, host_bits: u32) -> u32 {
    if host_bits == 0 {
        return 0;
    }
    let shift = 32 - host_bits;
    (last32(host) << shift) >> shift
}

#[cfg(test)]
#[path = "pools_tests.rs"]
mod tests;
