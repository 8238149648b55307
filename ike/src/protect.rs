//! Protected messages (RFC 7296 §3.14): the SK payload between the codec
//! and the crypto provider. [`open`] checks and decrypts a parsed message's
//! SK payload and parses the inner chain; [`seal`] builds a message whose
//! inner payloads are encrypted, with every length field final before the
//! ICV (or AEAD tag) is computed over it.

use core::fmt;

use crate::crypto::{CryptoError, SecureRandom, SkProtector};
use crate::wire::{
    self, Encrypted, Message, Payload, emit_payload_chain, first_payload_type, parse_payload_chain,
};

/// Why a protected message could not be opened or sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtectError {
    /// The outer message or the decrypted inner chain is malformed.
    Wire(wire::Error),
    /// Integrity check, padding or a crypto operation failed.
    Crypto(CryptoError),
    /// The message has no SK payload (RFC 7296 §3.14 requires one after
    /// IKE_SA_INIT).
    NotEncrypted,
}

impl fmt::Display for ProtectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Wire(e) => write!(f, "{e}"),
            Self::Crypto(e) => write!(f, "{e}"),
            Self::NotEncrypted => f.write_str("message has no encrypted payload"),
        }
    }
}

impl std::error::Error for ProtectError {}

impl From<wire::Error> for ProtectError {
    fn from(e: wire::Error) -> Self {
        Self::Wire(e)
    }
}

impl From<CryptoError> for ProtectError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

/// A message whose SK payload has been verified and decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The outer message as received (its last payload is the SK payload).
    pub outer: Message,
    /// The decrypted inner payloads.
    pub inner: Vec<Payload>,
    /// The decrypted inner chain bytes (padding removed).
    pub plaintext: Vec<u8>,
}

/// Verifies and decrypts the SK payload of `bytes` (a whole IKE message
/// without the non-ESP marker) and parses the inner payload chain.
pub fn open(bytes: &[u8], protector: &SkProtector) -> Result<Opened, ProtectError> {
    let outer = Message::parse(bytes)?;
    let Some(Payload::Sk(sk)) = outer.payloads.last() else {
        return Err(ProtectError::NotEncrypted);
    };
    // the SK payload is last, so its body ends the message
    let body_start = bytes
        .len()
        .checked_sub(sk.body.len())
        .ok_or(ProtectError::Crypto(CryptoError::InvalidRange))?;
    let plaintext = protector.open(bytes, body_start..bytes.len())?;
    let inner = parse_payload_chain(sk.first_inner, &plaintext)?;
    Ok(Opened {
        outer,
        inner,
        plaintext,
    })
}

/// Emits `header` (its payloads are the unencrypted ones, normally none)
/// followed by an SK payload carrying `inner`, encrypted and integrity
/// protected with `protector`.
pub fn seal(
    header: &Message,
    inner: &[Payload],
    protector: &SkProtector,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, ProtectError> {
    let plaintext = emit_payload_chain(inner)?;
    let body_len = protector.sealed_len(plaintext.len());
    let mut message = header.clone();
    // a placeholder body of the final length makes every length field final
    message.payloads.push(Payload::Sk(Encrypted {
        first_inner: first_payload_type(inner),
        body: vec![0; body_len],
    }));
    let mut bytes = message.emit()?;
    bytes.truncate(bytes.len() - body_len);
    protector.seal(rng, &mut bytes, &plaintext)?;
    Ok(bytes)
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use super::*;
    use crate::crypto::{TestRng, test_protector};
    use crate::wire::iana::{EncrId, ExchangeType, IntegId, NotifyType, ProtocolId};
    use crate::wire::{Flags, Notify};

    fn informational() -> Message {
        Message {
            spi_i: 0x0102_0304_0506_0708,
            spi_r: 0x1112_1314_1516_1718,
            exchange: ExchangeType::INFORMATIONAL,
            flags: Flags::INITIATOR,
            message_id: 7,
            payloads: Vec::new(),
        }
    }

    fn notify() -> Vec<Payload> {
        vec![Payload::Notify(Notify {
            protocol: ProtocolId::NONE,
            spi: Vec::new(),
            ty: NotifyType::INITIAL_CONTACT,
            data: Vec::new(),
        })]
    }

    #[test]
    fn sealed_messages_open_to_the_same_payloads() {
        let rng = TestRng::new(1);
        for sk in [
            test_protector(EncrId::AES_CBC, 256, Some(IntegId::HMAC_SHA2_512_256)),
            test_protector(EncrId::AES_GCM_16, 128, None),
        ] {
            for inner in [notify(), Vec::new()] {
                let bytes = seal(&informational(), &inner, &sk, &rng).unwrap();
                let opened = open(&bytes, &sk).unwrap();
                assert_eq!(opened.inner, inner);
                assert_eq!(opened.outer.message_id, 7);
                assert_eq!(opened.outer.payloads.len(), 1);
            }
        }
    }

    #[test]
    fn a_flipped_header_bit_fails_the_integrity_check() {
        let sk = test_protector(EncrId::AES_GCM_16, 256, None);
        let mut bytes = seal(&informational(), &notify(), &sk, &TestRng::new(2)).unwrap();
        bytes[23] ^= 1; // message ID
        assert_eq!(
            open(&bytes, &sk),
            Err(ProtectError::Crypto(CryptoError::IntegrityCheckFailed))
        );
    }

    #[test]
    fn an_unprotected_message_is_refused() {
        let mut msg = informational();
        msg.payloads = notify();
        let sk = test_protector(EncrId::AES_GCM_16, 256, None);
        assert_eq!(
            open(&msg.emit().unwrap(), &sk),
            Err(ProtectError::NotEncrypted)
        );
    }
}
