//! Reassembly of received fragments (RFC 7383 §2.6).

use super::{DEFAULT_MAX_PACKET, FragmentError, SKF_HEADER_LEN};
use crate::crypto::SkProtector;
use crate::protect::Opened;
use crate::wire::{
    EncryptedFragment, IkeHeader, MAX_FRAGMENTS, Message, Payload, PayloadType, parse_payload_chain,
};

/// What [`Reassembler::add`] did with a verified fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reassembly {
    /// Stored; `received` of `total` fragments are present.
    Incomplete {
        /// Fragments stored so far.
        received: u16,
        /// Total Fragments.
        total: u16,
    },
    /// A fragment with this number is already stored; the first copy is
    /// kept, as charon does.
    Duplicate,
    /// The last missing fragment: the whole message. `outer` is fragment 1
    /// as received (its last payload is that fragment's SKF payload),
    /// `plaintext` the fragments' contents in order.
    Complete(Opened),
}

/// Reassembles fragmented messages received on one IKE SA in one direction
/// (requests, or responses) (RFC 7383 §2.6). It holds the fragments of one
/// message at a time:
///
/// * A fragment is verified and decrypted before anything else; one that
///   fails is dropped and the others stay.
/// * A fragment of a newer message ID than the one being reassembled
///   replaces it; older ones, and those of messages already completed, are
///   dropped ([`FragmentError::Stale`]). The caller routes by message ID
///   first (expected request ID, outstanding response) and answers
///   retransmitted requests itself: charon resends its response only for
///   fragment 1 (RFC 7383 §2.6.1).
/// * A higher Total Fragments restarts reassembly with this fragment (the
///   sender re-fragmented smaller); a lower one is dropped (§2.6).
#[derive(Debug)]
pub struct Reassembler {
    max_len: usize,
    last_completed: Option<u32>,
    pending: Option<Pending>,
}

/// The fragments of one message.
#[derive(Debug)]
struct Pending {
    message_id: u32,
    total: u16,
    /// Sum of the stored plaintexts' lengths.
    len: usize,
    /// Fragment 1 as received, and its SKF Next Payload.
    first: Option<(Message, PayloadType)>,
    /// Plaintexts by fragment number, sorted, without duplicates.
    parts: Vec<(u16, Vec<u8>)>,
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_PACKET)
    }
}

impl Reassembler {
    /// A reassembler accepting inner chains of up to `max_len` bytes (the
    /// sum of the fragments' decrypted contents, charon's
    /// `charon.max_packet`).
    #[must_use]
    pub const fn new(max_len: usize) -> Self {
        Self {
            max_len,
            last_completed: None,
            pending: None,
        }
    }

    /// Adds `message`, parsed from `bytes` (without non-ESP marker), whose
    /// last payload is SKF, protected with `protector`.
    ///
    /// # Errors
    /// Every error drops this fragment; [`FragmentError::TooLarge`],
    /// [`FragmentError::TooManyFragments`] and a completed message whose
    /// inner chain does not parse also discard the stored fragments.
    pub fn add(
        &mut self,
        message: &Message,
        bytes: &[u8],
        protector: &SkProtector,
    ) -> Result<Reassembly, FragmentError> {
        let Some(Payload::Skf(skf)) = message.payloads.last() else {
            return Err(FragmentError::NotFragment);
        };
        let plaintext = open_fragment(message, skf, bytes, protector)?;
        let mut pending = self.admit(message.message_id, skf.total)?;
        if !pending.store(message, skf, plaintext, self.max_len)? {
            self.pending = Some(pending);
            return Ok(Reassembly::Duplicate);
        }
        match pending.finish() {
            Err(pending) => {
                let received = pending.received();
                self.pending = Some(pending);
                Ok(Reassembly::Incomplete {
                    received,
                    total: skf.total,
                })
            }
            Ok((outer, first_inner, plaintext)) => {
                self.last_completed = Some(message.message_id);
                let inner = parse_payload_chain(first_inner, &plaintext)?;
                Ok(Reassembly::Complete(Opened {
                    outer,
                    inner,
                    plaintext,
                }))
            }
        }
    }

    /// The message ID whose fragments are being collected, if any.
    #[must_use]
    pub fn pending_message_id(&self) -> Option<u32> {
        self.pending.as_ref().map(|pending| pending.message_id)
    }

    /// Discards the fragments stored (e.g. when the same message arrived
    /// unfragmented).
    pub fn clear(&mut self) {
        self.pending = None;
    }

    /// Applies the message ID and Total Fragments rules to a verified
    /// fragment and takes out the state it belongs to (new if none).
    fn admit(&mut self, message_id: u32, total: u16) -> Result<Pending, FragmentError> {
        let current = self.pending.as_ref().map(|p| (p.message_id, p.total));
        let completed = self.last_completed.is_some_and(|done| message_id <= done);
        if completed || current.is_some_and(|(id, _)| message_id < id) {
            return Err(FragmentError::Stale { message_id });
        }
        if total > MAX_FRAGMENTS {
            self.pending = None;
            let total = usize::from(total);
            return Err(FragmentError::TooManyFragments { total });
        }
        if let Some((id, expected)) = current
            && id == message_id
            && total < expected
        {
            return Err(FragmentError::FewerFragments { total, expected });
        }
        match self.pending.take() {
            Some(pending) if pending.message_id == message_id && pending.total == total => {
                Ok(pending)
            }
            // none yet, a newer message, or more fragments: start over
            _ => Ok(Pending::new(message_id, total)),
        }
    }
}

impl Pending {
    const fn new(message_id: u32, total: u16) -> Self {
        Self {
            message_id,
            total,
            len: 0,
            first: None,
            parts: Vec::new(),
        }
    }

    /// Stores the plaintext of fragment `skf` of `message`; `false` for a
    /// duplicate.
    fn store(
        &mut self,
        message: &Message,
        skf: &EncryptedFragment,
        plaintext: Vec<u8>,
        max_len: usize,
    ) -> Result<bool, FragmentError> {
        let Err(at) = self.parts.binary_search_by_key(&skf.number, |(n, _)| *n) else {
            return Ok(false);
        };
        let len = self.len + plaintext.len();
        if len > max_len {
            return Err(FragmentError::TooLarge { max_len });
        }
        self.len = len;
        self.parts.insert(at, (skf.number, plaintext));
        if skf.number == 1 {
            self.first = Some((message.clone(), skf.first_inner));
        }
        Ok(true)
    }

    fn received(&self) -> u16 {
        u16::try_from(self.parts.len()).unwrap_or(u16::MAX)
    }

    /// Fragment 1, its Next Payload and the inner chain bytes once every
    /// fragment is present; otherwise the state, unchanged.
    fn finish(self) -> Result<(Message, PayloadType, Vec<u8>), Self> {
        if self.parts.len() != usize::from(self.total) {
            return Err(self);
        }
        match self.first {
            Some((outer, first_inner)) => {
                let mut plaintext = Vec::with_capacity(self.len);
                for (_, part) in &self.parts {
                    plaintext.extend_from_slice(part);
                }
                Ok((outer, first_inner, plaintext))
            }
            None => Err(self),
        }
    }
}

/// Verifies and decrypts one fragment on its own (RFC 7383 §2.6): the ICV
/// covers `bytes` from the IKE header through the SKF header.
fn open_fragment(
    message: &Message,
    skf: &EncryptedFragment,
    bytes: &[u8],
    protector: &SkProtector,
) -> Result<Vec<u8>, FragmentError> {
    let body_start = bytes
        .len()
        .checked_sub(skf.body.len())
        .filter(|start| is_parsed_from(bytes, *start, message, skf))
        .ok_or(FragmentError::Mismatch)?;
    Ok(protector.open(bytes, body_start..bytes.len())?)
}

/// Whether the fields reassembly relies on (message ID, SKF header) are
/// those of `bytes`, which the ICV covers.
fn is_parsed_from(
    bytes: &[u8],
    body_start: usize,
    message: &Message,
    skf: &EncryptedFragment,
) -> bool {
    let header = body_start
        .checked_sub(SKF_HEADER_LEN)
        .and_then(|start| bytes.get(start..body_start))
        .and_then(|h| <[u8; SKF_HEADER_LEN]>::try_from(h).ok());
    let Some([next, _, _, _, n0, n1, t0, t1]) = header else {
        return false;
    };
    next == skf.first_inner.0
        && u16::from_be_bytes([n0, n1]) == skf.number
        && u16::from_be_bytes([t0, t1]) == skf.total
        && IkeHeader::new_checked(bytes).is_ok_and(|h| h.message_id() == message.message_id)
}
