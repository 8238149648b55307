//! What the data path tells the daemon: expiries (as XFRM's
//! `XFRM_MSG_EXPIRE`, soft and hard) and acquires (`XFRM_MSG_ACQUIRE`).

use super::wire::flow::Flow;
use crate::{Direction, SaId};

/// Which limit an SA reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpireCause {
    /// Bytes.
    Bytes,
    /// Packets.
    Packets,
    /// Time since the SA was added.
    Time,
    /// The sequence number space (RFC 4303 §3.3.3: no cycling; the soft
    /// event asks for a rekey while numbers remain).
    Sequence,
}

/// Names an SA in events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SaRef {
    /// SPI, destination, protocol.
    pub id: SaId,
    /// In or out.
    pub direction: Direction,
    /// Binds it to its policies.
    pub reqid: u32,
}

/// An event for the daemon; drained with
/// [`Dataplane::poll_event`](super::Dataplane::poll_event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A soft limit was reached: rekey. Sent once per SA.
    SoftExpire {
        /// The SA.
        sa: SaRef,
        /// Which limit.
        cause: ExpireCause,
    },
    /// A hard limit was reached: the SA drops every further packet and
    /// should be deleted. Sent once per SA.
    HardExpire {
        /// The SA.
        sa: SaRef,
        /// Which limit.
        cause: ExpireCause,
    },
    /// A packet matched a PROTECT policy without an SA: negotiate one
    /// (`start_action = trap`). Repeated for the same reqid only after
    /// [`ACQUIRE_INTERVAL`](super::ACQUIRE_INTERVAL).
    Acquire {
        /// The policy's reqid.
        reqid: u32,
        /// The packet that triggered it.
        flow: Flow,
    },
}
