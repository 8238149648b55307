//! Known-answer tests for the bundled provider's symmetric algorithms
//! (HMAC PRFs and integrity, AES-CBC, AES-GCM, ChaCha20-Poly1305) through the
//! public `ike::crypto` traits. Expected values are the published test
//! vectors (cross-checked with Python's `cryptography`/OpenSSL).
#![cfg(feature = "default-provider")]
#![allow(clippy::unwrap_used)]

mod common;

use common::hex;
use ike::crypto::{CryptoError, Provider, SkCipher, default_provider};
use ike::wire::iana::{EncrId, IntegId, PrfId};

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
