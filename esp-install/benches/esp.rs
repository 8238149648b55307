//! Throughput of the userspace ESP data path on 1400-octet IPv4 packets in
//! tunnel mode (ESP-in-UDP framing, 64-packet replay window):
//!
//! * `round_trip`: encapsulate at A, decapsulate at B, one packet per call,
//!   for AES-GCM-256 (aws-lc-rs), ChaCha20-Poly1305 and AES-CBC-128 +
//!   HMAC-SHA2-256-128;
//! * `round_trip_batch_64`: the same for AES-GCM-256 through the batch
//!   calls, 64 frames per call;
//! * `encapsulate` / `decapsulate`: one direction of AES-GCM-256
//!   (decapsulation with the replay window off, so one sealed packet can be
//!   opened again and again);
//! * `aead_seal_only`: the floor, aws-lc-rs sealing 1400 octets, no ESP.
//!
//! Each iteration also copies the 1400 octets into the frame (as reading
//! from the TUN device would). Throughput is in bytes of IP packets per
//! second (× 8 for bit/s). divan's `AllocProfiler` is the global allocator:
//! it adds allocation rows to a benchmark only when something allocated,
//! and none of these show any.
//!
//! Run with `cargo bench -p esp-install --bench esp`.
#![allow(clippy::unwrap_used)]

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use esp_install::userspace::wire::ipv4::Ipv4Repr;
use esp_install::userspace::{
    Dataplane, DropReason, Frame, HEADROOM, Limits, Policy, PolicyAction, SaConfig, TAILROOM, encr,
    integ,
};
use esp_install::{Direction, Key, Mode, Selector};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const LEN: usize = 1400;
const BUF: usize = HEADROOM + LEN + TAILROOM;
const BATCH: usize = 64;
const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

fn net(third: u8) -> Selector {
    Selector {
        from: IpAddr::V4(Ipv4Addr::new(10, third, 0, 0)),
        to: IpAddr::V4(Ipv4Addr::new(10, third, 0, 255)),
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
    }
}

/// One direction A -> B of a tunnel between 10.1.0.0/24 and 10.2.0.0/24.
fn ends(suite: &str, replay_window: u32) -> (Dataplane, Dataplane) {
    let (encr_alg, encr_len, integ_alg, integ_len) = match suite {
        "aes256gcm16" => (encr::AES_GCM_16, 36, None, 0),
        "chacha20poly1305" => (encr::CHACHA20_POLY1305, 36, None, 0),
        "aes128-sha256" => (encr::AES_CBC, 16, Some(integ::HMAC_SHA2_256_128), 32),
        other => panic!("{other}"),
    };
    let config = |direction| SaConfig {
        spi: 0xc001_cafe,
        direction,
        src: SocketAddr::new(A, 4500),
        dst: SocketAddr::new(B, 4500),
        reqid: 1,
        mode: Mode::Tunnel,
        encap: true,
        encr_alg,
        encr_key: Key::new(vec![0x5a; encr_len]),
        integ_alg,
        integ_key: Key::new(vec![0xa5; integ_len]),
        esn: false,
        replay_window,
        limits: Limits::default(),
        local_ts: vec![if direction == Direction::Out {
            net(1)
        } else {
            net(2)
        }],
        remote_ts: vec![if direction == Direction::Out {
            net(2)
        } else {
            net(1)
        }],
    };
    let now = Instant::now();
    let mut a = Dataplane::new();
    let mut b = Dataplane::new();
    a.add_sa(now, config(Direction::Out)).unwrap();
    b.add_sa(now, config(Direction::In)).unwrap();
    a.add_policy(Policy {
        src: net(1),
        dst: net(2),
        action: PolicyAction::Protect { reqid: 1 },
        priority: 1,
    });
    (a, b)
}

/// A 1400-octet UDP packet 10.1.0.1 -> 10.2.0.1.
fn packet() -> Vec<u8> {
    let mut bytes = vec![0x42; LEN];
    let repr = Ipv4Repr {
        src: Ipv4Addr::new(10, 1, 0, 1),
        dst: Ipv4Addr::new(10, 2, 0, 1),
        protocol: 17,
        payload_len: (LEN - 20) as u16,
        ttl: 64,
        tos: 0,
    };
    repr.emit(&mut bytes).unwrap();
    bytes[20..28].copy_from_slice(&[0x9c, 0x40, 0x00, 0x35, 0x05, 0x64, 0, 0]);
    bytes
}

fn load<'a>(buf: &'a mut [u8; BUF], packet: &[u8]) -> Frame<'a> {
    buf[HEADROOM..HEADROOM + LEN].copy_from_slice(packet);
    Frame::new(buf, HEADROOM..HEADROOM + LEN).unwrap()
}

#[divan::bench(args = ["aes256gcm16", "chacha20poly1305", "aes128-sha256"])]
fn round_trip(bencher: Bencher<'_, '_>, suite: &str) {
    let (mut a, mut b) = ends(suite, 64);
    let packet = packet();
    let mut buf = Box::new([0u8; BUF]);
    let now = Instant::now();
    bencher.counter(BytesCount::new(LEN)).bench_local(|| {
        let mut frame = load(&mut buf, &packet);
        a.encapsulate(now, &mut frame).unwrap();
        b.decapsulate(now, &mut frame, A, B).unwrap();
        black_box(frame.len())
    });
}

#[divan::bench]
fn round_trip_batch_64(bencher: Bencher<'_, '_>) {
    let (mut a, mut b) = ends("aes256gcm16", 64);
    let packet = packet();
    let mut bufs = Box::new([[0u8; BUF]; BATCH]);
    let now = Instant::now();
    bencher
        .counter(BytesCount::new(LEN * BATCH))
        .bench_local(|| {
            let mut frames = bufs.each_mut().map(|buf| load(buf, &packet));
            let mut sent = [Err(DropReason::NoSa); BATCH];
            a.encapsulate_batch(now, &mut frames, &mut sent);
            let mut received = frames.map(|frame| (frame, A, B));
            let mut recovered = [Err(DropReason::NoSa); BATCH];
            b.decapsulate_batch(now, &mut received, &mut recovered);
            black_box(recovered.iter().filter(|r| r.is_ok()).count())
        });
}

#[divan::bench]
fn encapsulate(bencher: Bencher<'_, '_>) {
    let (mut a, _) = ends("aes256gcm16", 64);
    let packet = packet();
    let mut buf = Box::new([0u8; BUF]);
    let now = Instant::now();
    bencher.counter(BytesCount::new(LEN)).bench_local(|| {
        let mut frame = load(&mut buf, &packet);
        black_box(a.encapsulate(now, &mut frame).unwrap());
    });
}

#[divan::bench]
fn decapsulate(bencher: Bencher<'_, '_>) {
    let (mut a, mut b) = ends("aes256gcm16", 0);
    let now = Instant::now();
    let mut buf = Box::new([0u8; BUF]);
    let mut frame = load(&mut buf, &packet());
    a.encapsulate(now, &mut frame).unwrap();
    let sealed = frame.packet().to_vec();
    let mut rx = Box::new([0u8; BUF]);
    bencher.counter(BytesCount::new(LEN)).bench_local(|| {
        rx[HEADROOM..HEADROOM + sealed.len()].copy_from_slice(&sealed);
        let mut frame = Frame::new(&mut rx[..], HEADROOM..HEADROOM + sealed.len()).unwrap();
        black_box(b.decapsulate(now, &mut frame, A, B).unwrap());
    });
}

/// The floor: aws-lc-rs AES-256-GCM sealing 1400 octets in place, no ESP.
#[divan::bench]
fn aead_seal_only(bencher: Bencher<'_, '_>) {
    use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[0x5a; 32]).unwrap());
    let mut buf = packet();
    let mut seq = 0u64;
    bencher.counter(BytesCount::new(LEN)).bench_local(|| {
        seq += 1;
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let nonce = Nonce::assume_unique_for_key(nonce);
        let aad = Aad::from([0u8; 8]);
        key.seal_in_place_separate_tag(nonce, aad, &mut buf)
            .unwrap()
    });
}
