//! UDP sockets on `charon.port` (500) and `charon.port_nat_t` (4500).
//!
//! On the NAT-T port IKE messages carry the four-octet non-ESP marker
//! (RFC 3948 §2.2), which is removed before the core sees them and added
//! when a [`Transmit`] asks for it. With the userspace ESP backend the
//! backend reads the NAT-T sockets (ESP in UDP shares them) and hands IKE
//! messages back through [`ike_sink`]; otherwise our receivers drop NAT
//! keepalives and ESP (the kernel's, if any, took it before). A socket
//! bound to the wildcard address takes the source address the routing
//! table picks towards the peer as its local address.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::io;
use std::sync::Arc;

use esp_install::userspace::io::{IkeDatagram, IkeSink};
use ike::Transmit;
use ike::wire::natt::{self, Udp4500};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

mod kernel;

/// The largest datagram read (the UDP maximum).
const MAX_DATAGRAM: usize = 65_535;

/// An IKE message as received, without the non-ESP marker.
#[derive(Debug)]
pub(crate) struct Datagram {
    /// Our address and port it arrived on.
    pub(crate) local: SocketAddr,
    /// The sender.
    pub(crate) remote: SocketAddr,
    /// The IKE message.
    pub(crate) data: Vec<u8>,
    /// The UDP payload's length (with a non-ESP marker), for the log.
    pub(crate) wire_len: usize,
}

/// An address as charon logs it: `192.0.2.1[500]`.
pub(crate) struct Peer(pub(crate) SocketAddr);

impl core::fmt::Display for Peer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}[{}]", self.0.ip(), self.0.port())
    }
}

struct Sock {
    bound: SocketAddr,
    nat_t: bool,
    /// Read by our receiver task.
    tokio: Option<Arc<UdpSocket>>,
    /// Read by the data plane (off the runtime, so its datagrams do not
    /// wake us); we only send on it.
    shared: Option<std::net::UdpSocket>,
}

/// Every socket of the daemon.
pub(crate) struct Sockets {
    socks: Vec<Sock>,
}

impl Sockets {
    /// Binds both ports on each address of `addrs`, or on 0.0.0.0 if it is
    /// empty.
    ///
    /// # Errors
    /// If a socket cannot be bound.
    pub(crate) fn bind(addrs: &[IpAddr], port: u16, port_nat_t: u16) -> io::Result<Self> {
        let wildcard = [IpAddr::V4(Ipv4Addr::UNSPECIFIED)];
        let addrs = if addrs.is_empty() {
            &wildcard[..]
        } else {
            addrs
        };
        let mut socks = Vec::new();
        for &ip in addrs {
            for (port, nat_t) in [(port, false), (port_nat_t, true)] {
                let bound = SocketAddr::new(ip, port);
                let std = std::net::UdpSocket::bind(bound)
                    .map_err(|e| io::Error::new(e.kind(), format!("binding {bound}: {e}")))?;
                std.set_nonblocking(true)?;
                tracing::info!(target: "net", "listening on {bound}{}",
                    if nat_t { " (NAT-T)" } else { "" });
                socks.push(Sock {
                    bound,
                    nat_t,
                    tokio: Some(Arc::new(UdpSocket::from_std(std)?)),
                    shared: None,
                });
            }
        }
        Ok(Self { socks })
    }

    /// Hands the NAT-T sockets to a data plane that reads them: clones
    /// for it, ours leave the runtime and only send from now on. Call
    /// before [`spawn_receivers`](Self::spawn_receivers).
    ///
    /// # Errors
    /// If a socket is already read or cannot be duplicated.
    pub(crate) fn hand_over_nat_t(&mut self) -> io::Result<Vec<std::net::UdpSocket>> {
        let mut clones = Vec::new();
        for sock in self.socks.iter_mut().filter(|s| s.nat_t) {
            let Some(udp) = sock.tokio.take() else {
                continue;
            };
            let udp = Arc::try_unwrap(udp)
                .map_err(|_| io::Error::other("NAT-T socket is read already"))?;
            let std = udp.into_std()?;
            clones.push(std.try_clone()?);
            sock.shared = Some(std);
        }
        Ok(clones)
    }

    /// The ports bound (IKE and NAT-T).
    pub(crate) fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self.socks.iter().map(|s| s.bound.port()).collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    /// Starts one receiving task per socket not handed over, feeding `tx`.
    pub(crate) fn spawn_receivers(&self, tx: &mpsc::Sender<Datagram>) {
        for sock in &self.socks {
            let Some(udp) = &sock.tokio else {
                continue;
            };
            let (udp, bound, nat_t) = (Arc::clone(udp), sock.bound, sock.nat_t);
            let tx = tx.clone();
            tokio::spawn(async move { receive(&udp, bound, nat_t, &tx).await });
        }
    }

    /// Sends an IKE message from the socket bound to its local address
    /// and port (or the wildcard socket of that port).
    pub(crate) async fn send(&self, t: &Transmit) {
        let Some(sock) = self.socket_for(t.local) else {
            tracing::warn!(target: "net", "no socket for {}, dropping packet to {}", t.local, t.remote);
            return;
        };
        let data = if t.non_esp_marker {
            natt::add_non_esp_marker(&t.data)
        } else {
            t.data.clone()
        };
        tracing::info!(target: "net", "sending packet: from {} to {} ({} bytes)",
            Peer(t.local), Peer(t.remote), data.len());
        let sent = match (&sock.tokio, &sock.shared) {
            (Some(udp), _) => udp.send_to(&data, t.remote).await,
            // non-blocking: a full buffer loses the message, as the network could
            (None, Some(udp)) => udp.send_to(&data, t.remote),
            (None, None) => Err(io::Error::other("socket closed")),
        };
        if let Err(e) = sent {
            tracing::warn!(target: "net", "error writing to socket: {e}");
        }
    }

    fn socket_for(&self, local: SocketAddr) -> Option<&Sock> {
        let exact = self.socks.iter().find(|s| s.bound == local);
        exact.or_else(|| {
            self.socks.iter().find(|s| {
                s.bound.port() == local.port()
                    && s.bound.ip().is_unspecified()
                    && s.bound.is_ipv4() == local.is_ipv4()
            })
        })
    }
}

async fn receive(udp: &UdpSocket, bound: SocketAddr, nat_t: bool, tx: &mpsc::Sender<Datagram>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (len, remote) = match udp.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                tracing::warn!(target: "net", "error reading from socket {bound}: {e}");
                continue;
            }
        };
        let Some(data) = ike_message(&buf[..len], nat_t) else {
            continue;
        };
        let local = SocketAddr::new(local_ip(bound.ip(), remote), bound.port());
        let datagram = Datagram {
            local,
            remote,
            data: data.to_vec(),
            wire_len: len,
        };
        if tx.send(datagram).await.is_err() {
            return;
        }
    }
}

/// Where the userspace data plane hands the IKE messages it reads on the
/// NAT-T sockets: into the daemon's queue (dropped if it is full, as a
/// full socket buffer would).
pub(crate) fn ike_sink(tx: mpsc::Sender<Datagram>) -> IkeSink {
    Box::new(move |d: IkeDatagram<'_>| {
        let local = SocketAddr::new(local_ip(d.local.ip(), d.remote), d.local.port());
        let datagram = Datagram {
            local,
            remote: d.remote,
            data: d.message.to_vec(),
            wire_len: d.message.len() + natt::NON_ESP_MARKER.len(),
        };
        if tx.try_send(datagram).is_err() {
            tracing::warn!(target: "net", "IKE queue full, dropping packet from {}", d.remote);
        }
    })
}

/// The IKE message in a datagram: all of it on port 500, after the
/// non-ESP marker on the NAT-T port (RFC 3948 §2.2).
fn ike_message(datagram: &[u8], nat_t: bool) -> Option<&[u8]> {
    if !nat_t {
        return Some(datagram);
    }
    match natt::classify(datagram) {
        Ok(Udp4500::Ike(ike)) => Some(ike),
        Ok(Udp4500::Keepalive) => None,
        Ok(Udp4500::Esp(_)) => {
            tracing::debug!(target: "net", "dropping ESP packet: no userspace data plane");
            None
        }
        Err(e) => {
            tracing::debug!(target: "net", "dropping datagram on NAT-T port: {e}");
            None
        }
    }
}

/// Our address towards `remote`: the bound one, or the route's source.
fn local_ip(bound: IpAddr, remote: SocketAddr) -> IpAddr {
    if bound.is_unspecified() {
        route_source(remote).unwrap_or(bound)
    } else {
        bound
    }
}

/// The source address the kernel picks for `remote` (a connected UDP
/// socket sends nothing).
pub(crate) fn route_source(remote: SocketAddr) -> Option<IpAddr> {
    let any: IpAddr = if remote.is_ipv4() {
        Ipv4Addr::UNSPECIFIED.into()
    } else {
        Ipv6Addr::UNSPECIFIED.into()
    };
    let probe = std::net::UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
    probe.connect(remote).ok()?;
    probe.local_addr().ok().map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nat_t_port_strips_the_marker_and_drops_keepalives_and_esp() {
        let ike = [0, 0, 0, 0, 1, 2, 3];
        assert_eq!(ike_message(&ike, true), Some(&[1u8, 2, 3][..]));
        assert_eq!(ike_message(&[0xff], true), None);
        assert_eq!(ike_message(&[1, 2, 3, 4, 0, 0, 0, 1], true), None);
        assert_eq!(ike_message(&ike, false), Some(&ike[..]));
    }

    #[tokio::test]
    async fn a_handed_over_nat_t_socket_still_sends_ike_and_its_clone_reads_it() {
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        // two free ports (the sockets record the ports asked for)
        let free = || {
            let probe = std::net::UdpSocket::bind((lo, 0)).unwrap();
            probe.local_addr().unwrap().port()
        };
        let (port, port_nat_t) = (free(), free());
        assert_ne!(port, port_nat_t);
        let mut sockets = Sockets::bind(&[lo], port, port_nat_t).unwrap();
        let clones = sockets.hand_over_nat_t().unwrap();
        assert_eq!(clones.len(), 1, "one NAT-T socket");
        assert!(
            sockets.hand_over_nat_t().unwrap().is_empty(),
            "handed over once"
        );
        let nat_t = clones[0].local_addr().unwrap();
        assert!(sockets.socks.iter().any(|s| s.nat_t && s.bound.ip() == lo));
        let peer = std::net::UdpSocket::bind((lo, 0)).unwrap();
        peer.set_read_timeout(Some(core::time::Duration::from_secs(2)))
            .unwrap();
        let transmit = Transmit {
            local: nat_t,
            remote: peer.local_addr().unwrap(),
            non_esp_marker: true,
            data: vec![1, 2, 3],
        };
        sockets.send(&transmit).await;
        let mut buf = [0u8; 16];
        let (n, from) = peer.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&[0, 0, 0, 0, 1, 2, 3][..], nat_t));
        peer.send_to(&[9, 9], nat_t).unwrap();
        clones[0].set_nonblocking(false).unwrap();
        clones[0]
            .set_read_timeout(Some(core::time::Duration::from_secs(2)))
            .unwrap();
        let n = clones[0].recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], &[9, 9]);
    }

    #[test]
    fn the_route_source_towards_loopback_is_loopback() {
        let remote = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 500);
        assert_eq!(route_source(remote), Some(Ipv4Addr::LOCALHOST.into()));
    }
}
