//! Signature authentication through the `ike::auth` traits (RFC 7296
//! §2.15, RFC 7427): the core carries CERT payloads, asks the signer for
//! AUTH data over the right octets and the verifier to check the peer's.
//! A keyed hash stands in for a real signature here; the `certs` crate
//! plugs in real keys.

use std::sync::{Arc, Mutex};

use super::{Pair, configs};
use crate::IkeState;
use crate::auth::{AuthError, Credentials, PeerVerifier, Signer, VerifyRequest};
use crate::config::{AuthClass, LocalAuth, RemoteAuth};
use crate::crypto::{Hash, Secret, default_provider};
use crate::wire::iana::{AuthMethod, CertEncoding, HashAlgorithm};
use crate::wire::{Certificate, Identification};

/// "Signs" with SHA-256(key | octets); the certificate is the key's name.
#[derive(Debug)]
struct FakePki {
    me: &'static str,
    /// Names whose signatures the verifier accepts.
    trusted: Vec<&'static str>,
    /// What the verifier was asked, for the assertions.
    seen: Mutex<Vec<(String, usize, AuthMethod)>>,
}

fn sha256() -> &'static dyn Hash {
    default_provider().hash(HashAlgorithm::SHA2_256).unwrap()
}

fn fake_signature(name: &str, octets: &[u8]) -> Vec<u8> {
    sha256().hash(&[name.as_bytes(), octets])
}

struct FakeSigner(&'static str);

impl Signer for FakeSigner {
    fn choose(&self, peer_hashes: &[HashAlgorithm]) -> Result<AuthMethod, AuthError> {
        // RFC 7427 needs the peer to have announced a usable hash
        if peer_hashes.contains(&HashAlgorithm::SHA2_256) {
            Ok(AuthMethod::DIGITAL_SIGNATURE)
        } else {
            Err(AuthError::NoCredentials)
        }
    }

    fn sign(&self, _method: AuthMethod, octets: &[u8]) -> Result<Vec<u8>, AuthError> {
        Ok(fake_signature(self.0, octets))
    }

    fn certificates(&self) -> Vec<Certificate> {
        vec![Certificate {
            encoding: CertEncoding::X509_SIGNATURE,
            data: self.0.as_bytes().to_vec(),
        }]
    }
}

impl PeerVerifier for FakePki {
    fn verify(&self, request: &VerifyRequest<'_>) -> Result<(), AuthError> {
        let [cert] = request.certificates else {
            return Err(AuthError::Certificate("no certificate".into()));
        };
        let name = String::from_utf8_lossy(&cert.data).into_owned();
        self.seen
            .lock()
            .unwrap()
            .push((name.clone(), request.octets.len(), request.method));
        if !self.trusted.contains(&name.as_str()) {
            return Err(AuthError::Certificate(format!("{name} is not trusted")));
        }
        if request.data != fake_signature(&name, request.octets) {
            return Err(AuthError::BadSignature);
        }
        Ok(())
    }
}

impl Credentials for FakePki {
    fn shared_key(&self, _: &Identification, _: Option<&Identification>) -> Option<Secret> {
        None
    }

    fn signer(&self, _me: &Identification, _round: &LocalAuth) -> Option<Box<dyn Signer>> {
        Some(Box::new(FakeSigner(self.me)))
    }

    fn verifier(&self) -> Option<&dyn PeerVerifier> {
        Some(self)
    }

    fn ca_key_hashes(&self, _round: &RemoteAuth) -> Vec<[u8; 20]> {
        vec![[0xca; 20]]
    }
}

fn pki(me: &'static str, trusted: &[&'static str]) -> Arc<FakePki> {
    Arc::new(FakePki {
        me,
        trusted: trusted.to_vec(),
        seen: Mutex::new(Vec::new()),
    })
}

fn signature_pair(a: Arc<FakePki>, b: Arc<FakePki>) -> Pair {
    signature_pair_with(a, b, |_| {})
}

fn signature_pair_with(
    a: Arc<FakePki>,
    b: Arc<FakePki>,
    edit: impl Fn(&mut crate::config::IkeConfig),
) -> Pair {
    let pubkey = |c: &mut crate::config::IkeConfig| {
        c.local.class = AuthClass::PubKey;
        c.remote.class = AuthClass::PubKey;
        edit(c);
    };
    let (ca, cb) = configs(pubkey, pubkey);
    let mut pair = Pair::new(ca, cb);
    pair.a.set_credentials(a);
    pair.b.set_credentials(b);
    pair
}

#[test]
fn signature_authentication_goes_through_the_traits() {
    let (a, b) = (pki("moon-key", &["sun-key"]), pki("sun-key", &["moon-key"]));
    let mut pair = signature_pair(Arc::clone(&a), Arc::clone(&b));
    // IKE_AUTH { IDi, CERT, [N(INITIAL_CONTACT)], IDr, AUTH(14), SA, TSi, TSr } -->
    // <-- IKE_AUTH { IDr, CERT, AUTH(14), SA, TSi, TSr }
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
    assert_eq!(pair.b.sa().children.len(), 1);
    // each verifier saw the peer's certificate and signed octets:
    // IKE_SA_INIT message | nonce | prf(SK_p, ID') (32 octets of PRF-SHA256)
    let seen_by_b = b.seen.lock().unwrap().clone();
    assert_eq!(seen_by_b.len(), 1);
    assert_eq!(seen_by_b[0].0, "moon-key");
    assert_eq!(seen_by_b[0].2, AuthMethod::DIGITAL_SIGNATURE);
    assert!(seen_by_b[0].1 > 200 + 32 + 32, "{seen_by_b:?}");
}

#[test]
fn an_untrusted_signer_fails_authentication() {
    let (a, b) = (
        pki("mallory-key", &["sun-key"]),
        pki("sun-key", &["moon-key"]),
    );
    let mut pair = signature_pair(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.ep.sas().count() + pair.b.ep.sas().count(), 0);
    assert!(pair.a.kernel.sas.is_empty() && pair.b.kernel.sas.is_empty());
}

#[test]
fn a_responder_that_psk_authenticates_where_pubkey_is_required_is_refused() {
    let pubkey_only = |c: &mut crate::config::IkeConfig| c.remote.class = AuthClass::PubKey;
    let (a, b) = configs(pubkey_only, |_| {});
    let mut pair = Pair::new(a, b);
    pair.initiate("gw", Some("net"));
    pair.drive();
    // B authenticated A and answered with a PSK AUTH that A refuses
    assert_eq!(pair.a.ep.sas().count() + pair.b.ep.sas().count(), 0);
}

#[test]
fn without_a_certreq_ifasked_sends_no_certificate() {
    let (a, b) = (pki("moon-key", &["sun-key"]), pki("sun-key", &["moon-key"]));
    let mut pair = signature_pair_with(a, Arc::clone(&b), |c| c.send_certreq = false);
    pair.initiate("gw", Some("net"));
    pair.drive();
    // B got no CERT from A, so its verifier could not identify the key
    assert_eq!(pair.b.ep.sas().count(), 0);
    assert!(b.seen.lock().unwrap().is_empty());
}

#[test]
fn send_cert_always_sends_the_certificate_unasked() {
    let (a, b) = (pki("moon-key", &["sun-key"]), pki("sun-key", &["moon-key"]));
    let mut pair = signature_pair_with(a, b, |c| {
        c.send_certreq = false;
        c.send_cert = crate::config::SendCert::Always;
    });
    pair.initiate("gw", Some("net"));
    pair.drive();
    assert_eq!(pair.a.sa().state, IkeState::Established);
}
