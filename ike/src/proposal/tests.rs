use super::Algorithm::{Encr, Esn, Integ, Ke, Prf};
use super::*;
use crate::wire::iana::{EncrId, EsnId, IntegId, KeId, PrfId, ProtocolId};

const IKE: ProtocolId = ProtocolId::IKE;
const ESP: ProtocolId = ProtocolId::ESP;
const AH: ProtocolId = ProtocolId::AH;

fn ike(s: &str) -> Proposal {
    Proposal::parse(IKE, s).unwrap()
}

fn esp(s: &str) -> Proposal {
    Proposal::parse(ESP, s).unwrap()
}

fn reason(protocol: ProtocolId, s: &str) -> String {
    Proposal::parse(protocol, s).unwrap_err().reason
}

fn one(p: &Proposal) -> &[Proposal] {
    std::slice::from_ref(p)
}

fn numbered(mut proposals: Vec<Proposal>) -> Vec<Proposal> {
    for (i, p) in proposals.iter_mut().enumerate() {
        p.number = u8::try_from(i + 1).unwrap();
    }
    proposals
}

#[test]
fn ike_cbc_proposal_derives_the_prf_from_integrity() {
    let p = ike("aes128-sha256-x25519");
    assert_eq!(
        p.transforms(),
        &[
            Transform::new(Encr(EncrId::AES_CBC), 128),
            Transform::new(Integ(IntegId::HMAC_SHA2_256_128), 0),
            Transform::new(Prf(PrfId::HMAC_SHA2_256), 0),
            Transform::new(Ke(KeId::CURVE_25519), 0),
        ]
    );
    assert_eq!(
        p.to_string(),
        "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519"
    );
}

#[test]
fn every_integrity_algorithm_gets_its_own_prf() {
    let p = ike("aes256-sha384-sha1-aesxcbc-aescmac-md5-ecp384");
    let prfs: Vec<u16> = p
        .of_type(TransformType::PRF)
        .map(|t| t.alg.wire_id())
        .collect();
    assert_eq!(prfs, vec![6, 2, 4, 8, 1]);
}

#[test]
fn explicit_prfs_suppress_derivation() {
    let p = ike("aes128-sha256-prfsha512-modp2048");
    assert_eq!(p.prf(), Some(PrfId::HMAC_SHA2_512));
    assert_eq!(p.of_type(TransformType::PRF).count(), 1);
}

#[test]
fn ike_aead_needs_a_prf_and_drops_integrity() {
    assert_eq!(
        reason(IKE, "aes128gcm16-x25519"),
        "a PRF algorithm is mandatory in IKE proposals"
    );
    let p = ike("aes128gcm16-prfsha256-x25519");
    assert_eq!(
        p.to_string(),
        "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"
    );
    // sha256 yields the PRF, the integrity algorithm is then removed
    let p = ike("aes128gcm16-sha256-x25519");
    assert_eq!(
        p.to_string(),
        "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"
    );
    assert!(p.is_aead());
}

#[test]
fn ike_needs_a_key_exchange_and_drops_none() {
    assert_eq!(
        reason(IKE, "aes128-sha256"),
        "a DH group is mandatory in IKE proposals"
    );
    assert_eq!(
        reason(IKE, "aes128-sha256-none"),
        "a DH group is mandatory in IKE proposals"
    );
    let p = ike("aes128-sha256-none-ecp256");
    assert_eq!(p.ke_methods().collect::<Vec<_>>(), vec![KeId::ECP_256]);
}

#[test]
fn ike_non_aead_needs_integrity() {
    assert!(
        reason(IKE, "aes128-prfsha256-x25519")
            .starts_with("an integrity algorithm is mandatory in IKE")
    );
}

#[test]
fn mixing_aead_and_classic_encryption_is_an_error() {
    for proto in [IKE, ESP] {
        let r = reason(proto, "aes128-aes128gcm16-sha256-prfsha256-x25519");
        assert!(r.starts_with("classic and combined-mode (AEAD)"), "{r}");
    }
}

#[test]
fn encryption_is_mandatory_in_ike_and_esp() {
    assert_eq!(
        reason(ESP, "sha256"),
        "an encryption algorithm is mandatory in ESP proposals"
    );
    assert_eq!(
        reason(IKE, "sha256-x25519"),
        "an encryption algorithm is mandatory in IKE proposals"
    );
}

#[test]
fn unknown_keywords_are_named() {
    assert_eq!(reason(ESP, "aes128-foo"), "algorithm 'foo' not recognized");
    // keywords are case-sensitive
    assert_eq!(reason(ESP, "AES128"), "algorithm 'AES128' not recognized");
    assert!(Proposal::parse(ESP, "").is_err());
    assert!(Proposal::parse(ESP, " - ").is_err());
}

#[test]
fn esp_gets_noesn_unless_esn_is_given() {
    let p = esp("aes128gcm128-x25519-esn");
    assert_eq!(
        p.transforms(),
        &[
            Transform::new(Encr(EncrId::AES_GCM_16), 128),
            Transform::new(Ke(KeId::CURVE_25519), 0),
            Transform::new(Esn(EsnId::YES), 0),
        ]
    );
    assert!(p.esn());
    assert_eq!(
        esp("aes128gcm16").to_string(),
        "ESP:AES_GCM_16_128/NO_EXT_SEQ"
    );
    let p = esp("aes256-sha256-esn-noesn");
    assert_eq!(p.of_type(TransformType::ESN).count(), 2);
}

#[test]
fn esp_drops_prfs_and_aead_drops_integrity() {
    assert_eq!(
        esp("aes128-sha256-prfsha256").to_string(),
        "ESP:AES_CBC_128/HMAC_SHA2_256_128/NO_EXT_SEQ"
    );
    assert_eq!(
        esp("aes256gcm16-sha256").to_string(),
        "ESP:AES_GCM_16_256/NO_EXT_SEQ"
    );
    // ESP with classic encryption needs no integrity algorithm
    assert_eq!(esp("aes128").to_string(), "ESP:AES_CBC_128/NO_EXT_SEQ");
}

#[test]
fn ah_maps_gmac_and_requires_integrity() {
    let p = Proposal::parse(AH, "aes256gmac-aes128").unwrap();
    assert_eq!(p.to_string(), "AH:AES_256_GMAC/NO_EXT_SEQ");
    let p = Proposal::parse(AH, "sha256-sha1-prfsha256").unwrap();
    assert_eq!(
        p.to_string(),
        "AH:HMAC_SHA2_256_128/HMAC_SHA1_96/NO_EXT_SEQ"
    );
    assert_eq!(
        reason(AH, "aes128"),
        "an integrity algorithm is mandatory in AH proposals"
    );
}

#[test]
fn keyword_aliases_map_to_the_same_transform() {
    assert_eq!(esp("aes128gcm16"), esp("aes128gcm128"));
    assert_eq!(esp("aes128gcm16"), esp("aes128gcm"));
    assert_eq!(esp("aes128-sha1"), esp("aes-sha"));
    assert_eq!(
        ike("aes128-sha256-x25519"),
        ike("aes128-sha2_256-curve25519")
    );
    assert_eq!(
        esp("chacha20poly1305").transforms()[0],
        Transform::new(Encr(EncrId::CHACHA20_POLY1305), 0)
    );
    assert_eq!(
        esp("aes128-sha256_96").integ(),
        Some(IntegId::HMAC_SHA2_256_96)
    );
    assert_eq!(
        esp("3des-md5_128").to_string(),
        "ESP:3DES_CBC/HMAC_MD5_128/NO_EXT_SEQ"
    );
}

#[test]
fn every_keyword_is_accepted() {
    for &(kw, alg, _) in keywords::KEYWORDS {
        let (proto, text) = match alg {
            Encr(_) => (IKE, format!("{kw}-sha256-prfsha256-x25519")),
            Integ(_) => (IKE, format!("aes128-{kw}-prfsha256-x25519")),
            Prf(_) => (IKE, format!("aes128-sha256-{kw}-x25519")),
            _ => (ESP, format!("aes128-sha256-{kw}")),
        };
        assert!(Proposal::parse(proto, &text).is_ok(), "{kw}: {text}");
    }
}

#[test]
fn ike_default_matches_the_5_9_8_lab_list() {
    let v = default_ike_proposals();
    assert_eq!(v.len(), 2);
    assert_eq!(
        v[0].to_string(),
        "IKE:AES_CBC_128/AES_CBC_192/AES_CBC_256/AES_CTR_128/AES_CTR_192/AES_CTR_256/\
         CAMELLIA_CBC_128/CAMELLIA_CBC_192/CAMELLIA_CBC_256/CAMELLIA_CTR_128/\
         CAMELLIA_CTR_192/CAMELLIA_CTR_256/3DES_CBC/\
         HMAC_SHA2_256_128/HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/\
         PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_HMAC_SHA1/\
         CURVE_25519/CURVE_448/ECP_256/ECP_384/ECP_521/ECP_256_BP/ECP_384_BP/ECP_512_BP/\
         MODP_3072/MODP_4096/MODP_6144/MODP_8192/MODP_2048"
    );
    assert_eq!(
        v[1].to_string(),
        "IKE:AES_GCM_16_128/AES_GCM_16_192/AES_GCM_16_256/AES_CCM_16_128/AES_CCM_16_192/\
         AES_CCM_16_256/CHACHA20_POLY1305/AES_GCM_12_128/AES_GCM_12_192/AES_GCM_12_256/\
         AES_GCM_8_128/AES_GCM_8_192/AES_GCM_8_256/AES_CCM_12_128/AES_CCM_12_192/\
         AES_CCM_12_256/AES_CCM_8_128/AES_CCM_8_192/AES_CCM_8_256/\
         PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_HMAC_SHA1/\
         CURVE_25519/CURVE_448/ECP_256/ECP_384/ECP_521/ECP_256_BP/ECP_384_BP/ECP_512_BP/\
         MODP_3072/MODP_4096/MODP_6144/MODP_8192/MODP_2048"
    );
}

#[test]
fn esp_default_order_depends_on_how_it_is_requested() {
    let gcm = "ESP:AES_GCM_16_128/AES_GCM_16_192/AES_GCM_16_256/NO_EXT_SEQ";
    let cbc = "ESP:AES_CBC_128/AES_CBC_192/AES_CBC_256/HMAC_SHA2_256_128/\
               HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/AES_XCBC_96/NO_EXT_SEQ";
    let names = |v: Vec<Proposal>| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(names(default_esp_proposals()), vec![gcm, cbc]);
    assert_eq!(names(defaults_for(ESP)), vec![cbc, gcm]);
    assert_eq!(
        names(defaults_for(AH)),
        vec![
            "AH:HMAC_SHA2_256_128/HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/\
             AES_XCBC_96/NO_EXT_SEQ"
        ]
    );
}

// --- selection (RFC 7296 §2.7) ---

#[test]
fn configured_order_wins_and_the_received_number_is_echoed() {
    let ours = vec![ike("aes256-sha384-ecp384"), ike("aes128-sha256-x25519")];
    let theirs = numbered(vec![
        ike("aes128-sha256-x25519"),
        ike("aes256-sha384-ecp384"),
    ]);
    let chosen = select(&ours, &theirs, SelectionFlags::default()).unwrap();
    assert_eq!(chosen.number, 2);
    assert_eq!(
        chosen.to_string(),
        "IKE:AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384"
    );
    let flags = SelectionFlags {
        prefer_supplied: true,
        ..Default::default()
    };
    let chosen = select(&ours, &theirs, flags).unwrap();
    assert_eq!(chosen.number, 1);
    assert_eq!(chosen.ke(), Some(KeId::CURVE_25519));
}

#[test]
fn one_algorithm_per_type_is_chosen_in_our_order() {
    let ours = vec![ike("aes256-aes128-sha256-sha1-ecp256-x25519")];
    let theirs = numbered(vec![ike("aes128-aes256-sha1-sha256-x25519-ecp256")]);
    let chosen = select(&ours, &theirs, SelectionFlags::default()).unwrap();
    assert_eq!(
        chosen.to_string(),
        "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256"
    );
}

#[test]
fn key_lengths_must_match_exactly() {
    let ours = vec![ike("aes256-sha256-x25519")];
    let theirs = numbered(vec![ike("aes128-sha256-x25519")]);
    assert_eq!(select(&ours, &theirs, SelectionFlags::default()), None);
}

#[test]
fn aead_selection_carries_no_integrity() {
    let ours = vec![ike("aes256gcm16-prfsha384-ecp384")];
    let mut theirs = ike("aes256gcm16-prfsha384-ecp384");
    // a peer that lists an integrity algorithm with AEAD anyway
    theirs
        .transforms
        .push(Transform::new(Integ(IntegId::HMAC_SHA2_256_128), 0));
    let chosen = select(&ours, &[theirs], SelectionFlags::default()).unwrap();
    assert_eq!(chosen.integ(), None);
    assert!(chosen.is_aead());
}

#[test]
fn protocols_must_match() {
    let ours = vec![esp("aes128gcm16")];
    let theirs = vec![Proposal::parse(AH, "sha256").unwrap()];
    assert_eq!(select(&ours, &theirs, SelectionFlags::default()), None);
}

#[test]
fn esp_ke_is_optional_only_through_none() {
    let pfs = esp("aes128gcm16-x25519");
    let no_pfs = esp("aes128gcm16");
    let either = esp("aes128gcm16-x25519-none");
    let flags = SelectionFlags::default();
    assert_eq!(select(one(&pfs), one(&no_pfs), flags), None);
    assert_eq!(select(one(&no_pfs), one(&pfs), flags), None);
    let chosen = select(one(&no_pfs), one(&either), flags).unwrap();
    assert_eq!(chosen.ke(), None);
    let chosen = select(&[either], &[pfs], flags).unwrap();
    assert_eq!(chosen.ke(), Some(KeId::CURVE_25519));
    // IKE_AUTH ignores KE altogether
    let skip = SelectionFlags {
        skip_ke: true,
        ..flags
    };
    let chosen = select(&[esp("aes128gcm16-x25519")], &[no_pfs], skip).unwrap();
    assert_eq!(chosen.to_string(), "ESP:AES_GCM_16_128/NO_EXT_SEQ");
}

#[test]
fn esn_is_negotiated_like_any_transform() {
    let ours = vec![esp("aes128gcm16-esn-noesn")];
    let chosen = select(
        &ours,
        &[esp("aes128gcm16-noesn-esn")],
        SelectionFlags::default(),
    )
    .unwrap();
    assert!(chosen.esn());
    let chosen = select(&ours, &[esp("aes128gcm16")], SelectionFlags::default()).unwrap();
    assert!(!chosen.esn());
    assert_eq!(chosen.of_type(TransformType::ESN).count(), 1);
    assert_eq!(
        select(
            &[esp("aes128gcm16-esn")],
            &[esp("aes128gcm16")],
            SelectionFlags::default()
        ),
        None
    );
}

#[test]
fn private_algorithms_are_skipped_unless_allowed() {
    let ours = vec![esp("aes128-sha256_96-sha256")];
    let theirs = vec![esp("aes128-sha256_96-sha256")];
    let chosen = select(&ours, &theirs, SelectionFlags::default()).unwrap();
    assert_eq!(chosen.integ(), Some(IntegId::HMAC_SHA2_256_96));
    let skip = SelectionFlags {
        skip_private: true,
        ..Default::default()
    };
    let chosen = select(&ours, &theirs, skip).unwrap();
    assert_eq!(chosen.integ(), Some(IntegId::HMAC_SHA2_256_128));
}

#[test]
fn unknown_transform_types_reject_the_proposal() {
    let mut odd = ike("aes128-sha256-x25519");
    odd.transforms
        .push(Transform::new(Algorithm::Other(TransformType(6), 1), 0));
    let plain = ike("aes128-sha256-x25519");
    let flags = SelectionFlags::default();
    assert_eq!(
        select(one(&plain), &[odd, plain.clone()], flags)
            .unwrap()
            .number,
        0
    );
    assert_eq!(select(&[plain], &[], flags), None);
}

#[test]
fn the_received_spi_is_kept() {
    let mut theirs = esp("aes128gcm16");
    theirs.spi = vec![0xc0, 0xff, 0xee, 0x01];
    theirs.number = 3;
    let chosen = select(&[esp("aes128gcm16")], &[theirs], SelectionFlags::default()).unwrap();
    assert_eq!(
        (chosen.number, chosen.spi.as_slice()),
        (3, &[0xc0, 0xff, 0xee, 0x01][..])
    );
}

#[test]
fn stripping_ke_removes_groups_and_duplicates() {
    let ours = vec![
        esp("aes128gcm16-x25519"),
        esp("aes128gcm16"),
        esp("aes256gcm16-ecp384"),
    ];
    let stripped = strip_ke(&ours);
    let names: Vec<String> = stripped.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        vec![
            "ESP:AES_GCM_16_128/NO_EXT_SEQ",
            "ESP:AES_GCM_16_256/NO_EXT_SEQ"
        ]
    );
}

#[test]
fn initiator_moves_its_ke_group_to_the_front() {
    let ours = vec![
        ike("aes128-sha256-ecp384"),
        ike("aes128-sha256-x25519-ecp256"),
        ike("aes256-sha256-ecp256"),
    ];
    let ordered = order_for_ke(&ours, KeId::ECP_256);
    let names: Vec<String> = ordered.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        vec![
            "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256/CURVE_25519",
            "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256",
            "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_384",
        ]
    );
}

#[test]
fn ike_sa_init_outcomes_are_typed() {
    let ours = vec![ike("aes128-sha256-x25519-ecp256")];
    let theirs = numbered(vec![ike("aes128-sha256-ecp256-x25519")]);
    let flags = SelectionFlags::default();
    // our preference picks x25519: a KE payload for ecp256 is refused
    assert_eq!(
        choose_ike_sa_init(&ours, &theirs, Some(KeId::ECP_256), flags),
        Err(IkeSaInitRejection::InvalidKe {
            wanted: KeId::CURVE_25519
        })
    );
    let chosen = choose_ike_sa_init(&ours, &theirs, Some(KeId::CURVE_25519), flags).unwrap();
    assert_eq!(chosen.number, 1);
    let mismatch = numbered(vec![ike("aes256-sha512-modp3072")]);
    assert_eq!(
        choose_ike_sa_init(&ours, &mismatch, Some(KeId::MODP_3072), flags),
        Err(IkeSaInitRejection::NoProposalChosen)
    );
}
