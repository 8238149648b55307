//! Test support for Cygnet's conformance suite.
