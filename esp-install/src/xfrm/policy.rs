//! Policies as XFRM policies (linux/xfrm.h `xfrm_userpolicy_info`,
//! `xfrm_user_tmpl`), selectors and priorities as charon computes them
//! (kernel_netlink_ipsec.c `ts2selector`, `get_priority`).

use core::net::IpAddr;

use netlink_packet_xfrm::policy::{DelGetMessage, ModifyMessage};
use netlink_packet_xfrm::{
    Address, Id, LifetimeConfig, Selector as XSelector, UserOffloadDev, UserPolicyId,
    UserPolicyInfo, UserTemplate, XFRM_INF, XFRM_POLICY_ALLOW, XFRM_POLICY_BLOCK, XFRM_POLICY_FWD,
    XFRM_POLICY_IN, XFRM_POLICY_OUT, XFRM_SHARE_ANY, XfrmAttrs,
};

use super::state::{XFRM_OFFLOAD_PACKET, family, mark, mode};
use crate::{PolicyAction, PolicyClass, PolicyDirection, PolicySpec, SaTemplate, Selector};

/// charon's `PRIO_BASE`: each class is this far from the next.
const PRIO_BASE: u32 = 200_000;
/// IP protocols whose "ports" are ICMP type and code (RFC 4301 §4.4.1.3).
const ICMP: u8 = 1;
const ICMPV6: u8 = 58;

/// The `XFRM_POLICY_*` direction.
pub(crate) const fn direction(dir: PolicyDirection) -> u8 {
    match dir {
        PolicyDirection::In => XFRM_POLICY_IN,
        PolicyDirection::Out => XFRM_POLICY_OUT,
        PolicyDirection::Fwd => XFRM_POLICY_FWD,
    }
}

/// The XFRM selector of traffic from `src` to `dst` on interface
/// `ifindex` (0: any). Address ranges widen to the smallest covering
/// prefix and port ranges to the widest covering port/mask, as charon's.
pub(crate) fn selector(src: &Selector, dst: &Selector, ifindex: u32) -> XSelector {
    let (saddr, prefixlen_s) = subnet(src.from, src.to);
    let (daddr, prefixlen_d) = subnet(dst.from, dst.to);
    let (mut sport, mut sport_mask) = ports(src.from_port, src.to_port);
    let (mut dport, mut dport_mask) = ports(dst.from_port, dst.to_port);
    // of "any" (0) and one protocol, the narrower
    let proto = src.protocol.max(dst.protocol);
    if matches!(proto, ICMP | ICMPV6) && (sport != 0 || dport != 0) {
        // the kernel wants ICMP type in sport, code in dport
        let port = sport.max(dport);
        sport = port >> 8;
        dport = port & 0xff;
        sport_mask = if sport == 0 { 0 } else { u16::MAX };
        dport_mask = if dport == 0 { 0 } else { u16::MAX };
    }
    XSelector {
        daddr,
        saddr,
        dport,
        dport_mask,
        sport,
        sport_mask,
        family: family(src.from),
        prefixlen_d,
        prefixlen_s,
        proto,
        ifindex: i32::try_from(ifindex).unwrap_or(0),
        user: 0,
    }
}

/// The longest prefix shared by both ends of a range, and its network.
fn subnet(from: IpAddr, to: IpAddr) -> (Address, u8) {
    let (a, b, width): (u128, u128, u32) = match (from, to) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a).into(), u32::from(b).into(), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.into(), b.into(), 128),
        // mixed families cannot be a range: only the first address
        (IpAddr::V4(a), IpAddr::V6(_)) => (u32::from(a).into(), u32::from(a).into(), 32),
        (IpAddr::V6(a), IpAddr::V4(_)) => (a.into(), a.into(), 128),
    };
    let shift = 128 - width;
    let common = ((a << shift) ^ (b << shift)).leading_zeros().min(width);
    let keep = if common == 0 {
        0
    } else {
        u128::MAX << (128 - common)
    };
    let net = ((a << shift) & keep) >> shift;
    let addr = match from {
        IpAddr::V4(_) => IpAddr::V4(u32::try_from(net).unwrap_or(0).into()),
        IpAddr::V6(_) => IpAddr::V6(net.into()),
    };
    (Address::from_ip(&addr), u8::try_from(common).unwrap_or(0))
}

/// Port and mask covering `from..=to`: one port exactly, else the bits
/// both ends share.
fn ports(from: u16, to: u16) -> (u16, u16) {
    if from == to {
        return (from, u16::MAX);
    }
    let shared = (from ^ to).leading_zeros();
    let mask = if shared == 0 {
        0
    } else {
        u16::MAX << (16 - shared)
    };
    (from & mask, mask)
}

/// charon's automatic priority: smaller for more specific selectors, by
/// class (pass < installed < trap < fallback). Bits, from most to least
/// significant: prefix lengths, protocol, port masks, interface, trap.
pub(crate) fn priority(sel: &XSelector, class: PolicyClass, interface: bool) -> u32 {
    let base = match class {
        PolicyClass::Pass => PRIO_BASE,
        PolicyClass::Default | PolicyClass::Routed => 2 * PRIO_BASE,
        PolicyClass::Fallback => 3 * PRIO_BASE,
    };
    let mask_bits = |mask: u16| mask.leading_ones();
    let prefixes = u32::from(sel.prefixlen_s) + u32::from(sel.prefixlen_d);
    base - prefixes * 512
        - if sel.proto == 0 { 0 } else { 256 }
        - (mask_bits(sel.sport_mask) + mask_bits(sel.dport_mask)) * 4
        - if interface { 2 } else { 0 }
        - u32::from(class != PolicyClass::Routed)
}

/// `XFRM_MSG_NEWPOLICY` (or `UPDPOLICY`): the selector on `ifindex`,
/// packet offload on `offload` if given (inbound and outbound only).
pub(crate) fn new_policy(p: &PolicySpec, ifindex: u32, offload: Option<u32>) -> ModifyMessage {
    let sel = selector(&p.src_ts, &p.dst_ts, ifindex);
    let priority = p
        .priority
        .unwrap_or_else(|| priority(&sel, p.class, p.interface.is_some()));
    let action = match p.action {
        PolicyAction::Drop => XFRM_POLICY_BLOCK,
        PolicyAction::Pass | PolicyAction::Protect(_) => XFRM_POLICY_ALLOW,
    };
    let info = UserPolicyInfo {
        selector: sel,
        // policies do not expire
        lifetime_cfg: LifetimeConfig {
            soft_byte_limit: XFRM_INF,
            hard_byte_limit: XFRM_INF,
            soft_packet_limit: XFRM_INF,
            hard_packet_limit: XFRM_INF,
            soft_add_expires_seconds: 0,
            hard_add_expires_seconds: 0,
            soft_use_expires_seconds: 0,
            hard_use_expires_seconds: 0,
        },
        priority,
        direction: direction(p.direction),
        action,
        share: XFRM_SHARE_ANY,
        ..UserPolicyInfo::default()
    };
    let mut nlas = Vec::new();
    if let PolicyAction::Protect(t) = p.action {
        nlas.push(XfrmAttrs::Template(vec![template(&t, p.direction)]));
    }
    nlas.extend(ids(p));
    if let Some(ifindex) = offload.filter(|_| p.direction != PolicyDirection::Fwd) {
        nlas.push(XfrmAttrs::OffloadDevice(UserOffloadDev {
            ifindex: i32::try_from(ifindex).unwrap_or(i32::MAX),
            flags: XFRM_OFFLOAD_PACKET,
        }));
    }
    ModifyMessage {
        user_policy_info: info,
        nlas,
    }
}

/// `XFRM_MSG_DELPOLICY`/`GETPOLICY` for the policy's selector.
pub(crate) fn policy_id(p: &PolicySpec, ifindex: u32) -> DelGetMessage {
    DelGetMessage {
        user_policy_id: UserPolicyId {
            selector: selector(&p.src_ts, &p.dst_ts, ifindex),
            index: 0,
            direction: direction(p.direction),
        },
        nlas: ids(p),
    }
}

/// Mark and if_id, which also identify a policy.
fn ids(p: &PolicySpec) -> Vec<XfrmAttrs> {
    let mut nlas = mark(p.mark);
    if p.if_id != 0 {
        nlas.push(XfrmAttrs::IfId(p.if_id));
    }
    nlas
}

/// Any algorithm, the SPI only outbound (inbound, any SA of the reqid
/// may match), the outer addresses only in tunnel mode.
fn template(t: &SaTemplate, dir: PolicyDirection) -> UserTemplate {
    let tunnel = t.mode == crate::Mode::Tunnel;
    let addr = |a: IpAddr| {
        if tunnel {
            Address::from_ip(&a)
        } else {
            Address::default()
        }
    };
    UserTemplate {
        id: Id {
            daddr: addr(t.dst),
            spi: t.spi.filter(|_| dir == PolicyDirection::Out).unwrap_or(0),
            proto: t.protocol.number(),
        },
        family: family(t.src),
        saddr: addr(t.src),
        reqid: t.reqid,
        mode: mode(t.mode),
        share: XFRM_SHARE_ANY,
        optional: 0,
        aalgos: u32::MAX,
        ealgos: u32::MAX,
        calgos: u32::MAX,
    }
}
