//! Identities and authentication: ID types (RFC 7296 §3.5), certificate
//! encodings (§3.6), authentication methods (§3.8, RFC 7427) and the hash
//! algorithms of SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4, RFC 8420).

use core::fmt;

codepoints! {
    /// Identification payload ID types (RFC 7296 §3.5).
    IdType(u8) {
        IPV4_ADDR = 1 => "ID_IPV4_ADDR",
        FQDN = 2 => "ID_FQDN",
        RFC822_ADDR = 3 => "ID_RFC822_ADDR",
        IPV6_ADDR = 5 => "ID_IPV6_ADDR",
        DER_ASN1_DN = 9 => "ID_DER_ASN1_DN",
        DER_ASN1_GN = 10 => "ID_DER_ASN1_GN",
        KEY_ID = 11 => "ID_KEY_ID",
        /// RFC 4595 (Fibre Channel).
        FC_NAME = 12 => "ID_FC_NAME",
        /// RFC 7619 (NULL authentication).
        NULL = 13 => "ID_NULL",
    }
}

codepoints! {
    /// Certificate encodings of CERT and CERTREQ (RFC 7296 §3.6; 5 is
    /// reserved in IKEv2).
    CertEncoding(u8) {
        PKCS7_WRAPPED_X509 = 1 => "ENC_PKCS7_WRAPPED_X509",
        PGP = 2 => "ENC_PGP",
        DNS_SIGNED_KEY = 3 => "ENC_DNS_SIGNED_KEY",
        X509_SIGNATURE = 4 => "ENC_X509_SIGNATURE",
        KERBEROS_TOKEN = 6 => "ENC_KERBEROS_TOKENS",
        CRL = 7 => "ENC_CRL",
        ARL = 8 => "ENC_ARL",
        SPKI = 9 => "ENC_SPKI",
        X509_ATTRIBUTE = 10 => "ENC_X509_ATTRIBUTE",
        RAW_RSA_KEY = 11 => "ENC_RAW_RSA_KEY",
        X509_HASH_AND_URL = 12 => "ENC_X509_HASH_AND_URL",
        X509_HASH_AND_URL_BUNDLE = 13 => "ENC_X509_HASH_AND_URL_BUNDLE",
        /// RFC 4806.
        OCSP_CONTENT = 14 => "ENC_OCSP_CONTENT",
        /// RFC 7670.
        RAW_PUBLIC_KEY = 15 => "ENC_RAW_PUBLIC_KEY",
    }
}

codepoints! {
    /// Authentication methods of the AUTH payload (RFC 7296 §3.8, RFC 4754,
    /// RFC 6467, RFC 7619, RFC 7427); names as strongSwan logs them.
    AuthMethod(u8) {
        RSA = 1 => "RSA signature",
        PSK = 2 => "pre-shared key",
        DSS = 3 => "DSS signature",
        ECDSA_256 = 9 => "ECDSA-256 signature",
        ECDSA_384 = 10 => "ECDSA-384 signature",
        ECDSA_521 = 11 => "ECDSA-521 signature",
        GSPAM = 12 => "secure password method",
        NULL = 13 => "NULL authentication",
        DIGITAL_SIGNATURE = 14 => "digital signature",
    }
}

codepoints! {
    /// Hash algorithms announced in SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4,
    /// RFC 8420 for IDENTITY).
    HashAlgorithm(u16) {
        SHA1 = 1 => "HASH_SHA1" / "SHA1",
        SHA2_256 = 2 => "HASH_SHA2_256" / "SHA2_256",
        SHA2_384 = 3 => "HASH_SHA2_384" / "SHA2_384",
        SHA2_512 = 4 => "HASH_SHA2_512" / "SHA2_512",
        IDENTITY = 5 => "HASH_IDENTITY" / "IDENTITY",
    }
}
