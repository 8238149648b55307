//! Traffic selector types (RFC 7296 §3.13.1) and the configuration payload
//! registries (§3.15).

use core::fmt;

codepoints! {
    /// Traffic selector types (RFC 7296 §3.13.1).
    TsType(u8) {
        IPV4_ADDR_RANGE = 7 => "TS_IPV4_ADDR_RANGE",
        IPV6_ADDR_RANGE = 8 => "TS_IPV6_ADDR_RANGE",
        /// RFC 4595 (Fibre Channel); carried opaquely by the codec.
        FC_ADDR_RANGE = 9 => "TS_FC_ADDR_RANGE",
        /// RFC 9478 (labeled IPsec); carried opaquely by the codec.
        SECLABEL = 10 => "TS_SECLABEL",
    }
}

codepoints! {
    /// Configuration payload CFG types (RFC 7296 §3.15); `summary_name()` is
    /// the suffix charon appends to `CP` (`CPRQ(..)`).
    CfgType(u8) {
        REQUEST = 1 => "CFG_REQUEST" / "RQ",
        REPLY = 2 => "CFG_REPLY" / "RP",
        SET = 3 => "CFG_SET" / "S",
        ACK = 4 => "CFG_ACK" / "A",
    }
}

codepoints! {
    /// Configuration attribute types (RFC 7296 §3.15.1 and extensions; the
    /// two `*_SERVER` values are Microsoft's, used by strongSwan).
    /// `summary_name()` is what charon prints inside `CPRQ(..)`.
    ConfigAttributeType(u16) {
        INTERNAL_IP4_ADDRESS = 1 => "INTERNAL_IP4_ADDRESS" / "ADDR",
        INTERNAL_IP4_NETMASK = 2 => "INTERNAL_IP4_NETMASK" / "MASK",
        INTERNAL_IP4_DNS = 3 => "INTERNAL_IP4_DNS" / "DNS",
        INTERNAL_IP4_NBNS = 4 => "INTERNAL_IP4_NBNS" / "NBNS",
        INTERNAL_ADDRESS_EXPIRY = 5 => "INTERNAL_ADDRESS_EXPIRY" / "EXP",
        INTERNAL_IP4_DHCP = 6 => "INTERNAL_IP4_DHCP" / "DHCP",
        APPLICATION_VERSION = 7 => "APPLICATION_VERSION" / "VER",
        INTERNAL_IP6_ADDRESS = 8 => "INTERNAL_IP6_ADDRESS" / "ADDR6",
        INTERNAL_IP6_NETMASK = 9 => "INTERNAL_IP6_NETMASK" / "MASK6",
        INTERNAL_IP6_DNS = 10 => "INTERNAL_IP6_DNS" / "DNS6",
        INTERNAL_IP6_NBNS = 11 => "INTERNAL_IP6_NBNS" / "NBNS6",
        INTERNAL_IP6_DHCP = 12 => "INTERNAL_IP6_DHCP" / "DHCP6",
        INTERNAL_IP4_SUBNET = 13 => "INTERNAL_IP4_SUBNET" / "SUBNET",
        SUPPORTED_ATTRIBUTES = 14 => "SUPPORTED_ATTRIBUTES" / "SUP",
        INTERNAL_IP6_SUBNET = 15 => "INTERNAL_IP6_SUBNET" / "SUBNET6",
        /// RFC 5026.
        MIP6_HOME_PREFIX = 16 => "MIP6_HOME_PREFIX" / "MIP6HPFX",
        /// RFC 5739.
        INTERNAL_IP6_LINK = 17 => "INTERNAL_IP6_LINK" / "LINK6",
        INTERNAL_IP6_PREFIX = 18 => "INTERNAL_IP6_PREFIX" / "PFX6",
        /// RFC 5555.
        HOME_AGENT_ADDRESS = 19 => "HOME_AGENT_ADDRESS" / "HOA",
        /// RFC 7651.
        P_CSCF_IP4_ADDRESS = 20 => "P_CSCF_IP4_ADDRESS" / "PCSCF4",
        P_CSCF_IP6_ADDRESS = 21 => "P_CSCF_IP6_ADDRESS" / "PCSCF6",
        /// 3GPP TS 24.302.
        FTT_KAT = 22 => "FTT_KAT" / "FTTKAT",
        /// 3GPP TS 29.139.
        EXTERNAL_SOURCE_IP4_NAT_INFO = 23 => "EXTERNAL_SOURCE_IP4_NAT_INFO" / "EXTSRC4",
        /// 3GPP TS 24.302.
        TIMEOUT_PERIOD_FOR_LIVENESS_CHECK = 24 => "TIMEOUT_PERIOD_FOR_LIVENESS_CHECK" / "DPD",
        /// RFC 8598.
        INTERNAL_DNS_DOMAIN = 25 => "INTERNAL_DNS_DOMAIN" / "DOMAIN",
        INTERNAL_DNSSEC_TA = 26 => "INTERNAL_DNSSEC_TA" / "TA",
        /// RFC 9464 (encrypted DNS).
        ENCDNS_IP4 = 27 => "ENCDNS_IP4",
        ENCDNS_IP6 = 28 => "ENCDNS_IP6",
        ENCDNS_DIGEST_INFO = 29 => "ENCDNS_DIGEST_INFO",
        INTERNAL_IP4_SERVER = 23456 => "INTERNAL_IP4_SERVER" / "SRV",
        INTERNAL_IP6_SERVER = 23457 => "INTERNAL_IP6_SERVER" / "SRV6",
    }
}
