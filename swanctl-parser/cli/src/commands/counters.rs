//! `swanctl --counters` (strongSwan `counters.c`).

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::vici_find::printable;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut name, mut all, mut reset) = (None, false, false);
    let format = ctl::options!(ctx, "counters", |op, arg| {
        b'n' => name = Some(arg),
        b'a' => all = true,
        b'R' => reset = true,
    });
    let command = if reset {
        "reset-counters"
    } else {
        "get-counters"
    };
    let mut req = Req::new();
    if all {
        req.kv("all", "yes");
    } else {
        ctl::str_kv(&mut req, "name", name.as_deref());
    }
    ctl::simple(ctx, command, req, |res| {
        if format.raw {
            conn::dump(res, "counters reply", format.pretty);
            0
        } else if reset || !conn::success(res) {
            ctl::report_result(res, command)
        } else {
            crate::out::print(&text(res));
            0
        }
    })
}

/// Per connection (sections in each top-level section; `global` for the
/// empty name) `<name>:` and `  <counter>: <value>`.
fn text(res: &Message) -> String {
    let mut out = String::new();
    for (_, item) in res {
        let Item::Section(conns) = item else { continue };
        for (name, item) in conns {
            let Item::Section(counters) = item else {
                continue;
            };
            let name = if name.is_empty() { "global" } else { name };
            out += &format!("{name}:\n");
            for (counter, item) in counters {
                if let Item::Value(v) = item
                    && printable(v)
                {
                    out += &format!("  {counter:<22}: {}\n", String::from_utf8_lossy(v));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_global_counters() {
        let res = Message::new()
            .with_section(
                "counters",
                Message::new()
                    .with_section("", Message::new().with_value("ike-rekey-init", "0"))
                    .with_section("gw", Message::new().with_value("ike-init-out-req", "1")),
            )
            .with_value("success", "yes");
        assert_eq!(
            text(&res),
            "global:\n  ike-rekey-init        : 0\ngw:\n  ike-init-out-req      : 1\n"
        );
    }
}
