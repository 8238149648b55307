//! libstrongswan's certificate printer (`certificate_printer.c`) as
//! `swanctl --list-certs` uses it: a caption whenever the type (or X.509
//! flag) changes, then subject, issuer, validity, the type's details and
//! the public key.

mod ac;
mod addr_blocks;
mod crl;
mod ext;
pub(crate) mod fmt;
mod ocsp;
pub(crate) mod time;
mod x509;
mod x509_print;

use std::fmt::Write as _;

use sha1::{Digest, Sha1};

use crate::der::{self, OID, SEQUENCE};
use fmt::hex;
use time::{span, time};

pub(crate) use ac::Ac;
pub(crate) use crl::Crl;
pub(crate) use ocsp::OcspResponse;
pub(crate) use x509::X509;

/// The types `list-cert` events name (`certificate_type_names`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CertType {
    X509,
    Crl,
    OcspResponse,
    Ac,
    Pubkey,
    Other,
}

impl CertType {
    /// `enum_from_name(certificate_type_names)` (case-insensitive);
    /// `None` for unknown names and `ANY`.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        const NAMES: [(&str, CertType); 8] = [
            ("X509", CertType::X509),
            ("X509_CRL", CertType::Crl),
            ("OCSP_REQUEST", CertType::Other),
            ("OCSP_RESPONSE", CertType::OcspResponse),
            ("X509_AC", CertType::Ac),
            ("PUBKEY", CertType::Pubkey),
            ("PKCS10_REQUEST", CertType::Other),
            ("PGP", CertType::Other),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, t)| *t)
    }
}

/// `x509_flag_t` values a `list-cert` event names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    None,
    Ca,
    Aa,
    Ocsp,
}

impl Flag {
    /// `enum_from_name(x509_flag_names)`; `None` for unknown names and `ANY`.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        [
            ("NONE", Self::None),
            ("CA", Self::Ca),
            ("AA", Self::Aa),
            ("OCSP", Self::Ocsp),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| f)
    }
}

/// notBefore/notAfter (or thisUpdate/nextUpdate), UNIX times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Validity {
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
}

/// A subjectPublicKeyInfo of a key type strongSwan's plugins load.
pub(crate) struct Spki<'a> {
    raw: &'a [u8],
    key: &'a [u8],
    kind: &'static str,
    bits: usize,
}

impl<'a> Spki<'a> {
    /// The algorithm identifier's parts of an SPKI.
    fn algorithm(raw: &[u8]) -> Option<(Vec<der::Tlv<'_>>, der::Tlv<'_>)> {
        let spki = der::single(raw, SEQUENCE)?;
        let parts = der::children(spki.value)?;
        let [alg, bits] = parts.as_slice() else {
            return None;
        };
        Some((der::children(alg.value)?, *bits))
    }

    /// Whether the key is of a type the openssl plugin loads (RSA, EC,
    /// Ed25519, Ed448), whatever its parameters.
    pub(crate) fn known_algorithm(raw: &[u8]) -> bool {
        Self::algorithm(raw)
            .and_then(|(alg, _)| alg.first().map(|o| o.value.to_vec()))
            .is_some_and(|oid| {
                matches!(
                    oid.as_slice(),
                    [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
                        | [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
                        | [0x2b, 0x65, 0x70]
                        | [0x2b, 0x65, 0x71]
                )
            })
    }

    /// RSA, ECDSA (NIST, secp256k1, brainpool curves), Ed25519 and Ed448
    /// keys.
    pub(crate) fn parse(raw: &'a [u8]) -> Option<Self> {
        let (alg, bits) = Self::algorithm(raw)?;
        let oid = alg.first().filter(|o| o.tag == OID)?.value;
        let (&unused, key) = bits.value.split_first()?;
        if bits.tag != 0x03 || unused != 0 {
            return None;
        }
        let (kind, bits) = match oid {
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => {
                let rsa = der::children(der::single(key, SEQUENCE)?.value)?;
                let n = fmt::skip_zero(rsa.first()?.value);
                ("RSA", n.len() * 8)
            }
            [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => {
                let curve = alg.get(1).filter(|c| c.tag == OID)?.value;
                let bits = match curve {
                    [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] => 256,
                    [0x2b, 0x81, 0x04, 0x00, 0x22] => 384,
                    [0x2b, 0x81, 0x04, 0x00, 0x23] => 521,
                    // secp224r1, secp256k1 and brainpool: openssl's degree
                    [0x2b, 0x81, 0x04, 0x00, 0x21] => 224,
                    [0x2b, 0x81, 0x04, 0x00, 0x0a] => 256,
                    [0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, n] => match n {
                        0x07 => 256,
                        0x0b => 384,
                        0x0d => 512,
                        _ => return None,
                    },
                    _ => return None,
                };
                ("ECDSA", bits)
            }
            [0x2b, 0x65, 0x70] => ("ED25519", 256),
            [0x2b, 0x65, 0x71] => ("ED448", 456),
            _ => return None,
        };
        Some(Self {
            raw,
            key,
            kind,
            bits,
        })
    }

    /// `KEYID_PUBKEY_SHA1`: SHA-1 of the subjectPublicKey bits.
    pub(crate) fn subject_key_id(&self) -> Vec<u8> {
        Sha1::digest(self.key).to_vec()
    }

    /// `print_pubkey()`.
    fn print(&self, out: &mut String, has_privkey: bool) {
        let _ = write!(out, "  pubkey:    {} {} bits", self.kind, self.bits);
        if has_privkey {
            out.push_str(", has private key");
        }
        out.push('\n');
        let _ = writeln!(out, "  keyid:     {}", hex(&Sha1::digest(self.raw)));
        let _ = writeln!(out, "  subjkey:   {}", hex(&self.subject_key_id()));
    }
}

/// A parsed `list-cert` payload.
pub(crate) enum Cert {
    X509(Box<X509>),
    Crl(Box<Crl>),
    Ocsp(Box<OcspResponse>),
    Ac(Box<Ac>),
    /// A raw public key with the subject and validity the daemon sent.
    Pubkey {
        spki: Vec<u8>,
        subject: Option<String>,
        validity: Option<Validity>,
    },
}

/// The printer's state: the type and X.509 flag of the last caption.
pub(crate) struct Printer {
    pub(crate) detailed: bool,
    pub(crate) utc: bool,
    last_type: Option<CertType>,
    last_flag: Option<Flag>,
}

impl Printer {
    pub(crate) fn new(detailed: bool, utc: bool) -> Self {
        Self {
            detailed,
            utc,
            last_type: None,
            last_flag: None,
        }
    }

    /// `print_caption()`: `\nList of <caption>s\n` when the type or the
    /// X.509 flag changed, then an empty line (nothing at all for a type
    /// without caption).
    pub(crate) fn caption(&mut self, out: &mut String, ty: CertType, flag: Flag) {
        let x509 = ty == CertType::X509;
        if self.last_type != Some(ty) || (x509 && self.last_flag != Some(flag)) {
            let caption = match ty {
                CertType::X509 => match flag {
                    Flag::None => "X.509 End Entity Certificate",
                    Flag::Ca => "X.509 CA Certificate",
                    Flag::Aa => "X.509 AA Certificate",
                    Flag::Ocsp => "X.509 OCSP Signer Certificate",
                },
                CertType::Ac => "X.509 Attribute Certificate",
                CertType::Crl => "X.509 CRL",
                CertType::OcspResponse => "OCSP Response",
                CertType::Pubkey => "Raw Public Key",
                CertType::Other => return,
            };
            let _ = writeln!(out, "\nList of {caption}s");
            self.last_type = Some(ty);
            if x509 {
                self.last_flag = Some(flag);
            }
        }
        out.push('\n');
    }

    /// `print()`: everything but the caption.
    pub(crate) fn print(&self, out: &mut String, cert: &Cert, has_privkey: bool, now: i64) {
        let (subject, issuer, validity, update) = match cert {
            Cert::X509(c) => (
                Some(fmt::dn(&c.subject)),
                Some(fmt::dn(&c.issuer)),
                Some(c.validity),
                false,
            ),
            Cert::Crl(c) => (None, Some(fmt::dn(&c.issuer)), c.validity, true),
            Cert::Ocsp(o) => (None, Some(o.responder.clone()), Some(o.validity), true),
            Cert::Ac(a) => (
                Some(a.subject.clone()),
                Some(a.issuer.clone()),
                Some(a.validity),
                false,
            ),
            Cert::Pubkey {
                subject, validity, ..
            } => (subject.clone(), None, *validity, false),
        };
        if let Some(subject) = subject {
            let _ = writeln!(out, "  subject:  \"{subject}\"");
        }
        if let Some(issuer) = issuer {
            let _ = writeln!(out, "  issuer:   \"{issuer}\"");
        }
        if let Some(v) = validity {
            self.print_validity(out, v, update, now);
        }
        match cert {
            Cert::X509(c) => c.print(out, self.detailed),
            Cert::Crl(c) => c.print(out, self.detailed, self.utc),
            Cert::Ocsp(o) => o.print(out, self.detailed, self.utc),
            Cert::Ac(a) => a.print(out),
            Cert::Pubkey { .. } => {}
        }
        let spki = match cert {
            Cert::X509(c) => Some(c.spki.as_slice()),
            Cert::Pubkey { spki, .. } => Some(spki.as_slice()),
            Cert::Crl(_) | Cert::Ocsp(_) | Cert::Ac(_) => None,
        };
        if let Some(key) = spki.and_then(Spki::parse) {
            key.print(out, has_privkey);
        }
    }

    fn print_validity(&self, out: &mut String, v: Validity, update: bool, now: i64) {
        let (t0, t1, t2) = if update {
            ("update:  ", "this on", "next on")
        } else {
            ("validity:", "not before", "not after ")
        };
        let _ = write!(out, "  {t0}  {t1} {}, ", time(v.not_before, self.utc));
        if now < v.not_before {
            let _ = writeln!(out, "not valid yet (valid in {})", span(now, v.not_before));
        } else {
            out.push_str("ok\n");
        }
        let _ = write!(out, "             {t2} {}, ", time(v.not_after, self.utc));
        if now > v.not_after {
            let _ = writeln!(out, "expired ({} ago)", span(now, v.not_after));
        } else {
            let _ = writeln!(out, "ok (expires in {})", span(now, v.not_after));
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
