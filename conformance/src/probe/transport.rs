//! UDP for the probe: port 500, then port 4500 with the non-ESP marker once
//! a NAT was detected (RFC 7296 §2.23, RFC 3948 §2.2). Requests are
//! retransmitted until a matching response arrives.

use core::net::{IpAddr, SocketAddr};
use std::io::ErrorKind;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use ike::wire::iana::ExchangeType;
use ike::wire::{IkeHeader, natt};

use super::ProbeError;

/// The IKE port (RFC 7296 §2).
pub(super) const IKE_PORT: u16 = 500;
/// The NAT-T port (RFC 3948).
pub(super) const NATT_PORT: u16 = 4500;
/// How often a request is sent before giving up.
const TRIES: u32 = 3;

pub(super) struct Transport {
    socket: UdpSocket,
    local: IpAddr,
    remote: SocketAddr,
    natt: bool,
    timeout: Duration,
}

impl Transport {
    /// Binds `local`:500 and talks to `remote`:500.
    pub(super) fn new(
        local: IpAddr,
        remote: IpAddr,
        timeout: Duration,
    ) -> Result<Self, ProbeError> {
        let socket = bind(SocketAddr::new(local, IKE_PORT))?;
        Ok(Self {
            socket,
            local,
            remote: SocketAddr::new(remote, IKE_PORT),
            natt: false,
            timeout,
        })
    }

    /// Moves to `local`:4500 <-> `remote`:4500, with the non-ESP marker in
    /// front of every IKE message from now on.
    pub(super) fn float_to_natt(&mut self) -> Result<(), ProbeError> {
        self.socket = bind(SocketAddr::new(self.local, NATT_PORT))?;
        self.remote.set_port(NATT_PORT);
        self.natt = true;
        println!("switching to port {NATT_PORT} (NAT detected)");
        Ok(())
    }

    /// Sends `request` (an IKE message) and returns the response: the first
    /// IKE message from the peer with our SPI, the response flag and
    /// message ID `id`. Other datagrams are ignored.
    pub(super) fn exchange(
        &self,
        request: &[u8],
        exchange: ExchangeType,
        spi_i: u64,
        id: u32,
    ) -> Result<Vec<u8>, ProbeError> {
        let datagram = if self.natt {
            natt::add_non_esp_marker(request)
        } else {
            request.to_vec()
        };
        for _ in 0..TRIES {
            let local = SocketAddr::new(self.local, self.local_port());
            println!(
                "sending packet: from {} to {} ({} bytes)",
                show(local),
                show(self.remote),
                datagram.len()
            );
            self.socket
                .send_to(&datagram, self.remote)
                .map_err(|e| ProbeError::Io("sending", e))?;
            if let Some(response) = self.receive(spi_i, id)? {
                return Ok(response);
            }
            println!("retransmitting {exchange} request {id}");
        }
        Err(ProbeError::Timeout {
            exchange,
            tries: TRIES,
        })
    }

    fn local_port(&self) -> u16 {
        if self.natt { NATT_PORT } else { IKE_PORT }
    }

    /// Waits up to the timeout for the response; `None` on timeout.
    fn receive(&self, spi_i: u64, id: u32) -> Result<Option<Vec<u8>>, ProbeError> {
        let deadline = Instant::now() + self.timeout;
        let mut buf = vec![0u8; 65_536];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.socket
                .set_read_timeout(Some(left))
                .map_err(|e| ProbeError::Io("setting the read timeout", e))?;
            let (len, from) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Ok(None);
                }
                Err(e) => return Err(ProbeError::Io("receiving", e)),
            };
            let data = buf.get(..len).unwrap_or_default();
            if from != self.remote {
                continue;
            }
            let ike = if self.natt {
                match natt::classify(data) {
                    Ok(natt::Udp4500::Ike(ike)) => ike,
                    _ => continue,
                }
            } else {
                data
            };
            let Ok(header) = IkeHeader::new_checked(ike) else {
                continue;
            };
            if header.spi_i() == spi_i && header.flags().is_response() && header.message_id() == id
            {
                println!(
                    "received packet: from {} to {} ({len} bytes)",
                    show(from),
                    show(SocketAddr::new(self.local, self.local_port()))
                );
                return Ok(Some(ike.to_vec()));
            }
        }
    }
}

fn bind(addr: SocketAddr) -> Result<UdpSocket, ProbeError> {
    UdpSocket::bind(addr).map_err(|e| ProbeError::Io("binding the IKE socket", e))
}

/// charon's `192.0.2.1[500]`.
fn show(addr: SocketAddr) -> String {
    format!("{}[{}]", addr.ip(), addr.port())
}
