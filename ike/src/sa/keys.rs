//! The IKE SA's keys (RFC 7296 §2.14) and the IKE_SA_INIT messages that
//! IKE_AUTH signs (§2.15).

use core::fmt;

use crate::crypto::keymat::{ChildKeys, child_keys, maced_id, psk_auth};
use crate::crypto::{CryptoError, IkeSuite, Prf, Provider, Secret, SkProtector, child_key_lengths};
use crate::proposal::Proposal;

/// SK_d, SK_pi/pr and the two SK protectors.
pub(crate) struct SaKeys {
    pub(crate) proposal: Proposal,
    pub(crate) prf: &'static dyn Prf,
    pub(crate) sk_d: Secret,
    pub(crate) sk_pi: Secret,
    pub(crate) sk_pr: Secret,
    /// Seals what we send.
    pub(crate) outbound: SkProtector,
    /// Opens what we receive.
    pub(crate) inbound: SkProtector,
}

impl fmt::Debug for SaKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaKeys")
            .field("proposal", &self.proposal)
            .finish_non_exhaustive()
    }
}

/// Inputs of SKEYSEED (or of the rekeyed SKEYSEED, §2.18).
pub(crate) struct KeyInputs<'a> {
    pub(crate) g_ir: &'a Secret,
    pub(crate) ni: &'a [u8],
    pub(crate) nr: &'a [u8],
    pub(crate) spi_i: u64,
    pub(crate) spi_r: u64,
    /// SK_d of the SA being rekeyed.
    pub(crate) old_sk_d: Option<(&'static dyn Prf, &'a Secret)>,
}

impl SaKeys {
    /// Derives all keys for `proposal`; `initiator` says which protector
    /// is ours.
    pub(crate) fn derive(
        provider: &Provider,
        proposal: &Proposal,
        inputs: &KeyInputs<'_>,
        initiator: bool,
    ) -> Result<Self, CryptoError> {
        let suite = IkeSuite::new(provider, proposal)?;
        let spi_i = inputs.spi_i.to_be_bytes();
        let spi_r = inputs.spi_r.to_be_bytes();
        let keys = match inputs.old_sk_d {
            None => suite.derive(inputs.g_ir.as_bytes(), inputs.ni, inputs.nr, &spi_i, &spi_r)?,
            Some((old_prf, old_sk_d)) => suite.derive_rekeyed(
                old_prf,
                old_sk_d.as_bytes(),
                inputs.g_ir.as_bytes(),
                inputs.ni,
                inputs.nr,
                &spi_i,
                &spi_r,
            )?,
        };
        let (for_i, for_r) = suite.protectors(provider, &keys)?;
        let (outbound, inbound) = if initiator {
            (for_i, for_r)
        } else {
            (for_r, for_i)
        };
        Ok(Self {
            proposal: proposal.clone(),
            prf: suite.prf,
            sk_d: keys.sk_d,
            sk_pi: keys.sk_pi,
            sk_pr: keys.sk_pr,
            outbound,
            inbound,
        })
    }

    /// CHILD_SA keys for `proposal` (§2.17), `g_ir` with PFS.
    pub(crate) fn child_keys(
        &self,
        provider: &Provider,
        proposal: &Proposal,
        g_ir: Option<&Secret>,
        ni: &[u8],
        nr: &[u8],
    ) -> Result<ChildKeys, CryptoError> {
        let (encr, integ) = child_key_lengths(provider, proposal)?;
        child_keys(self.prf, &self.sk_d, g_ir, ni, nr, encr, integ)
    }
}

/// The IKE_SA_INIT request and response as sent, and the nonces: what the
/// AUTH payloads of both sides sign (RFC 7296 §2.15).
pub(crate) struct InitMessages {
    pub(crate) request: Vec<u8>,
    pub(crate) response: Vec<u8>,
    pub(crate) ni: Vec<u8>,
    pub(crate) nr: Vec<u8>,
}

impl InitMessages {
    /// The shared-key AUTH value of the initiator (`initiator`) or the
    /// responder over its identity payload body.
    pub(crate) fn psk_auth(
        &self,
        keys: &SaKeys,
        psk: &Secret,
        initiator: bool,
        id_body: &[u8],
    ) -> Secret {
        if initiator {
            let sk_p = keys.sk_pi.as_bytes();
            psk_auth(
                keys.prf,
                psk.as_bytes(),
                &self.request,
                &self.nr,
                sk_p,
                id_body,
            )
        } else {
            let sk_p = keys.sk_pr.as_bytes();
            psk_auth(
                keys.prf,
                psk.as_bytes(),
                &self.response,
                &self.ni,
                sk_p,
                id_body,
            )
        }
    }
}

impl InitMessages {
    /// The octets a signature AUTH covers (§2.15): the sender's IKE_SA_INIT
    /// message, the peer's nonce and `prf(SK_p, IDx')`.
    pub(crate) fn signed_octets(&self, keys: &SaKeys, initiator: bool, id_body: &[u8]) -> Vec<u8> {
        let (message, nonce, sk_p) = if initiator {
            (&self.request, &self.nr, &keys.sk_pi)
        } else {
            (&self.response, &self.ni, &keys.sk_pr)
        };
        let id = maced_id(keys.prf, sk_p.as_bytes(), id_body);
        [message.as_slice(), nonce, id.as_bytes()].concat()
    }
}
