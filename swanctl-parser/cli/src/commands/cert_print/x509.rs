//! X.509 certificates: what strongSwan's x509 plugin extracts from one and
//! how the certificate printer shows it (`print_x509`).

use std::fmt::Write as _;

use super::fmt::{general_name, general_names, hex, oid_string, sane, skip_zero};
use super::{Spki, Validity};
use crate::der::{self, INTEGER, OCTET_STRING, OID, SEQUENCE, Tlv};

// x509_flag_t bits that can come out of a parsed certificate.
const CA: u32 = 1;
const CRL_SIGN: u32 = 1 << 1;
const OCSP_SIGNER: u32 = 1 << 2;
const SERVER_AUTH: u32 = 1 << 3;
const CLIENT_AUTH: u32 = 1 << 4;
const IKE_INTERMEDIATE: u32 = 1 << 5;
const MS_SMARTCARD_LOGON: u32 = 1 << 6;
const SELF_SIGNED: u32 = 1 << 7;
/// Not printed, but makes the `flags:` line appear.
const IKE_COMPLIANT: u32 = 1 << 8;

const FLAG_NAMES: [(u32, &str); 8] = [
    (CA, "CA "),
    (CRL_SIGN, "CRLSign "),
    (OCSP_SIGNER, "ocspSigning "),
    (SERVER_AUTH, "serverAuth "),
    (CLIENT_AUTH, "clientAuth "),
    (IKE_INTERMEDIATE, "ikeIntermediate "),
    (MS_SMARTCARD_LOGON, "msSmartcardLogon"),
    (SELF_SIGNED, "self-signed "),
];

const PKIX: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07];

/// A policy of certificatePolicies.
#[derive(Debug, Default)]
struct Policy {
    oid: Vec<u8>,
    cps: Option<String>,
    notice: Option<String>,
}

/// The parts of a certificate the printer shows.
#[derive(Debug, Default)]
pub(crate) struct X509 {
    pub(crate) subject: Vec<u8>,
    pub(crate) issuer: Vec<u8>,
    pub(crate) validity: Validity,
    pub(crate) spki: Vec<u8>,
    serial: Vec<u8>,
    sans: Vec<String>,
    flags: u32,
    crl_uris: Vec<(String, Option<String>)>,
    ocsp_uris: Vec<String>,
    pathlen: Option<u32>,
    permitted: Vec<String>,
    excluded: Vec<String>,
    policies: Vec<Policy>,
    mappings: Vec<(Vec<u8>, Vec<u8>)>,
    require_explicit: Option<u32>,
    inhibit_mapping: Option<u32>,
    inhibit_any: Option<u32>,
    auth_key_id: Option<Vec<u8>>,
    subject_key_id: Option<Vec<u8>>,
}

/// Whether the x509 plugin parses this extension (others must not be
/// critical).
fn supported(oid: &[u8]) -> bool {
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
fn unsupported_critical(oid: &[u8]) {
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

/// `parse_constraint()`: a one-octet non-negative INTEGER, 0 if empty.
fn constraint(value: &[u8]) -> Option<u32> {
    match value {
        [] => Some(0),
        [b] if b & 0x80 == 0 => Some(u32::from(*b)),
        _ => None,
    }
}

fn tlvs(data: &[u8]) -> Vec<Tlv<'_>> {
    der::children(data).unwrap_or_default()
}

impl X509 {
    /// Parses a DER certificate; `None` if it is not one.
    pub(crate) fn parse(data: &[u8]) -> Option<Self> {
        let cert = der::single(data, SEQUENCE)?;
        let (tbs, _) = der::read(cert.value).filter(|(t, _)| t.tag == SEQUENCE)?;
        let mut fields = tlvs(tbs.value).into_iter().peekable();
        if fields.peek().is_some_and(|f| f.tag == 0xa0) {
            fields.next();
        }
        let serial = fields.next().filter(|f| f.tag == INTEGER)?;
        let _sig_alg = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let issuer = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let validity = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let subject = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let spki = fields.next().filter(|f| f.tag == SEQUENCE)?;
        let times = tlvs(validity.value);
        let [nb, na] = times.as_slice() else {
            return None;
        };
        let mut cert = Self {
            subject: subject.raw.to_vec(),
            issuer: issuer.raw.to_vec(),
            validity: Validity {
                not_before: super::fmt::asn1_time(nb.tag, nb.value)?,
                not_after: super::fmt::asn1_time(na.tag, na.value)?,
            },
            spki: spki.raw.to_vec(),
            serial: serial.value.to_vec(),
            flags: IKE_COMPLIANT,
            ..Self::default()
        };
        for field in fields.filter(|f| f.tag == 0xa3) {
            let exts = der::single(field.value, SEQUENCE)?;
            for ext in tlvs(exts.value) {
                let parts = tlvs(ext.value);
                let oid = parts.first().filter(|p| p.tag == OID)?;
                let value = parts.last().filter(|p| p.tag == OCTET_STRING)?;
                let critical = parts.iter().any(|p| p.tag == 0x01 && p.value != [0]);
                if critical && !supported(oid.value) {
                    unsupported_critical(oid.value);
                    return None;
                }
                cert.extension(oid.value, value.value);
            }
        }
        if cert.issuer == cert.subject {
            let ski = Spki::parse(&cert.spki).map(|k| k.subject_key_id());
            let own = cert.subject_key_id.clone().or(ski);
            match &cert.auth_key_id {
                Some(aki) if own.as_ref() != Some(aki) => {}
                _ => cert.flags |= SELF_SIGNED,
            }
        }
        Some(cert)
    }

    fn extension(&mut self, oid: &[u8], value: &[u8]) {
        let id_ce = |n: u8| oid == [0x55, 0x1d, n];
        if id_ce(0x0e) {
            self.subject_key_id = der::single(value, OCTET_STRING).map(|t| t.value.to_vec());
        } else if id_ce(0x11) {
            if let Some(seq) = der::single(value, SEQUENCE) {
                self.sans = general_names(seq.value);
            }
        } else if id_ce(0x13) {
            self.basic_constraints(value);
        } else if id_ce(0x1f) {
            self.crl_uris = distribution_points(value);
        } else if id_ce(0x23) {
            let seq = der::single(value, SEQUENCE);
            let key_id = seq.and_then(|s| tlvs(s.value).into_iter().find(|t| t.tag == 0x80));
            self.auth_key_id = key_id.map(|t| t.value.to_vec());
        } else if oid == [PKIX, &[0x01, 0x01]].concat() {
            self.authority_info_access(value);
        } else if id_ce(0x0f) {
            self.key_usage(value);
        } else if id_ce(0x25) {
            self.extended_key_usage(value);
        } else if id_ce(0x1e) {
            self.name_constraints(value);
        } else if id_ce(0x20) {
            self.certificate_policies(value);
        } else if id_ce(0x21) {
            for m in der::single(value, SEQUENCE)
                .map(|s| tlvs(s.value))
                .unwrap_or_default()
            {
                if let [issuer, subject] = tlvs(m.value).as_slice() {
                    self.mappings
                        .push((issuer.value.to_vec(), subject.value.to_vec()));
                }
            }
        } else if id_ce(0x24) {
            for c in der::single(value, SEQUENCE)
                .map(|s| tlvs(s.value))
                .unwrap_or_default()
            {
                // strongSwan expects explicit tags ([0] { INTEGER }) and
                // skips RFC 5280's implicit ones
                let skip_certs = || der::single(c.value, INTEGER).and_then(|i| constraint(i.value));
                match c.tag {
                    0xa0 => self.require_explicit = skip_certs(),
                    0xa1 => self.inhibit_mapping = skip_certs(),
                    _ => {}
                }
            }
        } else if id_ce(0x36) {
            self.inhibit_any = der::single(value, INTEGER).and_then(|i| constraint(i.value));
        }
    }

    fn basic_constraints(&mut self, value: &[u8]) {
        let Some(seq) = der::single(value, SEQUENCE) else {
            return;
        };
        let mut ca = false;
        for t in tlvs(seq.value) {
            match t.tag {
                0x01 => {
                    ca = t.value.first().is_some_and(|&b| b != 0);
                    if ca {
                        self.flags |= CA;
                    }
                }
                INTEGER if ca => self.pathlen = constraint(t.value),
                _ => {}
            }
        }
    }

    fn key_usage(&mut self, value: &[u8]) {
        self.flags &= !IKE_COMPLIANT;
        let Some(bits) = der::single(value, 0x03) else {
            return;
        };
        let Some((&unused, bytes)) = bits.value.split_first() else {
            return;
        };
        for (i, byte) in bytes.iter().enumerate() {
            for bit in 0..8u32 {
                if i + 1 == bytes.len() && bit > 7u32.saturating_sub(u32::from(unused)) {
                    break;
                }
                if byte & (0x80 >> bit) != 0 {
                    match i * 8 + bit as usize {
                        0 | 1 => self.flags |= IKE_COMPLIANT,
                        6 => self.flags |= CRL_SIGN,
                        _ => {}
                    }
                }
            }
        }
    }

    fn extended_key_usage(&mut self, value: &[u8]) {
        let kp = |n: u8| [PKIX, &[0x03, n]].concat();
        for oid in der::single(value, SEQUENCE)
            .map(|s| tlvs(s.value))
            .unwrap_or_default()
        {
            let o = oid.value;
            if o == kp(1) {
                self.flags |= SERVER_AUTH;
            } else if o == kp(2) {
                self.flags |= CLIENT_AUTH;
            } else if o == kp(9) {
                self.flags |= OCSP_SIGNER;
            } else if o == [0x2b, 0x06, 0x01, 0x05, 0x05, 0x08, 0x02, 0x02] {
                self.flags |= IKE_INTERMEDIATE;
            } else if o == [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x02] {
                self.flags |= MS_SMARTCARD_LOGON;
            }
        }
    }

    fn authority_info_access(&mut self, value: &[u8]) {
        let ocsp = [PKIX, &[0x30, 0x01]].concat();
        for ad in der::single(value, SEQUENCE)
            .map(|s| tlvs(s.value))
            .unwrap_or_default()
        {
            if let [method, location] = tlvs(ad.value).as_slice()
                && method.value == ocsp
                && let Some(uri) = general_name(location).filter(|u| !u.is_empty())
            {
                self.ocsp_uris.push(uri);
            }
        }
    }

    fn name_constraints(&mut self, value: &[u8]) {
        let Some(seq) = der::single(value, SEQUENCE) else {
            return;
        };
        for subtrees in tlvs(seq.value) {
            let names = tlvs(subtrees.value)
                .iter()
                .filter_map(|st| tlvs(st.value).first().and_then(general_name))
                .collect::<Vec<_>>();
            match subtrees.tag {
                0xa0 => self.permitted.extend(names),
                0xa1 => self.excluded.extend(names),
                _ => {}
            }
        }
    }

    fn certificate_policies(&mut self, value: &[u8]) {
        let cps = [PKIX, &[0x02, 0x01]].concat();
        let unotice = [PKIX, &[0x02, 0x02]].concat();
        for info in der::single(value, SEQUENCE)
            .map(|s| tlvs(s.value))
            .unwrap_or_default()
        {
            let parts = tlvs(info.value);
            let Some(oid) = parts.first().filter(|p| p.tag == OID) else {
                continue;
            };
            let mut policy = Policy {
                oid: oid.value.to_vec(),
                ..Policy::default()
            };
            for qualifier in parts.get(1).map(|q| tlvs(q.value)).unwrap_or_default() {
                let q = tlvs(qualifier.value);
                let (Some(id), Some(v)) = (q.first(), q.get(1)) else {
                    continue;
                };
                if id.value == cps {
                    policy.cps = Some(sane(v.value));
                } else if id.value == unotice {
                    let text = tlvs(v.value).into_iter().find(|t| t.tag != SEQUENCE);
                    policy.notice = text.map(|t| sane(t.value));
                }
            }
            self.policies.push(policy);
        }
    }

    /// `print_x509()`.
    pub(crate) fn print(&self, out: &mut String, detailed: bool) {
        let _ = writeln!(out, "  serial:    {}", hex(skip_zero(&self.serial)));
        if !self.sans.is_empty() {
            let _ = writeln!(out, "  altNames:  {}", self.sans.join(", "));
        }
        if detailed {
            self.print_details(out);
        }
        if let Some(aki) = &self.auth_key_id {
            let _ = writeln!(out, "  authkeyId: {}", hex(aki));
        }
        let ski = self
            .subject_key_id
            .clone()
            .or_else(|| Spki::parse(&self.spki).map(|k| k.subject_key_id()));
        if let Some(ski) = ski {
            let _ = writeln!(out, "  subjkeyId: {}", hex(&ski));
        }
    }

    fn print_details(&self, out: &mut String) {
        if self.flags != 0 {
            out.push_str("  flags:     ");
            for (flag, name) in FLAG_NAMES {
                if self.flags & flag != 0 {
                    out.push_str(name);
                }
            }
            out.push('\n');
        }
        print_cdps(out, &self.crl_uris, "  CRL URIs:  ", "           ");
        for (i, uri) in self.ocsp_uris.iter().enumerate() {
            let head = if i == 0 {
                "  OCSP URIs: "
            } else {
                "           "
            };
            let _ = writeln!(out, "{head}{uri}");
        }
        if let Some(len) = self.pathlen {
            let _ = writeln!(out, "  pathlen:   {len}");
        }
        for (names, what) in [(&self.permitted, "permitted"), (&self.excluded, "excluded")] {
            if !names.is_empty() {
                let _ = writeln!(out, "  {what} nameConstraints:");
                for name in names {
                    let _ = writeln!(out, "           {name}");
                }
            }
        }
        if !self.policies.is_empty() {
            out.push_str("  certificatePolicies:\n");
        }
        for policy in &self.policies {
            let oid = oid_string(&policy.oid).unwrap_or_else(|| hex(&policy.oid));
            let _ = writeln!(out, "             {oid}");
            if let Some(cps) = &policy.cps {
                let _ = writeln!(out, "             CPS: {cps}");
            }
            if let Some(notice) = &policy.notice {
                let _ = writeln!(out, "             Notice: {notice}");
            }
        }
        if !self.mappings.is_empty() {
            out.push_str("  policyMappings:\n");
        }
        for (issuer, subject) in &self.mappings {
            let s = |o: &[u8]| oid_string(o).unwrap_or_else(|| "(null)".into());
            let _ = writeln!(out, "           {} => {}", s(issuer), s(subject));
        }
        let constraints = [
            (self.require_explicit, "requireExplicitPolicy"),
            (self.inhibit_mapping, "inhibitPolicyMapping"),
            (self.inhibit_any, "inhibitAnyPolicy"),
        ];
        if constraints.iter().any(|(c, _)| c.is_some()) {
            out.push_str("  policyConstraints:\n");
            for (c, name) in constraints {
                if let Some(c) = c {
                    let _ = writeln!(out, "           {name}: {c}");
                }
            }
        }
    }
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
