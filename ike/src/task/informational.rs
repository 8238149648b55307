//! INFORMATIONAL exchanges (RFC 7296 §1.4): deleting CHILD_SAs and the IKE
//! SA, and liveness checks (§2.4).
//!
//! ```text
//! HDR, SK {[N,] [D,] [CP,] ...}  -->
//!                           <--  HDR, SK {[N,] [D,] [CP], ...}
//! ```

use super::{After, Inbound, Progress, Reply, Task};
use crate::Error;
use crate::action::{ChildId, DownReason, Event};
use crate::sa::{ChildSa, ChildState, Ctx, IkeState, SaCore};
use crate::ts::TsList;
use crate::wire::iana::{NotifyType, ProtocolId};
use crate::wire::{Delete, Payload};

/// How many SPIs deleted before we knew them are remembered.
const DELETED_EARLY: usize = 8;

/// Deletes one CHILD_SA (§1.4.1).
pub(crate) struct ChildDelete {
    pub(crate) child: ChildId,
    pub(crate) reason: DownReason,
}

impl ChildDelete {
    /// `D(ESP, our inbound SPI)`, or nothing if the CHILD_SA is gone.
    pub(crate) fn build_i(&self, sa: &mut SaCore) -> Option<Vec<Payload>> {
        let child = sa.child_mut(self.child)?;
        child.state = ChildState::Deleting;
        log_closing(child);
        Some(vec![Payload::Delete(Delete::esp(&[child.spi_in]))])
    }

    /// The peer deleted its side: remove ours.
    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
        _response: &Inbound<'_>,
    ) -> Result<Progress, Error> {
        remove_child(sa, ctx, self.child, self.reason.clone());
        tracing::info!("CHILD_SA closed");
        Ok(Progress::Done)
    }

    pub(crate) fn abort(self, sa: &mut SaCore) {
        if let Some(child) = sa.child_mut(self.child) {
            child.state = ChildState::Installed;
        }
    }
}

/// Deletes the IKE SA and with it every CHILD_SA (§1.4.1).
pub(crate) struct IkeDelete {
    pub(crate) reason: DownReason,
}

impl IkeDelete {
    pub(crate) fn build_i(&self, sa: &mut SaCore) -> Vec<Payload> {
        sa.state = IkeState::Deleting;
        tracing::info!("deleting IKE_SA {} between {}", sa.label(), sa.between());
        tracing::info!("sending DELETE for IKE_SA {}", sa.label());
        vec![Payload::Delete(Delete::ike())]
    }

    pub(crate) fn process_i(
        &mut self,
        sa: &mut SaCore,
        ctx: &mut Ctx<'_>,
    ) -> Result<Progress, Error> {
        sa.destroy(ctx, self.reason.clone());
        tracing::info!("IKE_SA deleted");
        Ok(Progress::Done)
    }
}

/// The peer deleted the IKE SA. If it is the old SA of a rekey (ours
/// collided with the peer's and the peer's won), the CHILD_SAs move to the
/// peer's new SA instead of going down with it (§2.8.2).
fn deleted_by_peer(sa: &mut SaCore, ctx: &mut Ctx<'_>, active: Option<&mut Task>) -> DownReason {
    if let Some(Task::IkeRekey(ours)) = active
        && let Some(theirs) = ours.collision.take()
    {
        super::ike_rekey::adopt(sa, ctx, theirs.new, false);
        return DownReason::Rekeyed;
    }
    if sa.state == IkeState::Rekeyed {
        DownReason::Rekeyed
    } else {
        DownReason::Peer
    }
}

/// charon's lines for a CHILD_SA we are about to delete (the data plane
/// holds the byte counts, so they are left out).
fn log_closing(child: &ChildSa) {
    tracing::info!(
        "closing CHILD_SA {}{{{}}} with SPIs {:08x}_i {:08x}_o and TS {} === {}",
        child.config.name,
        child.id,
        child.spi_in,
        child.spi_out,
        TsList(&child.local_ts),
        TsList(&child.remote_ts)
    );
    tracing::info!(
        "sending DELETE for ESP CHILD_SA with SPI {:08x}",
        child.spi_in
    );
}

/// Removes a CHILD_SA from the data plane and reports it.
pub(crate) fn remove_child(sa: &mut SaCore, ctx: &mut Ctx<'_>, id: ChildId, reason: DownReason) {
    let Some(index) = sa.children.iter().position(|c| c.id == id) else {
        return;
    };
    let child = sa.children.remove(index);
    // the successor's outbound SA first: with both installed the kernel
    // takes the newer, so no packet finds the reqid without an SA
    // (charon's child_delete: install_outbound, then remove_outbound)
    if let Some(next) = child.successor {
        install_successor(sa, ctx, next);
    }
    let last = !sa.reqid_in_use(child.reqid);
    child.uninstall(sa, ctx, last);
    ctx.event(Event::ChildDown {
        sa: sa.handle,
        child: id,
        reason,
    });
}

/// The replacement of a CHILD_SA being removed gets its outbound SA now
/// (the rekey responder waited for the DELETE of the old one, §2.8).
fn install_successor(sa: &mut SaCore, ctx: &mut Ctx<'_>, id: ChildId) {
    sa.with_child(id, |child, sa| child.install_outbound(sa, ctx));
}

/// Answers an INFORMATIONAL request: deletes, error notifies, or a
/// liveness check (empty).
pub(crate) fn respond(
    sa: &mut SaCore,
    ctx: &mut Ctx<'_>,
    active: Option<&mut Task>,
    request: &Inbound<'_>,
) -> Reply {
    let deletes: Vec<&Delete> = request
        .payloads
        .iter()
        .filter_map(|p| match p {
            Payload::Delete(d) => Some(d),
            _ => None,
        })
        .collect();
    if deletes.iter().any(|d| d.protocol == ProtocolId::IKE) {
        tracing::info!("received DELETE for IKE_SA {}", sa.label());
        tracing::info!("deleting IKE_SA {} between {}", sa.label(), sa.between());
        let reason = deleted_by_peer(sa, ctx, active);
        tracing::info!("IKE_SA deleted");
        return Reply {
            payloads: Vec::new(),
            after: After::Destroy(reason),
        };
    }
    if request
        .payloads
        .iter()
        .any(|p| matches!(p, Payload::Notify(n) if n.ty == NotifyType::AUTHENTICATION_FAILED))
    {
        return Reply {
            payloads: Vec::new(),
            after: After::Destroy(DownReason::Failed(Error::Notified(
                NotifyType::AUTHENTICATION_FAILED,
            ))),
        };
    }
    let mut ours = Vec::new();
    for delete in deletes.iter().filter(|d| d.protocol == ProtocolId::ESP) {
        for spi in &delete.spis {
            let Ok(bytes) = <[u8; 4]>::try_from(spi.as_slice()) else {
                continue;
            };
            if let Some(spi_in) = delete_by_peer(sa, ctx, u32::from_be_bytes(bytes)) {
                ours.push(spi_in);
            }
        }
    }
    if ours.is_empty() {
        return Reply::keep(Vec::new());
    }
    Reply::keep(vec![Payload::Delete(Delete::esp(&ours))])
}

/// The peer deleted the SA with its inbound SPI `spi` (our outbound):
/// remove the CHILD_SA; our inbound SPI goes into the response unless we
/// are deleting it ourselves (crossing deletes, §1.4.1).
fn delete_by_peer(sa: &mut SaCore, ctx: &mut Ctx<'_>, spi: u32) -> Option<u32> {
    let Some(child) = sa.children.iter().find(|c| c.spi_out == spi) else {
        tracing::info!("received DELETE for ESP CHILD_SA with SPI {spi:08x}, but no such SA");
        if sa.deleted_early.len() == DELETED_EARLY {
            sa.deleted_early.pop_front();
        }
        sa.deleted_early.push_back(spi);
        return None;
    };
    let (id, spi_in, crossing) = (child.id, child.spi_in, child.state == ChildState::Deleting);
    tracing::info!("received DELETE for ESP CHILD_SA with SPI {spi:08x}");
    if !crossing {
        log_closing(child);
    }
    remove_child(sa, ctx, id, DownReason::Peer);
    tracing::info!("CHILD_SA closed");
    (!crossing).then_some(spi_in)
}
