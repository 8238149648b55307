//! Test support for Cygnet's conformance suite.

pub mod bins;
pub mod captured;
pub mod pcap;
pub mod probe;
pub mod swanctl;
pub mod vici_recorder;
