//! Routes that steer protected traffic into the TUN device, as charon's
//! kernel-libipsec does: one route per outbound policy, to the peer's
//! selector as a subnet, in table 220 (charon's `routing_table`), with one
//! of our addresses inside our selector as preferred source. A rule at
//! priority 220 consults that table for all traffic; rules just before it
//! keep our IKE and ESP packets (UDP from the IKE ports, IP protocol 50) in
//! the main table, so selectors that cover the peer itself (transport
//! mode, host-to-host tunnels) do not swallow them.

use core::net::IpAddr;
use std::collections::BTreeMap;

use super::rtnl::{EEXIST, Error, Route, Rtnl, Rule};
use crate::Selector;

/// charon's `routing_table` and `routing_table_prio`.
pub const TABLE: u32 = 220;
/// Where our bypass rules go: right before [`TABLE`]'s rule.
const BYPASS_PRIORITY: u32 = TABLE - 1;
/// The main table (linux/rtnetlink.h `RT_TABLE_MAIN`).
const MAIN: u32 = 254;
const UDP: u8 = 17;
const ESP: u8 = 50;

/// A route and how many policies want it.
#[derive(Clone, Copy, Debug)]
struct Use {
    count: usize,
    /// Whether we added it (an existing equal route stays when we go).
    owned: bool,
}

/// The routes and rules of one TUN device.
pub(crate) struct Routing {
    rtnl: Rtnl,
    oif: u32,
    /// The device's name, for the log.
    dev: String,
    rules: Vec<Rule>,
    routes: BTreeMap<Route, Use>,
    /// Virtual IPs we added to the TUN device.
    vips: Vec<IpAddr>,
}

impl Routing {
    /// Adds the rules for both families; `bypass_ports` are the UDP ports
    /// of our IKE sockets.
    pub(crate) fn new(rtnl: Rtnl, (oif, dev): (u32, &str), bypass_ports: &[u16]) -> Self {
        let mut routing = Self {
            rtnl,
            oif,
            dev: dev.to_owned(),
            rules: Vec::new(),
            routes: BTreeMap::new(),
            vips: Vec::new(),
        };
        for v6 in [false, true] {
            let bypass = |protocol, sport| Rule {
                v6,
                priority: BYPASS_PRIORITY,
                table: MAIN,
                protocol: Some(protocol),
                sport,
            };
            let mut rules: Vec<Rule> = bypass_ports.iter().map(|p| bypass(UDP, Some(*p))).collect();
            rules.push(bypass(ESP, None));
            rules.push(Rule {
                v6,
                priority: TABLE,
                table: TABLE,
                protocol: None,
                sport: None,
            });
            for rule in rules {
                routing.add_rule(rule);
            }
        }
        routing
    }

    fn add_rule(&mut self, rule: Rule) {
        match self.rtnl.add_rule(&rule) {
            Ok(()) => self.rules.push(rule),
            Err(super::rtnl::Error::Errno(EEXIST)) => {}
            // IPv6 may be off in this namespace; IPv4 rules matter
            Err(e) if rule.v6 => tracing::debug!(target: "knl", "no IPv6 rule {rule:?}: {e}"),
            Err(e) => tracing::warn!(target: "knl", "unable to add routing rule {rule:?}: {e}"),
        }
    }

    /// Routes `dst` (the peer's selector of an outbound policy) into the
    /// TUN device, with a source address of ours inside `src`.
    pub(crate) fn add(&mut self, src: &Selector, dst: &Selector) {
        let Some(route) = self.route_for(src, dst) else {
            return;
        };
        if let Some(used) = self.routes.get_mut(&route) {
            used.count += 1;
            return;
        }
        let owned = match self.rtnl.add_route(&route) {
            Ok(()) => true,
            Err(super::rtnl::Error::Errno(EEXIST)) => false,
            Err(e) => {
                tracing::warn!(target: "knl", "unable to install route for {dst}: {e}");
                return;
            }
        };
        tracing::info!(target: "knl", "installing route: {}/{} src {} dev {}",
            route.dst, route.prefix, route.src.map_or("%any".into(), |s| s.to_string()), self.dev);
        self.routes.insert(route, Use { count: 1, owned });
    }

    /// Undoes one [`add`](Self::add).
    pub(crate) fn del(&mut self, src: &Selector, dst: &Selector) {
        let found = self
            .routes
            .iter()
            .find(|(r, _)| {
                (r.dst, r.prefix) == subnet(dst) && r.src.is_none_or(|ip| contains(src, ip))
            })
            .map(|(r, u)| (*r, *u));
        let Some((route, used)) = found else {
            return;
        };
        if used.count > 1 {
            self.routes.insert(
                route,
                Use {
                    count: used.count - 1,
                    ..used
                },
            );
            return;
        }
        self.routes.remove(&route);
        if used.owned
            && let Err(e) = self.rtnl.del_route(&route)
        {
            tracing::warn!(target: "knl", "unable to remove route to {}/{}: {e}", route.dst, route.prefix);
        }
    }

    /// Adds a virtual IP to the TUN device, so routes added later take it
    /// as their source (charon's `add_ip`); one already there stays.
    pub(crate) fn add_vip(&mut self, ip: IpAddr) -> Result<(), Error> {
        match self.rtnl.add_address(ip, self.oif) {
            Ok(()) => {
                tracing::info!(target: "knl", "installing virtual IP {ip} on TUN device #{}", self.oif);
                self.vips.push(ip);
                Ok(())
            }
            Err(Error::Errno(EEXIST)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Removes a virtual IP we added.
    pub(crate) fn del_vip(&mut self, ip: IpAddr) -> Result<(), Error> {
        let Some(at) = self.vips.iter().position(|v| *v == ip) else {
            return Ok(());
        };
        self.vips.remove(at);
        tracing::info!(target: "knl", "removing virtual IP {ip}");
        self.rtnl.del_address(ip, self.oif)
    }

    /// Removes every route we added.
    pub(crate) fn clear_routes(&mut self) {
        for (route, used) in core::mem::take(&mut self.routes) {
            if used.owned {
                let _ = self.rtnl.del_route(&route);
            }
        }
    }

    fn route_for(&mut self, src: &Selector, dst: &Selector) -> Option<Route> {
        let (net, prefix) = subnet(dst);
        let local = match self.rtnl.addresses() {
            Ok(addrs) => addrs.into_iter().find(|ip| contains(src, *ip)),
            Err(e) => {
                tracing::warn!(target: "knl", "unable to list addresses: {e}");
                None
            }
        };
        // without an address of ours inside it, charon routes without a
        // source, except for multi- and broadcast selectors
        if local.is_none() && special(src) {
            return None;
        }
        Some(Route {
            dst: net,
            prefix,
            src: local,
            oif: self.oif,
            table: TABLE,
        })
    }
}

impl Drop for Routing {
    fn drop(&mut self) {
        self.clear_routes();
        for ip in core::mem::take(&mut self.vips) {
            let _ = self.rtnl.del_address(ip, self.oif);
        }
        for rule in core::mem::take(&mut self.rules) {
            let _ = self.rtnl.del_rule(&rule);
        }
    }
}

/// Whether `ip` lies in the selector's address range.
fn contains(s: &Selector, ip: IpAddr) -> bool {
    s.from.is_ipv4() == ip.is_ipv4() && s.from <= ip && ip <= s.to
}

/// Multicast or broadcast only.
fn special(s: &Selector) -> bool {
    match (s.from, s.to) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            (a.is_multicast() && b.is_multicast()) || a.is_broadcast()
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => a.is_multicast() && b.is_multicast(),
        _ => false,
    }
}

/// The smallest subnet holding a selector's range (charon's `to_subnet`).
pub(crate) fn subnet(s: &Selector) -> (IpAddr, u8) {
    match (s.from, s.to) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let bits = (a.to_bits() ^ b.to_bits()).leading_zeros();
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            (IpAddr::V4((a.to_bits() & mask).into()), bits as u8)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let bits = (a.to_bits() ^ b.to_bits()).leading_zeros();
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            (IpAddr::V6((a.to_bits() & mask).into()), bits as u8)
        }
        (a, _) => (a, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(from: &str, to: &str) -> Selector {
        Selector {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            protocol: 0,
            from_port: 0,
            to_port: u16::MAX,
        }
    }

    #[test]
    fn a_range_becomes_the_smallest_subnet_holding_it() {
        let net = |from, to| subnet(&sel(from, to));
        assert_eq!(
            net("10.2.0.0", "10.2.0.255"),
            ("10.2.0.0".parse().unwrap(), 24)
        );
        assert_eq!(
            net("10.2.0.7", "10.2.0.7"),
            ("10.2.0.7".parse().unwrap(), 32)
        );
        assert_eq!(
            net("10.2.0.1", "10.2.1.0"),
            ("10.2.0.0".parse().unwrap(), 23)
        );
        assert_eq!(
            net("0.0.0.0", "255.255.255.255"),
            ("0.0.0.0".parse().unwrap(), 0)
        );
        assert_eq!(
            net("fd00::", "fd00::ffff"),
            ("fd00::".parse().unwrap(), 112)
        );
        assert_eq!(
            net("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ("::".parse().unwrap(), 0)
        );
    }

    #[test]
    fn only_multicast_or_broadcast_selectors_are_special() {
        assert!(special(&sel("224.0.0.0", "239.255.255.255")));
        assert!(special(&sel("255.255.255.255", "255.255.255.255")));
        assert!(special(&sel("ff02::1", "ff02::2")));
        assert!(!special(&sel("10.0.0.0", "239.255.255.255")));
        assert!(!special(&sel("10.1.0.0", "10.1.0.255")));
    }
}
