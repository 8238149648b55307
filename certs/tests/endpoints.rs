//! Two `ike::Endpoint`s authenticating each other through
//! `CredentialStore` (RFC 7296 §2.15, RFC 7427): CA-signed ECDSA P-256,
//! RSA-3072 with PSS, an intermediate sent in CERT payloads, pinned
//! self-signed certificates and raw keys, and pin mismatches.

#![allow(clippy::unwrap_used)]

mod common;

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use certs::CredentialStore;
use common::pki::{Alg, Cert};
use ike::Endpoint;
use ike::auth::{AuthError, Credentials, PeerVerifier, Signer, VerifyRequest};
use ike::config::{
    AuthClass, ChildConfig, ChildLifetime, Fragmentation, IdMatch, IkeConfig, IkeLifetime,
    LocalAuth, Mode, RemoteAuth,
};
use ike::crypto::{Secret, default_provider};
use ike::proposal::Proposal;
use ike::settings::Settings;
use ike::time::Instant;
use ike::ts::TsSpec;
use ike::wire::Identification;
use ike::wire::iana::ProtocolId;

/// The store, recording why peers failed (the core only logs it).
#[derive(Debug)]
struct Recorded {
    store: CredentialStore,
    failures: Mutex<Vec<String>>,
}

impl Credentials for Recorded {
    fn shared_key(&self, me: &Identification, peer: Option<&Identification>) -> Option<Secret> {
        self.store.shared_key(me, peer)
    }
    fn signer(&self, me: &Identification, round: &LocalAuth) -> Option<Box<dyn Signer>> {
        self.store.signer(me, round)
    }
    fn verifier(&self) -> Option<&dyn PeerVerifier> {
        Some(self)
    }
    fn ca_key_hashes(&self, round: &RemoteAuth) -> Vec<[u8; 20]> {
        self.store.ca_key_hashes(round)
    }
}

impl PeerVerifier for Recorded {
    fn verify(&self, request: &VerifyRequest<'_>) -> Result<(), AuthError> {
        let result = PeerVerifier::verify(&self.store, request);
        if let Err(e) = &result {
            self.failures.lock().unwrap().push(e.to_string());
        }
        result
    }
}

/// One side's credentials: its certificate and key, the CAs it trusts.
fn store(own: Option<&Cert>, cas: &[&Cert]) -> CredentialStore {
    let at = UNIX_EPOCH + Duration::from_secs(1_748_736_000);
    let mut store = CredentialStore::new().with_clock(Arc::new(move || -> SystemTime { at }));
    if let Some(own) = own {
        store.add_certificate(own.cert());
        store.add_private_key(own.private_key());
    }
    for ca in cas {
        store.add_authority(ca.cert());
    }
    store
}

fn config(me: &str, peer: &str, edit: &dyn Fn(&mut LocalAuth, &mut RemoteAuth)) -> IkeConfig {
    let net = |a: u8| TsSpec::subnet(IpAddr::V4(Ipv4Addr::new(10, a, 0, 0)), 16);
    let mut local = LocalAuth {
        id: Some(Identification::fqdn(me)),
        class: AuthClass::PubKey,
        auth: "pubkey".into(),
        ..LocalAuth::default()
    };
    let mut remote = RemoteAuth {
        id: IdMatch::Exact(Identification::fqdn(peer)),
        class: AuthClass::PubKey,
        auth: "pubkey".into(),
        ..RemoteAuth::default()
    };
    edit(&mut local, &mut remote);
    IkeConfig {
        name: "gw".into(),
        local_addrs: Vec::new(),
        remote_addrs: Vec::new(),
        proposals: vec![Proposal::parse(ProtocolId::IKE, "aes256gcm16-prfsha256-x25519").unwrap()],
        local,
        remote,
        children: vec![Arc::new(ChildConfig {
            name: "net".into(),
            proposals: vec![Proposal::parse(ProtocolId::ESP, "aes256gcm16").unwrap()],
            local_ts: vec![net(if me.starts_with("moon") { 1 } else { 2 })],
            remote_ts: vec![net(if me.starts_with("moon") { 2 } else { 1 })],
            mode: Mode::Tunnel,
            lifetime: ChildLifetime::default(),
            ipcomp: false,
        })],
        lifetime: IkeLifetime::default(),
        dpd_delay: Duration::ZERO,
        encap: false,
        fragmentation: Fragmentation::Yes,
        send_certreq: true,
        send_cert: ike::config::SendCert::IfAsked,
        vips: Vec::new(),
        pools: Vec::new(),
        unique: ike::config::Unique::No,
    }
}

struct Side {
    ep: Endpoint,
    creds: Arc<Recorded>,
    addr: SocketAddr,
    up: usize,
}

fn side(store: CredentialStore, config: IkeConfig, last: u8) -> Side {
    let creds = Arc::new(Recorded {
        store,
        failures: Mutex::new(Vec::new()),
    });
    let dyn_creds: Arc<dyn Credentials> = Arc::clone(&creds) as Arc<dyn Credentials>;
    let mut ep = Endpoint::new(default_provider(), Settings::default(), dyn_creds).unwrap();
    ep.load_config(Arc::new(config));
    Side {
        ep,
        creds,
        addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)), 500),
        up: 0,
    }
}

/// moon initiates to sun; both sides run until quiet.
fn establish(
    moon: CredentialStore,
    sun: CredentialStore,
    edit: &dyn Fn(&mut LocalAuth, &mut RemoteAuth),
) -> (Side, Side) {
    let mut a = side(
        moon,
        config("moon.strongswan.org", "sun.strongswan.org", edit),
        1,
    );
    let mut b = side(
        sun,
        config("sun.strongswan.org", "moon.strongswan.org", edit),
        2,
    );
    let now = Instant::ZERO;
    a.ep.initiate(now, "gw", Some("net"), a.addr, b.addr)
        .unwrap();
    let (up_a, up_b) = ike::testing::shuttle(&mut a.ep, &mut b.ep, now);
    a.up += up_a;
    b.up += up_b;
    (a, b)
}

fn assert_up(a: &Side, b: &Side) {
    let fails = |s: &Side| s.creds.failures.lock().unwrap().clone();
    assert_eq!(
        (a.up, b.up),
        (1, 1),
        "moon: {:?}, sun: {:?}",
        fails(a),
        fails(b)
    );
}

fn failures(s: &Side) -> Vec<String> {
    s.creds.failures.lock().unwrap().clone()
}

#[test]
fn ca_signed_ecdsa_p256_peers_authenticate_each_other() {
    let ca = Cert::root("strongSwan Root CA", Alg::P256);
    let (moon, sun) = (
        ca.leaf("moon.strongswan.org", Alg::P256),
        ca.leaf("sun.strongswan.org", Alg::P256),
    );
    let (a, b) = establish(
        store(Some(&moon), &[&ca]),
        store(Some(&sun), &[&ca]),
        &|_, _| {},
    );
    assert_up(&a, &b);
}

#[test]
fn rsa_3072_peers_authenticate_with_pss() {
    let ca = Cert::root("strongSwan RSA CA", Alg::Rsa3072);
    let (moon, sun) = (
        ca.leaf("moon.strongswan.org", Alg::Rsa3072),
        ca.leaf("sun.strongswan.org", Alg::Rsa3072),
    );
    let pss = |l: &mut LocalAuth, r: &mut RemoteAuth| {
        l.auth = "rsa/pss".into();
        r.auth = "ike:rsa/pss-sha256-sha384-sha512".into();
    };
    let (a, b) = establish(store(Some(&moon), &[&ca]), store(Some(&sun), &[&ca]), &pss);
    assert_up(&a, &b);
    // without PSS the same peers are refused by that constraint
    let pkcs1 = |l: &mut LocalAuth, r: &mut RemoteAuth| {
        l.auth = "rsa-sha256".into();
        r.auth = "ike:rsa/pss-sha256".into();
    };
    let (a, b) = establish(
        store(Some(&moon), &[&ca]),
        store(Some(&sun), &[&ca]),
        &pkcs1,
    );
    assert_eq!(a.up + b.up, 0);
    assert!(
        failures(&b)[0].contains("IKE signature scheme RSA_EMSA_PKCS1_SHA2_256 not acceptable"),
        "{:?}",
        failures(&b)
    );
}

#[test]
fn an_intermediate_ca_travels_in_cert_payloads() {
    let root = Cert::root("strongSwan Root CA", Alg::P256);
    let sub = root.intermediate("strongSwan Intermediate CA", Alg::P256);
    let moon = sub.leaf("moon.strongswan.org", Alg::P256);
    let sun = root.leaf("sun.strongswan.org", Alg::P256);
    // only moon holds the intermediate: sun learns it from moon's CERTs
    let (a, b) = establish(
        store(Some(&moon), &[&root, &sub]),
        store(Some(&sun), &[&root]),
        &|_, _| {},
    );
    assert_up(&a, &b);
}

#[test]
fn pinned_self_signed_certificates_need_no_ca() {
    let moon = Cert::self_signed("moon.strongswan.org", Alg::P256);
    let sun = Cert::self_signed("sun.strongswan.org", Alg::Ed25519);
    let (moon_der, sun_der) = (moon.der.clone(), sun.der.clone());
    let pins = move |l: &mut LocalAuth, r: &mut RemoteAuth| {
        let (mine, theirs) = if l.id == Some(Identification::fqdn("moon.strongswan.org")) {
            (&moon_der, &sun_der)
        } else {
            (&sun_der, &moon_der)
        };
        l.certs = vec![mine.clone()];
        r.certs = vec![theirs.clone()];
    };
    let (a, b) = establish(store(Some(&moon), &[]), store(Some(&sun), &[]), &pins);
    assert_up(&a, &b);
}

#[test]
fn pinned_raw_public_keys_authenticate() {
    let moon = Cert::self_signed("moon.strongswan.org", Alg::Ed25519).private_key();
    let sun = Cert::self_signed("sun.strongswan.org", Alg::P256).private_key();
    let (moon_spki, sun_spki) = (moon.public_key().to_spki(), sun.public_key().to_spki());
    let pins = move |l: &mut LocalAuth, r: &mut RemoteAuth| {
        let moon_side = l.id == Some(Identification::fqdn("moon.strongswan.org"));
        let (mine, theirs) = if moon_side {
            (&moon_spki, &sun_spki)
        } else {
            (&sun_spki, &moon_spki)
        };
        l.pubkeys = vec![mine.clone()];
        r.pubkeys = vec![theirs.clone()];
    };
    let with_key = |k| {
        let mut s = store(None, &[]);
        s.add_private_key(k);
        s
    };
    let (a, b) = establish(with_key(moon), with_key(sun), &pins);
    assert_up(&a, &b);
}

#[test]
fn a_pin_mismatch_is_refused_by_either_side() {
    let moon = Cert::self_signed("moon.strongswan.org", Alg::P256);
    let sun = Cert::self_signed("sun.strongswan.org", Alg::P256);
    let other_moon = Cert::self_signed("moon.strongswan.org", Alg::P256);
    let other_sun = Cert::self_signed("sun.strongswan.org", Alg::P256);
    for (moon_pins, sun_pins, refuser) in [
        (&sun, &other_moon, "sun"),  // the responder refuses the initiator
        (&other_sun, &moon, "moon"), // the initiator refuses the responder
    ] {
        let (mp, sp) = (moon_pins.der.clone(), sun_pins.der.clone());
        let pins = move |l: &mut LocalAuth, r: &mut RemoteAuth| {
            let moon_side = l.id == Some(Identification::fqdn("moon.strongswan.org"));
            r.certs = vec![if moon_side { mp.clone() } else { sp.clone() }];
        };
        let (a, b) = establish(store(Some(&moon), &[]), store(Some(&sun), &[]), &pins);
        // the responder's CHILD_SA comes up with its answer and goes with
        // the initiator's AUTHENTICATION_FAILED (RFC 7296 §2.21.2)
        assert_eq!(a.up, 0, "{refuser}");
        assert_eq!(a.ep.sas().count() + b.ep.sas().count(), 0, "{refuser}");
        let refused = if refuser == "sun" {
            failures(&b)
        } else {
            failures(&a)
        };
        assert!(
            refused[0].starts_with("key is not pinned"),
            "{refuser}: {refused:?}"
        );
    }
}

/// `C=CH, O=strongSwan, CN=*` (rcgen writes C as PrintableString).
fn dn_pattern() -> Vec<u8> {
    let atv = |arc: u8, tag: u8, value: &[u8]| {
        let mut oid = vec![0x06, 0x03, 0x55, 0x04, arc, tag, value.len() as u8];
        oid.extend_from_slice(value);
        let seq = [&[0x30, oid.len() as u8][..], &oid].concat();
        [&[0x31, seq.len() as u8][..], &seq].concat()
    };
    let body = [
        atv(6, 0x13, b"CH"),
        atv(10, 0x0c, b"strongSwan"),
        atv(3, 0x0c, b"*"),
    ]
    .concat();
    [&[0x30, body.len() as u8][..], &body].concat()
}

#[test]
fn a_dn_identity_matches_a_remote_id_with_wildcards() {
    use ike::config::Pattern;
    use ike::wire::iana::IdType;
    let ca = Cert::root("strongSwan Root CA", Alg::P256);
    let (moon, sun) = (
        ca.leaf("moon.strongswan.org", Alg::P256),
        ca.leaf("sun.strongswan.org", Alg::P256),
    );
    let moon_dn = moon.cert().subject().to_vec();
    let edit = move |l: &mut LocalAuth, r: &mut RemoteAuth| {
        if l.id == Some(Identification::fqdn("moon.strongswan.org")) {
            l.id = Some(Identification {
                ty: IdType::DER_ASN1_DN,
                data: moon_dn.clone(),
            });
        } else {
            let pattern = certs::identity::DnPattern::new(dn_pattern()).unwrap();
            r.id = IdMatch::Pattern(Pattern(Arc::new(pattern)));
        }
    };
    let (a, b) = establish(store(Some(&moon), &[&ca]), store(Some(&sun), &[&ca]), &edit);
    assert_up(&a, &b);
}

#[test]
fn hostile_auth_data_and_certificates_fail_cleanly() {
    let ca = Cert::root("strongSwan Root CA", Alg::P256);
    let moon = ca.leaf("moon.strongswan.org", Alg::P256);
    let store = store(None, &[&ca]);
    let id = Identification::fqdn("moon.strongswan.org");
    let round = RemoteAuth::default();
    let mut data = vec![
        12, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    data.extend_from_slice(&[0x30; 70]);
    for len in (0..moon.der.len()).step_by(7) {
        for flip in [None, Some(len / 2)] {
            let mut der = moon.der[..len.max(1)].to_vec();
            if let Some(i) = flip.filter(|&i| i < der.len()) {
                der[i] ^= 0x40;
            }
            let certs = [ike::wire::Certificate {
                encoding: ike::wire::iana::CertEncoding::X509_SIGNATURE,
                data: der,
            }];
            let request = VerifyRequest {
                id: &id,
                certificates: &certs,
                method: ike::wire::iana::AuthMethod::DIGITAL_SIGNATURE,
                data: &data[..(len % data.len())],
                octets: b"octets",
                round: &round,
            };
            assert!(store.check_peer(&request).is_err());
        }
    }
}
