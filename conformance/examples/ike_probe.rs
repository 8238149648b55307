//! `ike_probe`: a test-only IKEv2 initiator that establishes an IKE SA with
//! a PSK and a first CHILD_SA against a real responder (strongSwan's
//! charon), then deletes it. See `conformance::probe`.
//!
//! ```text
//! ike_probe 192.0.2.1 192.0.2.2 aes128-sha256-x25519 aes128gcm16 \
//!     lab-preshared-key-0123456789 a.lab.test b.lab.test 10.1.0.0/24 10.2.0.0/24
//! ```
//!
//! Exit status: 0 success, 1 failure, 2 usage, 3 the peer refused with an
//! error notify (printed, e.g. `NO_PROPOSAL_CHOSEN`).

use std::process::ExitCode;

use conformance::probe::{self, Config};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::from_args(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("ike_probe: {e}\n{}", probe::USAGE);
            return ExitCode::from(e.exit_code());
        }
    };
    match probe::run(&config) {
        Ok(()) => {
            println!("probe succeeded");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ike_probe: FAILED: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
