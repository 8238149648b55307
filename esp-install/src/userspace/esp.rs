//! One ESP packet around a payload (RFC 4303 §2): header, IV, padding,
//! pad length, next header and ICV added in place and checked on receipt.
//! These octets are what travels as the UDP payload on port 4500 (RFC 3948
//! §2.1) or after the IP header as protocol 50.

use core::ops::Range;

use super::cipher::Transform;
use super::error::DropReason;
use super::frame::Frame;
use super::wire::esp::HEADER_LEN;

/// What goes into the ESP header and trailer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SealParams {
    pub(crate) spi: u32,
    /// Full sequence number; the header carries its low half.
    pub(crate) seq: u64,
    /// Extended sequence numbers: the high half enters the ICV.
    pub(crate) esn: bool,
    pub(crate) next_header: u8,
}

/// Octets sealing adds before and after a payload of `len` octets.
pub(crate) fn growth(t: &Transform, len: usize) -> (usize, usize) {
    (
        HEADER_LEN + t.iv_len(),
        padding(len, t.align()) + 2 + t.icv_len(),
    )
}

/// Padding so that payload, padding, pad length and next header end on an
/// `align` boundary (RFC 4303 §2.4).
fn padding(len: usize, align: usize) -> usize {
    (align - (len + 2) % align) % align
}

/// Seals `frame[keep..]` as the payload of an ESP packet; the first `keep`
/// octets (an IP header in transport mode) stay in front of it. `iv`
/// overrides the IV (known-answer tests).
pub(crate) fn seal(
    t: &Transform,
    frame: &mut Frame<'_>,
    keep: usize,
    p: &SealParams,
    iv: Option<&[u8]>,
) -> Result<(), DropReason> {
    let payload_len = frame
        .len()
        .checked_sub(keep)
        .ok_or(DropReason::MalformedPacket)?;
    let (front, back) = growth(t, payload_len);
    frame.reserve(front, back)?;
    frame.open_gap(keep, front)?;
    frame.grow(0, back)?;
    let esp = &mut frame.packet_mut()[keep..];
    esp[..4].copy_from_slice(&p.spi.to_be_bytes());
    esp[4..8].copy_from_slice(&(p.seq as u32).to_be_bytes());
    let pad = padding(payload_len, t.align());
    let trailer = front + payload_len;
    for (i, octet) in esp[trailer..trailer + pad].iter_mut().enumerate() {
        *octet = (i + 1) as u8;
    }
    esp[trailer + pad] = pad as u8;
    esp[trailer + pad + 1] = p.next_header;
    let seq_hi = p.esn.then_some((p.seq >> 32) as u32);
    t.seal(esp, p.seq, seq_hi, iv)
        .map_err(|_| DropReason::Crypto)
}

/// Checks a received ESP packet's length before any crypto: header, IV,
/// pad length, next header and ICV must fit, and a block cipher needs
/// whole blocks.
pub(crate) fn check_len(t: &Transform, len: usize) -> Result<(), DropReason> {
    let body = len
        .checked_sub(t.overhead())
        .filter(|body| *body >= 2)
        .ok_or(DropReason::Truncated)?;
    if !t.body_len_ok(body) {
        return Err(DropReason::BadCiphertextLength);
    }
    Ok(())
}

/// A decrypted ESP packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Opened {
    /// The payload, relative to the start of the ESP packet.
    pub(crate) payload: Range<usize>,
    /// Next header from the trailer.
    pub(crate) next_header: u8,
}

/// Verifies and decrypts `esp` (checked by [`check_len`]) in place and
/// reads its trailer.
pub(crate) fn open(
    t: &Transform,
    esp: &mut [u8],
    seq_hi: Option<u32>,
) -> Result<Opened, DropReason> {
    t.open(esp, seq_hi)
        .map_err(|_| DropReason::IntegrityFailed)?;
    trailer(t, esp)
}

/// Reads pad length and next header and checks the default padding
/// 1, 2, 3, ... (RFC 4303 §2.4: "the receiver SHOULD inspect").
fn trailer(t: &Transform, esp: &[u8]) -> Result<Opened, DropReason> {
    let start = HEADER_LEN + t.iv_len();
    let body = esp
        .get(start..esp.len().saturating_sub(t.icv_len()))
        .ok_or(DropReason::Truncated)?;
    let [.., pad_len, next_header] = *body else {
        return Err(DropReason::Truncated);
    };
    let pad_len = usize::from(pad_len);
    let payload_len = body
        .len()
        .checked_sub(2 + pad_len)
        .ok_or(DropReason::BadPadding)?;
    let pad = &body[payload_len..payload_len + pad_len];
    if pad
        .iter()
        .enumerate()
        .any(|(i, b)| usize::from(*b) != i + 1)
    {
        return Err(DropReason::BadPadding);
    }
    Ok(Opened {
        payload: start..start + payload_len,
        next_header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::userspace::cipher::{encr, integ};

    fn gcm() -> Transform {
        Transform::new(encr::AES_GCM_16, &[7; 20], None, &[]).unwrap()
    }

    fn cbc() -> Transform {
        Transform::new(
            encr::AES_CBC,
            &[7; 16],
            Some(integ::HMAC_SHA2_256_128),
            &[8; 32],
        )
        .unwrap()
    }

    const PARAMS: SealParams = SealParams {
        spi: 0x1000,
        seq: 1,
        esn: false,
        next_header: 4,
    };

    fn sealed(t: &Transform, payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0; 64 + payload.len() + 64];
        buf[64..64 + payload.len()].copy_from_slice(payload);
        let mut frame = Frame::new(&mut buf, 64..64 + payload.len()).unwrap();
        seal(t, &mut frame, 0, &PARAMS, None).unwrap();
        frame.packet().to_vec()
    }

    #[test]
    fn padding_aligns_the_trailer_to_the_block() {
        assert_eq!(padding(0, 4), 2);
        assert_eq!(padding(2, 4), 0);
        assert_eq!(padding(14, 16), 0);
        assert_eq!(padding(15, 16), 15);
        for len in 0..64 {
            assert_eq!((len + 2 + padding(len, 16)) % 16, 0);
        }
    }

    #[test]
    fn seal_writes_header_pads_1_2_3_and_open_reads_them_back() {
        let t = cbc();
        let mut esp = sealed(&t, &[0xaa; 7]);
        assert_eq!(&esp[..8], &[0, 0, 0x10, 0, 0, 0, 0, 1]);
        assert_eq!(esp.len(), 8 + 16 + 16 + 16);
        check_len(&t, esp.len()).unwrap();
        let opened = open(&t, &mut esp, None).unwrap();
        assert_eq!(opened.payload, 24..31);
        assert_eq!(opened.next_header, 4);
        assert_eq!(&esp[31..38], &[1, 2, 3, 4, 5, 6, 7], "seven pad octets");
    }

    #[test]
    fn seal_needs_room_for_header_and_trailer() {
        let t = gcm();
        let mut buf = vec![0; 40];
        let mut frame = Frame::new(&mut buf, 10..30).unwrap();
        assert_eq!(
            seal(&t, &mut frame, 0, &PARAMS, None),
            Err(DropReason::NoRoom)
        );
        assert_eq!(frame.range(), 10..30, "unchanged");
    }

    #[test]
    fn check_len_refuses_packets_without_room_for_the_trailer() {
        let t = gcm();
        assert_eq!(check_len(&t, 8 + 8 + 16 + 1), Err(DropReason::Truncated));
        assert_eq!(check_len(&t, 7), Err(DropReason::Truncated));
        assert_eq!(check_len(&t, 8 + 8 + 16 + 2), Ok(()));
        let t = cbc();
        assert_eq!(
            check_len(&t, 8 + 16 + 15 + 16),
            Err(DropReason::BadCiphertextLength)
        );
        assert_eq!(check_len(&t, 8 + 16 + 16 + 16), Ok(()));
    }

    /// Seals a hand-made body (payload, padding, trailer) as it is.
    fn sealed_body(t: &Transform, body: &[u8]) -> Vec<u8> {
        let mut esp = vec![0; 8 + t.iv_len()];
        esp[..4].copy_from_slice(&PARAMS.spi.to_be_bytes());
        esp.extend_from_slice(body);
        esp.resize(esp.len() + t.icv_len(), 0);
        t.seal(&mut esp, 1, None, None).unwrap();
        esp
    }

    #[test]
    fn open_refuses_a_pad_length_beyond_the_body() {
        let t = gcm();
        let mut esp = sealed_body(&t, &[1, 2, 3, 4, 5, 6, 9, 4]);
        assert_eq!(open(&t, &mut esp, None), Err(DropReason::BadPadding));
    }

    #[test]
    fn open_refuses_pad_octets_other_than_1_2_3() {
        let t = gcm();
        let mut esp = sealed_body(&t, &[0xaa, 0xbb, 1, 3, 2, 4]);
        assert_eq!(open(&t, &mut esp, None), Err(DropReason::BadPadding));
        let mut esp = sealed_body(&t, &[0xaa, 0xbb, 1, 2, 2, 4]);
        assert_eq!(open(&t, &mut esp, None).unwrap().payload, 16..18);
    }

    #[test]
    fn open_reports_a_forged_icv_as_integrity_failure() {
        let t = gcm();
        let mut esp = sealed(&t, &[1; 20]);
        let last = esp.len() - 1;
        esp[last] ^= 1;
        assert_eq!(open(&t, &mut esp, None), Err(DropReason::IntegrityFailed));
    }
}
