//! Leases from the pools for the core's IKE_AUTH responders (charon's
//! `mem_pool` `acquire_address`/`release_address`): a peer gets its own
//! offline lease back, else the lowest free address, else another peer's
//! offline lease; a released lease goes offline and stays the peer's.

use core::net::IpAddr;

use ike::pools::AddressPools;
use ike::wire::Identification;

use super::pools::{Lease, LoadedPool, PoolStore};

impl LoadedPool {
    /// The `n`th address handed out (past a network ID base).
    fn address(&self, n: u32) -> Option<IpAddr> {
        let offset = n.checked_add(self.first)?;
        Some(match self.base {
            IpAddr::V4(b) => IpAddr::V4(b.to_bits().checked_add(offset)?.into()),
            IpAddr::V6(b) => IpAddr::V6(b.to_bits().checked_add(offset.into())?.into()),
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let offset = match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                u128::from(a.to_bits()).checked_sub(b.to_bits().into())
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => a.to_bits().checked_sub(b.to_bits()),
            _ => None,
        };
        offset
            .and_then(|o| o.checked_sub(self.first.into()))
            .is_some_and(|n| n < self.size.into())
    }

    fn acquire(&mut self, peer: &str, requested: IpAddr) -> Option<IpAddr> {
        if requested.is_ipv4() != self.base.is_ipv4() {
            return None;
        }
        let specific = !requested.is_unspecified();
        let own = self.leases.iter_mut().find(|l| {
            l.identity == peer && (!l.online || specific) && (!specific || l.address == requested)
        });
        if let Some(lease) = own {
            let how = if lease.online { "online" } else { "offline" };
            tracing::info!(target: "cfg", "reassigning {how} lease to '{peer}'");
            lease.online = true;
            return Some(lease.address);
        }
        let taken = |ip: IpAddr, leases: &[Lease]| leases.iter().any(|l| l.address == ip);
        let free = if specific {
            Some(requested).filter(|ip| self.contains(*ip) && !taken(*ip, &self.leases))
        } else {
            (0..self.size)
                .filter_map(|n| self.address(n))
                .find(|ip| !taken(*ip, &self.leases))
        };
        if let Some(address) = free {
            tracing::info!(target: "cfg", "assigning new lease to '{peer}'");
            self.leases.push(Lease {
                address,
                identity: peer.to_owned(),
                online: true,
            });
            return Some(address);
        }
        let other = self.leases.iter_mut().find(|l| !l.online)?;
        tracing::info!(target: "cfg", "reassigning existing offline lease by '{}' to '{peer}'",
            other.identity);
        other.identity = peer.to_owned();
        other.online = true;
        Some(other.address)
    }
}

impl AddressPools for PoolStore {
    fn acquire(
        &self,
        pools: &[String],
        peer: &Identification,
        requested: IpAddr,
    ) -> Option<IpAddr> {
        let peer = peer.to_string();
        let mut store = self.lock();
        pools.iter().find_map(|name| {
            let pool = store.list.iter_mut().find(|p| p.pool.name == *name)?;
            pool.acquire(&peer, requested)
        })
    }

    fn attributes(&self, pools: &[String], vips: &[IpAddr]) -> Vec<(u16, Vec<u8>)> {
        let store = self.lock();
        let from = |p: &&LoadedPool| vips.iter().any(|ip| p.contains(*ip));
        pools
            .iter()
            .filter_map(|name| store.list.iter().find(|p| p.pool.name == *name))
            .filter(from)
            .flat_map(|p| &p.pool.attributes)
            .map(|a| (a.attr_type, a.value.clone()))
            .collect()
    }

    fn release(&self, pools: &[String], peer: &Identification, address: IpAddr) {
        let peer = peer.to_string();
        let mut store = self.lock();
        let lease = store
            .list
            .iter_mut()
            .filter(|p| pools.contains(&p.pool.name))
            .flat_map(|p| p.leases.iter_mut())
            .find(|l| l.address == address && l.identity == peer && l.online);
        if let Some(lease) = lease {
            tracing::info!(target: "cfg", "lease {address} by '{peer}' went offline");
            lease.online = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swanctl_parser::config::{Pool, PoolAddrs};
    use swanctl_parser::settings::Pos;

    fn store(addrs: PoolAddrs) -> PoolStore {
        let store = PoolStore::default();
        let pool = Pool {
            name: "p".into(),
            pos: Pos::unknown(),
            addrs,
            attributes: Vec::new(),
        };
        store.lock().list.push(LoadedPool::new(pool));
        store
    }

    fn id(name: &str) -> Identification {
        Identification::fqdn(name)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn leases_skip_the_network_id_and_come_back_to_their_peer() {
        let store = store(PoolAddrs::Subnet {
            base: ip("10.3.0.0"),
            prefix: 30,
        });
        let pools = ["p".to_owned()];
        let any = ip("0.0.0.0");
        assert_eq!(store.acquire(&pools, &id("a"), any), Some(ip("10.3.0.1")));
        assert_eq!(store.acquire(&pools, &id("b"), any), Some(ip("10.3.0.2")));
        // full (a /30 has two), and IPv6 is not served from IPv4 pools
        assert_eq!(store.acquire(&pools, &id("c"), any), None);
        assert_eq!(store.acquire(&pools, &id("c"), ip("::")), None);
        store.release(&pools, &id("a"), ip("10.3.0.1"));
        assert_eq!(store.lock().list[0].online(), 1);
        // a's offline lease goes back to a first, then to others
        assert_eq!(store.acquire(&pools, &id("a"), any), Some(ip("10.3.0.1")));
        store.release(&pools, &id("a"), ip("10.3.0.1"));
        assert_eq!(store.acquire(&pools, &id("c"), any), Some(ip("10.3.0.1")));
        assert_eq!(store.lock().list[0].leases[0].identity, "c");
        assert_eq!(store.acquire(&["other".into()], &id("d"), any), None);
        assert!(store.attributes(&pools, &[ip("10.3.0.1")]).is_empty());
    }

    #[test]
    fn the_attributes_of_the_pool_an_address_came_from_go_with_it() {
        let store = store(PoolAddrs::Subnet {
            base: ip("10.3.0.0"),
            prefix: 24,
        });
        store.lock().list[0]
            .pool
            .attributes
            .push(swanctl_parser::config::PoolAttr {
                key: "dns".into(),
                attr_type: 3,
                value: vec![10, 9, 0, 1],
            });
        let pools = ["p".to_owned()];
        assert_eq!(
            store.attributes(&pools, &[ip("10.3.0.1")]),
            [(3, vec![10, 9, 0, 1])]
        );
        assert!(store.attributes(&pools, &[ip("10.4.0.1")]).is_empty());
    }

    #[test]
    fn a_requested_address_is_given_if_it_is_in_the_pool_and_free() {
        let store = store(PoolAddrs::Range {
            from: ip("10.4.0.10"),
            to: ip("10.4.0.20"),
        });
        let pools = ["p".to_owned()];
        let want = ip("10.4.0.15");
        assert_eq!(store.acquire(&pools, &id("a"), want), Some(want));
        assert_eq!(store.acquire(&pools, &id("b"), want), None);
        assert_eq!(store.acquire(&pools, &id("b"), ip("10.4.0.21")), None);
        assert_eq!(store.acquire(&pools, &id("b"), ip("10.4.0.9")), None);
    }
}
