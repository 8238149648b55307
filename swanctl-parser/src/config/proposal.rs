//! Proposals (reference §3): keyword lists such as `aes128-sha256-x25519`
//! turned into typed transforms with IANA IDs, checked and completed as
//! strongSwan 5.9.8's `proposal_create_from_string` does, and the `default`
//! proposals of 5.9.8 with the lab's plugin set (§3.2).

use std::fmt;

use super::error::ValueError;
use super::keywords;
use super::node::tokenize;
use super::value::{STR_BUF, stringify};

/// The protocol a proposal is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Ike,
    Esp,
    Ah,
}

impl Protocol {
    /// IKEv2 protocol ID (RFC 7296 §3.3.1).
    pub fn number(self) -> u8 {
        match self {
            Self::Ike => 1,
            Self::Ah => 2,
            Self::Esp => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Ike => "IKE",
            Self::Esp => "ESP",
            Self::Ah => "AH",
        }
    }
}

/// IKEv2 transform types (RFC 7296 §3.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransformType {
    Encr = 1,
    Prf = 2,
    Integ = 3,
    Ke = 4,
    Esn = 5,
}

impl TransformType {
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Print/sort order of strongSwan: encryption, integrity, PRF, KE, ESN.
    fn print_rank(self) -> u8 {
        match self {
            Self::Encr => 0,
            Self::Integ => 1,
            Self::Prf => 2,
            Self::Ke => 3,
            Self::Esn => 4,
        }
    }
}

/// One transform: type, algorithm ID and key length (bits) if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transform {
    pub ty: TransformType,
    pub id: u16,
    pub key_len: Option<u16>,
}

impl Transform {
    pub const fn new(ty: TransformType, id: u16, key_len: u16) -> Self {
        Self {
            ty,
            id,
            key_len: if key_len == 0 { None } else { Some(key_len) },
        }
    }

    /// Whether this is a combined-mode (AEAD) encryption algorithm.
    pub fn is_aead(&self) -> bool {
        self.ty == TransformType::Encr && is_aead(self.id)
    }

    /// strongSwan's name, e.g. `AES_CBC_128`, `HMAC_SHA2_256_128`.
    pub fn name(&self) -> String {
        let base = match algorithm_name(self.ty, self.id) {
            Some(n) => n.to_owned(),
            None => format!("UNKNOWN_{}_{}", self.ty.number(), self.id),
        };
        match self.key_len {
            Some(len) => format!("{base}_{len}"),
            None => base,
        }
    }
}

/// Encryption algorithm IDs.
pub mod encr {
    pub const DES: u16 = 2;
    pub const TRIPLE_DES: u16 = 3;
    pub const CAST: u16 = 6;
    pub const BLOWFISH: u16 = 7;
    pub const NULL: u16 = 11;
    pub const AES_CBC: u16 = 12;
    pub const AES_CTR: u16 = 13;
    pub const AES_CCM_8: u16 = 14;
    pub const AES_CCM_12: u16 = 15;
    pub const AES_CCM_16: u16 = 16;
    pub const AES_GCM_8: u16 = 18;
    pub const AES_GCM_12: u16 = 19;
    pub const AES_GCM_16: u16 = 20;
    pub const NULL_AUTH_AES_GMAC: u16 = 21;
    pub const CAMELLIA_CBC: u16 = 23;
    pub const CAMELLIA_CTR: u16 = 24;
    pub const CAMELLIA_CCM_8: u16 = 25;
    pub const CAMELLIA_CCM_12: u16 = 26;
    pub const CAMELLIA_CCM_16: u16 = 27;
    pub const CHACHA20_POLY1305: u16 = 28;
}

/// Integrity algorithm IDs.
pub mod integ {
    pub const HMAC_MD5_96: u16 = 1;
    pub const HMAC_SHA1_96: u16 = 2;
    pub const AES_XCBC_96: u16 = 5;
    pub const HMAC_MD5_128: u16 = 6;
    pub const HMAC_SHA1_160: u16 = 7;
    pub const AES_CMAC_96: u16 = 8;
    pub const AES_128_GMAC: u16 = 9;
    pub const AES_192_GMAC: u16 = 10;
    pub const AES_256_GMAC: u16 = 11;
    pub const HMAC_SHA2_256_128: u16 = 12;
    pub const HMAC_SHA2_384_192: u16 = 13;
    pub const HMAC_SHA2_512_256: u16 = 14;
    /// strongSwan-private: HMAC-SHA-256 truncated to 96 bits.
    pub const HMAC_SHA2_256_96: u16 = 1026;
    /// strongSwan-private.
    pub const CAMELLIA_XCBC_96: u16 = 1030;
}

/// PRF IDs.
pub mod prf {
    pub const HMAC_MD5: u16 = 1;
    pub const HMAC_SHA1: u16 = 2;
    pub const AES128_XCBC: u16 = 4;
    pub const HMAC_SHA2_256: u16 = 5;
    pub const HMAC_SHA2_384: u16 = 6;
    pub const HMAC_SHA2_512: u16 = 7;
    pub const AES128_CMAC: u16 = 8;
    /// strongSwan-private.
    pub const CAMELLIA128_XCBC: u16 = 1028;
}

/// Key exchange method IDs.
pub mod ke {
    pub const NONE: u16 = 0;
    pub const MODP_2048: u16 = 14;
    pub const MODP_3072: u16 = 15;
    pub const MODP_4096: u16 = 16;
    pub const MODP_6144: u16 = 17;
    pub const MODP_8192: u16 = 18;
    pub const ECP_256: u16 = 19;
    pub const ECP_384: u16 = 20;
    pub const ECP_521: u16 = 21;
    pub const ECP_256_BP: u16 = 28;
    pub const ECP_384_BP: u16 = 29;
    pub const ECP_512_BP: u16 = 30;
    pub const CURVE_25519: u16 = 31;
    pub const CURVE_448: u16 = 32;
}

/// ESN IDs.
pub mod esn {
    pub const NO: u16 = 0;
    pub const YES: u16 = 1;
}

fn is_aead(id: u16) -> bool {
    use encr::*;
    matches!(
        id,
        AES_CCM_8
            | AES_CCM_12
            | AES_CCM_16
            | AES_GCM_8
            | AES_GCM_12
            | AES_GCM_16
            | NULL_AUTH_AES_GMAC
            | CAMELLIA_CCM_8
            | CAMELLIA_CCM_12
            | CAMELLIA_CCM_16
            | CHACHA20_POLY1305
    )
}

/// PRF derived from each integrity algorithm when an IKE proposal names no
/// PRF.
const INTEG_TO_PRF: &[(u16, u16)] = &[
    (integ::HMAC_SHA1_96, prf::HMAC_SHA1),
    (integ::HMAC_SHA1_160, prf::HMAC_SHA1),
    (integ::HMAC_SHA2_256_128, prf::HMAC_SHA2_256),
    (integ::HMAC_SHA2_384_192, prf::HMAC_SHA2_384),
    (integ::HMAC_SHA2_512_256, prf::HMAC_SHA2_512),
    (integ::HMAC_MD5_96, prf::HMAC_MD5),
    (integ::HMAC_MD5_128, prf::HMAC_MD5),
    (integ::AES_XCBC_96, prf::AES128_XCBC),
    (integ::CAMELLIA_XCBC_96, prf::CAMELLIA128_XCBC),
    (integ::AES_CMAC_96, prf::AES128_CMAC),
];

/// A proposal: a protocol and its transforms in configured order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Proposal {
    protocol: Protocol,
    transforms: Vec<Transform>,
}

impl Proposal {
    /// Builds a proposal from transforms as given (no checks).
    pub fn from_transforms(protocol: Protocol, transforms: Vec<Transform>) -> Self {
        Self {
            protocol,
            transforms,
        }
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// All transforms in configured order.
    pub fn transforms(&self) -> &[Transform] {
        &self.transforms
    }

    /// The transforms of one type, in configured order.
    pub fn of_type(&self, ty: TransformType) -> impl Iterator<Item = &Transform> + '_ {
        self.transforms.iter().filter(move |t| t.ty == ty)
    }

    fn has(&self, ty: TransformType) -> bool {
        self.of_type(ty).next().is_some()
    }

    /// Whether the proposal uses combined-mode (AEAD) encryption.
    pub fn is_aead(&self) -> bool {
        self.of_type(TransformType::Encr).any(Transform::is_aead)
    }

    /// Parses one `-`-separated keyword list for `protocol`.
    pub fn parse(protocol: Protocol, text: &str) -> Result<Self, ValueError> {
        let text = stringify(text, STR_BUF)?;
        let tokens = tokenize(text, '-', ' ');
        if tokens.is_empty() {
            return Err(ValueError::because("empty proposal"));
        }
        let mut transforms = Vec::with_capacity(tokens.len());
        for token in &tokens {
            let (ty, id, len) = keywords::lookup(token).ok_or_else(|| {
                ValueError::because(format!("algorithm '{token}' not recognized"))
            })?;
            transforms.push(Transform::new(ty, id, len));
        }
        let mut proposal = Self {
            protocol,
            transforms,
        };
        proposal.check()?;
        Ok(proposal)
    }

    fn remove(&mut self, ty: TransformType) {
        self.transforms.retain(|t| t.ty != ty);
    }

    /// strongSwan's `check_proposal`: derives and removes transforms and
    /// rejects incomplete proposals.
    fn check(&mut self) -> Result<(), ValueError> {
        use TransformType::*;
        if self.protocol == Protocol::Ike {
            if !self.has(Prf) {
                let derived: Vec<Transform> = self
                    .of_type(Integ)
                    .filter_map(|t| INTEG_TO_PRF.iter().find(|(i, _)| *i == t.id))
                    .map(|&(_, p)| Transform::new(Prf, p, 0))
                    .collect();
                self.transforms.extend(derived);
            }
            if !self.has(Prf) {
                return Err(ValueError::because(
                    "a PRF algorithm is mandatory in IKE proposals",
                ));
            }
            self.transforms
                .retain(|t| !(t.ty == Ke && t.id == ke::NONE));
            if !self.has(Ke) {
                return Err(ValueError::because(
                    "a DH group is mandatory in IKE proposals",
                ));
            }
        } else {
            self.remove(Prf);
        }

        if self.protocol == Protocol::Ah {
            self.check_ah()?;
        } else {
            self.check_encryption()?;
        }

        if self.protocol != Protocol::Ike && !self.has(Esn) {
            self.transforms.push(Transform::new(Esn, esn::NO, 0));
        }
        Ok(())
    }

    fn check_encryption(&mut self) -> Result<(), ValueError> {
        let name = self.protocol.name();
        let encrs: Vec<bool> = self
            .of_type(TransformType::Encr)
            .map(Transform::is_aead)
            .collect();
        if encrs.is_empty() {
            return Err(ValueError::because(format!(
                "an encryption algorithm is mandatory in {name} proposals"
            )));
        }
        let all_aead = encrs.iter().all(|&a| a);
        let any_aead = encrs.iter().any(|&a| a);
        if any_aead && !all_aead {
            return Err(ValueError::because(format!(
                "classic and combined-mode (AEAD) encryption algorithms can't be \
                 contained in the same {name} proposal"
            )));
        }
        if all_aead {
            self.remove(TransformType::Integ);
        } else if self.protocol == Protocol::Ike && !self.has(TransformType::Integ) {
            return Err(ValueError::because(format!(
                "an integrity algorithm is mandatory in {name} proposals with \
                 classic (non-AEAD) encryption algorithms"
            )));
        }
        Ok(())
    }

    /// AH: AES-GMAC keywords become GMAC integrity algorithms, all other
    /// encryption algorithms are dropped; integrity is mandatory.
    fn check_ah(&mut self) -> Result<(), ValueError> {
        use TransformType::*;
        self.transforms = std::mem::take(&mut self.transforms)
            .into_iter()
            .filter_map(|t| {
                if t.ty != Encr {
                    return Some(t);
                }
                if t.id != encr::NULL_AUTH_AES_GMAC {
                    return None;
                }
                let id = match t.key_len {
                    Some(128) => integ::AES_128_GMAC,
                    Some(192) => integ::AES_192_GMAC,
                    Some(256) => integ::AES_256_GMAC,
                    _ => return None,
                };
                Some(Transform::new(Integ, id, 0))
            })
            .collect();
        if !self.has(Integ) {
            return Err(ValueError::because(
                "an integrity algorithm is mandatory in AH proposals",
            ));
        }
        Ok(())
    }

    /// strongSwan's non-AEAD default (`proposal_create_default`).
    pub fn default_for(protocol: Protocol) -> Self {
        use TransformType::*;
        let t = Transform::new;
        let transforms = match protocol {
            Protocol::Ike => {
                let mut v = Vec::new();
                for id in [
                    encr::AES_CBC,
                    encr::AES_CTR,
                    encr::CAMELLIA_CBC,
                    encr::CAMELLIA_CTR,
                ] {
                    for len in [128, 192, 256] {
                        v.push(t(Encr, id, len));
                    }
                }
                v.push(t(Encr, encr::TRIPLE_DES, 0));
                for id in [
                    integ::HMAC_SHA2_256_128,
                    integ::HMAC_SHA2_384_192,
                    integ::HMAC_SHA2_512_256,
                    integ::HMAC_SHA1_96,
                ] {
                    v.push(t(Integ, id, 0));
                }
                v.extend(ike_default_prfs_and_kes());
                v
            }
            Protocol::Esp => vec![
                t(Encr, encr::AES_CBC, 128),
                t(Encr, encr::AES_CBC, 192),
                t(Encr, encr::AES_CBC, 256),
                t(Integ, integ::HMAC_SHA2_256_128, 0),
                t(Integ, integ::HMAC_SHA2_384_192, 0),
                t(Integ, integ::HMAC_SHA2_512_256, 0),
                t(Integ, integ::HMAC_SHA1_96, 0),
                t(Integ, integ::AES_XCBC_96, 0),
                t(Esn, esn::NO, 0),
            ],
            Protocol::Ah => vec![
                t(Integ, integ::HMAC_SHA2_256_128, 0),
                t(Integ, integ::HMAC_SHA2_384_192, 0),
                t(Integ, integ::HMAC_SHA2_512_256, 0),
                t(Integ, integ::HMAC_SHA1_96, 0),
                t(Integ, integ::AES_XCBC_96, 0),
                t(Esn, esn::NO, 0),
            ],
        };
        Self {
            protocol,
            transforms,
        }
    }

    /// strongSwan's AEAD default (`proposal_create_default_aead`); AH has
    /// none.
    pub fn default_aead(protocol: Protocol) -> Option<Self> {
        use TransformType::*;
        let t = Transform::new;
        let transforms = match protocol {
            Protocol::Ike => {
                let mut v = Vec::new();
                for id in [encr::AES_GCM_16, encr::AES_CCM_16] {
                    for len in [128, 192, 256] {
                        v.push(t(Encr, id, len));
                    }
                }
                v.push(t(Encr, encr::CHACHA20_POLY1305, 0));
                for id in [
                    encr::AES_GCM_12,
                    encr::AES_GCM_8,
                    encr::AES_CCM_12,
                    encr::AES_CCM_8,
                ] {
                    for len in [128, 192, 256] {
                        v.push(t(Encr, id, len));
                    }
                }
                v.extend(ike_default_prfs_and_kes());
                v
            }
            Protocol::Esp => vec![
                t(Encr, encr::AES_GCM_16, 128),
                t(Encr, encr::AES_GCM_16, 192),
                t(Encr, encr::AES_GCM_16, 256),
                t(Esn, esn::NO, 0),
            ],
            Protocol::Ah => return None,
        };
        Some(Self {
            protocol,
            transforms,
        })
    }
}

fn ike_default_prfs_and_kes() -> Vec<Transform> {
    use TransformType::*;
    let prfs = [
        prf::HMAC_SHA2_256,
        prf::HMAC_SHA2_384,
        prf::HMAC_SHA2_512,
        prf::HMAC_SHA1,
    ];
    let kes = [
        ke::CURVE_25519,
        ke::CURVE_448,
        ke::ECP_256,
        ke::ECP_384,
        ke::ECP_521,
        ke::ECP_256_BP,
        ke::ECP_384_BP,
        ke::ECP_512_BP,
        ke::MODP_3072,
        ke::MODP_4096,
        ke::MODP_6144,
        ke::MODP_8192,
        ke::MODP_2048,
    ];
    prfs.iter()
        .map(|&p| Transform::new(Prf, p, 0))
        .chain(kes.iter().map(|&k| Transform::new(Ke, k, 0)))
        .collect()
}

/// Parses a proposal list item: `default` (any case) expands to the
/// non-AEAD and then the AEAD default, as 5.9.8 does.
pub fn parse_proposal_item(protocol: Protocol, item: &str) -> Result<Vec<Proposal>, ValueError> {
    let item = stringify(item, STR_BUF)?;
    if item.eq_ignore_ascii_case("default") {
        let mut v = vec![Proposal::default_for(protocol)];
        v.extend(Proposal::default_aead(protocol));
        return Ok(v);
    }
    Proposal::parse(protocol, item).map(|p| vec![p])
}

/// IKE proposals of a connection without `proposals`: non-AEAD first.
pub fn default_ike_proposals() -> Vec<Proposal> {
    let mut v = vec![Proposal::default_for(Protocol::Ike)];
    v.extend(Proposal::default_aead(Protocol::Ike));
    v
}

/// ESP proposals of a child without `esp_proposals`/`ah_proposals`:
/// AEAD first (unlike `esp_proposals = default` in 5.9.8).
pub fn default_esp_proposals() -> Vec<Proposal> {
    let mut v: Vec<Proposal> = Proposal::default_aead(Protocol::Esp).into_iter().collect();
    v.push(Proposal::default_for(Protocol::Esp));
    v
}

/// Formats like strongSwan's `%P`: `IKE:AES_CBC_128/HMAC_SHA2_256_128/…`.
impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.protocol.name())?;
        let mut types: Vec<TransformType> = Vec::new();
        for t in &self.transforms {
            if !types.contains(&t.ty) {
                types.push(t.ty);
            }
        }
        types.sort_by_key(|t| t.print_rank());
        let mut first = true;
        for ty in types {
            for t in self.of_type(ty) {
                if !first {
                    f.write_str("/")?;
                }
                first = false;
                f.write_str(&t.name())?;
            }
        }
        Ok(())
    }
}

fn algorithm_name(ty: TransformType, id: u16) -> Option<&'static str> {
    let table: &[(u16, &str)] = match ty {
        TransformType::Encr => &[
            (1, "DES_IV64"),
            (2, "DES_CBC"),
            (3, "3DES_CBC"),
            (4, "RC5_CBC"),
            (5, "IDEA_CBC"),
            (6, "CAST_CBC"),
            (7, "BLOWFISH_CBC"),
            (8, "3IDEA"),
            (9, "DES_IV32"),
            (11, "NULL"),
            (12, "AES_CBC"),
            (13, "AES_CTR"),
            (14, "AES_CCM_8"),
            (15, "AES_CCM_12"),
            (16, "AES_CCM_16"),
            (18, "AES_GCM_8"),
            (19, "AES_GCM_12"),
            (20, "AES_GCM_16"),
            (21, "NULL_AES_GMAC"),
            (23, "CAMELLIA_CBC"),
            (24, "CAMELLIA_CTR"),
            (25, "CAMELLIA_CCM_8"),
            (26, "CAMELLIA_CCM_12"),
            (27, "CAMELLIA_CCM_16"),
            (28, "CHACHA20_POLY1305"),
            (1025, "DES_ECB"),
            (1026, "SERPENT_CBC"),
            (1027, "TWOFISH_CBC"),
        ],
        TransformType::Integ => &[
            (1, "HMAC_MD5_96"),
            (2, "HMAC_SHA1_96"),
            (3, "DES_MAC"),
            (4, "KPDK_MD5"),
            (5, "AES_XCBC_96"),
            (6, "HMAC_MD5_128"),
            (7, "HMAC_SHA1_160"),
            (8, "AES_CMAC_96"),
            (9, "AES_128_GMAC"),
            (10, "AES_192_GMAC"),
            (11, "AES_256_GMAC"),
            (12, "HMAC_SHA2_256_128"),
            (13, "HMAC_SHA2_384_192"),
            (14, "HMAC_SHA2_512_256"),
            (1025, "HMAC_SHA1_128"),
            (1026, "HMAC_SHA2_256_96"),
            (1030, "CAMELLIA_XCBC_96"),
        ],
        TransformType::Prf => &[
            (1, "PRF_HMAC_MD5"),
            (2, "PRF_HMAC_SHA1"),
            (3, "PRF_HMAC_TIGER"),
            (4, "PRF_AES128_XCBC"),
            (5, "PRF_HMAC_SHA2_256"),
            (6, "PRF_HMAC_SHA2_384"),
            (7, "PRF_HMAC_SHA2_512"),
            (8, "PRF_AES128_CMAC"),
            (1028, "PRF_CAMELLIA128_XCBC"),
        ],
        TransformType::Ke => &[
            (0, "KE_NONE"),
            (1, "MODP_768"),
            (2, "MODP_1024"),
            (5, "MODP_1536"),
            (14, "MODP_2048"),
            (15, "MODP_3072"),
            (16, "MODP_4096"),
            (17, "MODP_6144"),
            (18, "MODP_8192"),
            (19, "ECP_256"),
            (20, "ECP_384"),
            (21, "ECP_521"),
            (22, "MODP_1024_160"),
            (23, "MODP_2048_224"),
            (24, "MODP_2048_256"),
            (25, "ECP_192"),
            (26, "ECP_224"),
            (27, "ECP_224_BP"),
            (28, "ECP_256_BP"),
            (29, "ECP_384_BP"),
            (30, "ECP_512_BP"),
            (31, "CURVE_25519"),
            (32, "CURVE_448"),
            (1024, "MODP_NULL"),
            (1030, "NTRU_112"),
            (1031, "NTRU_128"),
            (1032, "NTRU_192"),
            (1033, "NTRU_256"),
            (1040, "NEWHOPE_128"),
        ],
        TransformType::Esn => &[(0, "NO_EXT_SEQ"), (1, "EXT_SEQ")],
    };
    table.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::TransformType::*;
    use super::*;

    fn ike(s: &str) -> Proposal {
        Proposal::parse(Protocol::Ike, s).unwrap()
    }

    fn esp(s: &str) -> Proposal {
        Proposal::parse(Protocol::Esp, s).unwrap()
    }

    fn reason(protocol: Protocol, s: &str) -> String {
        Proposal::parse(protocol, s)
            .unwrap_err()
            .reason
            .unwrap_or_default()
    }

    #[test]
    fn ike_cbc_proposal_derives_the_prf_from_integrity() {
        let p = ike("aes128-sha256-x25519");
        assert_eq!(
            p.transforms(),
            &[
                Transform::new(Encr, 12, 128),
                Transform::new(Integ, 12, 0),
                Transform::new(Ke, 31, 0),
                Transform::new(Prf, 5, 0),
            ]
        );
        assert_eq!(
            p.to_string(),
            "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519"
        );
    }

    #[test]
    fn every_integrity_algorithm_gets_its_own_prf() {
        let p = ike("aes256-sha384-sha1-aesxcbc-aescmac-md5-ecp384");
        let prfs: Vec<u16> = p.of_type(Prf).map(|t| t.id).collect();
        assert_eq!(prfs, vec![6, 2, 4, 8, 1]);
    }

    #[test]
    fn explicit_prfs_suppress_derivation() {
        let p = ike("aes128-sha256-prfsha512-modp2048");
        let prfs: Vec<u16> = p.of_type(Prf).map(|t| t.id).collect();
        assert_eq!(prfs, vec![7]);
    }

    #[test]
    fn ike_aead_needs_a_prf_and_drops_integrity() {
        assert_eq!(
            reason(Protocol::Ike, "aes128gcm16-x25519"),
            "a PRF algorithm is mandatory in IKE proposals"
        );
        let p = ike("aes128gcm16-prfsha256-x25519");
        assert_eq!(
            p.to_string(),
            "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"
        );
        // sha256 yields the PRF, the integrity algorithm is then removed
        let p = ike("aes128gcm16-sha256-x25519");
        assert_eq!(
            p.to_string(),
            "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"
        );
        assert!(p.is_aead());
    }

    #[test]
    fn ike_needs_a_key_exchange_and_drops_none() {
        assert_eq!(
            reason(Protocol::Ike, "aes128-sha256"),
            "a DH group is mandatory in IKE proposals"
        );
        assert_eq!(
            reason(Protocol::Ike, "aes128-sha256-none"),
            "a DH group is mandatory in IKE proposals"
        );
        let p = ike("aes128-sha256-none-ecp256");
        assert_eq!(p.of_type(Ke).map(|t| t.id).collect::<Vec<_>>(), vec![19]);
    }

    #[test]
    fn ike_non_aead_needs_integrity() {
        assert!(
            reason(Protocol::Ike, "aes128-prfsha256-x25519")
                .starts_with("an integrity algorithm is mandatory in IKE")
        );
    }

    #[test]
    fn mixing_aead_and_classic_encryption_is_an_error() {
        for proto in [Protocol::Ike, Protocol::Esp] {
            let r = reason(proto, "aes128-aes128gcm16-sha256-prfsha256-x25519");
            assert!(r.starts_with("classic and combined-mode (AEAD)"), "{r}");
        }
    }

    #[test]
    fn encryption_is_mandatory_in_ike_and_esp() {
        assert_eq!(
            reason(Protocol::Esp, "sha256"),
            "an encryption algorithm is mandatory in ESP proposals"
        );
        assert_eq!(
            reason(Protocol::Ike, "sha256-x25519"),
            "an encryption algorithm is mandatory in IKE proposals"
        );
    }

    #[test]
    fn unknown_keywords_are_named() {
        assert_eq!(
            reason(Protocol::Esp, "aes128-foo"),
            "algorithm 'foo' not recognized"
        );
        // keywords are case-sensitive
        assert_eq!(
            reason(Protocol::Esp, "AES128"),
            "algorithm 'AES128' not recognized"
        );
        assert!(Proposal::parse(Protocol::Esp, "").is_err());
        assert!(Proposal::parse(Protocol::Esp, " - ").is_err());
    }

    #[test]
    fn esp_gets_noesn_unless_esn_is_given() {
        let p = esp("aes128gcm128-x25519-esn");
        assert_eq!(
            p.transforms(),
            &[
                Transform::new(Encr, 20, 128),
                Transform::new(Ke, 31, 0),
                Transform::new(Esn, 1, 0),
            ]
        );
        let p = esp("aes128gcm16");
        assert_eq!(p.to_string(), "ESP:AES_GCM_16_128/NO_EXT_SEQ");
        let p = esp("aes256-sha256-esn-noesn");
        assert_eq!(p.of_type(Esn).map(|t| t.id).collect::<Vec<_>>(), vec![1, 0]);
    }

    #[test]
    fn esp_drops_prfs_and_aead_drops_integrity() {
        let p = esp("aes128-sha256-prfsha256");
        assert_eq!(
            p.to_string(),
            "ESP:AES_CBC_128/HMAC_SHA2_256_128/NO_EXT_SEQ"
        );
        let p = esp("aes256gcm16-sha256");
        assert_eq!(p.to_string(), "ESP:AES_GCM_16_256/NO_EXT_SEQ");
        // ESP with classic encryption needs no integrity algorithm
        let p = esp("aes128");
        assert_eq!(p.to_string(), "ESP:AES_CBC_128/NO_EXT_SEQ");
    }

    #[test]
    fn ike_keeps_an_esn_keyword() {
        let p = ike("aes128-sha256-x25519-esn");
        assert_eq!(p.of_type(Esn).count(), 1);
    }

    #[test]
    fn ah_maps_gmac_and_requires_integrity() {
        let p = Proposal::parse(Protocol::Ah, "aes256gmac-aes128").unwrap();
        assert_eq!(p.to_string(), "AH:AES_256_GMAC/NO_EXT_SEQ");
        let p = Proposal::parse(Protocol::Ah, "sha256-sha1-prfsha256").unwrap();
        assert_eq!(
            p.to_string(),
            "AH:HMAC_SHA2_256_128/HMAC_SHA1_96/NO_EXT_SEQ"
        );
        assert_eq!(
            reason(Protocol::Ah, "aes128"),
            "an integrity algorithm is mandatory in AH proposals"
        );
    }

    #[test]
    fn keyword_aliases_map_to_the_same_transform() {
        assert_eq!(esp("aes128gcm16"), esp("aes128gcm128"));
        assert_eq!(esp("aes128gcm16"), esp("aes128gcm"));
        assert_eq!(esp("aes128-sha1"), esp("aes-sha"));
        assert_eq!(
            ike("aes128-sha256-x25519"),
            ike("aes128-sha2_256-curve25519")
        );
        let p = esp("chacha20poly1305");
        assert_eq!(p.transforms()[0], Transform::new(Encr, 28, 0));
        let p = esp("aes128-sha256_96");
        assert_eq!(p.of_type(Integ).next().map(|t| t.id), Some(1026));
        let p = esp("3des-md5_128");
        assert_eq!(p.to_string(), "ESP:3DES_CBC/HMAC_MD5_128/NO_EXT_SEQ");
    }

    #[test]
    fn ike_default_matches_the_5_9_8_lab_list() {
        let v = default_ike_proposals();
        assert_eq!(v.len(), 2);
        assert_eq!(
            v[0].to_string(),
            "IKE:AES_CBC_128/AES_CBC_192/AES_CBC_256/AES_CTR_128/AES_CTR_192/AES_CTR_256/\
             CAMELLIA_CBC_128/CAMELLIA_CBC_192/CAMELLIA_CBC_256/CAMELLIA_CTR_128/\
             CAMELLIA_CTR_192/CAMELLIA_CTR_256/3DES_CBC/\
             HMAC_SHA2_256_128/HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/\
             PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_HMAC_SHA1/\
             CURVE_25519/CURVE_448/ECP_256/ECP_384/ECP_521/ECP_256_BP/ECP_384_BP/ECP_512_BP/\
             MODP_3072/MODP_4096/MODP_6144/MODP_8192/MODP_2048"
        );
        assert_eq!(
            v[1].to_string(),
            "IKE:AES_GCM_16_128/AES_GCM_16_192/AES_GCM_16_256/AES_CCM_16_128/AES_CCM_16_192/\
             AES_CCM_16_256/CHACHA20_POLY1305/AES_GCM_12_128/AES_GCM_12_192/AES_GCM_12_256/\
             AES_GCM_8_128/AES_GCM_8_192/AES_GCM_8_256/AES_CCM_12_128/AES_CCM_12_192/\
             AES_CCM_12_256/AES_CCM_8_128/AES_CCM_8_192/AES_CCM_8_256/\
             PRF_HMAC_SHA2_256/PRF_HMAC_SHA2_384/PRF_HMAC_SHA2_512/PRF_HMAC_SHA1/\
             CURVE_25519/CURVE_448/ECP_256/ECP_384/ECP_521/ECP_256_BP/ECP_384_BP/ECP_512_BP/\
             MODP_3072/MODP_4096/MODP_6144/MODP_8192/MODP_2048"
        );
        assert_eq!(parse_proposal_item(Protocol::Ike, "DEFAULT").unwrap(), v);
    }

    #[test]
    fn esp_default_order_depends_on_how_it_is_requested() {
        let gcm = "ESP:AES_GCM_16_128/AES_GCM_16_192/AES_GCM_16_256/NO_EXT_SEQ";
        let cbc = "ESP:AES_CBC_128/AES_CBC_192/AES_CBC_256/HMAC_SHA2_256_128/\
                   HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/AES_XCBC_96/NO_EXT_SEQ";
        let unset: Vec<String> = default_esp_proposals()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(unset, vec![gcm, cbc]);
        let explicit: Vec<String> = parse_proposal_item(Protocol::Esp, "default")
            .unwrap()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(explicit, vec![cbc, gcm]);
    }

    #[test]
    fn ah_default_is_a_single_integrity_proposal() {
        let v = parse_proposal_item(Protocol::Ah, "default").unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].to_string(),
            "AH:HMAC_SHA2_256_128/HMAC_SHA2_384_192/HMAC_SHA2_512_256/HMAC_SHA1_96/\
             AES_XCBC_96/NO_EXT_SEQ"
        );
    }

    #[test]
    fn every_keyword_is_accepted() {
        for (kw, ty, ..) in keywords::KEYWORDS {
            let (proto, text) = match ty {
                Encr => (Protocol::Ike, format!("{kw}-sha256-prfsha256-x25519")),
                Integ => (Protocol::Ike, format!("aes128-{kw}-prfsha256-x25519")),
                Prf => (Protocol::Ike, format!("aes128-sha256-{kw}-x25519")),
                Ke | Esn => (Protocol::Esp, format!("aes128-sha256-{kw}")),
            };
            assert!(Proposal::parse(proto, &text).is_ok(), "{kw}: {text}");
        }
    }
}
