//! Payload lists as charon prints them in its "parsed ... [ SA KE No ]"
//! log lines, so our logs and tests read like strongSwan's.

use core::fmt::Write;

use super::iana::PayloadType;
use super::payload::Payload;

impl Payload {
    /// charon's token for this payload: the payload's short name, with the
    /// notify type for Notify (`N(NATD_S_IP)`), code and method for EAP
    /// (`EAP/REQ/ID`), CFG type and attributes for CP (`CPRQ(ADDR DNS)`)
    /// and the fragment position for SKF (`EF(1/3)`). Unregistered values
    /// print as numbers.
    #[must_use]
    pub fn summary(&self) -> String {
        let ty = self.payload_type();
        let mut out = match (self, ty.summary_name()) {
            (Self::Unknown { .. }, None) => format!("UNKN({})", ty.0),
            (_, Some(name)) => name.to_owned(),
            (_, None) => format!("({})", ty.0),
        };
        let _ = self.write_details(&mut out);
        out
    }

    fn write_details(&self, out: &mut String) -> core::fmt::Result {
        match self {
            Self::Notify(n) => match n.ty.summary_name() {
                Some(name) => write!(out, "({name})"),
                None => write!(out, "({})", n.ty.0),
            },
            Self::Eap(eap) => {
                write_name(out, "/", eap.code.summary_name(), eap.code.0)?;
                match &eap.method {
                    Some(m) => write_name(out, "/", m.ty.summary_name(), m.ty.0),
                    None => Ok(()),
                }
            }
            Self::Cp(cp) => {
                for (i, attr) in cp.attributes.iter().enumerate() {
                    if i == 0 {
                        write_name(out, "", cp.ty.summary_name(), cp.ty.0)?;
                    }
                    let sep = if i == 0 { "(" } else { " " };
                    write_name(out, sep, attr.ty.summary_name(), attr.ty.0)?;
                }
                if cp.attributes.is_empty() {
                    Ok(())
                } else {
                    out.write_str(")")
                }
            }
            Self::Skf(f) => write!(out, "({}/{})", f.number, f.total),
            _ => Ok(()),
        }
    }
}

fn write_name(
    out: &mut String,
    prefix: &str,
    name: Option<&str>,
    value: impl core::fmt::Display,
) -> core::fmt::Result {
    match name {
        Some(name) => write!(out, "{prefix}{name}"),
        None => write!(out, "{prefix}{value}"),
    }
}

/// A payload list in charon's brackets: `[ SA KE No ]`, `[ ]` when empty.
#[must_use]
pub fn chain_summary(payloads: &[Payload]) -> String {
    let mut out = String::from("[");
    for payload in payloads {
        out.push(' ');
        out.push_str(&payload.summary());
    }
    out.push_str(" ]");
    out
}

/// The summary token of a bare payload type (what an encrypted chain shows
/// from outside).
#[must_use]
pub fn type_summary(ty: PayloadType) -> String {
    ty.summary_name()
        .map_or_else(|| format!("UNKN({})", ty.0), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::cp::{ConfigAttribute, Configuration};
    use crate::wire::eap::{Eap, EapMethod};
    use crate::wire::iana::{CfgType, ConfigAttributeType, EapCode, EapType, NotifyType};
    use crate::wire::notify::Notify;
    use crate::wire::sk::EncryptedFragment;

    #[test]
    fn prints_payloads_like_charon() {
        let cp = Configuration {
            ty: CfgType::REQUEST,
            attributes: vec![
                ConfigAttribute {
                    ty: ConfigAttributeType::INTERNAL_IP4_ADDRESS,
                    value: vec![],
                },
                ConfigAttribute {
                    ty: ConfigAttributeType::INTERNAL_IP4_DNS,
                    value: vec![],
                },
            ],
        };
        let eap = Eap {
            code: EapCode::REQUEST,
            identifier: 1,
            method: Some(EapMethod {
                ty: EapType::IDENTITY,
                data: vec![],
            }),
        };
        let skf = EncryptedFragment {
            number: 1,
            total: 3,
            ..EncryptedFragment::default()
        };
        let payloads = vec![
            Payload::Notify(Notify::new(NotifyType::NAT_DETECTION_SOURCE_IP, vec![])),
            Payload::Notify(Notify::new(NotifyType(40_000), vec![])),
            Payload::Cp(cp),
            Payload::Eap(eap),
            Payload::Unknown {
                ty: PayloadType(200),
                critical: false,
                body: vec![],
            },
            Payload::Skf(skf),
        ];
        let expected = "[ N(NATD_S_IP) N(40000) CPRQ(ADDR DNS) EAP/REQ/ID UNKN(200) EF(1/3) ]";
        assert_eq!(chain_summary(&payloads), expected);
        assert_eq!(chain_summary(&[]), "[ ]");
        assert_eq!(type_summary(PayloadType::SK), "SK");
    }
}
