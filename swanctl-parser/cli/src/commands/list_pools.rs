//! `swanctl --list-pools` (strongSwan `list_pools.c`).

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::vici_find::find_str;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut leases, mut name) = (false, None);
    let format = ctl::options!(ctx, "list-pools", |op, arg| {
        b'l' => leases = true,
        b'n' => name = Some(arg),
    });
    let mut req = Req::new();
    if leases {
        req.kv("leases", "yes");
    }
    ctl::str_kv(&mut req, "name", name.as_deref());
    ctl::simple(ctx, "get-pools", req, |res| {
        if format.raw {
            conn::dump(res, "get-pools reply", format.pretty);
        } else {
            crate::out::print(&text(res));
        }
        0
    })
}

/// A line per pool (`name base online / offline / size`), then one per
/// lease found in its `leases` sections.
fn text(res: &Message) -> String {
    let mut out = String::new();
    for (pool, item) in res {
        let Item::Section(section) = item else {
            continue;
        };
        let f = |key: &str| find_str(res, "", &format!("{pool}.{key}"));
        // snprintf into a 32-byte buffer
        let mut counts = format!("{} / {} / {}", f("online"), f("offline"), f("size"));
        counts.truncate(31);
        out += &format!("{pool:<20} {:<30} {counts:>16}\n", f("base"));
        leases(res, pool, section, &mut out);
    }
    out
}

fn leases(res: &Message, pool: &str, section: &Message, out: &mut String) {
    for (name, item) in section {
        let Item::Section(sub) = item else { continue };
        if name == "leases" {
            leases(res, pool, sub, out);
            continue;
        }
        let f = |key: &str| find_str(res, "", &format!("{pool}.leases.{name}.{key}"));
        *out += &format!(
            "  {:<30} {:<8} '{}'\n",
            f("address"),
            f("status"),
            f("identity")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_pools_with_leases() {
        let lease = Message::new()
            .with_value("address", "10.3.0.1")
            .with_value("identity", "carol")
            .with_value("status", "online");
        let res = Message::new().with_section(
            "p",
            Message::new()
                .with_value("base", "10.3.0.0")
                .with_value("size", "254")
                .with_value("online", "1")
                .with_value("offline", "0")
                .with_section("leases", Message::new().with_section("0", lease)),
        );
        assert_eq!(
            text(&res),
            format!(
                "{:<20} {:<30} {:>16}\n  {:<30} {:<8} 'carol'\n",
                "p", "10.3.0.0", "1 / 0 / 254", "10.3.0.1", "online"
            )
        );
    }
}
