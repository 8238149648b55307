//! swanctl: Cygnet's drop-in replacement for strongSwan 5.9.8's swanctl.
//!
//! Same command line (GNU `getopt_long` semantics), same VICI requests in
//! the same order, same output and exit codes; see `command.rs` for the
//! dispatcher and `commands/` for one module per command.

mod command;
mod commands;
mod conn;
mod der;
mod dir;
mod errno;
mod files;
mod getopt;
mod keys;
mod listen;
mod log;
mod options_from;
mod out;
mod prompt;
mod pwcrypt;
mod text;
mod vici_find;

use std::os::unix::ffi::OsStringExt;

fn main() {
    let argv: Vec<Vec<u8>> = std::env::args_os().map(OsStringExt::into_vec).collect();
    let code = command::dispatch(argv);
    out::flush();
    std::process::exit(code);
}
