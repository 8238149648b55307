//! CHILD_SA configurations: `connections.<conn>.children.<child>`
//! (reference §2.3).

use crate::settings::Pos;

use super::auth::{entry_items, entry_text};
use super::error::{Diag, ValueError};
use super::lifetime::{ChildLifetime, ChildLifetimeConfig};
use super::node::{ConfEntry, ConfNode};
use super::proposal::{Proposal, ProtocolId, default_esp_proposals, parse_proposal_item};
use super::ts::TrafficSelector;
use super::value::{
    IfId, Mark, MarkOps, STR_BUF, parse_bool, parse_bytes, parse_if_id, parse_map, parse_mark,
    parse_string, parse_time, parse_time32, parse_u32, parse_u64, stringify,
};

/// IPsec mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Tunnel,
    Transport,
    /// `transport_proxy`: transport mode with proxy traffic selectors
    /// (Mobile IPv6).
    TransportProxy,
    Beet,
    /// Bypass policy (no IKE).
    Pass,
    /// Drop policy (no IKE).
    Drop,
}

/// `start_action`, `close_action`, `dpd_action`: any combination of `trap`
/// and `start` (`none`/`clear`, `trap`/`route`, `start`/`restart`,
/// `trap|start`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Action {
    pub trap: bool,
    pub start: bool,
}

impl Action {
    pub const NONE: Self = Self {
        trap: false,
        start: false,
    };
    pub const TRAP: Self = Self {
        trap: true,
        start: false,
    };
    pub const START: Self = Self {
        trap: false,
        start: true,
    };

    pub fn is_none(&self) -> bool {
        !self.trap && !self.start
    }
}

/// `hw_offload`. All five values are accepted (5.9.8 knew only
/// `no|yes|auto`; `yes` equals `crypto`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HwOffload {
    #[default]
    No,
    /// `yes` or `crypto`: crypto offload, fail if unsupported.
    Crypto,
    /// Full packet (and policy) offload, fail if unsupported.
    Packet,
    /// Use offload if the device supports it.
    Auto,
}

/// `copy_dscp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CopyDscp {
    /// Copy outbound only (default).
    #[default]
    Out,
    In,
    Yes,
    No,
}

/// `tfc_padding`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TfcPadding {
    /// Pad to this many bytes (0 = off).
    Bytes(u32),
    /// Pad to the path MTU.
    #[default]
    Mtu,
}

/// `label_mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LabelMode {
    /// The system's default (SELinux if available, else simple).
    #[default]
    System,
    Simple,
    Selinux,
}

/// One CHILD_SA configuration with charon's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub name: String,
    pub pos: Pos,
    /// ESP and/or AH proposals; default AEAD first, then CBC.
    pub proposals: Vec<Proposal>,
    /// Default: one `dynamic` selector.
    pub local_ts: Vec<TrafficSelector>,
    pub remote_ts: Vec<TrafficSelector>,
    pub lifetime: ChildLifetime,
    pub updown: Option<String>,
    pub hostaccess: bool,
    pub mode: Mode,
    pub policies: bool,
    pub policies_fwd_out: bool,
    /// `None`: `charon.replay_window` (32).
    pub replay_window: Option<u32>,
    pub dpd_action: Action,
    pub start_action: Action,
    pub close_action: Action,
    pub ipcomp: bool,
    /// Seconds; 0 = off.
    pub inactivity: u32,
    /// 0 = dynamic.
    pub reqid: u32,
    /// 0 = computed.
    pub priority: u32,
    pub interface: Option<String>,
    pub mark_in: Mark,
    pub mark_in_sa: bool,
    pub mark_out: Mark,
    pub set_mark_in: Mark,
    pub set_mark_out: Mark,
    pub tfc_padding: TfcPadding,
    pub hw_offload: HwOffload,
    pub sha256_96: bool,
    pub copy_df: bool,
    pub copy_ecn: bool,
    pub copy_dscp: CopyDscp,
    /// `Value(0)` = inherit the connection's.
    pub if_id_in: IfId,
    pub if_id_out: IfId,
    pub label: Option<String>,
    pub label_mode: LabelMode,
}

impl Child {
    fn defaults(name: &str, pos: Pos) -> Self {
        Self {
            name: name.to_owned(),
            pos,
            proposals: Vec::new(),
            local_ts: Vec::new(),
            remote_ts: Vec::new(),
            lifetime: ChildLifetime::default(),
            updown: None,
            hostaccess: false,
            mode: Mode::Tunnel,
            policies: true,
            policies_fwd_out: false,
            replay_window: None,
            dpd_action: Action::NONE,
            start_action: Action::NONE,
            close_action: Action::NONE,
            ipcomp: false,
            inactivity: 0,
            reqid: 0,
            priority: 0,
            interface: None,
            mark_in: Mark::NONE,
            mark_in_sa: false,
            mark_out: Mark::NONE,
            set_mark_in: Mark::NONE,
            set_mark_out: Mark::NONE,
            tfc_padding: TfcPadding::Bytes(0),
            hw_offload: HwOffload::No,
            sha256_96: false,
            copy_df: true,
            copy_ecn: true,
            copy_dscp: CopyDscp::Out,
            if_id_in: IfId::Value(0),
            if_id_out: IfId::Value(0),
            label: None,
            label_mode: LabelMode::System,
        }
    }

    /// The protocol of the child's SAs (AH if AH proposals come first).
    pub fn protocol(&self) -> ProtocolId {
        self.proposals
            .first()
            .map_or(ProtocolId::ESP, |p| p.protocol)
    }
}

fn parse_mode(value: &str) -> Result<Mode, ValueError> {
    parse_map(
        value,
        &[
            ("tunnel", Mode::Tunnel),
            ("transport", Mode::Transport),
            ("transport_proxy", Mode::TransportProxy),
            ("beet", Mode::Beet),
            ("drop", Mode::Drop),
            ("pass", Mode::Pass),
        ],
    )
}

/// An action: a name, or `|`-separated flags (`trap|start`); an empty
/// value means none.
pub fn parse_action(value: &str) -> Result<Action, ValueError> {
    let map = [
        ("start", Action::START),
        ("restart", Action::START),
        ("route", Action::TRAP),
        ("trap", Action::TRAP),
        ("none", Action::NONE),
        ("clear", Action::NONE),
    ];
    if let Ok(a) = parse_map(value, &map) {
        return Ok(a);
    }
    let v = stringify(value, STR_BUF)?;
    let mut action = Action::NONE;
    for flag in super::node::tokenize(v, '|', ' ') {
        if flag.eq_ignore_ascii_case("none") {
            continue;
        } else if flag.eq_ignore_ascii_case("trap") {
            action.trap = true;
        } else if flag.eq_ignore_ascii_case("start") {
            action.start = true;
        } else {
            return Err(ValueError::because(format!("unknown action '{flag}'")));
        }
    }
    Ok(action)
}

fn parse_hw_offload(value: &str) -> Result<HwOffload, ValueError> {
    parse_map(
        value,
        &[
            ("no", HwOffload::No),
            ("yes", HwOffload::Crypto),
            ("crypto", HwOffload::Crypto),
            ("packet", HwOffload::Packet),
            ("auto", HwOffload::Auto),
        ],
    )
}

fn parse_copy_dscp(value: &str) -> Result<CopyDscp, ValueError> {
    parse_map(
        value,
        &[
            ("no", CopyDscp::No),
            ("in", CopyDscp::In),
            ("out", CopyDscp::Out),
            ("yes", CopyDscp::Yes),
        ],
    )
}

fn parse_tfc(value: &str) -> Result<TfcPadding, ValueError> {
    if value == "mtu" {
        return Ok(TfcPadding::Mtu);
    }
    parse_u32(value).map(TfcPadding::Bytes)
}

fn parse_label(value: &str) -> Result<String, ValueError> {
    let v = stringify(value, STR_BUF)?;
    if v.is_empty() {
        return Err(ValueError::because("invalid empty security label"));
    }
    Ok(v.to_owned())
}

fn parse_label_mode(value: &str) -> Result<LabelMode, ValueError> {
    parse_map(
        value,
        &[
            ("system", LabelMode::System),
            ("simple", LabelMode::Simple),
            ("selinux", LabelMode::Selinux),
        ],
    )
}

/// Parses one child section.
pub(crate) fn parse_child(node: &ConfNode, d: &mut Diag) -> Child {
    let mut c = Child::defaults(&node.name, node.pos.clone());
    let mut lft = ChildLifetimeConfig::default();
    for e in &node.entries {
        if e.value.is_list() {
            child_list(&mut c, e, d);
        } else {
            child_kv(&mut c, &mut lft, e, d);
        }
    }
    // sub-sections of a child are ignored by charon
    if c.local_ts.is_empty() {
        c.local_ts.push(TrafficSelector::dynamic());
    }
    if c.remote_ts.is_empty() {
        c.remote_ts.push(TrafficSelector::dynamic());
    }
    // also when only empty lists were given, as charon does
    if c.proposals.is_empty() {
        c.proposals = default_esp_proposals();
    }
    c.lifetime = lft.derive();
    check_packet_offload_lifetimes(node, &c, d);
    c
}

/// Packet offload leaves ESP to the NIC, which counts packets but not bytes:
/// byte limits could never fire, so they are refused (`rekey_packets` is
/// the volume limit to use).
fn check_packet_offload_lifetimes(node: &ConfNode, c: &Child, d: &mut Diag) {
    if c.hw_offload != HwOffload::Packet
        || (c.lifetime.bytes.rekey == 0 && c.lifetime.bytes.life == 0)
    {
        return;
    }
    let pos = node
        .entries
        .iter()
        .find(|e| e.key == "hw_offload")
        .map_or(&node.pos, |e| &e.pos);
    let reason = "hw_offload = packet cannot count bytes: rekey_bytes and life_bytes \
                  must be 0 (use rekey_packets)";
    d.invalid(pos, "hw_offload", ValueError::because(reason));
}

fn child_list(c: &mut Child, e: &ConfEntry, d: &mut Diag) {
    let proto = match e.key.as_str() {
        "esp_proposals" => Some(ProtocolId::ESP),
        "ah_proposals" => Some(ProtocolId::AH),
        _ => None,
    };
    if let Some(proto) = proto {
        for item in entry_items(e) {
            match parse_proposal_item(proto, &item) {
                Ok(v) => c.proposals.extend(v),
                Err(err) => d.invalid(&e.pos, &e.key, err),
            }
        }
        return;
    }
    let target = match e.key.as_str() {
        "local_ts" => &mut c.local_ts,
        "remote_ts" => &mut c.remote_ts,
        _ => {
            d.unknown(&e.pos, &e.key);
            return;
        }
    };
    for item in entry_items(e) {
        match TrafficSelector::parse(&item) {
            Ok(ts) => target.push(ts),
            Err(err) => d.invalid(&e.pos, &e.key, err),
        }
    }
}

fn child_kv(c: &mut Child, l: &mut ChildLifetimeConfig, e: &ConfEntry, d: &mut Diag) {
    let v = entry_text(e);
    let v = v.as_ref();
    let result = match e.key.as_str() {
        "updown" => parse_string(v).map(|s| c.updown = Some(s)),
        "hostaccess" => parse_bool(v).map(|b| c.hostaccess = b),
        "mode" => parse_mode(v).map(|m| c.mode = m),
        "policies" => parse_bool(v).map(|b| c.policies = b),
        "policies_fwd_out" => parse_bool(v).map(|b| c.policies_fwd_out = b),
        "replay_window" => parse_u32(v).map(|n| c.replay_window = Some(n)),
        "rekey_time" => parse_time(v).map(|n| l.rekey_time = Some(n)),
        "life_time" => parse_time(v).map(|n| l.life_time = Some(n)),
        "rand_time" => parse_time(v).map(|n| l.rand_time = Some(n)),
        "rekey_bytes" => parse_bytes(v).map(|n| l.rekey_bytes = Some(n)),
        "life_bytes" => parse_bytes(v).map(|n| l.life_bytes = Some(n)),
        "rand_bytes" => parse_bytes(v).map(|n| l.rand_bytes = Some(n)),
        "rekey_packets" => parse_u64(v).map(|n| l.rekey_packets = Some(n)),
        "life_packets" => parse_u64(v).map(|n| l.life_packets = Some(n)),
        "rand_packets" => parse_u64(v).map(|n| l.rand_packets = Some(n)),
        "dpd_action" => parse_action(v).map(|a| c.dpd_action = a),
        "start_action" => parse_action(v).map(|a| c.start_action = a),
        "close_action" => parse_action(v).map(|a| c.close_action = a),
        "ipcomp" => parse_bool(v).map(|b| c.ipcomp = b),
        "inactivity" => parse_time32(v).map(|n| c.inactivity = n),
        "reqid" => parse_u32(v).map(|n| c.reqid = n),
        "mark_in" => parse_mark(v, MarkOps::Unique).map(|m| c.mark_in = m),
        "mark_in_sa" => parse_bool(v).map(|b| c.mark_in_sa = b),
        "mark_out" => parse_mark(v, MarkOps::Unique).map(|m| c.mark_out = m),
        "set_mark_in" => parse_mark(v, MarkOps::Same).map(|m| c.set_mark_in = m),
        "set_mark_out" => parse_mark(v, MarkOps::Same).map(|m| c.set_mark_out = m),
        "tfc_padding" => parse_tfc(v).map(|t| c.tfc_padding = t),
        "priority" => parse_u32(v).map(|n| c.priority = n),
        "interface" => parse_string(v).map(|s| c.interface = Some(s)),
        "hw_offload" => parse_hw_offload(v).map(|h| c.hw_offload = h),
        "sha256_96" => parse_bool(v).map(|b| c.sha256_96 = b),
        "copy_df" => parse_bool(v).map(|b| c.copy_df = b),
        "copy_ecn" => parse_bool(v).map(|b| c.copy_ecn = b),
        "copy_dscp" => parse_copy_dscp(v).map(|x| c.copy_dscp = x),
        "if_id_in" => parse_if_id(v).map(|i| c.if_id_in = i),
        "if_id_out" => parse_if_id(v).map(|i| c.if_id_out = i),
        "label" => parse_label(v).map(|s| c.label = Some(s)),
        "label_mode" => parse_label_mode(v).map(|m| c.label_mode = m),
        _ => {
            d.unknown(&e.pos, &e.key);
            return;
        }
    };
    if let Err(err) = result {
        d.invalid(&e.pos, &e.key, err);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::error::Scope;
    use crate::config::lifetime::Limits;
    use crate::config::value::MarkValue;

    fn child(node: ConfNode) -> (Child, Vec<String>) {
        let mut d = Diag::new(Scope::Connection("c".into()));
        let c = parse_child(&node, &mut d);
        (c, d.errors.iter().map(|e| e.errmsg()).collect())
    }

    fn ok(node: ConfNode) -> Child {
        let (c, errors) = child(node);
        assert!(errors.is_empty(), "{errors:?}");
        c
    }

    fn n() -> ConfNode {
        ConfNode::new("net", Pos::unknown())
    }

    #[test]
    fn an_empty_child_gets_charons_defaults() {
        let c = ok(n());
        assert_eq!(c.mode, Mode::Tunnel);
        assert_eq!(c.local_ts, vec![TrafficSelector::dynamic()]);
        assert_eq!(c.remote_ts, vec![TrafficSelector::dynamic()]);
        assert_eq!(c.proposals, default_esp_proposals());
        assert_eq!(
            c.lifetime.time,
            Limits {
                rekey: 3600,
                life: 3960,
                rand: 360
            }
        );
        assert!(c.policies && c.copy_df && c.copy_ecn);
        assert_eq!(c.copy_dscp, CopyDscp::Out);
        assert_eq!(c.hw_offload, HwOffload::No);
        assert_eq!(c.replay_window, None);
        assert!(c.start_action.is_none() && c.dpd_action.is_none());
        assert_eq!(c.tfc_padding, TfcPadding::Bytes(0));
        assert_eq!(c.protocol(), ProtocolId::ESP);
    }

    #[test]
    fn packet_offload_refuses_byte_lifetimes() {
        for key in ["rekey_bytes", "life_bytes"] {
            let (_, e) = child(n().with_str("hw_offload", "packet").with_str(key, "1g"));
            assert_eq!(
                e,
                vec!["invalid value for: hw_offload, config discarded"],
                "{key}"
            );
        }
        let c = ok(n()
            .with_str("hw_offload", "packet")
            .with_str("rekey_packets", "20"));
        assert_eq!(c.lifetime.packets.life, 22);
        ok(n()
            .with_str("hw_offload", "auto")
            .with_str("rekey_bytes", "1g"));
    }

    #[test]
    fn hw_offload_accepts_all_five_values() {
        for (v, want) in [
            ("no", HwOffload::No),
            ("yes", HwOffload::Crypto),
            ("crypto", HwOffload::Crypto),
            ("PACKET", HwOffload::Packet),
            ("auto", HwOffload::Auto),
        ] {
            assert_eq!(ok(n().with_str("hw_offload", v)).hw_offload, want, "{v}");
        }
        let (_, e) = child(n().with_str("hw_offload", "full"));
        assert_eq!(e, vec!["invalid value for: hw_offload, config discarded"]);
    }

    #[test]
    fn actions_accept_aliases_and_flag_combinations() {
        assert_eq!(parse_action("restart"), Ok(Action::START));
        assert_eq!(parse_action("route"), Ok(Action::TRAP));
        assert_eq!(parse_action("clear"), Ok(Action::NONE));
        assert_eq!(parse_action("Trap"), Ok(Action::TRAP));
        assert_eq!(
            parse_action("trap|start"),
            Ok(Action {
                trap: true,
                start: true
            })
        );
        assert_eq!(
            parse_action("start | trap"),
            Ok(Action {
                trap: true,
                start: true
            })
        );
        assert_eq!(parse_action("none|trap"), Ok(Action::TRAP));
        assert_eq!(parse_action(""), Ok(Action::NONE));
        assert!(parse_action("restart|trap").is_err());
        assert!(parse_action("hold").is_err());
    }

    #[test]
    fn modes_parse_in_any_case() {
        assert_eq!(ok(n().with_str("mode", "TRANSPORT")).mode, Mode::Transport);
        assert_eq!(
            ok(n().with_str("mode", "transport_proxy")).mode,
            Mode::TransportProxy
        );
        assert_eq!(ok(n().with_str("mode", "pass")).mode, Mode::Pass);
        let (_, e) = child(n().with_str("mode", "iptfs"));
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn lifetimes_derive_from_the_configured_values() {
        let c = ok(n()
            .with_str("rekey_time", "5400")
            .with_str("rekey_bytes", "500000000")
            .with_str("rekey_packets", "1000000"));
        assert_eq!(
            c.lifetime.time,
            Limits {
                rekey: 5400,
                life: 5940,
                rand: 540
            }
        );
        assert_eq!(c.lifetime.bytes.life, 550_000_000);
        assert_eq!(c.lifetime.packets.life, 1_100_000);
        let c = ok(n()
            .with_str("rekey_time", "5s")
            .with_str("life_time", "10s")
            .with_str("rand_time", "0"));
        assert_eq!(
            c.lifetime.time,
            Limits {
                rekey: 5,
                life: 10,
                rand: 0
            }
        );
        let c = ok(n().with_str("life_bytes", "1m"));
        assert_eq!(
            c.lifetime.bytes,
            Limits {
                rekey: 0,
                life: 1 << 20,
                rand: 1 << 20
            }
        );
    }

    #[test]
    fn explicit_esp_default_is_cbc_first_and_lists_concatenate() {
        let c = ok(n().with_list("esp_proposals", &["aes128gcm16-x25519", "default"]));
        let names: Vec<String> = c.proposals.iter().map(|p| p.to_string()).collect();
        assert_eq!(names.len(), 3);
        assert_eq!(names[0], "ESP:AES_GCM_16_128/CURVE_25519/NO_EXT_SEQ");
        assert!(names[1].starts_with("ESP:AES_CBC_128"));
        assert!(names[2].starts_with("ESP:AES_GCM_16_128/AES_GCM_16_192"));
        let c = ok(n().with_list("ah_proposals", &["sha256"]));
        assert_eq!(c.protocol(), ProtocolId::AH);
        let c = ok(n().with_list("esp_proposals", &[]));
        assert_eq!(c.proposals, default_esp_proposals());
    }

    #[test]
    fn bad_proposals_name_the_algorithm() {
        let mut d = Diag::new(Scope::Connection("c".into()));
        parse_child(&n().with_list("esp_proposals", &["aes128-foo"]), &mut d);
        assert_eq!(d.errors.len(), 1);
        assert_eq!(
            d.errors[0].kind(),
            &crate::config::error::ErrorKind::InvalidValue {
                reason: Some("algorithm 'foo' not recognized".into())
            }
        );
    }

    #[test]
    fn marks_if_ids_and_options_parse() {
        let c = ok(n()
            .with_str("mark_in", "%unique")
            .with_str("mark_out", "0x10/0xff")
            .with_str("set_mark_out", "%same")
            .with_str("if_id_in", "%unique-dir")
            .with_str("if_id_out", "42")
            .with_str("replay_window", "0")
            .with_str("copy_dscp", "yes")
            .with_str("copy_df", "no")
            .with_str("tfc_padding", "mtu")
            .with_str("inactivity", "5m")
            .with_str("label", "system_u:object_r:ipsec_spd_t:s0")
            .with_str("label_mode", "selinux"));
        assert_eq!(c.mark_in.value, MarkValue::Unique);
        assert_eq!(
            c.mark_out,
            Mark {
                value: MarkValue::Value(0x10),
                mask: 0xff
            }
        );
        assert_eq!(c.set_mark_out.value, MarkValue::Same);
        assert_eq!(c.if_id_in, IfId::UniqueDir);
        assert_eq!(c.if_id_out, IfId::Value(42));
        assert_eq!(c.replay_window, Some(0));
        assert_eq!(c.copy_dscp, CopyDscp::Yes);
        assert!(!c.copy_df);
        assert_eq!(c.tfc_padding, TfcPadding::Mtu);
        assert_eq!(c.inactivity, 300);
        assert_eq!(c.label_mode, LabelMode::Selinux);
        let (_, e) = child(n().with_str("set_mark_in", "%unique"));
        assert_eq!(e.len(), 1);
        let (_, e) = child(n().with_str("mark_in", "%same"));
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn traffic_selectors_collect_and_report_bad_items() {
        let c = ok(n()
            .with_list("local_ts", &["10.1.0.0/16", "10.3.0.0/16[tcp/80]"])
            .with_list("remote_ts", &["10.2.0.0/16"]));
        assert_eq!(c.local_ts.len(), 2);
        assert_eq!(c.remote_ts[0].to_string(), "10.2.0.0/16");
        let (_, e) = child(n().with_list("local_ts", &["10.1.0.0/16", "bogus"]));
        assert_eq!(e, vec!["invalid value for: local_ts, config discarded"]);
    }

    #[test]
    fn unknown_child_keys_and_later_versions_options_are_rejected() {
        let (_, e) = child(
            n().with_str("per_cpu_sas", "yes")
                .with_str("icmp", "yes")
                .with_str("esp_proposals", "aes128"),
        );
        assert_eq!(
            e,
            vec![
                "unknown option: per_cpu_sas, config discarded",
                "unknown option: icmp, config discarded",
                "unknown option: esp_proposals, config discarded",
            ]
        );
    }
}
