//! The algorithms of a negotiated proposal looked up once in a provider, and
//! what they derive: the IKE SA's keys (RFC 7296 §2.14), its SK protectors
//! (§3.14) and the CHILD_SA key lengths (§2.17).

use super::keymat::{ike_keys, skeyseed, skeyseed_rekey};
use super::{CryptoError, IkeKeyLengths, IkeKeys, Integ, Prf, Provider, SkCipher, SkProtector};
use crate::proposal::{Algorithm, Proposal, Transform};
use crate::wire::iana::{EncrId, IntegId, TransformType};

/// The PRF, SK cipher and integrity algorithm of a selected IKE proposal.
#[derive(Debug, Clone, Copy)]
pub struct IkeSuite {
    /// The negotiated PRF (SKEYSEED, prf+, AUTH).
    pub prf: &'static dyn Prf,
    encr: EncrId,
    key_bits: Option<u16>,
    cipher: SkCipher,
    /// `None` with an AEAD cipher.
    integ: Option<(IntegId, &'static dyn Integ)>,
}

impl IkeSuite {
    /// Looks the first transform of each type of `proposal` up in
    /// `provider`.
    pub fn new(provider: &Provider, proposal: &Proposal) -> Result<Self, CryptoError> {
        let prf_id = proposal
            .prf()
            .ok_or(CryptoError::MissingTransform(TransformType::PRF))?;
        let prf = provider
            .prf(prf_id)
            .ok_or_else(|| unsupported(Algorithm::Prf(prf_id), None))?;
        let (encr, key_bits) = encr_of(proposal)?;
        let cipher = provider
            .sk_cipher(encr, key_bits)
            .ok_or_else(|| unsupported(Algorithm::Encr(encr), key_bits))?;
        let integ = match (cipher, integ_of(proposal)) {
            (SkCipher::Encr(_), Some(id)) => Some((id, integ_in(provider, id)?)),
            (SkCipher::Encr(_), None) => {
                return Err(CryptoError::MissingTransform(TransformType::INTEG));
            }
            (SkCipher::Aead(_), _) => None,
        };
        Ok(Self {
            prf,
            encr,
            key_bits,
            cipher,
            integ,
        })
    }

    /// Lengths of SK_d, SK_a* and SK_e* for this suite.
    pub fn key_lengths(&self) -> IkeKeyLengths {
        IkeKeyLengths::new(self.prf, self.cipher, self.integ.map(|(_, integ)| integ))
    }

    /// SKEYSEED from `g^ir` and the nonces, then the seven keys.
    pub fn derive(
        &self,
        g_ir: &[u8],
        ni: &[u8],
        nr: &[u8],
        spi_i: &[u8; 8],
        spi_r: &[u8; 8],
    ) -> Result<IkeKeys, CryptoError> {
        let seed = skeyseed(self.prf, ni, nr, g_ir);
        ike_keys(self.prf, &seed, ni, nr, spi_i, spi_r, self.key_lengths())
    }

    /// The keys of an IKE SA created by a rekey (RFC 7296 §2.18):
    /// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's
    /// PRF, then the seven keys with this suite's.
    #[allow(clippy::too_many_arguments)]
    pub fn derive_rekeyed(
        &self,
        old_prf: &dyn Prf,
        old_sk_d: &[u8],
        g_ir: &[u8],
        ni: &[u8],
        nr: &[u8],
        spi_i: &[u8; 8],
        spi_r: &[u8; 8],
    ) -> Result<IkeKeys, CryptoError> {
        let seed = skeyseed_rekey(old_prf, old_sk_d, g_ir, ni, nr);
        ike_keys(self.prf, &seed, ni, nr, spi_i, spi_r, self.key_lengths())
    }

    /// The protectors of both directions: `(initiator's, responder's)`,
    /// keyed with SK_ei/SK_ai and SK_er/SK_ar.
    pub fn protectors(
        &self,
        provider: &Provider,
        keys: &IkeKeys,
    ) -> Result<(SkProtector, SkProtector), CryptoError> {
        let integ = self.integ.map(|(id, _)| id);
        let make = |sk_e: &[u8], sk_a: &[u8]| {
            let sk_a = integ.map(|_| sk_a);
            SkProtector::new(provider, self.encr, self.key_bits, integ, sk_e, sk_a)
        };
        Ok((
            make(keys.sk_ei.as_bytes(), keys.sk_ai.as_bytes())?,
            make(keys.sk_er.as_bytes(), keys.sk_ar.as_bytes())?,
        ))
    }
}

/// Encryption key length (with the salt for AEAD) and integrity key length
/// of a selected ESP/AH proposal, for [`child_keys`](super::keymat::child_keys).
pub fn child_key_lengths(
    provider: &Provider,
    proposal: &Proposal,
) -> Result<(usize, usize), CryptoError> {
    let (encr, key_bits) = encr_of(proposal)?;
    let encr_len = provider
        .sk_cipher(encr, key_bits)
        .ok_or_else(|| unsupported(Algorithm::Encr(encr), key_bits))?
        .key_material_len();
    let integ_len = match integ_of(proposal) {
        Some(id) => integ_in(provider, id)?.key_len(),
        None => 0,
    };
    Ok((encr_len, integ_len))
}

fn unsupported(alg: Algorithm, key_len: Option<u16>) -> CryptoError {
    CryptoError::Unsupported(Transform { alg, key_len })
}

fn encr_of(proposal: &Proposal) -> Result<(EncrId, Option<u16>), CryptoError> {
    proposal
        .encr()
        .ok_or(CryptoError::MissingTransform(TransformType::ENCR))
}

fn integ_of(proposal: &Proposal) -> Option<IntegId> {
    proposal.integ().filter(|id| *id != IntegId::NONE)
}

fn integ_in(provider: &Provider, id: IntegId) -> Result<&'static dyn Integ, CryptoError> {
    provider
        .integ(id)
        .ok_or_else(|| unsupported(Algorithm::Integ(id), None))
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use super::*;
    use crate::crypto::default_provider;
    use crate::wire::iana::{PrfId, ProtocolId};

    fn ike(text: &str) -> Proposal {
        Proposal::parse(ProtocolId::IKE, text).unwrap()
    }

    #[test]
    fn aead_suites_have_no_integrity_keys() {
        let suite =
            IkeSuite::new(&default_provider(), &ike("aes256gcm16-prfsha384-ecp384")).unwrap();
        let lengths = suite.key_lengths();
        assert_eq!((lengths.prf, lengths.integ, lengths.encr), (48, 0, 36));
        assert_eq!(suite.prf.id(), PrfId::HMAC_SHA2_384);
    }

    #[test]
    fn unsupported_and_missing_transforms_are_named() {
        let provider = default_provider();
        let err = IkeSuite::new(&provider, &ike("aes128-aesxcbc-x25519")).unwrap_err();
        assert!(
            matches!(err, CryptoError::Unsupported(t) if t.alg == Algorithm::Prf(PrfId::AES128_XCBC))
        );
        let esp = Proposal::parse(ProtocolId::ESP, "aes128-sha256").unwrap();
        assert_eq!(
            IkeSuite::new(&provider, &esp).unwrap_err(),
            CryptoError::MissingTransform(TransformType::PRF)
        );
        assert_eq!(child_key_lengths(&provider, &esp), Ok((16, 32)));
    }

    #[test]
    fn both_directions_seal_what_the_other_side_opens() {
        let provider = default_provider();
        let suite = IkeSuite::new(&provider, &ike("aes128-sha256-x25519")).unwrap();
        let keys = suite
            .derive(b"shared secret", &[1; 32], &[2; 32], &[3; 8], &[4; 8])
            .unwrap();
        let (initiator, responder) = suite.protectors(&provider, &keys).unwrap();
        let (again, _) = suite.protectors(&provider, &keys).unwrap();
        let mut message = vec![0u8; 32];
        let len = u32::try_from(32 + initiator.sealed_len(5)).unwrap();
        message[24..28].copy_from_slice(&len.to_be_bytes());
        initiator
            .seal(provider.rng.as_ref(), &mut message, b"inner")
            .unwrap();
        assert_eq!(again.open(&message, 32..message.len()).unwrap(), b"inner");
        assert!(responder.open(&message, 32..message.len()).is_err());
    }
}
