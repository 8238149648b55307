//! Virtual IPs in IKE_AUTH (RFC 7296 §2.19, §3.15): the initiator asks
//! with CP(CFG_REQUEST) for its `vips`, the responder's CP(CFG_REPLY)
//! assigns them, and a `dynamic` local selector stands for them (charon's
//! `ike_config` task and `get_dynamic_hosts`).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::common::notify;
use crate::config::IkeConfig;
use crate::sa::{Ctx, SaCore};
use crate::wire::iana::{CfgType, ConfigAttributeType, NotifyType};
use crate::wire::{ConfigAttribute, Configuration, Identification, Payload};

/// CP(CFG_REQUEST) with an INTERNAL_IP4/6_ADDRESS per configured virtual
/// IP, empty for `0.0.0.0`/`::` (any address); `None` without `vips`.
pub(crate) fn vip_request(config: &IkeConfig) -> Option<Payload> {
    if config.vips.is_empty() {
        return None;
    }
    let attributes = config
        .vips
        .iter()
        .map(|vip| match vip {
            IpAddr::V4(a) => ConfigAttribute {
                ty: ConfigAttributeType::INTERNAL_IP4_ADDRESS,
                value: if a.is_unspecified() {
                    Vec::new()
                } else {
                    a.octets().to_vec()
                },
            },
            IpAddr::V6(a) => ConfigAttribute {
                ty: ConfigAttributeType::INTERNAL_IP6_ADDRESS,
                // an address with its prefix length (§3.15.1)
                value: if a.is_unspecified() {
                    Vec::new()
                } else {
                    let mut v = a.octets().to_vec();
                    v.push(128);
                    v
                },
            },
        })
        .collect();
    Some(Payload::Cp(Configuration {
        ty: CfgType::REQUEST,
        attributes,
    }))
}

/// The addresses a CP(CFG_REPLY) assigns (malformed values are skipped).
pub(crate) fn assigned_vips(payloads: &[Payload]) -> Vec<IpAddr> {
    let mut out = cp_addresses(payloads, CfgType::REPLY);
    out.retain(|ip| !ip.is_unspecified());
    out
}

/// The INTERNAL_IP4/6_ADDRESS values of the CP payloads of type `ty`: an
/// empty or malformed value is the family's unspecified address (a
/// request for any address); an IPv6 value carries a prefix length after
/// the address (§3.15.1).
fn cp_addresses(payloads: &[Payload], ty: CfgType) -> Vec<IpAddr> {
    let cps = payloads.iter().filter_map(|p| match p {
        Payload::Cp(cp) if cp.ty == ty => Some(cp),
        _ => None,
    });
    let mut out = Vec::new();
    for a in cps.flat_map(|cp| &cp.attributes) {
        let v = a.value.as_slice();
        let ip: Option<IpAddr> = match a.ty {
            ConfigAttributeType::INTERNAL_IP4_ADDRESS => Some(
                <[u8; 4]>::try_from(v)
                    .map_or(Ipv4Addr::UNSPECIFIED, Ipv4Addr::from)
                    .into(),
            ),
            ConfigAttributeType::INTERNAL_IP6_ADDRESS => Some(
                v.get(..16)
                    .and_then(|o| <[u8; 16]>::try_from(o).ok())
                    .map_or(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from)
                    .into(),
            ),
            _ => None,
        };
        out.extend(ip);
    }
    out
}

/// What a `dynamic` local selector stands for: our virtual IPs, else any
/// address of each family we want one of (the responder narrows it to the
/// one it assigns), else our IKE address.
pub(crate) fn local_hosts(sa: &SaCore) -> Vec<IpAddr> {
    if !sa.local_vips.is_empty() {
        return sa.local_vips.clone();
    }
    if !sa.config.vips.is_empty() {
        return sa
            .config
            .vips
            .iter()
            .map(|v| match v {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            })
            .collect();
    }
    vec![sa.local.ip()]
}

/// What a `dynamic` remote selector stands for: the virtual IPs we
/// assigned the peer, else its IKE address.
pub(crate) fn remote_hosts(sa: &SaCore) -> Vec<IpAddr> {
    if sa.remote_vips.is_empty() {
        vec![sa.remote.ip()]
    } else {
        sa.remote_vips.clone()
    }
}

/// The responder's answer to CP(CFG_REQUEST) in IKE_AUTH: an address from
/// the connection's `pools` for each requested one, in CP(CFG_REPLY), or
/// N(INTERNAL_ADDRESS_FAILURE) if none could be assigned (RFC 7296
/// §3.10.1). Nothing without a request.
pub(crate) fn assign_vips(
    sa: &mut SaCore,
    ctx: &Ctx<'_>,
    payloads: &[Payload],
    peer: &Identification,
) -> Option<Payload> {
    let requested = cp_addresses(payloads, CfgType::REQUEST);
    if requested.is_empty() {
        return None;
    }
    for want in requested {
        let ip = ctx
            .pools
            .filter(|_| !sa.config.pools.is_empty())
            .and_then(|p| p.acquire(&sa.config.pools, peer, want));
        match ip {
            Some(ip) => {
                tracing::info!("assigning virtual IP {ip} to peer '{peer}'");
                sa.remote_vips.push(ip);
            }
            None => tracing::info!(
                "no virtual IP found for {} requested by '{peer}'",
                any(want)
            ),
        }
    }
    if sa.remote_vips.is_empty() {
        tracing::info!("no virtual IP found, sending INTERNAL_ADDRESS_FAILURE");
        return Some(notify(NotifyType::INTERNAL_ADDRESS_FAILURE, Vec::new()));
    }
    let attributes = sa
        .remote_vips
        .iter()
        .map(|ip| match ip {
            IpAddr::V4(a) => ConfigAttribute {
                ty: ConfigAttributeType::INTERNAL_IP4_ADDRESS,
                value: a.octets().to_vec(),
            },
            IpAddr::V6(a) => ConfigAttribute {
                ty: ConfigAttributeType::INTERNAL_IP6_ADDRESS,
                value: [a.octets().as_slice(), &[128]].concat(),
            },
        })
        .collect();
    Some(Payload::Cp(Configuration {
        ty: CfgType::REPLY,
        attributes,
    }))
}

/// charon prints an unspecified address as `%any`/`%any6`.
fn any(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) if a.is_unspecified() => "%any".into(),
        IpAddr::V6(a) if a.is_unspecified() => "%any6".into(),
        ip => ip.to_string(),
    }
}

impl SaCore {
    /// Gives the peer's virtual IPs back to the pools (the SA is gone).
    pub(crate) fn release_vips(&mut self, ctx: &Ctx<'_>) {
        let vips = core::mem::take(&mut self.remote_vips);
        let (Some(pools), Some(peer)) = (ctx.pools, self.remote_id.as_ref()) else {
            return;
        };
        for ip in vips {
            pools.release(&self.config.pools, peer, ip);
        }
    }
}
