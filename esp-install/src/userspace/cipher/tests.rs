//! Every transform against an independent implementation (RustCrypto
//! aes-gcm, chacha20poly1305, cbc, hmac), plus tamper and ESN checks.

use aes::cipher::{BlockModeDecrypt, InnerIvInit, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{AeadInOut, Nonce};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};

use super::*;

const SPI: u32 = 0xc0ff_ee01;

fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add(i as u8).wrapping_mul(7))
        .collect()
}

/// `SPI | seq | IV | body | ICV` with IV and ICV zeroed.
fn esp(t: &Transform, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut bytes = SPI.to_be_bytes().to_vec();
    bytes.extend_from_slice(&seq.to_be_bytes());
    bytes.resize(HEADER_LEN + t.iv_len(), 0);
    bytes.extend_from_slice(body);
    bytes.resize(bytes.len() + t.icv_len(), 0);
    bytes
}

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 + 1) as u8).collect()
}

fn aad(seq: u32, seq_hi: Option<u32>) -> Vec<u8> {
    let mut aad = SPI.to_be_bytes().to_vec();
    if let Some(hi) = seq_hi {
        aad.extend_from_slice(&hi.to_be_bytes());
    }
    aad.extend_from_slice(&seq.to_be_bytes());
    aad
}

/// RustCrypto's ciphertext and full 16-octet tag for the same inputs.
fn reference_aead(alg: u16, key: &[u8], iv: &[u8], aad: &[u8], body: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (cipher_key, salt) = key.split_at(key.len() - 4);
    let nonce: Vec<u8> = salt.iter().chain(iv).copied().collect();
    let mut buf = body.to_vec();
    let tag = match (alg, cipher_key.len()) {
        (encr::CHACHA20_POLY1305, _) => {
            seal_rc::<ChaCha20Poly1305>(cipher_key, &nonce, aad, &mut buf)
        }
        (_, 16) => seal_rc::<AesGcm<Aes128, U12, U16>>(cipher_key, &nonce, aad, &mut buf),
        (_, 24) => seal_rc::<AesGcm<Aes192, U12, U16>>(cipher_key, &nonce, aad, &mut buf),
        _ => seal_rc::<AesGcm<Aes256, U12, U16>>(cipher_key, &nonce, aad, &mut buf),
    };
    (buf, tag)
}

fn seal_rc<A: AeadInOut + KeyInit + aes_gcm::aead::AeadCore<NonceSize = U12>>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Vec<u8> {
    let aead = A::new_from_slice(key).unwrap();
    let nonce = Nonce::<A>::try_from(nonce).unwrap();
    aead.encrypt_inout_detached(&nonce, aad, buf.into())
        .unwrap()
        .to_vec()
}

const AEADS: &[(u16, usize)] = &[
    (encr::AES_GCM_16, 20),
    (encr::AES_GCM_16, 28),
    (encr::AES_GCM_16, 36),
    (encr::AES_GCM_12, 20),
    (encr::AES_GCM_12, 28),
    (encr::AES_GCM_12, 36),
    (encr::AES_GCM_8, 20),
    (encr::AES_GCM_8, 28),
    (encr::AES_GCM_8, 36),
    (encr::CHACHA20_POLY1305, 36),
];

const INTEGS: &[(u16, usize)] = &[
    (integ::HMAC_SHA1_96, 20),
    (integ::HMAC_SHA2_256_128, 32),
    (integ::HMAC_SHA2_384_192, 48),
    (integ::HMAC_SHA2_512_256, 64),
];

fn every_transform() -> Vec<Transform> {
    let mut all: Vec<Transform> = AEADS
        .iter()
        .map(|(alg, len)| Transform::new(*alg, &key(*len, 1), None, &[]).unwrap())
        .collect();
    for (integ, mac_len) in INTEGS {
        for len in [0, 16, 24, 32] {
            let alg = if len == 0 { encr::NULL } else { encr::AES_CBC };
            let t = Transform::new(alg, &key(len, 2), Some(*integ), &key(*mac_len, 3));
            all.push(t.unwrap());
        }
    }
    all
}

#[test]
fn aead_seal_matches_rustcrypto_with_the_sequence_number_as_iv() {
    for (alg, len) in AEADS {
        for seq_hi in [None, Some(0x0102_0304)] {
            let key = key(*len, 9);
            let t = Transform::new(*alg, &key, None, &[]).unwrap();
            let plain = body(64);
            let mut bytes = esp(&t, 42, &plain);
            let seq = (u64::from(seq_hi.unwrap_or(0)) << 32) | 42;
            t.seal(&mut bytes, seq, seq_hi, None).unwrap();
            let iv = &bytes[8..16];
            assert_eq!(iv, seq.to_be_bytes(), "{}", t.name());
            let (ct, tag) = reference_aead(*alg, &key, iv, &aad(42, seq_hi), &plain);
            assert_eq!(&bytes[16..80], &ct[..], "{}", t.name());
            // truncated ICVs are the leading octets of the full tag (SP 800-38D §5.2.1.2)
            assert_eq!(&bytes[80..], &tag[..t.icv_len()], "{}", t.name());
        }
    }
}

#[test]
fn cbc_hmac_seal_matches_rustcrypto_cbc_and_hmac() {
    for (integ_alg, mac_len) in INTEGS {
        for len in [16, 24, 32] {
            for seq_hi in [None, Some(5)] {
                let (ekey, akey) = (key(len, 4), key(*mac_len, 5));
                let t = Transform::new(encr::AES_CBC, &ekey, Some(*integ_alg), &akey).unwrap();
                let plain = body(48);
                let mut bytes = esp(&t, 7, &plain);
                t.seal(&mut bytes, 7, seq_hi, None).unwrap();
                let body_end = bytes.len() - t.icv_len();
                let mut covered = bytes[..body_end].to_vec();
                if let Some(hi) = seq_hi {
                    covered.extend_from_slice(&hi.to_be_bytes());
                }
                let full = reference_hmac(*integ_alg, &akey, &covered);
                assert_eq!(&bytes[body_end..], &full[..t.icv_len()], "{}", t.name());
                let mut ct = bytes[24..body_end].to_vec();
                reference_cbc_decrypt(&ekey, &bytes[8..24], &mut ct);
                assert_eq!(ct, plain, "{}", t.name());
            }
        }
    }
}

fn reference_hmac(alg: u16, key: &[u8], data: &[u8]) -> Vec<u8> {
    match alg {
        integ::HMAC_SHA1_96 => mac::<Hmac<sha1::Sha1>>(key, data),
        integ::HMAC_SHA2_256_128 => mac::<Hmac<sha2::Sha256>>(key, data),
        integ::HMAC_SHA2_384_192 => mac::<Hmac<sha2::Sha384>>(key, data),
        _ => mac::<Hmac<sha2::Sha512>>(key, data),
    }
}

fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn reference_cbc_decrypt(key: &[u8], iv: &[u8], buf: &mut [u8]) {
    let (blocks, rest) = Array::<u8, U16>::slice_as_chunks_mut(buf);
    assert!(rest.is_empty());
    match key.len() {
        16 => ::cbc::Decryptor::<Aes128>::inner_iv_slice_init(
            Aes128::new_from_slice(key).unwrap(),
            iv,
        )
        .unwrap()
        .decrypt_blocks(blocks),
        24 => ::cbc::Decryptor::<Aes192>::inner_iv_slice_init(
            Aes192::new_from_slice(key).unwrap(),
            iv,
        )
        .unwrap()
        .decrypt_blocks(blocks),
        _ => ::cbc::Decryptor::<Aes256>::inner_iv_slice_init(
            Aes256::new_from_slice(key).unwrap(),
            iv,
        )
        .unwrap()
        .decrypt_blocks(blocks),
    }
}

#[test]
fn open_inverts_seal_for_every_transform_with_and_without_esn() {
    for t in every_transform() {
        for seq_hi in [None, Some(1)] {
            let plain = body(t.align() * 5);
            let mut bytes = esp(&t, 3, &plain);
            t.seal(&mut bytes, 3, seq_hi, None).unwrap();
            t.open(&mut bytes, seq_hi).unwrap();
            let start = HEADER_LEN + t.iv_len();
            assert_eq!(
                &bytes[start..start + plain.len()],
                &plain[..],
                "{}",
                t.name()
            );
        }
    }
}

#[test]
fn open_rejects_every_single_flipped_bit_for_every_transform() {
    for t in every_transform() {
        let mut sealed = esp(&t, 3, &body(32));
        t.seal(&mut sealed, 3, None, None).unwrap();
        for i in 0..sealed.len() {
            let mut bytes = sealed.clone();
            bytes[i] ^= 0x10;
            assert_eq!(
                t.open(&mut bytes, None),
                Err(CryptoError),
                "{} octet {i}",
                t.name()
            );
        }
    }
}

#[test]
fn open_with_other_esn_high_bits_fails_for_every_transform() {
    for t in every_transform() {
        let mut bytes = esp(&t, 3, &body(32));
        t.seal(&mut bytes, (1 << 32) | 3, Some(1), None).unwrap();
        let mut copy = bytes.clone();
        assert_eq!(t.open(&mut copy, Some(2)), Err(CryptoError), "{}", t.name());
        assert_eq!(t.open(&mut bytes, None), Err(CryptoError), "{}", t.name());
    }
}

#[test]
fn cbc_ivs_are_fresh_per_packet() {
    let t = Transform::new(
        encr::AES_CBC,
        &key(16, 1),
        Some(integ::HMAC_SHA2_256_128),
        &key(32, 2),
    );
    let t = t.unwrap();
    let mut a = esp(&t, 1, &body(16));
    let mut b = a.clone();
    t.seal(&mut a, 1, None, None).unwrap();
    t.seal(&mut b, 1, None, None).unwrap();
    assert_ne!(a[8..24], b[8..24]);
}

#[test]
fn wrong_key_lengths_and_combinations_are_refused() {
    let err = |r: Result<Transform, SaError>| r.err().unwrap();
    assert!(matches!(
        err(Transform::new(encr::AES_GCM_16, &[0; 16], None, &[])),
        SaError::KeyLength { got: 16, .. }
    ));
    assert!(matches!(
        err(Transform::new(encr::CHACHA20_POLY1305, &[0; 32], None, &[])),
        SaError::KeyLength { got: 32, .. }
    ));
    assert!(matches!(
        err(Transform::new(
            encr::AES_CBC,
            &[0; 20],
            Some(integ::HMAC_SHA2_256_128),
            &[0; 32]
        )),
        SaError::KeyLength { got: 20, .. }
    ));
    assert!(matches!(
        err(Transform::new(
            encr::AES_CBC,
            &[0; 16],
            Some(integ::HMAC_SHA2_256_128),
            &[0; 16]
        )),
        SaError::KeyLength { got: 16, .. }
    ));
    assert_eq!(
        err(Transform::new(
            encr::AES_GCM_16,
            &[0; 20],
            Some(integ::HMAC_SHA1_96),
            &[0; 20]
        )),
        SaError::AeadWithIntegrity
    );
    assert_eq!(
        err(Transform::new(encr::AES_CBC, &[0; 16], None, &[])),
        SaError::MissingIntegrity
    );
    assert_eq!(
        err(Transform::new(3, &[0; 24], None, &[])),
        SaError::UnsupportedEncryption(3)
    );
    assert_eq!(
        err(Transform::new(encr::AES_CBC, &[0; 16], Some(5), &[0; 16])),
        SaError::UnsupportedIntegrity(5)
    );
    // AUTH_NONE next to an AEAD is no integrity at all
    assert!(Transform::new(encr::AES_GCM_16, &[0; 20], Some(integ::NONE), &[]).is_ok());
}

#[test]
fn debug_output_names_the_algorithm_and_never_the_key() {
    let t = Transform::new(encr::AES_GCM_16, &[0xab; 36], None, &[]).unwrap();
    let shown = format!("{t:?}");
    assert_eq!(shown, "AES_GCM_16_256");
}
