//! The driver's side of VICI: the state commands work on, the packets of
//! the client tasks, and the command table. charon's commands that
//! cygnetd does not implement yet get `success = no` with a reason; names
//! charon does not know get CMD_UNKNOWN, as from charon.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use ike::{IkeSaInfo, SaHandle};
use swanctl_parser::config as sw;
use swanctl_parser::vici::{Message, Packet};
use tokio::sync::oneshot;

use super::logtap::LogTap;
use super::pending::Pending;
use super::{ClientId, Clients, Inbound, query, reply};
use crate::creds::LoadedAuthority;
use crate::driver::Driver;
use crate::live_creds::LiveCreds;

/// Everything VICI commands read and change besides the core.
pub(crate) struct State {
    pub(crate) clients: Clients,
    pub(crate) tap: Arc<LogTap>,
    /// Running initiate and terminate commands.
    pub(crate) pending: Vec<Pending>,
    /// Every loaded connection, in load order (the core holds their
    /// `IkeConfig`s).
    pub(crate) conns: Vec<sw::Connection>,
    pub(crate) creds: Arc<LiveCreds>,
    /// IDs of the shared secrets loaded over VICI, of any type.
    pub(crate) shared: Vec<String>,
    /// The authorities loaded, oldest first.
    pub(crate) authorities: Vec<LoadedAuthority>,
    /// The swanctl directory (relative credential files).
    pub(crate) dir: PathBuf,
    /// strongswan.conf, for `reload-settings`.
    pub(crate) conf: PathBuf,
    /// The ESP backend, listed as a plugin.
    pub(crate) backend: String,
    pub(crate) started: (SystemTime, std::time::Instant),
    /// The last known state of each IKE SA, for events about SAs the core
    /// has already forgotten.
    pub(crate) snapshots: HashMap<SaHandle, IkeSaInfo>,
    /// Virtual IP pools loaded over VICI.
    pub(crate) pools: Arc<super::pools::PoolStore>,
}

/// What a command answers.
pub(crate) enum Reply {
    /// Streamed events (only to a client registered for them), then the
    /// response.
    Now {
        events: Vec<(&'static str, Message)>,
        response: Message,
    },
    /// The answer comes later (initiate, terminate); `done` is kept.
    Later,
    /// CMD_UNKNOWN.
    Unknown,
}

impl Reply {
    pub(crate) const fn now(response: Message) -> Self {
        Self::Now {
            events: Vec::new(),
            response,
        }
    }

    pub(crate) fn result(result: Result<(), String>) -> Self {
        Self::now(reply(result))
    }
}

/// charon 5.9.8's commands cygnetd does not implement yet.
const NOT_YET: &[&str] = &["redirect", "load-token", "load-pool", "unload-pool"];

impl State {
    pub(crate) fn new(
        tap: Arc<LogTap>,
        creds: Arc<LiveCreds>,
        authorities: Vec<LoadedAuthority>,
        conns: Vec<sw::Connection>,
        dir: PathBuf,
        conf: PathBuf,
        backend: String,
    ) -> Self {
        Self {
            clients: Clients::default(),
            tap,
            pending: Vec::new(),
            conns,
            creds,
            shared: Vec::new(),
            authorities,
            dir,
            conf,
            backend,
            started: (SystemTime::now(), std::time::Instant::now()),
            snapshots: HashMap::new(),
            pools: Arc::default(),
        }
    }

    /// Keeps log lines while anyone waits for them.
    pub(crate) fn update_tap(&self) {
        self.tap
            .set_active(!self.pending.is_empty() || self.clients.listened("log"));
    }
}

impl Driver {
    /// A message of a client task.
    pub(crate) fn vici_inbound(&mut self, inbound: Inbound) {
        match inbound {
            Inbound::Connected { client, tx } => self.vici.clients.connected(client, tx),
            Inbound::Gone { client } => {
                self.vici.clients.gone(client);
                self.vici.pending.retain(|p| p.client != client);
            }
            Inbound::Packet {
                client,
                packet,
                done,
            } => self.vici_packet(client, packet, done),
        }
        self.vici.update_tap();
    }

    fn vici_packet(&mut self, client: ClientId, packet: Packet, done: oneshot::Sender<()>) {
        let printable = |name: &str| name.bytes().all(|b| (0x20..0x7f).contains(&b));
        let answer = match packet {
            Packet::EventRegister(name) if printable(&name) => {
                self.vici.clients.register(client, &name)
            }
            Packet::EventUnregister(name) if printable(&name) => {
                self.vici.clients.unregister(client, &name)
            }
            Packet::CmdRequest { command, message } if printable(&command) => {
                tracing::debug!(target: "cfg", "vici client {} requests: {command}", client.0);
                match self.vici_command(client, &command, &message, done) {
                    Reply::Now { events, response } => {
                        self.vici_answer(client, events, response);
                        return;
                    }
                    Reply::Later => return,
                    Reply::Unknown => {
                        tracing::info!(target: "cfg", "vici client {} invalid request: {command}", client.0);
                        Packet::CmdUnknown
                    }
                }
            }
            other => {
                tracing::info!(target: "cfg", "unsupported vici operation: {}", other.packet_type().name());
                return;
            }
        };
        self.vici.clients.send(client, vec![answer]);
    }

    /// Sends streamed events the client registered for, then the response,
    /// as one batch.
    pub(crate) fn vici_answer(
        &mut self,
        client: ClientId,
        events: Vec<(&'static str, Message)>,
        response: Message,
    ) {
        let mut batch: Vec<Packet> = events
            .into_iter()
            .filter(|(name, _)| self.vici.clients.registered(client, name))
            .map(|(name, msg)| Packet::event(name, msg))
            .collect();
        batch.push(Packet::CmdResponse(response));
        self.vici.clients.send(client, batch);
    }

    fn vici_command(
        &mut self,
        client: ClientId,
        command: &str,
        msg: &Message,
        done: oneshot::Sender<()>,
    ) -> Reply {
        match command {
            "version" => Reply::now(query::version()),
            "get-algorithms" => Reply::now(query::algorithms(&ike::crypto::default_provider())),
            "stats" => Reply::now(self.vici_stats()),
            "reload-settings" => Reply::result(self.vici_reload_settings()),
            "initiate" => self.vici_initiate(client, msg, done),
            "terminate" => self.vici_terminate(client, msg, done),
            "rekey" => Reply::now(self.vici_rekey(msg)),
            "list-sas" => self.vici_list_sas(msg),
            "list-conns" => self.vici_list_conns(msg),
            "get-conns" => {
                let names = self.vici.conns.iter().map(|c| c.name.as_str());
                Reply::now(Message::new().with_list("conns", names))
            }
            "load-conn" => Reply::result(self.vici_load_conn(msg)),
            "unload-conn" => Reply::result(self.vici_unload_conn(msg)),
            "load-pool" => Reply::result(self.vici_load_pool(msg)),
            "unload-pool" => Reply::result(self.vici_unload_pool(msg)),
            "get-pools" => Reply::now(self.vici_get_pools(msg)),
            other => self.vici_creds_command(other, msg),
        }
    }

    /// Credential commands, then the refusals.
    fn vici_creds_command(&mut self, command: &str, msg: &Message) -> Reply {
        match command {
            "load-cert" => Reply::result(self.vici_load_cert(msg)),
            "list-certs" => self.vici_list_certs(msg),
            "load-key" => Reply::now(self.vici_load_key(msg)),
            "unload-key" => Reply::result(self.vici_unload_key(msg)),
            "get-keys" => Reply::now(self.vici_get_keys()),
            "load-shared" => Reply::result(self.vici_load_shared(msg)),
            "unload-shared" => Reply::result(self.vici_unload_shared(msg)),
            "get-shared" => {
                // newest first, as charon's mem_cred keeps them
                let ids = self.vici.shared.iter().rev().map(String::as_str);
                Reply::now(Message::new().with_list("keys", ids))
            }
            "clear-creds" => Reply::result(self.vici_clear_creds()),
            "flush-certs" => Reply::result(Ok(())),
            "load-authority" => Reply::result(self.vici_load_authority(msg)),
            "list-authorities" => self.vici_list_authorities(msg),
            "unload-authority" => Reply::result(self.vici_unload_authority(msg)),
            "get-authorities" => {
                let names = self.vici.authorities.iter().map(|a| a.name.as_str());
                Reply::now(Message::new().with_list("authorities", names))
            }
            "install" => Reply::result(self.vici_install(msg)),
            "uninstall" => Reply::result(self.vici_uninstall(msg)),
            "list-policies" => self.vici_list_policies(msg),
            "get-counters" => Reply::now(super::counters::get(self.endpoint.counters(), msg)),
            "reset-counters" => {
                Reply::now(super::counters::reset(self.endpoint.counters_mut(), msg))
            }
            other if NOT_YET.contains(&other) => {
                tracing::info!(target: "cfg", "vici '{other}' is not supported by cygnetd yet");
                Reply::result(Err(format!("'{other}' is not supported by cygnetd yet")))
            }
            _ => Reply::Unknown,
        }
    }

    fn vici_stats(&self) -> Message {
        let sas: Vec<IkeSaInfo> = self.endpoint.sas().collect();
        let figures = query::Figures {
            ike_sas: sas.len(),
            half_open: sas
                .iter()
                .filter(|s| s.state == ike::IkeState::Connecting)
                .count(),
            plugins: vec!["vici".to_owned(), self.vici.backend.clone()],
        };
        query::stats(self.vici.started.1.elapsed(), SystemTime::now(), &figures)
    }

    /// Re-reads strongswan.conf and applies it as SIGHUP does.
    fn vici_reload_settings(&mut self) -> Result<(), String> {
        self.reload_settings()
            .map_err(|_| format!("reloading '{}' failed", self.vici.conf.display()))
    }
}
