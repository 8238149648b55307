//! Distinguished names and OIDs as strongSwan prints them in logs and
//! listings: `C=CH, O=strongSwan, CN=moon`, unknown attributes as dotted
//! OIDs.

use super::dn::{EMAIL_OID, rdns};

/// A DER Name in strongSwan's notation; `(invalid DN)` if malformed.
#[must_use]
pub fn dn_text(dn: &[u8]) -> String {
    let Some(rdns) = rdns(dn) else {
        return "(invalid DN)".to_owned();
    };
    let parts: Vec<String> = rdns
        .iter()
        .map(|rdn| {
            let value = String::from_utf8_lossy(rdn.value);
            format!("{}={value}", attribute_name(rdn.oid))
        })
        .collect();
    parts.join(", ")
}

fn attribute_name(oid: &[u8]) -> String {
    const KNOWN: &[(&[u8], &str)] = &[
        (&[0x55, 0x04, 0x03], "CN"),
        (&[0x55, 0x04, 0x04], "SN"),
        (&[0x55, 0x04, 0x05], "serialNumber"),
        (&[0x55, 0x04, 0x06], "C"),
        (&[0x55, 0x04, 0x07], "L"),
        (&[0x55, 0x04, 0x08], "ST"),
        (&[0x55, 0x04, 0x0a], "O"),
        (&[0x55, 0x04, 0x0b], "OU"),
        (EMAIL_OID, "E"),
        (
            &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
            "DC",
        ),
    ];
    KNOWN
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or_else(|| oid_text(oid), |(_, n)| (*n).to_owned())
}

/// OID contents in dotted notation (`1.2.840.113549.1.1.1`).
#[must_use]
pub fn oid_text(oid: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut value: u64 = 0;
    for (i, &b) in oid.iter().enumerate() {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() && i < 8 {
                let first = (value / 40).min(2);
                parts.push(first);
                parts.push(value - first * 40);
            } else {
                parts.push(value);
            }
            value = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_print_dotted() {
        assert_eq!(
            oid_text(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
            "1.2.840.113549.1.1.1"
        );
        assert_eq!(oid_text(&[0x2b, 0x81, 0x04, 0x00, 0x22]), "1.3.132.0.34");
    }

    #[test]
    fn dns_print_as_strongswan_does() {
        // SEQUENCE { SET { SEQ { C, "CH" } } SET { SEQ { CN, "moon" } } SET { SEQ { 2.5.4.99, "x" } } }
        let dn = [
            0x30, 0x28, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'C',
            b'H', 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, b'm', b'o',
            b'o', b'n', 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x63, 0x0c, 0x01, b'x',
        ];
        assert_eq!(dn_text(&dn), "C=CH, CN=moon, 2.5.4.99=x");
        assert_eq!(dn_text(&[0x30, 0x05]), "(invalid DN)");
    }
}
