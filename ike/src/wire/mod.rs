//! IKEv2 wire format (RFC 7296 §3, RFC 7383, RFC 3948).
//!
//! Two levels, as in smoltcp's `wire`:
//!
//! - **Views** over the fixed headers, [`IkeHeader`] and
//!   [`GenericPayloadHeader`], read and write fields in place (`mod field`
//!   ranges, getters, setters for `T: AsMut<[u8]>`).
//! - **Values** for everything else: [`Message`] and the [`Payload`] enum,
//!   each with a parse/emit pair built on [`Reader`] and [`Encoder`]
//!   ([`Codec`]).
//!
//! # The view contract (from smoltcp)
//!
//! `new_unchecked` wraps any buffer and does no checks; accessors may panic
//! on a buffer that is too short. `check_len` returns an error if the buffer
//! is too short for the fixed fields, and **after `check_len` has succeeded,
//! no accessor panics**. `new_checked` is `new_unchecked` followed by
//! `check_len`: untrusted input must use `new_checked`. When emitting into a
//! reused buffer, use `new_unchecked` on a buffer of the right size: the
//! check would pass or fail depending on what the buffer held before.
//!
//! # The value rules
//!
//! Parsing never panics, never indexes unchecked and allocates only in
//! proportion to the input received; peer-controlled counts are capped
//! ([`MAX_PAYLOADS`], [`MAX_PROPOSALS`], ...). Every length and count field
//! is checked against what it covers, trailing bytes are an error, and the
//! payload chain stops at the first error. Emit writes every Next Payload,
//! length and count field itself.
//!
//! Round trips: `emit(parse(b)) == b` for every message whose reserved
//! fields are zero and whose known payloads have the critical bit clear, as
//! RFC 7296 §3.2 requires of senders (every captured strongSwan message).
//! Otherwise emit differs from the input only in those bits, which it
//! clears, and `parse(emit(parse(b))) == parse(b)`.
//!
//! # Parsing a message, an inner chain; emitting
//!
//! ```
//! use ike::wire::{Message, Payload, PayloadType, parse_payload_chain, emit_payload_chain};
//! # fn demo(datagram: &[u8], plaintext: &[u8]) -> Result<(), ike::wire::Error> {
//! let msg = Message::parse(datagram)?;
//! if let Some(Payload::Sk(sk)) = msg.payloads.last() {
//!     // decrypt sk.body with the crypto provider, then:
//!     let inner = parse_payload_chain(sk.first_inner, plaintext)?;
//!     let again = emit_payload_chain(&inner)?;
//! }
//! let bytes = msg.emit()?;
//! # Ok(()) }
//! ```

pub mod iana;

mod cert;
mod chain;
mod codec;
mod cp;
pub mod dn;
pub mod dn_text;
mod eap;
mod error;
mod header;
mod id;
mod ke;
mod message;
pub mod natt;
mod notify;
mod payload;
mod sa;
mod sk;
mod summary;
mod ts;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod proptests;

pub use cert::{Certificate, CertificateRequest};
pub use chain::{PayloadIter, emit_payload_chain, first_payload_type, parse_payload_chain};
pub use codec::{Codec, Encoder, LengthGuard, Reader};
pub use cp::{ConfigAttribute, Configuration};
pub use eap::{Eap, EapMethod};
pub use error::{
    Error, MAX_ATTRIBUTES, MAX_CONFIG_ATTRIBUTES, MAX_FRAGMENTS, MAX_MESSAGE_LEN, MAX_PAYLOADS,
    MAX_PROPOSALS, MAX_TRAFFIC_SELECTORS, MAX_TRANSFORMS,
};
pub use header::{Flags, GenericPayloadHeader, IKE_MAJOR_VERSION, IkeHeader};
pub use iana::{ExchangeType, NotifyType, PayloadType, ProtocolId};
pub use id::{Authentication, Identification};
pub use ke::{KeyExchange, Nonce};
pub use message::Message;
pub use notify::{Delete, Notify, VendorId};
pub use payload::Payload;
pub use sa::{Attribute, AttributeValue, Proposal, SecurityAssociation, Transform};
pub use sk::{Encrypted, EncryptedFragment};
pub use summary::{chain_summary, type_summary};
pub use ts::{IpRange, TrafficSelector, TrafficSelectors};
