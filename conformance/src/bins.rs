//! Locating the workspace's binaries from tests of this package.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// Path of our `swanctl` binary, built (debug profile) on first use so that
/// `cargo test -p conformance` works alone.
pub fn swanctl() -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| build("swanctl", "swanctl")).clone()
}

/// Path of the `cygnetd` daemon, built (debug profile) on first use.
pub fn cygnetd() -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| build("cygnetd", "cygnetd")).clone()
}

fn build(package: &str, bin: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", package, "--bin", bin])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| format!("running cargo build -p {package}: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build -p {package} failed: {status}"));
    }
    let path = target_dir().join("debug").join(bin);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} missing after build", path.display()))
    }
}

/// The output of strongSwan's swanctl without the lines about plugins of
/// its installation it cannot load (which are not about the command),
/// every line ending in `\n`.
pub fn without_plugin_noise(text: &[u8]) -> String {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|l| !(l.starts_with("plugin '") && l.contains("failed to load")))
        .map(|l| format!("{l}\n"))
        .collect()
}
