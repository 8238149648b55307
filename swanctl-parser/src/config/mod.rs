//! The typed swanctl.conf model (connections, secrets, authorities, pools)
//! and the strongswan.conf settings of the daemon.
//!
//! Every typed parser reads a neutral [`ConfNode`] tree, the shape of a VICI
//! `load-conn`/`load-authority`/`load-pool` message, so configuration from
//! swanctl.conf ([`SwanctlConfig::from_settings`]) and configuration received
//! over VICI go through the same validation, as in charon. Values are parsed
//! as charon's `vici_config.c` does (reference §1.2, §2, §3, §5); any
//! unknown key or invalid value discards the item it belongs to (one
//! connection, secret, authority or pool) and is reported as a
//! [`ConfigError`] with its `file:line:column`; other items still load.

mod auth;
mod authorities;
mod child;
mod conn;
mod cygnet_conf;
mod error;
mod from_vici;
mod identity;
mod lifetime;
mod node;
mod pools;
mod proposal;
mod secrets;
mod strongswan_conf;
mod ts;
mod value;

pub use auth::{AuthMethod, AuthRound, CertSource, EapMethod, Revocation};
pub use authorities::{Authority, CaCertSource, parse_authority};
pub use child::{Action, Child, CopyDscp, HwOffload, LabelMode, Mode, TfcPadding, parse_action};
pub use conn::{
    AddrSpec, Childless, Connection, Fragmentation, IkeVersion, SendCert, UniquePolicy,
    parse_connection,
};
pub use cygnet_conf::{Backend, CygnetSettings};
pub use error::{ConfigError, ErrorKind, Scope, ValueError};
pub use identity::{IdType, Identity};
pub use lifetime::{
    ChildLifetime, ChildLifetimeConfig, DEFAULT_CHILD_REKEY_TIME, DEFAULT_IKE_REKEY_TIME,
    IkeLifetime, IkeLifetimeConfig, Limits,
};
pub use node::{
    Blob, BlobDir, CONN_FILE_LIST_KEYS, CONN_LIST_KEYS, ConfEntry, ConfNode, ConfValue, split_list,
};
pub use pools::{Pool, PoolAddrs, PoolAttr, parse_pool};
pub use proposal::{
    Proposal, ProtocolId, default_esp_proposals, default_ike_proposals, parse_proposal_item,
};
pub use secrets::{Secret, SecretBytes, SecretKind, SecretType, parse_secret};
pub use strongswan_conf::{
    CharonSettings, DEFAULT_NAMESPACE, FileLogger, LogLevels, Subsystem, SysLogger,
};
pub use ts::TrafficSelector;
pub use value::{
    IfId, Mark, MarkValue, decode_base64, decode_hex, decode_secret, parse_bool, parse_bytes,
    parse_if_id, parse_time, parse_time32, parse_u32, parse_u64,
};

use crate::settings::Settings;

/// Everything of a swanctl.conf that loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwanctlConfig {
    pub connections: Vec<Connection>,
    pub secrets: Vec<Secret>,
    pub authorities: Vec<Authority>,
    pub pools: Vec<Pool>,
}

impl SwanctlConfig {
    /// Reads the `connections`, `secrets`, `authorities` and `pools`
    /// sections (anything else is ignored, as swanctl does). Returns what
    /// loaded and every problem; a rejected item is left out.
    pub fn from_settings(settings: &Settings) -> (Self, Vec<ConfigError>) {
        let mut config = Self::default();
        let mut errors = Vec::new();
        for (name, view) in settings.view("connections").children() {
            let node = ConfNode::from_conn_view(name, &view);
            collect(
                parse_connection(&node),
                &mut config.connections,
                &mut errors,
            );
        }
        for (name, view) in settings.view("secrets").children() {
            let node = ConfNode::from_plain_view(name, &view);
            collect(parse_secret(&node), &mut config.secrets, &mut errors);
        }
        for (name, view) in settings.view("authorities").children() {
            let node = ConfNode::from_authority_view(name, &view);
            collect(parse_authority(&node), &mut config.authorities, &mut errors);
        }
        for (name, view) in settings.view("pools").children() {
            let node = ConfNode::from_pool_view(name, &view);
            collect(parse_pool(&node), &mut config.pools, &mut errors);
        }
        (config, errors)
    }

    pub fn connection(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }
}

fn collect<T>(
    result: Result<T, Vec<ConfigError>>,
    out: &mut Vec<T>,
    errors: &mut Vec<ConfigError>,
) {
    match result {
        Ok(item) => out.push(item),
        Err(e) => errors.extend(e),
    }
}

#[cfg(test)]
mod tests;
