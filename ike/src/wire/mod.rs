//! IKEv2 wire format (RFC 7296 §3, RFC 7383, RFC 3948).

pub mod iana;
