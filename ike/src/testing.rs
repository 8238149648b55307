//! Helpers for tests and benchmarks that run two [`Endpoint`]s in one
//! process (feature `test-provider`): datagrams are handed across in
//! memory, with no time passing.

use crate::Endpoint;
use crate::action::{Action, Event};
use crate::time::Instant;

/// Hands every pending datagram of `from` to `to` (new IKE SAs are
/// accepted) and shows `from`'s events to `on_event`. Returns whether
/// anything was sent.
pub fn deliver(
    from: &mut Endpoint,
    to: &mut Endpoint,
    now: Instant,
    mut on_event: impl FnMut(&Event),
) -> bool {
    let mut moved = false;
    while let Some(action) = from.poll_action() {
        match action {
            Action::Transmit(t) => {
                moved = true;
                if let Some(incoming) = to.handle_datagram(now, t.remote, t.local, &t.data) {
                    let _ = to.accept(now, incoming);
                }
            }
            Action::Event(event) => on_event(&event),
            _ => {}
        }
    }
    moved
}

/// Runs both endpoints until neither sends anything; returns how many
/// CHILD_SAs came up on each side.
pub fn shuttle(a: &mut Endpoint, b: &mut Endpoint, now: Instant) -> (usize, usize) {
    let (mut up_a, mut up_b) = (0, 0);
    loop {
        let sent_a = deliver(a, b, now, |e| up_a += child_up(e));
        let sent_b = deliver(b, a, now, |e| up_b += child_up(e));
        if !(sent_a || sent_b) {
            return (up_a, up_b);
        }
    }
}

fn child_up(event: &Event) -> usize {
    usize::from(matches!(event, Event::ChildUp { .. }))
}
