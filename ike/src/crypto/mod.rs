//! Cryptographic provider: PRFs, key derivation, SK payload protection and
//! key exchange (RFC 7296 §2.13–2.18, §3.14–3.15).
