//! Interfaces by name and by address (rtnetlink, RFC 3549), for hardware
//! offload and interface-bound policies.

use core::net::IpAddr;

use netlink_packet_core::ParseableParametrized;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkMessage};

use super::socket::{Channel, DUMP, Failure};
use super::wire;

/// `NETLINK_ROUTE` (linux/netlink.h).
const NETLINK_ROUTE: isize = 0;

/// An rtnetlink socket.
pub(crate) struct Links {
    channel: Channel,
}

/// An interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Interface {
    /// Its index.
    pub(crate) index: u32,
    /// Its name.
    pub(crate) name: String,
}

impl Links {
    /// Opens the socket.
    ///
    /// # Errors
    /// If it cannot be made.
    pub(crate) fn open() -> std::io::Result<Self> {
        Channel::open(NETLINK_ROUTE).map(|channel| Self { channel })
    }

    /// The interface called `name`, `None` if there is none.
    ///
    /// # Errors
    /// If the request fails.
    pub(crate) fn by_name(&mut self, name: &str) -> Result<Option<Interface>, Failure> {
        let mut msg = LinkMessage::default();
        msg.attributes.push(LinkAttribute::IfName(name.to_owned()));
        match self.links(RouteNetlinkMessage::GetLink(msg), false) {
            Ok(found) => Ok(found.into_iter().next()),
            // ENODEV: no such interface
            Err(e) if e.errno() == Some(19) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The interface that owns `addr`, `None` if no interface does.
    ///
    /// # Errors
    /// If a request fails.
    pub(crate) fn owner(&mut self, addr: IpAddr) -> Result<Option<Interface>, Failure> {
        let seq = self.channel.next_seq();
        let (req, _) = wire::frame(
            RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            DUMP,
            seq,
        );
        let owners = self.channel.exchange(&req, true, |kind, payload| {
            Ok(match route(kind, payload)? {
                Some(RouteNetlinkMessage::NewAddress(a)) => {
                    owns(&a, addr).then_some(a.header.index)
                }
                _ => None,
            })
        })?;
        let Some(&index) = owners.first() else {
            return Ok(None);
        };
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        Ok(self
            .links(RouteNetlinkMessage::GetLink(msg), false)?
            .into_iter()
            .next())
    }

    fn links(&mut self, msg: RouteNetlinkMessage, dump: bool) -> Result<Vec<Interface>, Failure> {
        let seq = self.channel.next_seq();
        let (req, _) = wire::frame(msg, if dump { DUMP } else { 0 }, seq);
        self.channel.exchange(&req, dump, |kind, payload| {
            Ok(match route(kind, payload)? {
                Some(RouteNetlinkMessage::NewLink(link)) => interface(&link),
                _ => None,
            })
        })
    }
}

/// Decodes the rtnetlink messages we read.
fn route(kind: u16, payload: &[u8]) -> Result<Option<RouteNetlinkMessage>, String> {
    // RTM_NEWLINK, RTM_NEWADDR (linux/rtnetlink.h)
    if !matches!(kind, 16 | 20) {
        return Ok(None);
    }
    RouteNetlinkMessage::parse_with_param(payload, kind)
        .map(Some)
        .map_err(|e| format!("rtnetlink message {kind}: {e}"))
}

/// Whether an address message is about `addr` (`IFA_LOCAL` is the local
/// address of IPv4 point-to-point links, `IFA_ADDRESS` otherwise).
fn owns(msg: &AddressMessage, addr: IpAddr) -> bool {
    msg.attributes.iter().any(|a| match a {
        AddressAttribute::Local(ip) => *ip == addr,
        AddressAttribute::Address(ip) => *ip == addr,
        _ => false,
    })
}

fn interface(link: &LinkMessage) -> Option<Interface> {
    link.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(name) => Some(Interface {
            index: link.header.index,
            name: name.clone(),
        }),
        _ => None,
    })
}
