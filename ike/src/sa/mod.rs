//! One IKE SA: its state, keys, CHILD_SAs and exchanges.
//!
//! An [`IkeSa`] is driven by the [`Endpoint`](crate::Endpoint), which owns
//! every SA and passes each call a [`Ctx`]: the time, the provider, the
//! credentials and the shared action queue. The SA is split as quinn splits
//! a connection: [`SaCore`] holds what tasks read and change, [`Exchanges`]
//! owns message IDs, the request in flight, retransmits and the cached
//! response (RFC 7296 §2.1–2.3), and never lets tasks see message IDs.

pub(crate) mod child;
mod exchanges;
mod ike_sa;
mod info;
mod keys;
pub(crate) mod lifetime;

use core::net::{IpAddr, SocketAddr};
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use crate::action::{Action, ChildId, DownReason, Event, SaHandle};
use crate::auth::Credentials;
use crate::config::IkeConfig;
use crate::crypto::{CryptoError, Provider, Secret};
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::Identification;
use crate::wire::iana::HashAlgorithm;

pub(crate) use child::ChildSa;
pub use child::{ChildInit, ChildState};
pub(crate) use exchanges::Exchanges;
pub(crate) use ike_sa::ike_spi;
pub use info::{ChildSaInfo, IkeSaInfo};
pub(crate) use keys::{InitMessages, KeyInputs, SaKeys};

/// The state of an IKE SA, as `swanctl --list-sas` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IkeState {
    /// IKE_SA_INIT or IKE_AUTH in progress (charon: CONNECTING).
    Connecting,
    /// Authenticated (ESTABLISHED).
    Established,
    /// Being rekeyed (REKEYING).
    Rekeying,
    /// Replaced by a rekeyed SA, waiting for its delete (REKEYED).
    Rekeyed,
    /// A delete is in progress (DELETING).
    Deleting,
    /// Gone; the endpoint drops it.
    Destroyed,
}

impl IkeState {
    /// charon's name of the state.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connecting => "CONNECTING",
            Self::Established => "ESTABLISHED",
            Self::Rekeying => "REKEYING",
            Self::Rekeyed => "REKEYED",
            Self::Deleting => "DELETING",
            Self::Destroyed => "DESTROYED",
        }
    }
}

/// Endpoint-wide counters: unique IDs, reqids and the inbound SPIs in use.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    next_sa: u32,
    next_child: u32,
    next_reqid: u32,
    /// Inbound ESP/AH SPIs in use (RFC 4301 §4.1: unique per destination;
    /// we keep them unique per endpoint).
    spis: BTreeSet<u32>,
}

impl Ids {
    pub(crate) fn sa(&mut self) -> SaHandle {
        self.next_sa += 1;
        SaHandle(self.next_sa)
    }

    pub(crate) fn child(&mut self) -> ChildId {
        self.next_child += 1;
        ChildId(self.next_child)
    }

    pub(crate) fn reqid(&mut self) -> u32 {
        self.next_reqid += 1;
        self.next_reqid
    }

    /// A fresh inbound SPI outside the reserved 0–255 (RFC 4303 §2.1).
    pub(crate) fn spi(&mut self, provider: &Provider) -> Result<u32, CryptoError> {
        loop {
            let mut bytes = [0u8; 4];
            provider.rng.fill(&mut bytes)?;
            let spi = u32::from_be_bytes(bytes);
            if spi >= 256 && self.spis.insert(spi) {
                return Ok(spi);
            }
        }
    }

    pub(crate) fn release_spi(&mut self, spi: u32) {
        self.spis.remove(&spi);
    }
}

/// What every call into an SA gets from the endpoint.
pub(crate) struct Ctx<'a> {
    pub(crate) now: Instant,
    pub(crate) provider: &'a Provider,
    pub(crate) settings: &'a Settings,
    pub(crate) credentials: &'a dyn Credentials,
    pub(crate) natd: &'a crate::natd::NatDetector,
    pub(crate) configs: &'a [Arc<IkeConfig>],
    pub(crate) ids: &'a mut Ids,
    pub(crate) actions: &'a mut VecDeque<Action>,
    /// IKE SAs created by a rekey, for the endpoint to adopt.
    pub(crate) new_sas: &'a mut Vec<IkeSa>,
    /// CHILD_SAs to move from one IKE SA to another (after an IKE rekey).
    pub(crate) moves: &'a mut Vec<(SaHandle, SaHandle)>,
    /// Virtual IP pools, if the caller keeps any.
    pub(crate) pools: Option<&'a dyn crate::pools::AddressPools>,
    pub(crate) counters: &'a mut crate::counters::Counters,
    /// Established IKE SAs for `unique = keep` (IKE_AUTH requests only).
    pub(crate) peers: &'a [crate::endpoint::Peer],
}

impl Ctx<'_> {
    pub(crate) fn emit(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    pub(crate) fn event(&mut self, event: Event) {
        self.actions.push_back(Action::Event(event));
    }

    /// `len` random octets from the provider.
    pub(crate) fn random(&self, len: usize) -> Result<Vec<u8>, CryptoError> {
        let mut out = vec![0u8; len];
        self.provider.rng.fill(&mut out)?;
        Ok(out)
    }
}

/// NAT detection results (RFC 7296 §2.23).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatState {
    /// Our address is translated.
    pub local_behind: bool,
    /// The peer's address is translated.
    pub remote_behind: bool,
    /// UDP encapsulation is forced (`encap = yes`) or detected.
    pub encap: bool,
}

/// The part of an IKE SA that tasks read and change.
pub(crate) struct SaCore {
    pub(crate) handle: SaHandle,
    /// We initiated this IKE SA (its I flag is ours).
    pub(crate) initiator: bool,
    pub(crate) spi_i: u64,
    pub(crate) spi_r: u64,
    pub(crate) state: IkeState,
    pub(crate) config: Arc<IkeConfig>,
    pub(crate) local: SocketAddr,
    pub(crate) remote: SocketAddr,
    pub(crate) nat: NatState,
    pub(crate) keys: Option<SaKeys>,
    pub(crate) init: Option<InitMessages>,
    pub(crate) local_id: Option<Identification>,
    pub(crate) remote_id: Option<Identification>,
    pub(crate) children: Vec<ChildSa>,
    /// We answered IKE_AUTH: the endpoint applies the `unique` policy,
    /// `Some(true)` if the peer sent INITIAL_CONTACT (its older IKE SAs
    /// with us are stale, RFC 7296 §2.4).
    pub(crate) uniqueness: Option<bool>,
    /// SPIs the peer deleted before we knew them: its answer to our
    /// CREATE_CHILD_SA may still be on its way (bounded, newest last).
    pub(crate) deleted_early: VecDeque<u32>,
    /// Virtual IPs the peer assigned us (CFG_REPLY, RFC 7296 §3.15.1).
    pub(crate) local_vips: Vec<IpAddr>,
    /// Virtual IPs we assigned the peer from our pools.
    pub(crate) remote_vips: Vec<IpAddr>,
    /// Both sides announced IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3).
    pub(crate) fragmentation: bool,
    /// The peer sent a CERTREQ (`send_cert = ifasked`, RFC 7296 §3.7).
    pub(crate) peer_certreq: bool,
    /// The peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4).
    pub(crate) peer_hashes: Vec<HashAlgorithm>,
    pub(crate) created: Instant,
    pub(crate) established: Option<Instant>,
    /// When the last authentic message arrived (liveness, §2.4).
    pub(crate) last_heard: Instant,
    pub(crate) rekey_at: Option<Instant>,
    pub(crate) expire_at: Option<Instant>,
}

impl SaCore {
    /// Runs `f` on CHILD_SA `id`, taken out of the list so that `f` can
    /// read the rest of the IKE SA; nothing if there is no such CHILD_SA.
    pub(crate) fn with_child(&mut self, id: ChildId, f: impl FnOnce(&mut ChildSa, &Self)) {
        let Some(index) = self.children.iter().position(|c| c.id == id) else {
            return;
        };
        let mut child = self.children.remove(index);
        f(&mut child, self);
        self.children.insert(index, child);
    }

    /// `gw[1]`, as charon names an IKE SA in its logs.
    pub(crate) fn label(&self) -> String {
        format!("{}[{}]", self.config.name, self.handle)
    }

    /// `192.0.2.1[moon]...192.0.2.2[sun]`, the endpoints and identities.
    pub(crate) fn between(&self) -> String {
        let id =
            |id: &Option<Identification>| id.as_ref().map(ToString::to_string).unwrap_or_default();
        format!(
            "{}[{}]...{}[{}]",
            self.local.ip(),
            id(&self.local_id),
            self.remote.ip(),
            id(&self.remote_id)
        )
    }

    /// Our SPI for this IKE SA (the one the endpoint routes by).
    pub(crate) const fn our_spi(&self) -> u64 {
        if self.initiator {
            self.spi_i
        } else {
            self.spi_r
        }
    }

    /// Whether the NAT-T port is in use (messages carry the non-ESP marker).
    pub(crate) fn floated(&self, settings: &Settings) -> bool {
        self.local.port() != settings.port
    }

    /// Moves IKE to the NAT-T port (RFC 7296 §2.23).
    pub(crate) fn float(&mut self, settings: &Settings) {
        if self.local.port() == settings.port {
            self.local.set_port(settings.port_nat_t);
        }
        if self.remote.port() == settings.port {
            self.remote.set_port(settings.port_nat_t);
        }
    }

    /// An authentic message arrived on `path` (our address, the peer's):
    /// once on the NAT-T port, follow the peer's NAT mapping (§2.23).
    pub(crate) fn authentic_from(&mut self, settings: &Settings, path: (SocketAddr, SocketAddr)) {
        let (local, remote) = path;
        if local.port() == settings.port_nat_t && (local, remote) != (self.local, self.remote) {
            self.local = local;
            self.remote = remote;
        }
    }

    pub(crate) fn child_mut(&mut self, id: ChildId) -> Option<&mut ChildSa> {
        self.children.iter_mut().find(|c| c.id == id)
    }

    pub(crate) fn child(&self, id: ChildId) -> Option<&ChildSa> {
        self.children.iter().find(|c| c.id == id)
    }

    /// Whether a CHILD_SA (other than those removed) uses `reqid`.
    pub(crate) fn reqid_in_use(&self, reqid: u32) -> bool {
        self.children.iter().any(|c| c.reqid == reqid)
    }

    /// Removes every CHILD_SA from the data plane.
    pub(crate) fn remove_children(&mut self, ctx: &mut Ctx<'_>, reason: &DownReason) {
        let children = core::mem::take(&mut self.children);
        for (i, child) in children.iter().enumerate() {
            let last = !children[i + 1..].iter().any(|c| c.reqid == child.reqid);
            child.uninstall(self, ctx, last);
            ctx.event(Event::ChildDown {
                sa: self.handle,
                child: child.id,
                reason: reason.clone(),
            });
        }
    }

    /// Ends the IKE SA: children removed, `IkeDown` reported.
    pub(crate) fn destroy(&mut self, ctx: &mut Ctx<'_>, reason: DownReason) {
        if self.state == IkeState::Destroyed {
            return;
        }
        // a rekeyed SA's CHILD_SAs and virtual IPs moved (or are moving)
        // to its successor
        if reason != DownReason::Rekeyed {
            self.remove_children(ctx, &reason);
            self.release_vips(ctx);
        }
        self.state = IkeState::Destroyed;
        ctx.event(Event::IkeDown {
            sa: self.handle,
            reason,
        });
    }
}

/// One IKE SA.
pub(crate) struct IkeSa {
    pub(crate) core: SaCore,
    pub(crate) exchanges: Exchanges,
}

/// SKEYSEED inputs of a new IKE SA from its IKE_SA_INIT.
pub(crate) fn keys_inputs<'a>(
    sa: &SaCore,
    g_ir: &'a Secret,
    init: &'a InitMessages,
) -> KeyInputs<'a> {
    KeyInputs {
        g_ir,
        ni: &init.ni,
        nr: &init.nr,
        spi_i: sa.spi_i,
        spi_r: sa.spi_r,
        old_sk_d: None,
    }
}
