//! X.509 extension helpers shared by certificates and CRLs: which
//! critical extensions strongSwan accepts, and distribution point URIs.

use std::fmt::Write as _;

use super::fmt::{general_names, oid_string};
use crate::der::{self, SEQUENCE, Tlv};

fn tlvs(data: &[u8]) -> Vec<Tlv<'_>> {
    der::children(data).unwrap_or_default()
}

/// Whether the x509 plugin parses this extension (others must not be
/// critical).
pub(super) fn supported(oid: &[u8]) -> bool {
    const PKIX_PE: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01];
    const NETSCAPE: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x01];
    match oid {
        [0x55, 0x1d, n] => matches!(
            n,
            0x0e | 0x0f | 0x11 | 0x13 | 0x1e | 0x1f | 0x20 | 0x21 | 0x23 | 0x24 | 0x25 | 0x36
        ),
        // authorityInfoAccess, ipAddrBlocks
        _ if oid.starts_with(PKIX_PE) => matches!(&oid[PKIX_PE.len()..], [1] | [7]),
        // the Netscape revocation/policy URLs and comment
        _ if oid.starts_with(NETSCAPE) => matches!(&oid[NETSCAPE.len()..], [3] | [4] | [8] | [13]),
        _ => false,
    }
}

/// What the x509 plugin and then the openssl plugin log for a critical
/// extension neither parses: strongSwan's name of an id-ce extension, else
/// `unknown`; openssl's dotted OID.
pub(super) fn unsupported_critical(oid: &[u8]) {
    const ID_CE: [(u8, &str); 12] = [
        (0x09, "subjectDirectoryAttrs"),
        (0x10, "privateKeyUsagePeriod"),
        (0x12, "issuerAltName"),
        (0x14, "crlNumber"),
        (0x15, "reasonCode"),
        (0x17, "holdInstructionCode"),
        (0x18, "invalidityDate"),
        (0x1b, "deltaCrlIndicator"),
        (0x1c, "issuingDistributionPoint"),
        (0x1d, "certificateIssuer"),
        (0x2e, "freshestCRL"),
        (0x37, "targetInformation"),
    ];
    let name = match oid {
        [0x55, 0x1d, n] => ID_CE.iter().find(|(c, _)| c == n).map(|(_, name)| *name),
        _ => None,
    };
    crate::log::dbg1(&format!(
        "critical '{}' extension not supported",
        name.unwrap_or("unknown")
    ));
    let dotted = oid_string(oid).unwrap_or_default();
    crate::log::dbg1(&format!(
        "found unsupported critical X.509 extension: {dotted}"
    ));
}

/// The URIs of crlDistributionPoints (and freshestCRL): each pair of a
/// distribution point's URIs (last first, as `add_cdps()` takes them) and
/// its CRL issuers.
pub(super) fn distribution_points(value: &[u8]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for dp in der::single(value, SEQUENCE)
        .map(|s| tlvs(s.value))
        .unwrap_or_default()
    {
        let (mut uris, mut issuers) = (Vec::new(), Vec::new());
        for part in tlvs(dp.value) {
            match part.tag {
                0xa0 => {
                    for name in tlvs(part.value).iter().filter(|n| n.tag == 0xa0) {
                        uris.extend(general_names(name.value));
                    }
                }
                0xa2 => issuers.extend(general_names(part.value)),
                _ => {}
            }
        }
        for uri in uris.into_iter().rev().filter(|u| !u.is_empty()) {
            if issuers.is_empty() {
                out.push((uri, None));
            } else {
                for issuer in &issuers {
                    out.push((uri.clone(), Some(issuer.clone())));
                }
            }
        }
    }
    out
}

/// The lines of a URI list with optional CRL issuers: `<head><uri>`
/// first, then `<indent><uri>`.
pub(super) fn print_cdps(
    out: &mut String,
    cdps: &[(String, Option<String>)],
    head: &str,
    indent: &str,
) {
    for (i, (uri, issuer)) in cdps.iter().enumerate() {
        let _ = write!(out, "{}{uri}", if i == 0 { head } else { indent });
        if let Some(issuer) = issuer {
            let _ = write!(out, " (CRL issuer: {issuer})");
        }
        out.push('\n');
    }
}
