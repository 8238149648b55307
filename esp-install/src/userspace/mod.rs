//! The userspace ESP data path (RFC 4303), sans-IO: the core that the TUN
//! device and the UDP 4500 socket loop call. It owns no socket, reads no
//! clock (every call takes `now`) and allocates nothing per packet.
//!
//! * Outbound: [`Dataplane::encapsulate`] takes an IP packet read from
//!   the TUN device in a [`Frame`] (a caller buffer with [`HEADROOM`] and
//!   [`TAILROOM`] around the packet), looks up the SPD (first match in
//!   priority order), protects it with the newest outbound SA of the
//!   policy's reqid and returns where to send `frame[esp_offset..]`: as
//!   the UDP payload on port 4500 (RFC 3948) or as IP protocol 50.
//! * Inbound: [`Dataplane::decapsulate`] takes the ESP octets of a UDP
//!   payload ([`wire::esp::classify_udp`] separates IKE and keepalives)
//!   or of a raw ESP packet, with the outer addresses;
//!   [`Dataplane::decapsulate_ip`] takes a whole IP packet. SAD lookup by
//!   SPI, replay check, ICV and decryption, replay update, padding and
//!   next-header checks, tunnel or transport decapsulation, and the check
//!   that the packet fits the SA's selectors (RFC 4301 §5.2). The frame
//!   then holds the packet for the TUN device.
//! * Every refusal is a [`DropReason`], counted in [`Dataplane::drops`];
//!   expiries (soft once, hard once, by bytes, packets, time or sequence
//!   numbers) and acquires queue as [`Event`]s for
//!   [`Dataplane::poll_event`]; [`Dataplane::tick`] fires time limits and
//!   [`Dataplane::next_timeout`] says when it is next needed.
//!
//! Algorithms: AES-GCM-8/12/16 (RFC 4106), ChaCha20-Poly1305 (RFC 7634),
//! AES-CBC or NULL with HMAC-SHA1-96 or HMAC-SHA2 (RFC 3602, 2410, 2404,
//! 4868); ESN (RFC 4303 §2.2.1, Appendix A) with all of them.

pub(crate) mod cipher;
mod dataplane;
pub mod error;
pub(crate) mod esp;
pub mod event;
pub mod frame;
mod inbound;
pub mod io;
pub(crate) mod mode;
mod outbound;
pub mod replay;
pub mod sa;
pub mod spd;
pub mod wire;

pub use cipher::{encr, integ};
pub use dataplane::{ACQUIRE_INTERVAL, Dataplane, Inbound, Outbound};
pub use error::{DropCounters, DropReason, SaError};
pub use event::{Event, ExpireCause, SaRef};
pub use frame::{Frame, HEADROOM, TAILROOM};
pub use sa::{Limits, SaConfig, SaStats};
pub use spd::{Policy, PolicyAction, Spd};

#[cfg(test)]
mod tests;
