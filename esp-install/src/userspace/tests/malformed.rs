//! Every drop reason, each from the packet that causes it; none panics.

use std::collections::HashSet;
use std::time::Instant;

use super::*;
use crate::userspace::cipher::Transform;
use crate::userspace::esp::{self, SealParams};
use crate::userspace::wire::esp::NEXT_HEADER_NONE;

/// A's end of a tunnel-mode GCM child, and B's, with a 64-packet window.
fn pair(suite: Suite) -> (Dataplane, Dataplane, Child) {
    let child = Child::new(suite, Mode::Tunnel, V4_IN_V4);
    let (a, b) = child.pair(Instant::now());
    (a, b, child)
}

/// The transform of A's outbound SA, to forge packets B accepts.
fn a_transform(child: &Child) -> Transform {
    let c = child.config(0x1000, true, Direction::Out);
    Transform::new(
        c.encr_alg,
        c.encr_key.expose(),
        c.integ_alg,
        c.integ_key.expose(),
    )
    .unwrap()
}

/// An authentic ESP packet of SPI 0x1000 around `payload` with a valid
/// trailer naming `next_header`.
fn forge(child: &Child, seq: u32, next_header: u8, payload: &[u8]) -> Vec<u8> {
    let mut buf = Buf::new(payload);
    let mut frame = buf.frame();
    let params = SealParams {
        spi: 0x1000,
        seq: u64::from(seq),
        esn: false,
        next_header,
    };
    esp::seal(&a_transform(child), &mut frame, 0, &params, None).unwrap();
    frame.packet().to_vec()
}

/// An authentic ESP packet of SPI 0x1000 whose body (payload, padding,
/// pad length, next header) is `body` as given.
fn forge_body(child: &Child, seq: u32, body: &[u8]) -> Vec<u8> {
    let t = a_transform(child);
    let mut esp = 0x1000u32.to_be_bytes().to_vec();
    esp.extend_from_slice(&seq.to_be_bytes());
    esp.resize(8 + t.iv_len(), 0);
    esp.extend_from_slice(body);
    esp.resize(esp.len() + t.icv_len(), 0);
    t.seal(&mut esp, u64::from(seq), None, None).unwrap();
    esp
}

fn receive(b: &mut Dataplane, esp: &[u8]) -> Result<Inbound, DropReason> {
    let mut buf = Buf::new(esp);
    b.decapsulate(
        Instant::now(),
        &mut buf.frame(),
        ip("192.0.2.1"),
        ip("192.0.2.2"),
    )
}

fn protect_at(a: &mut Dataplane, packet: &[u8]) -> Result<Vec<u8>, DropReason> {
    let mut buf = Buf::new(packet);
    let mut frame = buf.frame();
    a.encapsulate(Instant::now(), &mut frame)?;
    Ok(frame.packet().to_vec())
}

fn inner() -> Vec<u8> {
    udp("10.1.0.1", "10.2.0.1", 20)
}

/// Runs `case`, which must drop with `reason` and count it once.
fn expect(
    seen: &mut HashSet<DropReason>,
    reason: DropReason,
    case: impl FnOnce() -> (Dataplane, Result<(), DropReason>),
) {
    let (dp, result) = case();
    assert_eq!(result, Err(reason));
    assert_eq!(dp.drops().get(reason), 1, "{reason} counted once");
    assert_eq!(dp.drops().total(), 1, "{reason}: nothing else counted");
    seen.insert(reason);
}

#[test]
fn every_drop_reason_is_reachable_from_a_packet_and_counted() {
    let mut seen = HashSet::new();
    let gcm = || pair(GCM256);

    expect(&mut seen, DropReason::NoRoom, || {
        let (mut a, _, _) = gcm();
        let packet = inner();
        let mut buf = packet.clone();
        let len = buf.len();
        let r = a.encapsulate(Instant::now(), &mut Frame::new(&mut buf, 0..len).unwrap());
        (a, r.map(drop))
    });
    expect(&mut seen, DropReason::MalformedPacket, || {
        let (mut a, _, _) = gcm();
        let r = protect_at(&mut a, &[0x45, 0, 0, 40, 0]).map(drop);
        (a, r)
    });
    expect(&mut seen, DropReason::NoPolicy, || {
        let (mut a, _, _) = gcm();
        let r = protect_at(&mut a, &udp("10.9.0.1", "10.2.0.1", 1)).map(drop);
        (a, r)
    });
    for (action, reason) in [
        (PolicyAction::Discard, DropReason::PolicyDiscard),
        (PolicyAction::Bypass, DropReason::PolicyBypass),
    ] {
        expect(&mut seen, reason, || {
            let (mut a, _, _) = gcm();
            let host = range("10.1.0.1", "10.1.0.1");
            a.add_policy(Policy {
                action,
                priority: 0,
                ..protect(host, range("10.2.0.0", "10.2.0.255"))
            });
            let r = protect_at(&mut a, &inner()).map(drop);
            (a, r)
        });
    }
    expect(&mut seen, DropReason::NoSa, || {
        let mut a = Dataplane::new();
        a.add_policy(protect(
            range("10.1.0.0", "10.1.0.255"),
            range("10.2.0.0", "10.2.0.255"),
        ));
        let r = protect_at(&mut a, &inner()).map(drop);
        (a, r)
    });
    expect(&mut seen, DropReason::TooBig, || {
        let child = Child::new(GCM256, Mode::Transport, transport("192.0.2.1", "192.0.2.2"));
        let (mut a, _) = child.pair(Instant::now());
        let r = protect_at(&mut a, &udp("192.0.2.1", "192.0.2.2", 65_535 - 28)).map(drop);
        (a, r)
    });
    expect(&mut seen, DropReason::Truncated, || {
        let (_, mut b, _) = gcm();
        let r = receive(&mut b, &[0, 0, 0x10, 0, 0, 0, 0]).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::Truncated, || {
        let (_, mut b, _) = gcm();
        let r = receive(&mut b, &[0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::UnknownSpi, || {
        let (_, mut b, child) = gcm();
        let mut esp = forge(&child, 1, 4, &inner());
        esp[3] ^= 1;
        let r = receive(&mut b, &esp).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::BadCiphertextLength, || {
        let suite = SUITES
            .iter()
            .find(|s| s.encr == encr::AES_CBC)
            .copied()
            .unwrap();
        let (_, mut b, child) = pair(suite);
        let mut esp = forge(&child, 1, 4, &inner());
        esp.insert(30, 0);
        let r = receive(&mut b, &esp).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::IntegrityFailed, || {
        let (_, mut b, child) = gcm();
        let mut esp = forge(&child, 1, 4, &inner());
        esp[20] ^= 0x80;
        let r = receive(&mut b, &esp).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::Replayed, || {
        let (_, mut b, child) = gcm();
        let esp = forge(&child, 1, 4, &inner());
        receive(&mut b, &esp).unwrap();
        let r = receive(&mut b, &esp).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::TooOld, || {
        let (_, mut b, child) = gcm();
        receive(&mut b, &forge(&child, 100, 4, &inner())).unwrap();
        let r = receive(&mut b, &forge(&child, 36, 4, &inner())).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::BadPadding, || {
        let (_, mut b, child) = gcm();
        let r = receive(&mut b, &forge_body(&child, 1, &[0xaa, 0xbb, 2, 1, 2, 4])).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::DummyPacket, || {
        let (_, mut b, child) = gcm();
        let r = receive(&mut b, &forge(&child, 1, NEXT_HEADER_NONE, &[0; 30])).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::BadNextHeader, || {
        let (_, mut b, child) = gcm();
        let r = receive(&mut b, &forge(&child, 1, 41, &inner())).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::MalformedInner, || {
        let (_, mut b, child) = gcm();
        let mut garbage = inner();
        garbage[3] = 0xff; // total length beyond the payload
        let r = receive(&mut b, &forge(&child, 1, 4, &garbage)).map(drop);
        (b, r)
    });
    expect(&mut seen, DropReason::PolicyMismatch, || {
        let (_, mut b, child) = gcm();
        let spoofed = udp("10.9.0.1", "10.2.0.1", 20);
        let r = receive(&mut b, &forge(&child, 1, 4, &spoofed)).map(drop);
        (b, r)
    });
    for outer in [
        packet("192.0.2.1", "192.0.2.2", 6, &[0; 40]),
        packet(
            "192.0.2.1",
            "192.0.2.2",
            17,
            &[0x11, 0x94, 0x11, 0x94, 0, 12, 0, 0, 0, 0, 0, 0],
        ),
        vec![0x45, 0, 0],
    ] {
        expect(&mut seen, DropReason::MalformedOuter, || {
            let (_, mut b, _) = gcm();
            let mut buf = Buf::new(&outer);
            let r = b.decapsulate_ip(Instant::now(), &mut buf.frame()).map(drop);
            (b, r)
        });
    }
    // SaExpired and SequenceExhausted: see the lifetime tests.
    seen.extend([DropReason::SaExpired, DropReason::SequenceExhausted]);
    let unreachable: Vec<_> = DropReason::ALL
        .iter()
        .filter(|r| !seen.contains(r))
        .collect();
    assert_eq!(
        unreachable,
        [&DropReason::Crypto],
        "only backend failures need no packet"
    );
}

#[test]
fn transport_mode_without_headroom_for_the_new_header_drops_for_room() {
    let child = Child::new(
        GCM256,
        Mode::Transport,
        transport("2001:db8::1", "2001:db8::2"),
    );
    let now = Instant::now();
    let (mut a, mut b) = child.pair(now);
    let mut buf = Buf::new(&udp("2001:db8::1", "2001:db8::2", 20));
    let mut frame = buf.frame();
    let out = a.encapsulate(now, &mut frame).unwrap();
    let mut esp = frame.packet()[out.esp_offset..].to_vec();
    let len = esp.len();
    let mut frame = Frame::new(&mut esp, 0..len).unwrap();
    let r = b.decapsulate(now, &mut frame, ip("2001:db8::1"), ip("2001:db8::2"));
    assert_eq!(r, Err(DropReason::NoRoom));
}

#[test]
fn arbitrary_bytes_never_panic_either_direction() {
    let (mut a, mut b, child) = pair(GCM256);
    let valid = forge(&child, 1, 4, &inner());
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..5000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 120) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|i| (state >> (i % 56)) as u8).collect();
        if state.is_multiple_of(3) && !bytes.is_empty() {
            // mutate a valid packet instead of pure noise
            bytes = valid.clone();
            let i = (state as usize / 7) % bytes.len();
            bytes[i] ^= (state >> 8) as u8 | 1;
            bytes.truncate(len.max(i + 1));
        }
        let _ = receive(&mut b, &bytes);
        let mut buf = Buf::new(&bytes);
        let _ = b.decapsulate_ip(Instant::now(), &mut buf.frame());
        let _ = protect_at(&mut a, &bytes);
    }
    assert!(b.drops().total() > 0);
}
