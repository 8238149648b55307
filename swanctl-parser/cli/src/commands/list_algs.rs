//! `swanctl --list-algs` (strongSwan `list_algs.c`).

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::vici_find::printable;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let format = ctl::options!(ctx, "list-algs");
    ctl::simple(ctx, "get-algorithms", Req::new(), |res| {
        if format.raw {
            conn::dump(res, "get-algorithms reply", format.pretty);
        } else {
            crate::out::print(&text(res));
        }
        0
    })
}

/// `<type>:` per section, then `  <alg>[<plugin>]` per printable value.
fn text(res: &Message) -> String {
    let mut out = String::new();
    for (kind, item) in res {
        let Item::Section(algs) = item else { continue };
        out += &format!("{kind}:\n");
        for (alg, item) in algs {
            if let Item::Value(v) = item
                && printable(v)
            {
                out += &format!("  {alg}[{}]\n", String::from_utf8_lossy(v));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_types_and_printable_algorithms() {
        let res = Message::new()
            .with_value("ignored", "x")
            .with_section(
                "encryption",
                Message::new()
                    .with_value("AES_CBC-128", "aes")
                    .with_value("BAD", vec![0u8])
                    .with_list("skipped", ["l"]),
            )
            .with_section("hasher", Message::new().with_value("HASH_SHA1", "sha1"));
        assert_eq!(
            text(&res),
            "encryption:\n  AES_CBC-128[aes]\nhasher:\n  HASH_SHA1[sha1]\n"
        );
    }
}
