//! Shared test helpers: openssl at test time (tests skip without it).

#![allow(dead_code, unreachable_pub)]

pub mod pki;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory and an `openssl` binary, or `None` (skip).
pub struct Openssl {
    pub dir: tempfile::TempDir,
}

impl Openssl {
    pub fn new() -> Option<Self> {
        let ok = Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("openssl not installed: skipped");
            return None;
        }
        Some(Self {
            dir: tempfile::tempdir().unwrap(),
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs openssl in the scratch directory; panics with its stderr.
    pub fn run(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Whether openssl succeeds (for verification by openssl).
    pub fn succeeds(&self, args: &[&str]) -> bool {
        Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .is_ok_and(|o| o.status.success())
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    pub fn write(&self, name: &str, data: &[u8]) {
        std::fs::write(self.path(name), data).unwrap();
    }
}

pub fn write(dir: &Path, rel: &str, data: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}
