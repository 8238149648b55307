//! Resolving, intersecting and narrowing; the helpers of both files.

use core::net::{IpAddr, Ipv6Addr};

use super::*;
use crate::wire::iana::TsType;

mod display;

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;
const ICMPV6: u8 = 58;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// `dynamic`, `a-b` or `addr/prefix`, any protocol and port.
fn spec(s: &str) -> TsSpec {
    if s == "dynamic" {
        return TsSpec::dynamic();
    }
    if let Some((from, to)) = s.split_once('-') {
        return TsSpec::range(ip(from), ip(to));
    }
    let (addr, prefix) = s.split_once('/').unwrap();
    TsSpec::subnet(ip(addr), prefix.parse().unwrap())
}

fn ts(s: &str) -> TrafficSelector {
    spec(s).selector().unwrap()
}

fn ts_with(s: &str, protocol: u8, from_port: u16, to_port: u16) -> TrafficSelector {
    spec(s)
        .with_protocol(protocol, from_port, to_port)
        .selector()
        .unwrap()
}

/// An IPv4 selector exactly as given, as it could arrive from the peer.
fn raw_v4(start: &str, end: &str, ip_protocol: u8, ports: (u16, u16)) -> TrafficSelector {
    TrafficSelector::Ipv4(IpRange {
        ip_protocol,
        start_port: ports.0,
        end_port: ports.1,
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
    })
}

fn texts(list: &[TrafficSelector]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

// ---- resolving the configuration ----------------------------------------

#[test]
fn dynamic_resolves_to_the_ipv4_host_as_one_address() {
    let resolved = resolve(&[TsSpec::dynamic()], &[ip("192.168.0.5")]);
    assert_eq!(
        resolved,
        [raw_v4("192.168.0.5", "192.168.0.5", 0, (0, 65535))]
    );
}

#[test]
fn dynamic_takes_the_family_of_an_ipv6_host() {
    let resolved = resolve(&[TsSpec::dynamic()], &[ip("fec1::5")]);
    let host: Ipv6Addr = "fec1::5".parse().unwrap();
    assert_eq!(resolved, [TrafficSelector::Ipv6(IpRange::any(host, host))]);
}

#[test]
fn dynamic_keeps_its_protocol_and_ports() {
    let tcp80 = TsSpec::dynamic().with_protocol(TCP, 80, 80);
    let resolved = resolve(&[tcp80], &[ip("192.168.0.5")]);
    assert_eq!(
        resolved,
        [raw_v4("192.168.0.5", "192.168.0.5", TCP, (80, 80))]
    );
}

#[test]
fn dynamic_stands_for_each_host_in_turn() {
    let hosts = [ip("10.3.0.1"), ip("fec3::1")];
    let resolved = resolve(&[TsSpec::dynamic()], &hosts);
    assert_eq!(texts(&resolved), ["10.3.0.1/32", "fec3::1/128"]);
}

#[test]
fn an_unspecified_host_resolves_to_its_whole_family() {
    let hosts = [ip("0.0.0.0"), ip("::")];
    let resolved = resolve(&[TsSpec::dynamic()], &hosts);
    assert_eq!(resolved, [ts("0.0.0.0/0"), ts("::/0")]);
    assert_eq!(texts(&resolved), ["0.0.0.0/0", "::/0"]);
}

#[test]
fn dynamic_without_hosts_is_left_out() {
    let resolved = resolve(&[TsSpec::dynamic(), spec("10.1.0.0/16")], &[]);
    assert_eq!(resolved, [ts("10.1.0.0/16")]);
}

#[test]
fn configured_ranges_of_both_families_are_kept_in_order() {
    let specs = [spec("fec1::/64"), TsSpec::dynamic(), spec("10.1.0.0/16")];
    let resolved = resolve(&specs, &[ip("192.168.0.5")]);
    assert_eq!(
        texts(&resolved),
        ["fec1::/64", "192.168.0.5/32", "10.1.0.0/16"]
    );
}

#[test]
fn a_range_with_ends_of_two_families_selects_nothing() {
    let mixed = TsSpec::range(ip("10.0.0.1"), ip("fec1::1"));
    assert_eq!(mixed.selector(), None);
    assert!(resolve(&[mixed], &[ip("10.0.0.1")]).is_empty());
}

#[test]
fn subnet_clears_host_bits_and_clamps_the_prefix() {
    assert_eq!(
        TsSpec::subnet(ip("10.1.2.3"), 16),
        TsSpec::range(ip("10.1.0.0"), ip("10.1.255.255"))
    );
    assert_eq!(
        TsSpec::subnet(ip("10.1.2.3"), 40),
        TsSpec::range(ip("10.1.2.3"), ip("10.1.2.3"))
    );
    assert_eq!(
        TsSpec::subnet(ip("10.1.2.3"), 0),
        TsSpec::range(ip("0.0.0.0"), ip("255.255.255.255"))
    );
    assert_eq!(
        TsSpec::subnet(ip("fec1::1:2"), 64),
        TsSpec::range(ip("fec1::"), ip("fec1::ffff:ffff:ffff:ffff"))
    );
    assert_eq!(
        TsSpec::subnet(ip("fec1::1"), 0),
        TsSpec::range(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
    );
}

#[test]
fn propose_leaves_out_selectors_that_others_contain() {
    let specs = [
        spec("10.1.0.0/16"),
        spec("10.0.0.0/8"),
        spec("192.168.0.0/24"),
        spec("10.0.0.0/8"),
        TsSpec::dynamic(),
    ];
    let proposed = propose(&specs, &[ip("10.9.9.9")]);
    assert_eq!(proposed, [ts("10.0.0.0/8"), ts("192.168.0.0/24")]);
}

#[test]
fn propose_transport_narrows_ranges_to_the_hosts_they_include() {
    let specs = [
        spec("10.1.0.0/16").with_protocol(TCP, 0, 65535),
        spec("192.168.0.0/24"),
    ];
    let proposed = propose_transport(&specs, &[ip("10.1.0.5")]);
    assert_eq!(proposed, [raw_v4("10.1.0.5", "10.1.0.5", TCP, (0, 65535))]);
    let unspecified = propose_transport(&specs, &[ip("0.0.0.0")]);
    assert_eq!(texts(&unspecified), ["10.1.0.0/16[tcp]", "192.168.0.0/24"]);
    let no_hosts = propose_transport(&specs, &[]);
    assert_eq!(texts(&no_hosts), ["10.1.0.0/16[tcp]", "192.168.0.0/24"]);
}

// ---- intersecting two selectors -----------------------------------------

#[test]
fn a_16_and_a_24_inside_it_intersect_to_the_24_either_way() {
    let (wide, narrow) = (ts("10.1.0.0/16"), ts("10.1.5.0/24"));
    assert_eq!(intersect(&wide, &narrow), Some(ts("10.1.5.0/24")));
    assert_eq!(intersect(&narrow, &wide), Some(ts("10.1.5.0/24")));
    let (wide, host) = (ts("fec1::/64"), ts("fec1::1/128"));
    assert_eq!(intersect(&wide, &host), Some(ts("fec1::1/128")));
    assert_eq!(intersect(&host, &wide), Some(ts("fec1::1/128")));
}

#[test]
fn overlapping_ranges_intersect_to_their_common_part() {
    let a = ts("10.0.0.0-10.0.0.9");
    let b = ts("10.0.0.5-10.0.0.20");
    assert_eq!(intersect(&a, &b), Some(ts("10.0.0.5-10.0.0.9")));
}

#[test]
fn a_specific_protocol_and_ports_win_over_any() {
    let a = ts_with("10.0.0.0/8", TCP, 55, 60);
    let b = ts("10.2.7.16/30");
    assert_eq!(
        intersect(&a, &b),
        Some(raw_v4("10.2.7.16", "10.2.7.19", TCP, (55, 60)))
    );
}

#[test]
fn port_ranges_intersect_to_their_overlap() {
    let a = ts_with("10.0.0.0/8", UDP, 1000, 2000);
    let b = ts_with("10.0.0.0/8", 0, 1500, 3000);
    assert_eq!(
        intersect(&a, &b),
        Some(ts_with("10.0.0.0/8", UDP, 1500, 2000))
    );
}

#[test]
fn selectors_without_common_traffic_do_not_intersect() {
    let cases = [
        (ts("10.1.0.0/16"), ts("10.2.0.0/16")),
        (
            ts_with("10.1.0.0/16", 0, 0, 9999),
            ts_with("10.1.0.0/16", 0, 10000, 65535),
        ),
        (
            ts_with("10.1.0.0/16", TCP, 0, 65535),
            ts_with("10.1.0.0/16", UDP, 0, 65535),
        ),
        (ts("0.0.0.0/0"), ts("::/0")),
    ];
    for (a, b) in cases {
        assert_eq!(intersect(&a, &b), None, "{a} and {b}");
        assert_eq!(intersect(&b, &a), None, "{b} and {a}");
    }
}

#[test]
fn other_selector_types_never_intersect() {
    let label = TrafficSelector::Other {
        ty: TsType::SECLABEL,
        second_octet: 0,
        body: vec![1, 2],
    };
    assert_eq!(intersect(&label, &label), None);
    assert_eq!(intersect(&label, &ts("0.0.0.0/0")), None);
    assert!(!is_subset(&label, &label));
}

#[test]
fn opaque_ports_meet_only_opaque_or_any_ports() {
    let opaque = ts_with("10.0.0.0/8", 0, 65535, 0);
    let http = ts_with("10.2.7.16/30", TCP, 80, 80);
    assert_eq!(intersect(&opaque, &http), None);
    assert_eq!(intersect(&http, &opaque), None);
    let tcp_opaque = ts_with("10.2.7.16/30", TCP, 65535, 0);
    let expected = Some(raw_v4("10.2.7.16", "10.2.7.19", TCP, (65535, 0)));
    assert_eq!(intersect(&opaque, &tcp_opaque), expected);
    let tcp_any = ts_with("10.2.7.16/30", TCP, 0, 65535);
    assert_eq!(intersect(&opaque, &tcp_any), expected);
    assert_eq!(intersect(&tcp_any, &opaque), expected);
}

#[test]
fn icmp_ports_below_256_are_read_as_types() {
    let any_icmp = ts_with("10.0.0.0/8", ICMP, 0, 65535);
    let echo_from_peer = raw_v4("10.1.0.1", "10.1.0.1", ICMP, (8, 8));
    let echo = raw_v4("10.1.0.1", "10.1.0.1", ICMP, (0x0800, 0x0800));
    assert_eq!(intersect(&any_icmp, &echo_from_peer), Some(echo.clone()));
    assert!(is_subset(&echo_from_peer, &echo));
    let low_ports = ts_with("10.0.0.0/8", 0, 0, 5);
    let types_0_to_5 = raw_v4("10.0.0.0", "10.255.255.255", ICMP, (0, 0x0500));
    assert_eq!(intersect(&any_icmp, &low_ports), Some(types_0_to_5));
}

#[test]
fn is_subset_matches_charons_containment() {
    let cases = [
        (true, ts("10.0.0.0/16"), ts("10.0.0.0/16")),
        (true, ts("10.0.1.0/24"), ts("10.0.0.0/16")),
        (
            true,
            ts_with("10.0.1.0/24", UDP, 123, 456),
            ts("10.0.0.0/16"),
        ),
        (
            true,
            ts_with("10.0.1.0/24", UDP, 123, 456),
            ts_with("10.0.0.0/16", UDP, 123, 456),
        ),
        (false, ts("10.0.0.0/8"), ts("10.0.0.0/16")),
        (
            false,
            ts_with("10.0.1.0/24", UDP, 0, 65535),
            ts_with("10.0.0.0/16", UDP, 123, 456),
        ),
        (
            false,
            ts("fec2::/64"),
            ts_with("10.0.0.0/16", UDP, 123, 456),
        ),
        (
            false,
            ts("10.0.0.0/16"),
            ts_with("10.0.0.0/16", TCP, 0, 65535),
        ),
    ];
    for (expected, inner, outer) in cases {
        assert_eq!(is_subset(&inner, &outer), expected, "{inner} in {outer}");
    }
}

// ---- narrowing ----------------------------------------------------------

#[test]
fn narrowing_a_16_to_a_supplied_24_selects_the_24() {
    let selected = narrow(&[ts("10.1.0.0/16")], &[ts("10.1.2.0/24")]);
    assert_eq!(selected, [ts("10.1.2.0/24")]);
}

#[test]
fn narrowing_a_24_to_a_supplied_16_selects_the_24() {
    let selected = narrow(&[ts("10.1.2.0/24")], &[ts("10.1.0.0/16")]);
    assert_eq!(selected, [ts("10.1.2.0/24")]);
}

#[test]
fn narrowing_applies_protocols_and_ports() {
    let configured = [ts_with("10.1.0.0/16", TCP, 0, 65535)];
    let supplied = [ts("10.1.0.0/24"), ts_with("10.1.0.0/16", UDP, 53, 53)];
    let selected = narrow(&configured, &supplied);
    assert_eq!(selected, [ts_with("10.1.0.0/24", TCP, 0, 65535)]);
    let configured = [ts_with("10.1.0.0/16", TCP, 1024, 65535)];
    let selected = narrow(&configured, &[ts_with("10.1.0.0/16", 0, 0, 2048)]);
    assert_eq!(selected, [ts_with("10.1.0.0/16", TCP, 1024, 2048)]);
}

#[test]
fn narrowing_disjoint_selectors_leaves_nothing() {
    let selected = narrow(&[ts("10.1.0.0/16")], &[ts("10.2.0.0/16"), ts("fec1::/64")]);
    assert!(selected.is_empty());
}

#[test]
fn narrowing_skips_selectors_of_the_other_family() {
    let configured = resolve(&[TsSpec::dynamic()], &[ip("192.168.0.5")]);
    let supplied = [ts("::/0"), ts("0.0.0.0/0")];
    assert_eq!(texts(&narrow(&configured, &supplied)), ["192.168.0.5/32"]);
}

#[test]
fn narrowing_walks_configured_then_supplied_selectors() {
    let configured = [ts("192.168.0.0/16"), ts("10.0.0.0/8")];
    let supplied = [ts("10.1.0.0/16"), ts("192.168.1.0/24"), ts("10.2.0.0/16")];
    let selected = narrow(&configured, &supplied);
    assert_eq!(
        texts(&selected),
        ["192.168.1.0/24", "10.1.0.0/16", "10.2.0.0/16"]
    );
}

#[test]
fn narrowing_drops_repeated_and_contained_results() {
    let configured = [ts("10.0.0.0/8"), ts("10.1.0.0/16")];
    let supplied = [ts("10.1.2.0/24"), ts("10.1.0.0/16"), ts("10.1.2.0/24")];
    assert_eq!(narrow(&configured, &supplied), [ts("10.1.0.0/16")]);
}

#[test]
fn narrowing_keeps_results_where_redundant_configured_selectors_put_them() {
    let configured = [ts("10.1.0.0/16"), ts("192.168.0.0/16"), ts("10.0.0.0/8")];
    let supplied = [ts("10.1.0.0/24"), ts("192.168.1.0/24")];
    let from_resolved = narrow(&configured, &supplied);
    assert_eq!(texts(&from_resolved), ["10.1.0.0/24", "192.168.1.0/24"]);
    let from_proposed = narrow(&remove_redundant(configured.to_vec()), &supplied);
    assert_eq!(texts(&from_proposed), ["192.168.1.0/24", "10.1.0.0/24"]);
}

#[test]
fn the_initiator_accepts_the_responders_narrowed_answer() {
    let ours = resolve(&[spec("10.1.0.0/16")], &[ip("192.168.0.1")]);
    let theirs = resolve(&[spec("10.1.2.0/24"), spec("10.9.0.0/16")], &[]);
    let answer = narrow(&theirs, &propose(&[spec("10.1.0.0/16")], &[]));
    assert_eq!(answer, [ts("10.1.2.0/24")]);
    assert_eq!(narrow(&ours, &answer), [ts("10.1.2.0/24")]);
}

#[test]
fn remove_redundant_keeps_the_first_of_equal_selectors_in_place() {
    let list = vec![
        ts("10.1.0.0/16"),
        ts("fec1::/64"),
        ts("10.1.0.0/16"),
        ts("10.1.1.0/24"),
    ];
    assert_eq!(remove_redundant(list), [ts("10.1.0.0/16"), ts("fec1::/64")]);
    let list = vec![ts("10.1.1.0/24"), ts("fec1::/64"), ts("10.0.0.0/8")];
    assert_eq!(remove_redundant(list), [ts("fec1::/64"), ts("10.0.0.0/8")]);
}

#[test]
fn remove_redundant_walks_the_list_as_charon_does() {
    // types 0-5 lie in ports 0-5 (read as types), those in ports 0-6, but
    // types 0-5 do not lie in ports 0-6 (types 0-6): the order decides
    let types = ts_with("10.0.0.0/8", ICMP, 0, 5);
    let ports_5 = ts_with("10.0.0.0/8", 0, 0, 5);
    let ports_6 = ts_with("10.0.0.0/8", 0, 0, 6);
    assert!(is_subset(&types, &ports_5) && is_subset(&ports_5, &ports_6));
    assert!(!is_subset(&types, &ports_6));
    let list = vec![types.clone(), ports_6.clone(), ports_5.clone()];
    assert_eq!(remove_redundant(list), core::slice::from_ref(&ports_6));
    let list = vec![ports_6.clone(), types.clone(), ports_5];
    assert_eq!(remove_redundant(list), [ports_6, types]);
}

#[test]
fn sort_orders_by_family_start_size_protocol_and_ports() {
    let mut list = vec![
        ts("fec1::/64"),
        ts_with("10.0.0.0/8", UDP, 123, 456),
        ts_with("10.0.0.0/8", UDP, 111, 456),
        ts_with("10.0.0.0/8", TCP, 0, 65535),
        ts_with("10.0.0.0/8", UDP, 111, 65535),
        ts("10.0.0.0/16"),
        ts("2.0.0.0/8"),
        ts("10.0.0.0/8"),
    ];
    sort(&mut list);
    assert_eq!(
        texts(&list),
        [
            "2.0.0.0/8",
            "10.0.0.0/8",
            "10.0.0.0/8[tcp]",
            "10.0.0.0/8[udp/111-65535]",
            "10.0.0.0/8[udp/111-456]",
            "10.0.0.0/8[udp/123-456]",
            "10.0.0.0/16",
            "fec1::/64",
        ]
    );
}
