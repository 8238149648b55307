//! `swanctl --stats` (strongSwan `stats.c`).

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::conn::{self, Req};
use crate::out;
use crate::vici_find::{find_opt_str, find_str};

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let format = ctl::options!(ctx, "stats");
    ctl::simple(ctx, "stats", Req::new(), |res| {
        if format.raw {
            conn::dump(res, "stats reply", format.pretty);
        } else {
            out::print_bytes(&text(res));
        }
        0
    })
}

/// The text form of a `stats` reply.
fn text(res: &Message) -> Vec<u8> {
    let f = |key| find_str(res, "", key);
    let mut out = format!(
        "uptime: {}, since {}\n\
         worker threads: {} total, {} idle, working: {}/{}/{}/{}\n\
         job queues: {}/{}/{}/{}\n\
         jobs scheduled: {}\n\
         IKE_SAs: {} total, {} half-open\n",
        f("uptime.running"),
        f("uptime.since"),
        f("workers.total"),
        f("workers.idle"),
        f("workers.active.critical"),
        f("workers.active.high"),
        f("workers.active.medium"),
        f("workers.active.low"),
        f("queues.critical"),
        f("queues.high"),
        f("queues.medium"),
        f("queues.low"),
        f("scheduled"),
        f("ikesas.total"),
        f("ikesas.half-open"),
    );
    if find_opt_str(res, "mem.total").is_some() {
        out += &format!(
            "memory usage: {} bytes, {} allocations\n",
            f("mem.total"),
            f("mem.allocs")
        );
    }
    if find_opt_str(res, "mallinfo.sbrk").is_some() {
        out += &format!(
            "mallinfo: sbrk {}, mmap {}, used {}, free {}\n",
            f("mallinfo.sbrk"),
            f("mallinfo.mmap"),
            f("mallinfo.used"),
            f("mallinfo.free")
        );
    }
    let mut out = out.into_bytes();
    out.extend_from_slice(b"loaded plugins:");
    // every item of every top-level list, as " %.*s" (up to a NUL)
    for (_, item) in res {
        if let Item::List(items) = item {
            for v in items {
                let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
                out.push(b' ');
                out.extend_from_slice(&v[..end]);
            }
        }
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_charons_stats_reply() {
        let res = Message::new()
            .with_section(
                "uptime",
                Message::new()
                    .with_value("running", "5 seconds")
                    .with_value("since", "Nov 21 12:00:00 2026"),
            )
            .with_section(
                "workers",
                Message::new()
                    .with_value("total", "16")
                    .with_value("idle", "11")
                    .with_section(
                        "active",
                        Message::new()
                            .with_value("critical", "4")
                            .with_value("high", "0")
                            .with_value("medium", "1")
                            .with_value("low", "0"),
                    ),
            )
            .with_value("scheduled", "3")
            .with_list("plugins", ["aes", "sha2"])
            .with_section("mallinfo", Message::new().with_value("sbrk", "1"));
        let text = String::from_utf8(text(&res)).unwrap();
        assert_eq!(
            text,
            "uptime: 5 seconds, since Nov 21 12:00:00 2026\n\
             worker threads: 16 total, 11 idle, working: 4/0/1/0\n\
             job queues: ///\n\
             jobs scheduled: 3\n\
             IKE_SAs:  total,  half-open\n\
             mallinfo: sbrk 1, mmap , used , free \n\
             loaded plugins: aes sha2\n"
        );
    }
}
