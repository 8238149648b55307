//! IKE connections: `connections.<conn>` (reference §2.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::settings::Pos;

use super::auth::{AuthRound, entry_items, entry_text, parse_auth_round};
use super::child::{Child, parse_child};
use super::error::{ConfigError, Diag, ErrorKind, Scope, ValueError};
use super::identity::Identity;
use super::lifetime::{IkeLifetime, IkeLifetimeConfig};
use super::node::ConfNode;
use super::proposal::{Proposal, ProtocolId, default_ike_proposals, parse_proposal_item};
use super::ts::{parse_range, subnet_range};
use super::value::{
    IfId, STR_BUF, has_prefix_ci, parse_bool, parse_dscp, parse_if_id, parse_map, parse_time32,
    parse_u32, printable, stringify,
};

/// charon's buffer for `vips` entries.
const HOST_BUF: usize = 64;

/// `version`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IkeVersion {
    /// 0: respond to both, initiate IKEv2.
    #[default]
    Any,
    V1,
    V2,
}

/// `fragmentation`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Fragmentation {
    #[default]
    Yes,
    /// Announce support, but don't fragment.
    Accept,
    /// IKEv1 only: fragment from the first message.
    Force,
    No,
}

/// `childless`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Childless {
    #[default]
    Allow,
    Force,
    Never,
}

/// `send_cert`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SendCert {
    #[default]
    IfAsked,
    Always,
    Never,
}

/// `unique`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UniquePolicy {
    Never,
    /// Replace existing IKE_SAs on INITIAL_CONTACT (default).
    #[default]
    No,
    Keep,
    Replace,
}

/// One `local_addrs`/`remote_addrs` entry, classified as charon's
/// `ike_cfg` does (never an error: anything else is a host name).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AddrSpec {
    /// `%any`: any address of either family.
    Any,
    /// `%any4`, `0.0.0.0`.
    Any4,
    /// `%any6`, `::`.
    Any6,
    Ip(IpAddr),
    /// `addr/bits` (as the range it covers).
    Subnet {
        from: IpAddr,
        to: IpAddr,
        prefix: u8,
    },
    /// `from-to`.
    Range {
        from: IpAddr,
        to: IpAddr,
    },
    /// A DNS name, resolved when used.
    Fqdn(String),
}

impl AddrSpec {
    pub fn parse(s: &str) -> Self {
        if let Some((addr, bits)) = s.split_once('/')
            && let (Some(ip), Ok(prefix)) = (parse_host(addr), bits.parse::<u8>())
        {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = prefix.min(max);
            let (from, to) = subnet_range(ip, prefix);
            return Self::Subnet { from, to, prefix };
        }
        if s.contains('-')
            && let Ok((from, to)) = parse_range(s)
        {
            return Self::Range { from, to };
        }
        match s {
            "%any" => Self::Any,
            "%any4" | "0.0.0.0" => Self::Any4,
            "%any6" | "::" => Self::Any6,
            _ => match parse_host(s) {
                Some(ip) => Self::Ip(ip),
                None => Self::Fqdn(s.to_owned()),
            },
        }
    }

    /// A concrete address, usable to initiate.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Self::Ip(ip) => Some(*ip),
            _ => None,
        }
    }
}

fn parse_host(s: &str) -> Option<IpAddr> {
    if s.contains('.') && !s.contains(':') {
        s.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
    } else {
        s.parse::<IpAddr>().ok()
    }
}

/// An IKE connection with charon's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    pub pos: Pos,
    pub version: IkeVersion,
    /// The entries as written; default `%any`.
    pub local_addrs: Vec<String>,
    pub remote_addrs: Vec<String>,
    /// `None`: `charon.port`.
    pub local_port: Option<u16>,
    pub remote_port: u16,
    /// IKE proposals; default non-AEAD then AEAD.
    pub proposals: Vec<Proposal>,
    pub vips: Vec<IpAddr>,
    pub aggressive: bool,
    pub pull: bool,
    /// 6-bit DSCP of IKE packets.
    pub dscp: u8,
    pub encap: bool,
    pub mobike: bool,
    /// Seconds; 0 = off.
    pub dpd_delay: u32,
    /// Seconds (IKEv1); raised to `dpd_delay` if smaller.
    pub dpd_timeout: u32,
    pub fragmentation: Fragmentation,
    pub childless: Childless,
    pub send_certreq: bool,
    pub send_cert: SendCert,
    pub ppk_id: Option<Identity>,
    pub ppk_required: bool,
    /// 0 = forever.
    pub keyingtries: u32,
    pub unique: UniquePolicy,
    pub lifetime: IkeLifetime,
    pub pools: Vec<String>,
    pub if_id_in: IfId,
    pub if_id_out: IfId,
    /// Local rounds, sorted by `round` (stable); at least one.
    pub local: Vec<AuthRound>,
    /// Remote rounds, sorted by `round` (stable); at least one.
    pub remote: Vec<AuthRound>,
    pub children: Vec<Child>,
}

impl Connection {
    fn defaults(name: &str, pos: Pos) -> Self {
        Self {
            name: name.to_owned(),
            pos,
            version: IkeVersion::Any,
            local_addrs: Vec::new(),
            remote_addrs: Vec::new(),
            local_port: None,
            remote_port: 500,
            proposals: Vec::new(),
            vips: Vec::new(),
            aggressive: false,
            pull: true,
            dscp: 0,
            encap: false,
            mobike: true,
            dpd_delay: 0,
            dpd_timeout: 0,
            fragmentation: Fragmentation::Yes,
            childless: Childless::Allow,
            send_certreq: true,
            send_cert: SendCert::IfAsked,
            ppk_id: None,
            ppk_required: false,
            keyingtries: 1,
            unique: UniquePolicy::No,
            lifetime: IkeLifetime::default(),
            pools: Vec::new(),
            if_id_in: IfId::Value(0),
            if_id_out: IfId::Value(0),
            local: Vec::new(),
            remote: Vec::new(),
            children: Vec::new(),
        }
    }

    /// `local_addrs` classified.
    pub fn local_addr_specs(&self) -> Vec<AddrSpec> {
        self.local_addrs
            .iter()
            .map(|s| AddrSpec::parse(s))
            .collect()
    }

    /// `remote_addrs` classified.
    pub fn remote_addr_specs(&self) -> Vec<AddrSpec> {
        self.remote_addrs
            .iter()
            .map(|s| AddrSpec::parse(s))
            .collect()
    }

    pub fn child(&self, name: &str) -> Option<&Child> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn parse_version(v: &str) -> Result<IkeVersion, ValueError> {
    match parse_u32(v)? {
        0 => Ok(IkeVersion::Any),
        1 => Ok(IkeVersion::V1),
        2 => Ok(IkeVersion::V2),
        _ => Err(ValueError::because("IKE version must be 0, 1 or 2")),
    }
}

fn parse_port(v: &str) -> Result<u16, ValueError> {
    u16::try_from(parse_u32(v)?).map_err(|_| ValueError::because("port out of range"))
}

fn parse_vip(v: &str) -> Result<IpAddr, ValueError> {
    let v = stringify(v, HOST_BUF)?;
    match v {
        "%any" | "%any4" => Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        "%any6" => Ok(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        _ => parse_host(v).ok_or_else(|| ValueError::because("invalid address")),
    }
}

fn parse_peer_id(v: &str) -> Result<Identity, ValueError> {
    Identity::parse(stringify(v, STR_BUF)?)
}

/// Parses one connection. Any error discards the whole connection; all of
/// its errors are returned.
pub fn parse_connection(node: &ConfNode) -> Result<Connection, Vec<ConfigError>> {
    let mut d = Diag::new(Scope::Connection(node.name.clone()));
    let mut c = Connection::defaults(&node.name, node.pos.clone());
    let mut lft = IkeLifetimeConfig::default();
    for e in &node.entries {
        if e.value.is_list() {
            conn_list(&mut c, e, &mut d);
        } else {
            conn_kv(&mut c, &mut lft, e, &mut d);
        }
    }
    for child in &node.children {
        if child.name.eq_ignore_ascii_case("children") {
            d.push_path(&child.name);
            for section in &child.children {
                d.push_path(&section.name);
                c.children.push(parse_child(section, &mut d));
                d.pop_path();
            }
            d.pop_path();
        } else if has_prefix_ci(&child.name, "local") || has_prefix_ci(&child.name, "remote") {
            d.push_path(&child.name);
            let round = parse_auth_round(child, &mut d);
            d.pop_path();
            if has_prefix_ci(&child.name, "local") {
                c.local.push(round);
            } else {
                c.remote.push(round);
            }
        } else {
            d.error(&child.pos, &child.name, ErrorKind::InvalidSection);
        }
    }
    finish(&mut c, &lft);
    if d.is_empty() { Ok(c) } else { Err(d.errors) }
}

fn finish(c: &mut Connection, lft: &IkeLifetimeConfig) {
    // stable: equal rounds keep their order, as charon's insertion does
    c.local.sort_by_key(|r| r.round);
    c.remote.sort_by_key(|r| r.round);
    if c.local.is_empty() {
        c.local.push(AuthRound::empty("local", c.pos.clone()));
    }
    if c.remote.is_empty() {
        c.remote.push(AuthRound::empty("remote", c.pos.clone()));
    }
    if c.proposals.is_empty() {
        c.proposals = default_ike_proposals();
    }
    if c.local_addrs.is_empty() {
        c.local_addrs.push("%any".to_owned());
    }
    if c.remote_addrs.is_empty() {
        c.remote_addrs.push("%any".to_owned());
    }
    c.lifetime = lft.derive();
    if c.dpd_delay != 0 && c.dpd_timeout != 0 && c.dpd_delay > c.dpd_timeout {
        c.dpd_timeout = c.dpd_delay;
    }
}

fn conn_list(c: &mut Connection, e: &super::node::ConfEntry, d: &mut Diag) {
    let items = entry_items(e);
    match e.key.as_str() {
        "local_addrs" | "remote_addrs" | "pools" => {
            let target = match e.key.as_str() {
                "local_addrs" => &mut c.local_addrs,
                "remote_addrs" => &mut c.remote_addrs,
                _ => &mut c.pools,
            };
            for item in items {
                match printable(&item) {
                    Ok(s) => target.push(s.to_owned()),
                    Err(err) => d.invalid(&e.pos, &e.key, err),
                }
            }
        }
        "proposals" => {
            for item in items {
                match parse_proposal_item(ProtocolId::IKE, &item) {
                    Ok(v) => c.proposals.extend(v),
                    Err(err) => d.invalid(&e.pos, &e.key, err),
                }
            }
        }
        "vips" => {
            for item in items {
                match parse_vip(&item) {
                    Ok(ip) => c.vips.push(ip),
                    Err(err) => d.invalid(&e.pos, &e.key, err),
                }
            }
        }
        _ => d.unknown(&e.pos, &e.key),
    }
}

fn conn_kv(
    c: &mut Connection,
    l: &mut IkeLifetimeConfig,
    e: &super::node::ConfEntry,
    d: &mut Diag,
) {
    let v = entry_text(e);
    let v = v.as_ref();
    let result = match e.key.as_str() {
        "version" => parse_version(v).map(|x| c.version = x),
        "aggressive" => parse_bool(v).map(|b| c.aggressive = b),
        "pull" => parse_bool(v).map(|b| c.pull = b),
        "dscp" => parse_dscp(v).map(|x| c.dscp = x),
        "encap" => parse_bool(v).map(|b| c.encap = b),
        "mobike" => parse_bool(v).map(|b| c.mobike = b),
        "dpd_delay" => parse_time32(v).map(|n| c.dpd_delay = n),
        "dpd_timeout" => parse_time32(v).map(|n| c.dpd_timeout = n),
        "fragmentation" => parse_map(
            v,
            &[
                ("yes", Fragmentation::Yes),
                ("accept", Fragmentation::Accept),
                ("no", Fragmentation::No),
                ("force", Fragmentation::Force),
            ],
        )
        .map(|x| c.fragmentation = x),
        "childless" => parse_map(
            v,
            &[
                ("allow", Childless::Allow),
                ("never", Childless::Never),
                ("force", Childless::Force),
            ],
        )
        .map(|x| c.childless = x),
        "send_certreq" => parse_bool(v).map(|b| c.send_certreq = b),
        "send_cert" => parse_map(
            v,
            &[
                ("ifasked", SendCert::IfAsked),
                ("always", SendCert::Always),
                ("never", SendCert::Never),
            ],
        )
        .map(|x| c.send_cert = x),
        "keyingtries" => parse_u32(v).map(|n| c.keyingtries = n),
        "unique" => parse_map(
            v,
            &[
                ("never", UniquePolicy::Never),
                ("no", UniquePolicy::No),
                ("replace", UniquePolicy::Replace),
                ("keep", UniquePolicy::Keep),
            ],
        )
        .map(|x| c.unique = x),
        "local_port" => parse_port(v).map(|p| c.local_port = (p != 0).then_some(p)),
        "remote_port" => parse_port(v).map(|p| c.remote_port = p),
        "reauth_time" => parse_time32(v).map(|n| l.reauth_time = Some(n)),
        "rekey_time" => parse_time32(v).map(|n| l.rekey_time = Some(n)),
        "over_time" => parse_time32(v).map(|n| l.over_time = Some(n)),
        "rand_time" => parse_time32(v).map(|n| l.rand_time = Some(n)),
        "ppk_id" => parse_peer_id(v).map(|i| c.ppk_id = Some(i)),
        "ppk_required" => parse_bool(v).map(|b| c.ppk_required = b),
        "if_id_in" => parse_if_id(v).map(|i| c.if_id_in = i),
        "if_id_out" => parse_if_id(v).map(|i| c.if_id_out = i),
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
    use crate::config::lifetime::DEFAULT_IKE_REKEY_TIME;

    fn conn(node: ConfNode) -> Connection {
        match parse_connection(&node) {
            Ok(c) => c,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn errors(node: ConfNode) -> Vec<String> {
        match parse_connection(&node) {
            Ok(_) => panic!("expected errors"),
            Err(e) => e.iter().map(ToString::to_string).collect(),
        }
    }

    fn gw() -> ConfNode {
        ConfNode::new("gw", Pos::unknown())
    }

    #[test]
    fn an_empty_connection_gets_charons_defaults() {
        let c = conn(gw());
        assert_eq!(c.version, IkeVersion::Any);
        assert_eq!(c.local_addrs, vec!["%any"]);
        assert_eq!(c.remote_addrs, vec!["%any"]);
        assert_eq!(c.local_port, None);
        assert_eq!(c.remote_port, 500);
        assert_eq!(c.proposals, default_ike_proposals());
        assert!(c.mobike && c.pull && c.send_certreq);
        assert!(!c.encap && !c.aggressive);
        assert_eq!(c.keyingtries, 1);
        assert_eq!(c.unique, UniquePolicy::No);
        assert_eq!(c.send_cert, SendCert::IfAsked);
        assert_eq!(c.fragmentation, Fragmentation::Yes);
        assert_eq!(c.lifetime.rekey_time, DEFAULT_IKE_REKEY_TIME);
        assert_eq!(c.local.len(), 1);
        assert_eq!(c.remote.len(), 1);
        assert!(c.local[0].auth.is_none() && c.remote[0].id.is_none());
        assert!(c.children.is_empty());
    }

    #[test]
    fn net2net_psk_parses() {
        let c = conn(
            gw().with_str("version", "2")
                .with_list("local_addrs", &["192.168.0.1"])
                .with_list("remote_addrs", &["192.168.0.2"])
                .with_list("proposals", &["aes128-sha256-x25519"])
                .with_str("mobike", "no")
                .with_str("reauth_time", "10800")
                .with_child(
                    ConfNode::new("local", Pos::unknown())
                        .with_str("auth", "psk")
                        .with_str("id", "moon.strongswan.org"),
                )
                .with_child(
                    ConfNode::new("remote", Pos::unknown())
                        .with_str("auth", "psk")
                        .with_str("id", "sun.strongswan.org"),
                )
                .with_child(
                    ConfNode::new("children", Pos::unknown()).with_child(
                        ConfNode::new("net-net", Pos::unknown())
                            .with_list("local_ts", &["10.1.0.0/16"])
                            .with_list("remote_ts", &["10.2.0.0/16"])
                            .with_str("rekey_time", "5400"),
                    ),
                ),
        );
        assert_eq!(c.version, IkeVersion::V2);
        assert!(!c.mobike);
        assert_eq!(
            c.lifetime,
            IkeLifetime {
                rekey_time: 0,
                reauth_time: 10800,
                over_time: 1080,
                rand_time: 1080
            }
        );
        assert_eq!(c.proposals.len(), 1);
        assert_eq!(
            c.local_addr_specs(),
            vec![AddrSpec::Ip("192.168.0.1".parse().unwrap())]
        );
        assert_eq!(c.children[0].name, "net-net");
        assert_eq!(c.children[0].lifetime.time.life, 5940);
    }

    #[test]
    fn auth_rounds_match_prefixes_case_insensitively_and_sort_by_round() {
        let c = conn(
            gw().with_child(ConfNode::new("local-b", Pos::unknown()).with_str("round", "2"))
                .with_child(ConfNode::new("LOCAL-a", Pos::unknown()).with_str("round", "1"))
                .with_child(ConfNode::new("local-c", Pos::unknown()).with_str("round", "1"))
                .with_child(ConfNode::new("Remote", Pos::unknown()))
                .with_child(ConfNode::new("Children", Pos::unknown())),
        );
        let names: Vec<&str> = c.local.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["LOCAL-a", "local-c", "local-b"]);
        assert_eq!(c.remote[0].name, "Remote");
    }

    #[test]
    fn invalid_sections_reject_the_connection() {
        let e = errors(gw().with_child(ConfNode::new("peer", Pos::unknown())));
        assert_eq!(e, vec!["<none>:0:0: gw: invalid section: peer"]);
    }

    #[test]
    fn every_error_of_a_connection_is_reported_with_its_path() {
        let e = errors(
            gw().with_str("mobike", "maybe")
                .with_str("foo", "1")
                .with_list("proposals", &["aes128-sha256"])
                .with_child(ConfNode::new("local", Pos::unknown()).with_str("auth", "magic"))
                .with_child(
                    ConfNode::new("children", Pos::unknown())
                        .with_child(ConfNode::new("net", Pos::unknown()).with_str("mode", "tunel")),
                ),
        );
        assert_eq!(
            e,
            vec![
                "<none>:0:0: gw: invalid value for: mobike, config discarded",
                "<none>:0:0: gw: unknown option: foo, config discarded",
                "<none>:0:0: gw: invalid value for: proposals, config discarded \
             (a DH group is mandatory in IKE proposals)",
                "<none>:0:0: gw: local: invalid value for: auth, config discarded \
             (unknown authentication method)",
                "<none>:0:0: gw: children.net: invalid value for: mode, config discarded",
            ]
        );
    }

    #[test]
    fn options_of_later_versions_and_mediation_are_unknown() {
        for key in ["ocsp", "mediation", "mediated_by", "mediation_peer"] {
            let e = errors(gw().with_str(key, "no"));
            assert_eq!(e.len(), 1, "{key}");
            assert!(e[0].contains("unknown option"), "{key}");
        }
        let e = errors(gw().with_str("childless", "prefer"));
        assert!(e[0].contains("invalid value for: childless"));
    }

    #[test]
    fn list_keys_sent_as_key_values_are_unknown_options() {
        let e = errors(gw().with_str("proposals", "aes128-sha256-x25519"));
        assert!(e[0].contains("unknown option: proposals"));
        let e = errors(gw().with_list("version", &["2"]));
        assert!(e[0].contains("unknown option: version"));
    }

    #[test]
    fn scalar_options_parse() {
        let c = conn(
            gw().with_str("local_port", "4510")
                .with_str("remote_port", "0x1194")
                .with_str("dscp", "101110")
                .with_str("dpd_delay", "30s")
                .with_str("dpd_timeout", "10s")
                .with_str("unique", "REPLACE")
                .with_str("send_cert", "always")
                .with_str("fragmentation", "accept")
                .with_str("childless", "force")
                .with_str("keyingtries", "0")
                .with_str("if_id_in", "%unique")
                .with_str("ppk_id", "ppk@example")
                .with_list("vips", &["0.0.0.0", "::", "10.3.0.1"])
                .with_list("pools", &["p1", "p2"]),
        );
        assert_eq!(c.local_port, Some(4510));
        assert_eq!(c.remote_port, 0x1194);
        assert_eq!(c.dscp, 46);
        assert_eq!((c.dpd_delay, c.dpd_timeout), (30, 30));
        assert_eq!(c.unique, UniquePolicy::Replace);
        assert_eq!(c.send_cert, SendCert::Always);
        assert_eq!(c.fragmentation, Fragmentation::Accept);
        assert_eq!(c.childless, Childless::Force);
        assert_eq!(c.keyingtries, 0);
        assert_eq!(c.if_id_in, IfId::Unique);
        assert_eq!(c.vips.len(), 3);
        assert_eq!(c.pools, vec!["p1", "p2"]);
        let e = errors(gw().with_str("remote_port", "65536"));
        assert!(e[0].contains("remote_port"));
        let e = errors(gw().with_str("version", "3"));
        assert!(e[0].contains("version"));
        let e = errors(gw().with_list("vips", &["vpn.example.com"]));
        assert!(e[0].contains("vips"));
    }

    #[test]
    fn address_entries_are_classified_like_ike_cfg() {
        assert_eq!(AddrSpec::parse("%any"), AddrSpec::Any);
        assert_eq!(AddrSpec::parse("%any6"), AddrSpec::Any6);
        assert_eq!(AddrSpec::parse("0.0.0.0"), AddrSpec::Any4);
        assert_eq!(
            AddrSpec::parse("moon.strongswan.org"),
            AddrSpec::Fqdn("moon.strongswan.org".into())
        );
        assert_eq!(
            AddrSpec::parse("10.0.0.0/8"),
            AddrSpec::Subnet {
                from: "10.0.0.0".parse().unwrap(),
                to: "10.255.255.255".parse().unwrap(),
                prefix: 8
            }
        );
        assert_eq!(
            AddrSpec::parse("10.0.0.1-10.0.0.5"),
            AddrSpec::Range {
                from: "10.0.0.1".parse().unwrap(),
                to: "10.0.0.5".parse().unwrap()
            }
        );
        assert_eq!(AddrSpec::parse("a-b"), AddrSpec::Fqdn("a-b".into()));
        assert_eq!(
            AddrSpec::parse("fec0::1").ip(),
            Some("fec0::1".parse().unwrap())
        );
    }
}
