//! OCSP responses (RFC 6960): what strongSwan's x509 plugin extracts and
//! `print_ocsp_response()`.

use std::fmt::Write as _;

use super::Validity;
use super::crl::reason_name;
use super::fmt::{dn, hex, sane, skip_zero};
use super::time::{asn1_time, time};
use crate::der::{self, INTEGER, OCTET_STRING, OID, SEQUENCE, Tlv};

/// id-pkix-ocsp-basic.
const BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
/// strongSwan's lifetime of a response without nextUpdate.
const DEFAULT_LIFETIME: i64 = 30;

/// A single response's certificate status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Good,
    /// Revocation time and reason.
    Revoked(i64, u8),
    Unknown,
}

#[derive(Debug)]
pub(crate) struct OcspResponse {
    /// The responder ID as `%Y` prints it.
    pub(crate) responder: String,
    /// producedAt and the last nextUpdate (`usableUntil`).
    pub(crate) validity: Validity,
    responses: Vec<(Vec<u8>, Status)>,
}

fn children(data: &[u8]) -> Option<Vec<Tlv<'_>>> {
    der::children(data)
}

impl OcspResponse {
    /// A successful basic OCSP response; `None` otherwise (an unsuccessful
    /// status is logged as strongSwan logs it).
    pub(crate) fn parse(data: &[u8]) -> Option<Self> {
        let outer = children(der::single(data, SEQUENCE)?.value)?;
        let status = outer.first().filter(|s| s.tag == 0x0a)?;
        let code = *status.value.first()?;
        if code != 0 {
            crate::log::dbg1(&format!("  ocsp response status: {}", status_name(code)));
            return None;
        }
        let bytes = outer.get(1).filter(|b| b.tag == 0xa0)?;
        let bytes = children(der::single(bytes.value, SEQUENCE)?.value)?;
        let (kind, response) = (bytes.first()?, bytes.get(1)?);
        if kind.tag != OID || kind.value != BASIC || response.tag != OCTET_STRING {
            return None;
        }
        let basic = children(der::single(response.value, SEQUENCE)?.value)?;
        let tbs = children(basic.first().filter(|t| t.tag == SEQUENCE)?.value)?;
        let mut fields = tbs.iter().peekable();
        fields.next_if(|f| f.tag == 0xa0);
        let responder = match fields.next_if(|f| f.tag == 0xa1 || f.tag == 0xa2) {
            Some(id) if id.tag == 0xa1 => dn(der::single(id.value, SEQUENCE)?.raw),
            Some(id) => key_id(der::single(id.value, OCTET_STRING)?.value),
            None => "%any".to_owned(),
        };
        let produced = fields.next().filter(|f| f.tag == 0x18)?;
        let produced = asn1_time(produced.tag, produced.value)?;
        let list = fields.next().filter(|f| f.tag == SEQUENCE)?;
        // as the x509 plugin: the largest nextUpdate so far, else 30 s
        // after producedAt from the first response on
        let mut usable_until = None::<i64>;
        let mut responses = Vec::new();
        for single in children(list.value)? {
            let (serial, status, next) = single_response(&single)?;
            if let Some(next) = next.filter(|n| *n > usable_until.unwrap_or(0)) {
                usable_until = Some(next);
            }
            usable_until = usable_until.or(Some(produced + DEFAULT_LIFETIME));
            responses.push((serial, status));
        }
        Some(Self {
            responder,
            validity: Validity {
                not_before: produced,
                not_after: usable_until.unwrap_or(produced + DEFAULT_LIFETIME),
            },
            responses,
        })
    }

    /// `print_ocsp_response()`: the responses, with `--short` nothing.
    pub(crate) fn print(&self, out: &mut String, detailed: bool, utc: bool) {
        if !detailed {
            return;
        }
        out.push_str("  responses: ");
        for (i, (serial, status)) in self.responses.iter().enumerate() {
            if i > 0 {
                out.push_str("             ");
            }
            let text = match status {
                Status::Good => "good",
                Status::Revoked(..) => "revoked",
                Status::Unknown => "unknown",
            };
            let _ = write!(out, "{}: {text}", hex(skip_zero(serial)));
            if let Status::Revoked(at, reason) = status {
                let _ = write!(out, " on {}, {}", time(*at, utc), reason_name(*reason));
            }
            out.push('\n');
        }
    }
}

/// `%Y` of an ID_KEY_ID: the text if printable and not SHA-1 sized, else
/// `%#B`.
fn key_id(id: &[u8]) -> String {
    if id.len() != 20 && id.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        sane(id)
    } else {
        hex(id)
    }
}

/// serialNumber, certStatus and nextUpdate of a SingleResponse.
fn single_response(single: &Tlv<'_>) -> Option<(Vec<u8>, Status, Option<i64>)> {
    let parts = children(single.value)?;
    let cert_id = children(parts.first().filter(|p| p.tag == SEQUENCE)?.value)?;
    let serial = cert_id.get(3).filter(|s| s.tag == INTEGER)?.value.to_vec();
    let status = match parts.get(1)? {
        s if s.tag == 0x80 => Status::Good,
        s if s.tag == 0xa1 => {
            let info = children(s.value)?;
            let at = info.first().filter(|t| t.tag == 0x18)?;
            let reason = info
                .get(1)
                .filter(|r| r.tag == 0xa0)
                .and_then(|r| der::single(r.value, 0x0a))
                .and_then(|e| match e.value {
                    [code] => Some(*code),
                    _ => None,
                })
                .unwrap_or(0);
            Status::Revoked(asn1_time(at.tag, at.value)?, reason)
        }
        _ => Status::Unknown,
    };
    let next = parts
        .iter()
        .skip(3)
        .find(|p| p.tag == 0xa0)
        .and_then(|p| der::single(p.value, 0x18))
        .and_then(|t| asn1_time(t.tag, t.value));
    Some((serial, status, next))
}

/// `ocsp_status_names`.
fn status_name(code: u8) -> String {
    const NAMES: [&str; 7] = [
        "successful",
        "malformed request",
        "internal error",
        "try later",
        "status #4",
        "signature required",
        "unauthorized",
    ];
    NAMES
        .get(usize::from(code))
        .map_or_else(|| format!("({code})"), |n| (*n).to_owned())
}
