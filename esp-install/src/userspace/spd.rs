//! Outbound policies (the SPD, RFC 4301 §4.4.1) and selector matching,
//! used both for the outbound lookup and for the inbound check that a
//! decrypted packet fits its SA's selectors (RFC 4301 §5.2).

use core::net::IpAddr;

use super::wire::flow::{Flow, Ports};
use crate::{PolicyAction as SpecAction, PolicyClass, PolicySpec, Selector};

/// What a matching policy does with a packet (RFC 4301 §4.4.1: PROTECT,
/// BYPASS, DISCARD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyAction {
    /// Send it through the newest outbound SA of `reqid`.
    Protect {
        /// The SAs to use.
        reqid: u32,
    },
    /// Not for ESP.
    Bypass,
    /// Drop it.
    Discard,
}

/// One outbound SPD entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Source selector (our side).
    pub src: Selector,
    /// Destination selector (the peer's side).
    pub dst: Selector,
    /// What to do.
    pub action: PolicyAction,
    /// Lower values are looked at first.
    pub priority: u32,
}

impl Policy {
    /// A PROTECT policy from an installer policy, with its fixed priority
    /// or [`class_priority`] (the direction is the caller's business: only
    /// outbound policies belong in the SPD here).
    #[must_use]
    pub fn from_spec(spec: &PolicySpec) -> Self {
        Self {
            src: spec.src_ts,
            dst: spec.dst_ts,
            action: match spec.action {
                SpecAction::Protect(template) => PolicyAction::Protect {
                    reqid: template.reqid,
                },
                SpecAction::Pass => PolicyAction::Bypass,
                SpecAction::Drop => PolicyAction::Discard,
            },
            priority: spec
                .priority
                .unwrap_or_else(|| class_priority(spec.class, &spec.src_ts, &spec.dst_ts)),
        }
    }

    /// Whether the policy's selectors take this packet.
    #[must_use]
    pub fn matches(&self, flow: &Flow) -> bool {
        selectors_match(&self.src, &self.dst, flow)
    }
}

/// A priority that puts more specific selectors first, as strongSwan's
/// kernel policies do: fewer addresses, a protocol, a port range each
/// lower the value.
#[must_use]
pub fn default_priority(src: &Selector, dst: &Selector) -> u32 {
    let specificity = |s: &Selector| {
        let mut score = prefix_bits(s) * 4;
        if s.protocol != 0 {
            score += 2;
        }
        if !any_port(s) {
            score += 1;
        }
        score
    };
    100_000 - specificity(src) - specificity(dst)
}

/// [`default_priority`] within strongSwan's priority classes: pass
/// policies before those of CHILD_SAs before fallback drops, and at equal
/// selectors an installed CHILD_SA's policy before a trap's (charon's
/// `get_priority`), so a CHILD_SA with a reqid of its own carries the
/// traffic its trap would otherwise acquire for.
#[must_use]
pub fn class_priority(class: PolicyClass, src: &Selector, dst: &Selector) -> u32 {
    let base = match class {
        PolicyClass::Pass => 0,
        PolicyClass::Default | PolicyClass::Routed => 1_000_000,
        PolicyClass::Fallback => 2_000_000,
    };
    base + 2 * default_priority(src, dst) + u32::from(class == PolicyClass::Routed)
}

/// The prefix length a range of addresses is as wide as (rounded down).
fn prefix_bits(s: &Selector) -> u32 {
    let (from, to, width) = match (s.from, s.to) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.to_bits(), b.to_bits(), 128),
        _ => return 0,
    };
    let span = to.saturating_sub(from);
    let host_bits = if span == 0 {
        0
    } else {
        128 - span.leading_zeros()
    };
    width - host_bits.min(width)
}

fn any_port(s: &Selector) -> bool {
    s.from_port == 0 && s.to_port == u16::MAX
}

/// Whether `flow` goes from `src` to `dst`: both addresses in range, the
/// protocol equal (or the selector's 0), ports in range; ICMP type and code
/// count as `type << 8 | code` on both sides (RFC 7296 §3.13.1); a packet
/// without port information matches only selectors with any port (RFC
/// 4301 §4.4.1.1, OPAQUE).
#[must_use]
pub fn selectors_match(src: &Selector, dst: &Selector, flow: &Flow) -> bool {
    let (src_port, dst_port) = match flow.ports {
        Ports::Ports { src, dst } => (Some(src), Some(dst)),
        Ports::Icmp { ty, code } => {
            let value = u16::from_be_bytes([ty, code]);
            (Some(value), Some(value))
        }
        Ports::Opaque => (None, None),
    };
    selector_matches(src, flow.src, flow.protocol, src_port)
        && selector_matches(dst, flow.dst, flow.protocol, dst_port)
}

fn selector_matches(s: &Selector, addr: IpAddr, protocol: u8, port: Option<u16>) -> bool {
    let same_family = s.from.is_ipv4() == addr.is_ipv4() && s.to.is_ipv4() == addr.is_ipv4();
    same_family
        && s.from <= addr
        && addr <= s.to
        && (s.protocol == 0 || s.protocol == protocol)
        && (any_port(s) || port.is_some_and(|p| s.from_port <= p && p <= s.to_port))
}

/// Outbound policies in priority order; the first match wins.
#[derive(Clone, Debug, Default)]
pub struct Spd {
    policies: Vec<Policy>,
}

impl Spd {
    /// Adds a policy after those of equal or lower priority value.
    pub fn insert(&mut self, policy: Policy) {
        let at = self
            .policies
            .partition_point(|p| p.priority <= policy.priority);
        self.policies.insert(at, policy);
    }

    /// Removes the first policy equal to `policy`; whether there was one.
    pub fn remove(&mut self, policy: &Policy) -> bool {
        let found = self.policies.iter().position(|p| p == policy);
        found.map(|i| self.policies.remove(i)).is_some()
    }

    /// The first policy matching `flow`.
    #[must_use]
    pub fn lookup(&self, flow: &Flow) -> Option<&Policy> {
        self.policies.iter().find(|p| p.matches(flow))
    }

    /// Number of policies.
    #[must_use]
    pub fn len(&self) -> usize {
        self.policies.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Removes all.
    pub fn clear(&mut self) {
        self.policies.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(from: &str, to: &str) -> Selector {
        Selector {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            protocol: 0,
            from_port: 0,
            to_port: u16::MAX,
        }
    }

    fn flow(src: &str, dst: &str, protocol: u8, ports: Ports) -> Flow {
        Flow {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            protocol,
            ports,
        }
    }

    fn protect(src: Selector, dst: Selector, reqid: u32) -> Policy {
        Policy {
            src,
            dst,
            action: PolicyAction::Protect { reqid },
            priority: default_priority(&src, &dst),
        }
    }

    const HTTP: Ports = Ports::Ports {
        src: 40000,
        dst: 80,
    };

    #[test]
    fn addresses_must_lie_in_both_ranges() {
        let (src, dst) = (net("10.1.0.0", "10.1.0.255"), net("10.2.0.0", "10.2.0.255"));
        assert!(selectors_match(
            &src,
            &dst,
            &flow("10.1.0.9", "10.2.0.1", 6, HTTP)
        ));
        assert!(!selectors_match(
            &src,
            &dst,
            &flow("10.1.1.9", "10.2.0.1", 6, HTTP)
        ));
        assert!(!selectors_match(
            &src,
            &dst,
            &flow("10.1.0.9", "10.3.0.1", 6, HTTP)
        ));
        assert!(
            !selectors_match(&src, &dst, &flow("::1", "::2", 6, HTTP)),
            "family"
        );
    }

    #[test]
    fn protocol_and_port_ranges_narrow_the_match() {
        let src = net("0.0.0.0", "255.255.255.255");
        let dst = Selector {
            protocol: 6,
            from_port: 80,
            to_port: 80,
            ..src
        };
        assert!(selectors_match(
            &src,
            &dst,
            &flow("1.1.1.1", "2.2.2.2", 6, HTTP)
        ));
        assert!(!selectors_match(
            &src,
            &dst,
            &flow("1.1.1.1", "2.2.2.2", 17, HTTP)
        ));
        let ssh = Ports::Ports {
            src: 40000,
            dst: 22,
        };
        assert!(!selectors_match(
            &src,
            &dst,
            &flow("1.1.1.1", "2.2.2.2", 6, ssh)
        ));
        assert!(!selectors_match(
            &src,
            &dst,
            &flow("1.1.1.1", "2.2.2.2", 6, Ports::Opaque)
        ));
    }

    #[test]
    fn icmp_type_and_code_match_as_one_16_bit_port() {
        let any = net("0.0.0.0", "255.255.255.255");
        let echo = Selector {
            protocol: 1,
            from_port: 8 << 8,
            to_port: (8 << 8) | 0xff,
            ..any
        };
        let request = Ports::Icmp { ty: 8, code: 0 };
        let reply = Ports::Icmp { ty: 0, code: 0 };
        assert!(selectors_match(
            &echo,
            &any,
            &flow("1.1.1.1", "2.2.2.2", 1, request)
        ));
        assert!(!selectors_match(
            &echo,
            &any,
            &flow("1.1.1.1", "2.2.2.2", 1, reply)
        ));
    }

    #[test]
    fn lookup_takes_the_first_match_in_priority_order() {
        let mut spd = Spd::default();
        let wide = protect(
            net("10.0.0.0", "10.255.255.255"),
            net("0.0.0.0", "255.255.255.255"),
            1,
        );
        let narrow = protect(
            net("10.1.0.0", "10.1.0.255"),
            net("10.2.0.0", "10.2.0.255"),
            2,
        );
        let discard = Policy {
            action: PolicyAction::Discard,
            priority: 0,
            ..protect(
                net("10.1.0.66", "10.1.0.66"),
                net("0.0.0.0", "255.255.255.255"),
                0,
            )
        };
        spd.insert(wide);
        spd.insert(narrow);
        spd.insert(discard);
        let action = |spd: &Spd, src, dst| spd.lookup(&flow(src, dst, 6, HTTP)).map(|p| p.action);
        let protect = |reqid| Some(PolicyAction::Protect { reqid });
        assert_eq!(action(&spd, "10.1.0.1", "10.2.0.1"), protect(2));
        assert_eq!(action(&spd, "10.1.0.1", "10.3.0.1"), protect(1));
        assert_eq!(
            action(&spd, "10.1.0.66", "10.2.0.1"),
            Some(PolicyAction::Discard)
        );
        assert_eq!(action(&spd, "192.168.0.1", "10.2.0.1"), None);
        assert!(spd.remove(&narrow));
        assert!(!spd.remove(&narrow));
        assert_eq!(action(&spd, "10.1.0.1", "10.2.0.1"), protect(1));
    }

    #[test]
    fn equal_priorities_keep_insertion_order() {
        let mut spd = Spd::default();
        let any = net("0.0.0.0", "255.255.255.255");
        let (first, second) = (protect(any, any, 1), protect(any, any, 2));
        spd.insert(first);
        spd.insert(second);
        let hit = spd.lookup(&flow("1.1.1.1", "2.2.2.2", 6, HTTP)).unwrap();
        assert_eq!(hit.action, PolicyAction::Protect { reqid: 1 });
    }

    #[test]
    fn classes_order_pass_then_installed_then_trap_then_fallback() {
        let (a, b) = (net("10.1.0.0", "10.1.0.255"), net("10.2.0.0", "10.2.0.255"));
        let host = net("10.2.0.9", "10.2.0.9");
        let p = |class, dst: &Selector| class_priority(class, &a, dst);
        assert!(p(PolicyClass::Pass, &b) < p(PolicyClass::Default, &b));
        assert!(p(PolicyClass::Default, &b) < p(PolicyClass::Routed, &b));
        assert!(p(PolicyClass::Routed, &b) < p(PolicyClass::Fallback, &b));
        // a narrower trap still beats a wider installed policy
        assert!(p(PolicyClass::Routed, &host) < p(PolicyClass::Default, &b));
    }

    #[test]
    fn default_priority_prefers_narrower_selectors() {
        let any = net("0.0.0.0", "255.255.255.255");
        let host = net("10.0.0.1", "10.0.0.1");
        let subnet = net("10.0.0.0", "10.0.0.255");
        assert!(default_priority(&host, &any) < default_priority(&subnet, &any));
        assert!(default_priority(&subnet, &subnet) < default_priority(&subnet, &any));
        let tcp = Selector {
            protocol: 6,
            ..subnet
        };
        assert!(default_priority(&tcp, &subnet) < default_priority(&subnet, &subnet));
        assert_eq!(prefix_bits(&subnet), 24);
        assert_eq!(prefix_bits(&net("::", "::ffff")), 112);
    }
}
