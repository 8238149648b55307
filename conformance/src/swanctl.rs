//! Running a swanctl, ours or strongSwan's, against a VICI server, as the
//! differential tests do.

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// strongSwan's swanctl 5.9.8 (Debian's strongswan-swanctl), the reference
/// of the differential tests.
pub const STRONGSWAN_SWANCTL: &str = "/usr/sbin/swanctl";

/// [`STRONGSWAN_SWANCTL`]; panics when it is not installed.
pub fn strongswan_swanctl() -> &'static Path {
    let path = Path::new(STRONGSWAN_SWANCTL);
    assert!(
        path.is_file(),
        "{STRONGSWAN_SWANCTL} is missing: install Debian's strongswan-swanctl (bash .ci/install)"
    );
    path
}

/// What one run of a swanctl against a recording VICI server produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    /// The packets the server got, as the recorder logs them.
    pub packets: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    pub status: Option<i32>,
}

/// The VICI URI of the server listening at `socket`.
pub fn uri(socket: &Path) -> String {
    format!("unix://{}", socket.display())
}

/// `binary <args> --uri <uri>`: a swanctl talking to the VICI server at
/// `uri`.
pub fn command(binary: &Path, args: &[&str], uri: &str) -> Command {
    let mut command = Command::new(binary);
    command.args(args).args(["--uri", uri]);
    command
}

/// Starts [`command`] with stdout and stderr piped, for a command that runs
/// until interrupted (`--log`, `--monitor-sa`).
pub fn spawn(binary: &Path, args: &[&str], uri: &str) -> Child {
    command(binary, args, uri)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {}: {e}", binary.display()))
}
