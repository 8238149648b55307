//! What the core needs to know of a connection: a `connections.<name>`
//! section of swanctl.conf with charon's defaults already applied (the
//! daemon converts swanctl-parser's typed config into these).

use core::net::IpAddr;
use core::time::Duration;
use std::sync::Arc;

use crate::proposal::Proposal;
use crate::ts::TsSpec;
use crate::wire::Identification;
use crate::wire::iana::IdType;

/// One IKE connection (`connections.<name>`).
#[derive(Clone, Debug)]
pub struct IkeConfig {
    /// The section name.
    pub name: String,
    /// `local_addrs`; empty means `%any`.
    pub local_addrs: Vec<AddrMatch>,
    /// `remote_addrs`; empty means `%any`.
    pub remote_addrs: Vec<AddrMatch>,
    /// `proposals`, in preference order.
    pub proposals: Vec<Proposal>,
    /// `local` (first round only).
    pub local: LocalAuth,
    /// `remote` (first round only).
    pub remote: RemoteAuth,
    /// `children`.
    pub children: Vec<Arc<ChildConfig>>,
    /// `rekey_time`, `reauth_time`, `over_time`, `rand_time`.
    pub lifetime: IkeLifetime,
    /// `dpd_delay`; zero disables liveness checks.
    pub dpd_delay: Duration,
    /// `encap`: force UDP encapsulation by faking a NAT (RFC 7296 §2.23).
    pub encap: bool,
    /// `fragmentation` (RFC 7383).
    pub fragmentation: Fragmentation,
    /// `send_certreq`: ask for the peer's certificate with CERTREQ
    /// payloads naming our trusted CAs (RFC 7296 §3.7).
    pub send_certreq: bool,
    /// `send_cert`.
    pub send_cert: SendCert,
    /// `vips`: virtual IPs to request in IKE_AUTH (RFC 7296 §3.15.1);
    /// `0.0.0.0` or `::` asks for any address of that family.
    pub vips: Vec<IpAddr>,
    /// `pools`: where a responder takes the virtual IPs initiators ask
    /// for (see [`crate::pools::AddressPools`]).
    pub pools: Vec<String>,
    /// `unique`: what a new IKE SA with the identities of an existing one
    /// does to it.
    pub unique: Unique,
}

/// `unique` (charon's `check_uniqueness`), applied when we answer an
/// IKE_AUTH request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unique {
    /// `no` (default): only INITIAL_CONTACT (RFC 7296 §2.4) removes the
    /// peer's other IKE SAs.
    #[default]
    No,
    /// `never`: INITIAL_CONTACT is ignored too.
    Never,
    /// `keep`: a new IKE SA from another address is deleted, the
    /// established one stays.
    Keep,
    /// `replace`: the established IKE SA is deleted.
    Replace,
}

/// `send_cert`: when our certificate goes into a CERT payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SendCert {
    /// `always`.
    Always,
    /// `never`.
    Never,
    /// `ifasked` (default): if the peer sent a CERTREQ.
    #[default]
    IfAsked,
}

impl IkeConfig {
    /// The child configuration called `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&Arc<ChildConfig>> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// One entry of `local_addrs`/`remote_addrs`, resolved by the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrMatch {
    /// `%any`.
    Any,
    /// An address, subnet or range, as the inclusive range `from..=to`.
    Range(IpAddr, IpAddr),
}

impl AddrMatch {
    /// A single address.
    #[must_use]
    pub const fn addr(addr: IpAddr) -> Self {
        Self::Range(addr, addr)
    }

    /// Whether `addr` falls in this entry.
    #[must_use]
    pub fn contains(&self, addr: IpAddr) -> bool {
        match *self {
            Self::Any => true,
            Self::Range(from, to) => from <= addr && addr <= to,
        }
    }
}

/// How a side proves who it is (`auth` of a `local`/`remote` round).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthClass {
    /// `psk`: a shared key (RFC 7296 §2.15, AUTH method 2).
    Psk,
    /// `pubkey` and its constraints: a signature.
    PubKey,
    /// No constraint (a remote round without `auth`).
    #[default]
    Any,
}

/// Our side of the first authentication round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalAuth {
    /// `local.id`; `None` sends our IP address, as charon does.
    pub id: Option<Identification>,
    /// `local.auth`.
    pub class: AuthClass,
    /// `local.auth` as written (`pubkey`, `rsa/pss`, `ecdsa-384`...): the
    /// signature scheme the credential store should prefer.
    pub auth: String,
    /// `local.certs`: our certificates (DER), the first one to use.
    pub certs: Vec<Vec<u8>>,
    /// `local.pubkeys`: our raw public keys (DER SubjectPublicKeyInfo).
    pub pubkeys: Vec<Vec<u8>>,
}

/// What we require of the peer in the first round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteAuth {
    /// `remote.id`.
    pub id: IdMatch,
    /// `remote.auth`.
    pub class: AuthClass,
    /// `remote.auth` as written: the constraint the peer's signature and
    /// key must meet (`pubkey`, `rsa-2048`, `ecdsa-384`, `rsa/pss-sha256`).
    pub auth: String,
    /// `remote.certs`: pinned peer certificates (DER); the peer must use
    /// one of these keys.
    pub certs: Vec<Vec<u8>>,
    /// `remote.pubkeys`: pinned raw public keys (DER SPKI).
    pub pubkeys: Vec<Vec<u8>>,
    /// `remote.cacerts`: trust anchors for this connection only (DER).
    pub cacerts: Vec<Vec<u8>>,
    /// `remote.revocation`.
    pub revocation: Revocation,
}

/// `remote.revocation`: how certificate status is checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Revocation {
    /// `strict`: the status must be known and good.
    Strict,
    /// `ifuri`: must be good if the certificate names a CRL/OCSP URI.
    IfUri,
    /// `relaxed` (default): fail only on a known revocation.
    #[default]
    Relaxed,
}

/// `remote.id`: an identity, `%any`, a name with a leading `*`
/// wildcard (`*@example.com`, `*.example.com`), or a pattern the core
/// cannot evaluate itself (DNs with `*` RDN values, implemented by `certs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum IdMatch {
    /// `%any`.
    #[default]
    Any,
    /// This identity ([`Identification::same_as`]).
    Exact(Identification),
    /// An FQDN or RFC822 name ending in the given suffix.
    Suffix(IdType, Vec<u8>),
    /// A pattern matched by its implementation.
    Pattern(Pattern),
}

/// An identity pattern matched outside the core (charon's
/// `identification_t.matches` for DNs: `C=CH, O=strongSwan, CN=*`).
pub trait IdPattern: Send + Sync + core::fmt::Debug {
    /// Whether the peer's identity `id` matches.
    fn matches(&self, id: &Identification) -> bool;
    /// The pattern as an identity (sent as IDr if it has no wildcards).
    fn identity(&self) -> &Identification;
    /// Whether it has wildcards (ranks below an exact identity).
    fn has_wildcards(&self) -> bool;
}

/// A shared [`IdPattern`]; two are equal if their identities are.
#[derive(Clone, Debug)]
pub struct Pattern(pub Arc<dyn IdPattern>);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.identity() == other.0.identity()
    }
}

impl Eq for Pattern {}

impl IdMatch {
    /// Whether the peer's `id` satisfies this.
    #[must_use]
    pub fn matches(&self, id: &Identification) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(want) => want.same_as(id),
            Self::Suffix(ty, suffix) => *ty == id.ty && id.data.ends_with(suffix),
            Self::Pattern(p) => p.0.matches(id),
        }
    }

    /// The identity to send as IDr, if this names exactly one.
    #[must_use]
    pub fn exact(&self) -> Option<&Identification> {
        match self {
            Self::Exact(id) => Some(id),
            Self::Pattern(p) if !p.0.has_wildcards() => Some(p.0.identity()),
            _ => None,
        }
    }

    /// Whether this names exactly one identity (ranks above wildcards).
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.exact().is_some()
    }
}

/// IKE SA lifetimes; zero disables each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IkeLifetime {
    /// `rekey_time`.
    pub rekey_time: Duration,
    /// `reauth_time`.
    pub reauth_time: Duration,
    /// `over_time`: the hard limit after the later of rekey/reauth.
    pub over_time: Duration,
    /// `rand_time`: the most that is subtracted at random from rekey/reauth.
    pub rand_time: Duration,
}

/// `fragmentation`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fragmentation {
    /// `no`.
    No,
    /// `yes` (default): announce and use once the peer announced it.
    #[default]
    Yes,
    /// `accept`: announce but do not send fragments.
    Accept,
    /// `force`: also fragment IKE_SA_INIT-era messages where possible.
    Force,
}

/// IPsec mode of a CHILD_SA.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `tunnel`.
    #[default]
    Tunnel,
    /// `transport` (requested with USE_TRANSPORT_MODE, RFC 7296 §1.3.1).
    Transport,
}

/// A CHILD_SA configuration (`connections.<name>.children.<child>`).
#[derive(Clone, Debug)]
pub struct ChildConfig {
    /// The section name.
    pub name: String,
    /// ESP proposals; a KE transform means PFS on CREATE_CHILD_SA.
    pub proposals: Vec<Proposal>,
    /// `local_ts`.
    pub local_ts: Vec<TsSpec>,
    /// `remote_ts`.
    pub remote_ts: Vec<TsSpec>,
    /// `mode`.
    pub mode: Mode,
    /// `rekey_/life_/rand_` `time|bytes|packets`.
    pub lifetime: ChildLifetime,
    /// `ipcomp` (refused: no IPComp transform is implemented).
    pub ipcomp: bool,
}

/// Soft limit, hard limit and jitter of one lifetime dimension; 0 = off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Rekey when reached, less a random part of `rand`.
    pub rekey: u64,
    /// Delete when reached.
    pub life: u64,
    /// The most subtracted from `rekey`.
    pub rand: u64,
}

/// CHILD_SA lifetimes: time in seconds, bytes and packets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChildLifetime {
    /// Seconds.
    pub time: Limits,
    /// Bytes through the SA.
    pub bytes: Limits,
    /// Packets through the SA.
    pub packets: Limits,
}
