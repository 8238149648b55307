//! Proposals: strongSwan's keyword syntax, defaults and selection
//! (RFC 7296 §2.7, §3.3).
