//! X.509 CRLs: what strongSwan's x509 plugin extracts and `print_crl()`.

use std::fmt::Write as _;

use super::Validity;
use super::ext::{distribution_points, print_cdps};
use super::fmt::{hex, skip_zero};
use super::time::{asn1_time, time};
use crate::der::{self, INTEGER, OCTET_STRING, OID, SEQUENCE, Tlv};

/// `crl_reason_names`.
const REASONS: [&str; 9] = [
    "unspecified",
    "key compromise",
    "ca compromise",
    "affiliation changed",
    "superseded",
    "cessation of operation",
    "certificate hold",
    "reason #7",
    "remove from crl",
];

#[derive(Debug, Default)]
pub(crate) struct Crl {
    pub(crate) issuer: Vec<u8>,
    /// `None` without nextUpdate (then no dates are printed).
    pub(crate) validity: Option<Validity>,
    number: Vec<u8>,
    delta_base: Option<Vec<u8>>,
    auth_key_id: Vec<u8>,
    /// freshestCRL: where delta CRLs are.
    freshest: Vec<(String, Option<String>)>,
    /// serial, revocation time, reason code.
    revoked: Vec<(Vec<u8>, i64, u8)>,
}

fn is_time(t: &Tlv<'_>) -> bool {
    t.tag == 0x17 || t.tag == 0x18
}

impl Crl {
    pub(crate) fn parse(data: &[u8]) -> Option<Self> {
        let list = der::single(data, SEQUENCE)?;
        let (tbs, _) = der::read(list.value).filter(|(t, _)| t.tag == SEQUENCE)?;
        let fields = der::children(tbs.value)?;
        let mut fields = fields.iter().peekable();
        if fields.peek().is_some_and(|f| f.tag == INTEGER) {
            fields.next();
        }
        let _sig_alg = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let issuer = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let this_update = fields.next().filter(|f| is_time(f))?;
        let this_update = asn1_time(this_update.tag, this_update.value)?;
        let mut crl = Self {
            issuer: issuer.raw.to_vec(),
            ..Self::default()
        };
        if let Some(next) = fields.next_if(|f| is_time(f)) {
            crl.validity = Some(Validity {
                not_before: this_update,
                not_after: asn1_time(next.tag, next.value)?,
            });
        }
        if let Some(revoked) = fields.next_if(|f| f.tag == SEQUENCE) {
            for entry in der::children(revoked.value)? {
                crl.revoked.push(revoked_entry(&entry)?);
            }
        }
        for exts in fields.filter(|f| f.tag == 0xa0) {
            for ext in der::children(der::single(exts.value, SEQUENCE)?.value)? {
                let parts = der::children(ext.value)?;
                let oid = parts.first().filter(|p| p.tag == OID)?.value;
                let value = parts.last().filter(|p| p.tag == OCTET_STRING)?.value;
                match oid {
                    [0x55, 0x1d, 0x14] => crl.number = der::single(value, INTEGER)?.value.to_vec(),
                    [0x55, 0x1d, 0x1b] => {
                        crl.delta_base = Some(der::single(value, INTEGER)?.value.to_vec());
                    }
                    [0x55, 0x1d, 0x2e] => crl.freshest = distribution_points(value),
                    [0x55, 0x1d, 0x23] => {
                        let aki = der::children(der::single(value, SEQUENCE)?.value)?;
                        if let Some(id) = aki.iter().find(|t| t.tag == 0x80) {
                            crl.auth_key_id = id.value.to_vec();
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(crl)
    }

    /// `print_crl()`.
    pub(crate) fn print(&self, out: &mut String, detailed: bool, utc: bool) {
        let _ = writeln!(out, "  serial:    {}", hex(skip_zero(&self.number)));
        if let Some(base) = &self.delta_base {
            let _ = writeln!(out, "  delta CRL: for serial {}", hex(skip_zero(base)));
        }
        let _ = writeln!(out, "  authKeyId: {}", hex(&self.auth_key_id));
        print_cdps(out, &self.freshest, "  freshest:  ", "             ");
        let count = self.revoked.len();
        let _ = writeln!(
            out,
            "  {count} revoked certificate{}{}",
            if count == 1 { "" } else { "s" },
            if count > 0 && detailed { ":" } else { "" }
        );
        if detailed {
            for (serial, at, reason) in &self.revoked {
                let reason = reason_name(*reason);
                let _ = writeln!(
                    out,
                    "    {}: {}, {reason}",
                    hex(skip_zero(serial)),
                    time(*at, utc)
                );
            }
        }
    }
}

/// `%N` of `crl_reason_names`.
pub(super) fn reason_name(reason: u8) -> String {
    REASONS
        .get(usize::from(reason))
        .map_or_else(|| format!("({reason})"), |r| (*r).to_owned())
}

/// One revokedCertificates entry: serial, date and reasonCode (default
/// unspecified).
fn revoked_entry(entry: &Tlv<'_>) -> Option<(Vec<u8>, i64, u8)> {
    let parts = der::children(entry.value)?;
    let serial = parts.first().filter(|p| p.tag == INTEGER)?;
    let date = parts.get(1).filter(|p| is_time(p))?;
    let mut reason = 0;
    if let Some(exts) = parts.get(2) {
        for ext in der::children(exts.value)? {
            let p = der::children(ext.value)?;
            if p.first().is_some_and(|o| o.value == [0x55, 0x1d, 0x15])
                && let Some(v) = p.last().and_then(|v| der::single(v.value, 0x0a))
            {
                reason = v.value.first().copied().unwrap_or(0);
            }
        }
    }
    Some((
        serial.value.to_vec(),
        asn1_time(date.tag, date.value)?,
        reason,
    ))
}
