//! Every IKEv2 codepoint in one place (IANA "Internet Key Exchange Version 2
//! (IKEv2) Parameters", RFC 7296 §3 and its extensions).
//!
//! Each registry is a newtype over its wire integer with named constants, so
//! unknown values survive a parse/emit round trip and print as hex. Names are
//! strongSwan's where it has one (they appear in logs and `swanctl` output).

use core::fmt;

/// Defines a codepoint newtype: `Name(pub repr)` with one constant per
/// registered value, `name()` for the registry name and a `Debug` that prints
/// it (or `Name(0x..)` when unknown).
macro_rules! codepoints {
    ($(#[$meta:meta])* $name:ident($repr:ty) {
        $($(#[$vmeta:meta])* $konst:ident = $value:literal => $text:literal,)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $repr);

        impl $name {
            $($(#[$vmeta])* pub const $konst: Self = Self($value);)*

            /// Every registered value, in registry order.
            pub const ALL: &'static [Self] = &[$(Self::$konst),*];

            /// The registry name, or `None` for an unregistered value.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(text) => f.write_str(text),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }

        impl From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self(value)
            }
        }

        impl From<$name> for $repr {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

codepoints! {
    /// Exchange types (RFC 7296 §3.1).
    ExchangeType(u8) {
        IKE_SA_INIT = 34 => "IKE_SA_INIT",
        IKE_AUTH = 35 => "IKE_AUTH",
        CREATE_CHILD_SA = 36 => "CREATE_CHILD_SA",
        INFORMATIONAL = 37 => "INFORMATIONAL",
        IKE_SESSION_RESUME = 38 => "IKE_SESSION_RESUME",
        IKE_INTERMEDIATE = 43 => "IKE_INTERMEDIATE",
        IKE_FOLLOWUP_KE = 44 => "IKE_FOLLOWUP_KE",
    }
}

codepoints! {
    /// Payload types (RFC 7296 §3.2, RFC 7383 §2.5); names as strongSwan
    /// prints them in message summaries.
    PayloadType(u8) {
        NONE = 0 => "NONE",
        SA = 33 => "SA",
        KE = 34 => "KE",
        IDI = 35 => "IDi",
        IDR = 36 => "IDr",
        CERT = 37 => "CERT",
        CERTREQ = 38 => "CERTREQ",
        AUTH = 39 => "AUTH",
        NONCE = 40 => "No",
        NOTIFY = 41 => "N",
        DELETE = 42 => "D",
        VENDOR_ID = 43 => "V",
        TSI = 44 => "TSi",
        TSR = 45 => "TSr",
        SK = 46 => "SK",
        CP = 47 => "CP",
        EAP = 48 => "EAP",
        GSPM = 49 => "GSPM",
        SKF = 53 => "EF",
    }
}

codepoints! {
    /// Security protocol IDs (RFC 7296 §3.3.1).
    ProtocolId(u8) {
        NONE = 0 => "NONE",
        IKE = 1 => "IKE",
        AH = 2 => "AH",
        ESP = 3 => "ESP",
    }
}

codepoints! {
    /// Transform types (RFC 7296 §3.3.2); type 4 is "Key Exchange Method"
    /// since RFC 9370.
    TransformType(u8) {
        ENCR = 1 => "ENCR",
        PRF = 2 => "PRF",
        INTEG = 3 => "INTEG",
        KE = 4 => "KE",
        ESN = 5 => "ESN",
    }
}

codepoints! {
    /// Transform type 1, encryption algorithms (IDs ≥ 1024 are
    /// strongSwan-private).
    EncrId(u16) {
        DES_IV64 = 1 => "DES_IV64",
        DES_CBC = 2 => "DES_CBC",
        TRIPLE_DES_CBC = 3 => "3DES_CBC",
        RC5_CBC = 4 => "RC5_CBC",
        IDEA_CBC = 5 => "IDEA_CBC",
        CAST_CBC = 6 => "CAST_CBC",
        BLOWFISH_CBC = 7 => "BLOWFISH_CBC",
        TRIPLE_IDEA = 8 => "3IDEA",
        DES_IV32 = 9 => "DES_IV32",
        NULL = 11 => "NULL",
        AES_CBC = 12 => "AES_CBC",
        AES_CTR = 13 => "AES_CTR",
        AES_CCM_8 = 14 => "AES_CCM_8",
        AES_CCM_12 = 15 => "AES_CCM_12",
        AES_CCM_16 = 16 => "AES_CCM_16",
        AES_GCM_8 = 18 => "AES_GCM_8",
        AES_GCM_12 = 19 => "AES_GCM_12",
        AES_GCM_16 = 20 => "AES_GCM_16",
        NULL_AUTH_AES_GMAC = 21 => "NULL_AES_GMAC",
        CAMELLIA_CBC = 23 => "CAMELLIA_CBC",
        CAMELLIA_CTR = 24 => "CAMELLIA_CTR",
        CAMELLIA_CCM_8 = 25 => "CAMELLIA_CCM_8",
        CAMELLIA_CCM_12 = 26 => "CAMELLIA_CCM_12",
        CAMELLIA_CCM_16 = 27 => "CAMELLIA_CCM_16",
        CHACHA20_POLY1305 = 28 => "CHACHA20_POLY1305",
        DES_ECB = 1025 => "DES_ECB",
        SERPENT_CBC = 1026 => "SERPENT_CBC",
        TWOFISH_CBC = 1027 => "TWOFISH_CBC",
    }
}

impl EncrId {
    /// Combined-mode (AEAD) algorithms, which carry their own integrity
    /// protection (RFC 5282).
    pub const fn is_aead(self) -> bool {
        matches!(
            self,
            Self::AES_CCM_8
                | Self::AES_CCM_12
                | Self::AES_CCM_16
                | Self::AES_GCM_8
                | Self::AES_GCM_12
                | Self::AES_GCM_16
                | Self::NULL_AUTH_AES_GMAC
                | Self::CAMELLIA_CCM_8
                | Self::CAMELLIA_CCM_12
                | Self::CAMELLIA_CCM_16
                | Self::CHACHA20_POLY1305
        )
    }
}

codepoints! {
    /// Transform type 2, pseudorandom functions.
    PrfId(u16) {
        HMAC_MD5 = 1 => "PRF_HMAC_MD5",
        HMAC_SHA1 = 2 => "PRF_HMAC_SHA1",
        HMAC_TIGER = 3 => "PRF_HMAC_TIGER",
        AES128_XCBC = 4 => "PRF_AES128_XCBC",
        HMAC_SHA2_256 = 5 => "PRF_HMAC_SHA2_256",
        HMAC_SHA2_384 = 6 => "PRF_HMAC_SHA2_384",
        HMAC_SHA2_512 = 7 => "PRF_HMAC_SHA2_512",
        AES128_CMAC = 8 => "PRF_AES128_CMAC",
        CAMELLIA128_XCBC = 1028 => "PRF_CAMELLIA128_XCBC",
    }
}

codepoints! {
    /// Transform type 3, integrity algorithms.
    IntegId(u16) {
        NONE = 0 => "NONE",
        HMAC_MD5_96 = 1 => "HMAC_MD5_96",
        HMAC_SHA1_96 = 2 => "HMAC_SHA1_96",
        DES_MAC = 3 => "DES_MAC",
        KPDK_MD5 = 4 => "KPDK_MD5",
        AES_XCBC_96 = 5 => "AES_XCBC_96",
        HMAC_MD5_128 = 6 => "HMAC_MD5_128",
        HMAC_SHA1_160 = 7 => "HMAC_SHA1_160",
        AES_CMAC_96 = 8 => "AES_CMAC_96",
        AES_128_GMAC = 9 => "AES_128_GMAC",
        AES_192_GMAC = 10 => "AES_192_GMAC",
        AES_256_GMAC = 11 => "AES_256_GMAC",
        HMAC_SHA2_256_128 = 12 => "HMAC_SHA2_256_128",
        HMAC_SHA2_384_192 = 13 => "HMAC_SHA2_384_192",
        HMAC_SHA2_512_256 = 14 => "HMAC_SHA2_512_256",
        HMAC_SHA1_128 = 1025 => "HMAC_SHA1_128",
        HMAC_SHA2_256_96 = 1026 => "HMAC_SHA2_256_96",
        CAMELLIA_XCBC_96 = 1030 => "CAMELLIA_XCBC_96",
    }
}

codepoints! {
    /// Transform type 4, key exchange methods (Diffie-Hellman groups).
    KeId(u16) {
        NONE = 0 => "KE_NONE",
        MODP_768 = 1 => "MODP_768",
        MODP_1024 = 2 => "MODP_1024",
        MODP_1536 = 5 => "MODP_1536",
        MODP_2048 = 14 => "MODP_2048",
        MODP_3072 = 15 => "MODP_3072",
        MODP_4096 = 16 => "MODP_4096",
        MODP_6144 = 17 => "MODP_6144",
        MODP_8192 = 18 => "MODP_8192",
        ECP_256 = 19 => "ECP_256",
        ECP_384 = 20 => "ECP_384",
        ECP_521 = 21 => "ECP_521",
        MODP_1024_160 = 22 => "MODP_1024_160",
        MODP_2048_224 = 23 => "MODP_2048_224",
        MODP_2048_256 = 24 => "MODP_2048_256",
        ECP_192 = 25 => "ECP_192",
        ECP_224 = 26 => "ECP_224",
        ECP_224_BP = 27 => "ECP_224_BP",
        ECP_256_BP = 28 => "ECP_256_BP",
        ECP_384_BP = 29 => "ECP_384_BP",
        ECP_512_BP = 30 => "ECP_512_BP",
        CURVE_25519 = 31 => "CURVE_25519",
        CURVE_448 = 32 => "CURVE_448",
        MODP_NULL = 1024 => "MODP_NULL",
        NTRU_112 = 1030 => "NTRU_112",
        NTRU_128 = 1031 => "NTRU_128",
        NTRU_192 = 1032 => "NTRU_192",
        NTRU_256 = 1033 => "NTRU_256",
        NEWHOPE_128 = 1040 => "NEWHOPE_128",
    }
}

codepoints! {
    /// Transform type 5, extended sequence numbers.
    EsnId(u16) {
        NO = 0 => "NO_EXT_SEQ",
        YES = 1 => "EXT_SEQ",
    }
}

codepoints! {
    /// Transform attribute types (RFC 7296 §3.3.5).
    TransformAttributeType(u16) {
        KEY_LENGTH = 14 => "KEY_LENGTH",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_print_their_registry_name() {
        assert_eq!(format!("{:?}", EncrId::AES_GCM_16), "AES_GCM_16");
        assert_eq!(format!("{:?}", PayloadType::NONCE), "No");
        assert_eq!(KeId(31), KeId::CURVE_25519);
    }

    #[test]
    fn unknown_values_round_trip_and_print_as_hex() {
        let unknown = ExchangeType::from(200);
        assert_eq!(unknown.name(), None);
        assert_eq!(format!("{unknown:?}"), "ExchangeType(0xc8)");
        assert_eq!(u8::from(unknown), 200);
    }

    #[test]
    fn aead_algorithms_are_flagged() {
        assert!(EncrId::AES_GCM_16.is_aead());
        assert!(EncrId::CHACHA20_POLY1305.is_aead());
        assert!(!EncrId::AES_CBC.is_aead());
    }
}
