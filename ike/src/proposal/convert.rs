//! Proposals to and from SA payloads (RFC 7296 §3.3).

use super::{Algorithm, Proposal, Transform};
use crate::wire::iana::TransformAttributeType;
use crate::wire::{self, AttributeValue, SecurityAssociation};

impl Proposal {
    /// The proposal a peer sent. A transform with an attribute other than
    /// a two-octet KEY_LENGTH cannot be understood and is left out, so it
    /// is never selected (RFC 7296 §3.3.6).
    pub fn from_wire(proposal: &wire::Proposal) -> Self {
        let transforms = proposal
            .transforms
            .iter()
            .filter(|t| t.attributes.iter().all(is_key_length))
            .map(|t| Transform {
                alg: Algorithm::from_wire(t.ty, t.id),
                key_len: t.key_length(),
            })
            .collect();
        let mut ours = Self::from_transforms(proposal.protocol, transforms);
        ours.number = proposal.number;
        ours.spi.clone_from(&proposal.spi);
        ours
    }

    /// The proposal on the wire with proposal number `number`.
    pub fn to_wire(&self, number: u8) -> wire::Proposal {
        let transforms = self
            .transforms
            .iter()
            .map(|t| match t.alg {
                Algorithm::Encr(id) => wire::Transform::encr(id, t.key_len),
                alg => wire::Transform::new(alg.transform_type(), alg.wire_id()),
            })
            .collect();
        wire::Proposal {
            number,
            protocol: self.protocol,
            spi: self.spi.clone(),
            transforms,
        }
    }
}

fn is_key_length(attribute: &wire::Attribute) -> bool {
    attribute.ty == TransformAttributeType::KEY_LENGTH
        && matches!(attribute.value, AttributeValue::Tv(_))
}

/// The proposals of a received SA payload.
pub fn proposals_from_sa(sa: &SecurityAssociation) -> Vec<Proposal> {
    sa.proposals.iter().map(Proposal::from_wire).collect()
}

/// An SA payload offering `proposals`, numbered from 1 in order
/// (RFC 7296 §3.3.1).
pub fn sa_offering(proposals: &[Proposal]) -> SecurityAssociation {
    let proposals = (1..=u8::MAX)
        .zip(proposals)
        .map(|(number, p)| p.to_wire(number))
        .collect();
    SecurityAssociation { proposals }
}

/// The SA payload of a response: the one selected proposal with the
/// number the initiator gave it (RFC 7296 §2.7).
pub fn sa_accepting(selected: &Proposal) -> SecurityAssociation {
    SecurityAssociation {
        proposals: vec![selected.to_wire(selected.number)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::{SelectionFlags, select};
    use crate::wire::iana::ProtocolId;
    use crate::wire::{Attribute, Codec};

    #[test]
    fn offered_proposals_survive_the_wire_and_are_numbered_from_one() {
        let ours = vec![
            Proposal::parse(ProtocolId::IKE, "aes128-sha256-x25519").unwrap(),
            Proposal::parse(ProtocolId::IKE, "aes256gcm16-prfsha384-ecp384").unwrap(),
        ];
        let sa = sa_offering(&ours);
        let bytes = sa.get_encoding().unwrap();
        let back = proposals_from_sa(&SecurityAssociation::read_bytes(&bytes).unwrap());
        assert_eq!(
            back.iter().map(|p| p.number).collect::<Vec<_>>(),
            vec![1, 2]
        );
        for (a, b) in ours.iter().zip(&back) {
            assert_eq!(a.transforms(), b.transforms());
        }
        let chosen = select(&ours, &back, SelectionFlags::default()).unwrap();
        let answer = sa_accepting(&chosen);
        assert_eq!(answer.proposals.len(), 1);
        assert_eq!(answer.proposals[0].number, 1);
    }

    #[test]
    fn transforms_with_unknown_attributes_are_not_selectable() {
        let mut proposal = Proposal::parse(ProtocolId::ESP, "aes128-sha256")
            .unwrap()
            .to_wire(1);
        proposal.transforms[0].attributes.push(Attribute {
            ty: TransformAttributeType(99),
            value: AttributeValue::Tv(1),
        });
        let parsed = Proposal::from_wire(&proposal);
        assert_eq!(parsed.encr(), None);
        assert_eq!(proposal.transforms[0].key_length(), Some(128));
    }
}
