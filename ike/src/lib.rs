//! Sans-IO IKEv2 (RFC 7296) core of Cygnet.
//!
//! This crate performs no I/O, never reads a clock and never asks the OS for
//! randomness: time and randomness are passed in by the caller.

pub mod cookie;
pub mod crypto;
pub mod natd;
pub mod proposal;
pub mod protect;
pub mod time;
pub mod wire;
