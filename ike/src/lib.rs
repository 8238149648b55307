//! Sans-IO IKEv2 (RFC 7296) core of Cygnet.
//!
//! This crate performs no I/O, never reads a clock and never asks the OS for
//! randomness: time ([`time::Instant`]) and randomness (the
//! [`crypto::Provider`]'s RNG) are passed in by the caller. The
//! [`Endpoint`] holds every IKE SA; a driver feeds it datagrams, timeouts
//! and data-plane events and executes the [`Action`]s it returns.

pub mod action;
pub mod auth;
pub mod config;
pub mod cookie;
pub mod counters;
pub mod crypto;
mod endpoint;
mod error;
pub mod fragment;
pub mod natd;
pub mod pools;
pub mod proposal;
pub mod protect;
mod sa;
pub mod settings;
mod task;
#[cfg(feature = "test-provider")]
pub mod testing;
pub mod time;
pub mod ts;
pub mod wire;

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests;

pub use action::{Action, ChildId, DownReason, Event, KernelEvent, SaHandle, Transmit};
pub use endpoint::{Endpoint, Incoming};
pub use error::{Error, PeerMisbehaved};
pub use sa::{ChildInit, ChildSaInfo, ChildState, IkeSaInfo, IkeState, NatState};
