//! Known-answer tests for the bundled provider's key exchange methods
//! (X25519: RFC 7748; ECP-256/384/521: RFC 5903 §8) through the public
//! `ike::crypto` traits.
#![cfg(feature = "default-provider")]
#![allow(clippy::unwrap_used)]

mod common;

use common::FixedRng;
use common::hex;
use ike::crypto::{CryptoError, Provider, default_provider};
use ike::wire::iana::KeId;

fn provider() -> Provider {
    default_provider()
}

// ---- X25519 (RFC 7748) -----------------------------------------------------

fn x25519(scalar: &str, peer: &str) -> Result<Vec<u8>, CryptoError> {
    let provider = provider();
    let group = provider.ke(KeId::CURVE_25519).unwrap();
    let ke = group.start(&FixedRng::new(&hex(scalar))).unwrap();
    ke.complete(&hex(peer))
        .map(|secret| secret.as_bytes().to_vec())
}

#[test]
fn x25519_matches_rfc7748_section_5_2_vectors() {
    let out = x25519(
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
    );
    assert_eq!(
        out.unwrap(),
        hex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    );
    // The input u has its top bit set, which X25519 must mask (RFC 7748 §5).
    let out = x25519(
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
    );
    assert_eq!(
        out.unwrap(),
        hex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
    );
}

#[test]
fn x25519_alice_and_bob_agree_as_in_rfc7748_section_6_1() {
    let provider = provider();
    let group = provider.ke(KeId::CURVE_25519).unwrap();
    let alice = group
        .start(&FixedRng::new(&hex(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        )))
        .unwrap();
    let bob = group
        .start(&FixedRng::new(&hex(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        )))
        .unwrap();
    assert_eq!(
        alice.public_key(),
        hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    );
    assert_eq!(
        bob.public_key(),
        hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    );
    let (alice_public, bob_public) = (alice.public_key().to_vec(), bob.public_key().to_vec());
    let k1 = alice.complete(&bob_public).unwrap();
    let k2 = bob.complete(&alice_public).unwrap();
    assert_eq!(k1, k2);
    assert_eq!(
        k1.as_bytes(),
        hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    );
}

#[test]
fn x25519_rejects_small_order_points_and_wrong_lengths() {
    let scalar = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    let invalid = Err(CryptoError::InvalidPublicKey {
        group: KeId::CURVE_25519,
    });
    // u = 0 and u = 1 have small order: the output is all zeros (RFC 7748 §6.1).
    assert_eq!(x25519(scalar, &"00".repeat(32)), invalid);
    assert_eq!(x25519(scalar, &format!("01{}", "00".repeat(31))), invalid);
    assert_eq!(x25519(scalar, &"00".repeat(31)), invalid);
    assert_eq!(x25519(scalar, &"09".repeat(33)), invalid);
}

// ---- ECP groups (RFC 5903 §8) ----------------------------------------------

struct EcpVector {
    group: KeId,
    i: &'static str,
    gi: &'static str,
    r: &'static str,
    gr: &'static str,
    gir_x: &'static str,
}

const RFC5903: [EcpVector; 3] = [
    EcpVector {
        group: KeId::ECP_256,
        i: "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
        gi: "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180
             5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
        r: "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
        gr: "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63
             56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
        gir_x: "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE",
    },
    EcpVector {
        group: KeId::ECP_384,
        i: "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
        gi: "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA
             9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
        r: "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
        gr: "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571
             DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
        gir_x: "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746",
    },
    EcpVector {
        group: KeId::ECP_521,
        i: "0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777
            F5957B2639BAB072462F68C27A57382D4A52",
        gi: "0015417E84DBF28C0AD3C278713349DC7DF153C897A1891BD98BAB4357C9ECBEE1E3BF42E00B8E380AEAE57C2D107564
             941885942AF5A7F4601723C4195D176CED3E
             017CAE20B6641D2EEB695786D8C946146239D099E18E1D5A514C739D7CB4A10AD8A788015AC405D7799DC75E7B7D5B6C
             F2261A6A7F1507438BF01BEB6CA3926F9582",
        r: "0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2
            F869CCA7458AA4A4EFFC311F5CB151685EB9",
        gr: "00D0B3975AC4B799F5BEA16D5E13E9AF971D5E9B984C9F39728B5E5739735A219B97C356436ADC6E95BB0352F6BE64A6
             C2912D4EF2D0433CED2B6171640012D9460F
             015C68226383956E3BD066E797B623C27CE0EAC2F551A10C2C724D9852077B87220B6536C5C408A1D2AEBB8E86D678AE
             49CB57091F4732296579AB44FCD17F0FC56A",
        gir_x: "01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06
                B3C715A3A8CC3151F2BEE417996D19F3DDEA",
    },
];

#[test]
fn ecp_groups_match_rfc5903_section_8_vectors() {
    let provider = provider();
    for v in &RFC5903 {
        let group = provider.ke(v.group).unwrap();
        let initiator = group.start(&FixedRng::new(&hex(v.i))).unwrap();
        let responder = group.start(&FixedRng::new(&hex(v.r))).unwrap();
        // RFC 5903 §7: KE data is x | y without a point-format octet.
        assert_eq!(initiator.public_key(), hex(v.gi), "{:?} gi", v.group);
        assert_eq!(responder.public_key(), hex(v.gr), "{:?} gr", v.group);
        // The shared secret is the x-coordinate of g^ir.
        assert_eq!(
            initiator.complete(&hex(v.gr)).unwrap().as_bytes(),
            hex(v.gir_x),
            "{:?}",
            v.group
        );
        assert_eq!(
            responder.complete(&hex(v.gi)).unwrap().as_bytes(),
            hex(v.gir_x),
            "{:?}",
            v.group
        );
    }
}

#[test]
fn ecp_groups_reject_off_curve_points_and_sec1_encodings() {
    let provider = provider();
    for v in &RFC5903 {
        let group = provider.ke(v.group).unwrap();
        let invalid = Err(CryptoError::InvalidPublicKey { group: v.group });
        let gr = hex(v.gr);
        let mut off_curve = gr.clone();
        *off_curve.last_mut().unwrap() ^= 1;
        let with_prefix = [&[0x04][..], &gr].concat();
        let compressed = [&[0x02][..], &gr[..gr.len() / 2]].concat();
        for bad in [
            off_curve,
            with_prefix,
            compressed,
            vec![0; gr.len()],
            Vec::new(),
        ] {
            let ke = group.start(&FixedRng::new(&hex(v.i))).unwrap();
            assert_eq!(
                ke.complete(&bad).map(|_| ()),
                invalid.clone(),
                "{:?}",
                v.group
            );
        }
    }
}

#[test]
fn every_ke_group_agrees_with_itself() {
    let provider = provider();
    for group in provider.ke.iter() {
        let (a, b) = (
            group.start(provider.rng.as_ref()).unwrap(),
            group.start(provider.rng.as_ref()).unwrap(),
        );
        assert_eq!(a.group(), group.id());
        let (pa, pb) = (a.public_key().to_vec(), b.public_key().to_vec());
        assert_eq!(
            a.complete(&pb).unwrap(),
            b.complete(&pa).unwrap(),
            "{:?}",
            group.id()
        );
    }
}
