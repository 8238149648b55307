//! `swanctl --list-pols` (strongSwan `list_pols.c`).

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::commands::listing::{self, Values};
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut child, mut trap, mut drop, mut pass) = (None, false, false, false);
    let format = ctl::options!(ctx, "list-pols", |op, arg| {
        b'c' => child = Some(arg),
        b't' => trap = true,
        b'd' => drop = true,
        b'p' => pass = true,
    });
    if !trap && !drop && !pass {
        (trap, drop, pass) = (true, true, true);
    }
    let mut req = Req::new();
    ctl::str_kv(&mut req, "child", child.as_deref());
    for (set, key) in [(trap, "trap"), (drop, "drop"), (pass, "pass")] {
        if set {
            req.kv(key, "yes");
        }
    }
    let Ok(conn) = ctl::client(ctx) else {
        return 1;
    };
    let events = ("list-policy", "policies");
    listing::stream(
        conn,
        events,
        "list-policy event",
        "list-policies",
        req,
        format,
        text,
    )
}

/// A policy event: per section `<name>, <mode>`, an optional label and
/// the traffic selectors (lists joined by spaces; `(null)` when missing,
/// as glibc prints a NULL string).
fn text(msg: &Message) -> String {
    let mut out = String::new();
    for (name, item) in msg {
        let Item::Section(section) = item else {
            continue;
        };
        let pol = Values::of(section);
        out += &format!("{name}, {}\n", pol.s("mode"));
        if let Some(label) = pol.get("label") {
            listing::print_label(&mut out, "  label:  ", label);
        }
        out += &format!(
            "  local:  {}\n  remote: {}\n",
            pol.s("local-ts"),
            pol.s("remote-ts")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_policies_with_null_for_missing_values() {
        let msg = Message::new()
            .with_section(
                "net/IN",
                Message::new()
                    .with_value("child", "net")
                    .with_value("mode", "TUNNEL")
                    .with_list("local-ts", ["10.1.0.0/24", "10.3.0.0/24"])
                    .with_list("remote-ts", ["10.2.0.0/24"]),
            )
            .with_section(
                "x",
                Message::new().with_value("label", "73797374656d5f7500"),
            );
        assert_eq!(
            text(&msg),
            "net/IN, TUNNEL\n  local:  10.1.0.0/24 10.3.0.0/24\n  remote: 10.2.0.0/24\n\
             x, (null)\n  label:  system_u\n  local:  (null)\n  remote: (null)\n"
        );
    }
}
