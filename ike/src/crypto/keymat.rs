//! Key derivation for IKE SAs (RFC 7296 §2.14, §2.18) and Child SAs (§2.17).

use super::{CryptoError, Integ, Prf, Secret, SkCipher, prf_plus};

/// Lengths of an IKE SA's keys, taken from the negotiated transforms
/// (RFC 7296 §2.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IkeKeyLengths {
    /// SK_d, SK_pi, SK_pr: the PRF's preferred key length (its output length).
    pub prf: usize,
    /// SK_ai, SK_ar: the integrity key length; 0 with an AEAD cipher.
    pub integ: usize,
    /// SK_ei, SK_er: the cipher key length, including the salt for AEAD
    /// (RFC 5282 §7.1, RFC 7634 §2).
    pub encr: usize,
}

impl IkeKeyLengths {
    /// Lengths for `prf`, `cipher` and `integ` (`None` for AEAD).
    pub fn new(prf: &dyn Prf, cipher: SkCipher, integ: Option<&dyn Integ>) -> Self {
        Self {
            prf: prf.output_len(),
            integ: integ.map_or(0, |integ| integ.key_len()),
            encr: cipher.key_material_len(),
        }
    }

    fn total(&self) -> usize {
        3 * self.prf + 2 * self.integ + 2 * self.encr
    }
}

/// The keys of an IKE SA, in prf+ order (RFC 7296 §2.14). With an AEAD
/// cipher `sk_ai` and `sk_ar` are empty.
#[derive(Debug)]
pub struct IkeKeys {
    /// Derives Child SA keys and the next SKEYSEED.
    pub sk_d: Secret,
    /// Integrity, initiator to responder.
    pub sk_ai: Secret,
    /// Integrity, responder to initiator.
    pub sk_ar: Secret,
    /// Encryption, initiator to responder.
    pub sk_ei: Secret,
    /// Encryption, responder to initiator.
    pub sk_er: Secret,
    /// Initiator's AUTH payload computation (§2.15).
    pub sk_pi: Secret,
    /// Responder's AUTH payload computation (§2.15).
    pub sk_pr: Secret,
}

/// `SKEYSEED = prf(Ni | Nr, g^ir)` for a new IKE SA (RFC 7296 §2.14).
///
/// For PRFs with a fixed key size (AES-XCBC-PRF-128, AES-CMAC-PRF-128) only
/// the first half of that size is taken from each nonce ("the first 64 bits
/// of Ni and the first 64 bits of Nr", §2.14).
pub fn skeyseed(prf: &dyn Prf, ni: &[u8], nr: &[u8], g_ir: &[u8]) -> Secret {
    match prf.fixed_key_len() {
        Some(key_len) => {
            let half = key_len / 2;
            let ni = ni.get(..half).unwrap_or(ni);
            let nr = nr.get(..half).unwrap_or(nr);
            let mut key = Secret::zeroed(ni.len() + nr.len());
            let (a, b) = key.as_mut_bytes().split_at_mut(ni.len());
            a.copy_from_slice(ni);
            b.copy_from_slice(nr);
            prf.compute(key.as_bytes(), &[g_ir])
        }
        None => {
            let mut key = Vec::with_capacity(ni.len() + nr.len());
            key.extend_from_slice(ni);
            key.extend_from_slice(nr);
            prf.compute(&key, &[g_ir])
        }
    }
}

/// `SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)` when rekeying an IKE
/// SA (RFC 7296 §2.18). `prf` must be the **old** IKE SA's PRF ("because the
/// rekeying exchange belongs to the old IKE SA"); the new SA's keys are then
/// derived with [`ike_keys`] using the **new** SA's PRF, SPIs and nonces.
pub fn skeyseed_rekey(prf: &dyn Prf, old_sk_d: &[u8], g_ir: &[u8], ni: &[u8], nr: &[u8]) -> Secret {
    prf.compute(old_sk_d, &[g_ir, ni, nr])
}

/// `{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
/// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)` (RFC 7296 §2.14).
pub fn ike_keys(
    prf: &dyn Prf,
    skeyseed: &Secret,
    ni: &[u8],
    nr: &[u8],
    spi_i: &[u8; 8],
    spi_r: &[u8; 8],
    lengths: IkeKeyLengths,
) -> Result<IkeKeys, CryptoError> {
    let mut stream = prf_plus(
        prf,
        skeyseed.as_bytes(),
        &[ni, nr, spi_i, spi_r],
        lengths.total(),
    )?;
    let mut take = |len| stream.take_front(len).ok_or(CryptoError::OutputTooLong);
    Ok(IkeKeys {
        sk_d: take(lengths.prf)?,
        sk_ai: take(lengths.integ)?,
        sk_ar: take(lengths.integ)?,
        sk_ei: take(lengths.encr)?,
        sk_er: take(lengths.encr)?,
        sk_pi: take(lengths.prf)?,
        sk_pr: take(lengths.prf)?,
    })
}

/// The keys of one Child SA pair (RFC 7296 §2.17), split from KEYMAT in the
/// RFC's order: the initiator-to-responder SA's keys first, encryption key
/// before integrity key. For AEAD (ESP AES-GCM, ChaCha20-Poly1305) the
/// encryption key includes the 4-byte salt (RFC 4106 §8.1, RFC 7634 §2) and
/// the integrity keys are empty.
#[derive(Debug)]
pub struct ChildKeys {
    /// Encryption key of the SA from initiator to responder.
    pub encr_i: Secret,
    /// Integrity key of the SA from initiator to responder.
    pub integ_i: Secret,
    /// Encryption key of the SA from responder to initiator.
    pub encr_r: Secret,
    /// Integrity key of the SA from responder to initiator.
    pub integ_r: Secret,
}

/// `KEYMAT = prf+(SK_d, Ni | Nr)`, or with PFS
/// `KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)` (RFC 7296 §2.17), split into
/// [`ChildKeys`]. `encr_len` and `integ_len` are the ESP/AH key lengths.
pub fn child_keys(
    prf: &dyn Prf,
    sk_d: &Secret,
    g_ir: Option<&Secret>,
    ni: &[u8],
    nr: &[u8],
    encr_len: usize,
    integ_len: usize,
) -> Result<ChildKeys, CryptoError> {
    let total = 2 * (encr_len + integ_len);
    let mut stream = match g_ir {
        Some(g_ir) => prf_plus(prf, sk_d.as_bytes(), &[g_ir.as_bytes(), ni, nr], total)?,
        None => prf_plus(prf, sk_d.as_bytes(), &[ni, nr], total)?,
    };
    let mut take = |len| stream.take_front(len).ok_or(CryptoError::OutputTooLong);
    Ok(ChildKeys {
        encr_i: take(encr_len)?,
        integ_i: take(integ_len)?,
        encr_r: take(encr_len)?,
        integ_r: take(integ_len)?,
    })
}

/// `prf(SK_p, IDx')`, the part of the signed octets that binds the identity
/// (RFC 7296 §2.15); `id_body` is the ID payload body (type, reserved, data).
pub fn maced_id(prf: &dyn Prf, sk_p: &[u8], id_body: &[u8]) -> Secret {
    prf.compute(sk_p, &[id_body])
}

/// Shared key AUTH data (RFC 7296 §2.15): `prf(prf(Shared Secret, "Key Pad
/// for IKEv2"), RealMessage | Nonce | prf(SK_p, IDx'))`, where RealMessage is
/// the sender's IKE_SA_INIT message and Nonce the peer's nonce.
pub fn psk_auth(
    prf: &dyn Prf,
    psk: &[u8],
    real_message: &[u8],
    peer_nonce: &[u8],
    sk_p: &[u8],
    id_body: &[u8],
) -> Secret {
    let key = prf.compute(psk, &[b"Key Pad for IKEv2"]);
    let id = maced_id(prf, sk_p, id_body);
    prf.compute(key.as_bytes(), &[real_message, peer_nonce, id.as_bytes()])
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use super::*;
    use crate::crypto::default_provider;
    use crate::wire::iana::{EncrId, IntegId, PrfId};

    fn lengths_cbc128_sha256() -> (&'static dyn Prf, IkeKeyLengths) {
        let provider = default_provider();
        let prf = provider.prf(PrfId::HMAC_SHA2_256).unwrap();
        let cipher = provider.sk_cipher(EncrId::AES_CBC, Some(128)).unwrap();
        let integ = provider.integ(IntegId::HMAC_SHA2_256_128).unwrap();
        (prf, IkeKeyLengths::new(prf, cipher, Some(integ)))
    }

    #[test]
    fn ike_key_lengths_follow_the_transforms() {
        let (_, lengths) = lengths_cbc128_sha256();
        assert_eq!(
            lengths,
            IkeKeyLengths {
                prf: 32,
                integ: 32,
                encr: 16
            }
        );
        let provider = default_provider();
        let prf = provider.prf(PrfId::HMAC_SHA2_384).unwrap();
        let gcm = provider.sk_cipher(EncrId::AES_GCM_16, Some(256)).unwrap();
        assert_eq!(
            IkeKeyLengths::new(prf, gcm, None),
            IkeKeyLengths {
                prf: 48,
                integ: 0,
                encr: 36
            }
        );
        let chacha = provider.sk_cipher(EncrId::CHACHA20_POLY1305, None).unwrap();
        assert_eq!(IkeKeyLengths::new(prf, chacha, None).encr, 36);
    }

    #[test]
    fn ike_keys_are_consecutive_slices_of_prf_plus() {
        let (prf, lengths) = lengths_cbc128_sha256();
        let (ni, nr, g_ir) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let (spi_i, spi_r) = ([4u8; 8], [5u8; 8]);
        let seed = skeyseed(prf, &ni, &nr, &g_ir);
        assert_eq!(seed, prf.compute(&[ni, nr].concat(), &[&g_ir]));
        let keys = ike_keys(prf, &seed, &ni, &nr, &spi_i, &spi_r, lengths).unwrap();
        let stream = prf_plus(
            prf,
            seed.as_bytes(),
            &[&ni, &nr, &spi_i, &spi_r],
            3 * 32 + 2 * 32 + 2 * 16,
        )
        .unwrap();
        let all = [
            &keys.sk_d,
            &keys.sk_ai,
            &keys.sk_ar,
            &keys.sk_ei,
            &keys.sk_er,
            &keys.sk_pi,
            &keys.sk_pr,
        ]
        .map(|k| k.as_bytes().to_vec())
        .concat();
        assert_eq!(all, stream.as_bytes());
        assert_eq!(
            (keys.sk_ei.len(), keys.sk_ai.len(), keys.sk_pr.len()),
            (16, 32, 32)
        );
    }

    #[test]
    fn rekey_skeyseed_uses_old_sk_d_as_key() {
        let (prf, _) = lengths_cbc128_sha256();
        let seed = skeyseed_rekey(prf, b"old SK_d", b"g^ir", b"Ni", b"Nr");
        assert_eq!(seed, prf.compute(b"old SK_d", &[b"g^irNiNr"]));
    }

    #[test]
    fn child_keys_take_initiator_to_responder_first() {
        let (prf, _) = lengths_cbc128_sha256();
        let sk_d = Secret::from(&[7u8; 32][..]);
        let keys = child_keys(prf, &sk_d, None, b"Ni", b"Nr", 20, 0).unwrap();
        let keymat = prf_plus(prf, sk_d.as_bytes(), &[b"NiNr"], 40).unwrap();
        assert_eq!(keys.encr_i.as_bytes(), &keymat.as_bytes()[..20]);
        assert_eq!(keys.encr_r.as_bytes(), &keymat.as_bytes()[20..]);
        assert!(keys.integ_i.is_empty() && keys.integ_r.is_empty());

        let g_ir = Secret::from(&b"new g^ir"[..]);
        let keys = child_keys(prf, &sk_d, Some(&g_ir), b"Ni", b"Nr", 16, 32).unwrap();
        let keymat = prf_plus(prf, sk_d.as_bytes(), &[b"new g^irNiNr"], 96).unwrap();
        let k = keymat.as_bytes();
        assert_eq!(keys.encr_i.as_bytes(), &k[..16]);
        assert_eq!(keys.integ_i.as_bytes(), &k[16..48]);
        assert_eq!(keys.encr_r.as_bytes(), &k[48..64]);
        assert_eq!(keys.integ_r.as_bytes(), &k[64..]);
    }
}
