//! IKE and CHILD_SAs as charon's `list_ike`/`list_child` describe them in
//! `list-sa`, `ike-updown`, `child-updown` and the rekey events: the same
//! keys in the same order, times in seconds relative to now, SPIs in hex.

use std::time::SystemTime;

use certs::identity::id_text;
use ike::config::Mode;
use ike::proposal::{Algorithm, Proposal};
use ike::time::Instant;
use ike::wire::Identification;
use ike::{ChildSaInfo, IkeSaInfo, IkeState};
use swanctl_parser::vici::Message;

use crate::install::Offload;

/// Traffic counters of a CHILD_SA's two SAs, and the hardware offload of
/// its inbound SA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) offload: Option<Offload>,
    pub(crate) bytes_in: u64,
    pub(crate) packets_in: u64,
    pub(crate) last_in: Option<SystemTime>,
    pub(crate) bytes_out: u64,
    pub(crate) packets_out: u64,
    pub(crate) last_out: Option<SystemTime>,
}

/// Whole seconds from `from` to `to`, negative if `to` is earlier.
fn secs(from: Instant, to: Instant) -> i64 {
    let s = |d: core::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    if to >= from {
        s(to.saturating_duration_since(from))
    } else {
        -s(from.saturating_duration_since(to))
    }
}

fn id(id: Option<&Identification>) -> String {
    id.map_or_else(|| "%any".to_owned(), id_text)
}

/// The keys of charon's `list_ike`, into `b`.
pub(crate) fn list_ike(b: &mut Message, sa: &IkeSaInfo, now: Instant) {
    b.push_value("uniqueid", sa.handle.0.to_string());
    b.push_value("version", "2");
    b.push_value("state", sa.state.name());
    b.push_value("local-host", sa.local.ip().to_string());
    b.push_value("local-port", sa.local.port().to_string());
    b.push_value("local-id", id(sa.local_id.as_ref()));
    b.push_value("remote-host", sa.remote.ip().to_string());
    b.push_value("remote-port", sa.remote.port().to_string());
    b.push_value("remote-id", id(sa.remote_id.as_ref()));
    if sa.initiator {
        b.push_value("initiator", "yes");
    }
    b.push_value("initiator-spi", format!("{:016x}", sa.spi_i));
    b.push_value("responder-spi", format!("{:016x}", sa.spi_r));
    let nat = sa.nat;
    let fake = nat.encap && !nat.local_behind && !nat.remote_behind;
    for (key, on) in [
        ("nat-local", nat.local_behind),
        ("nat-remote", nat.remote_behind),
        ("nat-fake", fake),
        ("nat-any", nat.local_behind || nat.remote_behind || fake),
    ] {
        if on {
            b.push_value(key, "yes");
        }
    }
    if let Some(p) = &sa.proposal {
        algorithms(b, p, true);
    }
    if sa.state == IkeState::Established {
        if let Some(at) = sa.established {
            b.push_value("established", secs(at, now).to_string());
        }
        if let Some(at) = sa.rekey_at {
            b.push_value("rekey-time", secs(now, at).to_string());
        }
    }
    // charon's list_vips: only non-empty lists
    for (key, vips) in [
        ("local-vips", &sa.local_vips),
        ("remote-vips", &sa.remote_vips),
    ] {
        if !vips.is_empty() {
            b.push_list(key, vips.iter().map(ToString::to_string));
        }
    }
}

/// `encr-alg`, `encr-keysize`, `integ-alg`, (IKE: `prf-alg`), `dh-group`,
/// (ESP: `esn`), as charon lists a proposal.
fn algorithms(b: &mut Message, p: &Proposal, ike: bool) {
    if let Some((encr, keysize)) = p.encr() {
        b.push_value("encr-alg", Algorithm::Encr(encr).name());
        if let Some(ks) = keysize {
            b.push_value("encr-keysize", ks.to_string());
        }
    }
    if let Some(integ) = p.integ().filter(|i| i.0 != 0) {
        b.push_value("integ-alg", Algorithm::Integ(integ).name());
    }
    if ike && let Some(prf) = p.prf() {
        b.push_value("prf-alg", Algorithm::Prf(prf).name());
    }
    if let Some(ke) = p.ke() {
        b.push_value("dh-group", Algorithm::Ke(ke).name());
    }
    if !ike && p.esn() {
        b.push_value("esn", "1");
    }
}

pub(crate) const fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Tunnel => "TUNNEL",
        Mode::Transport => "TRANSPORT",
    }
}

/// The keys of charon's `list_child` (every CHILD_SA the core holds is in
/// a state charon lists with its IPsec details and counters).
pub(crate) fn list_child(c: &ChildSaInfo, encap: bool, usage: &Usage, now: Instant) -> Message {
    let mut b = Message::new();
    b.push_value("name", c.name.as_str());
    b.push_value("uniqueid", c.id.0.to_string());
    b.push_value("reqid", c.reqid.to_string());
    b.push_value("state", c.state.name());
    b.push_value("mode", mode_name(c.mode));
    b.push_value("protocol", c.proposal.protocol.to_string());
    if encap {
        b.push_value("encap", "yes");
    }
    b.push_value("spi-in", format!("{:08x}", c.spi_in));
    b.push_value("spi-out", format!("{:08x}", c.spi_out));
    algorithms(&mut b, &c.proposal, false);
    let wall = SystemTime::now();
    let ago = |t: Option<SystemTime>| t.map(|t| wall.duration_since(t).map_or(0, |d| d.as_secs()));
    b.push_value("bytes-in", usage.bytes_in.to_string());
    b.push_value("packets-in", usage.packets_in.to_string());
    if let Some(s) = ago(usage.last_in) {
        b.push_value("use-in", s.to_string());
    }
    b.push_value("bytes-out", usage.bytes_out.to_string());
    b.push_value("packets-out", usage.packets_out.to_string());
    if let Some(s) = ago(usage.last_out) {
        b.push_value("use-out", s.to_string());
    }
    // Cygnet's extension (charon's swanctl ignores unknown keys)
    if let Some(offload) = usage.offload {
        b.push_value("hw-offload", offload.text());
    }
    if let Some(at) = c.rekey_at {
        b.push_value("rekey-time", secs(now, at).to_string());
    }
    if let Some(at) = c.expire_at {
        b.push_value("life-time", secs(now, at).to_string());
    }
    b.push_value("install-time", secs(c.established, now).to_string());
    b.push_list("local-ts", c.local_ts.iter().map(ToString::to_string));
    b.push_list("remote-ts", c.remote_ts.iter().map(ToString::to_string));
    b
}

/// Whether the IKE SA's CHILD_SAs are UDP-encapsulated.
pub(crate) const fn encap(sa: &IkeSaInfo) -> bool {
    sa.nat.encap || sa.nat.local_behind || sa.nat.remote_behind
}

/// `<conn> { list_ike... child-sas { <name>-<id> { list_child... } } }`,
/// the message of a `list-sa` event and of `child-updown`.
pub(crate) fn ike_with_children(
    sa: &IkeSaInfo,
    children: &[(&ChildSaInfo, Usage)],
    now: Instant,
) -> Message {
    let mut ike = Message::new();
    list_ike(&mut ike, sa, now);
    let mut sas = Message::new();
    for (c, usage) in children {
        sas.push_section(
            format!("{}-{}", c.name, c.id.0),
            list_child(c, encap(sa), usage, now),
        );
    }
    ike.push_section("child-sas", sas);
    Message::new().with_section(sa.name.as_str(), ike)
}

#[cfg(test)]
#[path = "sa_msg_tests.rs"]
mod tests;
