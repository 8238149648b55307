//! `swanctl --list-sas` and `--monitor-sa` (strongSwan 5.9.8
//! `list_sas.c`): `list-sa` events (or `ike-updown`/`child-updown`) as
//! text, or dumped with `--raw`/`--pretty`.

use std::fmt::Write as _;

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::{Ctx, atoi};
use crate::commands::listing::{self, Values};
use crate::conn::Req;

/// `--list-sas`.
pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let (mut ike, mut child) = (None, None);
    let (mut ike_id, mut child_id, mut noblock) = (0, 0, false);
    let format = ctl::options!(ctx, "list-sas", |op, arg| {
        b'i' => ike = Some(arg),
        b'I' => ike_id = atoi(&arg),
        b'c' => child = Some(arg),
        b'C' => child_id = atoi(&arg),
        b'n' => noblock = true,
    });
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    let mut req = Req::new();
    if let Some(ike) = ike {
        req.kv("ike", ike);
    }
    if ike_id != 0 {
        req.kv("ike-id", ike_id.to_string());
    }
    if let Some(child) = child {
        req.kv("child", child);
    }
    if child_id != 0 {
        req.kv("child-id", child_id.to_string());
    }
    if noblock {
        req.kv("noblock", "yes");
    }
    let events = ("list-sa", "SAs");
    listing::stream(
        conn,
        events,
        "list-sa event",
        "list-sas",
        req,
        format,
        sa_text,
    )
}

/// The text swanctl prints for a `list-sa`, `ike-updown` or
/// `child-updown` event: each IKE_SA section is printed when its
/// `child-sas` section is reached (so an IKE_SA without one prints
/// nothing), with the values seen up to there.
pub(crate) fn sa_text(msg: &Message) -> String {
    let mut out = String::new();
    for (name, item) in msg {
        let Item::Section(sa) = item else { continue };
        let mut ike = Values::with("name", name);
        for (key, item) in sa {
            match item {
                Item::Section(children) if key == "child-sas" => {
                    ike_text(&mut out, &ike);
                    for (_, child) in children {
                        if let Item::Section(child) = child {
                            child_text(&mut out, &Values::of(child));
                        }
                    }
                }
                _ => ike.add(key, item),
            }
        }
    }
    out
}

fn ike_text(out: &mut String, ike: &Values) {
    let initiator = ike.is("initiator", "yes");
    let (i, r) = if initiator { ("*", "") } else { ("", "*") };
    let _ = writeln!(
        out,
        "{}: #{}, {}, IKEv{}, {}_i{i} {}_r{r}",
        ike.s("name"),
        ike.s("uniqueid"),
        ike.s("state"),
        ike.s("version"),
        ike.s("initiator-spi"),
        ike.s("responder-spi"),
    );
    let _ = write!(
        out,
        "  local  '{}' @ {}[{}]",
        ike.s("local-id"),
        ike.s("local-host"),
        ike.s("local-port")
    );
    if let Some(vips) = ike.get("local-vips") {
        let _ = write!(out, " [{vips}]");
    }
    out.push('\n');
    let _ = write!(
        out,
        "  remote '{}' @ {}[{}]",
        ike.s("remote-id"),
        ike.s("remote-host"),
        ike.s("remote-port")
    );
    if let Some(id) = ike.get("remote-eap-id") {
        let _ = write!(out, " EAP: '{id}'");
    }
    if let Some(id) = ike.get("remote-xauth-id") {
        let _ = write!(out, " XAuth: '{id}'");
    }
    if let Some(vips) = ike.get("remote-vips") {
        let _ = write!(out, " [{vips}]");
    }
    out.push('\n');
    if let Some(encr) = ike.get("encr-alg") {
        let _ = write!(out, "  {encr}");
        for (key, sep) in [
            ("encr-keysize", "-"),
            ("integ-alg", "/"),
            ("integ-keysize", "-"),
        ] {
            if let Some(v) = ike.get(key) {
                let _ = write!(out, "{sep}{v}");
            }
        }
        let _ = write!(out, "/{}/{}", ike.s("prf-alg"), ike.s("dh-group"));
        if ike.is("ppk", "yes") {
            out.push_str("/PPK");
        }
        out.push('\n');
    }
    if let Some(established) = ike.get("established") {
        let _ = write!(out, "  established {established}s ago");
        for (key, what) in [
            ("rekey-time", "rekeying in"),
            ("reauth-time", "reauth in"),
            ("life-time", "expires in"),
        ] {
            if let Some(v) = ike.get(key) {
                let _ = write!(out, ", {what} {v}s");
            }
        }
        out.push('\n');
    }
    for (key, what) in [
        ("tasks-queued", "queued:  "),
        ("tasks-active", "active:  "),
        ("tasks-passive", "passive: "),
    ] {
        if let Some(v) = ike.get(key) {
            let _ = writeln!(out, "  {what}{v}");
        }
    }
}

fn child_text(out: &mut String, child: &Values) {
    let _ = write!(
        out,
        "  {}: #{}, reqid {}, {}, {}{}, {}:",
        child.s("name"),
        child.s("uniqueid"),
        child.s("reqid"),
        child.s("state"),
        child.s("mode"),
        if child.get("encap").is_some() {
            "-in-UDP"
        } else {
            ""
        },
        child.s("protocol"),
    );
    let encr = child.get("encr-alg");
    if let Some(encr) = encr {
        out.push_str(encr);
        if let Some(size) = child.get("encr-keysize") {
            let _ = write!(out, "-{size}");
        }
    }
    if let Some(integ) = child.get("integ-alg") {
        if encr.is_some() {
            out.push('/');
        }
        out.push_str(integ);
        if let Some(size) = child.get("integ-keysize") {
            let _ = write!(out, "-{size}");
        }
    }
    for key in ["prf-alg", "dh-group"] {
        if let Some(v) = child.get(key) {
            let _ = write!(out, "/{v}");
        }
    }
    if child.get("esn").is_some() {
        out.push_str("/ESN");
    }
    out.push('\n');
    let _ = write!(out, "    installed {}s ago", child.s("install-time"));
    if let Some(v) = child.get("rekey-time") {
        let _ = write!(out, ", rekeying in {v}s");
    }
    if let Some(v) = child.get("life-time") {
        let _ = write!(out, ", expires in {v}s");
    }
    out.push('\n');
    for dir in ["in", "out"] {
        traffic_line(out, child, dir);
    }
    if let Some(offload) = child.get("hw-offload") {
        // Cygnet's extension (cygnetd's key): the offload in use
        let _ = writeln!(out, "    hw-offload: {offload}");
    }
    if let Some(label) = child.get("label") {
        crate::commands::listing::print_label(out, "    label  ", label);
    }
    let _ = writeln!(out, "    local  {}", child.s("local-ts"));
    let _ = writeln!(out, "    remote {}", child.s("remote-ts"));
}

/// `    in  <spi>[/<cpi>] [(mark|if-id)], <bytes> bytes, <packets> packets[, <use>s ago]`.
fn traffic_line(out: &mut String, child: &Values, dir: &str) {
    let key = |k: &str| format!("{k}-{dir}");
    let pad = if dir == "in" { "  " } else { " " };
    let _ = write!(out, "    {dir}{pad}{}", child.s(&key("spi")));
    if let Some(cpi) = child.get(&key("cpi")) {
        let _ = write!(out, "/{cpi}");
    }
    let mark = child.get(&key("mark"));
    let if_id = child.get(&key("if-id"));
    if mark.is_some() || if_id.is_some() {
        out.push_str(" (");
        match mark {
            Some(mark) => {
                let _ = write!(out, "0x{mark}");
                if let Some(mask) = child.get(&key("mark-mask")) {
                    let _ = write!(out, "/0x{mask}");
                }
            }
            None => out.push('-'),
        }
        if let Some(if_id) = if_id {
            let _ = write!(out, "|0x{if_id}");
        }
        out.push(')');
    }
    let _ = write!(
        out,
        ", {:>6} bytes, {:>5} packets",
        child.s(&key("bytes")),
        child.s(&key("packets"))
    );
    if let Some(used) = child.get(&key("use")) {
        let _ = write!(out, ", {used:>5}s ago");
    }
    out.push('\n');
}

/// `--monitor-sa`: prints `ike-updown` and `child-updown` events until
/// SIGINT or SIGTERM, then `disconnecting...` on stderr.
pub(crate) fn monitor(ctx: &mut Ctx) -> i32 {
    let format = ctl::options!(ctx, "monitor-sa");
    let Some(conn) = ctx.conn.take() else {
        return 1;
    };
    crate::commands::listing::monitor(
        conn,
        &[("ike-updown", "IKE_SAs"), ("child-updown", "CHILD_SAs")],
        move |name, msg| {
            if format.raw {
                crate::conn::dump(msg, &format!("{name} event"), format.pretty);
            } else {
                crate::out::print(&sa_text(msg));
            }
        },
    )
}

#[cfg(test)]
#[path = "list_sas_tests.rs"]
mod tests;
