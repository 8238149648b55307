//! Transform types, transform IDs and transform attributes (RFC 7296
//! §3.3.2, §3.3.5; RFC 9370).

use core::fmt;

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
