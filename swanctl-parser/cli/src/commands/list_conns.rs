//! `swanctl --list-conns` (strongSwan 5.9.8 `list_conns.c`): `list-conn`
//! events as text, or dumped with `--raw`/`--pretty`.

use std::fmt::Write as _;

use swanctl_parser::vici::{Item, Message};

use super::ctl;
use crate::command::Ctx;
use crate::commands::listing::{self, Values, printable};
use crate::conn::Req;

pub(crate) fn run(ctx: &mut Ctx) -> i32 {
    let format = ctl::options!(ctx, "list-conns");
    let Some(conn) = ctx.conn.as_mut() else {
        return 1;
    };
    let req = Req::new();
    listing::stream(
        conn,
        ("list-conn", "connections"),
        "list-conn event",
        "list-conns",
        req,
        format,
        conn_text,
    )
}

/// `vici_find_str(res, def, "<conn>.<key>")`: the value if printable.
fn find(conn: &Message, key: &str) -> Option<String> {
    conn.get_value(key)
        .filter(|v| printable(v))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The text swanctl prints for a `list-conn` event.
pub(crate) fn conn_text(msg: &Message) -> String {
    let mut out = String::new();
    for (name, item) in msg {
        if let Item::Section(conn) = item {
            one_conn(&mut out, name, conn);
        }
    }
    out
}

fn one_conn(out: &mut String, name: &str, conn: &Message) {
    let version = find(conn, "version").unwrap_or_default();
    let mut reauth = find(conn, "reauth_time").unwrap_or_else(|| "0".into());
    let rekey = find(conn, "rekey_time").unwrap_or_else(|| "0".into());
    let dpd_delay = find(conn, "dpd_delay").unwrap_or_else(|| "0".into());
    let ikev1 = version == "IKEv1";
    let _ = write!(out, "{name}: {version}, ");
    if ikev1 && reauth == "0" {
        reauth.clone_from(&rekey);
    }
    if reauth == "0" {
        out.push_str("no reauthentication");
    } else {
        let _ = write!(out, "reauthentication every {reauth}s");
    }
    if !ikev1 {
        if rekey == "0" {
            out.push_str(", no rekeying");
        } else {
            let _ = write!(out, ", rekeying every {rekey}s");
        }
    }
    if dpd_delay != "0" {
        let _ = write!(out, ", dpd delay {dpd_delay}s");
    }
    out.push('\n');
    let ppk_id = find(conn, "ppk_id");
    let ppk_required = find(conn, "ppk_required");
    if ppk_id.is_some() || ppk_required.is_some() {
        let _ = writeln!(
            out,
            "  ppk: {}{}{}required",
            ppk_id.as_deref().unwrap_or(""),
            if ppk_id.is_some() { ", " } else { "" },
            if ppk_required.as_deref() == Some("yes") {
                ""
            } else {
                "not "
            }
        );
    }
    for (key, item) in conn {
        match item {
            Item::List(addrs) => {
                let label = match key.as_str() {
                    "local_addrs" => "local: ",
                    "remote_addrs" => "remote:",
                    _ => continue,
                };
                for addr in addrs.iter().filter(|a| printable(a)) {
                    let _ = writeln!(out, "  {label} {}", String::from_utf8_lossy(addr));
                }
            }
            Item::Section(children) if key == "children" => {
                for (child, item) in children {
                    if let Item::Section(section) = item {
                        child_text(out, child, &Values::of(section), &dpd_delay);
                    }
                }
            }
            Item::Section(auth) if key.starts_with("local") || key.starts_with("remote") => {
                auth_text(out, key.starts_with("local"), &Values::of(auth));
            }
            _ => {}
        }
    }
}

fn auth_text(out: &mut String, local: bool, auth: &Values) {
    let mut class = auth.get("class").unwrap_or("unspecified");
    if class.eq_ignore_ascii_case("EAP") {
        class = auth.get("eap-type").unwrap_or(class);
    }
    let side = if local { "local" } else { "remote" };
    let _ = writeln!(out, "  {side} {class} authentication:");
    for (key, label) in [
        ("id", "id"),
        ("ca_id", "ca_id"),
        ("eap_id", "eap_id"),
        ("xauth_id", "xauth_id"),
        ("aaa_id", "aaa_id"),
        ("groups", "groups"),
        ("cert_policy", "cert policy"),
        ("certs", "certs"),
        ("cacerts", "cacerts"),
    ] {
        if let Some(v) = auth.get(key) {
            let _ = writeln!(out, "    {label}: {v}");
        }
    }
}

fn child_text(out: &mut String, name: &str, child: &Values, dpd_delay: &str) {
    let mode = child.get("mode");
    let _ = write!(out, "  {name}: {}, ", child.s("mode"));
    let limits = [
        ("rekey_time", "s"),
        ("rekey_bytes", " bytes"),
        ("rekey_packets", " packets"),
    ];
    let shunt =
        mode.is_some_and(|m| m.eq_ignore_ascii_case("PASS") || m.eq_ignore_ascii_case("DROP"));
    if shunt || limits.iter().all(|(key, _)| child.is(key, "0")) {
        out.push_str("no rekeying");
    } else {
        // `rekeying every 3600s or 1000 bytes or 20 packets`, zeros left out
        out.push_str("rekeying every");
        let mut or = "";
        for (key, unit) in limits.iter().filter(|(key, _)| !child.is(key, "0")) {
            let _ = write!(out, "{or} {}{unit}", child.s(key));
            or = " or";
        }
    }
    if dpd_delay != "0" {
        let _ = write!(out, ", dpd action is {}", child.s("dpd_action"));
    }
    out.push('\n');
    if let Some(label) = child.get("label") {
        listing::print_label(out, "    label:  ", label);
    }
    let _ = writeln!(out, "    local:  {}", child.s("local-ts"));
    let _ = writeln!(out, "    remote: {}", child.s("remote-ts"));
    if let Some(interface) = child.get("interface") {
        let _ = writeln!(out, "    interface: {interface}");
    }
    if let Some(priority) = child.get("priority") {
        let _ = writeln!(out, "    priority: {priority}");
    }
}

#[cfg(test)]
#[path = "list_conns_tests.rs"]
mod tests;
