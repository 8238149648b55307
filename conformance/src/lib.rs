//! Test support for Cygnet's conformance suite.

pub mod bins;
pub mod vici_recorder;
