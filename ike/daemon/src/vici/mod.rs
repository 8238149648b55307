//! The VICI server (strongSwan's `vici` plugin): the socket and client
//! tasks ([`socket`]), the clients and their event registrations
//! ([`Clients`]), and the commands, answered by the driver that owns the
//! core. Message contents, key names and value formats are charon
//! 5.9.8's (`vici_query.c`, `vici_control.c`, `vici_config.c`,
//! `vici_cred.c`), so strongSwan's swanctl and any VICI library work
//! unchanged.

pub(crate) mod certs_list;
pub(crate) mod conn_msg;
pub(crate) mod control;
pub(crate) mod creds;
pub(crate) mod listing;
pub(crate) mod load;
pub(crate) mod logtap;
pub(crate) mod notify;
pub(crate) mod pending;
pub(crate) mod query;
pub(crate) mod sa_msg;
pub(crate) mod server;
pub(crate) mod socket;

use std::collections::BTreeMap;

use swanctl_parser::vici::{Message, Packet};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};

/// A connected client, numbered from 1 as charon numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ClientId(pub(crate) u32);

/// What the client tasks tell the driver.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// A client connected; its replies and events go to `tx`.
    Connected {
        client: ClientId,
        tx: mpsc::Sender<Vec<Packet>>,
    },
    /// A packet from a client; the client reads its next request once
    /// `done` is dropped.
    Packet {
        client: ClientId,
        packet: Packet,
        done: oneshot::Sender<()>,
    },
    /// The client closed its connection (or was dropped).
    Gone { client: ClientId },
}

/// The events charon's vici plugin raises; registering any other name
/// gets EVENT_UNKNOWN.
pub(crate) const EVENTS: &[&str] = &[
    "log",
    "control-log",
    "list-sa",
    "list-policy",
    "list-conn",
    "list-cert",
    "list-authority",
    "ike-updown",
    "ike-rekey",
    "ike-update",
    "child-updown",
    "child-rekey",
];

struct Client {
    tx: mpsc::Sender<Vec<Packet>>,
    /// Indexes into [`EVENTS`] it registered for.
    events: Vec<usize>,
}

/// The connected clients.
#[derive(Default)]
pub(crate) struct Clients {
    map: BTreeMap<ClientId, Client>,
}

impl Clients {
    pub(crate) fn connected(&mut self, client: ClientId, tx: mpsc::Sender<Vec<Packet>>) {
        tracing::debug!(target: "cfg", "vici client {} connected", client.0);
        self.map.insert(
            client,
            Client {
                tx,
                events: Vec::new(),
            },
        );
    }

    pub(crate) fn gone(&mut self, client: ClientId) {
        tracing::debug!(target: "cfg", "vici client {} disconnected", client.0);
        self.map.remove(&client);
    }

    /// EVENT_REGISTER: EVENT_CONFIRM for one of [`EVENTS`], else
    /// EVENT_UNKNOWN.
    pub(crate) fn register(&mut self, client: ClientId, name: &str) -> Packet {
        let (Some(c), Some(index)) = (self.map.get_mut(&client), event_index(name)) else {
            tracing::info!(target: "cfg", "vici client {} invalid registration: {name}", client.0);
            return Packet::EventUnknown;
        };
        if !c.events.contains(&index) {
            c.events.push(index);
        }
        Packet::EventConfirm
    }

    /// EVENT_UNREGISTER: EVENT_CONFIRM if it was registered.
    pub(crate) fn unregister(&mut self, client: ClientId, name: &str) -> Packet {
        let index = event_index(name);
        match self.map.get_mut(&client) {
            Some(c) if index.is_some_and(|i| c.events.contains(&i)) => {
                c.events.retain(|&i| Some(i) != index);
                Packet::EventConfirm
            }
            _ => Packet::EventUnknown,
        }
    }

    /// Whether `client` registered for `event`.
    pub(crate) fn registered(&self, client: ClientId, event: &str) -> bool {
        let index = event_index(event);
        self.map
            .get(&client)
            .is_some_and(|c| index.is_some_and(|i| c.events.contains(&i)))
    }

    /// Whether any client registered for `event`.
    pub(crate) fn listened(&self, event: &str) -> bool {
        let index = event_index(event);
        self.map
            .values()
            .any(|c| index.is_some_and(|i| c.events.contains(&i)))
    }

    /// Queues packets for `client`. A client whose queue is full does not
    /// read: it is dropped (its writer ends, closing our side).
    pub(crate) fn send(&mut self, client: ClientId, packets: Vec<Packet>) {
        let Some(c) = self.map.get(&client) else {
            return;
        };
        match c.tx.try_send(packets) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!(target: "cfg", "vici client {} does not read, dropping it", client.0);
                self.map.remove(&client);
            }
            Err(TrySendError::Closed(_)) => {
                self.map.remove(&client);
            }
        }
    }

    /// An event to `client` if it registered for it (streamed replies,
    /// control-log).
    pub(crate) fn raise_to(&mut self, client: ClientId, event: &str, message: Message) {
        if self.registered(client, event) {
            self.send(client, vec![Packet::event(event, message)]);
        }
    }

    /// An event to every client registered for it.
    pub(crate) fn raise(&mut self, event: &str, message: &Message) {
        let targets: Vec<ClientId> = self
            .map
            .keys()
            .copied()
            .filter(|&c| self.registered(c, event))
            .collect();
        for client in targets {
            self.send(client, vec![Packet::event(event, message.clone())]);
        }
    }
}

fn event_index(name: &str) -> Option<usize> {
    EVENTS.iter().position(|e| *e == name)
}

/// `{success = yes}` or `{success = no, errmsg = ...}`, charon's
/// `send_reply`/`create_reply`.
pub(crate) fn reply(result: Result<(), String>) -> Message {
    match result {
        Ok(()) => Message::new().with_value("success", "yes"),
        Err(errmsg) => Message::new()
            .with_value("success", "no")
            .with_value("errmsg", errmsg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(clients: &mut Clients, id: u32) -> mpsc::Receiver<Vec<Packet>> {
        let (tx, rx) = mpsc::channel(2);
        clients.connected(ClientId(id), tx);
        rx
    }

    #[test]
    fn charons_events_are_confirmed_and_others_unknown() {
        let mut clients = Clients::default();
        let _rx = client(&mut clients, 1);
        assert_eq!(
            clients.register(ClientId(1), "list-sa"),
            Packet::EventConfirm
        );
        assert_eq!(clients.register(ClientId(1), "bogus"), Packet::EventUnknown);
        assert!(clients.registered(ClientId(1), "list-sa"));
        assert_eq!(
            clients.unregister(ClientId(1), "list-sa"),
            Packet::EventConfirm
        );
        assert_eq!(
            clients.unregister(ClientId(1), "list-sa"),
            Packet::EventUnknown
        );
    }

    #[test]
    fn events_reach_only_registered_clients() {
        let mut clients = Clients::default();
        let mut a = client(&mut clients, 1);
        let mut b = client(&mut clients, 2);
        clients.register(ClientId(1), "ike-updown");
        clients.raise("ike-updown", &Message::new().with_value("up", "yes"));
        assert!(a.try_recv().is_ok());
        assert!(b.try_recv().is_err());
    }

    #[test]
    fn a_client_that_does_not_read_is_dropped_when_its_queue_is_full() {
        let mut clients = Clients::default();
        let _rx = client(&mut clients, 1);
        clients.register(ClientId(1), "log");
        for _ in 0..3 {
            clients.raise("log", &Message::new());
        }
        assert!(!clients.registered(ClientId(1), "log"));
    }

    #[test]
    fn replies_carry_charons_success_and_errmsg_keys() {
        assert_eq!(
            reply(Err("x".into())),
            Message::new()
                .with_value("success", "no")
                .with_value("errmsg", "x")
        );
    }
}

#[cfg(test)]
pub(crate) mod command_tests;
