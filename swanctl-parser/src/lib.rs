//! swanctl.conf and strongswan.conf as strongSwan 5.9.8 reads them, and the
//! VICI message codec.
//!
//! - [`settings`]: the settings grammar → merged section tree with references.
//! - [`config`]: the typed swanctl.conf model (connections, secrets, ...) and
//!   the `charon.*` / `cygnet.*` settings of strongswan.conf.
//! - [`vici`]: VICI framing and messages (strongSwan's control protocol).

pub mod config;
pub mod settings;
pub mod vici;
