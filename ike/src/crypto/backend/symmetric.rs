//! Symmetric algorithms from RustCrypto (cipher 0.5 / digest 0.11 generation):
//! HMAC PRFs (RFC 2104, RFC 4868 §2.1), HMAC integrity with truncation
//! (RFC 2404, RFC 4868 §2.1.1), AES-CBC (RFC 3602), AES-GCM (RFC 5282) and
//! ChaCha20-Poly1305 (RFC 7634).

use core::fmt;
use core::marker::PhantomData;

use aes::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
};
use aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::{U8, U12, U16};
use aes_gcm::aead::{AeadCore, AeadInOut, KeyInit};
use aes_gcm::aead::{Nonce, Tag};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{EagerHash, Hmac, Mac};

use crate::crypto::{Aead, AeadKey, CryptoError, Encr, EncrKey, Integ, IntegKey, Prf};
use crate::wire::iana::{EncrId, IntegId, PrfId};

/// HMAC as a PRF (RFC 7296 §3.3.2: PRF_HMAC_SHA1, RFC 4868 §2.1:
/// PRF_HMAC_SHA2_256/384/512). Output length = hash length.
pub(super) struct HmacPrf<D> {
    id: PrfId,
    output_len: usize,
    hash: PhantomData<fn() -> D>,
}

impl<D> HmacPrf<D> {
    pub(super) const fn new(id: PrfId, output_len: usize) -> Self {
        Self {
            id,
            output_len,
            hash: PhantomData,
        }
    }
}

impl<D> fmt::Debug for HmacPrf<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.id)
    }
}

/// HMAC over the parts of `data`, truncated (or not) to `out.len()`.
fn hmac_into<D: EagerHash>(mac: Hmac<D>, data: &[&[u8]], out: &mut [u8]) {
    let mut mac = mac;
    for part in data {
        mac.update(part);
    }
    let tag = mac.finalize().into_bytes();
    for (o, t) in out.iter_mut().zip(tag.iter()) {
        *o = *t;
    }
}

impl<D: EagerHash + Send + Sync + 'static> Prf for HmacPrf<D> {
    fn id(&self) -> PrfId {
        self.id
    }

    fn output_len(&self) -> usize {
        self.output_len
    }

    fn compute_into(&self, key: &[u8], data: &[&[u8]], out: &mut [u8]) {
        // HMAC accepts keys of any length (RFC 2104 §2), so this cannot fail.
        if let Ok(mac) = <Hmac<D> as KeyInit>::new_from_slice(key) {
            hmac_into(mac, data, out);
        }
    }
}

/// HMAC integrity truncated to `icv_len` bytes (RFC 2404 HMAC-SHA1-96,
/// RFC 4868 HMAC-SHA2-256-128/384-192/512-256); key length = hash length.
pub(super) struct HmacInteg<D> {
    id: IntegId,
    key_len: usize,
    icv_len: usize,
    hash: PhantomData<fn() -> D>,
}

impl<D> HmacInteg<D> {
    pub(super) const fn new(id: IntegId, key_len: usize, icv_len: usize) -> Self {
        Self {
            id,
            key_len,
            icv_len,
            hash: PhantomData,
        }
    }
}

impl<D> fmt::Debug for HmacInteg<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.id)
    }
}

impl<D: EagerHash + Send + Sync + 'static> Integ for HmacInteg<D>
where
    D::Core: Send + Sync,
{
    fn id(&self) -> IntegId {
        self.id
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn icv_len(&self) -> usize {
        self.icv_len
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn IntegKey>, CryptoError> {
        if key.len() != self.key_len {
            return Err(CryptoError::KeyLength {
                expected: self.key_len,
                got: key.len(),
            });
        }
        let mac = <Hmac<D> as KeyInit>::new_from_slice(key)
            .map_err(|_| CryptoError::Backend("hmac key"))?;
        Ok(Box::new(HmacKey(mac)))
    }
}

/// A keyed HMAC; the inner/outer pad state is computed once and cloned
/// for every message.
struct HmacKey<D: EagerHash>(Hmac<D>);

impl<D: EagerHash + Send + Sync> IntegKey for HmacKey<D>
where
    D::Core: Send + Sync,
{
    fn sign(&self, data: &[&[u8]], out: &mut [u8]) {
        hmac_into(self.0.clone(), data, out);
    }
}

/// AES in CBC mode (RFC 3602) with a 128-, 192- or 256-bit key.
pub(super) struct AesCbc<C> {
    key_bits: u16,
    cipher: PhantomData<fn() -> C>,
}

impl<C> AesCbc<C> {
    pub(super) const fn new(key_bits: u16) -> Self {
        Self {
            key_bits,
            cipher: PhantomData,
        }
    }
}

impl<C> fmt::Debug for AesCbc<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AES_CBC_{}", self.key_bits)
    }
}

trait AesBlock:
    BlockCipherEncrypt<BlockSize = U16>
    + BlockCipherDecrypt<BlockSize = U16>
    + KeyInit
    + Clone
    + Send
    + Sync
    + 'static
{
}
impl AesBlock for Aes128 {}
impl AesBlock for Aes192 {}
impl AesBlock for Aes256 {}

impl<C: AesBlock> Encr for AesCbc<C> {
    fn id(&self) -> EncrId {
        EncrId::AES_CBC
    }

    fn key_bits(&self) -> Option<u16> {
        Some(self.key_bits)
    }

    fn key_len(&self) -> usize {
        usize::from(self.key_bits / 8)
    }

    fn block_len(&self) -> usize {
        16
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn EncrKey>, CryptoError> {
        let cipher = C::new_from_slice(key).map_err(|_| CryptoError::KeyLength {
            expected: self.key_len(),
            got: key.len(),
        })?;
        Ok(Box::new(CbcKey(cipher)))
    }
}

/// An expanded AES key; CBC state is set up per message from a clone.
struct CbcKey<C>(C);

fn blocks(buf: &mut [u8]) -> Result<&mut [Array<u8, U16>], CryptoError> {
    let (blocks, rest) = Array::<u8, U16>::slice_as_chunks_mut(buf);
    if !rest.is_empty() {
        return Err(CryptoError::InvalidCiphertextLength);
    }
    Ok(blocks)
}

impl<C: AesBlock> EncrKey for CbcKey<C> {
    fn encrypt(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError> {
        let mut mode = cbc::Encryptor::<C>::inner_iv_slice_init(self.0.clone(), iv)
            .map_err(|_| CryptoError::Backend("CBC IV length"))?;
        mode.encrypt_blocks(blocks(buf)?);
        Ok(())
    }

    fn decrypt(&self, iv: &[u8], buf: &mut [u8]) -> Result<(), CryptoError> {
        let mut mode = cbc::Decryptor::<C>::inner_iv_slice_init(self.0.clone(), iv)
            .map_err(|_| CryptoError::Backend("CBC IV length"))?;
        mode.decrypt_blocks(blocks(buf)?);
        Ok(())
    }
}

/// An AEAD from RustCrypto with a 12-byte nonce: AES-GCM with an 8-, 12- or
/// 16-byte ICV (RFC 5282; aes-gcm's `hazmat` feature provides the 8-byte tag,
/// verified in constant time on the truncated tag) and ChaCha20-Poly1305
/// (RFC 7634, RFC 8439).
pub(super) struct RcAead<A> {
    id: EncrId,
    key_bits: Option<u16>,
    key_len: usize,
    icv_len: usize,
    aead: PhantomData<fn() -> A>,
}

impl<A> RcAead<A> {
    pub(super) const fn new(
        id: EncrId,
        key_bits: Option<u16>,
        key_len: usize,
        icv_len: usize,
    ) -> Self {
        Self {
            id,
            key_bits,
            key_len,
            icv_len,
            aead: PhantomData,
        }
    }
}

impl<A> fmt::Debug for RcAead<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.key_bits {
            Some(bits) => write!(f, "{:?}_{bits}", self.id),
            None => write!(f, "{:?}", self.id),
        }
    }
}

trait RcAeadAlg: AeadCore<NonceSize = U12> + AeadInOut + KeyInit + Send + Sync + 'static {}
impl RcAeadAlg for AesGcm<Aes128, U12, U8> {}
impl RcAeadAlg for AesGcm<Aes128, U12, U12> {}
impl RcAeadAlg for AesGcm<Aes128, U12, U16> {}
impl RcAeadAlg for AesGcm<Aes192, U12, U8> {}
impl RcAeadAlg for AesGcm<Aes192, U12, U12> {}
impl RcAeadAlg for AesGcm<Aes192, U12, U16> {}
impl RcAeadAlg for AesGcm<Aes256, U12, U8> {}
impl RcAeadAlg for AesGcm<Aes256, U12, U12> {}
impl RcAeadAlg for AesGcm<Aes256, U12, U16> {}
impl RcAeadAlg for ChaCha20Poly1305 {}

impl<A: RcAeadAlg> Aead for RcAead<A> {
    fn id(&self) -> EncrId {
        self.id
    }

    fn key_bits(&self) -> Option<u16> {
        self.key_bits
    }

    fn key_len(&self) -> usize {
        self.key_len
    }

    fn icv_len(&self) -> usize {
        self.icv_len
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, CryptoError> {
        let aead = A::new_from_slice(key).map_err(|_| CryptoError::KeyLength {
            expected: self.key_len,
            got: key.len(),
        })?;
        Ok(Box::new(RcAeadKey(aead)))
    }
}

struct RcAeadKey<A>(A);

impl<A: RcAeadAlg> AeadKey for RcAeadKey<A> {
    fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError> {
        let nonce = Nonce::<A>::from(*nonce);
        let full = self
            .0
            .encrypt_inout_detached(&nonce, aad, buf.into())
            .map_err(|_| CryptoError::Backend("AEAD seal"))?;
        if full.len() != tag.len() {
            return Err(CryptoError::Backend("AEAD tag length"));
        }
        tag.copy_from_slice(&full);
        Ok(())
    }

    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        let nonce = Nonce::<A>::from(*nonce);
        let tag = Tag::<A>::try_from(tag).map_err(|_| CryptoError::IntegrityCheckFailed)?;
        self.0
            .decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
            .map_err(|_| CryptoError::IntegrityCheckFailed)
    }
}
