//! Proposals (RFC 7296 §2.7, §3.3): strongSwan's keyword syntax such as
//! `aes128-sha256-x25519`, checked and completed as 5.9.8's
//! `proposal_create_from_string` does, its `default` proposals, and
//! selection between configured and received proposals.

mod convert;
mod defaults;
mod keywords;
mod select;
mod supported;

use core::fmt;

pub use convert::{proposals_from_sa, sa_accepting, sa_offering};
pub use defaults::{default_esp_proposals, default_ike_proposals, defaults_for};
pub use select::{
    IkeSaInitRejection, SelectionFlags, check_selected, choose_ike_sa_init, order_for_ke, select,
    strip_ke,
};
pub use supported::supported_ike_proposals;

use crate::wire::iana::{EncrId, EsnId, IntegId, KeId, PrfId, ProtocolId, TransformType};

/// One algorithm of a proposal, typed by its transform type (RFC 7296
/// §3.3.2). Transform types we do not know are kept as [`Algorithm::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Encr(EncrId),
    Prf(PrfId),
    Integ(IntegId),
    Ke(KeId),
    Esn(EsnId),
    /// A transform of an unknown type (only ever received).
    Other(TransformType, u16),
}

impl Algorithm {
    /// Builds the algorithm from its wire transform type and ID.
    pub fn from_wire(ty: TransformType, id: u16) -> Self {
        match ty {
            TransformType::ENCR => Self::Encr(EncrId(id)),
            TransformType::PRF => Self::Prf(PrfId(id)),
            TransformType::INTEG => Self::Integ(IntegId(id)),
            TransformType::KE => Self::Ke(KeId(id)),
            TransformType::ESN => Self::Esn(EsnId(id)),
            other => Self::Other(other, id),
        }
    }

    /// The transform type on the wire.
    pub fn transform_type(self) -> TransformType {
        match self {
            Self::Encr(_) => TransformType::ENCR,
            Self::Prf(_) => TransformType::PRF,
            Self::Integ(_) => TransformType::INTEG,
            Self::Ke(_) => TransformType::KE,
            Self::Esn(_) => TransformType::ESN,
            Self::Other(ty, _) => ty,
        }
    }

    /// The transform ID on the wire.
    pub fn wire_id(self) -> u16 {
        match self {
            Self::Encr(id) => id.0,
            Self::Prf(id) => id.0,
            Self::Integ(id) => id.0,
            Self::Ke(id) => id.0,
            Self::Esn(id) => id.0,
            Self::Other(_, id) => id,
        }
    }

    /// IDs from 1024 up are private use (RFC 7296 §3.3.2).
    pub fn is_private_use(self) -> bool {
        self.wire_id() >= 1024
    }

    /// strongSwan's name without key length, e.g. `AES_CBC`, `CURVE_25519`.
    pub fn name(self) -> String {
        let name = match self {
            Self::Encr(id) => id.name(),
            Self::Prf(id) => id.name(),
            Self::Integ(id) => id.name(),
            Self::Ke(id) => id.name(),
            Self::Esn(id) => id.name(),
            Self::Other(..) => None,
        };
        match name {
            Some(name) => name.to_owned(),
            None => format!("UNKNOWN_{}_{}", self.transform_type().0, self.wire_id()),
        }
    }
}

/// One transform: an algorithm and its key length in bits if it has one
/// (the KEY_LENGTH attribute, RFC 7296 §3.3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transform {
    pub alg: Algorithm,
    pub key_len: Option<u16>,
}

impl Transform {
    /// A transform; `key_len` 0 means "no key length attribute".
    pub const fn new(alg: Algorithm, key_len: u16) -> Self {
        Self {
            alg,
            key_len: if key_len == 0 { None } else { Some(key_len) },
        }
    }

    /// Whether this is a combined-mode (AEAD) encryption algorithm.
    pub fn is_aead(&self) -> bool {
        matches!(self.alg, Algorithm::Encr(id) if id.is_aead())
    }

    /// strongSwan's name, e.g. `AES_CBC_128`, `HMAC_SHA2_256_128`.
    pub fn name(&self) -> String {
        match self.key_len {
            Some(len) => format!("{}_{len}", self.alg.name()),
            None => self.alg.name(),
        }
    }
}

/// Why a proposal string was refused; the text is charon's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidProposal {
    pub reason: String,
}

impl InvalidProposal {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for InvalidProposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for InvalidProposal {}

/// A proposal: protocol, number and SPI as on the wire (§3.3.1), and its
/// transforms in preference order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Proposal {
    pub protocol: ProtocolId,
    /// Proposal number (1-based on the wire; 0 in configured proposals).
    pub number: u8,
    /// SPI: empty in IKE_SA_INIT, 8 bytes for IKE rekeys, 4 for ESP/AH.
    pub spi: Vec<u8>,
    transforms: Vec<Transform>,
}

impl Proposal {
    /// A proposal from transforms as given (no checks).
    pub fn from_transforms(protocol: ProtocolId, transforms: Vec<Transform>) -> Self {
        let mut proposal = Self {
            protocol,
            number: 0,
            spi: Vec::new(),
            transforms,
        };
        proposal.group_by_type();
        proposal
    }

    /// Orders the transforms by type as strongSwan sends and prints them
    /// (encryption, integrity, PRF, KE, ESN, others), keeping the order
    /// within each type.
    fn group_by_type(&mut self) {
        self.transforms
            .sort_by_key(|t| type_order(t.alg.transform_type()));
    }

    /// All transforms in order.
    pub fn transforms(&self) -> &[Transform] {
        &self.transforms
    }

    /// The transforms of one type, in order.
    pub fn of_type(&self, ty: TransformType) -> impl Iterator<Item = &Transform> + '_ {
        self.transforms
            .iter()
            .filter(move |t| t.alg.transform_type() == ty)
    }

    fn has(&self, ty: TransformType) -> bool {
        self.of_type(ty).next().is_some()
    }

    /// Whether the proposal uses combined-mode (AEAD) encryption.
    pub fn is_aead(&self) -> bool {
        self.transforms.iter().any(Transform::is_aead)
    }

    /// The first encryption transform (the selected one in a selected
    /// proposal).
    pub fn encr(&self) -> Option<(EncrId, Option<u16>)> {
        self.transforms.iter().find_map(|t| match t.alg {
            Algorithm::Encr(id) => Some((id, t.key_len)),
            _ => None,
        })
    }

    /// The first PRF.
    pub fn prf(&self) -> Option<PrfId> {
        self.transforms.iter().find_map(|t| match t.alg {
            Algorithm::Prf(id) => Some(id),
            _ => None,
        })
    }

    /// The first integrity algorithm.
    pub fn integ(&self) -> Option<IntegId> {
        self.transforms.iter().find_map(|t| match t.alg {
            Algorithm::Integ(id) => Some(id),
            _ => None,
        })
    }

    /// The first key exchange method other than NONE.
    pub fn ke(&self) -> Option<KeId> {
        self.ke_methods().next()
    }

    /// All key exchange methods other than NONE, in order.
    pub fn ke_methods(&self) -> impl Iterator<Item = KeId> + '_ {
        self.transforms.iter().filter_map(|t| match t.alg {
            Algorithm::Ke(id) if id != KeId::NONE => Some(id),
            _ => None,
        })
    }

    /// Whether extended sequence numbers were selected (first ESN
    /// transform is `EXT_SEQ`).
    pub fn esn(&self) -> bool {
        self.transforms
            .iter()
            .find_map(|t| match t.alg {
                Algorithm::Esn(id) => Some(id == EsnId::YES),
                _ => None,
            })
            .unwrap_or(false)
    }

    /// Parses a `-`-separated keyword list such as `aes128-sha256-x25519`.
    pub fn parse(protocol: ProtocolId, text: &str) -> Result<Self, InvalidProposal> {
        let tokens: Vec<&str> = text
            .split('-')
            .map(|token| token.trim_matches(' '))
            .filter(|token| !token.is_empty())
            .collect();
        Self::from_keywords(protocol, &tokens)
    }

    /// Builds a proposal from keywords and completes it as strongSwan does.
    pub fn from_keywords(protocol: ProtocolId, keywords: &[&str]) -> Result<Self, InvalidProposal> {
        if keywords.is_empty() {
            return Err(InvalidProposal::new("empty proposal"));
        }
        let mut transforms = Vec::with_capacity(keywords.len());
        for token in keywords {
            let (alg, len) = keywords::lookup(token).ok_or_else(|| {
                InvalidProposal::new(format!("algorithm '{token}' not recognized"))
            })?;
            transforms.push(Transform::new(alg, len));
        }
        let mut proposal = Self::from_transforms(protocol, transforms);
        proposal.complete()?;
        proposal.group_by_type();
        Ok(proposal)
    }

    fn remove(&mut self, ty: TransformType) {
        self.transforms.retain(|t| t.alg.transform_type() != ty);
    }

    /// Derives and removes transforms and rejects incomplete proposals, as
    /// strongSwan's `check_proposal` does.
    fn complete(&mut self) -> Result<(), InvalidProposal> {
        if self.protocol == ProtocolId::IKE {
            self.complete_ike()?;
        } else {
            self.remove(TransformType::PRF);
        }
        if self.protocol == ProtocolId::AH {
            self.complete_ah()?;
        } else {
            self.check_encryption()?;
        }
        if self.protocol != ProtocolId::IKE && !self.has(TransformType::ESN) {
            self.transforms
                .push(Transform::new(Algorithm::Esn(EsnId::NO), 0));
        }
        Ok(())
    }

    fn complete_ike(&mut self) -> Result<(), InvalidProposal> {
        if !self.has(TransformType::PRF) {
            let derived: Vec<Transform> = self
                .transforms
                .iter()
                .filter_map(|t| match t.alg {
                    Algorithm::Integ(id) => prf_for_integ(id),
                    _ => None,
                })
                .map(|prf| Transform::new(Algorithm::Prf(prf), 0))
                .collect();
            self.transforms.extend(derived);
        }
        if !self.has(TransformType::PRF) {
            return Err(InvalidProposal::new(
                "a PRF algorithm is mandatory in IKE proposals",
            ));
        }
        self.transforms
            .retain(|t| t.alg != Algorithm::Ke(KeId::NONE));
        if !self.has(TransformType::KE) {
            return Err(InvalidProposal::new(
                "a DH group is mandatory in IKE proposals",
            ));
        }
        Ok(())
    }

    fn check_encryption(&mut self) -> Result<(), InvalidProposal> {
        let name = protocol_name(self.protocol);
        let aead: Vec<bool> = self
            .of_type(TransformType::ENCR)
            .map(Transform::is_aead)
            .collect();
        if aead.is_empty() {
            return Err(InvalidProposal::new(format!(
                "an encryption algorithm is mandatory in {name} proposals"
            )));
        }
        let all_aead = aead.iter().all(|&a| a);
        if !all_aead && aead.iter().any(|&a| a) {
            return Err(InvalidProposal::new(format!(
                "classic and combined-mode (AEAD) encryption algorithms can't be \
                 contained in the same {name} proposal"
            )));
        }
        if all_aead {
            self.remove(TransformType::INTEG);
        } else if self.protocol == ProtocolId::IKE && !self.has(TransformType::INTEG) {
            return Err(InvalidProposal::new(format!(
                "an integrity algorithm is mandatory in {name} proposals with \
                 classic (non-AEAD) encryption algorithms"
            )));
        }
        Ok(())
    }

    /// AH: AES-GMAC keywords become GMAC integrity algorithms, other
    /// encryption algorithms are dropped; integrity is mandatory.
    fn complete_ah(&mut self) -> Result<(), InvalidProposal> {
        self.transforms = core::mem::take(&mut self.transforms)
            .into_iter()
            .filter_map(|t| match t.alg {
                Algorithm::Encr(EncrId::NULL_AUTH_AES_GMAC) => {
                    let integ = match t.key_len {
                        Some(128) => IntegId::AES_128_GMAC,
                        Some(192) => IntegId::AES_192_GMAC,
                        Some(256) => IntegId::AES_256_GMAC,
                        _ => return None,
                    };
                    Some(Transform::new(Algorithm::Integ(integ), 0))
                }
                Algorithm::Encr(_) => None,
                _ => Some(t),
            })
            .collect();
        if !self.has(TransformType::INTEG) {
            return Err(InvalidProposal::new(
                "an integrity algorithm is mandatory in AH proposals",
            ));
        }
        Ok(())
    }
}

/// The PRF strongSwan derives from an integrity algorithm when an IKE
/// proposal names none.
fn prf_for_integ(integ: IntegId) -> Option<PrfId> {
    Some(match integ {
        IntegId::HMAC_SHA1_96 | IntegId::HMAC_SHA1_160 => PrfId::HMAC_SHA1,
        IntegId::HMAC_SHA2_256_128 => PrfId::HMAC_SHA2_256,
        IntegId::HMAC_SHA2_384_192 => PrfId::HMAC_SHA2_384,
        IntegId::HMAC_SHA2_512_256 => PrfId::HMAC_SHA2_512,
        IntegId::HMAC_MD5_96 | IntegId::HMAC_MD5_128 => PrfId::HMAC_MD5,
        IntegId::AES_XCBC_96 => PrfId::AES128_XCBC,
        IntegId::CAMELLIA_XCBC_96 => PrfId::CAMELLIA128_XCBC,
        IntegId::AES_CMAC_96 => PrfId::AES128_CMAC,
        _ => return None,
    })
}

fn protocol_name(protocol: ProtocolId) -> String {
    match protocol.name() {
        Some(name) => name.to_owned(),
        None => format!("PROTO_{}", protocol.0),
    }
}

/// strongSwan's order of transform types on the wire and in logs:
/// encryption, integrity, PRF, KE, ESN, then the others by number.
fn type_order(ty: TransformType) -> (u8, u8) {
    let rank = match ty {
        TransformType::ENCR => 0,
        TransformType::INTEG => 1,
        TransformType::PRF => 2,
        TransformType::KE => 3,
        TransformType::ESN => 4,
        _ => 5,
    };
    (rank, ty.0)
}

/// Formats like strongSwan's `%P`: `IKE:AES_CBC_128/HMAC_SHA2_256_128/…`.
impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", protocol_name(self.protocol))?;
        let mut transforms = self.transforms.clone();
        transforms.sort_by_key(|t| type_order(t.alg.transform_type()));
        for (i, name) in transforms.iter().map(Transform::name).enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            f.write_str(&name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
