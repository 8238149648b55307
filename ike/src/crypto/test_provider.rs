//! A provider for tests: **NO SECURITY, for tests only.**

use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::{CryptoError, Provider, SecureRandom, default_provider};

/// The default algorithms with a deterministic [`TestRng`] seeded with
/// `seed`. **NO SECURITY, for tests only**: every nonce, SPI, IV and private
/// value it produces is predictable from the seed.
pub fn test_provider(seed: u64) -> Provider {
    Provider {
        rng: Arc::new(TestRng::new(seed)),
        ..default_provider()
    }
}

/// An SK protector with fixed keys (SK_e all 0x11, SK_a all 0x22) for
/// `encr` with `bits` and `integ`. **NO SECURITY, for tests only.**
///
/// # Panics
/// If the provider lacks the algorithms.
#[cfg(test)]
pub(crate) fn test_protector(
    encr: crate::wire::iana::EncrId,
    bits: u16,
    integ: Option<crate::wire::iana::IntegId>,
) -> super::SkProtector {
    let provider = test_provider(7);
    let cipher = provider.sk_cipher(encr, Some(bits)).expect("cipher");
    let a_len = integ.map(|id| provider.integ(id).expect("integrity").key_len());
    let sk_e = vec![0x11; cipher.key_material_len()];
    let sk_a = a_len.map(|len| vec![0x22; len]);
    super::SkProtector::new(&provider, encr, Some(bits), integ, &sk_e, sk_a.as_deref())
        .expect("protector")
}

/// A deterministic byte stream, `SHA-256(seed | counter)` for counter
/// 0, 1, 2, ... **NO SECURITY, for tests only.**
#[derive(Debug)]
pub struct TestRng {
    seed: u64,
    state: Mutex<Stream>,
}

#[derive(Debug, Default)]
struct Stream {
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl TestRng {
    /// A stream determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            state: Mutex::new(Stream {
                used: 32,
                ..Stream::default()
            }),
        }
    }
}

impl SecureRandom for TestRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut stream = self.state.lock().map_err(|_| CryptoError::Rng)?;
        for byte in dest {
            if stream.used == stream.block.len() {
                let block = Sha256::new()
                    .chain_update(self.seed.to_be_bytes())
                    .chain_update(stream.counter.to_be_bytes());
                stream.block = block.finalize().into();
                stream.counter += 1;
                stream.used = 0;
            }
            *byte = stream.block[stream.used];
            stream.used += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_rng_is_deterministic_and_seed_dependent() {
        let (a, b, c) = (TestRng::new(1), TestRng::new(1), TestRng::new(2));
        let (mut x, mut y, mut z) = ([0u8; 50], [0u8; 50], [0u8; 50]);
        a.fill(&mut x[..10]).unwrap();
        a.fill(&mut x[10..]).unwrap();
        b.fill(&mut y).unwrap();
        c.fill(&mut z).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, z);
    }
}
