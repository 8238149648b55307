//! SK payload round trips for every supported suite.

use super::*;
use crate::crypto::hex;
use crate::crypto::{TestRng, test_provider};

const HEADER_LEN: usize = 28;

struct Suite {
    encr: EncrId,
    key_bits: Option<u16>,
    integ: Option<IntegId>,
}

fn suites() -> Vec<Suite> {
    let mut suites = Vec::new();
    for key_bits in [128, 192, 256] {
        for integ in [
            IntegId::HMAC_SHA1_96,
            IntegId::HMAC_SHA2_256_128,
            IntegId::HMAC_SHA2_384_192,
            IntegId::HMAC_SHA2_512_256,
        ] {
            suites.push(Suite {
                encr: EncrId::AES_CBC,
                key_bits: Some(key_bits),
                integ: Some(integ),
            });
        }
        for encr in [EncrId::AES_GCM_8, EncrId::AES_GCM_12, EncrId::AES_GCM_16] {
            suites.push(Suite {
                encr,
                key_bits: Some(key_bits),
                integ: None,
            });
        }
    }
    suites.push(Suite {
        encr: EncrId::CHACHA20_POLY1305,
        key_bits: None,
        integ: None,
    });
    suites
}

/// A protector for `suite` with keys drawn from `seed`.
fn protector(suite: &Suite, seed: u64) -> SkProtector {
    let provider = test_provider(seed);
    let sk_e_len = provider
        .sk_cipher(suite.encr, suite.key_bits)
        .unwrap()
        .key_material_len();
    let sk_a_len = suite
        .integ
        .map_or(0, |id| provider.integ(id).unwrap().key_len());
    let (mut sk_e, mut sk_a) = (vec![0; sk_e_len], vec![0; sk_a_len]);
    provider.rng.fill(&mut sk_e).unwrap();
    provider.rng.fill(&mut sk_a).unwrap();
    let sk_a = suite.integ.map(|_| &sk_a[..]);
    SkProtector::new(
        &provider,
        suite.encr,
        suite.key_bits,
        suite.integ,
        &sk_e,
        sk_a,
    )
    .unwrap()
}

/// IKE header and SK generic payload header with final lengths.
fn headers(body_len: usize) -> Vec<u8> {
    let total = u32::try_from(HEADER_LEN + 4 + body_len).unwrap();
    let mut message = vec![0x11; 8];
    message.extend_from_slice(&[0x22; 8]);
    message.extend_from_slice(&[46, 0x20, 35, 0x08, 0, 0, 0, 1]);
    message.extend_from_slice(&total.to_be_bytes());
    message.extend_from_slice(&[35, 0]);
    message.extend_from_slice(&u16::try_from(4 + body_len).unwrap().to_be_bytes());
    message
}

fn sealed(sk: &SkProtector, plaintext: &[u8]) -> (Vec<u8>, Range<usize>) {
    let mut message = headers(sk.sealed_len(plaintext.len()));
    sk.seal(&TestRng::new(9), &mut message, plaintext).unwrap();
    let body = HEADER_LEN + 4..message.len();
    (message, body)
}

#[test]
fn every_suite_round_trips() {
    for suite in suites() {
        let sk = protector(&suite, 1);
        for len in [0, 1, 15, 16, 17, 300] {
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let (message, body) = sealed(&sk, &plaintext);
            assert_eq!(body.len(), sk.sealed_len(len), "{:?}", suite.encr);
            assert_eq!(
                sk.open(&message, body).unwrap(),
                plaintext,
                "{:?} {:?}",
                suite.encr,
                suite.key_bits
            );
        }
    }
}

#[test]
fn flipping_any_byte_of_the_message_fails_the_integrity_check() {
    for suite in suites() {
        let sk = protector(&suite, 2);
        let (message, body) = sealed(&sk, b"IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr");
        for i in 0..message.len() {
            let mut tampered = message.clone();
            tampered[i] ^= 0x01;
            assert_eq!(
                sk.open(&tampered, body.clone()),
                Err(CryptoError::IntegrityCheckFailed),
                "{:?} {:?} byte {i}",
                suite.encr,
                suite.integ
            );
        }
    }
}

#[test]
fn the_other_directions_key_does_not_open() {
    for suite in suites() {
        let (message, body) = sealed(&protector(&suite, 3), b"payloads");
        assert_eq!(
            protector(&suite, 4).open(&message, body),
            Err(CryptoError::IntegrityCheckFailed)
        );
    }
}

#[test]
fn a_pad_length_beyond_the_plaintext_is_bad_padding() {
    for suite in suites() {
        let sk = protector(&suite, 5);
        // 32 bytes whose Pad Length claims 40 bytes of padding.
        let mut padded = vec![0u8; 32];
        padded[31] = 40;
        let mut message = headers(sk.iv_len() + padded.len() + sk.icv_len());
        sk.seal_padded(&TestRng::new(1), &mut message, &padded)
            .unwrap();
        let body = HEADER_LEN + 4..message.len();
        assert_eq!(
            sk.open(&message, body),
            Err(CryptoError::BadPadding),
            "{:?}",
            suite.encr
        );
    }
}

#[test]
fn any_valid_padding_is_accepted() {
    for suite in suites() {
        let sk = protector(&suite, 6);
        // 5 bytes of payload, 42 bytes of non-zero padding, Pad Length 42.
        let mut padded = b"hello".to_vec();
        padded.extend_from_slice(&[0xa5; 42]);
        padded.push(42);
        let mut message = headers(sk.iv_len() + padded.len() + sk.icv_len());
        sk.seal_padded(&TestRng::new(1), &mut message, &padded)
            .unwrap();
        let body = HEADER_LEN + 4..message.len();
        assert_eq!(sk.open(&message, body).unwrap(), b"hello");
    }
}

#[test]
fn aead_sends_no_padding_and_cbc_pads_to_the_block() {
    let gcm = protector(
        &Suite {
            encr: EncrId::AES_GCM_16,
            key_bits: Some(128),
            integ: None,
        },
        7,
    );
    assert_eq!(
        (gcm.iv_len(), gcm.icv_len(), gcm.sealed_len(100)),
        (8, 16, 8 + 101 + 16)
    );
    let (message, _) = sealed(&gcm, &[0; 100]);
    assert_eq!(message.len(), HEADER_LEN + 4 + 8 + 101 + 16);
    let cbc = protector(
        &Suite {
            encr: EncrId::AES_CBC,
            key_bits: Some(128),
            integ: Some(IntegId::HMAC_SHA2_256_128),
        },
        7,
    );
    // The lab's IKE_AUTH request: 208 bytes of payloads in a 256-byte body.
    assert_eq!(cbc.sealed_len(208), 16 + 224 + 16);
    assert_eq!(cbc.sealed_len(207), 16 + 208 + 16);
}

#[test]
fn short_or_misaligned_bodies_are_rejected_before_decryption() {
    let suite = Suite {
        encr: EncrId::AES_CBC,
        key_bits: Some(256),
        integ: Some(IntegId::HMAC_SHA2_512_256),
    };
    let sk = protector(&suite, 8);
    let (message, body) = sealed(&sk, b"payload");
    let short = body.start..body.start + sk.iv_len() + sk.icv_len();
    assert_eq!(
        sk.open(&message, short),
        Err(CryptoError::InvalidCiphertextLength)
    );
    let misaligned = body.start + 1..body.end;
    assert_eq!(
        sk.open(&message, misaligned),
        Err(CryptoError::InvalidCiphertextLength)
    );
    assert_eq!(
        sk.open(&message, body.start..body.end + 1),
        Err(CryptoError::InvalidRange)
    );
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = body.end..body.start;
    assert_eq!(sk.open(&message, reversed), Err(CryptoError::InvalidRange));
}

#[test]
fn construction_checks_algorithms_and_key_lengths() {
    let provider = test_provider(0);
    let cbc_without_integ =
        SkProtector::new(&provider, EncrId::AES_CBC, Some(128), None, &[0; 16], None);
    assert_eq!(
        cbc_without_integ.unwrap_err(),
        CryptoError::Unsupported(Transform::new(Algorithm::Integ(IntegId::NONE), 0))
    );
    let gcm_with_integ = SkProtector::new(
        &provider,
        EncrId::AES_GCM_16,
        Some(128),
        Some(IntegId::HMAC_SHA2_256_128),
        &[0; 20],
        Some(&[0; 32]),
    );
    assert!(matches!(
        gcm_with_integ,
        Err(CryptoError::Unsupported(Transform {
            alg: Algorithm::Integ(_),
            ..
        }))
    ));
    let gcm_integ_none = SkProtector::new(
        &provider,
        EncrId::AES_GCM_16,
        Some(128),
        Some(IntegId::NONE),
        &[0; 20],
        None,
    );
    assert!(gcm_integ_none.is_ok());
    let short_key = SkProtector::new(
        &provider,
        EncrId::AES_GCM_16,
        Some(256),
        None,
        &[0; 32],
        None,
    );
    assert_eq!(
        short_key.unwrap_err(),
        CryptoError::KeyLength {
            expected: 36,
            got: 32
        }
    );
    let bad_sk_a = SkProtector::new(
        &provider,
        EncrId::AES_CBC,
        Some(128),
        Some(IntegId::HMAC_SHA1_96),
        &[0; 16],
        Some(&[0; 32]),
    );
    assert_eq!(
        bad_sk_a.unwrap_err(),
        CryptoError::KeyLength {
            expected: 20,
            got: 32
        }
    );
    let unknown = SkProtector::new(
        &provider,
        EncrId::TRIPLE_DES_CBC,
        None,
        None,
        &[0; 24],
        None,
    );
    assert_eq!(
        unknown.unwrap_err(),
        CryptoError::Unsupported(Transform {
            alg: Algorithm::Encr(EncrId::TRIPLE_DES_CBC),
            key_len: None
        })
    );
}

/// Returns the same bytes for every request.
#[derive(Debug)]
struct FixedIv(Vec<u8>);

impl SecureRandom for FixedIv {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        dest.copy_from_slice(&self.0[..dest.len()]);
        Ok(())
    }
}

#[test]
fn gcm_nonce_is_the_salt_from_sk_e_then_the_explicit_iv() {
    // GCM spec test case 4, its 12-byte IV split as RFC 4106 §4 / RFC 5282
    // §4 do: salt cafebabe (last 4 bytes of SK_e), explicit IV
    // facedbaddecaf888; the "message so far" is the test case's AAD.
    let provider = test_provider(0);
    let sk_e = hex("feffe9928665731c6d6a8f9467308308cafebabe");
    let sk = SkProtector::new(&provider, EncrId::AES_GCM_16, Some(128), None, &sk_e, None).unwrap();
    let mut message = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let plaintext = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
         1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    sk.seal_padded(&FixedIv(hex("facedbaddecaf888")), &mut message, &plaintext)
        .unwrap();
    let body = &message[20..];
    assert_eq!(body[..8], hex("facedbaddecaf888")[..]);
    let expected_ct = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
                       21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091";
    assert_eq!(body[8..68], hex(expected_ct)[..]);
    assert_eq!(body[68..], hex("5bc94fbc3221a5db94fae95ae7121a47")[..]);
}

#[test]
fn chacha20_poly1305_nonce_is_the_salt_then_the_explicit_iv() {
    // RFC 8439 §2.8.2 as RFC 7634 §2 frames it: SK_e = key | salt 07000000,
    // explicit IV 4041424344454647, AAD = the "message so far".
    let provider = test_provider(0);
    let mut sk_e: Vec<u8> = (0x80..0xa0).collect();
    sk_e.extend_from_slice(&hex("07000000"));
    let sk = SkProtector::new(
        &provider,
        EncrId::CHACHA20_POLY1305,
        None,
        None,
        &sk_e,
        None,
    )
    .unwrap();
    let mut message = hex("50515253c0c1c2c3c4c5c6c7");
    let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    sk.seal_padded(&FixedIv(hex("4041424344454647")), &mut message, plaintext)
        .unwrap();
    assert_eq!(
        message[message.len() - 16..],
        hex("1ae10b594f09e26a7e902ecbd0600691")[..]
    );
    assert_eq!(message[20..24], hex("d31a8d34")[..]);
}
