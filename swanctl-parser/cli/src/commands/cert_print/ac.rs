//! X.509 attribute certificates (RFC 5755): what strongSwan's x509 plugin
//! extracts and `print_ac()`.

use std::fmt::Write as _;

use super::Validity;
use super::fmt::{general_names, hex, oid_string, skip_zero};
use super::time::asn1_time;
use crate::der::{self, INTEGER, OCTET_STRING, OID, SEQUENCE, Tlv};

/// id-aca-group.
const GROUP: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x0a, 0x04];

/// A group of the ietfAttrSyntax.
#[derive(Debug)]
enum Group {
    Octets(Vec<u8>),
    Oid(Vec<u8>),
    Text(Vec<u8>),
}

#[derive(Debug, Default)]
pub(crate) struct Ac {
    /// entityName, else the holder's serial as a key ID (`%Y`).
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) validity: Validity,
    serial: Vec<u8>,
    holder_issuer: Option<String>,
    holder_serial: Option<Vec<u8>>,
    groups: Vec<Group>,
    auth_key_id: Option<Vec<u8>>,
}

fn children(data: &[u8]) -> Option<Vec<Tlv<'_>>> {
    der::children(data)
}

/// `parse_directoryName()`: the first general name (logged when missing
/// or when there are more).
fn first_name(contents: &[u8]) -> Option<String> {
    let mut names = general_names(contents).into_iter();
    let Some(first) = names.next() else {
        crate::log::dbg1("no directoryName found");
        return None;
    };
    if names.next().is_some() {
        crate::log::dbg1("more than one directory name - first selected");
    }
    Some(first)
}

/// `%Y` of an ID_KEY_ID.
fn key_id(id: &[u8]) -> String {
    if id.len() != 20 && id.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        id.iter().map(|&b| char::from(b)).collect()
    } else {
        hex(id)
    }
}

impl Ac {
    pub(crate) fn parse(data: &[u8]) -> Option<Self> {
        let outer = children(der::single(data, SEQUENCE)?.value)?;
        let info = children(outer.first().filter(|i| i.tag == SEQUENCE)?.value)?;
        let mut fields = info.iter().peekable();
        let version = fields
            .next_if(|f| f.tag == INTEGER)
            .map_or(1, |v| 1 + v.value.first().map_or(0, |&b| u32::from(b)));
        if version != 2 {
            crate::log::dbg1(&format!(
                "v{version} attribute certificates are not supported"
            ));
            return None;
        }
        let mut ac = Self::default();
        let mut entity = None;
        for part in children(fields.next().filter(|h| h.tag == SEQUENCE)?.value)? {
            match part.tag {
                0xa0 => {
                    let base = children(part.value)?;
                    let issuer = base.first().filter(|i| i.tag == SEQUENCE)?;
                    ac.holder_issuer = Some(first_name(issuer.value)?);
                    let serial = base.get(1).filter(|s| s.tag == INTEGER)?;
                    ac.holder_serial = Some(serial.value.to_vec());
                }
                0xa1 => entity = Some(first_name(part.value)?),
                _ => {}
            }
        }
        let v2form = fields.next().filter(|f| f.tag == 0xa0)?;
        let issuer = children(v2form.value)?
            .into_iter()
            .find(|i| i.tag == SEQUENCE);
        ac.issuer = match issuer {
            Some(names) => first_name(names.value)?,
            None => "(null)".to_owned(),
        };
        let _signature = fields.next().filter(|f| f.tag == SEQUENCE)?;
        ac.serial = fields.next().filter(|f| f.tag == INTEGER)?.value.to_vec();
        let period = children(fields.next().filter(|f| f.tag == SEQUENCE)?.value)?;
        let time = |i: usize| {
            let t = period.get(i).filter(|t| t.tag == 0x18)?;
            asn1_time(t.tag, t.value)
        };
        ac.validity = Validity {
            not_before: time(0)?,
            not_after: time(1)?,
        };
        for attribute in children(fields.next().filter(|f| f.tag == SEQUENCE)?.value)? {
            let parts = children(attribute.value)?;
            if parts
                .first()
                .is_some_and(|t| t.tag == OID && t.value == GROUP)
            {
                for value in parts
                    .get(1)
                    .map(|s| children(s.value))
                    .unwrap_or_default()?
                {
                    ac.groups.extend(groups(&value)?);
                }
            }
        }
        // strongSwan's template has no OPTIONAL on the extensions
        let Some(extensions) = fields.next() else {
            crate::log::dbg1("L2 - extensions:  ASN.1 object smaller than 2 octets");
            return None;
        };
        if extensions.tag == SEQUENCE {
            for ext in children(extensions.value)? {
                let parts = children(ext.value)?;
                let value = parts.last().filter(|v| v.tag == OCTET_STRING)?;
                if parts.first().is_some_and(|o| o.value == [0x55, 0x1d, 0x23]) {
                    let aki = children(der::single(value.value, SEQUENCE)?.value)?;
                    ac.auth_key_id = aki.iter().find(|t| t.tag == 0x80).map(|t| t.value.to_vec());
                }
            }
        }
        ac.subject = match entity {
            Some(entity) => entity,
            None => ac
                .holder_serial
                .as_deref()
                .map_or_else(|| "(null)".into(), key_id),
        };
        Some(ac)
    }

    /// `print_ac()`.
    pub(crate) fn print(&self, out: &mut String) {
        let _ = writeln!(out, "  serial:    {}", hex(skip_zero(&self.serial)));
        if let Some(issuer) = &self.holder_issuer {
            let _ = writeln!(out, "  hissuer:  \"{issuer}\"");
        }
        if let Some(serial) = &self.holder_serial {
            let _ = writeln!(out, "  hserial:   {}", hex(skip_zero(serial)));
        }
        let printable = |v: &[u8]| v.iter().all(|&b| (0x20..0x7f).contains(&b));
        let shown = self.groups.iter().filter(|g| match g {
            Group::Text(t) => printable(t),
            _ => true,
        });
        for (i, group) in shown.enumerate() {
            out.push_str(if i == 0 {
                "  groups:    "
            } else {
                "             "
            });
            match group {
                Group::Text(t) => out.extend(t.iter().map(|&b| char::from(b))),
                Group::Oid(oid) => match oid_string(oid) {
                    Some(dotted) => out.push_str(&dotted),
                    None => {
                        let _ = write!(out, "OID:{}", hex(oid));
                    }
                },
                Group::Octets(o) => out.push_str(&hex(o)),
            }
            out.push('\n');
        }
        if let Some(aki) = &self.auth_key_id {
            let _ = writeln!(out, "  authkey:  {}", hex(aki));
        }
    }
}

/// The values of an ietfAttrSyntax.
fn groups(syntax: &Tlv<'_>) -> Option<Vec<Group>> {
    let parts = children(der::single(syntax.raw, SEQUENCE)?.value)?;
    let values = parts.iter().find(|p| p.tag == SEQUENCE)?;
    Some(
        children(values.value)?
            .iter()
            .filter_map(|v| match v.tag {
                OCTET_STRING => Some(Group::Octets(v.value.to_vec())),
                OID => Some(Group::Oid(v.value.to_vec())),
                0x0c => Some(Group::Text(v.value.to_vec())),
                _ => None,
            })
            .collect(),
    )
}
