//! cygnetd against strongSwan 5.9.8's charon with certificates: the
//! scenarios of `common::certlab` (proven charon against charon in
//! `cert_lab.rs`) with cygnetd taking one side, in both roles. cygnetd
//! runs in side a (192.0.2.1), charon with kernel-libipsec in side b
//! (192.0.2.2); each reads the swanctl.conf and credential folders the lab
//! writes for its side. When Cygnet initiates it is moon
//! (`start_action = start`), otherwise charon is moon and initiates with
//! `swanctl --initiate`.
//!
//! Each test runs both roles at once in two namespace pairs
//! (`common::cygnet_lab`) and checks concrete values: charon's
//! `--list-sas` shows the IKE SA ESTABLISHED between the two identities
//! with the SPIs cygnetd logged and the CHILD_SA INSTALLED with cygnetd's
//! SPIs; both logs show the certificates, schemes and verdicts; rejections
//! leave no SA on either side. Needs root, `ip`, charon, swanctl and
//! `openssl` (see `common::prerequisites`).

mod common;

use common::certlab::{CONN, Ids, Scenario};
use common::cygnet_lab::{Checks, Role, both_roles};
use common::pki::{INTERMEDIATE_DN, ROOT_DN};

#[test]
fn ca_signed_ecdsa_p256_authenticates_both_ways_with_dn_identities() {
    both_roles(
        "ec",
        |_| Scenario::EcdsaCa,
        Ids::Dn,
        |lab| {
            lab.establish()?;
            let (us, them) = lab.ids();
            lab.charon.expect(&[
                &format!("received cert request for \"{ROOT_DN}\""),
                &format!("received end entity cert \"{}\"", lab.cygnet_host().dn()),
                &format!("authentication of '{us}' with ECDSA_WITH_SHA256_DER successful"),
            ])?;
            lab.cygnetd.wait_log(
                &format!("authentication of '{them}' with ECDSA_WITH_SHA256_DER successful"),
                1,
            )
        },
    );
}

#[test]
fn rsa_3072_authenticates_with_rsassa_pss_both_ways() {
    both_roles(
        "rsa",
        |_| Scenario::RsaPss,
        Ids::Fqdn,
        |lab| {
            lab.establish()?;
            let (us, them) = lab.ids();
            lab.charon.expect(&[&format!(
                "authentication of '{us}' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful"
            )])?;
            lab.cygnetd.wait_log(
                &format!(
                    "authentication of '{them}' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful"
                ),
                1,
            )
        },
    );
}

#[test]
fn the_responder_sends_the_intermediate_ca_the_initiator_needs() {
    both_roles(
        "chn",
        |_| Scenario::Chain,
        Ids::DnWildcard,
        |lab| {
            lab.establish()?;
            let (_, them) = lab.ids();
            match lab.role {
                // we hold only the root: charon's intermediate completes the chain
                Role::CygnetInitiates => {
                    lab.charon.expect(&[
                        &format!("received cert request for \"{ROOT_DN}\""),
                        &format!("sending issuer cert \"{INTERMEDIATE_DN}\""),
                    ])?;
                    lab.cygnetd.expect_no_log("intermediate.pem")?;
                    lab.cygnetd
                        .wait_log(&format!("authentication of '{them}' with "), 1)
                }
                // we send it from x509ca/ and charon uses it
                Role::CharonInitiates => {
                    lab.cygnetd.wait_log("loaded x509ca from '", 1)?;
                    lab.charon.expect(&[
                        &format!("received issuer cert \"{INTERMEDIATE_DN}\""),
                        &format!("using untrusted intermediate certificate \"{INTERMEDIATE_DN}\""),
                        "reached self-signed root ca with a path length of 1",
                    ])
                }
            }
        },
    );
}

#[test]
fn rsa_4096_chains_authenticate_in_fragmented_ike_auth_messages() {
    both_roles(
        "r4k",
        |_| Scenario::Rsa4096Chain,
        Ids::Fqdn,
        |lab| {
            lab.establish()?;
            let (us, them) = lab.ids();
            // charon's default scheme for a 4096-bit key, and ours
            lab.charon.expect(&[
                "received fragment #1 of",
                &format!("authentication of '{us}' with RSA_EMSA_PKCS1_SHA2_384 successful"),
            ])?;
            lab.cygnetd.wait_log(
                &format!("authentication of '{them}' with RSA_EMSA_PKCS1_SHA2_384 successful"),
                1,
            )
        },
    );
}

#[test]
fn pinned_self_signed_certificates_authenticate_without_any_ca() {
    both_roles(
        "pin",
        |_| Scenario::Pinned,
        Ids::Fqdn,
        |lab| {
            lab.establish()?;
            let (us, them) = lab.ids();
            lab.charon.expect(&[
                &format!("using trusted certificate \"{}\"", lab.cygnet_host().dn()),
                &format!("authentication of '{us}' with ECDSA_WITH_SHA256_DER successful"),
            ])?;
            // no CA, so no CERTREQ, so no CERT payloads either way
            lab.charon.expect_no_log("cert request")?;
            lab.charon.expect_no_log("end entity cert")?;
            lab.cygnetd
                .wait_log(&format!("authentication of '{them}' with "), 1)
        },
    );
}

#[test]
fn cygnet_rejects_charons_certificate_when_it_pins_another_key() {
    both_roles("cmm", Role::cygnet_pins_impostor, Ids::Fqdn, |lab| {
        lab.reject(false)?;
        let (_, them) = lab.ids();
        lab.cygnetd.wait_log(
            &format!("authentication of '{them}' failed: key is not pinned"),
            1,
        )?;
        match lab.role {
            // charon finished IKE_AUTH; our verdict reaches it in an INFORMATIONAL
            Role::CygnetInitiates => {
                lab.cygnetd.wait_log(
                    &format!("IKE_SA {CONN}[1] deleted (authentication failed: key is not pinned"),
                    1,
                )?;
                lab.charon.expect(&[
                    "parsed INFORMATIONAL request 2 [ N(AUTH_FAILED) ]",
                    &format!("deleting IKE_SA {CONN}[1]"),
                ])
            }
            Role::CharonInitiates => lab.charon.expect(&[
                "parsed IKE_AUTH response 1 [ N(AUTH_FAILED) ]",
                "received AUTHENTICATION_FAILED notify error",
            ]),
        }
    });
}

#[test]
fn charon_rejects_cygnets_certificate_when_it_pins_another_key() {
    both_roles("hmm", Role::charon_pins_impostor, Ids::Fqdn, |lab| {
        // as responder we installed the CHILD_SA before charon's verdict
        lab.reject(lab.role == Role::CharonInitiates)?;
        lab.charon.expect(&[
            &format!("using trusted certificate \"{}\"", lab.cygnet_host().dn()),
            "signature validation failed, looking for another key",
        ])?;
        lab.cygnetd.wait_log(
            &format!("IKE_SA {CONN}[1] deleted (received AUTHENTICATION_FAILED notify error)"),
            1,
        )?;
        lab.charon.expect(&[match lab.role {
            Role::CygnetInitiates => "generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]",
            Role::CharonInitiates => "generating INFORMATIONAL request 2 [ N(AUTH_FAILED) ]",
        }])
    });
}
