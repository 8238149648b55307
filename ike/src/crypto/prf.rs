//! prf+ (RFC 7296 §2.13).

use super::{CryptoError, Prf, Secret};

/// prf+ (RFC 7296 §2.13): the first `len` bytes of `T1 | T2 | T3 | ...` with
///
/// ```text
/// T1 = prf (K, S | 0x01)
/// T2 = prf (K, T1 | S | 0x02)
/// Tn = prf (K, T(n-1) | S | n)
/// ```
///
/// where `S` is the concatenation of `seed`'s parts (passed in parts so that
/// secret parts such as `g^ir` are never copied into a temporary buffer).
///
/// The block counter is one octet, so at most 255 blocks can be produced;
/// asking for more is [`CryptoError::OutputTooLong`].
pub fn prf_plus(
    prf: &dyn Prf,
    key: &[u8],
    seed: &[&[u8]],
    len: usize,
) -> Result<Secret, CryptoError> {
    let block_len = prf.output_len();
    let blocks = len.div_ceil(block_len);
    if blocks > 255 {
        return Err(CryptoError::OutputTooLong);
    }
    let mut out = Secret::zeroed(blocks * block_len);
    let mut start = 0;
    for counter in 1..=blocks {
        let counter = [u8::try_from(counter).map_err(|_| CryptoError::OutputTooLong)?];
        let (done, rest) = out.as_mut_bytes().split_at_mut(start);
        let mut data: Vec<&[u8]> = Vec::with_capacity(seed.len() + 2);
        if let Some(previous) = start.checked_sub(block_len).and_then(|p| done.get(p..)) {
            data.push(previous);
        }
        data.extend_from_slice(seed);
        data.push(&counter);
        let block = rest
            .get_mut(..block_len)
            .ok_or(CryptoError::OutputTooLong)?;
        prf.compute_into(key, &data, block);
        start += block_len;
    }
    Ok(out.take_front(len).unwrap_or_default())
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use super::*;
    use crate::crypto::{default_provider, hex};
    use crate::wire::iana::PrfId;

    /// prf+ with HMAC is HKDF-Expand (RFC 5869 §2.3) with the key as PRK and
    /// the seed as info: both define T(n) = HMAC(K, T(n-1) | S | n).
    #[test]
    fn prf_plus_matches_hkdf_expand() {
        let provider = default_provider();
        let prf = provider.prf(PrfId::HMAC_SHA2_256).unwrap();
        let key = hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        let (seed_a, seed_b) = (&b"Ni | Nr"[..], &b" | SPIi | SPIr"[..]);
        for len in [1, 31, 32, 33, 64, 100, 255 * 32] {
            let ours = prf_plus(prf, &key, &[seed_a, seed_b], len).unwrap();
            let hk = hkdf::Hkdf::<sha2::Sha256>::from_prk(&key).unwrap();
            let mut expected = vec![0; len];
            hk.expand(&[seed_a, seed_b].concat(), &mut expected)
                .unwrap();
            assert_eq!(ours.as_bytes(), &expected[..], "len {len}");
        }
    }

    /// RFC 5869 Appendix A.1 (OKM from the PRK), which is prf+ with HMAC-SHA-256.
    #[test]
    fn prf_plus_reproduces_rfc5869_test_case_1() {
        let provider = default_provider();
        let prf = provider.prf(PrfId::HMAC_SHA2_256).unwrap();
        let prk = hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        let info = hex("f0f1f2f3f4f5f6f7f8f9");
        let okm = prf_plus(prf, &prk, &[&info], 42).unwrap();
        assert_eq!(
            okm.as_bytes(),
            &hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
                 34007208d5b887185865"
            )[..]
        );
    }

    #[test]
    fn prf_plus_first_block_is_prf_of_seed_and_one() {
        let provider = default_provider();
        let prf = provider.prf(PrfId::HMAC_SHA1).unwrap();
        let t1 = prf.compute(b"key", &[b"seed", &[1]]);
        let t2 = prf.compute(b"key", &[t1.as_bytes(), b"seed", &[2]]);
        let out = prf_plus(prf, b"key", &[b"se", b"ed"], 30).unwrap();
        assert_eq!(&out.as_bytes()[..20], t1.as_bytes());
        assert_eq!(&out.as_bytes()[20..], &t2.as_bytes()[..10]);
    }

    #[test]
    fn prf_plus_refuses_more_than_255_blocks() {
        let provider = default_provider();
        let prf = provider.prf(PrfId::HMAC_SHA2_512).unwrap();
        assert!(prf_plus(prf, b"k", &[b"s"], 255 * 64).is_ok());
        assert_eq!(
            prf_plus(prf, b"k", &[b"s"], 255 * 64 + 1).unwrap_err(),
            CryptoError::OutputTooLong
        );
    }
}
