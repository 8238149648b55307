//! Published ESP known answers: the AES-GCM test cases of
//! draft-mcgrew-gcm-test-01 §4 ("Test Cases for the use of GCM and GMAC
//! in IPsec ESP"). Each gives key, salt | IV, AAD (SPI | sequence number,
//! or SPI | 64-bit ESN), the plaintext body (payload, padding 1 2, pad
//! length, next header) and ciphertext | tag; here they go through the ESP
//! framing of this crate in both directions.

use super::*;
use crate::userspace::cipher::Transform;
use crate::userspace::esp;

struct Vector {
    key: &'static str,
    nonce: &'static str,
    aad: &'static str,
    plaintext: &'static str,
    sealed: &'static str,
}

const VECTORS: &[Vector] = &[
    // AES-128, extended sequence number 0x8765432100000000
    Vector {
        key: "4c80cdefbb5d10da906ac73c3613a634",
        nonce: "2e443b684956ed7e3b244cfe",
        aad: "000043218765432100000000",
        plaintext: "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000\
                    00000000045f736970045f756470037369700963796265726369747902646b00\
                    0021000101020201",
        sealed: "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34\
                 cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce\
                 61bc17d768fd9732459018148f6cbe722fd04796562dfdb4",
    },
    // AES-192, sequence number 10
    Vector {
        key: "feffe9928665731c6d6a8f9467308308feffe9928665731c",
        nonce: "cafebabefacedbaddecaf888",
        aad: "0000a5f80000000a",
        plaintext: "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e\
                    501016d075680001",
        sealed: "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0\
                 315b27452144cc7795457b9652037f5318027b5b4cd7a636",
    },
    // AES-256, sequence number 2
    Vector {
        key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
        nonce: "112233440102030405060708",
        aad: "4a2cbfe300000002",
        plaintext: "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000\
                    7002400020bf0000020405b40101040201020201",
        sealed: "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763\
                 748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49\
                 15956c96",
    },
];

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

impl Vector {
    /// Transform keyed with key | salt, the ESP packet
    /// SPI | seq low | IV | ciphertext | ICV, the high sequence half if ESN.
    fn parts(&self) -> (Transform, Vec<u8>, Option<u32>, u64) {
        let (nonce, aad) = (hex(self.nonce), hex(self.aad));
        let mut key = hex(self.key);
        key.extend_from_slice(&nonce[..4]);
        let t = Transform::new(encr::AES_GCM_16, &key, None, &[]).unwrap();
        let (seq_hi, low) = match aad.len() {
            12 => (
                Some(u32::from_be_bytes(aad[4..8].try_into().unwrap())),
                &aad[8..12],
            ),
            _ => (None, &aad[4..8]),
        };
        let seq = (u64::from(seq_hi.unwrap_or(0)) << 32)
            | u64::from(u32::from_be_bytes(low.try_into().unwrap()));
        let mut packet = aad[..4].to_vec();
        packet.extend_from_slice(low);
        packet.extend_from_slice(&nonce[4..]);
        packet.extend_from_slice(&hex(self.sealed));
        (t, packet, seq_hi, seq)
    }
}

#[test]
fn draft_mcgrew_gcm_test_packets_open_to_their_plaintext_and_trailer() {
    for v in VECTORS {
        let (t, mut packet, seq_hi, _) = v.parts();
        esp::check_len(&t, packet.len()).unwrap();
        let opened = esp::open(&t, &mut packet, seq_hi).unwrap();
        let plaintext = hex(v.plaintext);
        assert_eq!(&packet[16..packet.len() - 16], &plaintext[..], "{}", v.key);
        assert_eq!(opened.next_header, *plaintext.last().unwrap());
        let pad = usize::from(plaintext[plaintext.len() - 2]);
        assert_eq!(opened.payload, 16..16 + plaintext.len() - 2 - pad);
    }
}

#[test]
fn draft_mcgrew_gcm_test_packets_seal_to_the_published_octets() {
    for v in VECTORS {
        let (t, expected, seq_hi, seq) = v.parts();
        let mut packet = expected[..16].to_vec();
        packet.extend_from_slice(&hex(v.plaintext));
        packet.resize(packet.len() + 16, 0);
        let iv = expected[8..16].to_vec();
        t.seal(&mut packet, seq, seq_hi, Some(&iv)).unwrap();
        assert_eq!(packet, expected, "{}", v.key);
    }
}

#[test]
fn draft_mcgrew_gcm_test_packets_fail_with_the_wrong_esn_half() {
    let (t, mut packet, seq_hi, _) = VECTORS[0].parts();
    assert!(seq_hi.is_some());
    assert_eq!(
        esp::open(&t, &mut packet, None),
        Err(DropReason::IntegrityFailed)
    );
}
