//! EAP codes and method types as carried in the EAP payload (RFC 7296 §3.16,
//! RFC 3748 §4, RFC 6696 §5).

use core::fmt;

codepoints! {
    /// EAP packet codes; `summary_name()` is what charon prints after
    /// `EAP/`.
    EapCode(u8) {
        REQUEST = 1 => "EAP_REQUEST" / "REQ",
        RESPONSE = 2 => "EAP_RESPONSE" / "RES",
        SUCCESS = 3 => "EAP_SUCCESS" / "SUCC",
        FAILURE = 4 => "EAP_FAILURE" / "FAIL",
        /// RFC 6696 (ERP).
        INITIATE = 5 => "EAP_INITIATE" / "INIT",
        FINISH = 6 => "EAP_FINISH" / "FIN",
    }
}

impl EapCode {
    /// Requests and responses carry a method type (RFC 3748 §4.1); success
    /// and failure do not (§4.2).
    #[must_use]
    pub const fn has_type(self) -> bool {
        matches!(self, Self::REQUEST | Self::RESPONSE)
    }
}

codepoints! {
    /// EAP method types (IANA "Method Types"), those strongSwan implements.
    EapType(u8) {
        IDENTITY = 1 => "EAP_IDENTITY" / "ID",
        NOTIFICATION = 2 => "EAP_NOTIFICATION" / "NTF",
        NAK = 3 => "EAP_NAK" / "NAK",
        MD5 = 4 => "EAP_MD5" / "MD5",
        OTP = 5 => "EAP_OTP" / "OTP",
        GTC = 6 => "EAP_GTC" / "GTC",
        TLS = 13 => "EAP_TLS" / "TLS",
        SIM = 18 => "EAP_SIM" / "SIM",
        TTLS = 21 => "EAP_TTLS" / "TTLS",
        AKA = 23 => "EAP_AKA" / "AKA",
        PEAP = 25 => "EAP_PEAP" / "PEAP",
        MSCHAPV2 = 26 => "EAP_MSCHAPV2" / "MSCHAPV2",
        MSTLV = 33 => "EAP_MSTLV" / "MSTLV",
        TNC = 38 => "EAP_TNC" / "TNC",
        PT_EAP = 54 => "EAP_PT_EAP" / "PT",
        EXPANDED = 254 => "EAP_EXPANDED" / "EXP",
        EXPERIMENTAL = 255 => "EAP_EXPERIMENTAL" / "XP",
    }
}
