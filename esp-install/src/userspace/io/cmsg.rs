//! The control messages of our UDP sends (linux/socket.h `struct
//! cmsghdr`): `UDP_SEGMENT` for GSO (the kernel cuts one send into
//! datagrams of that size) and `IP_PKTINFO`/`IPV6_PKTINFO` for the source
//! address of a wildcard socket. Built by hand so that a send can gather
//! the ESP packets from their own buffers instead of copying them into
//! one.

use core::net::IpAddr;

/// `SOL_UDP`, `UDP_SEGMENT` (linux/udp.h).
const SOL_UDP: i32 = 17;
const UDP_SEGMENT: i32 = 103;
/// `IPPROTO_IP`, `IP_PKTINFO` (linux/in.h).
const IPPROTO_IP: i32 = 0;
const IP_PKTINFO: i32 = 8;
/// `IPPROTO_IPV6`, `IPV6_PKTINFO` (linux/in6.h).
const IPPROTO_IPV6: i32 = 41;
const IPV6_PKTINFO: i32 = 50;

/// `cmsg_len` is a `size_t`, and messages align to it (`CMSG_ALIGN`).
const WORD: usize = size_of::<usize>();
/// `cmsg_len`, `cmsg_level`, `cmsg_type`.
const HEADER: usize = WORD + 8;

/// Room for both messages.
pub(crate) const SPACE: usize = 2 * (HEADER + 24);

/// Control messages being written into a buffer.
pub(crate) struct Cmsgs<'a> {
    buf: &'a mut [u8; SPACE],
    len: usize,
}

impl<'a> Cmsgs<'a> {
    pub(crate) fn new(buf: &'a mut [u8; SPACE]) -> Self {
        Self { buf, len: 0 }
    }

    /// Appends one message (`CMSG_SPACE` octets).
    fn push(&mut self, level: i32, kind: i32, data: &[u8]) {
        let len = HEADER + data.len();
        let space = len.next_multiple_of(WORD);
        let Some(room) = self.buf.get_mut(self.len..self.len + space) else {
            return;
        };
        room.fill(0);
        room[..WORD].copy_from_slice(&len.to_ne_bytes());
        room[WORD..WORD + 4].copy_from_slice(&level.to_ne_bytes());
        room[WORD + 4..HEADER].copy_from_slice(&kind.to_ne_bytes());
        room[HEADER..len].copy_from_slice(data);
        self.len += space;
    }

    /// Datagrams of `size` octets (`UDP_SEGMENT`, a `u16`).
    pub(crate) fn segment(&mut self, size: u16) {
        self.push(SOL_UDP, UDP_SEGMENT, &size.to_ne_bytes());
    }

    /// Send from `src` (`struct in_pktinfo` with `ipi_spec_dst`, or
    /// `struct in6_pktinfo`).
    pub(crate) fn source(&mut self, src: IpAddr) {
        match src {
            IpAddr::V4(v4) => {
                let mut info = [0u8; 12];
                info[4..8].copy_from_slice(&v4.octets());
                self.push(IPPROTO_IP, IP_PKTINFO, &info);
            }
            IpAddr::V6(v6) => {
                let mut info = [0u8; 20];
                info[..16].copy_from_slice(&v6.octets());
                self.push(IPPROTO_IPV6, IPV6_PKTINFO, &info);
            }
        }
    }

    /// The messages written.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_size_is_a_udp_segment_message_of_cmsg_space_octets() {
        let mut buf = [0xaa; SPACE];
        let mut cmsgs = Cmsgs::new(&mut buf);
        cmsgs.segment(1436);
        let bytes = cmsgs.bytes();
        assert_eq!(bytes.len(), (HEADER + 2).next_multiple_of(WORD));
        assert_eq!(bytes[..WORD], (HEADER + 2).to_ne_bytes());
        assert_eq!(bytes[WORD..WORD + 4], 17i32.to_ne_bytes());
        assert_eq!(bytes[WORD + 4..HEADER], 103i32.to_ne_bytes());
        assert_eq!(bytes[HEADER..HEADER + 2], 1436u16.to_ne_bytes());
        assert!(bytes[HEADER + 2..].iter().all(|b| *b == 0), "padding");
    }

    #[test]
    fn a_source_follows_the_segment_size_as_pktinfo() {
        let mut buf = [0; SPACE];
        let mut cmsgs = Cmsgs::new(&mut buf);
        cmsgs.segment(1000);
        cmsgs.source("192.0.2.1".parse().unwrap());
        let bytes = cmsgs.bytes();
        let second = &bytes[(HEADER + 2).next_multiple_of(WORD)..];
        assert_eq!(second[..WORD], (HEADER + 12).to_ne_bytes());
        assert_eq!(second[WORD + 4..HEADER], 8i32.to_ne_bytes());
        assert_eq!(second[HEADER + 4..HEADER + 8], [192, 0, 2, 1]);
        let mut buf = [0; SPACE];
        let mut cmsgs = Cmsgs::new(&mut buf);
        cmsgs.source("2001:db8::1".parse().unwrap());
        let bytes = cmsgs.bytes();
        assert_eq!(bytes[WORD..WORD + 4], 41i32.to_ne_bytes());
        assert_eq!(bytes[HEADER..HEADER + 2], [0x20, 0x01]);
        assert_eq!(bytes.len(), (HEADER + 20).next_multiple_of(WORD));
    }
}
