//! strongSwan 5.9.8's default proposals (`proposal_create_default` and
//! `proposal_create_default_aead`) with the plugin set of the reference lab
//! (reference §3.2). Negotiation later drops what the crypto provider lacks.

use super::Algorithm::{Encr, Esn, Integ, Ke, Prf};
use super::{Proposal, Transform};
use crate::wire::iana::{EncrId, EsnId, IntegId, KeId, PrfId, ProtocolId};

/// Expansion of the keyword `default`: the non-AEAD proposal, then the AEAD
/// one (AH has none).
pub fn defaults_for(protocol: ProtocolId) -> Vec<Proposal> {
    let mut proposals = vec![classic(protocol)];
    proposals.extend(aead(protocol));
    proposals
}

/// IKE proposals of a connection without `proposals`.
pub fn default_ike_proposals() -> Vec<Proposal> {
    defaults_for(ProtocolId::IKE)
}

/// ESP proposals of a child without `esp_proposals`/`ah_proposals`: AEAD
/// first (unlike `esp_proposals = default` in 5.9.8).
pub fn default_esp_proposals() -> Vec<Proposal> {
    let mut proposals: Vec<Proposal> = aead(ProtocolId::ESP).into_iter().collect();
    proposals.push(classic(ProtocolId::ESP));
    proposals
}

fn with_key_lengths(ids: &[EncrId]) -> impl Iterator<Item = Transform> + '_ {
    ids.iter()
        .flat_map(|&id| [128, 192, 256].map(|len| Transform::new(Encr(id), len)))
}

fn integs(ids: &[IntegId]) -> impl Iterator<Item = Transform> + '_ {
    ids.iter().map(|&id| Transform::new(Integ(id), 0))
}

const ESP_AH_INTEGS: [IntegId; 5] = [
    IntegId::HMAC_SHA2_256_128,
    IntegId::HMAC_SHA2_384_192,
    IntegId::HMAC_SHA2_512_256,
    IntegId::HMAC_SHA1_96,
    IntegId::AES_XCBC_96,
];

fn classic(protocol: ProtocolId) -> Proposal {
    let no_esn = Transform::new(Esn(EsnId::NO), 0);
    let transforms: Vec<Transform> = match protocol {
        ProtocolId::IKE => with_key_lengths(&[
            EncrId::AES_CBC,
            EncrId::AES_CTR,
            EncrId::CAMELLIA_CBC,
            EncrId::CAMELLIA_CTR,
        ])
        .chain([Transform::new(Encr(EncrId::TRIPLE_DES_CBC), 0)])
        .chain(integs(&ESP_AH_INTEGS[..4]))
        .chain(ike_prfs_and_kes())
        .collect(),
        ProtocolId::ESP => with_key_lengths(&[EncrId::AES_CBC])
            .chain(integs(&ESP_AH_INTEGS))
            .chain([no_esn])
            .collect(),
        _ => integs(&ESP_AH_INTEGS).chain([no_esn]).collect(),
    };
    Proposal::from_transforms(protocol, transforms)
}

fn aead(protocol: ProtocolId) -> Option<Proposal> {
    let transforms: Vec<Transform> = match protocol {
        ProtocolId::IKE => with_key_lengths(&[EncrId::AES_GCM_16, EncrId::AES_CCM_16])
            .chain([Transform::new(Encr(EncrId::CHACHA20_POLY1305), 0)])
            .chain(with_key_lengths(&[
                EncrId::AES_GCM_12,
                EncrId::AES_GCM_8,
                EncrId::AES_CCM_12,
                EncrId::AES_CCM_8,
            ]))
            .chain(ike_prfs_and_kes())
            .collect(),
        ProtocolId::ESP => with_key_lengths(&[EncrId::AES_GCM_16])
            .chain([Transform::new(Esn(EsnId::NO), 0)])
            .collect(),
        _ => return None,
    };
    Some(Proposal::from_transforms(protocol, transforms))
}

fn ike_prfs_and_kes() -> impl Iterator<Item = Transform> {
    let prfs = [
        PrfId::HMAC_SHA2_256,
        PrfId::HMAC_SHA2_384,
        PrfId::HMAC_SHA2_512,
        PrfId::HMAC_SHA1,
    ];
    let kes = [
        KeId::CURVE_25519,
        KeId::CURVE_448,
        KeId::ECP_256,
        KeId::ECP_384,
        KeId::ECP_521,
        KeId::ECP_256_BP,
        KeId::ECP_384_BP,
        KeId::ECP_512_BP,
        KeId::MODP_3072,
        KeId::MODP_4096,
        KeId::MODP_6144,
        KeId::MODP_8192,
        KeId::MODP_2048,
    ];
    prfs.into_iter()
        .map(|p| Transform::new(Prf(p), 0))
        .chain(kes.into_iter().map(|k| Transform::new(Ke(k), 0)))
}
