//! IKE_SA_INIT and IKE_AUTH with a PSK and the first CHILD_SA.

use core::time::Duration;

use super::{Pair, assert_sas_match, configs, edit_child, established, restart_a, subnet};
use crate::action::{Direction, DownReason, Event};
use crate::config::Mode;
use crate::proposal::Proposal;
use crate::wire::iana::{NotifyType, ProtocolId};
use crate::{Error, IkeState};

#[test]
fn psk_tunnel_is_established_in_two_exchanges() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    // IKE_SA_INIT { SA, KEi, Ni, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP), N(HASH_ALG) } -->
    pair.initiate("gw", Some("net"));
    assert_eq!(pair.a.kernel.log, ["transmit IKE_SA_INIT request 0"]);
    // <-- IKE_SA_INIT { SA, KEr, Nr, N(NATD_S_IP), N(NATD_D_IP), N(FRAG_SUP), N(HASH_ALG) }
    // IKE_AUTH { IDi, N(INITIAL_CONTACT), IDr, AUTH, SA, TSi, TSr } -->
    // <-- IKE_AUTH { IDr, AUTH, SA, TSi, TSr }
    pair.drive();
    let (sa_a, sa_b) = (pair.a.sa(), pair.b.sa());
    assert_eq!(
        (sa_a.state, sa_b.state),
        (IkeState::Established, IkeState::Established)
    );
    assert_eq!((sa_a.spi_i, sa_a.spi_r), (sa_b.spi_i, sa_b.spi_r));
    assert!(sa_a.initiator && !sa_b.initiator);
    assert_eq!(
        sa_a.proposal.unwrap().to_string(),
        "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519"
    );
    let (child_a, child_b) = (&sa_a.children[0], &sa_b.children[0]);
    assert_eq!(
        (child_a.spi_in, child_a.spi_out),
        (child_b.spi_out, child_b.spi_in)
    );
    assert_eq!(
        child_a.proposal.to_string(),
        "ESP:AES_GCM_16_128/NO_EXT_SEQ"
    );
    assert_eq!(child_a.local_ts, child_b.remote_ts);
    assert_sas_match(&pair);
    // the responder installs its inbound SA before the response leaves
    let b_log = &pair.b.kernel.log;
    let inbound = b_log
        .iter()
        .position(|l| l.starts_with("install Inbound"))
        .unwrap();
    let response = b_log
        .iter()
        .position(|l| l == "transmit IKE_AUTH response 1")
        .unwrap();
    assert!(inbound < response, "{b_log:?}");
    for node in [&mut pair.a, &mut pair.b] {
        let events = node.take_events();
        assert!(matches!(events[0], Event::IkeUp { .. }), "{events:?}");
        assert!(
            matches!(&events[1], Event::ChildUp { name, .. } if name == "net"),
            "{events:?}"
        );
        assert_eq!(node.kernel.policies.len(), 1);
    }
}

#[test]
fn wrong_psk_fails_authentication_and_installs_nothing() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::with_psks(a, b, b"the-initiators-key", b"the-responders-key");
    pair.initiate("gw", Some("net"));
    pair.drive();
    // <-- IKE_AUTH { N(AUTHENTICATION_FAILED) }; both SAs are gone
    assert_eq!(pair.a.ep.sas().count(), 0);
    assert_eq!(pair.b.ep.sas().count(), 0);
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
    let down = |events: Vec<Event>| {
        events.into_iter().find_map(|e| match e {
            Event::IkeDown { reason, .. } => Some(reason),
            _ => None,
        })
    };
    assert_eq!(
        down(pair.a.take_events()),
        Some(DownReason::Failed(Error::Notified(
            NotifyType::AUTHENTICATION_FAILED
        )))
    );
    assert!(matches!(
        down(pair.b.take_events()),
        Some(DownReason::Failed(Error::AuthenticationFailed(_)))
    ));
}

#[test]
fn invalid_ke_payload_makes_the_initiator_retry_with_the_requested_group() {
    let ike = |s: &str| vec![Proposal::parse(ProtocolId::IKE, s).unwrap()];
    let (a, b) = configs(
        |a| a.proposals = ike("aes256gcm16-prfsha256-x25519-ecp256"),
        |b| b.proposals = ike("aes256gcm16-prfsha256-ecp256"),
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    // IKE_SA_INIT { SA, KEi(x25519), Ni } -->  <-- { N(INVALID_KE_PAYLOAD(ECP_256)) }
    // IKE_SA_INIT { SA, KEi(ecp256), Ni } -->  <-- { SA, KEr, Nr }
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
    assert_eq!(pair.a.sa().proposal.unwrap().ke().unwrap().0, 19);
    let inits = pair
        .a
        .kernel
        .log
        .iter()
        .filter(|l| *l == "transmit IKE_SA_INIT request 0")
        .count();
    assert_eq!(inits, 2);
    assert_sas_match(&pair);
}

#[test]
fn no_common_ike_proposal_ends_both_sides_with_no_proposal_chosen() {
    let (a, b) = configs(
        |_| {},
        |b| b.proposals = vec![Proposal::parse(ProtocolId::IKE, "aes128-sha256-modp2048").unwrap()],
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.ep.sas().count() + pair.b.ep.sas().count(), 0);
    assert!(pair.a.take_events().contains(&Event::IkeDown {
        sa: crate::SaHandle(1),
        reason: DownReason::Failed(Error::Notified(NotifyType::NO_PROPOSAL_CHOSEN)),
    }));
}

#[test]
fn disjoint_selectors_fail_the_child_but_keep_the_ike_sa() {
    let (a, b) = configs(
        |_| {},
        |b| edit_child(b, |c| c.remote_ts = vec![subnet(9, 0, true)]),
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    // <-- IKE_AUTH { IDr, AUTH, N(TS_UNACCEPTABLE) }
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
    assert!(pair.a.sa().children.is_empty() && pair.b.sa().children.is_empty());
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
    let failed = pair.a.take_events().into_iter().any(|e| {
        matches!(
            e,
            Event::ChildFailed {
                reason: DownReason::Failed(Error::Notified(NotifyType::TS_UNACCEPTABLE)),
                ..
            }
        )
    });
    assert!(failed);
}

#[test]
fn no_common_esp_proposal_fails_the_child_with_no_proposal_chosen() {
    let esp = |s: &str| vec![Proposal::parse(ProtocolId::ESP, s).unwrap()];
    let (a, b) = configs(
        |_| {},
        |b| edit_child(b, |c| c.proposals = esp("aes256-sha512")),
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.b.sa().state, IkeState::Established);
    assert!(pair.a.sa().children.is_empty());
    let failed = pair.a.take_events().into_iter().any(|e| {
        matches!(
            e,
            Event::ChildFailed {
                reason: DownReason::Failed(Error::Notified(NotifyType::NO_PROPOSAL_CHOSEN)),
                ..
            }
        )
    });
    assert!(failed);
}

#[test]
fn the_responder_narrows_a_wider_proposal_to_its_configuration() {
    // A asks for 10.2.0.0/16, B only offers 10.2.3.0/24
    let (a, b) = configs(
        |_| {},
        |b| edit_child(b, |c| c.local_ts = vec![subnet(2, 3, false)]),
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let child = &pair.a.sa().children[0];
    assert_eq!(
        crate::ts::TsList(&child.remote_ts).to_string(),
        "10.2.3.0/24"
    );
    assert_eq!(
        crate::ts::TsList(&pair.b.sa().children[0].local_ts).to_string(),
        "10.2.3.0/24"
    );
}

#[test]
fn transport_mode_is_used_when_both_ask_for_it() {
    let transport = |c: &mut crate::config::ChildConfig| c.mode = Mode::Transport;
    let (a, b) = configs(|a| edit_child(a, transport), |b| edit_child(b, transport));
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().children[0].mode, Mode::Transport);
    assert_eq!(pair.b.sa().children[0].mode, Mode::Transport);
}

#[test]
fn tunnel_mode_is_used_when_only_the_initiator_asks_for_transport() {
    let (a, b) = configs(|a| edit_child(a, |c| c.mode = Mode::Transport), |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().children[0].mode, Mode::Tunnel);
    assert_eq!(pair.b.sa().children[0].mode, Mode::Tunnel);
}

#[test]
fn a_lost_response_is_retransmitted_from_the_responders_cache() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.advance(Duration::from_millis(15)); // IKE_SA_INIT done, IKE_AUTH sent
    pair.drop_from_b = 1; // the IKE_AUTH response is lost
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
    let auth_requests = pair
        .a
        .kernel
        .log
        .iter()
        .filter(|l| *l == "transmit IKE_AUTH request 1")
        .count();
    let auth_responses = pair
        .b
        .kernel
        .log
        .iter()
        .filter(|l| *l == "transmit IKE_AUTH response 1")
        .count();
    assert_eq!((auth_requests, auth_responses), (2, 2));
    // the retransmit came 4 s later and B installed the CHILD_SA only once
    assert!(pair.now.as_duration() >= Duration::from_secs(4));
    assert_eq!(pair.b.kernel.spis(Direction::Inbound).len(), 1);
    assert_sas_match(&pair);
}

#[test]
fn an_unanswered_request_gives_up_after_five_retransmits() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.drop_from_a = usize::MAX;
    pair.initiate("gw", Some("net"));
    pair.drive();
    let sent = pair
        .a
        .kernel
        .log
        .iter()
        .filter(|l| l.starts_with("transmit"))
        .count();
    assert_eq!(sent, 6);
    // 4 + 7.2 + 12.96 + 23.328 + 41.99 + 75.58 s (retransmit_* defaults)
    assert_eq!(pair.now.as_duration().as_millis(), 165_061);
    assert_eq!(pair.a.ep.sas().count(), 0);
    assert!(pair.a.take_events().iter().any(|e| matches!(
        e,
        Event::IkeDown {
            reason: DownReason::Timeout,
            ..
        }
    )));
}

#[test]
fn established_pair_has_one_policy_and_two_sas_per_side() {
    let pair = established();
    for node in [&pair.a, &pair.b] {
        assert_eq!(node.kernel.sas.len(), 2);
        assert_eq!(node.kernel.policies.len(), 1);
    }
}

#[test]
fn above_the_half_open_threshold_the_responder_demands_a_cookie() {
    use crate::settings::Settings;
    let strict = Settings {
        dos: crate::cookie::DosSettings {
            cookie_threshold_ip: 1,
            ..crate::cookie::DosSettings::default()
        },
        ..Settings::default()
    };
    // both IKE SAs stay: no INITIAL_CONTACT removes the first (§2.4)
    let never = |c: &mut crate::config::IkeConfig| c.unique = crate::config::Unique::Never;
    let (a, b) = configs(never, never);
    let mut pair = Pair::with_settings(a, b, (Settings::default(), strict), (1, 2));
    // two IKE_SA_INIT requests at once: the second finds one half-open SA
    pair.initiate("gw", Some("net"));
    pair.initiate("gw", Some("net"));
    // <-- IKE_SA_INIT { N(COOKIE) }
    // IKE_SA_INIT { N(COOKIE), SA, KEi, Ni, ... } -->
    pair.drive();
    assert_eq!(
        pair.a
            .ep
            .sas()
            .filter(|s| s.state == IkeState::Established)
            .count(),
        2
    );
    assert_eq!(
        pair.b
            .ep
            .sas()
            .filter(|s| s.state == IkeState::Established)
            .count(),
        2
    );
    let inits = |log: &[String], what: &str| log.iter().filter(|l| *l == what).count();
    assert_eq!(
        inits(&pair.a.kernel.log, "transmit IKE_SA_INIT request 0"),
        3
    );
    assert_eq!(
        inits(&pair.b.kernel.log, "transmit IKE_SA_INIT response 0"),
        3
    );
    assert_eq!(pair.b.kernel.sas.len(), 4);
}

#[test]
fn initial_contact_replaces_the_peers_stale_ike_sa() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let stale = pair.b.sa().handle;
    // A restarts (a fresh endpoint with the same configuration);
    // IKE_AUTH { IDi, N(INITIAL_CONTACT), ... } -->: B drops its stale SA
    restart_a(&mut pair);
    let b = pair.b.sa();
    assert_ne!(b.handle, stale);
    assert_eq!(pair.b.kernel.sas.len(), 2);
    assert_sas_match(&pair);
}

#[test]
fn a_second_sa_of_a_connection_sends_no_initial_contact() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    pair.initiate("gw", Some("net"));
    pair.drive();
    // both survive on B: the second IKE_AUTH did not claim a fresh start
    assert_eq!(pair.b.ep.sas().count(), 2);
    assert_eq!(pair.b.kernel.sas.len(), 4);
}

#[test]
fn extended_sequence_numbers_are_negotiated() {
    let esn = |c: &mut crate::config::ChildConfig| {
        c.proposals = vec![Proposal::parse(ProtocolId::ESP, "aes256gcm16-esn").unwrap()];
    };
    let (a, b) = configs(|a| edit_child(a, esn), |b| edit_child(b, esn));
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let child = &pair.a.sa().children[0];
    assert!(child.proposal.esn());
    assert_eq!(child.proposal.to_string(), "ESP:AES_GCM_16_256/EXT_SEQ");
}

#[test]
fn address_identities_are_the_default_and_match_exactly() {
    use crate::config::IdMatch;
    use crate::wire::Identification;
    let (a, b) = configs(
        |a| {
            a.local.id = None; // our IP address, 192.0.2.1
            a.remote.id = IdMatch::Exact(Identification::ipv4("192.0.2.2".parse().unwrap()));
        },
        |b| {
            b.local.id = None;
            b.remote.id = IdMatch::Exact(Identification::ipv4("192.0.2.1".parse().unwrap()));
        },
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let remote = pair.b.sa().remote_id.unwrap();
    assert_eq!(remote.as_ipv4(), Some("192.0.2.1".parse().unwrap()));
}

#[test]
fn an_unexpected_responder_identity_is_reported_and_ends_both_sas() {
    // B answers with its address as IDr, A expects sun.example
    let (a, b) = configs(|_| {}, |b| b.local.id = None);
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    // <-- IKE_AUTH { IDr(mallory), AUTH, ... }
    // INFORMATIONAL { N(AUTHENTICATION_FAILED) } -->
    pair.drive();
    assert_eq!(pair.a.ep.sas().count() + pair.b.ep.sas().count(), 0);
    assert!(
        pair.a
            .kernel
            .log
            .iter()
            .any(|l| l == "transmit INFORMATIONAL request 2")
    );
    assert!(
        pair.a.kernel.sas.is_empty()
            && pair.b.kernel.sas.is_empty()
            && pair.b.kernel.policies.is_empty()
    );
}

#[test]
fn dynamic_selectors_become_the_hosts_addresses() {
    use crate::ts::TsSpec;
    let dynamic = |c: &mut crate::config::ChildConfig| {
        c.local_ts = vec![TsSpec::dynamic()];
        c.remote_ts = vec![TsSpec::dynamic()];
    };
    let (a, b) = configs(|a| edit_child(a, dynamic), |b| edit_child(b, dynamic));
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    let child = &pair.a.sa().children[0];
    let show = |ts| crate::ts::TsList(ts).to_string();
    assert_eq!(
        (show(&child.local_ts), show(&child.remote_ts)),
        ("192.0.2.1/32".into(), "192.0.2.2/32".into())
    );
}

#[test]
fn ipcomp_is_refused_cleanly_and_the_child_set_up_without_it() {
    let (a, b) = configs(
        |a| edit_child(a, |c| c.ipcomp = true),
        |b| edit_child(b, |c| c.ipcomp = true),
    );
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().children.len(), 1);
    assert_sas_match(&pair);
}

#[test]
fn initial_contact_is_sent_only_without_an_ike_sa_of_the_same_identities() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut other = a.clone();
    other.name = "gw2".into();
    let mut pair = Pair::new(a, b);
    pair.a.ep.load_config(std::sync::Arc::new(other));
    // IKE_AUTH { IDi, N(INITIAL_CONTACT), IDr, AUTH, ... } -->
    pair.initiate("gw", Some("net"));
    pair.drive();
    // another connection with the same identities: no INITIAL_CONTACT (as
    // charon's has_contact), so the responder keeps the first IKE SA
    pair.initiate("gw2", Some("net"));
    pair.drive();
    let up = |node: &super::pair::Node| {
        node.ep
            .sas()
            .filter(|s| s.state == IkeState::Established)
            .count()
    };
    assert_eq!((up(&pair.a), up(&pair.b)), (2, 2));
}
