//! Key and certificate loading, chain validation and identity matching.
