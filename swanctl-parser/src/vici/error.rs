//! Errors of the VICI codec. Decode errors name what was being read and the
//! byte offset (from the start of the buffer given to `decode`) where it went
//! wrong; encode errors name the element that cannot be put on the wire.

use std::fmt;
use std::io;

/// Why bytes received from a peer are not a valid VICI packet or message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the problem, from the start of the decoded buffer.
    pub offset: usize,
    /// What is wrong there.
    pub kind: DecodeErrorKind,
}

/// The kinds of [`DecodeError`]. Each names the part of the encoding it was
/// reading (`what`), e.g. `"key name"` or `"list item value"`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended while `what` was being read.
    Truncated { what: &'static str },
    /// The first byte of a packet is not one of the eight packet types.
    UnknownPacketType(u8),
    /// A message element type byte is not one of the six element types.
    UnknownElementType(u8),
    /// A name (`what`) is not UTF-8 (names are kept as strings).
    NameNotUtf8 { what: &'static str },
    /// A SECTION_END at the root of the message.
    UnbalancedSectionEnd,
    /// The message ended inside `depth` open sections.
    UnclosedSection { depth: usize },
    /// The message ended inside an open list.
    UnclosedList,
    /// An element other than LIST_ITEM / LIST_END inside a list (`element`
    /// is its name, e.g. `"list-start"` for a nested list).
    ElementInList { element: &'static str },
    /// A LIST_ITEM or LIST_END outside of a list.
    ElementOutsideList { element: &'static str },
    /// Sections nested deeper than [`super::MAX_DEPTH`].
    TooDeep { max: usize },
    /// Bytes after the end of a packet that carries no message.
    TrailingData { what: &'static str },
}

impl DecodeError {
    pub(crate) fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }

    /// The same error, with its offset moved by `by` bytes (used when a
    /// message is decoded from inside a packet).
    pub(crate) fn shifted(self, by: usize) -> Self {
        Self {
            offset: self.offset.saturating_add(by),
            kind: self.kind,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid VICI encoding at byte {}: {}",
            self.offset, self.kind
        )
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { what } => write!(f, "truncated {what}"),
            Self::UnknownPacketType(t) => write!(f, "unknown packet type {t}"),
            Self::UnknownElementType(t) => write!(f, "unknown element type {t}"),
            Self::NameNotUtf8 { what } => write!(f, "{what} is not UTF-8"),
            Self::UnbalancedSectionEnd => write!(f, "section-end outside of section"),
            Self::UnclosedSection { depth } => {
                write!(f, "message ends inside {depth} open section(s)")
            }
            Self::UnclosedList => write!(f, "message ends inside a list"),
            Self::ElementInList { element } => write!(f, "'{element}' within list"),
            Self::ElementOutsideList { element } => write!(f, "'{element}' outside list"),
            Self::TooDeep { max } => write!(f, "sections nested deeper than {max}"),
            Self::TrailingData { what } => write!(f, "trailing bytes after {what}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a message or packet cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A name (`what`: key, section, list, command or event name) is longer
    /// than the 255 bytes its u8 length field can describe.
    NameTooLong { what: &'static str, name_len: usize },
    /// A value (of key `key`, or an item of list `key`) is longer than the
    /// 65535 bytes its u16 length field can describe.
    ValueTooLong { key: String, len: usize },
    /// Sections nested deeper than [`super::MAX_DEPTH`].
    TooDeep { max: usize },
    /// The encoded packet exceeds [`super::MAX_SEGMENT`].
    TooLarge { len: usize, max: usize },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NameTooLong { what, name_len } => {
                write!(f, "{what} of {name_len} bytes exceeds 255 bytes")
            }
            Self::ValueTooLong { key, len } => {
                write!(
                    f,
                    "vici value of '{key}' exceeds size limit ({len} > 65535)"
                )
            }
            Self::TooDeep { max } => write!(f, "sections nested deeper than {max}"),
            Self::TooLarge { len, max } => {
                write!(f, "vici message of {len} bytes exceeds {max} bytes limit")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

/// Why a frame could not be read from or written to a stream.
#[derive(Debug)]
#[non_exhaustive]
pub enum FrameError {
    /// The peer closed the stream cleanly before a new frame started.
    Closed,
    /// Reading or writing failed (includes a stream ending inside a frame,
    /// as [`io::ErrorKind::UnexpectedEof`]).
    Io(io::Error),
    /// The length header announces more than [`super::MAX_SEGMENT`] bytes.
    TooLarge { len: u32, max: usize },
    /// The frame was read but its contents are invalid.
    Decode(DecodeError),
    /// The packet to write cannot be encoded.
    Encode(EncodeError),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => write!(f, "connection closed by peer"),
            Self::Io(e) => write!(f, "vici I/O error: {e}"),
            Self::TooLarge { len, max } => {
                write!(f, "vici message length {len} exceeds {max} bytes limit")
            }
            Self::Decode(e) => e.fmt(f),
            Self::Encode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Decode(e) => Some(e),
            Self::Encode(e) => Some(e),
            Self::Closed | Self::TooLarge { .. } => None,
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<DecodeError> for FrameError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

impl From<EncodeError> for FrameError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

/// Why a VICI URI is not one strongSwan's stream manager accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriError {
    /// Neither `unix://` nor `tcp://`.
    UnsupportedScheme(String),
    /// `unix://` with nothing after it.
    EmptyPath(String),
    /// `tcp://` without a `:port`.
    MissingPort(String),
    /// The port is not a decimal number up to 65535.
    InvalidPort(String),
    /// `tcp://:port` without a host.
    EmptyHost(String),
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedScheme(u) => {
                write!(f, "invalid stream URI: '{u}' (unsupported scheme)")
            }
            Self::EmptyPath(u) => write!(f, "invalid stream URI: '{u}' (empty socket path)"),
            Self::MissingPort(u) => write!(f, "invalid stream URI: '{u}' (missing port)"),
            Self::InvalidPort(u) => write!(f, "invalid stream URI: '{u}' (invalid port)"),
            Self::EmptyHost(u) => write!(f, "invalid stream URI: '{u}' (empty host)"),
        }
    }
}

impl std::error::Error for UriError {}

/// Why a [`super::Client`] operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The URI could not be parsed.
    Uri(UriError),
    /// Connecting to the URI failed.
    Connect { uri: String, error: io::Error },
    /// Reading, writing or decoding a frame failed.
    Frame(FrameError),
    /// The request could not be encoded.
    Encode(EncodeError),
    /// The daemon has no handler for this command (CMD_UNKNOWN).
    UnknownCommand(String),
    /// The daemon has no such event source, or the client was not
    /// registered for it (EVENT_UNKNOWN).
    UnknownEvent(String),
    /// The daemon answered with a packet that does not fit the exchange.
    UnexpectedPacket {
        expected: &'static str,
        got: &'static str,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uri(e) => e.fmt(f),
            Self::Connect { uri, error } => write!(f, "connecting to '{uri}' failed: {error}"),
            Self::Frame(e) => e.fmt(f),
            Self::Encode(e) => e.fmt(f),
            Self::UnknownCommand(c) => write!(f, "unknown vici command '{c}'"),
            Self::UnknownEvent(e) => write!(f, "unknown vici event '{e}'"),
            Self::UnexpectedPacket { expected, got } => {
                write!(f, "unexpected vici packet {got}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Uri(e) => Some(e),
            Self::Connect { error, .. } => Some(error),
            Self::Frame(e) => Some(e),
            Self::Encode(e) => Some(e),
            Self::UnknownCommand(_) | Self::UnknownEvent(_) | Self::UnexpectedPacket { .. } => None,
        }
    }
}

impl From<UriError> for ClientError {
    fn from(e: UriError) -> Self {
        Self::Uri(e)
    }
}

impl From<FrameError> for ClientError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Encode(e) => Self::Encode(e),
            other => Self::Frame(other),
        }
    }
}

impl From<EncodeError> for ClientError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}
