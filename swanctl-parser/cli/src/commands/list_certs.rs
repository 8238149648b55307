//! `swanctl --list-certs` (strongSwan 5.9.8 `list_certs.c`): `list-cert`
//! events printed by the certificate printer (`cert_print`), as PEM with
//! `--pem`, or dumped with `--raw`/`--pretty`.

use swanctl_parser::vici::Message;

use super::ctl;
use crate::command::Ctx;
use crate::commands::cert_print::{
    Ac, Cert, CertType, Crl, Flag, OcspResponse, Printer, Spki, Validity, X509, time,
};
use crate::commands::listing;
use crate::conn::{Req, find_str};

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut subject, mut ty, mut flag) = (None, None, None);
    let (mut pem, mut detailed, mut utc) = (false, true, false);
    let format = ctl::options!(ctx, "list-certs", |op, arg| {
        b's' => subject = Some(arg),
        b't' => ty = Some(arg),
        b'f' => flag = Some(arg),
        b'p' => pem = true,
        b'S' => detailed = false,
        b'U' => utc = true,
    });
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    let mut req = Req::new();
    for (key, value) in [("type", ty), ("flag", flag), ("subject", subject)] {
        if let Some(value) = value {
            req.kv(key, value);
        }
    }
    let mut printer = Printer::new(detailed, utc);
    listing::stream(
        conn,
        ("list-cert", "certificates"),
        "list-cert event",
        "list-certs",
        req,
        format,
        |msg| cert_text(&mut printer, msg, pem, now()),
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What swanctl prints for one `list-cert` event at time `now`; problems
/// go to stderr as swanctl reports them.
pub(crate) fn cert_text(printer: &mut Printer, msg: &Message, pem: bool, now: i64) -> String {
    let mut out = String::new();
    let Some(data) = msg.get_value("data") else {
        eprintln!("received incomplete certificate data");
        return out;
    };
    let has_privkey = find_str(msg, "has_privkey") == Some("yes");
    let type_name = find_str(msg, "type").unwrap_or("ANY");
    let Some(ty) = CertType::from_name(type_name) else {
        eprintln!("unsupported certificate type '{type_name}'");
        return out;
    };
    let mut flag = Flag::None;
    if ty == CertType::X509 {
        let name = find_str(msg, "flag").unwrap_or("ANY");
        let Some(f) = Flag::from_name(name) else {
            eprintln!("unsupported certificate flag '{name}'");
            return out;
        };
        flag = f;
    }
    let cert = match ty {
        CertType::X509 => X509::parse(data).map(|c| Cert::X509(Box::new(c))),
        CertType::Crl => Crl::parse(data).map(|c| Cert::Crl(Box::new(c))),
        CertType::OcspResponse => OcspResponse::parse(data).map(|o| Cert::Ocsp(Box::new(o))),
        CertType::Ac => Ac::parse(data).map(|a| Cert::Ac(Box::new(a))),
        CertType::Pubkey => Spki::parse(data).map(|_| Cert::Pubkey {
            spki: data.to_vec(),
            subject: find_str(msg, "subject").and_then(printed_subject),
            validity: pubkey_validity(msg),
        }),
        // OCSP requests, PKCS#10 requests and PGP certificates
        _ => None,
    };
    let Some(cert) = cert else {
        builder_failed(ty, type_name);
        eprintln!("parsing certificate failed");
        return out;
    };
    if pem {
        let label = match cert {
            Cert::X509(_) => "CERTIFICATE",
            Cert::Crl(_) => "X509 CRL",
            Cert::Ac(_) => "ATTRIBUTE CERTIFICATE",
            Cert::Pubkey { .. } | Cert::Ocsp(_) => {
                eprintln!("PEM encoding certificate failed");
                return out;
            }
        };
        out.push_str(&pem_text(label, data));
    } else {
        printer.caption(&mut out, ty, flag);
        printer.print(&mut out, &cert, has_privkey, now);
    }
    out
}

/// What libstrongswan logs when no plugin could build the certificate:
/// the openssl plugin's complaint about an X.509 certificate (the x509
/// plugin fails silently on most input) and the credential factory's
/// summary with the number of builders swanctl's plugins register.
fn builder_failed(ty: CertType, type_name: &str) {
    let builders = match ty {
        CertType::X509 => {
            crate::log::dbg1("OpenSSL X.509 parsing failed");
            4
        }
        CertType::OcspResponse => 2,
        CertType::Ac => 3,
        _ => 4,
    };
    let name = type_name.to_ascii_uppercase();
    crate::log::dbg1(&format!(
        "building CRED_CERTIFICATE - {name} failed, tried {builders} builders"
    ));
}

/// The validity of a raw public key: `not-before`/`not-after` as
/// GeneralizedTime strings; printed only if both are there.
fn pubkey_validity(msg: &Message) -> Option<Validity> {
    let t = |k| find_str(msg, k).and_then(|s| time::asn1_time(0x18, s.as_bytes()));
    Some(Validity {
        not_before: t("not-before")?,
        not_after: t("not-after")?,
    })
}

/// How the certificate printer shows the identity
/// `identification_create_from_string(subject)` makes: not at all for a
/// key ID.
fn printed_subject(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix('@') {
        return match rest.strip_prefix(['#']) {
            Some(_) => None,
            None => Some(rest.strip_prefix('@').unwrap_or(rest).to_owned()),
        };
    }
    if matches!(s, "" | "%any" | "%any6" | "0.0.0.0" | "*" | "::" | "0::0") {
        return Some("%any".to_owned());
    }
    if !s.contains(['=', '@']) && s.contains(':') && s.parse::<std::net::Ipv6Addr>().is_err() {
        return None;
    }
    Some(s.to_owned())
}

/// The PEM encoding libstrongswan writes: 64 base64 characters a line.
fn pem_text(label: &str, der: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in der.chunks(48) {
        for group in line.chunks(3) {
            let b = [
                group[0],
                *group.get(1).unwrap_or(&0),
                *group.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= group.len() {
                    out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
#[path = "list_certs_tests.rs"]
mod tests;
