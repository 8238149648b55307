//! VICI packets: the contents of one transport segment (README "Packet
//! layer"). A u8 packet type, then for named types a u8-length-prefixed
//! name (ASCII in practice; kept as UTF-8, see [`Message`] on names), then
//! for message-carrying types the message.
//!
//! ```text
//! type              code  name  message
//! CMD_REQUEST       0     yes   yes
//! CMD_RESPONSE      1     no    yes
//! CMD_UNKNOWN       2     no    no
//! EVENT_REGISTER    3     yes   no
//! EVENT_UNREGISTER  4     yes   no
//! EVENT_CONFIRM     5     no    no
//! EVENT_UNKNOWN     6     no    no
//! EVENT             7     yes   yes
//! ```

use super::error::{DecodeError, DecodeErrorKind, EncodeError};
use super::frame::MAX_SEGMENT;
use super::message::{Message, put_name};
use super::reader::Reader;

/// Packet type codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    CmdRequest = 0,
    CmdResponse = 1,
    CmdUnknown = 2,
    EventRegister = 3,
    EventUnregister = 4,
    EventConfirm = 5,
    EventUnknown = 6,
    Event = 7,
}

impl PacketType {
    /// The packet type for a wire code, if it is one.
    pub fn from_u8(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::CmdRequest,
            1 => Self::CmdResponse,
            2 => Self::CmdUnknown,
            3 => Self::EventRegister,
            4 => Self::EventUnregister,
            5 => Self::EventConfirm,
            6 => Self::EventUnknown,
            7 => Self::Event,
            _ => return None,
        })
    }

    /// The README's name for the type, e.g. `CMD_REQUEST`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CmdRequest => "CMD_REQUEST",
            Self::CmdResponse => "CMD_RESPONSE",
            Self::CmdUnknown => "CMD_UNKNOWN",
            Self::EventRegister => "EVENT_REGISTER",
            Self::EventUnregister => "EVENT_UNREGISTER",
            Self::EventConfirm => "EVENT_CONFIRM",
            Self::EventUnknown => "EVENT_UNKNOWN",
            Self::Event => "EVENT",
        }
    }
}

/// One VICI packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// Client → server: run `command` with arguments `message`.
    CmdRequest { command: String, message: Message },
    /// Server → client: the result of the last request.
    CmdResponse(Message),
    /// Server → client: no handler for the requested command.
    CmdUnknown,
    /// Client → server: subscribe to an event.
    EventRegister(String),
    /// Client → server: unsubscribe from an event.
    EventUnregister(String),
    /// Server → client: (un)registration succeeded.
    EventConfirm,
    /// Server → client: no such event (or not registered).
    EventUnknown,
    /// Server → client: an event occurred.
    Event { name: String, message: Message },
}

impl Packet {
    /// A CMD_REQUEST packet.
    pub fn request(command: impl Into<String>, message: Message) -> Self {
        Self::CmdRequest {
            command: command.into(),
            message,
        }
    }

    /// An EVENT packet.
    pub fn event(name: impl Into<String>, message: Message) -> Self {
        Self::Event {
            name: name.into(),
            message,
        }
    }

    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::CmdRequest { .. } => PacketType::CmdRequest,
            Self::CmdResponse(_) => PacketType::CmdResponse,
            Self::CmdUnknown => PacketType::CmdUnknown,
            Self::EventRegister(_) => PacketType::EventRegister,
            Self::EventUnregister(_) => PacketType::EventUnregister,
            Self::EventConfirm => PacketType::EventConfirm,
            Self::EventUnknown => PacketType::EventUnknown,
            Self::Event { .. } => PacketType::Event,
        }
    }

    /// The command or event name of named packet types.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::CmdRequest { command: name, .. }
            | Self::EventRegister(name)
            | Self::EventUnregister(name)
            | Self::Event { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The message of message-carrying packet types.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Self::CmdRequest { message, .. }
            | Self::CmdResponse(message)
            | Self::Event { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Encodes the segment data (without the u32 length header). Fails if a
    /// name or value does not fit its length field, or if the result exceeds
    /// [`MAX_SEGMENT`].
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode_parts(self.packet_type(), self.name(), self.message())
    }

    /// Decodes segment data (without the u32 length header). Packets that
    /// carry no message must not have trailing bytes.
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(data);
        let code = r.u8("packet type")?;
        let ty = PacketType::from_u8(code)
            .ok_or_else(|| DecodeError::new(0, DecodeErrorKind::UnknownPacketType(code)))?;
        let packet = match ty {
            PacketType::CmdRequest => {
                let command = r.name("command name length", "command name")?;
                Self::CmdRequest {
                    command,
                    message: rest_message(&r)?,
                }
            }
            PacketType::CmdResponse => Self::CmdResponse(rest_message(&r)?),
            PacketType::Event => {
                let name = r.name("event name length", "event name")?;
                Self::Event {
                    name,
                    message: rest_message(&r)?,
                }
            }
            PacketType::EventRegister => {
                Self::EventRegister(r.name("event name length", "event name")?)
            }
            PacketType::EventUnregister => {
                Self::EventUnregister(r.name("event name length", "event name")?)
            }
            PacketType::CmdUnknown => Self::CmdUnknown,
            PacketType::EventConfirm => Self::EventConfirm,
            PacketType::EventUnknown => Self::EventUnknown,
        };
        if packet.message().is_none() && !r.is_empty() {
            let kind = DecodeErrorKind::TrailingData { what: ty.name() };
            return Err(DecodeError::new(r.pos(), kind));
        }
        Ok(packet)
    }
}

fn rest_message(r: &Reader<'_>) -> Result<Message, DecodeError> {
    Message::decode(r.rest()).map_err(|e| e.shifted(r.pos()))
}

/// Encodes a packet from its parts, so callers holding a borrowed message
/// need not build a [`Packet`].
pub(crate) fn encode_parts(
    ty: PacketType,
    name: Option<&str>,
    message: Option<&Message>,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![ty as u8];
    if let Some(name) = name {
        let what = match ty {
            PacketType::CmdRequest => "command name",
            _ => "event name",
        };
        put_name(&mut out, name, what)?;
    }
    if let Some(message) = message {
        message.encode_into(&mut out)?;
    }
    if out.len() > MAX_SEGMENT {
        return Err(EncodeError::TooLarge {
            len: out.len(),
            max: MAX_SEGMENT,
        });
    }
    Ok(out)
}
