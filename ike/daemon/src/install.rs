//! The IKE core's SA and policy actions → [`Installer`] calls (RFC 4301
//! §4.4: SAD and SPD entries). Failures are logged; the core is not told
//! yet (its CHILD_SA stays up).

use esp_install::{
    Aead, Algorithms, CopyDscp, Direction, Encryption, HwOffload, IcvLen, InstallError, Installer,
    Integrity, Key, Lifetime, Limits, Mode, OffloadMode, PolicyAction, PolicyClass,
    PolicyDirection, PolicySpec, Protocol, SaId, SaSpec, SaTemplate, Selector,
};
use ike::action::{self, SaInstall, SaRemove};
use ike::config;
use ike::wire::TrafficSelector;
use ike::wire::iana::{EncrId, IntegId, ProtocolId};
use swanctl_parser::config as sw;

/// Installs one direction of a CHILD_SA with the configured `hw_offload`;
/// the offload the installer applied, `None` if it failed.
pub(crate) fn add_sa(
    installer: &mut dyn Installer,
    sa: &SaInstall,
    replay_window: u32,
    hw_offload: HwOffload,
) -> Option<OffloadMode> {
    let Some(algorithms) = algorithms(sa) else {
        tracing::warn!(target: "knl", "unable to add SA: no installer transform for {:?}", sa.proposal);
        return None;
    };
    let spec = SaSpec {
        hw_offload,
        ..sa_spec(sa, algorithms, replay_window)
    };
    match installer.add_sa(&spec) {
        Ok(mode) => Some(mode),
        Err(e) => {
            report("add SA", Err(e));
            None
        }
    }
}

/// `hw_offload` of swanctl.conf as the installer takes it.
pub(crate) const fn hw_offload(configured: sw::HwOffload) -> HwOffload {
    match configured {
        sw::HwOffload::No => HwOffload::No,
        sw::HwOffload::Crypto => HwOffload::Crypto,
        sw::HwOffload::Packet => HwOffload::Packet,
        sw::HwOffload::Auto => HwOffload::Auto,
    }
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

/// The negotiated transforms as the installer names them; `None` for
/// transforms it does not know.
fn algorithms(sa: &SaInstall) -> Option<Algorithms> {
    let encr_key = Key::new(sa.encr_key.as_bytes().to_vec());
    let integ_key = Key::new(sa.integ_key.as_bytes().to_vec());
    let integ = sa.proposal.integ().and_then(|id| match id {
        IntegId::HMAC_SHA1_96 => Some(Integrity::HmacSha1_96),
        IntegId::HMAC_SHA2_256_128 => Some(Integrity::HmacSha256_128),
        IntegId::HMAC_SHA2_384_192 => Some(Integrity::HmacSha384_192),
        IntegId::HMAC_SHA2_512_256 => Some(Integrity::HmacSha512_256),
        IntegId::AES_XCBC_96 => Some(Integrity::AesXcbc96),
        IntegId::AES_CMAC_96 => Some(Integrity::AesCmac96),
        _ => None,
    });
    let Some((encr, _)) = sa.proposal.encr() else {
        return integ.map(|integ| Algorithms::Auth {
            integ,
            key: integ_key,
        });
    };
    let aead = |aead| {
        Some(Algorithms::Aead {
            aead,
            key: encr_key.clone(),
        })
    };
    let split = |encr| {
        Some(Algorithms::Split {
            encr,
            encr_key: encr_key.clone(),
            integ: integ?,
            integ_key: integ_key.clone(),
        })
    };
    match encr {
        EncrId::AES_GCM_8 => aead(Aead::AesGcm(IcvLen::Bytes8)),
        EncrId::AES_GCM_12 => aead(Aead::AesGcm(IcvLen::Bytes12)),
        EncrId::AES_GCM_16 => aead(Aead::AesGcm(IcvLen::Bytes16)),
        EncrId::AES_CCM_8 => aead(Aead::AesCcm(IcvLen::Bytes8)),
        EncrId::AES_CCM_12 => aead(Aead::AesCcm(IcvLen::Bytes12)),
        EncrId::AES_CCM_16 => aead(Aead::AesCcm(IcvLen::Bytes16)),
        EncrId::CHACHA20_POLY1305 => aead(Aead::ChaCha20Poly1305),
        EncrId::AES_CBC => split(Encryption::AesCbc),
        EncrId::AES_CTR => split(Encryption::AesCtr),
        EncrId::NULL => split(Encryption::Null),
        _ => None,
    }
}

/// Marks, interface IDs, copy flags and offload keep charon's defaults
/// until the CHILD_SA configuration carries them.
fn sa_spec(sa: &SaInstall, algorithms: Algorithms, replay_window: u32) -> SaSpec {
    let inbound = sa.direction == action::Direction::Inbound;
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
        algorithms,
        esn: sa.proposal.esn(),
        replay_window: if inbound { replay_window } else { 0 },
        lifetime: Lifetime {
            soft: Limits {
                time: 0,
                bytes: sa.limits.soft_bytes,
                packets: sa.limits.soft_packets,
            },
            hard: Limits {
                time: 0,
                bytes: sa.limits.hard_bytes,
                packets: sa.limits.hard_packets,
            },
        },
        mark: None,
        set_mark: None,
        if_id: 0,
        copy_df: true,
        copy_ecn: true,
        copy_dscp: CopyDscp::Out,
        tfc_padding: 0,
        hw_offload: HwOffload::No,
        offload_dev: None,
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
                action: PolicyAction::Protect(SaTemplate {
                    reqid: spec.reqid,
                    protocol: Protocol::Esp,
                    mode: mode(spec.mode),
                    src,
                    dst,
                    spi: None,
                }),
                class: PolicyClass::Default,
                priority: None,
                mark: None,
                if_id: 0,
                interface: None,
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
