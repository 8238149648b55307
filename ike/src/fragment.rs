//! IKE message fragmentation (RFC 7383), as strongSwan's charon does it.
//!
//! Sending: [`seal_datagrams`] seals a message either whole (one SK
//! payload, [`crate::protect::seal`]) or, when [`must_fragment`] says so, as
//! SKF fragments ([`seal_fragmented`]): the emitted inner payload chain is cut
//! into pieces, and each piece becomes an IKE message of its own with one SKF
//! payload, separately encrypted and integrity protected (RFC 7383 §2.5).
//! The integrity check of a fragment covers its IKE header and the SKF
//! header with Fragment Number and Total Fragments.
//!
//! Receiving: a [`Reassembler`] verifies and decrypts each fragment when it
//! arrives (RFC 7383 §2.6), keeps the plaintexts and hands back the whole
//! inner chain, as [`Opened`](crate::protect::Opened), once every fragment
//! is present.
//!
//! # Sizes
//!
//! charon's `charon.fragment_size` (default 1280, [`DEFAULT_FRAGMENT_SIZE`])
//! is the size of the whole IP datagram of a fragment; 0 means 576 for IPv4
//! and 1280 for IPv6 (RFC 7383 §2.5.1). [`max_message_len`] subtracts the IP
//! header (20 or 40, no options), the UDP header (8) and, on port 4500, the
//! non-ESP marker (4, RFC 3948 §2.2), leaving the limit for the IKE message.
//! Each fragment is then filled with as much inner chain as fits: limit
//! − IKE header (28) − SKF header (8) − IV − ICV, rounded down to the cipher
//! block, − the Pad Length byte: charon's arithmetic exactly.
//!
//! # Caps on received fragments
//!
//! * Total Fragments is at most [`MAX_FRAGMENTS`] (64; the codec already
//!   refuses more). charon accepts 255, but with its 10000-byte limit and
//!   1280-byte fragments it never sends more than 9.
//! * The reassembled inner chain is at most `max_len` bytes, by default
//!   charon's `charon.max_packet` ([`DEFAULT_MAX_PACKET`], 10000), which
//!   charon applies to the sum of decrypted fragment contents.
//!
//! Exceeding a cap discards the message's fragments. Memory grows only with
//! fragments that actually arrived and verified, never with the claimed
//! Total Fragments.

use core::fmt;

use crate::crypto::{CryptoError, SecureRandom, SkProtector};
use crate::protect::{self, ProtectError};
use crate::wire::{
    self, EncryptedFragment, ExchangeType, IkeHeader, MAX_FRAGMENTS, MAX_MESSAGE_LEN, Message,
    Payload, PayloadType, emit_payload_chain, first_payload_type,
};

mod reassemble;
#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests;

pub use reassemble::{Reassembler, Reassembly};

/// charon's default `charon.fragment_size`: the IP datagram size of a sent
/// fragment.
pub const DEFAULT_FRAGMENT_SIZE: usize = 1280;

/// charon's default `charon.max_packet`: the largest reassembled inner
/// chain a [`Reassembler`] accepts.
pub const DEFAULT_MAX_PACKET: usize = 10_000;

const IKE_HEADER_LEN: usize = IkeHeader::<&[u8]>::LEN;
/// Generic payload header of SK (RFC 7296 §3.14).
const SK_HEADER_LEN: usize = 4;
/// Generic payload header, Fragment Number and Total Fragments (RFC 7383 §2.5).
const SKF_HEADER_LEN: usize = 8;
const UDP_HEADER_LEN: usize = 8;
/// RFC 3948 §2.2, in front of IKE messages on port 4500.
const NON_ESP_MARKER_LEN: usize = 4;

/// Why a message could not be fragmented, or why a received fragment was
/// dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FragmentError {
    /// Sealing failed; or a fragment failed its integrity check, was
    /// malformed, or the reassembled inner chain did not parse. A fragment
    /// failing the integrity check is dropped without touching the fragments
    /// already stored (RFC 7383 §2.6).
    Protect(ProtectError),
    /// Sending: the size limit leaves no room for inner payload bytes.
    LimitTooSmall {
        /// The IKE message size limit.
        max_message: usize,
    },
    /// Sending: the message would need more than [`MAX_FRAGMENTS`]
    /// fragments. Receiving: a fragment claims more; the fragments stored
    /// are discarded.
    TooManyFragments {
        /// Fragments needed or claimed.
        total: usize,
    },
    /// Receiving: the reassembled inner chain would be longer than the
    /// reassembler's limit; the fragments stored are discarded.
    TooLarge {
        /// The limit in bytes.
        max_len: usize,
    },
    /// Receiving: the message's last payload is not SKF.
    NotFragment,
    /// Receiving: the bytes are not the datagram the message was parsed from
    /// (a bug of the caller).
    Mismatch,
    /// Receiving: a fragment of a message older than the one being
    /// reassembled or the last one completed; dropped.
    Stale {
        /// Its message ID.
        message_id: u32,
    },
    /// Receiving: Total Fragments is lower than that of the fragments being
    /// reassembled; dropped (RFC 7383 §2.6, charon since 6.0.6).
    FewerFragments {
        /// Total Fragments of this fragment.
        total: u16,
        /// Total Fragments being reassembled.
        expected: u16,
    },
}

impl fmt::Display for FragmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Protect(e) => write!(f, "{e}"),
            Self::LimitTooSmall { max_message } => {
                write!(f, "no room for data in {max_message}-byte fragments")
            }
            Self::TooManyFragments { total } => {
                write!(f, "{total} fragments exceed the maximum of {MAX_FRAGMENTS}")
            }
            Self::TooLarge { max_len } => {
                write!(f, "fragmented IKE message longer than {max_len} bytes")
            }
            Self::NotFragment => f.write_str("message is not an IKE fragment"),
            Self::Mismatch => f.write_str("fragment bytes and parsed message differ"),
            Self::Stale { message_id } => {
                write!(f, "fragment of an earlier message (ID {message_id})")
            }
            Self::FewerFragments { total, expected } => {
                write!(f, "fragment claims {total} fragments, expected {expected}")
            }
        }
    }
}

impl std::error::Error for FragmentError {}

impl From<ProtectError> for FragmentError {
    fn from(e: ProtectError) -> Self {
        Self::Protect(e)
    }
}

impl From<wire::Error> for FragmentError {
    fn from(e: wire::Error) -> Self {
        Self::Protect(ProtectError::Wire(e))
    }
}

impl From<CryptoError> for FragmentError {
    fn from(e: CryptoError) -> Self {
        Self::Protect(ProtectError::Crypto(e))
    }
}

/// IP version of the path a fragment takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// 20-byte header; default datagram 576 (RFC 791 §3.1).
    Ipv4,
    /// 40-byte header; default datagram 1280 (RFC 8200 §5).
    Ipv6,
}

impl AddressFamily {
    const fn default_datagram_len(self) -> usize {
        match self {
            Self::Ipv4 => 576,
            Self::Ipv6 => 1280,
        }
    }

    const fn header_len(self) -> usize {
        match self {
            Self::Ipv4 => 20,
            Self::Ipv6 => 40,
        }
    }
}

/// The IKE message size limit (IKE header to last payload) for fragments
/// sent in IP datagrams of at most `fragment_size` bytes (charon's
/// `charon.fragment_size`; 0 for the RFC 7383 §2.5.1 default of the
/// family). `non_esp_marker`: the message is sent on port 4500, behind the
/// marker (charon: whenever neither port is 500).
///
/// charon 5.9.8 clamps every step to at least 1 byte; here the limit
/// saturates at 0, and [`seal_fragmented`] then refuses to fragment.
#[must_use]
pub const fn max_message_len(
    fragment_size: usize,
    family: AddressFamily,
    non_esp_marker: bool,
) -> usize {
    let datagram = if fragment_size == 0 {
        family.default_datagram_len()
    } else {
        fragment_size
    };
    let marker = if non_esp_marker {
        NON_ESP_MARKER_LEN
    } else {
        0
    };
    datagram.saturating_sub(family.header_len() + UDP_HEADER_LEN + marker)
}

/// Whether a message of `exchange` that is `unfragmented_len` bytes long
/// when sealed whole must be sent as fragments. `max_message` is the size
/// limit if fragmentation was negotiated (both peers sent
/// FRAGMENTATION_SUPPORTED in IKE_SA_INIT, RFC 7383 §2.3), else `None`.
/// IKE_SA_INIT itself is never fragmented (it has no SK payload, §2.5).
#[must_use]
pub fn must_fragment(
    exchange: ExchangeType,
    unfragmented_len: usize,
    max_message: Option<usize>,
) -> bool {
    exchange != ExchangeType::IKE_SA_INIT && max_message.is_some_and(|max| unfragmented_len > max)
}

/// Seals `inner` behind `header` for sending: one message with an SK
/// payload, or, if [`must_fragment`], SKF fragments of at most
/// `max_message` bytes each ([`seal_fragmented`]). Returns the datagrams to
/// send in order (without non-ESP marker); retransmit all of them.
///
/// # Errors
/// Those of [`protect::seal`] and [`seal_fragmented`].
pub fn seal_datagrams(
    header: &Message,
    inner: &[Payload],
    protector: &SkProtector,
    rng: &dyn SecureRandom,
    max_message: Option<usize>,
) -> Result<Vec<Vec<u8>>, FragmentError> {
    let plaintext = emit_payload_chain(inner)?;
    let whole = header.emit()?.len() + SK_HEADER_LEN + protector.sealed_len(plaintext.len());
    match max_message {
        Some(max) if must_fragment(header.exchange, whole, max_message) => {
            let first_inner = first_payload_type(inner);
            split_and_seal(header, first_inner, &plaintext, protector, rng, max)
        }
        _ => Ok(vec![protect::seal(header, inner, protector, rng)?]),
    }
}

/// Seals `inner` behind `header` as SKF fragments (RFC 7383 §2.5), each an
/// IKE message of at most `max_message` bytes: Fragment Number 1 to Total
/// Fragments, the first inner payload type in the SKF Next Payload field of
/// fragment 1 and 0 in the others. Unprotected payloads of `header` go into
/// fragment 1 only (§2.5.3), and fragment 1 carries correspondingly less
/// inner chain. An empty chain gives one fragment.
///
/// # Errors
/// [`FragmentError::LimitTooSmall`] if a fragment cannot carry a byte of
/// inner chain, [`FragmentError::TooManyFragments`] beyond
/// [`MAX_FRAGMENTS`], and the errors of emitting and sealing.
pub fn seal_fragmented(
    header: &Message,
    inner: &[Payload],
    protector: &SkProtector,
    rng: &dyn SecureRandom,
    max_message: usize,
) -> Result<Vec<Vec<u8>>, FragmentError> {
    let plaintext = emit_payload_chain(inner)?;
    let first_inner = first_payload_type(inner);
    split_and_seal(header, first_inner, &plaintext, protector, rng, max_message)
}

fn split_and_seal(
    header: &Message,
    first_inner: PayloadType,
    plaintext: &[u8],
    protector: &SkProtector,
    rng: &dyn SecureRandom,
    max_message: usize,
) -> Result<Vec<Vec<u8>>, FragmentError> {
    let max = max_message.min(MAX_MESSAGE_LEN);
    let others = Message {
        payloads: Vec::new(),
        ..header.clone()
    };
    let first_room = max.saturating_sub(header.emit()?.len());
    let first_cap = content_capacity(protector, first_room);
    let other_cap = content_capacity(protector, max.saturating_sub(IKE_HEADER_LEN));
    if first_cap == 0 || other_cap == 0 {
        return Err(FragmentError::LimitTooSmall { max_message });
    }
    let (first, rest) = plaintext.split_at(first_cap.min(plaintext.len()));
    let count = 1 + rest.len().div_ceil(other_cap);
    let total = u16::try_from(count)
        .ok()
        .filter(|total| *total <= MAX_FRAGMENTS)
        .ok_or(FragmentError::TooManyFragments { total: count })?;
    let chunks = core::iter::once(first).chain(rest.chunks(other_cap));
    (1..=total)
        .zip(chunks)
        .map(|(number, chunk)| {
            let (base, next) = match number {
                1 => (header, first_inner),
                _ => (&others, PayloadType::NONE),
            };
            let skf = EncryptedFragment {
                first_inner: next,
                number,
                total,
                body: Vec::new(),
            };
            seal_fragment(base, skf, chunk, protector, rng)
        })
        .collect()
}

/// The most inner-chain bytes an SKF payload of at most `room` bytes can
/// carry (0 if none): room − SKF header − IV − ICV, rounded down to the
/// cipher block, − the Pad Length byte. The protector knows the padding, so
/// this steps down from the AEAD value (at most one block for CBC).
fn content_capacity(protector: &SkProtector, room: usize) -> usize {
    let body = room.saturating_sub(SKF_HEADER_LEN);
    let mut len = body.saturating_sub(protector.iv_len() + protector.icv_len() + 1);
    while len > 0 && protector.sealed_len(len) > body {
        len -= 1;
    }
    len
}

/// Emits `base` plus `skf` carrying `chunk`, with every length field final
/// before the ICV is computed over header and SKF header (RFC 7383 §2.5).
fn seal_fragment(
    base: &Message,
    mut skf: EncryptedFragment,
    chunk: &[u8],
    protector: &SkProtector,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, FragmentError> {
    let body_len = protector.sealed_len(chunk.len());
    skf.body = vec![0; body_len];
    let mut message = base.clone();
    message.payloads.push(Payload::Skf(skf));
    let mut bytes = message.emit()?;
    bytes.truncate(bytes.len() - body_len);
    protector.seal(rng, &mut bytes, chunk)?;
    Ok(bytes)
}
