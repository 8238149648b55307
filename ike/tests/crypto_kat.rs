//! Known-answer tests for the bundled crypto provider, through the public
//! `ike::crypto` traits. Expected values are the published test vectors
//! (cross-checked with Python's `cryptography`/OpenSSL while writing them).
#![cfg(feature = "default-provider")]
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use ike::crypto::{CryptoError, Provider, SecureRandom, SkCipher, default_provider};
use ike::wire::iana::{EncrId, IntegId, KeId, PrfId};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Hands out fixed bytes (a private key from a test vector) in order.
#[derive(Debug)]
struct FixedRng(Mutex<Vec<u8>>);

impl FixedRng {
    fn new(bytes: &[u8]) -> Self {
        Self(Mutex::new(bytes.to_vec()))
    }
}

impl SecureRandom for FixedRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut bytes = self.0.lock().unwrap();
        assert!(bytes.len() >= dest.len(), "fixed RNG exhausted");
        dest.copy_from_slice(&bytes[..dest.len()]);
        bytes.drain(..dest.len());
        Ok(())
    }
}

fn provider() -> Provider {
    default_provider()
}

// ---- HMAC (RFC 4231, RFC 2202) -------------------------------------------

/// RFC 4231 §4.2–4.8 inputs (test cases 1–7).
fn rfc4231_inputs() -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (vec![0x0b; 20], b"Hi There".to_vec()),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec()),
        (vec![0xaa; 20], vec![0xdd; 50]),
        ((1..=25).collect(), vec![0xcd; 50]),
        (vec![0x0c; 20], b"Test With Truncation".to_vec()),
        (vec![0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec()),
        (
            vec![0xaa; 131],
            b"This is a test using a larger than block-size key and a larger than block-size data. \
              The key needs to be hashed before being used by the HMAC algorithm."
                .to_vec(),
        ),
    ]
}

fn check_prf(id: PrfId, inputs: &[(Vec<u8>, Vec<u8>)], expected: &[&str]) {
    let provider = provider();
    let prf = provider.prf(id).unwrap();
    for (case, ((key, data), expected)) in inputs.iter().zip(expected).enumerate() {
        let expected = hex(expected);
        let out = prf.compute(key, &[data]);
        // Test case 5 checks the output truncated to 128 bits.
        assert_eq!(
            &out.as_bytes()[..expected.len()],
            &expected[..],
            "{id:?} test case {}",
            case + 1
        );
    }
}

#[test]
fn hmac_sha2_256_matches_rfc4231_test_cases_1_to_7() {
    check_prf(
        PrfId::HMAC_SHA2_256,
        &rfc4231_inputs(),
        &[
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "a3b6167473100ee06e0c796c2955552b",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ],
    );
}

#[test]
fn hmac_sha2_384_matches_rfc4231_test_cases_1_to_7() {
    check_prf(
        PrfId::HMAC_SHA2_384,
        &rfc4231_inputs(),
        &[
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
            "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
            "3abf34c3503b2a23a46efc619baef897",
            "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
            "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
        ],
    );
}

#[test]
fn hmac_sha2_512_matches_rfc4231_test_cases_1_to_7() {
    check_prf(
        PrfId::HMAC_SHA2_512,
        &rfc4231_inputs(),
        &[
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde\
             daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39\
             bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
            "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db\
             a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
            "415fad6271580a531d4179bc891d87a6",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352\
             6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944\
             b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        ],
    );
}

#[test]
fn hmac_sha1_matches_rfc2202_test_cases_1_to_7() {
    let inputs = vec![
        (vec![0x0b; 20], b"Hi There".to_vec()),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec()),
        (vec![0xaa; 20], vec![0xdd; 50]),
        ((1..=25).collect(), vec![0xcd; 50]),
        (vec![0x0c; 20], b"Test With Truncation".to_vec()),
        (
            vec![0xaa; 80],
            b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
        ),
        (
            vec![0xaa; 80],
            b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".to_vec(),
        ),
    ];
    check_prf(
        PrfId::HMAC_SHA1,
        &inputs,
        &[
            "b617318655057264e28bc0b6fb378c8ef146be00",
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
            "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
            "aa4ae5e15272d00e95705637ce8a3b55ed402112",
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
        ],
    );
}

#[test]
fn integrity_algorithms_truncate_hmac_per_rfc2404_and_rfc4868() {
    let provider = provider();
    // RFC 4868 §2.7.2.1 test case 1: key 0x0b * 32 (HMAC-SHA-256-128 uses a
    // 32-byte key), data "Hi There".
    let integ = provider.integ(IntegId::HMAC_SHA2_256_128).unwrap();
    let key = integ.new_key(&[0x0b; 32]).unwrap();
    let mut icv = [0; 16];
    key.sign(&[b"Hi There"], &mut icv);
    assert_eq!(icv[..], hex("198a607eb44bfbc69903a0f1cf2bbdc5")[..]);
    // RFC 2404 §3 test case 1 (HMAC-SHA-1-96): the first 12 bytes of RFC 2202 #1.
    let integ = provider.integ(IntegId::HMAC_SHA1_96).unwrap();
    let mut icv = [0; 12];
    integ
        .new_key(&[0x0b; 20])
        .unwrap()
        .sign(&[b"Hi ", b"There"], &mut icv);
    assert_eq!(icv[..], hex("b617318655057264e28bc0b6")[..]);
    for (id, key_len, icv_len) in [
        (IntegId::HMAC_SHA1_96, 20, 12),
        (IntegId::HMAC_SHA2_256_128, 32, 16),
        (IntegId::HMAC_SHA2_384_192, 48, 24),
        (IntegId::HMAC_SHA2_512_256, 64, 32),
    ] {
        let integ = provider.integ(id).unwrap();
        assert_eq!(
            (integ.key_len(), integ.icv_len()),
            (key_len, icv_len),
            "{id:?}"
        );
        assert!(integ.new_key(&vec![0; key_len + 1]).is_err());
    }
}

// ---- AES-CBC (RFC 3602 §4, NIST SP 800-38A F.2) ---------------------------

fn cbc_encrypt(bits: u16, key: &str, iv: &str, plaintext: &[u8]) -> Vec<u8> {
    let provider = provider();
    let Some(SkCipher::Encr(encr)) = provider.sk_cipher(EncrId::AES_CBC, Some(bits)) else {
        panic!()
    };
    let key = encr.new_key(&hex(key)).unwrap();
    let mut buf = plaintext.to_vec();
    key.encrypt(&hex(iv), &mut buf).unwrap();
    let mut back = buf.clone();
    key.decrypt(&hex(iv), &mut back).unwrap();
    assert_eq!(back, plaintext);
    buf
}

#[test]
fn aes_cbc_matches_rfc3602_cases_1_and_2() {
    let ct = cbc_encrypt(
        128,
        "06a9214036b8a15b512e03d534120006",
        "3dafba429d9eb430b422da802c9fac41",
        b"Single block msg",
    );
    assert_eq!(ct, hex("e353779c1079aeb82708942dbe77181a"));
    let ct = cbc_encrypt(
        128,
        "c286696d887c9aa0611bbb3e2025a45a",
        "562e17996d093d28ddb3ba695a2e6f58",
        &(0..32).collect::<Vec<u8>>(),
    );
    assert_eq!(
        ct,
        hex("d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1")
    );
}

#[test]
fn aes_cbc_192_and_256_match_sp800_38a() {
    let plaintext = hex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
         30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
    );
    let iv = "000102030405060708090a0b0c0d0e0f";
    let ct = cbc_encrypt(
        192,
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        iv,
        &plaintext,
    );
    let expected = "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a\
                    571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd";
    assert_eq!(ct, hex(expected));
    let ct = cbc_encrypt(
        256,
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        iv,
        &plaintext,
    );
    let expected = "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d\
                    39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";
    assert_eq!(ct, hex(expected));
}

#[test]
fn aes_cbc_rejects_partial_blocks() {
    let provider = provider();
    let Some(SkCipher::Encr(encr)) = provider.sk_cipher(EncrId::AES_CBC, Some(128)) else {
        panic!()
    };
    let key = encr.new_key(&[0; 16]).unwrap();
    assert!(key.encrypt(&[0; 16], &mut [0; 17]).is_err());
    assert!(key.decrypt(&[0; 15], &mut [0; 16]).is_err());
}

// ---- AES-GCM (McGrew-Viega GCM spec) and ChaCha20-Poly1305 (RFC 8439) ----

/// Seals with `id`/`bits`, checks ciphertext | tag, and opens it again.
#[allow(clippy::too_many_arguments)] // one argument per test vector field
fn check_aead(
    id: EncrId,
    bits: Option<u16>,
    key: &[u8],
    nonce: &str,
    aad: &[u8],
    pt: &[u8],
    ct: &str,
    tag: &str,
) {
    let provider = provider();
    let Some(SkCipher::Aead(aead)) = provider.sk_cipher(id, bits) else {
        panic!("{id:?}")
    };
    let key = aead.new_key(key).unwrap();
    let nonce: [u8; 12] = hex(nonce).try_into().unwrap();
    let mut buf = pt.to_vec();
    let mut out_tag = vec![0; aead.icv_len()];
    key.seal(&nonce, aad, &mut buf, &mut out_tag).unwrap();
    assert_eq!(buf, hex(ct), "{id:?} {bits:?} ciphertext");
    let tag = hex(tag);
    assert_eq!(out_tag[..], tag[..aead.icv_len()], "{id:?} {bits:?} tag");
    key.open(&nonce, aad, &mut buf, &out_tag).unwrap();
    assert_eq!(buf, pt);
    let mut bad_tag = out_tag.clone();
    bad_tag[0] ^= 1;
    key.seal(&nonce, aad, &mut buf, &mut out_tag).unwrap();
    assert_eq!(
        key.open(&nonce, aad, &mut buf, &bad_tag),
        Err(CryptoError::IntegrityCheckFailed)
    );
}

const GCM_K: &str = "feffe9928665731c6d6a8f9467308308";
const GCM_IV: &str = "cafebabefacedbaddecaf888";
const GCM_AAD: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const GCM_P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                     1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";

#[test]
fn aes_gcm_matches_gcm_spec_test_cases_4_10_16_for_every_icv_length() {
    let p = &hex(GCM_P)[..60];
    let aad = hex(GCM_AAD);
    let cases = [
        (
            128,
            GCM_K.to_string(),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
        ),
        (
            192,
            format!("{GCM_K}{}", &GCM_K[..16]),
            "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
            "2519498e80f1478f37ba55bd6d27618c",
        ),
        (
            256,
            format!("{GCM_K}{GCM_K}"),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];
    for (bits, key, ct, tag) in cases {
        // RFC 5282 §3: the 8- and 12-byte ICVs are the full tag truncated.
        for id in [EncrId::AES_GCM_16, EncrId::AES_GCM_12, EncrId::AES_GCM_8] {
            check_aead(id, Some(bits), &hex(&key), GCM_IV, &aad, p, ct, tag);
        }
    }
}

#[test]
fn aes_gcm_matches_gcm_spec_test_cases_7_8_and_13_to_15() {
    let zero_iv = "000000000000000000000000";
    check_aead(
        EncrId::AES_GCM_16,
        Some(192),
        &[0; 24],
        zero_iv,
        b"",
        b"",
        "",
        "cd33b28ac773f74ba00ed1f312572435",
    );
    check_aead(
        EncrId::AES_GCM_16,
        Some(192),
        &[0; 24],
        zero_iv,
        b"",
        &[0; 16],
        "98e7247c07f0fe411c267e4384b0f600",
        "2ff58d80033927ab8ef4d4587514f0fb",
    );
    check_aead(
        EncrId::AES_GCM_16,
        Some(256),
        &[0; 32],
        zero_iv,
        b"",
        b"",
        "",
        "530f8afbc74536b9a963b4f1c4cb738b",
    );
    check_aead(
        EncrId::AES_GCM_16,
        Some(256),
        &[0; 32],
        zero_iv,
        b"",
        &[0; 16],
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    );
    check_aead(
        EncrId::AES_GCM_16,
        Some(256),
        &hex(&format!("{GCM_K}{GCM_K}")),
        GCM_IV,
        b"",
        &hex(GCM_P),
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
    );
}

#[test]
fn chacha20_poly1305_matches_rfc8439_section_2_8_2() {
    // As RFC 7634 §2 builds it: salt 07000000 | IV 4041424344454647.
    let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    check_aead(
        EncrId::CHACHA20_POLY1305,
        None,
        &(0x80..0xa0).collect::<Vec<u8>>(),
        "070000004041424344454647",
        &hex("50515253c0c1c2c3c4c5c6c7"),
        plaintext,
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b\
         1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
         3ff4def08e4b7a9de576d26586cec64b6116",
        "1ae10b594f09e26a7e902ecbd0600691",
    );
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
