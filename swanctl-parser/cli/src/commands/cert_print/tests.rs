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
