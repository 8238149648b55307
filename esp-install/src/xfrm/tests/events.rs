//! Expire and acquire notifications, and error answers.

use core::net::IpAddr;

use super::fixture;
use crate::testing::v4;
use crate::xfrm::SPI_RANGE;
use crate::xfrm::events::events;
use crate::xfrm::wire;
use crate::{KernelEvent, Protocol, Selector};

#[test]
fn an_acquire_names_the_reqid_and_the_packets_selectors() {
    let got = events(&fixture!("acquire"));
    let [KernelEvent::Acquire { reqid, src, dst }] = got.as_slice() else {
        panic!("{got:?}");
    };
    assert_eq!(*reqid, 42);
    // ping's UDP probe to port 1025 from an ephemeral port
    assert_eq!(
        (src.from, src.to),
        (IpAddr::V4([10, 1, 0, 1].into()), src.from)
    );
    assert_eq!(src.protocol, 17);
    assert_eq!(src.from_port, src.to_port);
    let probe = Selector {
        from: IpAddr::V4([10, 2, 0, 1].into()),
        to: IpAddr::V4([10, 2, 0, 1].into()),
        protocol: 17,
        from_port: 1025,
        to_port: 1025,
    };
    assert_eq!(*dst, probe);
}

#[test]
fn hard_expires_are_decoded_and_larval_acquire_states_ignored() {
    // the acquire's larval state (SPI 0) expires first, then ALLOCSPI's
    let got = events(&fixture!("expire"));
    let [KernelEvent::Expire { id, reqid, hard }] = got.as_slice() else {
        panic!("{got:?}");
    };
    assert_eq!((*reqid, *hard), (5, true));
    assert_eq!((id.dst, id.protocol), (v4(1), Protocol::Esp));
    assert!(
        (SPI_RANGE.0..=SPI_RANGE.1).contains(&id.spi),
        "{:08x}",
        id.spi
    );
}

#[test]
fn a_soft_expire_is_told_apart_from_a_hard_one() {
    let mut bytes = fixture!("expire");
    let second = usize::try_from(u32::from_ne_bytes(bytes[..4].try_into().unwrap())).unwrap();
    let bytes = bytes.split_off(second);
    let mut soft = bytes.clone();
    soft[16 + 224] = 0; // xfrm_user_expire.hard
    let [KernelEvent::Expire { hard: false, .. }] = events(&soft).as_slice() else {
        panic!("{:?}", events(&soft));
    };
}

#[test]
fn truncated_or_garbled_events_are_skipped_without_panicking() {
    for fixture in [fixture!("acquire"), fixture!("expire")] {
        for len in 0..fixture.len() {
            let _ = events(&fixture[..len]);
            let mut garbled = fixture.clone();
            garbled[len] ^= 0xff;
            let _ = events(&garbled);
        }
    }
}

#[test]
fn an_error_answer_carries_the_kernels_extended_ack_message() {
    // NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS: errno -2, our header,
    // NLMSGERR_ATTR_MSG "Requested type not found"
    let text = b"Requested type not found\0";
    let mut msg = Vec::new();
    let len = 16 + 4 + 16 + 4 + text.len().next_multiple_of(4);
    msg.extend(u32::try_from(len).unwrap().to_ne_bytes());
    msg.extend(2u16.to_ne_bytes());
    msg.extend(0x300u16.to_ne_bytes());
    msg.extend(9u32.to_ne_bytes());
    msg.extend(0u32.to_ne_bytes());
    msg.extend((-2i32).to_ne_bytes());
    msg.extend([0; 16]);
    msg.extend(u16::try_from(4 + text.len()).unwrap().to_ne_bytes());
    msg.extend(1u16.to_ne_bytes());
    msg.extend(text);
    msg.resize(len, 0);
    let frames = wire::frames(&msg);
    let [Ok((9, wire::Frame::Error { errno: 2, message }))] = frames.as_slice() else {
        panic!("{frames:?}");
    };
    assert_eq!(message.as_deref(), Some("Requested type not found"));
}

mod hostile {
    use proptest::prelude::*;

    use crate::xfrm::events::events;

    /// A netlink message of `kind` around `payload` (length field right).
    fn message(kind: u16, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(16 + payload.len()).unwrap();
        let mut msg = len.to_ne_bytes().to_vec();
        msg.extend(kind.to_ne_bytes());
        msg.extend([0; 10]);
        msg.extend(payload);
        msg
    }

    proptest! {
        #[test]
        fn arbitrary_datagrams_never_panic_the_event_reader(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = events(&bytes);
        }

        #[test]
        fn arbitrary_xfrm_payloads_never_panic_the_decoder(
            // NEWSA, NEWPOLICY, ACQUIRE, EXPIRE, UPDPOLICY, UPDSA, NLMSG_ERROR
            kind in prop::sample::select(vec![16u16, 19, 23, 24, 25, 26, 2]),
            payload in proptest::collection::vec(any::<u8>(), 0..700),
        ) {
            let _ = events(&message(kind, &payload));
        }

        #[test]
        fn well_framed_attributes_of_any_type_never_panic_the_decoder(
            kind in prop::sample::select(vec![16u16, 19, 23, 24]),
            fixed in proptest::collection::vec(any::<u8>(), 280),
            attrs in proptest::collection::vec(
                (0u16..45, proptest::collection::vec(any::<u8>(), 0..120)), 0..6),
        ) {
            // xfrm_usersa_info 224, userpolicy_info 168, user_acquire 280, user_expire 232
            let fixed_len = match kind { 16 => 224, 19 => 168, 23 => 280, _ => 232 };
            let mut payload = fixed[..fixed_len].to_vec();
            for (ty, value) in attrs {
                let len = u16::try_from(4 + value.len()).unwrap();
                payload.extend(len.to_ne_bytes());
                payload.extend(ty.to_ne_bytes());
                payload.extend(&value);
                payload.resize(payload.len().next_multiple_of(4), 0);
            }
            let _ = events(&message(kind, &payload));
        }
    }
}
