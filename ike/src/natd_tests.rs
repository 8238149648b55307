use core::net::{Ipv6Addr, SocketAddrV6};

use super::*;
use crate::crypto::{hex, test_provider};
use crate::wire::Message;
use crate::wire::fixtures::{IKE_SA_INIT_REQUEST, IKE_SA_INIT_RESPONSE};

/// psk-net2net: side a (initiator) and side b, both on port 500.
const SIDE_A: &str = "192.0.2.1:500";
const SIDE_B: &str = "192.0.2.2:500";
const SPI_I: u64 = 0x821d_73f1_e40c_282d;
const SPI_R: u64 = 0x1b65_7c0a_6d09_afc7;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn detector(seed: u64) -> NatDetector {
    NatDetector::new(&test_provider(seed)).unwrap()
}

fn payloads(notifies: Vec<Notify>) -> Vec<Payload> {
    notifies.into_iter().map(Payload::Notify).collect()
}

fn notify_payload(ty: NotifyType, hash: &[u8]) -> Payload {
    Payload::Notify(Notify::new(ty, hash.to_vec()))
}

fn status(local_behind_nat: bool, remote_behind_nat: bool, faked: bool) -> NatDetection {
    NatDetection::Supported(NatStatus {
        local_behind_nat,
        remote_behind_nat,
        faked,
    })
}

#[test]
fn hashes_match_the_destination_hashes_strongswan_sent() {
    let natd = detector(1);
    // IKE_SA_INIT request a -> b: N(NATD_D_IP) over b's address, SPIr zero.
    let request = natd.hash(SPI_I, 0, addr(SIDE_B));
    assert_eq!(request[..], hex("0c5346b5dcb83566ea016a1db84767ae84e55ae2"));
    // IKE_SA_INIT response b -> a: N(NATD_D_IP) over a's address, both SPIs.
    let response = natd.hash(SPI_I, SPI_R, addr(SIDE_A));
    assert_eq!(
        response[..],
        hex("88bca3c8c478a5f56143ab27b73111d42b1c096d")
    );
}

#[test]
fn the_captured_exchange_shows_the_peers_faked_nat_to_both_sides() {
    // Both charons forced UDP encapsulation (kernel-libipsec), so each one
    // logged "remote host is behind NAT" and nothing else.
    let natd = detector(1);
    let response = Message::parse(&IKE_SA_INIT_RESPONSE).unwrap();
    let spis = (response.spi_i, response.spi_r);
    let at_a = natd.evaluate(
        spis,
        addr(SIDE_A),
        addr(SIDE_B),
        SourceMode::ForcedEncap,
        &response.payloads,
    );
    assert_eq!(at_a, status(false, true, false));
    let request = Message::parse(&IKE_SA_INIT_REQUEST).unwrap();
    let spis = (request.spi_i, request.spi_r);
    let at_b = natd.evaluate(
        spis,
        addr(SIDE_B),
        addr(SIDE_A),
        SourceMode::Real,
        &request.payloads,
    );
    assert_eq!(at_b, status(false, true, false));
    assert!(at_a.udp_encap() && at_b.udp_encap());
}

#[test]
fn builds_the_source_notify_before_the_destination_notify() {
    let natd = detector(1);
    let built = natd.notifies((SPI_I, 0), addr(SIDE_A), addr(SIDE_B), SourceMode::Real);
    let types: Vec<_> = built.iter().map(|n| n.ty).collect();
    assert_eq!(
        types,
        [
            NotifyType::NAT_DETECTION_SOURCE_IP,
            NotifyType::NAT_DETECTION_DESTINATION_IP
        ]
    );
    assert_eq!(built[0].data, natd.hash(SPI_I, 0, addr(SIDE_A)));
    assert_eq!(built[1].data, natd.hash(SPI_I, 0, addr(SIDE_B)));
    assert!(built.iter().all(|n| n.spi.is_empty()));
}

/// The responder's view of a request that the initiator built from
/// `init_local` to `init_remote` and that arrived from `seen_from` at
/// `seen_at`.
fn responder_view(
    init_local: &str,
    init_remote: &str,
    seen_from: &str,
    seen_at: &str,
) -> NatDetection {
    let natd = detector(1);
    let sent = natd.notifies(
        (SPI_I, 0),
        addr(init_local),
        addr(init_remote),
        SourceMode::Real,
    );
    natd.evaluate(
        (SPI_I, 0),
        addr(seen_at),
        addr(seen_from),
        SourceMode::Real,
        &payloads(sent),
    )
}

#[test]
fn detection_tells_which_side_is_behind_a_nat() {
    let (public_i, private_i) = ("198.51.100.7:4500", "10.0.0.2:500");
    let (public_r, private_r) = ("203.0.113.1:500", "172.16.0.1:500");
    // no NAT: both hashes match
    let none = responder_view(private_i, private_r, private_i, private_r);
    assert_eq!(none, status(false, false, false));
    assert!(!none.udp_encap());
    // the initiator is behind a NAT: its source hash does not match
    let nat_there = responder_view(private_i, public_r, public_i, public_r);
    assert_eq!(nat_there, status(false, true, false));
    // the responder is behind a (port-forwarding) NAT
    let nat_here = responder_view(public_i, public_r, public_i, private_r);
    assert_eq!(nat_here, status(true, false, false));
    // both
    let both = responder_view(private_i, public_r, public_i, private_r);
    assert_eq!(both, status(true, true, false));
    assert!(both.udp_encap());
}

#[test]
fn a_peer_without_both_notify_types_does_not_support_nat_traversal() {
    let natd = detector(1);
    let (local, remote) = (addr(SIDE_B), addr(SIDE_A));
    let source = natd.hash(SPI_I, 0, remote);
    let destination = natd.hash(SPI_I, 0, local);
    let cases = [
        vec![],
        vec![notify_payload(NotifyType::NAT_DETECTION_SOURCE_IP, &source)],
        vec![notify_payload(
            NotifyType::NAT_DETECTION_DESTINATION_IP,
            &destination,
        )],
    ];
    for payloads in cases {
        let result = natd.evaluate((SPI_I, 0), local, remote, SourceMode::Real, &payloads);
        assert_eq!(result, NatDetection::Unsupported);
        assert!(!result.udp_encap());
    }
}

#[test]
fn accepts_several_source_hashes_if_one_matches() {
    let natd = detector(1);
    let (local, remote) = (addr(SIDE_B), addr(SIDE_A));
    let other = natd.hash(SPI_I, 0, addr("10.9.9.9:500"));
    let payloads = vec![
        notify_payload(NotifyType::NAT_DETECTION_SOURCE_IP, &other),
        notify_payload(NotifyType::NAT_DETECTION_SOURCE_IP, &[0xab; 7]),
        notify_payload(
            NotifyType::NAT_DETECTION_SOURCE_IP,
            &natd.hash(SPI_I, 0, remote),
        ),
        notify_payload(
            NotifyType::NAT_DETECTION_DESTINATION_IP,
            &natd.hash(SPI_I, 0, local),
        ),
    ];
    let result = natd.evaluate((SPI_I, 0), local, remote, SourceMode::Real, &payloads);
    assert_eq!(result, status(false, false, false));
    let only_wrong = &payloads[..2];
    let with_destination = [only_wrong, &payloads[3..]].concat();
    let result = natd.evaluate(
        (SPI_I, 0),
        local,
        remote,
        SourceMode::Real,
        &with_destination,
    );
    assert_eq!(result, status(false, true, false));
}

#[test]
fn forced_encapsulation_sends_a_stable_fake_source_hash() {
    let natd = detector(1);
    let sent = natd.notifies(
        (SPI_I, 0),
        addr(SIDE_A),
        addr(SIDE_B),
        SourceMode::ForcedEncap,
    );
    assert_eq!(sent[0].data, natd.fake_hash(SPI_I, 0));
    assert_ne!(sent[0].data, natd.hash(SPI_I, 0, addr(SIDE_A)));
    assert_eq!(sent[1].data, natd.hash(SPI_I, 0, addr(SIDE_B)));
    let again = natd.notifies(
        (SPI_I, 0),
        addr(SIDE_A),
        addr(SIDE_B),
        SourceMode::ForcedEncap,
    );
    assert_eq!(
        sent, again,
        "a retried IKE_SA_INIT must carry the same hash"
    );
    assert_ne!(detector(2).fake_hash(SPI_I, 0), natd.fake_hash(SPI_I, 0));
    assert_ne!(natd.fake_hash(SPI_I, 1), natd.fake_hash(SPI_I, 0));
}

#[test]
fn the_fake_hash_reproduces_the_one_charon_sent_under_forced_encapsulation() {
    // psk-net2net request's N(NATD_S_IP): charon (kernel-libipsec forces
    // UDP encapsulation) hashed a per-run random IPv4 address with port 0;
    // an exhaustive search over all IPv4 addresses found this one.
    let natd =
        NatDetector::with_fake_source(&test_provider(1), Ipv4Addr::new(24, 38, 198, 106)).unwrap();
    let sent = natd.notifies(
        (SPI_I, 0),
        addr(SIDE_A),
        addr(SIDE_B),
        SourceMode::ForcedEncap,
    );
    let request = Message::parse(&IKE_SA_INIT_REQUEST).unwrap();
    let natd_types = [
        NotifyType::NAT_DETECTION_SOURCE_IP,
        NotifyType::NAT_DETECTION_DESTINATION_IP,
    ];
    let captured: Vec<_> = request
        .payloads
        .into_iter()
        .filter(|p| matches!(p, Payload::Notify(n) if natd_types.contains(&n.ty)))
        .collect();
    assert_eq!(payloads(sent), captured);
    assert_eq!(
        natd.fake_hash(SPI_I, 0)[..],
        hex("2d060a13030d0154f083fa6a6ab308d2f8f7a8dd")
    );
}

#[test]
fn the_fake_hash_is_a_real_hash_of_the_fake_address_with_port_0() {
    let provider = test_provider(1);
    let fake = Ipv4Addr::new(100, 64, 1, 2);
    let natd = NatDetector::with_fake_source(&provider, fake).unwrap();
    let expected = natd.hash(SPI_I, SPI_R, SocketAddr::new(fake.into(), 0));
    assert_eq!(natd.fake_hash(SPI_I, SPI_R), expected);
}

#[test]
fn the_peer_sees_a_nat_behind_us_when_we_force_encapsulation() {
    let natd = detector(1);
    let (a, b) = (addr(SIDE_A), addr(SIDE_B));
    let sent = natd.notifies((SPI_I, 0), a, b, SourceMode::ForcedEncap);
    let at_b = natd.evaluate((SPI_I, 0), b, a, SourceMode::Real, &payloads(sent));
    assert_eq!(at_b, status(false, true, false));
    // b answers honestly: a sees no NAT, but records the faked one
    let answer = natd.notifies((SPI_I, SPI_R), b, a, SourceMode::Real);
    let at_a = natd.evaluate(
        (SPI_I, SPI_R),
        a,
        b,
        SourceMode::ForcedEncap,
        &payloads(answer),
    );
    assert_eq!(at_a, status(false, false, true));
    assert!(at_a.udp_encap());
}

#[test]
fn an_unknown_ipv4_source_fakes_a_nat_and_keeps_it_even_without_one() {
    let natd = detector(1);
    let (a, b) = (addr(SIDE_A), addr(SIDE_B));
    let unspecified = addr("0.0.0.0:500");
    let mode = SourceMode::choose(unspecified.ip(), false);
    assert_eq!(mode, SourceMode::UnknownAddress);
    let sent = natd.notifies((SPI_I, 0), unspecified, b, mode);
    assert_eq!(sent[0].data, natd.fake_hash(SPI_I, 0));
    let answer = natd.notifies((SPI_I, SPI_R), b, a, SourceMode::Real);
    let at_a = natd.evaluate((SPI_I, SPI_R), a, b, mode, &payloads(answer));
    assert_eq!(at_a, status(true, false, false));
}

#[test]
fn an_unknown_ipv6_source_disables_nat_detection() {
    let natd = detector(1);
    let mode = SourceMode::choose(Ipv6Addr::UNSPECIFIED.into(), false);
    assert_eq!(mode, SourceMode::Disabled);
    let unspecified = SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 500);
    let sent = natd.notifies((SPI_I, 0), unspecified, addr("[2001:db8::2]:500"), mode);
    assert!(sent.is_empty());
}

#[test]
fn choose_prefers_forced_encapsulation_and_otherwise_the_real_address() {
    let v4: IpAddr = Ipv4Addr::new(192, 0, 2, 1).into();
    let any4: IpAddr = Ipv4Addr::UNSPECIFIED.into();
    let any6: IpAddr = Ipv6Addr::UNSPECIFIED.into();
    assert_eq!(SourceMode::choose(v4, false), SourceMode::Real);
    assert_eq!(SourceMode::choose(v4, true), SourceMode::ForcedEncap);
    assert_eq!(SourceMode::choose(any4, true), SourceMode::ForcedEncap);
    assert_eq!(SourceMode::choose(any6, true), SourceMode::ForcedEncap);
    let mapped_any: IpAddr = Ipv4Addr::UNSPECIFIED.to_ipv6_mapped().into();
    assert_eq!(
        SourceMode::choose(mapped_any, false),
        SourceMode::UnknownAddress
    );
}

#[test]
fn hashes_ipv6_addresses_and_treats_ipv4_mapped_ones_as_ipv4() {
    let natd = detector(1);
    let mapped = SocketAddrV6::new(Ipv4Addr::new(192, 0, 2, 2).to_ipv6_mapped(), 500, 0, 0);
    assert_eq!(
        natd.hash(SPI_I, 0, mapped.into()),
        natd.hash(SPI_I, 0, addr(SIDE_B))
    );
    let v6 = natd.hash(SPI_I, 0, addr("[2001:db8::2]:500"));
    assert_ne!(v6, natd.hash(SPI_I, 0, addr("[2001:db8::2]:4500")));
    assert_ne!(v6, natd.hash(SPI_I, 0, addr("[2001:db8::3]:500")));
}

#[test]
fn a_provider_without_sha1_cannot_detect_nats() {
    let mut provider = test_provider(1);
    provider.hash = provider
        .hash
        .iter()
        .copied()
        .filter(|hash| hash.id() != HashAlgorithm::SHA1)
        .collect();
    let err = NatDetector::new(&provider).unwrap_err();
    assert_eq!(err, CryptoError::UnsupportedHash(HashAlgorithm::SHA1));
}
