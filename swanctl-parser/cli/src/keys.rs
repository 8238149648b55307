//! Private keys the way swanctl 5.9.8 hands them to the daemon: parsed with
//! libstrongswan's builders (as configured on the lab system: pem, pkcs1,
//! pkcs8, openssl 3) for the type of the directory they were found in,
//! then re-encoded with `get_encoding(PRIVKEY_ASN1_DER)`:
//!
//! | key | re-encoding | `type` |
//! |---|---|---|
//! | RSA (PKCS#1, PKCS#8) | PKCS#1 `RSAPrivateKey` | `RSA` |
//! | EC (SEC1, PKCS#8) | SEC1 `ECPrivateKey` with `[0]` curve, `[1]` public key if the input had one, private key padded to the order length | `ECDSA` |
//! | Ed25519 / Ed448 (PKCS#8) | PKCS#8 v1 without public key | `ED25519` / `ED448` |
//!
//! Which inputs a directory accepts (OpenSSL 3 cannot combine PKCS#8 EC
//! parameters with a forced key type, so EC PKCS#8 fails in `rsa/`):
//! `private/`, `pkcs8/`: all of the above; `rsa/`: RSA and any PKCS#8 but EC;
//! `ecdsa/`: EC, and any PKCS#8; `bliss/`: nothing. PEM input is the first
//! `-----BEGIN …-----` block whatever its label; DER input must satisfy
//! `is_asn1()`. Encrypted keys (legacy PEM `Proc-Type: 4,ENCRYPTED` and
//! PKCS#8 `EncryptedPrivateKeyInfo`) are decrypted with the passwords of a
//! [`Passwords`] source, see [`crate::pwcrypt`].

use crate::der::{self, Tlv};
use crate::log;
use crate::pwcrypt;
use crate::text;

/// The key type a directory asks libstrongswan for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyDir {
    /// `private/`, `pkcs8/` (KEY_ANY)
    Any,
    /// `rsa/`
    Rsa,
    /// `ecdsa/`
    Ecdsa,
    /// `bliss/` (no builder exists)
    Bliss,
}

impl KeyDir {
    /// Name and number of builders in strongSwan's failure message
    /// (`building CRED_PRIVATE_KEY - RSA failed, tried 9 builders`).
    fn builders(self) -> (&'static str, u32) {
        match self {
            Self::Any => ("ANY", 7),
            Self::Rsa => ("RSA", 9),
            Self::Ecdsa => ("ECDSA", 5),
            Self::Bliss => ("BLISS", 0),
        }
    }
}

/// A parsed private key: strongSwan's key type name and DER encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedKey {
    pub(crate) type_name: &'static str,
    pub(crate) der: Vec<u8>,
}

/// Passwords offered to decrypt a key, as libstrongswan's credential
/// manager enumerates `SHARED_PRIVATE_KEY_PASS` secrets: `try_one` is
/// called with each until it returns true.
pub(crate) trait Passwords {
    fn each(&mut self, try_one: &mut dyn FnMut(&[u8]) -> bool);
}

/// A fixed list of passwords (configured `secret*` values).
pub(crate) struct PasswordList(pub(crate) Vec<Vec<u8>>);

impl Passwords for PasswordList {
    fn each(&mut self, try_one: &mut dyn FnMut(&[u8]) -> bool) {
        for p in &self.0 {
            if try_one(p) {
                return;
            }
        }
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];

/// Byte length of the group order of named curves (OpenSSL pads the SEC1
/// private key to it).
fn curve_order_len(oid: &[u8]) -> Option<usize> {
    const CURVES: &[(&[u8], usize)] = &[
        (&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07], 32), // prime256v1
        (&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01], 24), // prime192v1
        (&[0x2b, 0x81, 0x04, 0x00, 0x21], 28),                   // secp224r1
        (&[0x2b, 0x81, 0x04, 0x00, 0x22], 48),                   // secp384r1
        (&[0x2b, 0x81, 0x04, 0x00, 0x23], 66),                   // secp521r1
        (&[0x2b, 0x81, 0x04, 0x00, 0x0a], 32),                   // secp256k1
        (&[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x03], 24), // brainpoolP192r1
        (&[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x05], 28), // brainpoolP224r1
        (&[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07], 32), // brainpoolP256r1
        (&[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b], 48), // brainpoolP384r1
        (&[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0d], 64), // brainpoolP512r1
    ];
    CURVES.iter().find(|(o, _)| *o == oid).map(|&(_, n)| n)
}

/// `lib->creds->create(CRED_PRIVATE_KEY, <dir type>, BUILD_BLOB_PEM, data)`
/// including its failure log line.
pub(crate) fn parse(data: &[u8], dir: KeyDir, passwords: &mut dyn Passwords) -> Option<ParsedKey> {
    let key = if dir == KeyDir::Bliss || data.is_empty() {
        None
    } else {
        pem_load(data, dir, passwords)
    };
    if key.is_none() {
        let (name, n) = dir.builders();
        log::dbg1(&format!(
            "building CRED_PRIVATE_KEY - {name} failed, tried {n} builders"
        ));
    }
    key
}

fn is_ber_indefinite_length(blob: &[u8]) -> bool {
    blob.len() >= 4
        && matches!(blob[0], der::SEQUENCE | der::SET)
        && blob[1] == 0x80
        && blob[blob.len() - 2] == 0
        && blob[blob.len() - 1] == 0
}

fn pem_load(data: &[u8], dir: KeyDir, passwords: &mut dyn Passwords) -> Option<ParsedKey> {
    if is_ber_indefinite_length(data) || der::is_asn1(data) {
        return build_der(data, dir, passwords);
    }
    let pem = pem_to_bin(data)?;
    let der = match pem.dek {
        None => pem.data,
        Some(dek) => {
            let mut result = None;
            passwords.each(&mut |pw| match pwcrypt::pem_decrypt(&pem.data, &dek, pw) {
                pwcrypt::PemStatus::Success(d) => {
                    result = Some(d);
                    true
                }
                pwcrypt::PemStatus::InvalidPassphrase => false,
                pwcrypt::PemStatus::Failed => true,
            });
            result?
        }
    };
    build_der(&der, dir, passwords)
}

/// The encryption of a legacy encrypted PEM block (`DEK-Info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dek {
    /// AES key size in bytes, or `None` for DES-EDE3-CBC.
    pub(crate) aes_key_len: Option<usize>,
    pub(crate) iv: Vec<u8>,
}

struct Pem {
    data: Vec<u8>,
    dek: Option<Dek>,
}

/// Strips `pattern` from the front of `line`.
fn present<'a>(pattern: &[u8], line: &'a [u8]) -> Option<&'a [u8]> {
    line.strip_prefix(pattern)
}

/// `-----<tag> <anything>-----`.
fn find_boundary(tag: &[u8], line: &[u8]) -> bool {
    let Some(rest) = present(b"-----", line).and_then(|l| present(tag, l)) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(b" ") else {
        return false;
    };
    rest.windows(5).any(|w| w == b"-----")
}

/// `extract_token(token, term, src)` with `' '` also matching a tab.
fn extract_token(term: u8, src: &[u8]) -> Option<(&[u8], &[u8])> {
    let pos = if term == b' ' {
        src.iter().position(|&b| b == b' ' || b == b'\t')
    } else {
        src.iter().position(|&b| b == term)
    }?;
    Some((&src[..pos], &src[pos + 1..]))
}

fn eat_whitespace(src: &[u8]) -> (&[u8], bool) {
    let skip = src.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    let rest = &src[skip..];
    (rest, !rest.is_empty() && rest[0] != b'#')
}

/// libstrongswan's `pem_to_bin()` on the first PEM block.
fn pem_to_bin(blob: &[u8]) -> Option<Pem> {
    #[derive(PartialEq)]
    enum State {
        Pre,
        Msg,
        Header,
        Body,
        Post,
    }
    let mut state = State::Pre;
    let mut encrypted = false;
    let mut dek: Option<Dek> = None;
    let mut dst = Vec::new();
    let mut lines: Vec<&[u8]> = blob.split(|&b| b == b'\n').collect();
    if blob.ends_with(b"\n") {
        lines.pop();
    }
    for mut line in lines {
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if state == State::Pre {
            if find_boundary(b"BEGIN", line) {
                state = State::Msg;
            }
            continue;
        }
        if find_boundary(b"END", line) {
            state = State::Post;
            break;
        }
        if state == State::Msg {
            state = if line.contains(&b':') {
                State::Header
            } else {
                State::Body
            };
        }
        if state == State::Header {
            if line.is_empty() {
                state = State::Body;
                continue;
            }
            let Some((name, rest)) = extract_token(b':', line) else {
                continue;
            };
            let (rest, any) = eat_whitespace(rest);
            let value: &[u8] = if !any {
                b""
            } else if rest[0] == b'"' || rest[0] == b'\'' {
                match extract_token(rest[0], &rest[1..]) {
                    Some((v, _)) => v,
                    None => continue,
                }
            } else {
                extract_token(b' ', rest).map_or(rest, |(v, _)| v)
            };
            if name == b"Proc-Type" && value.first() == Some(&b'4') {
                encrypted = true;
            } else if name == b"DEK-Info" {
                let (alg, value) = extract_token(b',', value).unwrap_or((value, value));
                let aes_key_len = match alg {
                    b"DES-EDE3-CBC" => None,
                    b"AES-128-CBC" => Some(16),
                    b"AES-192-CBC" => Some(24),
                    b"AES-256-CBC" => Some(32),
                    _ => {
                        log::dbg1(&format!(
                            "  encryption algorithm '{}' not supported",
                            String::from_utf8_lossy(alg)
                        ));
                        return None;
                    }
                };
                let (iv_hex, any) = eat_whitespace(value);
                if !any || iv_hex.len() > 32 {
                    return None;
                }
                dek = Some(Dek {
                    aes_key_len,
                    iv: text::from_hex(iv_hex),
                });
            }
        } else {
            let data = extract_token(b' ', line).map_or(line, |(d, _)| d);
            if data.first() == Some(&b'=') {
                continue;
            }
            dst.extend_from_slice(&text::from_base64(data));
        }
    }
    if state != State::Post || dst.is_empty() {
        log::dbg1("  file coded in unknown format, discarded");
        return None;
    }
    if !encrypted {
        return Some(Pem {
            data: dst,
            dek: None,
        });
    }
    // encrypted without (usable) DEK-Info: decryption cannot succeed
    let dek = dek.unwrap_or(Dek {
        aes_key_len: None,
        iv: Vec::new(),
    });
    Some(Pem {
        data: dst,
        dek: Some(dek),
    })
}

/// `lib->creds->create(CRED_PRIVATE_KEY, <type>, BUILD_BLOB_ASN1_DER, der)`.
fn build_der(blob: &[u8], dir: KeyDir, passwords: &mut dyn Passwords) -> Option<ParsedKey> {
    let (top, _) = der::read(blob)?;
    if top.tag != der::SEQUENCE {
        return None;
    }
    let items = der::children(top.value)?;
    let tags: Vec<u8> = items.iter().map(|t| t.tag).collect();
    match tags.as_slice() {
        [der::INTEGER, der::SEQUENCE, der::OCTET_STRING, ..] => pkcs8(&items, dir),
        [der::SEQUENCE, der::OCTET_STRING] => encrypted_pkcs8(&items, dir, passwords),
        [der::INTEGER, der::INTEGER, ..] if matches!(dir, KeyDir::Any | KeyDir::Rsa) => rsa(&items),
        [der::INTEGER, der::OCTET_STRING, ..] if matches!(dir, KeyDir::Any | KeyDir::Ecdsa) => {
            ec(&items, None)
        }
        _ => None,
    }
}

/// PKCS#1 `RSAPrivateKey` items → canonical re-encoding.
fn rsa(items: &[Tlv<'_>]) -> Option<ParsedKey> {
    if items.len() < 9 || items[..9].iter().any(|t| t.tag != der::INTEGER) {
        return None;
    }
    if items[0].value != [0] && items[0].value != [1] {
        return None;
    }
    let mut parts: Vec<Vec<u8>> = items[..9].iter().map(|t| der::uint(t.value)).collect();
    parts.extend(items[9..].iter().map(|t| t.raw.to_vec()));
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Some(ParsedKey {
        type_name: "RSA",
        der: der::seq(&refs),
    })
}

/// SEC1 `ECPrivateKey` items (curve from `[0]` or `algid_params`) →
/// OpenSSL's `i2d_ECPrivateKey` form.
fn ec(items: &[Tlv<'_>], algid_params: Option<&[u8]>) -> Option<ParsedKey> {
    if items[0].value != [1] {
        return None;
    }
    let priv_key = items[1].value;
    let mut params = algid_params;
    let mut public = None;
    for t in &items[2..] {
        match t.tag {
            0xa0 => params = Some(t.value),
            0xa1 => public = Some(t.raw),
            _ => return None,
        }
    }
    let params = params?;
    let (curve, _) = der::read(params)?;
    let priv_key = match curve_order_len(curve.value).filter(|_| curve.tag == der::OID) {
        Some(n) => {
            let stripped = &priv_key[priv_key.iter().take_while(|&&b| b == 0).count()..];
            if stripped.len() > n {
                return None;
            }
            let mut padded = vec![0u8; n - stripped.len()];
            padded.extend_from_slice(stripped);
            padded
        }
        None => priv_key.to_vec(),
    };
    let version = der::uint(&[1]);
    let key = der::tlv(der::OCTET_STRING, &priv_key);
    let curve = der::tlv(0xa0, params);
    let mut parts: Vec<&[u8]> = vec![&version, &key, &curve];
    if let Some(p) = public {
        parts.push(p);
    }
    Some(ParsedKey {
        type_name: "ECDSA",
        der: der::seq(&parts),
    })
}

/// Unencrypted PKCS#8 `PrivateKeyInfo` items.
fn pkcs8(items: &[Tlv<'_>], dir: KeyDir) -> Option<ParsedKey> {
    let alg = der::children(items[1].value)?;
    let oid = alg.first().filter(|t| t.tag == der::OID)?.value;
    let params = alg.get(1).map(|t| t.raw);
    let inner = items[2].value;
    if oid == OID_RSA || oid == OID_RSA_PSS {
        let (k, _) = der::read(inner)?;
        if k.tag != der::SEQUENCE {
            return None;
        }
        return rsa(&der::children(k.value)?);
    }
    if oid == OID_EC {
        if !matches!(dir, KeyDir::Any | KeyDir::Ecdsa) {
            return None;
        }
        let (k, _) = der::read(inner)?;
        let kitems = der::children(k.value)?;
        if k.tag != der::SEQUENCE
            || kitems.len() < 2
            || kitems[0].tag != der::INTEGER
            || kitems[1].tag != der::OCTET_STRING
        {
            return None;
        }
        return ec(&kitems, params);
    }
    let (type_name, len, oid_bytes) = if oid == OID_ED25519 {
        ("ED25519", 32, OID_ED25519)
    } else if oid == OID_ED448 {
        ("ED448", 57, OID_ED448)
    } else {
        return None;
    };
    let key = der::single(inner, der::OCTET_STRING)?;
    if key.value.len() != len {
        return None;
    }
    let version = der::uint(&[0]);
    let algid = der::seq(&[&der::tlv(der::OID, oid_bytes)]);
    let wrapped = der::tlv(der::OCTET_STRING, key.raw);
    Some(ParsedKey {
        type_name,
        der: der::seq(&[&version, &algid, &wrapped]),
    })
}

/// PKCS#8 `EncryptedPrivateKeyInfo`: each password is tried; a result that
/// is not ASN.1 or does not parse means a wrong password.
fn encrypted_pkcs8(
    items: &[Tlv<'_>],
    dir: KeyDir,
    passwords: &mut dyn Passwords,
) -> Option<ParsedKey> {
    let scheme = pwcrypt::Pkcs5::from_algorithm_identifier(items[0].raw)?;
    let data = items[1].value;
    let mut result = None;
    passwords.each(&mut |pw| {
        let Some(plain) = scheme.decrypt(pw, data) else {
            return false;
        };
        if !der::is_asn1(&plain) {
            return false;
        }
        result = build_der(&plain, dir, &mut PasswordList(Vec::new()));
        result.is_some()
    });
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> PasswordList {
        PasswordList(Vec::new())
    }

    /// A PKCS#1 structure with small (non-canonical) integers.
    fn pkcs1() -> Vec<u8> {
        let ints: Vec<Vec<u8>> = [
            &[0u8][..],
            &[0, 0, 0x81],
            &[3],
            &[4],
            &[5],
            &[6],
            &[7],
            &[8],
            &[9],
        ]
        .iter()
        .map(|v| der::tlv(der::INTEGER, v))
        .collect();
        let refs: Vec<&[u8]> = ints.iter().map(Vec::as_slice).collect();
        der::seq(&refs)
    }

    const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

    fn pkcs8(oid: &[u8], params: Option<&[u8]>, inner: &[u8]) -> Vec<u8> {
        let oid = der::tlv(der::OID, oid);
        let mut alg = vec![oid.as_slice()];
        if let Some(p) = params {
            alg.push(p);
        }
        let algid = der::seq(&alg);
        der::seq(&[
            &der::uint(&[0]),
            &algid,
            &der::tlv(der::OCTET_STRING, inner),
        ])
    }

    #[test]
    fn rsa_is_reencoded_canonically_in_any_and_rsa_dirs_only() {
        let key = parse(&pkcs1(), KeyDir::Rsa, &mut none()).unwrap();
        assert_eq!(key.type_name, "RSA");
        assert_eq!(&key.der[2..9], [2, 1, 0, 2, 2, 0, 0x81]);
        assert!(parse(&pkcs1(), KeyDir::Any, &mut none()).is_some());
        assert!(parse(&pkcs1(), KeyDir::Ecdsa, &mut none()).is_none());
        assert!(parse(&pkcs1(), KeyDir::Bliss, &mut none()).is_none());
        // PKCS#8 RSA works in every directory but bliss
        let p8 = pkcs8(OID_RSA, Some(&[5, 0]), &pkcs1());
        assert_eq!(parse(&p8, KeyDir::Ecdsa, &mut none()).unwrap().der, key.der);
    }

    #[test]
    fn ec_gets_curve_and_padded_private_key() {
        let sec1 = der::seq(&[&der::uint(&[1]), &der::tlv(der::OCTET_STRING, &[0x42; 31])]);
        let p8 = pkcs8(OID_EC, Some(P256), &sec1);
        let key = parse(&p8, KeyDir::Ecdsa, &mut none()).unwrap();
        assert_eq!(key.type_name, "ECDSA");
        let mut expect_priv = vec![0u8];
        expect_priv.extend_from_slice(&[0x42; 31]);
        let expected = der::seq(&[
            &der::uint(&[1]),
            &der::tlv(der::OCTET_STRING, &expect_priv),
            &der::tlv(0xa0, P256),
        ]);
        assert_eq!(key.der, expected);
        // OpenSSL 3 cannot load EC PKCS#8 as an RSA key
        assert!(parse(&p8, KeyDir::Rsa, &mut none()).is_none());
        // SEC1 needs the curve
        assert!(parse(&sec1, KeyDir::Any, &mut none()).is_none());
    }

    #[test]
    fn ed25519_is_pkcs8_v1_without_public_key() {
        let inner = der::tlv(der::OCTET_STRING, &[7; 32]);
        let key = parse(&pkcs8(OID_ED25519, None, &inner), KeyDir::Rsa, &mut none()).unwrap();
        assert_eq!(key.type_name, "ED25519");
        assert_eq!(
            &key.der[..16],
            [
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20
            ]
        );
    }

    #[test]
    fn pem_uses_the_first_block_whatever_its_label() {
        let b64 = |d: &[u8]| {
            const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut s = String::new();
            for c in d.chunks(3) {
                let n = (u32::from(c[0]) << 16)
                    | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*c.get(2).unwrap_or(&0));
                for i in 0..4 {
                    if i <= c.len() {
                        s.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
                    } else {
                        s.push('=');
                    }
                }
            }
            s
        };
        let pem = format!(
            "junk\n-----BEGIN WHATEVER-----\n{}\n-----END WHATEVER-----\n",
            b64(&pkcs1())
        );
        assert!(parse(pem.as_bytes(), KeyDir::Any, &mut none()).is_some());
        assert!(parse(b"garbage", KeyDir::Any, &mut none()).is_none());
        assert!(parse(b"", KeyDir::Any, &mut none()).is_none());
    }
}
