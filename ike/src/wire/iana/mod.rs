//! Every IKEv2 codepoint in one place (IANA "Internet Key Exchange Version 2
//! (IKEv2) Parameters", RFC 7296 §3 and its extensions).
//!
//! Each registry is a newtype over its wire integer with named constants, so
//! unknown values survive a parse/emit round trip and print as hex. Names are
//! strongSwan's where it has one (they appear in logs and `swanctl` output);
//! where charon prints a shorter name in its message summaries
//! (`N(NATD_S_IP)`), `summary_name()` returns it.
//!
//! One module, one file per registry family; `codepoints!` is the only way a
//! registry is defined.

/// Defines a codepoint newtype: `Name(pub repr)` with one constant per
/// registered value, `name()` for the registry name, `summary_name()` for
/// the short name charon prints in message summaries (written after a `/`
/// where it differs from the registry name) and a `Debug` that prints the
/// name (or `Name(0x..)` when unknown).
macro_rules! codepoints {
    (@short $text:literal) => { $text };
    (@short $text:literal $short:literal) => { $short };
    ($(#[$meta:meta])* $name:ident($repr:ty) {
        $($(#[$vmeta:meta])* $konst:ident = $value:literal => $text:literal $(/ $short:literal)?,)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $repr);

        impl $name {
            $($(#[$vmeta])* pub const $konst: Self = Self($value);)*

            /// Every registered value, in registry order.
            pub const ALL: &'static [Self] = &[$(Self::$konst),*];

            /// The registry name, or `None` for an unregistered value.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }

            /// The short name strongSwan's charon uses in message summaries
            /// (the registry name where charon has no shorter one), or
            /// `None` for an unregistered value.
            #[must_use]
            pub const fn summary_name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(codepoints!(@short $text $($short)?)),)*
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

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
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

mod config;
mod eap;
mod exchange;
mod ident;
mod notify;
mod transform;

pub use config::{CfgType, ConfigAttributeType, TsType};
pub use eap::{EapCode, EapType};
pub use exchange::{ExchangeType, PayloadType, ProtocolId};
pub use ident::{AuthMethod, CertEncoding, HashAlgorithm, IdType};
pub use notify::NotifyType;
pub use transform::{EncrId, EsnId, IntegId, KeId, PrfId, TransformAttributeType, TransformType};

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
    fn notify_types_have_iana_and_charon_summary_names() {
        let natd = NotifyType::NAT_DETECTION_SOURCE_IP;
        assert_eq!(natd.name(), Some("NAT_DETECTION_SOURCE_IP"));
        assert_eq!(natd.summary_name(), Some("NATD_S_IP"));
        assert_eq!(NotifyType::COOKIE.summary_name(), Some("COOKIE"));
        assert_eq!(NotifyType(40000).summary_name(), None);
    }

    #[test]
    fn notify_types_below_16384_are_errors() {
        assert!(NotifyType::UNSUPPORTED_CRITICAL_PAYLOAD.is_error());
        assert!(NotifyType(16383).is_error());
        assert!(!NotifyType::INITIAL_CONTACT.is_error());
        let errors = NotifyType::ALL.iter().filter(|n| n.is_error()).count();
        assert_eq!(errors, 25);
    }

    #[test]
    fn registries_list_each_value_once() {
        let mut values: Vec<u16> = NotifyType::ALL.iter().map(|n| n.0).collect();
        values.dedup();
        assert_eq!(values.len(), NotifyType::ALL.len());
        assert!(values.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn aead_algorithms_are_flagged() {
        assert!(EncrId::AES_GCM_16.is_aead());
        assert!(EncrId::CHACHA20_POLY1305.is_aead());
        assert!(!EncrId::AES_CBC.is_aead());
    }
}
