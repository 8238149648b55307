//! The scenarios of the matrix: establishing and carrying traffic with
//! PSK and certificates, over IPv4 and IPv6, and the refusals. Lifetimes,
//! rekeys, deletes and DPD are in `life`.

use crate::checks::{
    initiate, initiate_fails, inner_traffic, nothing_installed, traffic, wait_established,
    wait_log, wait_no_sas,
};
use crate::common::certlab;
use crate::common::traffic::iperf3;
use crate::lab::{
    Addrs, Lab, Need, Scenario, V4, V6, cert, psk_both, psk_initiator, psk_responder,
};
use crate::life;

const NONE: &[(&str, &str)] = &[];

/// Every scenario, the slow ones first.
pub fn all() -> Vec<Scenario> {
    let mut rows = life::all();
    rows.extend([
        Scenario {
            name: "PSK net-to-net (ping, iperf3)",
            needs: &[Need::Iperf3],
            steps: |lab| {
                up(lab)?;
                inner_traffic(lab)?;
                // the initiator's side sends for 2 s
                let (a, n) = (lab.addrs, &lab.netns);
                let rate = iperf3(n, &n.b, a.inner_b, &n.a, a.inner_a, 2)?;
                println!("  iperf3 {}: {:.0} Mbit/s", lab.role.label(), rate / 1e6);
                (rate > 10e6)
                    .then_some(())
                    .ok_or_else(|| format!("iperf3 through the tunnel: only {rate:.0} bit/s"))
            },
            ..plain()
        },
        Scenario {
            name: "PSK host-to-host (/32 tunnel)",
            settings: "charon {\n  plugins { kernel-libipsec { allow_peer_ts = yes } }\n}\n",
            write: psk_both(|c| {
                c.child().local_ts = "dynamic".into();
                c.child().remote_ts = "dynamic".into();
            }),
            steps: |lab| {
                keep_ike_off_the_tunnel(lab)?;
                up(lab)?;
                traffic(lab, &[(lab.addrs.a, lab.addrs.b)])
            },
            ..plain()
        },
        transport_row("PSK host-to-host, transport mode", &V4),
        Scenario {
            name: "IPv6 outer and inner",
            addrs: &V6,
            ..plain()
        },
        // raw ESP over IPv6 between two Cygnets: the outer addresses of
        // received packets make the IPv6 header
        transport_row("IPv6 host-to-host, transport mode", &V6),
        Scenario {
            name: "IPv6 outer and inner, encap = yes",
            addrs: &V6,
            write: psk_both(|c| c.extra = "encap = yes".into()),
            ..plain()
        },
        Scenario {
            name: "encap = yes (ESP in UDP)",
            steps: |lab| {
                up(lab)?;
                inner_traffic(lab)?;
                for d in lab.both() {
                    let sas = d.sas();
                    let udp = sas
                        .iter()
                        .flat_map(|s| &s.children)
                        .all(|c| c.mode == "TUNNEL-in-UDP");
                    if !udp || sas.is_empty() {
                        return Err(format!(
                            "{} lists SAs not in UDP:\n{}",
                            d.name(),
                            d.list_sas()
                        ));
                    }
                }
                Ok(())
            },
            write: psk_both(|c| c.extra = "encap = yes".into()),
            ..plain()
        },
        Scenario {
            name: "two CHILD_SAs on one IKE SA",
            inner: &[("10.1.1.1", "10.2.1.1")],
            write: psk_both(|c| {
                let mut second = c.child().clone();
                second.name = "net2".into();
                second.local_ts = second.local_ts.replace(".0.0/", ".1.0/");
                second.remote_ts = second.remote_ts.replace(".0.0/", ".1.0/");
                c.children.push(second);
            }),
            steps: |lab| {
                initiate(lab, "net")?;
                initiate(lab, "net2")?;
                let (ia, ib) = wait_established(lab, &["net", "net2"])?;
                if ia.id != 1 || ib.id != 1 {
                    return Err(format!(
                        "IKE SAs #{} and #{}, expected one (#1)",
                        ia.id, ib.id
                    ));
                }
                let a = lab.addrs;
                traffic(lab, &[(a.inner_a, a.inner_b), ("10.1.1.1", "10.2.1.1")])
            },
            ..plain()
        },
        cert_row("CA-signed ECDSA", certlab::Scenario::EcdsaCa),
        cert_row("RSA-PSS, intermediate CA", certlab::Scenario::RsaPss),
        cert_row("pinned self-signed", certlab::Scenario::Pinned),
        Scenario {
            name: "fragments: RSA-4096 chain, fragment_size 600",
            settings: "charon {\n  fragment_size = 600\n}\n",
            steps: |lab| {
                up(lab)?;
                for d in lab.both() {
                    fragmented(d)?;
                }
                inner_traffic(lab)
            },
            ..cert_row("", certlab::Scenario::Rsa4096Chain)
        },
        Scenario {
            name: "wrong PSK: rejected",
            write: psk_responder(|c| c.secret = Some("another-preshared-key".into())),
            steps: rejected,
            ..plain()
        },
        Scenario {
            name: "wrong ID: rejected",
            write: psk_initiator(|c| c.local_id = "c.lab.test".into()),
            steps: rejected,
            ..plain()
        },
        Scenario {
            steps: rejected,
            ..cert_row("unknown CA: rejected", certlab::Scenario::UnknownCa)
        },
        Scenario {
            name: "IKE proposal mismatch: NO_PROPOSAL_CHOSEN",
            write: psk_initiator(|c| c.proposals = "aes256-sha384-ecp384".into()),
            steps: no_proposal_chosen,
            ..plain()
        },
        Scenario {
            name: "ESP proposal mismatch: NO_PROPOSAL_CHOSEN",
            write: psk_initiator(|c| c.child().esp_proposals = "aes256gcm16-ecp384".into()),
            steps: no_proposal_chosen,
            ..plain()
        },
    ]);
    rows
}

/// A PSK net-to-net row over IPv4: up and pings between the inner
/// networks.
pub fn plain() -> Scenario {
    Scenario {
        name: "PSK net-to-net",
        addrs: &V4,
        needs: &[],
        settings: "",
        charon_cannot: None,
        inner: NONE,
        write: psk_both(|_| ()),
        steps: |lab| {
            up(lab)?;
            inner_traffic(lab)
        },
    }
}

/// A host-to-host row in transport mode: up and pings between the outer
/// addresses.
fn transport_row(name: &'static str, addrs: &'static Addrs) -> Scenario {
    Scenario {
        name,
        addrs,
        charon_cannot: Some("kernel-libipsec has no transport mode"),
        write: psk_both(|c| {
            let net = c.child();
            net.local_ts.clear();
            net.remote_ts.clear();
            net.mode = "transport".into();
        }),
        steps: |lab| {
            up(lab)?;
            traffic(lab, &[(lab.addrs.a, lab.addrs.b)])
        },
        ..plain()
    }
}

/// A certificate row: up and pings.
fn cert_row(name: &'static str, scenario: certlab::Scenario) -> Scenario {
    Scenario {
        name,
        needs: &[Need::Openssl],
        write: cert(scenario),
        ..plain()
    }
}

/// The initiator initiates `net`; both sides list it.
pub fn up(lab: &Lab) -> Result<(), String> {
    initiate(lab, "net")?;
    wait_established(lab, &["net"]).map(drop)
}

/// The initiate fails on authentication, and neither side keeps an SA
/// or installed one.
fn rejected(lab: &Lab) -> Result<(), String> {
    initiate_fails(lab)?;
    wait_log(&lab.a, "AUTHENTICATION_FAILED", 3)?;
    wait_no_sas(lab, 5)?;
    nothing_installed(lab)
}

/// The initiate fails, the responder said NO_PROPOSAL_CHOSEN, nothing is
/// installed.
fn no_proposal_chosen(lab: &Lab) -> Result<(), String> {
    initiate_fails(lab)?;
    wait_log(&lab.a, "NO_PROPOSAL_CHOSEN", 3)?;
    nothing_installed(lab)
}

/// A daemon sent its IKE_AUTH message (certificate chain with RSA-4096
/// leaves: over 2 KB) in fragments: at least 5 datagrams (with
/// IKE_SA_INIT), none over 600 bytes (both log each datagram they send).
fn fragmented(d: &crate::peer::Daemon) -> Result<(), String> {
    let sizes: Vec<usize> = d
        .log()
        .lines()
        .filter(|l| l.contains("sending packet: from "))
        .filter_map(|l| l.rsplit_once(" (")?.1.strip_suffix(" bytes)")?.parse().ok())
        .collect();
    if sizes.len() >= 5 && sizes.iter().all(|&n| n <= 600) {
        return Ok(());
    }
    Err(format!(
        "{} sent IKE datagrams of {sizes:?} bytes, expected 5 or more of at most 600",
        d.name()
    ))
}

/// charon's routes to a /32 remote selector swallow IKE: UDP 500 and 4500
/// stay in the main table (the lab's `host2host-tunnel/net.sh`).
fn keep_ike_off_the_tunnel(lab: &Lab) -> Result<(), String> {
    for ns in [&lab.netns.a, &lab.netns.b] {
        for (pref, port) in [("100", "4500"), ("101", "500")] {
            lab.netns.ip(&[
                "-n", ns, "rule", "add", "pref", pref, "ipproto", "udp", "dport", port, "lookup",
                "main",
            ])?;
        }
    }
    Ok(())
}
