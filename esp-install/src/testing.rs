//! Sample specs for the tests.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::{
    Aead, Algorithms, CopyDscp, Direction, HwOffload, IcvLen, Key, Lifetime, Mode, PolicyClass,
    PolicyDirection, PolicySpec, Protocol, SaId, SaSpec, Selector,
};

/// 192.0.2.`n`.
pub(crate) fn v4(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
}

/// An outbound AES-GCM-16 tunnel-mode SA from 192.0.2.1 to .2, port 4500.
pub(crate) fn sa(spi: u32) -> SaSpec {
    SaSpec {
        id: SaId {
            spi,
            dst: v4(2),
            protocol: Protocol::Esp,
        },
        direction: Direction::Out,
        src: SocketAddr::new(v4(1), 4500),
        dst: SocketAddr::new(v4(2), 4500),
        reqid: 1,
        mode: Mode::Tunnel,
        encap: true,
        algorithms: Algorithms::Aead {
            aead: Aead::AesGcm(IcvLen::Bytes16),
            key: Key::new(vec![7; 20]),
        },
        esn: false,
        replay_window: 0,
        lifetime: Lifetime::default(),
        mark: None,
        set_mark: None,
        if_id: 0,
        copy_df: true,
        copy_ecn: true,
        copy_dscp: CopyDscp::Out,
        tfc_padding: 0,
        hw_offload: HwOffload::No,
        offload_dev: None,
        local_ts: Vec::new(),
        remote_ts: Vec::new(),
    }
}

/// Any IPv4 address, protocol and port.
pub(crate) fn any4() -> Selector {
    Selector {
        from: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        to: IpAddr::V4(Ipv4Addr::BROADCAST),
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
    }
}

/// An outbound tunnel policy for everything, reqid 1, .1 to .2.
pub(crate) fn policy() -> PolicySpec {
    PolicySpec::esp(
        PolicyDirection::Out,
        (any4(), any4()),
        (1, Mode::Tunnel),
        (v4(1), v4(2)),
        PolicyClass::Default,
    )
}
