//! A recording VICI server for differential tests of swanctl clients.
//!
//! It answers the commands swanctl's `--load-*` commands use the way charon
//! 5.9.8 does (same reply keys, same error messages, state that later
//! `get-*` requests reflect), can be seeded with state and told to fail
//! chosen requests ([`Seed`]), and logs every packet it receives in the
//! canonical text form of [`Packet::canonical`], one packet per record, so
//! that the logs of two clients can be diffed.
//!
//! ```no_run
//! use conformance::vici_recorder::{Recorder, Seed};
//!
//! let recorder = Recorder::start("/tmp/test.vici", Seed::new().with_conn("old")).unwrap();
//! // run: swanctl --load-all --uri unix:///tmp/test.vici ...
//! let log = recorder.stop();
//! ```
//!
//! [`Packet::canonical`]: swanctl_parser::vici::Packet::canonical

mod seed;
mod server;
mod state;

pub use seed::{Failure, Seed, SeedError, SeedEvent};
pub use server::{Recorder, RecorderHandle};
pub use state::{Pool, State};
