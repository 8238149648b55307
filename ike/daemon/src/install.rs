//! The IKE core's SA and policy actions → [`Installer`] calls (RFC 4301
//! §4.4: SAD and SPD entries). Failures are logged; the core is not told
//! yet (its CHILD_SA stays up).

use esp_install::{
    Direction, InstallError, Installer, Key, Lifetime, Mode, PolicyDirection, PolicySpec, Protocol,
    SaId, SaSpec, Selector,
};
use ike::action::{self, SaInstall, SaRemove};
use ike::config;
use ike::wire::TrafficSelector;
use ike::wire::iana::ProtocolId;

/// Installs one direction of a CHILD_SA.
pub(crate) fn add_sa(installer: &mut dyn Installer, sa: &SaInstall, replay_window: u32) {
    let spec = sa_spec(sa, replay_window);
    report("add SA", installer.add_sa(&spec));
}

/// Removes one direction of a CHILD_SA.
pub(crate) fn del_sa(installer: &mut dyn Installer, sa: &SaRemove) {
    let id = SaId {
        spi: sa.spi,
        dst: sa.dst.ip(),
        protocol: protocol(sa.protocol),
    };
    report("delete SA", installer.del_sa(&id));
}

/// Installs the in, out and forward policies of a CHILD_SA.
pub(crate) fn add_policies(installer: &mut dyn Installer, spec: &action::PolicySpec) {
    for policy in policies(spec) {
        report("add policy", installer.add_policy(&policy));
    }
}

/// Removes them.
pub(crate) fn del_policies(installer: &mut dyn Installer, spec: &action::PolicySpec) {
    for policy in policies(spec) {
        report("delete policy", installer.del_policy(&policy));
    }
}

fn report(what: &str, result: Result<(), InstallError>) {
    if let Err(e) = result {
        tracing::warn!(target: "knl", "unable to {what}: {e}");
    }
}

fn sa_spec(sa: &SaInstall, replay_window: u32) -> SaSpec {
    let inbound = sa.direction == action::Direction::Inbound;
    let (encr_alg, _) = sa.proposal.encr().unzip();
    SaSpec {
        id: SaId {
            spi: sa.spi,
            dst: sa.dst.ip(),
            protocol: protocol(sa.protocol),
        },
        direction: if inbound {
            Direction::In
        } else {
            Direction::Out
        },
        src: sa.src,
        dst: sa.dst,
        reqid: sa.reqid,
        mode: mode(sa.mode),
        encap: sa.encap,
        encr_alg: encr_alg.map_or(0, |id| id.0),
        encr_key: Key::new(sa.encr_key.as_bytes().to_vec()),
        integ_alg: sa.proposal.integ().map(|id| id.0),
        integ_key: Key::new(sa.integ_key.as_bytes().to_vec()),
        esn: sa.proposal.esn(),
        replay_window: if inbound { replay_window } else { 0 },
        lifetime: Lifetime {
            soft_bytes: sa.limits.soft_bytes,
            hard_bytes: sa.limits.hard_bytes,
            soft_packets: sa.limits.soft_packets,
            hard_packets: sa.limits.hard_packets,
        },
        local_ts: sa.local_ts.iter().filter_map(selector).collect(),
        remote_ts: sa.remote_ts.iter().filter_map(selector).collect(),
    }
}

/// Out for each local × remote selector pair, in and fwd the other way
/// (charon's `install_policies_outbound`/`_inbound`).
fn policies(spec: &action::PolicySpec) -> Vec<PolicySpec> {
    let (local, remote) = (spec.local.ip(), spec.remote.ip());
    let mut out = Vec::new();
    for l in spec.local_ts.iter().filter_map(selector) {
        for r in spec.remote_ts.iter().filter_map(selector) {
            let policy = |direction, src_ts, dst_ts, src, dst| PolicySpec {
                direction,
                src_ts,
                dst_ts,
                reqid: spec.reqid,
                mode: mode(spec.mode),
                src,
                dst,
            };
            out.push(policy(PolicyDirection::Out, l, r, local, remote));
            out.push(policy(PolicyDirection::In, r, l, remote, local));
            out.push(policy(PolicyDirection::Fwd, r, l, remote, local));
        }
    }
    out
}

/// An address selector; other types (RFC 4595 Fibre Channel) select no
/// IP traffic.
fn selector(ts: &TrafficSelector) -> Option<Selector> {
    Some(match ts {
        TrafficSelector::Ipv4(r) => Selector {
            from: r.start.into(),
            to: r.end.into(),
            protocol: r.ip_protocol,
            from_port: r.start_port,
            to_port: r.end_port,
        },
        TrafficSelector::Ipv6(r) => Selector {
            from: r.start.into(),
            to: r.end.into(),
            protocol: r.ip_protocol,
            from_port: r.start_port,
            to_port: r.end_port,
        },
        TrafficSelector::Other { .. } => return None,
    })
}

fn protocol(p: ProtocolId) -> Protocol {
    if p == ProtocolId::AH {
        Protocol::Ah
    } else {
        Protocol::Esp
    }
}

const fn mode(m: config::Mode) -> Mode {
    match m {
        config::Mode::Tunnel => Mode::Tunnel,
        config::Mode::Transport => Mode::Transport,
    }
}
