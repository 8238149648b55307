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
    let attributes = config.vips.iter().map(address_attribute).collect();
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

/// The responder's answer to CP(CFG_REQUEST) in IKE_AUTH (charon's
/// `ike_config` `build_r`): an address from the connection's `pools` for
/// each requested one, with the pools' other attributes, in
/// CP(CFG_REPLY). `Err` is the notify that fails the configuration, after
/// which no CHILD_SA is built: INTERNAL_ADDRESS_FAILURE if nothing could be
/// assigned, FAILED_CP_REQUIRED if the connection has pools and the peer
/// asked for nothing (RFC 7296 §3.10.1).
pub(crate) fn assign_vips(
    sa: &mut SaCore,
    ctx: &Ctx<'_>,
    payloads: &[Payload],
    peer: &Identification,
) -> Result<Option<Payload>, Payload> {
    let requested = cp_addresses(payloads, CfgType::REQUEST);
    let pools = ctx.pools.filter(|_| !sa.config.pools.is_empty());
    for want in &requested {
        tracing::info!("peer requested virtual IP {}", any(*want));
        match pools.and_then(|p| p.acquire(&sa.config.pools, peer, *want)) {
            Some(ip) => {
                tracing::info!("assigning virtual IP {ip} to peer '{peer}'");
                sa.remote_vips.push(ip);
            }
            None => tracing::info!(
                "no virtual IP found for {} requested by '{peer}'",
                any(*want)
            ),
        }
    }
    if !requested.is_empty() && sa.remote_vips.is_empty() {
        tracing::info!("no virtual IP found, sending INTERNAL_ADDRESS_FAILURE");
        return Err(notify(NotifyType::INTERNAL_ADDRESS_FAILURE, Vec::new()));
    }
    if requested.is_empty() {
        if !sa.config.pools.is_empty() {
            tracing::info!("expected a virtual IP request, sending FAILED_CP_REQUIRED");
            return Err(notify(NotifyType::FAILED_CP_REQUIRED, Vec::new()));
        }
        return Ok(None);
    }
    let mut attributes: Vec<ConfigAttribute> =
        sa.remote_vips.iter().map(address_attribute).collect();
    if let Some(pools) = pools {
        let more = pools.attributes(&sa.config.pools, &sa.remote_vips);
        attributes.extend(more.into_iter().map(|(ty, value)| ConfigAttribute {
            ty: ConfigAttributeType(ty),
            value,
        }));
    }
    Ok(Some(Payload::Cp(Configuration {
        ty: CfgType::REPLY,
        attributes,
    })))
}

/// INTERNAL_IP4/6_ADDRESS for `ip`: empty for the unspecified address
/// (any), an IPv6 address followed by its prefix length (§3.15.1).
fn address_attribute(ip: &IpAddr) -> ConfigAttribute {
    let (ty, value) = match ip {
        IpAddr::V4(a) => (
            ConfigAttributeType::INTERNAL_IP4_ADDRESS,
            a.octets().to_vec(),
        ),
        IpAddr::V6(a) => (
            ConfigAttributeType::INTERNAL_IP6_ADDRESS,
            [a.octets().as_slice(), &[128]].concat(),
        ),
    };
    let value = if ip.is_unspecified() {
        Vec::new()
    } else {
        value
    };
    ConfigAttribute { ty, value }
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
