//! Configured IKE proposals reduced to what the crypto provider implements,
//! as strongSwan only proposes algorithms its loaded plugins provide.

use super::{Algorithm, Proposal};
use crate::crypto::Provider;
use crate::wire::iana::TransformType;

/// `proposals` without the transforms `provider` lacks; a proposal left
/// without an encryption algorithm, a PRF, a key exchange method or (for
/// classic encryption) an integrity algorithm is dropped.
pub fn supported_ike_proposals(proposals: &[Proposal], provider: &Provider) -> Vec<Proposal> {
    proposals
        .iter()
        .filter_map(|proposal| {
            let mut kept = proposal.clone();
            kept.transforms.retain(|t| match t.alg {
                Algorithm::Esn(_) => true,
                _ => provider.supports(*t),
            });
            let complete = [TransformType::ENCR, TransformType::PRF, TransformType::KE]
                .into_iter()
                .all(|ty| kept.has(ty))
                && (kept.is_aead() || kept.has(TransformType::INTEG));
            complete.then_some(kept)
        })
        .collect()
}

#[cfg(test)]
#[cfg(feature = "default-provider")]
mod tests {
    use super::*;
    use crate::crypto::default_provider;
    use crate::proposal::default_ike_proposals;
    use crate::wire::iana::{KeId, ProtocolId};

    #[test]
    fn the_defaults_keep_only_what_the_provider_implements() {
        let kept = supported_ike_proposals(&default_ike_proposals(), &default_provider());
        let names: Vec<String> = kept.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            vec![
                "IKE:AES_CBC_128/AES_CBC_192/AES_CBC_256/\
                 HMAC_SHA2_256_128/HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/\
                 PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_HMAC_SHA1/\
                 CURVE_25519/ECP_256/ECP_384/ECP_521/MODP_3072/MODP_4096/MODP_2048",
                "IKE:AES_GCM_16_128/AES_GCM_16_192/AES_GCM_16_256/CHACHA20_POLY1305/\
                 AES_GCM_12_128/AES_GCM_12_192/AES_GCM_12_256/AES_GCM_8_128/AES_GCM_8_192/\
                 AES_GCM_8_256/\
                 PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_HMAC_SHA1/\
                 CURVE_25519/ECP_256/ECP_384/ECP_521/MODP_3072/MODP_4096/MODP_2048",
            ]
        );
    }

    #[test]
    fn a_proposal_without_a_usable_group_is_dropped() {
        let only_448 = Proposal::parse(ProtocolId::IKE, "aes128-sha256-curve448").unwrap();
        assert!(supported_ike_proposals(&[only_448], &default_provider()).is_empty());
        let mixed = Proposal::parse(ProtocolId::IKE, "aes128-sha256-curve448-x25519").unwrap();
        let kept = supported_ike_proposals(&[mixed], &default_provider());
        assert_eq!(
            kept[0].ke_methods().collect::<Vec<_>>(),
            vec![KeId::CURVE_25519]
        );
    }
}
