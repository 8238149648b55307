//! IKE messages in captured exchanges: extraction from pcap files and the
//! message summaries charon logged for them.

use std::collections::HashMap;

use ike::wire::Message;
use ike::wire::natt::{Udp4500, classify};

use crate::pcap::{PcapError, UdpDatagram, udp_datagrams};

/// What a captured UDP datagram on port 500 or 4500 carries.
#[derive(Debug, PartialEq, Eq)]
pub enum Carried<'a> {
    /// An IKE message (non-ESP marker removed on 4500).
    Ike(&'a [u8]),
    /// ESP in UDP (RFC 3948).
    Esp,
    /// A NAT-T keepalive.
    Keepalive,
    /// Neither port 500 nor 4500, or a malformed 4500 datagram.
    Other,
}

/// Classifies one datagram.
pub fn carried(d: &UdpDatagram) -> Carried<'_> {
    if d.sport == 500 || d.dport == 500 {
        return Carried::Ike(&d.payload);
    }
    if d.sport != 4500 && d.dport != 4500 {
        return Carried::Other;
    }
    match classify(&d.payload) {
        Ok(Udp4500::Ike(ike)) => Carried::Ike(ike),
        Ok(Udp4500::Esp(_)) => Carried::Esp,
        Ok(Udp4500::Keepalive) => Carried::Keepalive,
        Err(_) => Carried::Other,
    }
}

/// Every IKE message of a pcap file with its datagram, in capture order.
pub fn ike_messages(pcap: &[u8]) -> Result<Vec<(UdpDatagram, Vec<u8>)>, PcapError> {
    Ok(udp_datagrams(pcap)?
        .into_iter()
        .filter_map(|d| match carried(&d) {
            Carried::Ike(bytes) => {
                let bytes = bytes.to_vec();
                Some((d, bytes))
            }
            _ => None,
        })
        .collect())
}

/// charon's key for a message: `EXCHANGE request|response MID`.
pub fn message_key(msg: &Message) -> String {
    let role = if msg.flags.is_response() {
        "response"
    } else {
        "request"
    };
    format!("{} {role} {}", msg.exchange, msg.message_id)
}

/// charon's log lines `generating IKE_AUTH request 1 [ IDi ... ]` and
/// `parsed ...`, keyed by [`message_key`] → `[ ... ]`.
pub fn charon_lines(text: &str) -> HashMap<String, String> {
    text.lines()
        .take_while(|l| !l.starts_with("# tshark"))
        .filter_map(|l| {
            let rest = l
                .split_once(" generating ")
                .or_else(|| l.split_once(" parsed "))?
                .1;
            let (key, summary) = rest.split_once(" [")?;
            Some((key.to_owned(), format!("[{summary}")))
        })
        .collect()
}

/// Lowercase or uppercase hex to bytes; `None` if malformed.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}
