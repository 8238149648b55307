use core::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::crypto::test_provider;
use crate::wire::iana::ExchangeType;
use crate::wire::{KeyExchange, Nonce};

const SPI_I: u64 = 0x821d_73f1_e40c_282d;
const NI: [u8; 32] = [0x44; 32];

fn remote() -> IpAddr {
    Ipv4Addr::new(192, 0, 2, 1).into()
}

fn at(secs: u64) -> Instant {
    Instant::from_duration(Duration::from_secs(secs))
}

/// A jar started at t = 100 s with the default 10 s period.
fn jar() -> CookieJar {
    CookieJar::new(&test_provider(7), at(100)).unwrap()
}

#[test]
fn a_cookie_verifies_for_the_request_it_was_made_for() {
    let mut jar = jar();
    let cookie = jar.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    assert_eq!(cookie.len(), COOKIE_LEN);
    assert_eq!(cookie[..4], [0, 0, 0, 0], "version 0 in the first period");
    assert!(jar.verify(at(101), &cookie, &NI, remote(), SPI_I));
    let again = jar.cookie(at(105), &NI, remote(), SPI_I).unwrap();
    assert_eq!(
        again, cookie,
        "stateless: the same request gets the same cookie"
    );
}

#[test]
fn a_cookie_is_refused_for_another_spi_address_or_nonce() {
    let mut jar = jar();
    let cookie = jar.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    let now = at(101);
    assert!(!jar.verify(now, &cookie, &NI, remote(), SPI_I ^ 1));
    assert!(!jar.verify(now, &cookie, &NI, Ipv4Addr::new(192, 0, 2, 2).into(), SPI_I));
    assert!(!jar.verify(now, &cookie, &NI, Ipv6Addr::LOCALHOST.into(), SPI_I));
    let mut other_nonce = NI;
    other_nonce[31] ^= 1;
    assert!(!jar.verify(now, &cookie, &other_nonce, remote(), SPI_I));
    assert!(!jar.verify(now, &cookie, &NI[..31], remote(), SPI_I));
}

#[test]
fn a_cookie_from_another_jar_or_altered_is_refused() {
    let mut jar = jar();
    let mut other = CookieJar::new(&test_provider(8), at(100)).unwrap();
    let foreign = other.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    assert!(!jar.verify(at(100), &foreign, &NI, remote(), SPI_I));
    let cookie = jar.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    for i in 0..cookie.len() {
        let mut altered = cookie.clone();
        altered[i] ^= 0x80;
        assert!(
            !jar.verify(at(100), &altered, &NI, remote(), SPI_I),
            "octet {i}"
        );
    }
    for len in [0, 3, 4, COOKIE_LEN - 1] {
        assert!(!jar.verify(at(100), &cookie[..len], &NI, remote(), SPI_I));
    }
    let mut longer = cookie.clone();
    longer.push(0);
    assert!(!jar.verify(at(100), &longer, &NI, remote(), SPI_I));
}

#[test]
fn a_cookie_survives_one_rotation_but_not_two() {
    let mut jar = jar();
    let old = jar.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    // t = 110: the next period; a new secret for new cookies
    let new = jar.cookie(at(110), &NI, remote(), SPI_I).unwrap();
    assert_ne!(new, old);
    assert_eq!(new[..4], [0, 0, 0, 1]);
    assert!(jar.verify(at(119), &old, &NI, remote(), SPI_I));
    assert!(jar.verify(at(119), &new, &NI, remote(), SPI_I));
    // t = 120: two rotations after the old cookie
    let newest = jar.cookie(at(120), &NI, remote(), SPI_I).unwrap();
    assert!(!jar.verify(at(120), &old, &NI, remote(), SPI_I));
    assert!(jar.verify(at(120), &new, &NI, remote(), SPI_I));
    assert!(jar.verify(at(120), &newest, &NI, remote(), SPI_I));
}

#[test]
fn cookies_expire_by_time_even_without_new_cookies() {
    let mut jar = jar();
    let cookie = jar.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    assert!(jar.verify(at(119), &cookie, &NI, remote(), SPI_I));
    assert!(!jar.verify(at(120), &cookie, &NI, remote(), SPI_I));
    // after a long pause the previous secret is gone too
    let late = jar.cookie(at(500), &NI, remote(), SPI_I).unwrap();
    assert!(jar.previous.is_none());
    assert!(jar.verify(at(505), &late, &NI, remote(), SPI_I));
}

#[test]
fn a_custom_period_sets_the_lifetime() {
    let provider = test_provider(7);
    let mut jar = CookieJar::with_period(&provider, at(0), Duration::from_secs(60)).unwrap();
    let cookie = jar.cookie(at(59), &NI, remote(), SPI_I).unwrap();
    assert!(jar.verify(at(119), &cookie, &NI, remote(), SPI_I));
    assert!(!jar.verify(at(120), &cookie, &NI, remote(), SPI_I));
    let mut zero = CookieJar::with_period(&provider, at(0), Duration::ZERO).unwrap();
    let cookie = zero.cookie(at(0), &NI, remote(), SPI_I).unwrap();
    assert!(!zero.verify(at(1), &cookie, &NI, remote(), SPI_I));
}

#[test]
fn ipv4_mapped_addresses_count_as_ipv4() {
    let mut jar = jar();
    let cookie = jar.cookie(at(100), &NI, remote(), SPI_I).unwrap();
    let mapped = Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped().into();
    assert!(jar.verify(at(100), &cookie, &NI, mapped, SPI_I));
}

fn request(first: Option<Payload>) -> Message {
    let mut payloads: Vec<Payload> = first.into_iter().collect();
    payloads.push(Payload::Ke(KeyExchange::default()));
    payloads.push(Payload::Nonce(Nonce(NI.to_vec())));
    Message {
        spi_i: SPI_I,
        spi_r: 0,
        exchange: ExchangeType::IKE_SA_INIT,
        flags: Flags::INITIATOR,
        message_id: 0,
        payloads,
    }
}

#[test]
fn the_cookie_of_a_request_is_its_first_payload() {
    let cookie = Payload::Notify(Notify::new(NotifyType::COOKIE, vec![1, 2, 3]));
    assert_eq!(
        request_cookie(&request(Some(cookie.clone())).payloads),
        Some(&[1u8, 2, 3][..])
    );
    assert_eq!(request_cookie(&request(None).payloads), None);
    let mut late = request(None);
    late.payloads.push(cookie);
    assert_eq!(request_cookie(&late.payloads), None);
}

#[test]
fn the_challenge_is_a_response_with_only_the_cookie() {
    let mut jar = jar();
    let req = request(None);
    let cookie = jar.cookie(at(100), &NI, remote(), req.spi_i).unwrap();
    let answer = challenge(&req, cookie.clone());
    assert_eq!(answer.to_string(), "IKE_SA_INIT response 0 [ N(COOKIE) ]");
    assert_eq!((answer.spi_i, answer.spi_r), (SPI_I, 0));
    let retry = request(Some(answer.payloads[0].clone()));
    let echoed = request_cookie(&retry.payloads).unwrap();
    assert!(jar.verify(at(101), echoed, &NI, remote(), retry.spi_i));
    let bytes = answer.emit().unwrap();
    assert_eq!(Message::parse(&bytes).unwrap(), answer);
}

#[test]
fn a_provider_without_sha256_cannot_make_cookies() {
    let mut provider = test_provider(7);
    provider.hash = provider
        .hash
        .iter()
        .copied()
        .filter(|hash| hash.id() != HashAlgorithm::SHA2_256)
        .collect();
    let err = CookieJar::new(&provider, at(0)).unwrap_err();
    assert_eq!(err, CryptoError::UnsupportedHash(HashAlgorithm::SHA2_256));
}
