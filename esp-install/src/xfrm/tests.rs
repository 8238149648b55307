//! Encoding tests.
