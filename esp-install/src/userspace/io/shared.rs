//! What the daemon's thread (the [`Installer`](crate::Installer) calls)
//! and the two packet threads share: the data path behind one mutex,
//! locked once per batch, the event channel and the stop flag.

use core::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::userspace::{Dataplane, Event};
use crate::{KernelEvent, Selector};

/// How long a packet thread waits for its sockets before it looks at the
/// stop flag and the data path's timers again.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// An IKE message that arrived on a NAT-T socket, after the non-ESP marker.
#[derive(Clone, Copy, Debug)]
pub struct IkeDatagram<'a> {
    /// Our address and port it was sent to (the socket's own address if
    /// the kernel did not say).
    pub local: SocketAddr,
    /// The sender.
    pub remote: SocketAddr,
    /// The IKE message, without the four zero octets (RFC 3948 §2.2).
    pub message: &'a [u8],
}

/// Where IKE messages from the NAT-T sockets go (called on a packet
/// thread; it must not block).
pub type IkeSink = Box<dyn Fn(IkeDatagram<'_>) + Send + Sync>;

/// The state the threads share.
pub(crate) struct Shared {
    dataplane: Mutex<Dataplane>,
    events: mpsc::Sender<KernelEvent>,
    stop: AtomicBool,
    pub(crate) ike: IkeSink,
}

impl Shared {
    pub(crate) fn new(events: mpsc::Sender<KernelEvent>, ike: IkeSink) -> Self {
        Self {
            dataplane: Mutex::new(Dataplane::new()),
            events,
            stop: AtomicBool::new(false),
            ike,
        }
    }

    /// The data path; a thread that panicked while holding it left it
    /// consistent between two packets, so the poison is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Dataplane> {
        self.dataplane
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Passes the data path's queued events to the daemon.
    pub(crate) fn forward_events(&self, dataplane: &mut Dataplane) {
        while let Some(event) = dataplane.poll_event() {
            tracing::debug!(target: "esp", "data path event: {event:?}");
            if let Err(e) = self.events.try_send(kernel_event(event)) {
                tracing::warn!(target: "esp", "dropping data path event: {e}");
            }
        }
    }
}

/// The installer's form of a data path event.
pub(crate) fn kernel_event(event: Event) -> KernelEvent {
    match event {
        Event::SoftExpire { sa, .. } | Event::HardExpire { sa, .. } => KernelEvent::Expire {
            id: sa.id,
            reqid: sa.reqid,
            hard: matches!(event, Event::HardExpire { .. }),
        },
        Event::Acquire { reqid, flow } => {
            let host = |ip: IpAddr| Selector {
                from: ip,
                to: ip,
                protocol: flow.protocol,
                from_port: 0,
                to_port: u16::MAX,
            };
            KernelEvent::Acquire {
                reqid,
                src: host(flow.src),
                dst: host(flow.dst),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::userspace::wire::flow::{Flow, Ports};
    use crate::userspace::{ExpireCause, SaRef};
    use crate::{Direction, Protocol, SaId};

    fn sa() -> SaRef {
        SaRef {
            id: SaId {
                spi: 0xc000_0042,
                dst: "192.0.2.1".parse().unwrap(),
                protocol: Protocol::Esp,
            },
            direction: Direction::In,
            reqid: 7,
        }
    }

    #[test]
    fn soft_and_hard_expiries_keep_the_sa_and_say_which() {
        let soft = Event::SoftExpire {
            sa: sa(),
            cause: ExpireCause::Packets,
        };
        let hard = Event::HardExpire {
            sa: sa(),
            cause: ExpireCause::Bytes,
        };
        for (event, want_hard) in [(soft, false), (hard, true)] {
            assert_eq!(
                kernel_event(event),
                KernelEvent::Expire {
                    id: sa().id,
                    reqid: 7,
                    hard: want_hard
                }
            );
        }
    }

    #[test]
    fn an_acquire_names_the_packets_hosts_and_protocol() {
        let flow = Flow {
            src: "10.1.0.1".parse().unwrap(),
            dst: "10.2.0.9".parse().unwrap(),
            protocol: 6,
            ports: Ports::Ports { src: 1, dst: 2 },
        };
        let KernelEvent::Acquire { reqid, src, dst } =
            kernel_event(Event::Acquire { reqid: 3, flow })
        else {
            panic!("not an acquire");
        };
        assert_eq!(reqid, 3);
        assert_eq!((src.from, src.to, src.protocol), (flow.src, flow.src, 6));
        assert_eq!((dst.from, dst.to), (flow.dst, flow.dst));
        assert_eq!((dst.from_port, dst.to_port), (0, u16::MAX));
    }
}
