//! MODP groups 14, 15 and 16 (RFC 3526) with crypto-bigint's constant-time
//! Montgomery exponentiation.
//!
//! **Private exponent size.** RFC 3526 §8 estimates the strength of these
//! groups at 110–160 (2048), 130–210 (3072) and 150–240 (4096) bits and asks
//! for exponents of twice that; NIST SP 800-57 rates them at 112, 128 and
//! ~150 bits. We use 256-, 384- and 512-bit exponents: at least twice the
//! SP 800-57 strength, equal to strongSwan's 256..512-bit range, and twice
//! the strength of the AES key (128/192/256) each group is usually paired
//! with. The exponent length is public; the exponentiation runs in time
//! independent of the exponent's value (`pow_bounded_exp`).
//!
//! **Public value checks** (RFC 7296 §3.4, NIST SP 800-56A §5.6.2.3.1): the
//! KE data must be exactly the prime's length (left-padded with zeros), and
//! `1 < y < p - 1`; a shared secret of 1 is rejected too (§5.7.1.1).

use std::sync::OnceLock;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U2048, U3072, U4096, Uint};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{ActiveKe, CryptoError, KeGroup, Secret, SecureRandom};
use crate::wire::iana::KeId;

/// A MODP group with generator 2 and a `LIMBS`-limb safe prime.
pub(in crate::crypto::backend) struct Modp<const LIMBS: usize> {
    id: KeId,
    prime: Odd<Uint<LIMBS>>,
    /// Montgomery parameters, computed on first use.
    params: OnceLock<FixedMontyParams<LIMBS>>,
    exponent_bits: u32,
}

impl<const LIMBS: usize> core::fmt::Debug for Modp<LIMBS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.id)
    }
}

/// Group 14 (RFC 3526 §3).
pub(in crate::crypto::backend) static MODP_2048: Modp<{ U2048::LIMBS }> =
    Modp::new(KeId::MODP_2048, P2048, 256);
/// Group 15 (RFC 3526 §4).
pub(in crate::crypto::backend) static MODP_3072: Modp<{ U3072::LIMBS }> =
    Modp::new(KeId::MODP_3072, P3072, 384);
/// Group 16 (RFC 3526 §5).
pub(in crate::crypto::backend) static MODP_4096: Modp<{ U4096::LIMBS }> =
    Modp::new(KeId::MODP_4096, P4096, 512);

/// A zero exponent is redrawn; its chance is 2^-256 at most.
const MAX_DRAWS: usize = 4;

impl<const LIMBS: usize> Modp<LIMBS> {
    const fn new(id: KeId, prime_hex: &str, exponent_bits: u32) -> Self {
        Self {
            id,
            prime: Odd::<Uint<LIMBS>>::from_be_hex(prime_hex),
            params: OnceLock::new(),
            exponent_bits,
        }
    }

    fn params(&self) -> &FixedMontyParams<LIMBS> {
        self.params
            .get_or_init(|| FixedMontyParams::new_vartime(self.prime))
    }

    /// Length of the prime, and of every public value, in bytes.
    fn len(&self) -> usize {
        Uint::<LIMBS>::BYTES
    }

    /// A random exponent of `exponent_bits` bits (not 0 or 1).
    fn exponent(&self, rng: &dyn SecureRandom) -> Result<Zeroizing<Uint<LIMBS>>, CryptoError> {
        let mut bytes = Secret::zeroed(self.len());
        let random_len = (self.exponent_bits / 8) as usize;
        let start = self
            .len()
            .checked_sub(random_len)
            .ok_or(CryptoError::Backend("exponent size"))?;
        for _ in 0..MAX_DRAWS {
            let random = bytes
                .as_mut_bytes()
                .get_mut(start..)
                .ok_or(CryptoError::Backend("exponent size"))?;
            rng.fill(random)?;
            let exponent = Zeroizing::new(Uint::<LIMBS>::from_be_slice(bytes.as_bytes()));
            if *exponent > Uint::ONE {
                return Ok(exponent);
            }
        }
        Err(CryptoError::Rng)
    }
}

impl<const LIMBS: usize> KeGroup for Modp<LIMBS> {
    fn id(&self) -> KeId {
        self.id
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKe>, CryptoError> {
        let exponent = self.exponent(rng)?;
        let params = *self.params();
        let public = pow(&params, &Uint::from_u8(2), &exponent, self.exponent_bits);
        let public = public.to_be_bytes().as_ref().to_vec();
        let exponent_bits = self.exponent_bits;
        Ok(Box::new(ActiveModp {
            id: self.id,
            params,
            exponent_bits,
            exponent,
            public,
        }))
    }
}

fn pow<const LIMBS: usize>(
    params: &FixedMontyParams<LIMBS>,
    base: &Uint<LIMBS>,
    exponent: &Uint<LIMBS>,
    exponent_bits: u32,
) -> Uint<LIMBS> {
    FixedMontyForm::new(base, params)
        .pow_bounded_exp(exponent, exponent_bits)
        .retrieve()
}

struct ActiveModp<const LIMBS: usize> {
    id: KeId,
    params: FixedMontyParams<LIMBS>,
    exponent_bits: u32,
    exponent: Zeroizing<Uint<LIMBS>>,
    public: Vec<u8>,
}

impl<const LIMBS: usize> ActiveKe for ActiveModp<LIMBS> {
    fn group(&self) -> KeId {
        self.id
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret, CryptoError> {
        let invalid = CryptoError::InvalidPublicKey { group: self.id };
        if peer.len() != Uint::<LIMBS>::BYTES {
            return Err(invalid);
        }
        // Public values: variable-time comparisons are fine.
        let y = Uint::<LIMBS>::from_be_slice(peer);
        let p_minus_1 = self.params.modulus().as_ref().wrapping_sub(&Uint::ONE);
        if y <= Uint::ONE || y >= p_minus_1 {
            return Err(invalid);
        }
        let shared = Zeroizing::new(pow(&self.params, &y, &self.exponent, self.exponent_bits));
        if *shared == Uint::ONE {
            return Err(invalid);
        }
        // Big-endian, as long as the prime (RFC 7296 §2.14).
        let mut encoded = shared.to_be_bytes();
        let secret = Secret::from(encoded.as_ref());
        encoded.zeroize();
        Ok(secret)
    }
}

/// RFC 3526 §3: 2048-bit MODP group prime.
const P2048: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
);
/// RFC 3526 §4: 3072-bit MODP group prime.
const P3072: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
/// RFC 3526 §5: 4096-bit MODP group prime.
const P4096: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7",
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8",
    "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2",
    "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9",
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::TestRng;

    fn prime_bytes<const LIMBS: usize>(group: &Modp<LIMBS>) -> Vec<u8> {
        group.prime.as_ref().to_be_bytes().as_ref().to_vec()
    }

    /// `value` as a big-endian number of `len` bytes.
    fn number(value: u8, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; len];
        bytes[len - 1] = value;
        bytes
    }

    #[test]
    fn both_sides_of_modp_2048_agree() {
        let rng = TestRng::new(14);
        let (a, b) = (
            MODP_2048.start(&rng).unwrap(),
            MODP_2048.start(&rng).unwrap(),
        );
        assert_eq!(a.public_key().len(), 256);
        assert_ne!(a.public_key(), b.public_key());
        let b_public = b.public_key().to_vec();
        let ab = a.complete(&b_public);
        let a_again = MODP_2048.start(&TestRng::new(14)).unwrap();
        let ba = b.complete(a_again.public_key()).unwrap();
        assert_eq!(ab.unwrap(), ba);
        assert_eq!(ba.len(), 256);
    }

    #[test]
    fn modp_3072_and_4096_agree() {
        for group in [&MODP_3072 as &dyn KeGroup, &MODP_4096] {
            let rng = TestRng::new(15);
            let (a, b) = (group.start(&rng).unwrap(), group.start(&rng).unwrap());
            let (pa, pb) = (a.public_key().to_vec(), b.public_key().to_vec());
            assert_eq!(a.complete(&pb).unwrap(), b.complete(&pa).unwrap());
        }
    }

    #[test]
    fn modp_rejects_degenerate_and_out_of_range_public_values() {
        let rng = TestRng::new(16);
        let p = prime_bytes(&MODP_2048);
        let mut p_minus_1 = p.clone();
        p_minus_1[255] -= 1;
        let all_ones = vec![0xff; 256];
        let bad: [(&str, Vec<u8>); 8] = [
            ("zero", number(0, 256)),
            ("one", number(1, 256)),
            ("p - 1", p_minus_1),
            ("p", p.clone()),
            ("2^2048 - 1 (> p)", all_ones),
            ("short", number(2, 255)),
            ("long", number(2, 257)),
            ("empty", Vec::new()),
        ];
        for (what, value) in bad {
            let ke = MODP_2048.start(&rng).unwrap();
            assert_eq!(
                ke.complete(&value),
                Err(CryptoError::InvalidPublicKey {
                    group: KeId::MODP_2048
                }),
                "{what}"
            );
        }
        // 2 and p - 2 are in range.
        let mut p_minus_2 = p;
        p_minus_2[255] -= 2;
        for value in [number(2, 256), p_minus_2] {
            assert!(MODP_2048.start(&rng).unwrap().complete(&value).is_ok());
        }
    }

    #[test]
    fn the_private_exponent_has_the_configured_size() {
        let exponent = MODP_2048.exponent(&TestRng::new(3)).unwrap();
        assert!(exponent.bits() <= 256 && exponent.bits() > 240);
        assert_eq!(MODP_4096.exponent_bits, 512);
    }

    #[test]
    fn rfc_3526_primes_have_the_documented_shape() {
        for (bytes, bits) in [
            (prime_bytes(&MODP_2048), 2048),
            (prime_bytes(&MODP_3072), 3072),
            (prime_bytes(&MODP_4096), 4096),
        ] {
            assert_eq!(bytes.len() * 8, bits);
            assert_eq!(
                &bytes[..12],
                &[
                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2
                ]
            );
            assert_eq!(&bytes[bytes.len() - 8..], &[0xff; 8]);
        }
    }
}
