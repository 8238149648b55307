//! X25519 (RFC 7748, RFC 8031) and NIST ECP groups (RFC 5903) via aws-lc-rs.
//!
//! Private values are drawn from the caller's [`SecureRandom`] and imported
//! with `PrivateKey::from_private_key`, so the core stays deterministic under
//! a test RNG. aws-lc-rs checks that a peer's point is on the curve.

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};
use subtle::ConstantTimeEq;

use crate::crypto::{ActiveKe, CryptoError, KeGroup, Secret, SecureRandom};
use crate::wire::iana::KeId;

/// An elliptic-curve group implemented by aws-lc-rs.
#[derive(Debug, Clone, Copy)]
pub(in crate::crypto::backend) struct Ecdh {
    id: KeId,
    alg: &'static agreement::Algorithm,
    /// Length of the private scalar and of one coordinate.
    scalar_len: usize,
    /// Mask for the scalar's first byte (P-521 has 521 bits in 66 bytes).
    top_mask: u8,
}

/// Curve25519 (group 31): KE data and `g^ir` are the 32-byte u-coordinates
/// (RFC 8031 §2).
pub(in crate::crypto::backend) static X25519: Ecdh = Ecdh {
    id: KeId::CURVE_25519,
    alg: &agreement::X25519,
    scalar_len: 32,
    top_mask: 0xff,
};
/// ECP-256 (group 19, RFC 5903 §3.1).
pub(in crate::crypto::backend) static ECP_256: Ecdh = Ecdh {
    id: KeId::ECP_256,
    alg: &agreement::ECDH_P256,
    scalar_len: 32,
    top_mask: 0xff,
};
/// ECP-384 (group 20, RFC 5903 §3.2).
pub(in crate::crypto::backend) static ECP_384: Ecdh = Ecdh {
    id: KeId::ECP_384,
    alg: &agreement::ECDH_P384,
    scalar_len: 48,
    top_mask: 0xff,
};
/// ECP-521 (group 21, RFC 5903 §3.3).
pub(in crate::crypto::backend) static ECP_521: Ecdh = Ecdh {
    id: KeId::ECP_521,
    alg: &agreement::ECDH_P521,
    scalar_len: 66,
    top_mask: 0x01,
};

/// Scalars out of range are drawn again; the chance of even one redraw is
/// below 2^-32 for every supported curve.
const MAX_DRAWS: usize = 16;

impl Ecdh {
    fn is_x25519(&self) -> bool {
        self.id == KeId::CURVE_25519
    }

    fn private_key(&self, rng: &dyn SecureRandom) -> Result<PrivateKey, CryptoError> {
        let mut scalar = Secret::zeroed(self.scalar_len);
        for _ in 0..MAX_DRAWS {
            rng.fill(scalar.as_mut_bytes())?;
            if let Some(first) = scalar.as_mut_bytes().first_mut() {
                *first &= self.top_mask;
            }
            // X25519 clamps any 32 bytes (RFC 7748 §5); for ECDH aws-lc
            // rejects 0 and scalars >= the group order.
            if let Ok(key) = PrivateKey::from_private_key(self.alg, scalar.as_bytes()) {
                return Ok(key);
            }
        }
        Err(CryptoError::Rng)
    }
}

impl KeGroup for Ecdh {
    fn id(&self) -> KeId {
        self.id
    }

    fn start(&self, rng: &dyn SecureRandom) -> Result<Box<dyn ActiveKe>, CryptoError> {
        let private = self.private_key(rng)?;
        let public = private
            .compute_public_key()
            .map_err(|_| CryptoError::Backend("public key"))?;
        let public = if self.is_x25519() {
            public.as_ref().to_vec()
        } else {
            // RFC 5903 §7: the KE data is x | y, without SEC1's 0x04 prefix.
            match public.as_ref().split_first() {
                Some((0x04, xy)) if xy.len() == 2 * self.scalar_len => xy.to_vec(),
                _ => return Err(CryptoError::Backend("unexpected public key encoding")),
            }
        };
        Ok(Box::new(ActiveEcdh {
            group: *self,
            private,
            public,
        }))
    }
}

struct ActiveEcdh {
    group: Ecdh,
    private: PrivateKey,
    public: Vec<u8>,
}

impl ActiveKe for ActiveEcdh {
    fn group(&self) -> KeId {
        self.group.id
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer: &[u8]) -> Result<Secret, CryptoError> {
        let group = self.group;
        let invalid = CryptoError::InvalidPublicKey { group: group.id };
        let peer = if group.is_x25519() {
            if peer.len() != 32 {
                return Err(invalid);
            }
            peer.to_vec()
        } else {
            if peer.len() != 2 * group.scalar_len {
                return Err(invalid);
            }
            let mut sec1 = Vec::with_capacity(1 + peer.len());
            sec1.push(0x04);
            sec1.extend_from_slice(peer);
            sec1
        };
        let shared = agreement::agree(
            &self.private,
            UnparsedPublicKey::new(group.alg, &peer),
            invalid.clone(),
            |secret| Ok(Secret::from(secret)),
        )?;
        // RFC 7748 §6.1: an all-zero X25519 output means a small-order point.
        // (ECDH output is the x-coordinate, RFC 5903 §7; the point at
        // infinity cannot be reached from a valid peer point.)
        let all_zero = shared.as_bytes().ct_eq(&vec![0; shared.len()]);
        if bool::from(all_zero) || shared.len() != group.scalar_len {
            return Err(invalid);
        }
        Ok(shared)
    }
}
