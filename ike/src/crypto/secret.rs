//! Key material that wipes itself.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes (keys, SKEYSEED, `g^ir`, KEYMAT): zeroized on drop, redacted
/// in `Debug`, compared in constant time.
///
/// There is deliberately no `Clone`: a copy has to be asked for with
/// [`Secret::from`]`(secret.as_bytes())`, which keeps copies visible.
#[derive(Default, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// A secret of `len` zero bytes, to be filled in place.
    pub fn zeroed(len: usize) -> Self {
        Self(vec![0; len])
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret bytes, mutable (the length cannot change).
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for a zero-length secret (e.g. SK_a with an AEAD cipher).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Splits off the first `len` bytes into a new secret; `None` if there are
    /// fewer than `len` bytes left.
    pub(crate) fn take_front(&mut self, len: usize) -> Option<Self> {
        if len > self.0.len() {
            return None;
        }
        let front = Self(self.0[..len].to_vec());
        // The old buffer is zeroized (whole capacity) when replaced.
        *self = Self(self.0[len..].to_vec());
        Some(front)
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {}])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_redacts_the_bytes() {
        let secret = Secret::from(&b"hunter2"[..]);
        assert_eq!(format!("{secret:?}"), "Secret([REDACTED; 7])");
    }

    #[test]
    fn take_front_splits_in_order() {
        let mut secret = Secret::from(&[1u8, 2, 3, 4, 5][..]);
        let front = secret.take_front(2).unwrap();
        assert_eq!(front.as_bytes(), &[1, 2]);
        assert_eq!(secret.as_bytes(), &[3, 4, 5]);
        assert!(secret.take_front(4).is_none());
        assert_eq!(secret.take_front(3).unwrap().as_bytes(), &[3, 4, 5]);
        assert!(secret.is_empty());
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(Secret::from(&[1u8, 2][..]), Secret::from(&[1u8, 2][..]));
        assert_ne!(Secret::from(&[1u8, 2][..]), Secret::from(&[1u8, 3][..]));
        assert_ne!(Secret::from(&[1u8][..]), Secret::from(&[1u8, 0][..]));
    }
}
