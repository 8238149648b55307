//! The core's [`Event`]s as charon's log lines. The core forgets an SA as
//! soon as it is destroyed, so names and SPIs are remembered here while
//! the SAs are up.

use std::collections::HashMap;

use certs::identity::id_text;

use ike::{ChildId, DownReason, Endpoint, Event, IkeSaInfo, SaHandle};

/// What is shown of a CHILD_SA once it is gone.
struct ChildLabel {
    name: String,
    spi_in: u32,
    spi_out: u32,
}

/// Names and SPIs of the SAs that are up.
#[derive(Default)]
pub(crate) struct EventLog {
    sas: HashMap<SaHandle, String>,
    children: HashMap<ChildId, ChildLabel>,
}

impl EventLog {
    /// Remembers an SA's connection name before it is up (initiated or
    /// accepted), for failures.
    pub(crate) fn named(&mut self, sa: SaHandle, name: &str) {
        self.sas.insert(sa, name.to_owned());
    }

    /// Logs `event`, looking up details in `endpoint`.
    pub(crate) fn log(&mut self, endpoint: &Endpoint, event: &Event) {
        match event {
            // the core logs the establishment itself, with its lifetimes
            Event::IkeUp { sa, .. } => self.ike_up(endpoint, *sa, false),
            Event::IkeRekeyed { old, new } => {
                tracing::info!(target: "ike", "IKE_SA {} rekeyed", self.ike(*old));
                self.ike_up(endpoint, *new, true);
            }
            Event::IkeDown { sa, reason } => {
                tracing::info!(target: "ike", "IKE_SA {} deleted ({})", self.ike(*sa), why(reason));
                self.sas.remove(sa);
            }
            Event::ChildUp { sa, child, .. } => self.child_up(endpoint, *sa, *child),
            Event::ChildRekeyed { sa, old, new } => {
                self.child_up(endpoint, *sa, *new);
                tracing::info!(target: "chd", "CHILD_SA {} rekeyed, replaced by {}",
                    self.child(*old), self.child(*new));
            }
            Event::ChildFailed { name, reason, .. } => {
                tracing::info!(target: "ike", "failed to establish CHILD_SA {name} ({})", why(reason));
            }
            Event::ChildDown { child, reason, .. } => {
                tracing::info!(target: "chd", "CHILD_SA {} closed ({})", self.child(*child), why(reason));
                self.children.remove(child);
            }
            other => tracing::debug!("{other:?}"),
        }
    }

    fn ike_up(&mut self, endpoint: &Endpoint, sa: SaHandle, rekeyed: bool) {
        let Some(info) = endpoint.sa(sa) else {
            return;
        };
        self.sas.insert(sa, info.name.clone());
        if rekeyed {
            tracing::info!(target: "ike", "IKE_SA {}[{}] rekeyed between {}", info.name, sa, peers(&info));
        }
        tracing::debug!(target: "ike", "IKE_SA {}[{}] SPIs {:016x}_i {:016x}_r",
            info.name, sa, info.spi_i, info.spi_r);
    }

    fn child_up(&mut self, endpoint: &Endpoint, sa: SaHandle, child: ChildId) {
        let found = endpoint
            .sa(sa)
            .and_then(|info| info.children.into_iter().find(|c| c.id == child));
        if let Some(c) = found {
            let label = ChildLabel {
                name: c.name,
                spi_in: c.spi_in,
                spi_out: c.spi_out,
            };
            self.children.insert(child, label);
        }
    }

    fn ike(&self, sa: SaHandle) -> String {
        let name = self.sas.get(&sa).map_or("", String::as_str);
        format!("{name}[{sa}]")
    }

    fn child(&self, child: ChildId) -> String {
        match self.children.get(&child) {
            Some(c) => format!(
                "{}{{{child}}} with SPIs {:08x}_i {:08x}_o",
                c.name, c.spi_in, c.spi_out
            ),
            None => format!("{{{child}}}"),
        }
    }
}

/// `192.0.2.1[moon]...192.0.2.2[sun]`.
fn peers(info: &IkeSaInfo) -> String {
    let id = |id: &Option<ike::wire::Identification>| {
        id.as_ref().map_or_else(|| "%any".to_owned(), id_text)
    };
    format!(
        "{}[{}]...{}[{}]",
        info.local.ip(),
        id(&info.local_id),
        info.remote.ip(),
        id(&info.remote_id)
    )
}

fn why(reason: &DownReason) -> String {
    match reason {
        DownReason::Local => "deleted locally".to_owned(),
        DownReason::Peer => "deleted by peer".to_owned(),
        DownReason::Rekeyed => "rekeyed".to_owned(),
        DownReason::Expired => "expired".to_owned(),
        DownReason::Timeout => "peer not responding".to_owned(),
        DownReason::Failed(e) => e.to_string(),
        DownReason::Duplicate => "duplicate of a newer IKE_SA".to_owned(),
        other => format!("{other:?}"),
    }
}
