//! SAs as XFRM states (linux/xfrm.h `xfrm_usersa_info` and attributes),
//! with charon's choices (kernel_netlink_ipsec.c `add_sa`). Attributes are
//! in iproute2's order, so our messages equal what `ip xfrm` sends.

use core::net::{IpAddr, SocketAddr};

use netlink_packet_xfrm::state::{AllocSpiMessage, DelGetMessage, ModifyMessage};
use netlink_packet_xfrm::{
    Address, AlgAead, AlgAuth, EncapTmpl, Id, LifetimeConfig, ReplayEsn, Selector as XSelector,
    UDP_ENCAP_ESPINUDP, UserOffloadDev, UserSaId, UserSaInfo, UserSpiInfo, XFRM_INF,
    XFRM_MODE_TRANSPORT, XFRM_MODE_TUNNEL, XFRM_OFFLOAD_INBOUND, XFRM_SA_XFLAG_DONT_ENCAP_DSCP,
    XFRM_STATE_AF_UNSPEC, XFRM_STATE_ALIGN4, XFRM_STATE_DECAP_DSCP, XFRM_STATE_ESN,
    XFRM_STATE_NOECN, XFRM_STATE_NOPMTUDISC, XfrmAttrs,
};

use super::policy::selector;
use crate::{
    Aead, Algorithms, CopyDscp, Direction, Encryption, Integrity, Mark, Mode, Protocol, SaId,
    SaSpec,
};

/// `XFRM_OFFLOAD_PACKET` (linux/xfrm.h, kernel 6.2): full packet offload.
pub(crate) const XFRM_OFFLOAD_PACKET: u8 = 4;

/// `AF_INET`/`AF_INET6` of an address.
pub(crate) fn family(addr: IpAddr) -> u16 {
    match addr {
        IpAddr::V4(_) => 2,
        IpAddr::V6(_) => 10,
    }
}

/// The mode's `XFRM_MODE_*`.
pub(crate) const fn mode(mode: Mode) -> u8 {
    match mode {
        Mode::Tunnel => XFRM_MODE_TUNNEL,
        Mode::Transport => XFRM_MODE_TRANSPORT,
    }
}

/// Where and how an SA is offloaded (`struct xfrm_user_offload`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OffloadDev {
    /// The interface.
    pub(crate) ifindex: u32,
    /// Packet (else crypto) offload.
    pub(crate) packet: bool,
}

/// `XFRM_MSG_NEWSA` (or, wrapped differently, `UPDSA`) for `sa`, which
/// [`SaSpec::check`] accepted.
pub(crate) fn new_sa(sa: &SaSpec, offload: Option<OffloadDev>) -> ModifyMessage {
    let mut info = UserSaInfo {
        id: id(sa.id),
        saddr: Address::from_ip(&sa.src.ip()),
        family: family(sa.dst.ip()),
        mode: mode(sa.mode),
        reqid: sa.reqid,
        lifetime_cfg: lifetime(sa),
        selector: sa_selector(sa),
        flags: flags(sa),
        ..UserSaInfo::default()
    };
    let mut nlas = algorithms(&sa.algorithms);
    if sa.encap {
        nlas.push(XfrmAttrs::EncapsulationTemplate(encap(sa.src, sa.dst)));
    }
    if let Some(dev) = offload {
        nlas.push(XfrmAttrs::OffloadDevice(offload_dev(dev, sa.direction)));
    }
    match replay(sa) {
        Replay::Legacy(window) => info.replay_window = window,
        Replay::Esn(esn) => nlas.push(XfrmAttrs::ReplayStateEsn(esn)),
    }
    let dont_encap_dscp = matches!(sa.copy_dscp, CopyDscp::No | CopyDscp::In);
    if sa.direction == Direction::Out && dont_encap_dscp {
        nlas.push(XfrmAttrs::ExtraFlags(XFRM_SA_XFLAG_DONT_ENCAP_DSCP));
    }
    nlas.extend(mark(sa.mark));
    if sa.if_id != 0 {
        nlas.push(XfrmAttrs::IfId(sa.if_id));
    }
    // the kernel pads only tunnel-mode ESP (charon's rule)
    if sa.tfc_padding != 0 && sa.id.protocol == Protocol::Esp && sa.mode == Mode::Tunnel {
        nlas.push(XfrmAttrs::TfcPadding(sa.tfc_padding));
    }
    if let Some(m) = sa.set_mark.filter(|m| m.value | m.mask != 0) {
        nlas.push(XfrmAttrs::MarkVal(m.value));
        nlas.push(XfrmAttrs::MarkMask(m.mask));
    }
    ModifyMessage {
        user_sa_info: info,
        nlas,
    }
}

/// `XFRM_MSG_ALLOCSPI` for an inbound SA from `src` to `dst` (tunnel mode,
/// as charon asks), SPI in `min..=max`.
pub(crate) fn alloc_spi(
    src: IpAddr,
    dst: IpAddr,
    protocol: Protocol,
    (min, max): (u32, u32),
) -> AllocSpiMessage {
    let info = UserSaInfo {
        id: Id {
            daddr: Address::from_ip(&dst),
            spi: 0,
            proto: protocol.number(),
        },
        saddr: Address::from_ip(&src),
        family: family(src),
        mode: XFRM_MODE_TUNNEL,
        // the kernel ignores limits here; zero as charon and iproute2 send
        lifetime_cfg: LifetimeConfig {
            soft_byte_limit: 0,
            hard_byte_limit: 0,
            soft_packet_limit: 0,
            hard_packet_limit: 0,
            ..LifetimeConfig::default()
        },
        ..UserSaInfo::default()
    };
    AllocSpiMessage {
        spi_info: UserSpiInfo { info, min, max },
        nlas: Vec::new(),
    }
}

/// `XFRM_MSG_DELSA`/`GETSA` for an SA (`xfrm_usersa_id`, mark, if_id).
pub(crate) fn sa_id(id: SaId, mark_: Option<Mark>, if_id: u32) -> DelGetMessage {
    let mut nlas = mark(mark_);
    if if_id != 0 {
        nlas.push(XfrmAttrs::IfId(if_id));
    }
    DelGetMessage {
        user_sa_id: UserSaId {
            daddr: Address::from_ip(&id.dst),
            spi: id.spi,
            family: family(id.dst),
            proto: id.protocol.number(),
        },
        nlas,
    }
}

/// `XFRMA_MARK`, unless the mark is empty.
pub(crate) fn mark(mark: Option<Mark>) -> Vec<XfrmAttrs> {
    mark.filter(|m| m.value | m.mask != 0)
        .map(|m| {
            XfrmAttrs::Mark(netlink_packet_xfrm::Mark {
                value: m.value,
                mask: m.mask,
            })
        })
        .into_iter()
        .collect()
}

/// `XFRMA_ENCAP`: ESP in UDP (RFC 3948) on the SA's ports.
pub(crate) fn encap(src: SocketAddr, dst: SocketAddr) -> EncapTmpl {
    EncapTmpl {
        encap_type: UDP_ENCAP_ESPINUDP,
        encap_sport: src.port(),
        encap_dport: dst.port(),
        encap_oa: Address::default(),
    }
}

fn id(id: SaId) -> Id {
    Id {
        daddr: Address::from_ip(&id.dst),
        spi: id.spi,
        proto: id.protocol.number(),
    }
}

fn offload_dev(dev: OffloadDev, direction: Direction) -> UserOffloadDev {
    let mut flags = 0;
    if direction == Direction::In {
        flags |= XFRM_OFFLOAD_INBOUND;
    }
    if dev.packet {
        flags |= XFRM_OFFLOAD_PACKET;
    }
    UserOffloadDev {
        ifindex: i32::try_from(dev.ifindex).unwrap_or(i32::MAX),
        flags,
    }
}

/// Limits of `xfrm_lifetime_cfg`; no byte or packet limit is `XFRM_INF`,
/// times count from when the SA was added (charon's choice).
fn lifetime(sa: &SaSpec) -> LifetimeConfig {
    let limit = |n: u64| if n == 0 { XFRM_INF } else { n };
    let (soft, hard) = (sa.lifetime.soft, sa.lifetime.hard);
    LifetimeConfig {
        soft_byte_limit: limit(soft.bytes),
        hard_byte_limit: limit(hard.bytes),
        soft_packet_limit: limit(soft.packets),
        hard_packet_limit: limit(hard.packets),
        soft_add_expires_seconds: soft.time,
        hard_add_expires_seconds: hard.time,
        soft_use_expires_seconds: 0,
        hard_use_expires_seconds: 0,
    }
}

/// A transport-mode SA carries the addresses of its first selector pair
/// (protocol and ports left out, so other SAs between the hosts still
/// work); tunnel-mode SAs none.
fn sa_selector(sa: &SaSpec) -> XSelector {
    let (Some(local), Some(remote)) = (sa.local_ts.first(), sa.remote_ts.first()) else {
        return XSelector::default();
    };
    if sa.mode != Mode::Transport {
        return XSelector::default();
    }
    let (src, dst) = match sa.direction {
        Direction::In => (remote, local),
        Direction::Out => (local, remote),
    };
    XSelector {
        proto: 0,
        sport: 0,
        sport_mask: 0,
        dport: 0,
        dport_mask: 0,
        ..selector(src, dst, 0)
    }
}

fn flags(sa: &SaSpec) -> u8 {
    let mut flags = 0;
    if !sa.copy_df {
        flags |= XFRM_STATE_NOPMTUDISC;
    }
    if !sa.copy_ecn {
        flags |= XFRM_STATE_NOECN;
    }
    let decap_dscp = matches!(sa.copy_dscp, CopyDscp::Yes | CopyDscp::In);
    if sa.direction == Direction::In && decap_dscp {
        flags |= XFRM_STATE_DECAP_DSCP;
    }
    if sa.mode == Mode::Tunnel {
        flags |= XFRM_STATE_AF_UNSPEC;
    }
    // IPv4 AH aligns to 32 bits (RFC 4302 §3.3.3.2.1), not the default 64
    if sa.id.protocol == Protocol::Ah && sa.dst.is_ipv4() {
        flags |= XFRM_STATE_ALIGN4;
    }
    if sa.esn {
        flags |= XFRM_STATE_ESN;
    }
    flags
}

enum Replay {
    /// `xfrm_usersa_info.replay_window` (up to 32 packets).
    Legacy(u8),
    /// `XFRMA_REPLAY_ESN_VAL`, header only: the kernel allocates the
    /// bitmap (xfrm_user.c `xfrm_alloc_replay_state_esn`), as iproute2
    /// relies on.
    Esn(ReplayEsn),
}

/// The replay window: none outbound, except 1 with ESN (the kernel
/// refuses ESN without a window); ESN and windows over 32 need the ESN
/// attribute.
fn replay(sa: &SaSpec) -> Replay {
    let window = match (sa.direction, sa.esn) {
        (Direction::Out, false) => 0,
        (Direction::Out, true) => 1,
        (Direction::In, true) => sa.replay_window.max(1),
        (Direction::In, false) => sa.replay_window,
    };
    match u8::try_from(window) {
        Ok(small) if !sa.esn && small <= 32 => Replay::Legacy(small),
        _ => Replay::Esn(ReplayEsn {
            bmp_len: window.div_ceil(32),
            replay_window: window,
            ..ReplayEsn::default()
        }),
    }
}

/// A kernel algorithm name (`alg_name[64]`).
fn name(text: &str) -> [u8; 64] {
    let mut out = [0; 64];
    for (o, b) in out.iter_mut().zip(text.bytes()) {
        *o = b;
    }
    out
}

/// Key length in bits, as the kernel counts it.
fn bits(key: &[u8]) -> u32 {
    u32::try_from(key.len() * 8).unwrap_or(u32::MAX)
}

/// The crypto API names of linux/net/xfrm/xfrm_algo.c.
fn algorithms(alg: &Algorithms) -> Vec<XfrmAttrs> {
    match alg {
        Algorithms::Aead { aead, key } => {
            let (kernel, icv) = match aead {
                Aead::AesGcm(icv) => ("rfc4106(gcm(aes))", icv.bytes()),
                Aead::AesCcm(icv) => ("rfc4309(ccm(aes))", icv.bytes()),
                Aead::ChaCha20Poly1305 => ("rfc7539esp(chacha20,poly1305)", 16),
            };
            vec![XfrmAttrs::EncryptionAlgAead(AlgAead {
                alg_name: name(kernel),
                alg_key_len: bits(key.expose()),
                alg_icv_len: u32::try_from(icv * 8).unwrap_or(u32::MAX),
                alg_key: key.expose().to_vec(),
            })]
        }
        Algorithms::Split {
            encr,
            encr_key,
            integ,
            integ_key,
        } => {
            let kernel = match encr {
                Encryption::AesCbc => "cbc(aes)",
                Encryption::AesCtr => "rfc3686(ctr(aes))",
                Encryption::Null => "ecb(cipher_null)",
            };
            let crypt = netlink_packet_xfrm::Alg {
                alg_name: name(kernel),
                alg_key_len: bits(encr_key.expose()),
                alg_key: encr_key.expose().to_vec(),
            };
            vec![
                XfrmAttrs::EncryptionAlg(crypt),
                XfrmAttrs::AuthenticationAlgTrunc(auth(*integ, integ_key.expose())),
            ]
        }
        Algorithms::Auth { integ, key } => {
            vec![XfrmAttrs::AuthenticationAlgTrunc(auth(
                *integ,
                key.expose(),
            ))]
        }
    }
}

/// `XFRMA_ALG_AUTH_TRUNC` with the RFC truncation (the kernel's default
/// for `hmac(sha256)` is the pre-RFC 4868 96 bits).
fn auth(integ: Integrity, key: &[u8]) -> AlgAuth {
    let kernel = match integ {
        Integrity::HmacSha1_96 => "hmac(sha1)",
        Integrity::HmacSha256_128 => "hmac(sha256)",
        Integrity::HmacSha384_192 => "hmac(sha384)",
        Integrity::HmacSha512_256 => "hmac(sha512)",
        Integrity::AesXcbc96 => "xcbc(aes)",
        Integrity::AesCmac96 => "cmac(aes)",
    };
    AlgAuth {
        alg_name: name(kernel),
        alg_key_len: bits(key),
        alg_trunc_len: integ.icv_bits(),
        alg_key: key.to_vec(),
    }
}
