//! Commands that stream events until interrupted (`--log`, also what
//! `--monitor-sa` needs): libstrongswan's `wait_sigint()` with libvici's
//! event dispatch on another thread.

use std::thread;

use nix::sys::signal::{SigSet, Signal};
use swanctl_parser::vici::{Client, Event};

/// Hands every event read from `client` (registered before) to `on_event`
/// on a reader thread until SIGINT or SIGTERM arrives. A broken
/// connection ends the reading, not the wait, as in swanctl. `Err` if the
/// signals cannot be blocked.
pub(crate) fn until_signal(
    mut client: Client,
    mut on_event: impl FnMut(Event) + Send + 'static,
) -> Result<(), nix::Error> {
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    // blocked before the reader starts, so that it inherits the mask and
    // only sigwait() below receives them
    signals.thread_block()?;
    thread::spawn(move || {
        while let Ok(event) = client.next_event() {
            on_event(event);
        }
    });
    while signals.wait().is_err() {}
    Ok(())
}
