//! swanctl.conf connections (swanctl-parser's typed model, charon's
//! defaults applied) → the IKE core's [`IkeConfig`]s.
//!
//! Only what this first daemon can do is accepted: IKEv2, one
//! authentication round per side with `psk` or `pubkey` (see [`auth`]),
//! tunnel and transport mode. Anything else is an error at the entry's
//! position.

mod auth;

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::net::ToSocketAddrs;
use std::path::Path;
use std::sync::Arc;

use ike::config::{
    AddrMatch, ChildConfig, ChildLifetime, Fragmentation, IkeConfig, IkeLifetime, Limits, Mode,
    SendCert, Unique,
};
use ike::ts::TsSpec;
use swanctl_parser::config as sw;
use swanctl_parser::settings::Pos;

pub(crate) use auth::{id_match, identification, read_blob, read_file, swanctl_dir};

/// A configuration entry the daemon cannot use, at its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConvError {
    /// Where the entry is.
    pub(crate) pos: Pos,
    /// The connection (and child) it belongs to.
    pub(crate) scope: String,
    /// What is wrong.
    pub(crate) message: String,
}

impl fmt::Display for ConvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.pos, self.scope, self.message)
    }
}

/// A CHILD_SA to initiate at startup (`start_action = start`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Start {
    /// The connection.
    pub(crate) conn: String,
    /// The child.
    pub(crate) child: String,
    /// Our address, if the connection names exactly one.
    pub(crate) local: Option<IpAddr>,
    /// The first concrete `remote_addrs` entry and `remote_port`.
    pub(crate) remote: SocketAddr,
}

/// Everything the daemon loads from swanctl.conf connections.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    /// The connections, in file order.
    pub(crate) configs: Vec<Arc<IkeConfig>>,
    /// The children to start.
    pub(crate) starts: Vec<Start>,
    /// The local addresses to bind to: the one address of every
    /// connection, or empty for the wildcard address.
    pub(crate) bind: Vec<IpAddr>,
}

/// Converts every connection, reading the files it names under `dir`
/// (the swanctl directory); all problems are returned together.
///
/// # Errors
/// Each entry that cannot be used, with its position.
pub(crate) fn convert(conns: &[sw::Connection], dir: &Path) -> Result<Loaded, Vec<ConvError>> {
    let mut loaded = Loaded::default();
    let mut errors = Vec::new();
    let mut wildcard = false;
    for conn in conns {
        match connection(conn, dir) {
            Ok(config) => {
                loaded.starts.extend(starts(conn, &config));
                match single_local(&config) {
                    Some(addr) if !loaded.bind.contains(&addr) => loaded.bind.push(addr),
                    Some(_) => {}
                    None => wildcard = true,
                }
                loaded.configs.push(Arc::new(config));
            }
            Err(e) => errors.extend(e),
        }
    }
    if wildcard {
        loaded.bind.clear();
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// The connection's local address if it names exactly one.
fn single_local(config: &IkeConfig) -> Option<IpAddr> {
    match config.local_addrs.as_slice() {
        [AddrMatch::Range(from, to)] if from == to => Some(*from),
        _ => None,
    }
}

/// Collects errors while one connection is converted.
struct Diag<'a> {
    conn: &'a sw::Connection,
    errors: Vec<ConvError>,
}

impl Diag<'_> {
    fn error(&mut self, pos: &Pos, sub: Option<&str>, message: impl Into<String>) {
        let scope = match sub {
            Some(sub) => format!("{}: {sub}", self.conn.name),
            None => self.conn.name.clone(),
        };
        self.errors.push(ConvError {
            pos: pos.clone(),
            scope,
            message: message.into(),
        });
    }
}

pub(crate) fn connection(conn: &sw::Connection, dir: &Path) -> Result<IkeConfig, Vec<ConvError>> {
    let mut d = Diag {
        conn,
        errors: Vec::new(),
    };
    if conn.version == sw::IkeVersion::V1 {
        d.error(&conn.pos, None, "IKEv1 is not supported");
    }
    let config = IkeConfig {
        name: conn.name.clone(),
        local_addrs: addrs(&mut d, &conn.local_addrs),
        remote_addrs: addrs(&mut d, &conn.remote_addrs),
        proposals: conn.proposals.clone(),
        local: auth::local_auth(&mut d, &conn.local, dir),
        remote: auth::remote_auth(&mut d, &conn.remote, dir),
        // pass/drop children are shunt policies, never negotiated
        children: conn
            .children
            .iter()
            .filter(|c| !crate::shunt::is_shunt(c))
            .map(|c| child(&mut d, c))
            .collect(),
        lifetime: ike_lifetime(&conn.lifetime),
        dpd_delay: Duration::from_secs(conn.dpd_delay.into()),
        encap: conn.encap,
        fragmentation: fragmentation(conn.fragmentation),
        send_certreq: conn.send_certreq,
        send_cert: match conn.send_cert {
            sw::SendCert::Always => SendCert::Always,
            sw::SendCert::Never => SendCert::Never,
            sw::SendCert::IfAsked => SendCert::IfAsked,
        },
        vips: conn.vips.clone(),
        pools: conn.pools.clone(),
        unique: match conn.unique {
            sw::UniquePolicy::No => Unique::No,
            sw::UniquePolicy::Never => Unique::Never,
            sw::UniquePolicy::Keep => Unique::Keep,
            sw::UniquePolicy::Replace => Unique::Replace,
        },
    };
    if d.errors.is_empty() {
        Ok(config)
    } else {
        Err(d.errors)
    }
}

/// `local_addrs`/`remote_addrs`: `%any` (empty list) or the entries;
/// host names are resolved now (RFC 7296 leaves naming to the system).
fn addrs(d: &mut Diag<'_>, entries: &[String]) -> Vec<AddrMatch> {
    let mut out = Vec::new();
    for entry in entries {
        match sw::AddrSpec::parse(entry) {
            sw::AddrSpec::Any => return Vec::new(),
            sw::AddrSpec::Any4 => out.push(AddrMatch::Range(
                Ipv4Addr::UNSPECIFIED.into(),
                Ipv4Addr::BROADCAST.into(),
            )),
            sw::AddrSpec::Any6 => out.push(AddrMatch::Range(
                Ipv6Addr::UNSPECIFIED.into(),
                Ipv6Addr::from(u128::MAX).into(),
            )),
            sw::AddrSpec::Ip(ip) => out.push(AddrMatch::addr(ip)),
            sw::AddrSpec::Subnet { from, to, .. } | sw::AddrSpec::Range { from, to } => {
                out.push(AddrMatch::Range(from, to));
            }
            sw::AddrSpec::Fqdn(name) => match resolve(&name) {
                Some(ip) => out.push(AddrMatch::addr(ip)),
                None => {
                    let pos = d.conn.pos.clone();
                    d.error(&pos, None, format!("cannot resolve host name '{name}'"));
                }
            },
        }
    }
    out
}

fn resolve(name: &str) -> Option<IpAddr> {
    (name, 0).to_socket_addrs().ok()?.next().map(|a| a.ip())
}

fn child(d: &mut Diag<'_>, c: &sw::Child) -> Arc<ChildConfig> {
    let mode = match c.mode {
        sw::Mode::Tunnel => Mode::Tunnel,
        sw::Mode::Transport => Mode::Transport,
        other => {
            d.error(
                &c.pos,
                Some(&format!("children.{}", c.name)),
                format!("mode {other:?} is not supported"),
            );
            Mode::Tunnel
        }
    };
    Arc::new(ChildConfig {
        name: c.name.clone(),
        proposals: c.proposals.clone(),
        local_ts: c.local_ts.iter().map(ts).collect(),
        remote_ts: c.remote_ts.iter().map(ts).collect(),
        mode,
        lifetime: ChildLifetime {
            time: limits(c.lifetime.time),
            bytes: limits(c.lifetime.bytes),
            packets: limits(c.lifetime.packets),
        },
        ipcomp: c.ipcomp,
    })
}

pub(crate) fn ts(t: &sw::TrafficSelector) -> TsSpec {
    let spec = if t.dynamic {
        TsSpec::dynamic()
    } else {
        TsSpec::range(t.from, t.to)
    };
    spec.with_protocol(t.protocol, t.from_port, t.to_port)
}

const fn limits(l: sw::Limits) -> Limits {
    Limits {
        rekey: l.rekey,
        life: l.life,
        rand: l.rand,
    }
}

fn ike_lifetime(l: &sw::IkeLifetime) -> IkeLifetime {
    let secs = |s: u32| Duration::from_secs(s.into());
    IkeLifetime {
        rekey_time: secs(l.rekey_time),
        reauth_time: secs(l.reauth_time),
        over_time: secs(l.over_time),
        rand_time: secs(l.rand_time),
    }
}

const fn fragmentation(f: sw::Fragmentation) -> Fragmentation {
    match f {
        sw::Fragmentation::Yes => Fragmentation::Yes,
        sw::Fragmentation::Accept => Fragmentation::Accept,
        sw::Fragmentation::Force => Fragmentation::Force,
        sw::Fragmentation::No => Fragmentation::No,
    }
}

/// Where a connection initiates to: our address if it names exactly one,
/// and the first concrete `remote_addrs` entry with `remote_port`.
pub(crate) fn target(
    conn: &sw::Connection,
    config: &IkeConfig,
) -> Option<(Option<IpAddr>, SocketAddr)> {
    let remote = conn
        .remote_addrs
        .iter()
        .find_map(|a| sw::AddrSpec::parse(a).ip())
        .map(|ip| SocketAddr::new(ip, conn.remote_port))?;
    Some((single_local(config), remote))
}

/// The `start_action = start` children of a connection, initiated from
/// the first concrete `remote_addrs` entry.
pub(crate) fn starts(conn: &sw::Connection, config: &IkeConfig) -> Vec<Start> {
    let Some((local, remote)) = target(conn, config) else {
        return Vec::new();
    };
    conn.children
        .iter()
        .filter(|c| c.start_action.start && !crate::shunt::is_shunt(c))
        .map(|c| Start {
            conn: conn.name.clone(),
            child: c.name.clone(),
            local,
            remote,
        })
        .collect()
}

#[cfg(test)]
mod tests;
