//! Hash functions from RustCrypto: SHA-1 and SHA-2 (FIPS 180-4), named as
//! in the IKEv2 Hash Algorithms registry (RFC 7427 §4).

use core::fmt;
use core::marker::PhantomData;

use sha2::Digest;

use crate::crypto::Hash;
use crate::wire::iana::HashAlgorithm;

/// A RustCrypto digest as a [`Hash`].
pub(super) struct RcHash<D> {
    id: HashAlgorithm,
    digest: PhantomData<fn() -> D>,
}

impl<D> RcHash<D> {
    pub(super) const fn new(id: HashAlgorithm) -> Self {
        Self {
            id,
            digest: PhantomData,
        }
    }
}

impl<D> fmt::Debug for RcHash<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.id)
    }
}

impl<D: Digest + 'static> Hash for RcHash<D> {
    fn id(&self) -> HashAlgorithm {
        self.id
    }

    fn output_len(&self) -> usize {
        <D as Digest>::output_size()
    }

    fn hash_into(&self, data: &[&[u8]], out: &mut [u8]) {
        let mut digest = D::new();
        for part in data {
            digest.update(part);
        }
        let result = digest.finalize();
        for (o, r) in out.iter_mut().zip(result.iter()) {
            *o = *r;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{default_provider, hex};

    /// FIPS 180-2 Appendix A.1 / B.1 / C.1 / D.1 (one-block message "abc").
    const ABC: [(HashAlgorithm, &str); 4] = [
        (
            HashAlgorithm::SHA1,
            "a9993e364706816aba3e25717850c26c9cd0d89d",
        ),
        (
            HashAlgorithm::SHA2_256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashAlgorithm::SHA2_384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            HashAlgorithm::SHA2_512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];

    #[test]
    fn every_hash_gives_the_fips_180_answer_for_abc() {
        let provider = default_provider();
        for (id, expected) in ABC {
            let hash = provider.hash(id).unwrap();
            assert_eq!(hash.id(), id);
            assert_eq!(hash.output_len(), expected.len() / 2);
            assert_eq!(hash.hash(&[b"abc"]), hex(expected), "{id}");
        }
    }

    #[test]
    fn hashing_parts_equals_hashing_their_concatenation() {
        let provider = default_provider();
        for (id, expected) in ABC {
            let hash = provider.hash(id).unwrap();
            assert_eq!(hash.hash(&[b"a", b"", b"bc"]), hex(expected), "{id}");
        }
    }

    #[test]
    fn sha1_gives_the_fips_180_two_block_answer() {
        let sha1 = default_provider().hash(HashAlgorithm::SHA1).unwrap();
        let message = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        let mut out = [0u8; 20];
        sha1.hash_into(&[message], &mut out);
        assert_eq!(out[..], hex("84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
    }
}
