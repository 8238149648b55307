//! The certificate scenarios of `common::certlab`, charon against charon:
//! proof that the test PKI and the swanctl.conf writers are right before
//! cygnetd takes one side. moon (initiator) runs in side a at 192.0.2.1,
//! sun (responder) in side b at 192.0.2.2, each charon with its own
//! strongswan.conf, VICI socket and swanctl directory; one namespace pair
//! per test, the tests run in parallel. Needs root, `ip`, charon, swanctl
//! and `openssl` (see `common::prerequisites`).

mod common;

use std::path::Path;
use std::time::Duration;

use common::certlab::{CHILD, CONN, CertLab, LAB_A, LAB_B, Scenario, Side};
use common::pki::{Host, INTERMEDIATE_DN, ROOT_DN};
use common::{Charon, Netns, prerequisites, tail, wait_until};
use tempfile::TempDir;

#[test]
fn ca_signed_ecdsa_leaves_establish_with_rfc7427_ecdsa_signatures() {
    run("ceca", Scenario::EcdsaCa, |pair| {
        pair.establish()?;
        for (charon, me) in pair.both() {
            let peer = me.peer();
            charon.expect_log(&[
                &format!("received cert request for \"{ROOT_DN}\""),
                &format!("sending end entity cert \"{}\"", me.dn()),
                &format!("received end entity cert \"{}\"", peer.dn()),
                "reached self-signed root ca with a path length of 0",
                &format!(
                    "authentication of '{}' with ECDSA_WITH_SHA256_DER successful",
                    peer.fqdn()
                ),
            ])?;
        }
        Ok(())
    });
}

#[test]
fn rsa_3072_leaves_establish_with_rsassa_pss_both_ways() {
    run("crsa", Scenario::RsaPss, |pair| {
        pair.establish()?;
        for (charon, me) in pair.both() {
            charon.expect_log(&[
                &format!(
                    "authentication of '{}' (myself) with RSA_EMSA_PSS_SHA2_256_SALT_32 successful",
                    me.fqdn()
                ),
                &format!(
                    "authentication of '{}' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful",
                    me.peer().fqdn()
                ),
            ])?;
        }
        Ok(())
    });
}

#[test]
fn responder_sends_the_intermediate_the_initiator_needs_to_reach_its_root() {
    run("cchn", Scenario::Chain, chain_steps);
}

#[test]
fn rsa_4096_chain_establishes_with_fragmented_ike_auth() {
    run("cr4k", Scenario::Rsa4096Chain, |pair| {
        chain_steps(pair)?;
        for (charon, me) in pair.both() {
            charon.expect_log(&[
                "splitting IKE message",
                "received fragment #1 of",
                // charon's default for a 4096-bit RSA key
                &format!(
                    "authentication of '{}' with RSA_EMSA_PKCS1_SHA2_384 successful",
                    me.peer().fqdn()
                ),
            ])?;
        }
        Ok(())
    });
}

/// The chain checks shared by the ECDSA and the RSA-4096 chain.
fn chain_steps(pair: &Pair) -> Result<(), String> {
    pair.establish()?;
    pair.sun.expect_log(&[
        &format!("sending cert request for \"{INTERMEDIATE_DN}\""),
        &format!("sending end entity cert \"{}\"", Host::Sun.dn()),
        &format!("sending issuer cert \"{INTERMEDIATE_DN}\""),
        &format!("using trusted intermediate ca certificate \"{INTERMEDIATE_DN}\""),
    ])?;
    pair.moon.expect_log(&[
        &format!("received issuer cert \"{INTERMEDIATE_DN}\""),
        &format!("using untrusted intermediate certificate \"{INTERMEDIATE_DN}\""),
        &format!("using trusted ca certificate \"{ROOT_DN}\""),
        "reached self-signed root ca with a path length of 1",
    ])?;
    // moon has no intermediate to send: sun verified with its own
    pair.moon.expect_no_log("sending issuer cert")
}

#[test]
fn pinned_self_signed_certificates_establish_without_cert_payloads() {
    run("cpin", Scenario::Pinned, |pair| {
        pair.establish()?;
        for (charon, me) in pair.both() {
            charon.expect_log(&[&format!(
                "authentication of '{}' with ECDSA_WITH_SHA256_DER successful",
                me.peer().fqdn()
            )])?;
            // no CA, so no CERTREQ, so no CERT (send_cert = ifasked)
            charon.expect_no_log("cert request")?;
            charon.expect_no_log("end entity cert")?;
        }
        Ok(())
    });
}

#[test]
fn initiator_pinning_an_impostor_certificate_rejects_the_responder() {
    run("cmmi", Scenario::PinMismatch(Side::Initiator), |pair| {
        pair.reject()?;
        // sun completed IKE_AUTH; moon's verdict comes in an INFORMATIONAL
        pair.moon.expect_log(&[
            &format!("using trusted certificate \"{}\"", Host::Sun.dn()),
            "signature validation failed, looking for another key",
            "generating INFORMATIONAL request 2 [ N(AUTH_FAILED) ]",
        ])?;
        pair.sun.expect_log(&[
            "parsed INFORMATIONAL request 2 [ N(AUTH_FAILED) ]",
            &format!("deleting IKE_SA {CONN}[1]"),
        ])
    });
}

#[test]
fn responder_pinning_an_impostor_certificate_rejects_the_initiator() {
    run("cmmr", Scenario::PinMismatch(Side::Responder), |pair| {
        pair.reject()?;
        pair.sun.expect_log(&[
            &format!("using trusted certificate \"{}\"", Host::Moon.dn()),
            "signature validation failed, looking for another key",
            "generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]",
        ])?;
        pair.moon
            .expect_log(&["received AUTHENTICATION_FAILED notify error"])?;
        pair.sun.expect_no_log("established between")
    });
}

/// Sets up `scenario` in namespaces `<prefix>{a,b}<pid>`, runs `steps`,
/// prints both logs if they fail.
fn run(prefix: &str, scenario: Scenario, steps: impl FnOnce(&Pair) -> Result<(), String>) {
    let name = format!("cert_lab {scenario:?}");
    let Some(ip) = prerequisites(&name) else {
        return;
    };
    if !common::pki::openssl_available(&name) {
        return;
    }
    let pair = Pair::up(&ip, prefix, scenario).expect("lab");
    if let Err(why) = steps(&pair) {
        println!(
            "--- moon (initiator) charon.log ---\n{}",
            tail(&pair.moon.log(), 80)
        );
        println!(
            "--- sun (responder) charon.log ---\n{}",
            tail(&pair.sun.log(), 80)
        );
        panic!("{scenario:?}: {why}");
    }
}

/// Two charons; fields drop in order, the charons before the namespaces.
struct Pair {
    moon: Charon,
    sun: Charon,
    _netns: Netns,
    _dir: TempDir,
}

impl Pair {
    fn up(ip: &Path, prefix: &str, scenario: Scenario) -> Result<Self, String> {
        let lab = CertLab::new(scenario)?;
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::sites(ip, prefix, (LAB_A.addr, LAB_B.addr))?;
        let (moon_dir, sun_dir) = (dir.path().join("moon"), dir.path().join("sun"));
        let moon_conf = lab.write_side(Side::Initiator, &moon_dir, &LAB_A, &LAB_B)?;
        let sun_conf = lab.write_side(Side::Responder, &sun_dir, &LAB_B, &LAB_A)?;
        let moon = Charon::start(&netns, &netns.a, &moon_dir)?;
        let sun = Charon::start(&netns, &netns.b, &sun_dir)?;
        for (charon, conf) in [(&moon, &moon_conf), (&sun, &sun_conf)] {
            let out = charon.load_file(conf)?;
            let loaded = format!("loaded connection '{CONN}'");
            if !out.contains(&loaded) || !out.contains(" key from '") {
                return Err(format!("swanctl --load-all {}:\n{out}", conf.display()));
            }
        }
        Ok(Self {
            moon,
            sun,
            _netns: netns,
            _dir: dir,
        })
    }

    fn both(&self) -> [(&Charon, Host); 2] {
        [(&self.moon, Host::Moon), (&self.sun, Host::Sun)]
    }

    /// moon initiates; both list the IKE SA ESTABLISHED between the two
    /// identities and the CHILD_SA INSTALLED.
    fn establish(&self) -> Result<(), String> {
        let out = self
            .moon
            .swanctl("--initiate", &["--child", CHILD, "--timeout", "10"])?;
        if !out.contains("initiate completed successfully") {
            return Err(format!("swanctl --initiate:\n{out}"));
        }
        for (charon, me) in self.both() {
            let (local, remote) = match me {
                Host::Moon => (LAB_A.addr, LAB_B.addr),
                Host::Sun => (LAB_B.addr, LAB_A.addr),
            };
            charon.wait_list_sas(&[
                &format!("{CONN}: #1, ESTABLISHED, IKEv2"),
                &format!("local  '{}' @ {local}[4500]", me.fqdn()),
                &format!("remote '{}' @ {remote}[4500]", me.peer().fqdn()),
                &format!("{CHILD}: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128"),
            ])?;
        }
        Ok(())
    }

    /// moon's initiate fails and neither side keeps an SA.
    fn reject(&self) -> Result<(), String> {
        let initiated = self
            .moon
            .swanctl("--initiate", &["--child", CHILD, "--timeout", "10"]);
        if let Ok(out) = initiated {
            return Err(format!("swanctl --initiate succeeded:\n{out}"));
        }
        for (charon, _) in self.both() {
            let mut sas = String::new();
            let empty = wait_until(Duration::from_secs(3), || {
                sas = charon.swanctl("--list-sas", &[]).unwrap_or_default();
                !sas.contains(&format!("{CONN}: #"))
            });
            if !empty {
                return Err(format!("an SA is left:\n{sas}"));
            }
        }
        Ok(())
    }
}

/// Log and `--list-sas` checks on one charon.
trait Checks {
    fn expect_log(&self, lines: &[&str]) -> Result<(), String>;
    fn expect_no_log(&self, text: &str) -> Result<(), String>;
    fn wait_list_sas(&self, lines: &[&str]) -> Result<(), String>;
    /// `moon` or `sun` (its directory).
    fn name(&self) -> String;
}

impl Checks for Charon {
    fn name(&self) -> String {
        let name = self.dir().file_name().unwrap_or_default();
        format!("charon {}", name.to_string_lossy())
    }

    /// Waits up to 3 s for every line in the log.
    fn expect_log(&self, lines: &[&str]) -> Result<(), String> {
        let mut log = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            log = self.log();
            lines.iter().all(|l| log.contains(l))
        });
        found.then_some(()).ok_or_else(|| {
            let missing: Vec<&&str> = lines.iter().filter(|l| !log.contains(**l)).collect();
            format!("{} lacks {missing:?}", self.name())
        })
    }

    fn expect_no_log(&self, text: &str) -> Result<(), String> {
        match self.log().lines().find(|l| l.contains(text)) {
            Some(line) => Err(format!("{} logged {line:?}", self.name())),
            None => Ok(()),
        }
    }

    /// Waits up to 3 s for every line in `--list-sas`.
    fn wait_list_sas(&self, lines: &[&str]) -> Result<(), String> {
        let mut sas = String::new();
        let found = wait_until(Duration::from_secs(3), || {
            sas = self.swanctl("--list-sas", &[]).unwrap_or_default();
            lines.iter().all(|l| sas.contains(l))
        });
        found.then_some(()).ok_or_else(|| {
            let missing: Vec<&&str> = lines.iter().filter(|l| !sas.contains(**l)).collect();
            format!("{}'s list-sas lacks {missing:?}:\n{sas}", self.name())
        })
    }
}
