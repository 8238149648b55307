//! The few rtnetlink requests the userspace backend makes (RFC 3549):
//! local addresses, routes into the TUN device and policy routing rules.
//!
//! The kernel answers a request inside `sendmsg`, so the socket is
//! non-blocking and an empty queue after a request is an error, not a
//! hang.

use core::net::IpAddr;
use std::io;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::address::{AddressAttribute, AddressHeader, AddressMessage};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleMessage, RulePortRange};
use netlink_packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};
use netlink_sys::{Socket, SocketAddr};

/// `NETLINK_ROUTE` (linux/netlink.h).
const NETLINK_ROUTE: isize = 0;
/// `EEXIST` (asm-generic/errno-base.h).
pub(crate) const EEXIST: i32 = 17;
/// The largest answer datagram read.
const DATAGRAM: usize = 64 * 1024;

/// A route to `dst/prefix` through interface `oif` in `table`, with a
/// preferred source address (charon's `add_route` of kernel-libipsec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Route {
    pub(crate) dst: IpAddr,
    pub(crate) prefix: u8,
    pub(crate) src: Option<IpAddr>,
    pub(crate) oif: u32,
    pub(crate) table: u32,
}

/// A policy routing rule: `[ipproto P [sport S]] lookup table` at `priority`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) v6: bool,
    pub(crate) priority: u32,
    pub(crate) table: u32,
    pub(crate) protocol: Option<u8>,
    pub(crate) sport: Option<u16>,
}

/// A kernel refusal or a socket failure.
#[derive(Debug)]
pub(crate) enum Error {
    /// The kernel answered with this errno.
    Errno(i32),
    /// The socket failed or the answer was malformed.
    Io(String),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Errno(errno) => io::Error::from_raw_os_error(*errno).fmt(f),
            Self::Io(why) => f.write_str(why),
        }
    }
}

/// An rtnetlink socket.
pub(crate) struct Rtnl {
    socket: Socket,
    seq: u32,
}

impl Rtnl {
    /// Opens the socket.
    ///
    /// # Errors
    /// If it cannot be made.
    pub(crate) fn open() -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        socket.set_non_blocking(true)?;
        Ok(Self { socket, seq: 0 })
    }

    /// Every address configured on this host (namespace).
    pub(crate) fn addresses(&mut self) -> Result<Vec<IpAddr>, Error> {
        let msg = RouteNetlinkMessage::GetAddress(AddressMessage::default());
        let answers = self.request(msg, NLM_F_DUMP)?;
        let mut out = Vec::new();
        for answer in answers {
            if let RouteNetlinkMessage::NewAddress(a) = answer {
                // IFA_LOCAL is ours on point-to-point links, IFA_ADDRESS otherwise
                let local = a.attributes.iter().find_map(|attr| match attr {
                    AddressAttribute::Local(ip) => Some(*ip),
                    _ => None,
                });
                let address = a.attributes.iter().find_map(|attr| match attr {
                    AddressAttribute::Address(ip) => Some(*ip),
                    _ => None,
                });
                out.extend(local.or(address));
            }
        }
        Ok(out)
    }

    /// Adds `ip` as a host address (/32, /128) of interface `index`;
    /// [`Error::Errno`] `EEXIST` if it is there already.
    pub(crate) fn add_address(&mut self, ip: IpAddr, index: u32) -> Result<(), Error> {
        let msg = RouteNetlinkMessage::NewAddress(address_message(ip, index));
        self.request(msg, NLM_F_CREATE | NLM_F_EXCL).map(drop)
    }

    /// Removes it.
    pub(crate) fn del_address(&mut self, ip: IpAddr, index: u32) -> Result<(), Error> {
        let msg = RouteNetlinkMessage::DelAddress(address_message(ip, index));
        self.request(msg, 0).map(drop)
    }

    /// Adds a route; [`Error::Errno`] `EEXIST` if it is there already.
    pub(crate) fn add_route(&mut self, route: &Route) -> Result<(), Error> {
        let msg = RouteNetlinkMessage::NewRoute(route_message(route));
        self.request(msg, NLM_F_CREATE | NLM_F_EXCL).map(drop)
    }

    /// Deletes a route.
    pub(crate) fn del_route(&mut self, route: &Route) -> Result<(), Error> {
        let msg = RouteNetlinkMessage::DelRoute(route_message(route));
        self.request(msg, 0).map(drop)
    }

    /// Adds a rule; [`Error::Errno`] `EEXIST` if an equal one exists.
    pub(crate) fn add_rule(&mut self, rule: &Rule) -> Result<(), Error> {
        let msg = RouteNetlinkMessage::NewRule(rule_message(rule));
        self.request(msg, NLM_F_CREATE | NLM_F_EXCL).map(drop)
    }

    /// Deletes a rule.
    pub(crate) fn del_rule(&mut self, rule: &Rule) -> Result<(), Error> {
        let msg = RouteNetlinkMessage::DelRule(rule_message(rule));
        self.request(msg, 0).map(drop)
    }

    fn request(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Vec<RouteNetlinkMessage>, Error> {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(msg));
        packet.finalize();
        let mut req = vec![0; packet.buffer_len()];
        packet.serialize(&mut req);
        let io = |e: io::Error| Error::Io(e.to_string());
        self.socket.send(&req, 0).map_err(io)?;
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut out = Vec::new();
        let mut buf = Vec::with_capacity(DATAGRAM);
        loop {
            buf.clear();
            match self.socket.recv(&mut buf, 0) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(Error::Io("no answer from the kernel".into()));
                }
                Err(e) => return Err(io(e)),
            }
            let mut rest = &buf[..];
            while rest.len() >= 16 {
                let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let Some(one) = rest.get(..len).filter(|_| len >= 16) else {
                    return Err(Error::Io("truncated netlink message".into()));
                };
                rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
                let msg = NetlinkMessage::<RouteNetlinkMessage>::deserialize(one)
                    .map_err(|e| Error::Io(format!("bad rtnetlink answer: {e}")))?;
                if msg.header.sequence_number != self.seq {
                    continue; // a late answer to an earlier request
                }
                match msg.payload {
                    NetlinkPayload::Error(e) => match e.code {
                        Some(code) => return Err(Error::Errno(-code.get())),
                        None if !dump => return Ok(out),
                        None => {}
                    },
                    NetlinkPayload::Done(_) => return Ok(out),
                    NetlinkPayload::InnerMessage(inner) => out.push(inner),
                    _ => {}
                }
            }
        }
    }
}

fn family(v6: bool) -> AddressFamily {
    if v6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

/// `ip/32` (or `/128`) on interface `index`.
fn address_message(ip: IpAddr, index: u32) -> AddressMessage {
    let (family, prefix_len) = match ip {
        IpAddr::V4(_) => (AddressFamily::Inet, 32),
        IpAddr::V6(_) => (AddressFamily::Inet6, 128),
    };
    let mut msg = AddressMessage::default();
    msg.header = AddressHeader {
        family,
        prefix_len,
        index,
        ..AddressHeader::default()
    };
    msg.attributes = vec![AddressAttribute::Local(ip), AddressAttribute::Address(ip)];
    msg
}

fn route_message(route: &Route) -> RouteMessage {
    let mut msg = RouteMessage::default();
    msg.header.address_family = family(route.dst.is_ipv6());
    msg.header.destination_prefix_length = route.prefix;
    msg.header.table = u8::try_from(route.table).unwrap_or(RouteHeader::RT_TABLE_UNSPEC);
    msg.header.protocol = RouteProtocol::Static;
    msg.header.scope = RouteScope::Universe;
    msg.header.kind = RouteType::Unicast;
    msg.attributes
        .push(RouteAttribute::Destination(RouteAddress::from(route.dst)));
    if let Some(src) = route.src {
        msg.attributes
            .push(RouteAttribute::PrefSource(RouteAddress::from(src)));
    }
    msg.attributes.push(RouteAttribute::Oif(route.oif));
    msg.attributes.push(RouteAttribute::Table(route.table));
    msg
}

fn rule_message(rule: &Rule) -> RuleMessage {
    let mut msg = RuleMessage::default();
    msg.header.family = family(rule.v6);
    msg.header.action = RuleAction::ToTable;
    msg.header.table = u8::try_from(rule.table).unwrap_or(RouteHeader::RT_TABLE_UNSPEC);
    msg.attributes.push(RuleAttribute::Priority(rule.priority));
    msg.attributes.push(RuleAttribute::Table(rule.table));
    if let Some(protocol) = rule.protocol {
        msg.attributes
            .push(RuleAttribute::IpProtocol(IpProtocol::from(protocol)));
    }
    if let Some(port) = rule.sport {
        msg.attributes
            .push(RuleAttribute::SourcePortRange(RulePortRange {
                start: port,
                end: port,
            }));
    }
    msg
}
