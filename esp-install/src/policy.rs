//! Policies (SPD entries, RFC 4301 §4.4.1), after strongSwan's
//! `kernel_ipsec_policy_id_t` and `kernel_ipsec_manage_policy_t`.

use core::fmt;
use core::net::IpAddr;

use crate::spec::{Mark, Mode, Protocol};

/// An inclusive address range with protocol and port range (a traffic
/// selector, RFC 7296 §3.13.1); protocol 0 is any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// First address.
    pub from: IpAddr,
    /// Last address.
    pub to: IpAddr,
    /// IP protocol, 0 for any.
    pub protocol: u8,
    /// First port (ICMP: type × 256 + code, RFC 4301 §4.4.1.3).
    pub from_port: u16,
    /// Last port.
    pub to_port: u16,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)?;
        } else {
            write!(f, "{}..{}", self.from, self.to)?;
        }
        if self.protocol != 0 {
            write!(f, "[{}/{}-{}]", self.protocol, self.from_port, self.to_port)?;
        }
        Ok(())
    }
}

/// Which traffic a policy applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyDirection {
    /// Arriving for us.
    In,
    /// Leaving us.
    Out,
    /// Forwarded through us.
    Fwd,
}

/// The SAs a protecting policy uses (an XFRM template).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SaTemplate {
    /// The SAs' request ID.
    pub reqid: u32,
    /// ESP or AH.
    pub protocol: Protocol,
    /// Tunnel or transport.
    pub mode: Mode,
    /// Outer source address (used in tunnel mode).
    pub src: IpAddr,
    /// Outer destination address (used in tunnel mode).
    pub dst: IpAddr,
    /// Pins an outbound policy to one SA (charon sets the outbound SPI),
    /// `None` for any SA with the reqid.
    pub spi: Option<u32>,
}

/// What a policy does with matching traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyAction {
    /// Protect it with these SAs.
    Protect(SaTemplate),
    /// Let it pass unprotected (bypass shunt).
    Pass,
    /// Drop it.
    Drop,
}

/// strongSwan's policy priority classes (`policy_priority_t`): at equal
/// selectors, pass beats installed beats trap beats fallback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PolicyClass {
    /// Policies of an installed CHILD_SA.
    #[default]
    Default,
    /// Trap policies (`start_action = trap`).
    Routed,
    /// Fallback drop policies.
    Fallback,
    /// Bypass (pass) shunts.
    Pass,
}

/// One policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PolicySpec {
    /// Which traffic.
    pub direction: PolicyDirection,
    /// Source selector.
    pub src_ts: Selector,
    /// Destination selector.
    pub dst_ts: Selector,
    /// Protect, pass or drop.
    pub action: PolicyAction,
    /// Priority class, when `priority` is not given.
    pub class: PolicyClass,
    /// A fixed priority (swanctl `priority`), lower is preferred.
    pub priority: Option<u32>,
    /// Only packets with this mark match.
    pub mark: Option<Mark>,
    /// XFRM interface ID, 0 for none.
    pub if_id: u32,
    /// Only packets on this interface match (swanctl `interface`).
    pub interface: Option<String>,
}

impl PolicySpec {
    /// A policy of `class` protecting `src_ts` to `dst_ts` with ESP in
    /// `mode` from `src` to `dst` (request ID `reqid`, any SPI); no fixed
    /// priority, mark, XFRM interface or interface.
    #[must_use]
    pub fn esp(
        direction: PolicyDirection,
        (src_ts, dst_ts): (Selector, Selector),
        (reqid, mode): (u32, Mode),
        (src, dst): (IpAddr, IpAddr),
        class: PolicyClass,
    ) -> Self {
        Self {
            direction,
            src_ts,
            dst_ts,
            action: PolicyAction::Protect(SaTemplate {
                reqid,
                protocol: Protocol::Esp,
                mode,
                src,
                dst,
                spi: None,
            }),
            class,
            priority: None,
            mark: None,
            if_id: 0,
            interface: None,
        }
    }

    /// The request ID of a protecting policy.
    #[must_use]
    pub fn reqid(&self) -> Option<u32> {
        match self.action {
            PolicyAction::Protect(t) => Some(t.reqid),
            PolicyAction::Pass | PolicyAction::Drop => None,
        }
    }
}
