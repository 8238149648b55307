//! libstrongswan's default debug output as swanctl sees it: messages of a
//! level up to the `--debug` level (default 1) go to stderr, one per line.

use std::sync::atomic::{AtomicI32, Ordering};

static LEVEL: AtomicI32 = AtomicI32::new(1);

/// Sets the level (`dbg_default_set_level`).
pub(crate) fn set_level(level: i32) {
    LEVEL.store(level, Ordering::Relaxed);
}

/// Prints `msg` to stderr if `level` is enabled.
pub(crate) fn dbg(level: i32, msg: &str) {
    if level <= LEVEL.load(Ordering::Relaxed) {
        eprintln!("{msg}");
    }
}

/// A level-1 message (`DBG1`).
pub(crate) fn dbg1(msg: &str) {
    dbg(1, msg);
}
