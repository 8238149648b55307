//! Virtual IPs (RFC 7296 §2.19, §3.15): A asks with `vips = 0.0.0.0`,
//! B assigns from its pools; `dynamic` selectors follow the address.

use core::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};

use super::{Pair, configs, edit_child};
use crate::IkeState;
use crate::pools::AddressPools;
use crate::ts::{TsList, TsSpec};
use crate::wire::Identification;

/// Hands out 10.3.0.1, 10.3.0.2, ... and records what comes back.
#[derive(Debug, Default)]
struct Pools {
    given: Mutex<Vec<(String, IpAddr)>>,
    released: Mutex<Vec<IpAddr>>,
}

impl AddressPools for Pools {
    fn acquire(
        &self,
        pools: &[String],
        peer: &Identification,
        requested: IpAddr,
    ) -> Option<IpAddr> {
        if pools != ["vpn"] || !requested.is_unspecified() {
            return None;
        }
        let mut given = self.given.lock().ok()?;
        let n = u8::try_from(given.len()).ok()? + 1;
        let ip = IpAddr::V4(Ipv4Addr::new(10, 3, 0, n));
        given.push((peer.to_string(), ip));
        Some(ip)
    }

    fn release(&self, _pools: &[String], _peer: &Identification, address: IpAddr) {
        if let Ok(mut released) = self.released.lock() {
            released.push(address);
        }
    }
}

/// A requests a virtual IP (if `asks`); B has pool `vpn` (if `pools`)
/// and gives out 10.2.0.0/16 to whatever A gets.
fn pair(pools: bool) -> (Pair, Arc<Pools>) {
    pair_asking(true, pools)
}

fn pair_asking(asks: bool, pools: bool) -> (Pair, Arc<Pools>) {
    let (a, b) = configs(
        |a| {
            if asks {
                a.vips = vec![IpAddr::V4(Ipv4Addr::UNSPECIFIED)];
            }
            edit_child(a, |c| c.local_ts = vec![TsSpec::dynamic()]);
        },
        |b| {
            if pools {
                b.pools = vec!["vpn".into()];
            }
            edit_child(b, |c| c.remote_ts = vec![TsSpec::dynamic()]);
        },
    );
    let mut pair = Pair::new(a, b);
    let provider = Arc::new(Pools::default());
    pair.b
        .ep
        .set_address_pools(Arc::clone(&provider) as Arc<dyn AddressPools>);
    pair.initiate("gw", Some("net"));
    pair.drive();
    (pair, provider)
}

#[test]
fn the_responders_pool_assigns_the_initiators_virtual_ip_and_selectors_follow() {
    let (mut pair, pools) = pair(true);
    let vip = IpAddr::V4(Ipv4Addr::new(10, 3, 0, 1));
    let (a, b) = (pair.a.sa(), pair.b.sa());
    assert_eq!(a.local_vips, [vip]);
    assert_eq!(b.remote_vips, [vip]);
    assert_eq!(
        pools.given.lock().unwrap().as_slice(),
        [("moon.example".to_owned(), vip)]
    );
    assert_eq!(TsList(&a.children[0].local_ts).to_string(), "10.3.0.1/32");
    assert_eq!(TsList(&b.children[0].remote_ts).to_string(), "10.3.0.1/32");
    // an IKE rekey keeps the address; deleting the SA gives it back
    pair.a.ep.rekey_ike(pair.now, a.handle).unwrap();
    pair.flush();
    pair.drive();
    assert!(pools.released.lock().unwrap().is_empty());
    let (a, b) = (pair.a.sa(), pair.b.sa());
    assert_eq!(
        (a.local_vips.clone(), b.remote_vips.clone()),
        (vec![vip], vec![vip])
    );
    pair.a.ep.delete_ike(pair.now, a.handle);
    pair.flush();
    pair.drive();
    assert_eq!(pools.released.lock().unwrap().as_slice(), [vip]);
}

#[test]
fn without_a_pool_the_initiator_gets_no_virtual_ip_and_no_child_sa() {
    let (pair, pools) = pair(false);
    let a = pair.a.sa();
    assert_eq!(a.state, IkeState::Established);
    assert!(a.local_vips.is_empty());
    assert!(a.children.is_empty(), "INTERNAL_ADDRESS_FAILURE");
    assert!(pools.given.lock().unwrap().is_empty());
}

#[test]
fn a_responder_with_pools_builds_no_child_sa_for_a_peer_that_asks_for_none() {
    let (pair, pools) = pair_asking(false, true);
    let (a, b) = (pair.a.sa(), pair.b.sa());
    assert_eq!(a.state, IkeState::Established);
    assert!(
        a.children.is_empty() && b.children.is_empty(),
        "FAILED_CP_REQUIRED"
    );
    assert!(b.remote_vips.is_empty());
    assert!(pools.given.lock().unwrap().is_empty());
}
