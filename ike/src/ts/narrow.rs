//! Narrowing (RFC 7296 §2.9) with charon's `get_subset`, its removal of
//! redundant selectors and its sort order.

use core::cmp::Ordering;

use crate::wire::{IpRange, TrafficSelector};

/// IP protocol number of ICMP.
pub(super) const ICMP: u8 = 1;
/// IP protocol number of ICMPv6.
pub(super) const ICMPV6: u8 = 58;
/// The OPAQUE port range (RFC 7296 §3.13.1): start 65535, end 0.
const OPAQUE: (u16, u16) = (u16::MAX, 0);

/// The selector that both `a` and `b` allow (charon's `get_subset`), or
/// `None` if they share no traffic:
///
/// - same family; other selector types never intersect;
/// - equal protocols, or one of them 0 (any) and the other one is taken;
/// - the overlap of the port ranges; OPAQUE ports (start 65535, end 0) meet
///   only OPAQUE or any ports and stay OPAQUE;
/// - the overlap of the address ranges.
///
/// For ICMP/ICMPv6 a port below 256 is a message type and moves to the high
/// byte (see [`charon_view`](super::charon_view)), in the inputs and in the
/// result, so a protocol-0 selector with ports `0-5` narrows an ICMP one to
/// types `0-5`.
#[must_use]
pub fn intersect(a: &TrafficSelector, b: &TrafficSelector) -> Option<TrafficSelector> {
    match (a, b) {
        (TrafficSelector::Ipv4(a), TrafficSelector::Ipv4(b)) => {
            intersect_ranges(a, b).map(TrafficSelector::Ipv4)
        }
        (TrafficSelector::Ipv6(a), TrafficSelector::Ipv6(b)) => {
            intersect_ranges(a, b).map(TrafficSelector::Ipv6)
        }
        _ => None,
    }
}

/// Whether `outer` allows everything `inner` does (charon's
/// `is_contained_in`): their intersection is `inner` itself.
#[must_use]
pub fn is_subset(inner: &TrafficSelector, outer: &TrafficSelector) -> bool {
    intersect(inner, outer).is_some_and(|common| common == charon_selector(inner))
}

/// The responder's selection (RFC 7296 §2.9), and the initiator's check of
/// the response: each configured selector intersected with each supplied
/// one, configured order first, then [`remove_redundant`]. Empty means
/// TS_UNACCEPTABLE.
///
/// `configured` is [`resolve`](super::resolve)'s output, not
/// [`propose`](super::propose)'s: charon narrows before it removes
/// redundant entries, which decides the order of the result.
#[must_use]
pub fn narrow(
    configured: &[TrafficSelector],
    supplied: &[TrafficSelector],
) -> Vec<TrafficSelector> {
    let selected = configured
        .iter()
        .flat_map(|ours| supplied.iter().filter_map(|theirs| intersect(ours, theirs)))
        .collect();
    remove_redundant(selected)
}

/// Drops each selector that another one in the list contains, and repeats
/// (the first one stays), keeping the order: charon's clean-up of its
/// proposals and of narrowing results. The list is walked the way charon
/// walks it, which only matters where [`is_subset`] is not transitive (ICMP
/// against protocol-0 port ranges ending below 256).
#[must_use]
pub fn remove_redundant(mut list: Vec<TrafficSelector>) -> Vec<TrafficSelector> {
    let mut i = 0;
    while i < list.len() {
        match redundancy(&list, i) {
            Some(Redundant::Other(j)) => {
                list.remove(j);
                if j < i {
                    i -= 1;
                }
            }
            Some(Redundant::This) => {
                list.remove(i);
            }
            None => i += 1,
        }
    }
    list
}

/// Which of a pair goes.
enum Redundant {
    /// The selector being looked at.
    This,
    /// The one at this index, which it contains.
    Other(usize),
}

/// The first other selector in `list` that `list[i]` contains or is
/// contained in. A selector is checked as the container first, so of two
/// equal ones the later goes.
fn redundancy(list: &[TrafficSelector], i: usize) -> Option<Redundant> {
    let this = &list[i];
    list.iter()
        .enumerate()
        .filter(|&(j, _)| j != i)
        .find_map(|(j, other)| {
            if is_subset(other, this) {
                Some(Redundant::Other(j))
            } else if is_subset(this, other) {
                Some(Redundant::This)
            } else {
                None
            }
        })
}

/// charon's `traffic_selector_cmp`, the order in which a CHILD_SA keeps
/// (and lists, and installs policies for) its selectors: IPv4 before IPv6,
/// then lower start address, larger range (higher end address), lower
/// protocol, lower start port, larger port range. Other selector types
/// follow by type and contents.
#[must_use]
pub fn compare(a: &TrafficSelector, b: &TrafficSelector) -> Ordering {
    match (charon_selector(a), charon_selector(b)) {
        (TrafficSelector::Ipv4(a), TrafficSelector::Ipv4(b)) => compare_ranges(&a, &b),
        (TrafficSelector::Ipv6(a), TrafficSelector::Ipv6(b)) => compare_ranges(&a, &b),
        (a, b) => (a.ty(), body(&a)).cmp(&(b.ty(), body(&b))),
    }
}

/// Sorts a CHILD_SA's selectors into charon's [`compare`] order, as they
/// appear in its "CHILD_SA … established … TS" log line.
pub fn sort(list: &mut [TrafficSelector]) {
    list.sort_by(compare);
}

fn body(ts: &TrafficSelector) -> &[u8] {
    match ts {
        TrafficSelector::Other { body, .. } => body,
        _ => &[],
    }
}

fn compare_ranges<A: Ord>(a: &IpRange<A>, b: &IpRange<A>) -> Ordering {
    a.start
        .cmp(&b.start)
        .then_with(|| b.end.cmp(&a.end))
        .then(a.ip_protocol.cmp(&b.ip_protocol))
        .then(a.start_port.cmp(&b.start_port))
        .then(b.end_port.cmp(&a.end_port))
}

fn intersect_ranges<A: Copy + Ord>(a: &IpRange<A>, b: &IpRange<A>) -> Option<IpRange<A>> {
    let (a, b) = (charon_view(a), charon_view(b));
    let ip_protocol = intersect_protocols(a.ip_protocol, b.ip_protocol)?;
    let (start_port, end_port) = intersect_ports(&a, &b)?;
    let start = a.start.max(b.start);
    let end = a.end.min(b.end);
    (start <= end).then(|| {
        charon_view(&IpRange {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        })
    })
}

fn intersect_protocols(a: u8, b: u8) -> Option<u8> {
    (a == b || a == 0 || b == 0).then_some(a.max(b))
}

fn intersect_ports<A>(a: &IpRange<A>, b: &IpRange<A>) -> Option<(u16, u16)> {
    if opaque_meets(a, b) || opaque_meets(b, a) {
        return Some(OPAQUE);
    }
    let start = a.start_port.max(b.start_port);
    let end = a.end_port.min(b.end_port);
    (start <= end).then_some((start, end))
}

/// `a` has OPAQUE ports and `b` OPAQUE or any ports.
fn opaque_meets<A>(a: &IpRange<A>, b: &IpRange<A>) -> bool {
    let any = b.start_port == 0 && b.end_port == u16::MAX;
    (a.start_port, a.end_port) == OPAQUE && ((b.start_port, b.end_port) == OPAQUE || any)
}

/// `ts` as [`charon_view`] has it.
fn charon_selector(ts: &TrafficSelector) -> TrafficSelector {
    match ts {
        TrafficSelector::Ipv4(r) => TrafficSelector::Ipv4(charon_view(r)),
        TrafficSelector::Ipv6(r) => TrafficSelector::Ipv6(charon_view(r)),
        TrafficSelector::Other { .. } => ts.clone(),
    }
}

/// A range as charon holds every selector, configured or received: for
/// ICMP/ICMPv6 a port below 256 is read as a message type and moved to the
/// high byte, where RFC 7296 §3.13.1 puts the type (`[icmp/8]` is 0x0800).
#[must_use]
pub fn charon_view<A: Copy>(range: &IpRange<A>) -> IpRange<A> {
    let icmp_type = |port: u16| {
        if port < 256 && matches!(range.ip_protocol, ICMP | ICMPV6) {
            port << 8
        } else {
            port
        }
    };
    IpRange {
        start_port: icmp_type(range.start_port),
        end_port: icmp_type(range.end_port),
        ..*range
    }
}
