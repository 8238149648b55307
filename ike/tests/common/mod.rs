//! Helpers shared by the known-answer tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Mutex;

use ike::crypto::{CryptoError, SecureRandom};

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Hands out fixed bytes (a private key from a test vector) in order.
#[derive(Debug)]
pub struct FixedRng(Mutex<Vec<u8>>);

impl FixedRng {
    pub fn new(bytes: &[u8]) -> Self {
        Self(Mutex::new(bytes.to_vec()))
    }
}

impl SecureRandom for FixedRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        let mut bytes = self.0.lock().unwrap();
        assert!(bytes.len() >= dest.len(), "fixed RNG exhausted");
        dest.copy_from_slice(&bytes[..dest.len()]);
        bytes.drain(..dest.len());
        Ok(())
    }
}
