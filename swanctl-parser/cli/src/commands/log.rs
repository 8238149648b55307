//! `swanctl --log` (strongSwan `log.c`): registers for `log` and prints
//! each event as `<thread>[<group>] <msg>` until SIGINT or SIGTERM, then
//! says `disconnecting...` and exits 0.

use swanctl_parser::vici::Message;

use super::ctl;
use crate::command::Ctx;
use crate::conn;
use crate::errno;
use crate::listen;
use crate::vici_find::{find_int, find_opt_str, find_str};

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let format = ctl::options!(ctx, "log");
    let Some(mut client) = ctx.conn.take() else {
        return 1;
    };
    if let Err(e) = conn::register(&mut client, "log") {
        eprintln!("registering for log failed: {}", errno::strerror(e));
        return e;
    }
    let printed = listen::until_signal(client, move |event| {
        if event.name != "log" {
            return;
        }
        if format.raw {
            conn::dump(&event.message, "log", format.pretty);
        } else {
            crate::out::print(&line(&event.message));
        }
    });
    if printed.is_err() {
        return 1;
    }
    eprintln!("disconnecting...");
    0
}

/// `%.2d[<group>] <msg>`; nothing without a printable `msg`.
fn line(msg: &Message) -> String {
    let Some(text) = find_opt_str(msg, "msg") else {
        return String::new();
    };
    let thread = find_int(msg, 0, "thread");
    let sign = if thread < 0 { "-" } else { "" };
    let group = find_str(msg, "   ", "group");
    format!("{sign}{:02}[{group}] {text}\n", thread.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_thread_group_and_message() {
        let msg = Message::new()
            .with_value("group", "IKE")
            .with_value("level", "1")
            .with_value("thread", "7")
            .with_value("msg", "initiating IKE_SA gw[1] to 192.0.2.2");
        assert_eq!(line(&msg), "07[IKE] initiating IKE_SA gw[1] to 192.0.2.2\n");
        let msg = Message::new()
            .with_value("thread", "-1")
            .with_value("msg", "x");
        assert_eq!(line(&msg), "-01[   ] x\n");
        assert_eq!(line(&Message::new().with_value("msg", "a\nb")), "");
    }
}
