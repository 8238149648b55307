//! `list-sas` and `list-conns`: one streamed event per IKE SA or
//! connection, then an empty response, filtered as charon filters them.

use certs::load::parse_certificates;
use esp_install::{Protocol, SaId};
use ike::wire::iana::ProtocolId;
use ike::{ChildSaInfo, IkeSaInfo};
use swanctl_parser::config::{BlobDir, CertSource};
use swanctl_parser::vici::Message;

use super::conn_msg::list_conn;
use super::sa_msg::{Usage, ike_with_children};
use super::server::Reply;
use crate::config::{read_blob, read_file};
use crate::driver::Driver;

/// A numeric request value; absent or invalid is 0 (charon's `get_int`).
pub(crate) fn int(msg: &Message, key: &str) -> u32 {
    msg.get_str(key).and_then(|v| v.parse().ok()).unwrap_or(0)
}

impl Driver {
    pub(crate) fn vici_list_sas(&mut self, msg: &Message) -> Reply {
        let ike = msg.get_str("ike");
        let ike_id = int(msg, "ike-id");
        let child = msg.get_str("child");
        let child_id = int(msg, "child-id");
        let now = self.now();
        let sas: Vec<IkeSaInfo> = self
            .endpoint
            .sas()
            .filter(|sa| ike.is_none_or(|n| n == sa.name))
            .filter(|sa| ike_id == 0 || ike_id == sa.handle.0)
            .collect();
        let mut events = Vec::new();
        for sa in &sas {
            let children: Vec<(&ChildSaInfo, Usage)> = sa
                .children
                .iter()
                .filter(|c| child.is_none_or(|n| n == c.name))
                .filter(|c| child_id == 0 || child_id == c.id.0)
                .map(|c| (c, self.usage(sa, c)))
                .collect();
            events.push(("list-sa", ike_with_children(sa, &children, now)));
        }
        Reply::Now {
            events,
            response: Message::new(),
        }
    }

    /// The data plane's counters of a CHILD_SA's two SAs (zero if it has
    /// none).
    pub(crate) fn usage(&mut self, sa: &IkeSaInfo, c: &ChildSaInfo) -> Usage {
        let protocol = if c.proposal.protocol == ProtocolId::AH {
            Protocol::Ah
        } else {
            Protocol::Esp
        };
        let mut query = |spi, dst| {
            let id = SaId { spi, dst, protocol };
            self.installer.query_sa(&id).ok()
        };
        let inbound = query(c.spi_in, sa.local.ip());
        let outbound = query(c.spi_out, sa.remote.ip());
        Usage {
            offload: self.offloads.get(&(c.spi_in, sa.local.ip())).copied(),
            bytes_in: inbound.as_ref().map_or(0, |s| s.bytes),
            packets_in: inbound.as_ref().map_or(0, |s| s.packets),
            last_in: inbound.and_then(|s| s.last_use),
            bytes_out: outbound.as_ref().map_or(0, |s| s.bytes),
            packets_out: outbound.as_ref().map_or(0, |s| s.packets),
            last_out: outbound.and_then(|s| s.last_use),
        }
    }

    pub(crate) fn vici_list_conns(&self, msg: &Message) -> Reply {
        let ike = msg.get_str("ike");
        let dir = self.vici.dir.clone();
        let subject = move |source: &CertSource, folder: BlobDir| {
            let (data, _) = match source {
                CertSource::Blob(blob) => read_blob(blob, &dir, folder).ok()?,
                CertSource::File(path) => read_file(path).ok()?,
                CertSource::Token { .. } => return None,
            };
            let certs = parse_certificates(&data).ok()?;
            certs.first().map(certs::Certificate::subject_text)
        };
        let events = self
            .vici
            .conns
            .iter()
            .filter(|c| ike.is_none_or(|n| n == c.name))
            .map(|c| ("list-conn", list_conn(c, &subject)))
            .collect();
        Reply::Now {
            events,
            response: Message::new(),
        }
    }
}
