//! Exchange types, payload types and security protocol IDs (RFC 7296 §3.1,
//! §3.2, §3.3.1).

use core::fmt;

codepoints! {
    /// Exchange types (RFC 7296 §3.1).
    ExchangeType(u8) {
        IKE_SA_INIT = 34 => "IKE_SA_INIT",
        IKE_AUTH = 35 => "IKE_AUTH",
        CREATE_CHILD_SA = 36 => "CREATE_CHILD_SA",
        INFORMATIONAL = 37 => "INFORMATIONAL",
        IKE_SESSION_RESUME = 38 => "IKE_SESSION_RESUME",
        /// G-IKEv2 (RFC 9838).
        GSA_AUTH = 39 => "GSA_AUTH",
        GSA_REGISTRATION = 40 => "GSA_REGISTRATION",
        GSA_REKEY = 41 => "GSA_REKEY",
        GSA_INBAND_REKEY = 42 => "GSA_INBAND_REKEY",
        IKE_INTERMEDIATE = 43 => "IKE_INTERMEDIATE",
        IKE_FOLLOWUP_KE = 44 => "IKE_FOLLOWUP_KE",
    }
}

codepoints! {
    /// Payload types (RFC 7296 §3.2, RFC 7383 §2.5); names as strongSwan
    /// prints them in message summaries. GSPM (RFC 6467), the G-IKEv2
    /// payloads (RFC 9838) and the puzzle solution (RFC 8019) are named but
    /// not interpreted by the codec: they parse as `Payload::Unknown`.
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
        IDG = 50 => "IDg",
        GSA = 51 => "GSA",
        KD = 52 => "KD",
        SKF = 53 => "EF",
        PS = 54 => "PS",
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
