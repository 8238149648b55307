//! Printing, as charon's `%R` and `%#R` do.

use core::net::Ipv4Addr;

use super::*;
use crate::wire::TrafficSelectors;

#[test]
fn addresses_print_as_subnets_or_ranges() {
    let cases = [
        (ts("10.1.0.0/16"), "10.1.0.0/16"),
        (ts("192.168.0.5/32"), "192.168.0.5/32"),
        (ts("0.0.0.0/0"), "0.0.0.0/0"),
        (ts("10.0.0.1-10.0.0.9"), "10.0.0.1..10.0.0.9"),
        (ts("10.0.0.0-10.0.0.15"), "10.0.0.0/28"),
        (ts("fec1::/64"), "fec1::/64"),
        (
            ts("fec1::1-fec1::ffff:ffff:ffff:ffff"),
            "fec1::1..fec1::ffff:ffff:ffff:ffff",
        ),
        (ts("::/0"), "::/0"),
        (ts("::1/128"), "::1/128"),
        (ts("::102:304/128"), "::1.2.3.4/128"),
        (ts("::ffff:10.0.0.1/128"), "::ffff:10.0.0.1/128"),
    ];
    for (ts, text) in cases {
        assert_eq!(ts.to_string(), text);
    }
}

#[test]
fn a_reversed_range_prints_as_charon_computes_its_prefix() {
    assert_eq!(ts("10.0.0.1-10.0.0.0").to_string(), "10.0.0.1/31");
    assert_eq!(ts("10.0.0.9-10.0.0.1").to_string(), "10.0.0.9..10.0.0.1");
}

#[test]
fn protocols_and_ports_print_with_charons_names() {
    let cases = [
        (ts_with("10.1.0.0/16", TCP, 80, 80), "10.1.0.0/16[tcp/http]"),
        (ts_with("10.1.0.0/16", TCP, 22, 22), "10.1.0.0/16[tcp/ssh]"),
        (ts_with("10.1.0.0/16", UDP, 80, 80), "10.1.0.0/16[udp/80]"),
        (
            ts_with("10.1.0.0/16", UDP, 4500, 4500),
            "10.1.0.0/16[udp/ipsec-nat-t]",
        ),
        (
            ts_with("10.1.0.0/16", TCP, 8443, 8443),
            "10.1.0.0/16[tcp/8443]",
        ),
        (ts_with("10.1.0.1/32", UDP, 0, 65535), "10.1.0.1/32[udp]"),
        (ts_with("10.1.0.1/32", 0, 53, 53), "10.1.0.1/32[0/domain]"),
        (ts_with("10.1.0.1/32", 0, 514, 514), "10.1.0.1/32[0/shell]"),
        (ts_with("10.1.0.1/32", 253, 80, 80), "10.1.0.1/32[253/http]"),
        (ts_with("10.1.0.1/32", 47, 80, 80), "10.1.0.1/32[gre/80]"),
        (
            ts_with("10.1.0.1/32", UDP, 1234, 1235),
            "10.1.0.1/32[udp/1234-1235]",
        ),
        (
            ts_with("10.1.0.1-10.1.0.99", UDP, 1234, 1235),
            "10.1.0.1..10.1.0.99[udp/1234-1235]",
        ),
        (ts_with("10.1.0.0/16", 0, 65535, 0), "10.1.0.0/16[0/OPAQUE]"),
        (
            ts_with("10.1.0.0/16", TCP, 65535, 0),
            "10.1.0.0/16[tcp/OPAQUE]",
        ),
        (ts_with("fec1::/64", 132, 0, 65535), "fec1::/64[sctp]"),
    ];
    for (ts, text) in cases {
        assert_eq!(ts.to_string(), text);
    }
}

#[test]
fn icmp_types_and_codes_print_as_charon_prints_them() {
    let cases = [
        (ts_with("10.1.0.0/16", ICMP, 0, 65535), "10.1.0.0/16[icmp]"),
        (ts_with("10.1.0.0/16", ICMP, 0, 0), "10.1.0.0/16[icmp/0]"),
        (ts_with("10.1.0.0/16", ICMP, 8, 8), "10.1.0.0/16[icmp/8]"),
        (
            ts_with("10.1.0.0/16", ICMP, 0x0307, 0x0307),
            "10.1.0.0/16[icmp/3(7)]",
        ),
        (
            ts_with("10.1.0.0/16", ICMP, 0x0300, 0x040f),
            "10.1.0.0/16[icmp/3-4(15)]",
        ),
        (
            ts_with("10.1.0.0/16", ICMP, 0x0301, 0x040f),
            "10.1.0.0/16[icmp/3(1)-4(15)]",
        ),
        (ts_with("fec1::/64", ICMPV6, 1, 1), "fec1::/64[ipv6-icmp/1]"),
        (
            ts_with("fec1::/64", ICMPV6, 0x0104, 0x0104),
            "fec1::/64[ipv6-icmp/1(4)]",
        ),
        (
            raw_v4("10.1.0.1", "10.1.0.1", ICMP, (8, 8)),
            "10.1.0.1/32[icmp/8]",
        ),
    ];
    for (ts, text) in cases {
        assert_eq!(ts.to_string(), text);
    }
}

#[test]
fn configured_entries_print_dynamic_or_their_range() {
    assert_eq!(TsSpec::dynamic().to_string(), "dynamic");
    let icmp = TsSpec::dynamic().with_protocol(ICMP, 3, 3);
    assert_eq!(icmp.to_string(), "dynamic[icmp/3]");
    let tcp = TsSpec::dynamic().with_protocol(TCP, 0, 65535);
    assert_eq!(tcp.to_string(), "dynamic[tcp]");
    assert_eq!(spec("10.1.2.3/16").to_string(), "10.1.0.0/16");
}

#[test]
fn lists_print_separated_by_single_spaces() {
    let list = [ts("10.1.0.0/16"), ts_with("10.1.0.1/32", UDP, 1234, 1235)];
    assert_eq!(
        TsList(&list).to_string(),
        "10.1.0.0/16 10.1.0.1/32[udp/1234-1235]"
    );
    assert_eq!(
        TrafficSelectors(list.to_vec()).to_string(),
        "10.1.0.0/16 10.1.0.1/32[udp/1234-1235]"
    );
    assert_eq!(TsList(&[]).to_string(), "");
    let established = format!(
        "{} === {}",
        TsList(&[ts("10.1.0.0/16")]),
        TsList(&[ts("10.2.0.0/16")])
    );
    assert_eq!(established, "10.1.0.0/16 === 10.2.0.0/16");
}

#[test]
fn other_selector_types_print_their_type() {
    let label = TrafficSelector::Other {
        ty: TsType::SECLABEL,
        second_octet: 0,
        body: vec![1],
    };
    assert_eq!(label.to_string(), "TS_SECLABEL");
    let v4 = Ipv4Addr::new(10, 0, 0, 1);
    assert_eq!(
        TrafficSelector::Ipv4(IpRange::any(v4, v4)).to_string(),
        "10.0.0.1/32"
    );
}
