//! `cygnet.backend`: which [`Installer`] carries the CHILD_SAs.
//!
//! `kernel` is Linux XFRM, `userspace` our ESP over a TUN device (as
//! charon's kernel-libipsec), `recording` keeps SAs in memory only (tests),
//! and `auto` probes once whether the kernel can hold an ESP SA (this
//! needs `esp4` and the AEAD in the kernel, not just XFRM) and otherwise
//! takes userspace.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use esp_install::userspace::io::{UserspaceConfig, UserspaceInstaller};
use esp_install::xfrm::XfrmInstaller;
use esp_install::{
    Aead, Algorithms, CopyDscp, Direction, HwOffload, IcvLen, Installer, Key, Lifetime, Mode,
    Protocol, RecordingInstaller, SaId, SaSpec,
};
use swanctl_parser::config::Backend;
use tokio::sync::mpsc;

use crate::cleanup::{self, Journaled};
use crate::socket::{Datagram, Sockets, ike_sink};

/// Opens the backend `setting` asks for (logging the choice); the
/// userspace backend takes over reading the NAT-T sockets.
///
/// # Errors
/// If it cannot be opened.
pub(crate) fn open(
    setting: Backend,
    sockets: &mut Sockets,
    ike: &mpsc::Sender<Datagram>,
    state: &Path,
) -> Result<Box<dyn Installer>, String> {
    purge_stale(state);
    let kind = match setting {
        Backend::Auto => match kernel_holds_esp() {
            Ok(()) => {
                tracing::info!(target: "knl", "kernel holds ESP SAs, using the kernel backend");
                Backend::Kernel
            }
            Err(why) => {
                tracing::info!(target: "knl", "kernel cannot hold ESP SAs ({why}), using the userspace backend");
                Backend::Userspace
            }
        },
        other => other,
    };
    match kind {
        Backend::Kernel => {
            let xfrm = XfrmInstaller::open().map_err(|e| format!("kernel backend: {e}"))?;
            // as charon, without them IKE may still work: not fatal
            if let Err(e) = sockets.prepare_for_kernel_esp() {
                tracing::warn!(target: "net", "kernel backend: {e}");
            }
            tracing::info!(target: "knl", "ESP backend: kernel (XFRM)");
            Ok(Box::new(Journaled::new(xfrm, state.to_owned())))
        }
        Backend::Recording => {
            tracing::info!(target: "knl", "ESP backend: recording (no data plane)");
            Ok(Box::new(RecordingInstaller::new()))
        }
        Backend::Userspace | Backend::Auto => {
            let nat_t = sockets
                .hand_over_nat_t()
                .map_err(|e| format!("userspace backend: {e}"))?;
            let config = UserspaceConfig::new(nat_t, sockets.ports(), ike_sink(ike.clone()));
            let installer =
                UserspaceInstaller::open(config).map_err(|e| format!("userspace backend: {e}"))?;
            tracing::info!(target: "knl", "ESP backend: userspace (TUN device {})", installer.tun_name());
            Ok(Box::new(installer))
        }
    }
}

/// Removes the SAs and policies a killed run left in the kernel, as its
/// state file lists them (whatever backend this run uses).
fn purge_stale(state: &Path) {
    if !state.exists() {
        return;
    }
    match XfrmInstaller::open() {
        Ok(mut xfrm) => {
            cleanup::purge(&mut xfrm, state);
        }
        Err(e) => tracing::warn!(target: "knl", "unable to clean up after the previous run: {e}"),
    }
}

/// Adds and removes a throwaway AES-GCM SA on loopback: XFRM alone is not
/// enough (this machine's kind of kernel has XFRM without `esp4`).
fn kernel_holds_esp() -> Result<(), String> {
    let mut xfrm = XfrmInstaller::open().map_err(|e| e.to_string())?;
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let spi = xfrm
        .get_spi(lo, lo, Protocol::Esp)
        .map_err(|e| e.to_string())?;
    let id = SaId {
        spi,
        dst: lo,
        protocol: Protocol::Esp,
    };
    let probe = SaSpec {
        id,
        direction: Direction::In,
        src: SocketAddr::new(lo, 0),
        dst: SocketAddr::new(lo, 0),
        reqid: 0,
        mode: Mode::Transport,
        encap: false,
        algorithms: Algorithms::Aead {
            aead: Aead::AesGcm(IcvLen::Bytes16),
            // 128-bit key and the 4-octet salt (RFC 4106 §8.1)
            key: Key::new(vec![0; 20]),
        },
        esn: false,
        replay_window: 32,
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
    };
    let added = xfrm.add_sa(&probe).map(drop);
    let _ = xfrm.del_sa(&id);
    added.map_err(|e| e.to_string())
}
