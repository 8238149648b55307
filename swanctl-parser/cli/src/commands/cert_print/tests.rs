use super::*;

#[test]
fn captions_change_with_the_type_and_the_x509_flag() {
    let mut p = Printer::new(true, false);
    let mut caption = |ty, flag| {
        let mut out = String::new();
        p.caption(&mut out, ty, flag);
        out
    };
    assert_eq!(
        caption(CertType::X509, Flag::None),
        "\nList of X.509 End Entity Certificates\n\n"
    );
    assert_eq!(caption(CertType::X509, Flag::None), "\n");
    assert_eq!(
        caption(CertType::X509, Flag::Ca),
        "\nList of X.509 CA Certificates\n\n"
    );
    assert_eq!(
        caption(CertType::Crl, Flag::None),
        "\nList of X.509 CRLs\n\n"
    );
    // the flag of a CRL event does not matter, the last X.509 flag stays
    assert_eq!(caption(CertType::Crl, Flag::Aa), "\n");
    assert_eq!(
        caption(CertType::X509, Flag::Ca),
        "\nList of X.509 CA Certificates\n\n"
    );
    assert_eq!(
        caption(CertType::Pubkey, Flag::None),
        "\nList of Raw Public Keys\n\n"
    );
    assert_eq!(
        caption(CertType::OcspResponse, Flag::None),
        "\nList of OCSP Responses\n\n"
    );
    // no caption at all for types strongSwan has none for
    assert_eq!(caption(CertType::Other, Flag::None), "");
}

#[test]
fn names_types_and_flags_case_insensitively() {
    assert_eq!(CertType::from_name("x509_crl"), Some(CertType::Crl));
    assert_eq!(CertType::from_name("PUBKEY"), Some(CertType::Pubkey));
    assert_eq!(CertType::from_name("ANY"), None);
    assert_eq!(Flag::from_name("ocsp"), Some(Flag::Ocsp));
    assert_eq!(Flag::from_name("ANY"), None);
}

#[test]
fn validity_remarks_follow_the_clock() {
    let p = Printer::new(true, true);
    let v = Validity {
        not_before: 1_000_000,
        not_after: 2_000_000,
    };
    let text = |now| {
        let mut out = String::new();
        p.print_validity(&mut out, v, false, now);
        out
    };
    assert_eq!(
        text(1_500_000),
        "  validity:  not before Jan 12 13:46:40 UTC 1970, ok\n             \
         not after  Jan 24 03:33:20 UTC 1970, ok (expires in 5 days)\n"
    );
    assert!(text(999_000).contains(", not valid yet (valid in 16 minutes)\n"));
    assert!(text(2_000_100).ends_with(", expired (100 seconds ago)\n"));
}

#[test]
fn keys_of_unknown_types_are_not_printed() {
    // SEQUENCE { SEQUENCE { OID 1.2.3 } BIT STRING { 0 } }
    let spki = [
        0x30, 0x09, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x03, 0x01, 0x00,
    ];
    assert!(Spki::parse(&spki).is_none());
    assert!(Spki::parse(&[]).is_none());
}

/// An OCSPResponse built by hand: responder by key hash, one response
/// each for `statuses` (serials 1, 2...), producedAt 1970-01-02, no
/// nextUpdate.
fn ocsp_der(status: u8, statuses: &[Vec<u8>]) -> Vec<u8> {
    use crate::der::{OCTET_STRING, seq, tlv};
    let gt = |s: &str| tlv(0x18, s.as_bytes());
    let singles: Vec<Vec<u8>> = statuses
        .iter()
        .enumerate()
        .map(|(i, cert_status)| {
            let serial = [u8::try_from(i + 1).unwrap_or(0)];
            let cert_id = seq(&[
                &seq(&[&tlv(OID, &[0x2b, 0x0e, 0x03, 0x02, 0x1a])]),
                &tlv(OCTET_STRING, &[0; 20]),
                &tlv(OCTET_STRING, &[0; 20]),
                &tlv(0x02, &serial),
            ]);
            seq(&[&cert_id, cert_status, &gt("19700101000000Z")])
        })
        .collect();
    let refs: Vec<&[u8]> = singles.iter().map(Vec::as_slice).collect();
    let tbs = seq(&[
        &tlv(0xa2, &tlv(OCTET_STRING, &[0xab; 20])),
        &gt("19700102000000Z"),
        &seq(&refs),
    ]);
    let basic = seq(&[&tbs, &seq(&[&tlv(OID, &[0x2a])]), &tlv(0x03, &[0])]);
    let oid = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
    let bytes = seq(&[&tlv(OID, &oid), &tlv(OCTET_STRING, &basic)]);
    seq(&[&tlv(0x0a, &[status]), &tlv(0xa0, &bytes)])
}

#[test]
fn prints_ocsp_responses_like_print_ocsp_response() {
    use crate::der::{seq, tlv};
    let revoked = tlv(
        0xa1,
        &[tlv(0x18, b"19700101000010Z"), tlv(0xa0, &tlv(0x0a, &[4]))].concat(),
    );
    let der = ocsp_der(0, &[tlv(0x80, &[]), revoked, tlv(0x82, &[])]);
    let response = OcspResponse::parse(&der).map(|o| Cert::Ocsp(Box::new(o)));
    let Some(response) = response else {
        panic!("not parsed: {der:02x?}");
    };
    let mut out = String::new();
    Printer::new(true, true).print(&mut out, &response, false, 86400 + 60);
    assert_eq!(
        out,
        format!(
            "  issuer:   \"{}\"\n  update:    this on Jan 02 00:00:00 UTC 1970, ok\n             \
             next on Jan 02 00:00:30 UTC 1970, expired (30 seconds ago)\n  responses: \
             01: good\n             02: revoked on Jan 01 00:00:10 UTC 1970, superseded\n             \
             03: unknown\n",
            ["ab"; 20].join(":")
        )
    );
    let mut short = String::new();
    Printer::new(false, true).print(&mut short, &response, false, 0);
    assert!(!short.contains("responses"));
    // unsuccessful responses are not printed
    assert!(OcspResponse::parse(&ocsp_der(3, &[])).is_none());
    assert!(OcspResponse::parse(&seq(&[])).is_none());
}
