//! The [`Installer`] interface for CHILD_SAs and its backends (XFRM,
//! userspace ESP, recording), after strongSwan's `kernel_ipsec.h`.
//!
//! This crate knows nothing of IKE: the daemon translates the IKE core's
//! actions into [`SaSpec`]s and [`PolicySpec`]s. Only the `recording`
//! backend exists so far.

mod recording;
mod spec;
pub mod userspace;

pub use recording::RecordingInstaller;
pub use spec::{
    Direction, Key, Lifetime, Mode, PolicyDirection, PolicySpec, Protocol, SaId, SaSpec, Selector,
};

use core::fmt;

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
    /// The backend's system call or socket failed.
    System(String),
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exists => f.write_str("entry exists"),
            Self::NotFound => f.write_str("entry not found"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::System(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for InstallError {}

/// Installs and removes IPsec SAs and policies (SAD and SPD entries,
/// RFC 4301 §4.4). Calls come from the daemon's single event loop.
pub trait Installer {
    /// Adds one direction of a CHILD_SA.
    ///
    /// # Errors
    /// [`InstallError::Exists`] for a duplicate [`SaId`]; backend errors.
    fn add_sa(&mut self, sa: &SaSpec) -> Result<(), InstallError>;

    /// Removes an SA.
    ///
    /// # Errors
    /// [`InstallError::NotFound`] if it is not installed; backend errors.
    fn del_sa(&mut self, id: &SaId) -> Result<(), InstallError>;

    /// Adds a policy.
    ///
    /// # Errors
    /// Backend errors.
    fn add_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError>;

    /// Removes a policy.
    ///
    /// # Errors
    /// [`InstallError::NotFound`] if it is not installed; backend errors.
    fn del_policy(&mut self, policy: &PolicySpec) -> Result<(), InstallError>;

    /// Removes every SA and policy this installer added.
    ///
    /// # Errors
    /// Backend errors.
    fn flush(&mut self) -> Result<(), InstallError>;
}
