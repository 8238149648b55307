//! Key exchange methods (RFC 7296 §2.14, §3.4).

mod ecdh;
mod modp;

pub(super) use ecdh::{ECP_256, ECP_384, ECP_521, X25519};
pub(super) use modp::{MODP_2048, MODP_3072, MODP_4096};
