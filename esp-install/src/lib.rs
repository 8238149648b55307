//! The [`Installer`] interface for CHILD_SAs and its backends (kernel
//! XFRM, userspace ESP, recording), after strongSwan's `kernel_ipsec.h`.
//!
//! This crate knows nothing of IKE: the daemon translates the IKE core's
//! actions into [`SaSpec`]s and [`PolicySpec`]s and feeds the
//! [`KernelEvent`]s back.

mod alg;
mod event;
mod policy;
mod recording;
mod spec;
#[cfg(test)]
mod testing;
pub mod userspace;
pub mod xfrm;

pub use alg::{Aead, Algorithms, Encryption, IcvLen, Integrity};
pub use event::KernelEvent;
pub use policy::{PolicyAction, PolicyClass, PolicyDirection, PolicySpec, SaTemplate, Selector};
pub use recording::RecordingInstaller;
pub use spec::{
    CopyDscp, Direction, HwOffload, Key, Lifetime, Limits, Mark, Mode, OffloadMode, Protocol, SaId,
    SaSpec, SaStats, SaUpdate,
};

use core::fmt;
use core::net::IpAddr;

use tokio::sync::mpsc;

/// Why a backend could not do what it was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstallError {
    /// An SA or policy with the same identity is already installed.
    Exists,
    /// No such SA or policy.
    NotFound,
    /// The backend cannot do this (algorithm, mode, ...).
    Unsupported(String),
    /// The spec contradicts itself (a key of the wrong length, byte
    /// limits with packet offload, mixed address families, ...).
    Invalid(String),
    /// Hardware offload was required (`crypto` or `packet`) and is not
    /// available.
    Offload {
        /// The interface tried, if one was found.
        interface: Option<String>,
        /// Why not.
        reason: String,
    },
    /// The kernel refused the request.
    Kernel {
        /// What was asked (`add SA`, `add policy`, ...).
        op: &'static str,
        /// The errno.
        errno: i32,
        /// The kernel's extended-ack message, or the errno's text.
        message: String,
    },
    /// The backend's system call or socket failed.
    System(String),
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exists => f.write_str("entry exists"),
            Self::NotFound => f.write_str("entry not found"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::Invalid(what) => write!(f, "invalid: {what}"),
            Self::Offload {
                interface: Some(dev),
                reason,
            } => write!(f, "HW offload on {dev} failed: {reason}"),
            Self::Offload {
                interface: None,
                reason,
            } => write!(f, "HW offload failed: {reason}"),
            Self::Kernel { op, errno, message } => {
                write!(f, "kernel refused to {op}: {message} (errno {errno})")
            }
            Self::System(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for InstallError {}

/// Installs and removes IPsec SAs and policies (SAD and SPD entries,
/// RFC 4301 §4.4) and reports their expiry.
///
/// Calls come from the daemon's single event loop and complete before
/// they return (the kernel answers XFRM requests within `sendmsg`, so a
/// call takes microseconds, as charon's do). Events arrive on the channel
/// of [`Installer::events`], which the loop awaits with its sockets.
pub trait Installer {
    /// Reserves an SPI for an inbound SA from `src` to `dst` (ours), in
    /// the backend's range (charon's `spi_min`..`spi_max`,
    /// 0xc0000000..0xcfffffff). [`Installer::add_sa`] later fills it in.
    ///
    /// # Errors
    /// Backend errors.
    fn get_spi(
        &mut self,
        src: IpAddr,
        dst: IpAddr,
        protocol: Protocol,
    ) -> Result<u32, InstallError>;

    /// Adds one direction of a CHILD_SA and returns the offload in effect.
    ///
    /// # Errors
    /// [`InstallError::Exists`] for a duplicate [`SaId`],
    /// [`InstallError::Invalid`], [`InstallError::Offload`], backend errors.
    fn add_sa(&mut self, sa: &SaSpec) -> Result<OffloadMode, InstallError>;

    /// Moves an installed SA to new outer addresses or encapsulation,
    /// keeping its keys, sequence numbers and counters. Its new identity
    /// has `update.dst` as destination.
    ///
    /// # Errors
    /// [`InstallError::NotFound`]; backend errors.
    fn update_sa(&mut self, id: &SaId, update: &SaUpdate) -> Result<(), InstallError>;

    /// What an SA has carried so far.
    ///
    /// # Errors
    /// [`InstallError::NotFound`]; backend errors.
    fn query_sa(&mut self, id: &SaId) -> Result<SaStats, InstallError>;

    /// Removes an SA (or an SPI reserved with [`Installer::get_spi`]).
    ///
    /// # Errors
    /// [`InstallError::NotFound`] if it is not installed; backend errors.
    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError>;

    /// Adds a policy. The same selectors may be added by several CHILD_SAs
    /// (rekeying): the backend keeps one entry per spec and enforces the
    /// best one (lowest priority value, then the newest).
    ///
    /// # Errors
    /// [`InstallError::Invalid`]; backend errors.
    fn add_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError>;

    /// Removes a policy added with an equal spec.
    ///
    /// # Errors
    /// [`InstallError::NotFound`] if it is not installed; backend errors.
    fn del_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError>;

    /// Adds a virtual IP the peer assigned us (RFC 7296 §2.19) where
    /// traffic from it takes the SAs (charon's `add_ip`); call it before
    /// the policies of the CHILD_SAs that use it.
    ///
    /// # Errors
    /// [`InstallError::Unsupported`] by default; backend errors.
    fn add_vip(&mut self, vip: IpAddr) -> Result<(), InstallError> {
        Err(InstallError::Unsupported(format!("virtual IP {vip}")))
    }

    /// Removes a virtual IP added with [`Installer::add_vip`].
    ///
    /// # Errors
    /// [`InstallError::Unsupported`] by default; backend errors.
    fn del_vip(&mut self, vip: IpAddr) -> Result<(), InstallError> {
        Err(InstallError::Unsupported(format!("virtual IP {vip}")))
    }

    /// Removes every SA and policy this installer added, and nothing else.
    ///
    /// # Errors
    /// The first backend error (the rest is still removed).
    fn flush(&mut self) -> Result<(), InstallError>;

    /// The event channel: `Some` on the first call, `None` afterwards or
    /// if the backend cannot deliver events (it logs why). The XFRM
    /// backend must be asked from within the tokio runtime that will read
    /// them (it spawns the reader there).
    fn events(&mut self) -> Option<mpsc::Receiver<KernelEvent>>;
}
