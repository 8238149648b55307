//! Userspace ESP data path core (RFC 4303), without I/O.
pub mod wire;
