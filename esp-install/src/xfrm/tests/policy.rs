//! Policies: selectors, priorities, templates.

use core::net::{IpAddr, Ipv4Addr};

use netlink_packet_xfrm::{XfrmAttrs, XfrmMessage};

use super::{assert_same, fixture, host, v6};
use crate::testing::v4;
use crate::xfrm::policy;
use crate::{
    Mark, Mode, PolicyAction, PolicyClass, PolicyDirection, PolicySpec, SaTemplate, Selector,
};

fn net(from: [u8; 4], to: [u8; 4]) -> Selector {
    Selector {
        from: IpAddr::V4(from.into()),
        to: IpAddr::V4(to.into()),
        ..host(v4(0))
    }
}

/// The action of [`PolicySpec::esp`].
fn template(reqid: u32, mode: Mode, src: IpAddr, dst: IpAddr) -> PolicyAction {
    let any = host(v4(0));
    let (dir, class) = (PolicyDirection::Out, PolicyClass::Default);
    PolicySpec::esp(dir, (any, any), (reqid, mode), (src, dst), class).action
}

fn out_tunnel() -> PolicySpec {
    let PolicyAction::Protect(t) = template(7, Mode::Tunnel, v4(1), v4(2)) else {
        unreachable!()
    };
    PolicySpec {
        direction: PolicyDirection::Out,
        src_ts: net([10, 1, 0, 0], [10, 1, 255, 255]),
        dst_ts: net([10, 2, 0, 0], [10, 2, 255, 255]),
        action: PolicyAction::Protect(SaTemplate {
            spi: Some(0xc200_0002),
            ..t
        }),
        class: PolicyClass::Default,
        priority: None,
        mark: Some(Mark {
            value: 0x10,
            mask: 0xff,
        }),
        if_id: 5,
        interface: None,
    }
}

#[test]
fn an_outbound_tunnel_policy_gets_charons_priority_and_pins_the_spi() {
    let p = out_tunnel();
    let sel = policy::selector(&p.src_ts, &p.dst_ts, 0);
    assert_eq!(policy::priority(&sel, p.class, false), 383_615);
    let msg = XfrmMessage::AddPolicy(policy::new_policy(&p, 0, None));
    assert_same(msg, &fixture!("newpolicy-out-tunnel"), false);
}

#[test]
fn a_policy_is_deleted_by_selector_direction_mark_and_if_id() {
    let msg = XfrmMessage::DeletePolicy(policy::policy_id(&out_tunnel(), 0));
    assert_same(msg, &fixture!("delpolicy"), false);
}

#[test]
fn an_inbound_transport_policy_on_ports_is_what_ip_sends() {
    let port = |addr, port| Selector {
        protocol: 6,
        from_port: port,
        to_port: port,
        ..host(addr)
    };
    let p = PolicySpec {
        direction: PolicyDirection::In,
        src_ts: port(v4(2), 80),
        dst_ts: port(v4(1), 1024),
        action: template(8, Mode::Transport, v4(2), v4(1)),
        mark: None,
        if_id: 0,
        ..out_tunnel()
    };
    let msg = XfrmMessage::AddPolicy(policy::new_policy(&p, 0, None));
    assert_same(msg, &fixture!("newpolicy-in-transport"), false);
}

#[test]
fn a_fallback_drop_policy_ranks_below_installed_ones() {
    let p = PolicySpec {
        direction: PolicyDirection::Fwd,
        src_ts: net([10, 2, 0, 0], [10, 2, 255, 255]),
        dst_ts: net([10, 1, 0, 0], [10, 1, 255, 255]),
        action: PolicyAction::Drop,
        class: PolicyClass::Fallback,
        mark: None,
        if_id: 0,
        ..out_tunnel()
    };
    let msg = XfrmMessage::AddPolicy(policy::new_policy(&p, 0, None));
    assert_same(msg, &fixture!("newpolicy-fwd-drop"), false);
}

#[test]
fn an_ipv6_tunnel_policy_is_what_ip_sends() {
    let range = |net: u16| Selector {
        from: IpAddr::V6([0x2001, 0xdb8, net, 0, 0, 0, 0, 0].into()),
        to: IpAddr::V6([0x2001, 0xdb8, net, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff].into()),
        ..host(v6(0))
    };
    let p = PolicySpec {
        src_ts: range(1),
        dst_ts: range(2),
        action: template(12, Mode::Tunnel, v6(1), v6(2)),
        mark: None,
        if_id: 0,
        ..out_tunnel()
    };
    let msg = XfrmMessage::AddPolicy(policy::new_policy(&p, 0, None));
    assert_same(msg, &fixture!("newpolicy-v6-out"), false);
}

#[test]
fn ranges_widen_to_the_smallest_covering_prefix_and_port_mask() {
    let src = net([10, 0, 0, 5], [10, 0, 0, 9]);
    let dst = Selector {
        protocol: 17,
        from_port: 1000,
        to_port: 1999,
        ..host(v4(1))
    };
    let sel = policy::selector(&src, &dst, 0);
    assert_eq!(
        (sel.prefixlen_s, sel.saddr.to_ipv4()),
        (28, Ipv4Addr::new(10, 0, 0, 0))
    );
    // 1000 = 0b0000_0011_1110_1000, 1999 = 0b0000_0111_1100_1111
    assert_eq!((sel.dport, sel.dport_mask), (0, 0xf800));
    assert_eq!((sel.sport, sel.sport_mask), (0, 0));
}

#[test]
fn icmp_type_and_code_travel_in_the_port_fields() {
    let echo = Selector {
        protocol: 1,
        from_port: 8 << 8,
        to_port: 8 << 8,
        ..host(v4(1))
    };
    let any = Selector {
        protocol: 1,
        ..host(v4(2))
    };
    let sel = policy::selector(&echo, &any, 0);
    assert_eq!((sel.sport, sel.sport_mask), (8, 0xffff));
    assert_eq!((sel.dport, sel.dport_mask), (0, 0));
}

#[test]
fn trap_policies_rank_behind_installed_ones_and_interfaces_ahead() {
    let p = out_tunnel();
    let sel = policy::selector(&p.src_ts, &p.dst_ts, 0);
    let installed = policy::priority(&sel, PolicyClass::Default, false);
    assert_eq!(
        policy::priority(&sel, PolicyClass::Routed, false),
        installed + 1
    );
    assert_eq!(
        policy::priority(&sel, PolicyClass::Default, true),
        installed - 2
    );
    assert_eq!(
        policy::priority(&sel, PolicyClass::Pass, false),
        installed - 200_000
    );
}

#[test]
fn a_packet_offloaded_reqid_offloads_its_in_and_out_policies_but_not_fwd() {
    let offloaded = |direction| {
        let p = PolicySpec {
            direction,
            ..out_tunnel()
        };
        policy::new_policy(&p, 0, Some(3))
            .nlas
            .iter()
            .any(|a| matches!(a, XfrmAttrs::OffloadDevice(d) if d.ifindex == 3 && d.flags == 4))
    };
    assert!(offloaded(PolicyDirection::Out));
    assert!(offloaded(PolicyDirection::In));
    assert!(!offloaded(PolicyDirection::Fwd));
}
