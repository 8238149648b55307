//! Test support for Cygnet's conformance suite.

pub mod bins;
pub mod pcap;
pub mod vici_recorder;
