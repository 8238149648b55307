//! `swanctl --list-authorities` (strongSwan `list_authorities.c`).

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::commands::listing;
use crate::conn::Req;
use crate::vici_find::printable;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let mut name = None;
    let format = ctl::options!(ctx, "list-authorities", |op, arg| {
        b'n' => name = Some(arg),
    });
    let mut req = Req::new();
    ctl::str_kv(&mut req, "name", name.as_deref());
    let Ok(conn) = ctl::client(ctx) else {
        return 1;
    };
    // the events are dumped as "list-authorities event"
    let (events, label) = (("list-authority", "authorities"), "list-authorities event");
    listing::stream(conn, events, label, "list-authorities", req, format, text)
}

/// An authority event: `<name>:`, its printable values, and its URI
/// lists with the label on the first CRL URI only (strongSwan 5.9.8
/// labels every OCSP URI, as it never records having labelled one).
fn text(msg: &Message) -> String {
    let mut out = String::new();
    for (name, item) in msg {
        let Item::Section(section) = item else {
            continue;
        };
        out += &format!("{name}:\n");
        let mut crl_labeled = false;
        for (key, item) in section {
            match item {
                Item::Value(v) if printable(v) => {
                    out += &format!("  {key}: {}\n", String::from_utf8_lossy(v));
                }
                Item::List(items) => {
                    for v in items.iter().filter(|v| printable(v)) {
                        let v = String::from_utf8_lossy(v);
                        if key == "crl_uris" {
                            let label = if crl_labeled {
                                "          "
                            } else {
                                "crl_uris: "
                            };
                            out += &format!("  {label} {v}\n");
                            crl_labeled = true;
                        } else if key == "ocsp_uris" {
                            out += &format!("  ocsp_uris: {v}\n");
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_uri_lists_like_strongswan() {
        let msg = Message::new().with_section(
            "ca",
            Message::new()
                .with_value("cacert", "C=CH, O=strongSwan, CN=ca")
                .with_list("crl_uris", ["http://a", "http://b"])
                .with_list("ocsp_uris", ["http://o1", "http://o2"])
                .with_value("cert_uri_base", "http://c"),
        );
        assert_eq!(
            text(&msg),
            "ca:\n  cacert: C=CH, O=strongSwan, CN=ca\n  crl_uris:  http://a\n             http://b\n  \
             ocsp_uris: http://o1\n  ocsp_uris: http://o2\n  cert_uri_base: http://c\n"
        );
    }
}
