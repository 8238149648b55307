//! What the data plane tells the daemon (strongSwan's `kernel_listener_t`).

use crate::policy::Selector;
use crate::spec::SaId;

/// An event from the data plane.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelEvent {
    /// An SA reached a limit: soft → rekey it (RFC 7296 §2.8), hard → it
    /// is gone (the daemon deletes the CHILD_SA).
    Expire {
        /// The SA.
        id: SaId,
        /// Its request ID.
        reqid: u32,
        /// Hard (deleted) or soft (rekey now).
        hard: bool,
    },
    /// Traffic hit a trap policy without SAs (`start_action = trap`):
    /// negotiate a CHILD_SA for `reqid`, narrowing with the packet's
    /// selectors (RFC 7296 §2.9).
    Acquire {
        /// The trap policy's request ID.
        reqid: u32,
        /// The triggering packet's source.
        src: Selector,
        /// Its destination.
        dst: Selector,
    },
}
