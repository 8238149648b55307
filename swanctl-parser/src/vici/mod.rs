//! VICI, strongSwan's control protocol (`src/libcharon/plugins/vici/README.md`
//! in strongSwan 5.9.8): codec, framing, text dumps, URIs and a blocking
//! client.
//!
//! Layers, bottom up:
//! - [`frame`](read_frame): u32 big-endian length + data, at most
//!   [`MAX_SEGMENT`] bytes.
//! - [`Packet`]: u8 type, optional u8-length name, optional message.
//! - [`Message`]: ordered tree of key/values, lists and sections.
//!
//! Contract: decoding never panics and allocates at most in proportion to
//! its input (segments are capped before allocation); every valid encoding
//! `b` satisfies `encode(decode(b)) == b`. Errors name what was being
//! decoded and the byte offset.
//!
//! ```
//! use swanctl_parser::vici::{Message, Packet};
//!
//! let request = Packet::request("load-shared", Message::new()
//!     .with_value("id", "ike-1")
//!     .with_value("type", "ike")
//!     .with_list("owners", ["a.test", "b.test"]));
//! let bytes = request.encode().unwrap();
//! assert_eq!(Packet::decode(&bytes).unwrap(), request);
//! let reply = Message::new().with_value("success", "yes");
//! assert_eq!(reply.vici_dump("load-shared reply", false), "load-shared reply {success=yes}\n");
//! ```

mod client;
mod dump;
mod error;
mod frame;
mod message;
mod packet;
mod reader;
mod uri;

#[cfg(test)]
mod tests;

pub use client::{Client, Event, MAX_QUEUED_EVENTS};
pub use error::{ClientError, DecodeError, DecodeErrorKind, EncodeError, FrameError, UriError};
pub use frame::{MAX_SEGMENT, read_frame, read_segment, write_frame, write_segment};
pub use message::{
    Element, ElementType, Elements, Item, MAX_DEPTH, MAX_NAME_LEN, MAX_VALUE_LEN, Message,
};
pub use packet::{Packet, PacketType};
pub use uri::{DEFAULT_URI, Uri};
