//! Userspace ESP data path core (RFC 4303), without I/O.
pub mod wire;
pub mod replay;
pub(crate) mod cipher;
pub mod error;
pub(crate) mod esp;
pub mod frame;
pub mod spd;
