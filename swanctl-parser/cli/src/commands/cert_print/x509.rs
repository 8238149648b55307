//! X.509 certificates: what strongSwan's x509 plugin extracts from one and
//! how the certificate printer shows it (`print_x509`).

use super::addr_blocks;
use super::ext::{distribution_points, supported, unsupported_critical};
use super::fmt::{general_name, general_names, sane};
use super::time::asn1_time;
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
/// Not printed, but make the `flags:` line appear.
const IKE_COMPLIANT: u32 = 1 << 8;
const IP_ADDR_BLOCKS: u32 = 1 << 9;

pub(super) const FLAG_NAMES: [(u32, &str); 8] = [
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
pub(super) struct Policy {
    pub(super) oid: Vec<u8>,
    pub(super) cps: Option<String>,
    pub(super) notice: Option<String>,
}

/// The parts of a certificate the printer shows.
#[derive(Debug, Default)]
pub(crate) struct X509 {
    pub(crate) subject: Vec<u8>,
    pub(crate) issuer: Vec<u8>,
    pub(crate) validity: Validity,
    pub(crate) spki: Vec<u8>,
    pub(super) serial: Vec<u8>,
    pub(super) sans: Vec<String>,
    pub(super) flags: u32,
    pub(super) crl_uris: Vec<(String, Option<String>)>,
    pub(super) ocsp_uris: Vec<String>,
    pub(super) pathlen: Option<u32>,
    pub(super) permitted: Vec<String>,
    pub(super) excluded: Vec<String>,
    pub(super) policies: Vec<Policy>,
    pub(super) mappings: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) require_explicit: Option<u32>,
    pub(super) inhibit_mapping: Option<u32>,
    pub(super) inhibit_any: Option<u32>,
    pub(super) auth_key_id: Option<Vec<u8>>,
    pub(super) subject_key_id: Option<Vec<u8>>,
    /// RFC 3779 address blocks, if the extension is there.
    pub(super) addr_blocks: Option<Vec<String>>,
    /// An extension the x509 plugin refuses.
    broken: bool,
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
        // no certificate without a public key strongSwan can load
        if Spki::parse(spki.raw).is_none() {
            if !Spki::known_algorithm(spki.raw) {
                crate::log::dbg1("unsupported public key algorithm");
            }
            return None;
        }
        let times = tlvs(validity.value);
        let [nb, na] = times.as_slice() else {
            return None;
        };
        let mut cert = Self {
            subject: subject.raw.to_vec(),
            issuer: issuer.raw.to_vec(),
            validity: Validity {
                not_before: asn1_time(nb.tag, nb.value)?,
                not_after: asn1_time(na.tag, na.value)?,
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
        if cert.broken {
            return None;
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
        } else if oid == [PKIX, &[0x01, 0x07]].concat() {
            match addr_blocks::parse(value) {
                Some(blocks) => {
                    self.addr_blocks = Some(blocks);
                    self.flags |= IP_ADDR_BLOCKS;
                }
                None => self.broken = true,
            }
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
}
