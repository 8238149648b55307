//! esp-install's XFRM backend end to end, inside the VM of
//! conformance/vm/xfrm-e2e.sh (a kernel with ESP): namespace `a`
//! (192.0.2.1, inner 10.1.0.1) and `b` (192.0.2.2, inner 10.2.0.1) joined
//! by veth `va`/`vb`.
//!
//! `xfrm_e2e` runs in `a` and drives the test; for each algorithm it has
//! `xfrm_e2e peer ALG SPI_AB SPI_BA` (run with `ip netns exec b`) install
//! side b, then pings through the tunnel and checks counters, the soft
//! packet-limit expire, `update_sa`, `hw_offload` on veth and `flush`.
//! Prints `XFRM-E2E: PASS` at the end, or the first failure.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, ExitCode};
use std::time::Duration;

use esp_install::xfrm::XfrmInstaller;
use esp_install::{
    Aead, Algorithms, CopyDscp, Direction, Encryption, HwOffload, IcvLen, InstallError, Installer,
    Integrity, KernelEvent, Key, Lifetime, Limits, Mode, OffloadMode, PolicyClass, PolicyDirection,
    PolicySpec, Protocol, SaId, SaSpec, SaUpdate, Selector,
};
use tokio::sync::mpsc::Receiver;

type Result<T = ()> = std::result::Result<T, String>;

const ALGORITHMS: [&str; 5] = [
    "gcm16-esn",
    "cbc-sha256",
    "cbc-sha1",
    "cbc-sha512",
    "chacha",
];
const REQID: u32 = 1;

/// Outer and inner address of a side.
fn side(a: bool) -> (IpAddr, IpAddr) {
    if a {
        (v4(192, 0, 2, 1), v4(10, 1, 0, 1))
    } else {
        (v4(192, 0, 2, 2), v4(10, 2, 0, 1))
    }
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn key(len: u8, seed: u8) -> Key {
    Key::new(
        (0..len)
            .map(|i| i.wrapping_mul(7).wrapping_add(seed))
            .collect(),
    )
}

/// The transforms of `name`; `seed` tells the directions' keys apart.
fn algorithms(name: &str, seed: u8) -> Result<(Algorithms, bool)> {
    let split = |encr_len, integ: Integrity| Algorithms::Split {
        encr: Encryption::AesCbc,
        encr_key: key(encr_len, seed),
        integ,
        integ_key: key(u8::try_from(integ.key_len()).unwrap_or(0), seed ^ 0x55),
    };
    Ok(match name {
        "gcm16-esn" => (
            Algorithms::Aead {
                aead: Aead::AesGcm(IcvLen::Bytes16),
                key: key(20, seed),
            },
            true,
        ),
        "cbc-sha256" => (split(32, Integrity::HmacSha256_128), false),
        "cbc-sha1" => (split(16, Integrity::HmacSha1_96), false),
        "cbc-sha512" => (split(32, Integrity::HmacSha512_256), false),
        "chacha" => (
            Algorithms::Aead {
                aead: Aead::ChaCha20Poly1305,
                key: key(36, seed),
            },
            false,
        ),
        other => return Err(format!("unknown algorithm {other}")),
    })
}

/// The SA from side `from_a` to the other side.
fn sa(alg: &str, from_a: bool, local_a: bool, spi: u32) -> Result<SaSpec> {
    let ((src, _), (dst, _)) = (side(from_a), side(!from_a));
    let (algorithms, esn) = algorithms(alg, if from_a { 1 } else { 2 })?;
    let inbound = from_a != local_a;
    Ok(SaSpec {
        id: SaId {
            spi,
            dst,
            protocol: Protocol::Esp,
        },
        direction: if inbound {
            Direction::In
        } else {
            Direction::Out
        },
        src: SocketAddr::new(src, 4500),
        dst: SocketAddr::new(dst, 4500),
        reqid: REQID,
        mode: Mode::Tunnel,
        encap: false,
        algorithms,
        esn,
        replay_window: if inbound { 32 } else { 0 },
        lifetime: Lifetime::default(),
        mark: None,
        set_mark: None,
        if_id: 0,
        copy_df: true,
        copy_ecn: true,
        copy_dscp: CopyDscp::Out,
        tfc_padding: 0,
        hw_offload: HwOffload::No,
        offload_dev: None,
        local_ts: Vec::new(),
        remote_ts: Vec::new(),
    })
}

fn subnet(inner: IpAddr) -> Selector {
    let IpAddr::V4(v) = inner else {
        return Selector {
            from: inner,
            to: inner,
            protocol: 0,
            from_port: 0,
            to_port: u16::MAX,
        };
    };
    let [a, b, ..] = v.octets();
    Selector {
        from: v4(a, b, 0, 0),
        to: v4(a, b, 255, 255),
        protocol: 0,
        from_port: 0,
        to_port: u16::MAX,
    }
}

/// Out, in and fwd policies of side `a` (or b).
fn policies(a: bool) -> Vec<PolicySpec> {
    let ((us, our_net), (peer, peer_net)) = (side(a), side(!a));
    let policy = |direction, src_ts, dst_ts, src, dst| {
        let esp = (REQID, Mode::Tunnel);
        PolicySpec::esp(
            direction,
            (src_ts, dst_ts),
            esp,
            (src, dst),
            PolicyClass::Default,
        )
    };
    let (ours, theirs) = (subnet(our_net), subnet(peer_net));
    vec![
        policy(PolicyDirection::Out, ours, theirs, us, peer),
        policy(PolicyDirection::In, theirs, ours, peer, us),
        policy(PolicyDirection::Fwd, theirs, ours, peer, us),
    ]
}

fn run(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "{program} {args:?}: {}{text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result {
    if ok { Ok(()) } else { Err(what()) }
}

/// Side b: replaces its SAs (policies once) and exits; the kernel keeps
/// them.
fn peer(args: &[String]) -> Result {
    let [alg, spi_ab, spi_ba] = args else {
        return Err("usage: xfrm_e2e peer ALG SPI_AB SPI_BA".into());
    };
    let spi = |s: &String| u32::from_str_radix(s, 16).map_err(|e| format!("SPI {s}: {e}"));
    let mut xfrm = XfrmInstaller::open().map_err(|e| e.to_string())?;
    run("/sbin/ip", &["xfrm", "state", "flush"])?;
    xfrm.add_sa(&sa(alg, true, false, spi(spi_ab)?)?)
        .map_err(|e| format!("b: inbound SA: {e}"))?;
    xfrm.add_sa(&sa(alg, false, false, spi(spi_ba)?)?)
        .map_err(|e| format!("b: outbound SA: {e}"))?;
    if run("/sbin/ip", &["xfrm", "policy"])?.is_empty() {
        for p in policies(false) {
            xfrm.add_policy(&p).map_err(|e| format!("b: policy: {e}"))?;
        }
    }
    Ok(())
}

struct Driver {
    xfrm: XfrmInstaller,
    events: Receiver<KernelEvent>,
    exe: String,
}

impl Driver {
    /// One algorithm: SAs on both sides, ping, counters; the first also
    /// has a soft limit of 2 packets on our outbound SA.
    async fn phase(&mut self, n: u32, alg: &str) -> Result<(SaId, SaId)> {
        let (peer_outer, us) = (side(false).0, side(true).0);
        let spi_in = self
            .xfrm
            .get_spi(peer_outer, us, Protocol::Esp)
            .map_err(|e| e.to_string())?;
        let spi_out = 0xc100_0000 + n;
        run(
            "/sbin/ip",
            &[
                "netns",
                "exec",
                "b",
                &self.exe,
                "peer",
                alg,
                &format!("{spi_out:x}"),
                &format!("{spi_in:x}"),
            ],
        )?;
        let mut out = sa(alg, true, true, spi_out)?;
        if n == 0 {
            out.lifetime.soft = Limits {
                packets: 2,
                ..Limits::default()
            };
        }
        let offload = self
            .xfrm
            .add_sa(&out)
            .map_err(|e| format!("{alg}: outbound: {e}"))?;
        check(offload == OffloadMode::None, || {
            format!("offload {offload}")
        })?;
        self.xfrm
            .add_sa(&sa(alg, false, true, spi_in)?)
            .map_err(|e| format!("{alg}: inbound: {e}"))?;
        run(
            "ping",
            &["-c", "3", "-W", "2", "-I", "10.1.0.1", "10.2.0.1"],
        )
        .map_err(|e| format!("{alg}: ping through the tunnel: {e}"))?;
        let (out_id, in_id) = (out.id, sa(alg, false, true, spi_in)?.id);
        for (id, what) in [(out_id, "outbound"), (in_id, "inbound")] {
            let stats = self.xfrm.query_sa(&id).map_err(|e| e.to_string())?;
            println!("{alg}: {what} SA {:08x}: {stats:?}", id.spi);
            check(stats.packets >= 3 && stats.bytes >= 3 * 84, || {
                format!("{alg}: {what} counters {stats:?}")
            })?;
            check(stats.last_use.is_some(), || {
                format!("{alg}: {what} never used")
            })?;
        }
        Ok((out_id, in_id))
    }

    async fn soft_expire(&mut self, out: SaId) -> Result {
        let event = tokio::time::timeout(Duration::from_secs(5), self.events.recv())
            .await
            .map_err(|_| "no soft expire within 5 s".to_string())?;
        let want = KernelEvent::Expire {
            id: out,
            reqid: REQID,
            hard: false,
        };
        check(event.as_ref() == Some(&want), || {
            format!("expire event {event:?}")
        })?;
        println!("soft expire after 2 packets: {want:?}");
        Ok(())
    }

    /// UDP encapsulation added to an SA keeps its counters.
    fn update(&mut self, out: SaId) -> Result {
        let before = self.xfrm.query_sa(&out).map_err(|e| e.to_string())?;
        let (src, dst) = (side(true).0, side(false).0);
        let update = SaUpdate {
            src: SocketAddr::new(src, 4500),
            dst: SocketAddr::new(dst, 4501),
            encap: true,
        };
        self.xfrm
            .update_sa(&out, &update)
            .map_err(|e| format!("update_sa: {e}"))?;
        let after = self.xfrm.query_sa(&out).map_err(|e| e.to_string())?;
        let state = run("/sbin/ip", &["xfrm", "state"])?;
        check(
            state.contains("encap type espinudp sport 4500 dport 4501"),
            || format!("no encap after update_sa:\n{state}"),
        )?;
        check(after.packets == before.packets, || {
            format!("counters lost by update_sa: {before:?} -> {after:?}")
        })?;
        println!(
            "update_sa: encap 4500 -> 4501, counters kept ({} packets)",
            after.packets
        );
        Ok(())
    }

    /// veth has no ESP offload: auto falls back, crypto and packet fail.
    fn offload(&mut self) -> Result {
        for (n, wanted) in [HwOffload::Auto, HwOffload::Crypto, HwOffload::Packet]
            .into_iter()
            .enumerate()
        {
            let mut sa = sa(
                "gcm16-esn",
                true,
                true,
                0xc200_0000 + u32::try_from(n).unwrap_or(0),
            )?;
            sa.hw_offload = wanted;
            let got = self.xfrm.add_sa(&sa);
            println!("hw_offload {wanted:?} on veth: {got:?}");
            match (wanted, got) {
                (HwOffload::Auto, Ok(OffloadMode::None)) => {}
                (
                    HwOffload::Crypto | HwOffload::Packet,
                    Err(InstallError::Offload { interface, reason }),
                ) => {
                    check(interface.as_deref() == Some("va"), || {
                        format!("interface {interface:?}")
                    })?;
                    println!("  {wanted:?} refused clearly: {reason}");
                }
                (_, other) => return Err(format!("hw_offload {wanted:?}: {other:?}")),
            }
        }
        let mut bytes = sa("gcm16-esn", true, true, 0xc200_0010)?;
        bytes.hw_offload = HwOffload::Packet;
        bytes.lifetime.soft.bytes = 1 << 20;
        match self.xfrm.add_sa(&bytes) {
            Err(InstallError::Invalid(why)) => println!("packet offload with rekey_bytes: {why}"),
            other => return Err(format!("packet offload with byte limits: {other:?}")),
        }
        Ok(())
    }
}

async fn drive(exe: String) -> Result {
    let mut xfrm = XfrmInstaller::open().map_err(|e| e.to_string())?;
    let events = xfrm.events().ok_or("no event channel")?;
    for p in policies(true) {
        xfrm.add_policy(&p).map_err(|e| format!("a: policy: {e}"))?;
    }
    let mut d = Driver { xfrm, events, exe };
    let mut last = None;
    for (n, alg) in (0..).zip(ALGORITHMS) {
        if let Some((out, inb)) = last.take() {
            d.xfrm.del_sa(&out).map_err(|e| e.to_string())?;
            d.xfrm.del_sa(&inb).map_err(|e| e.to_string())?;
        }
        let (out, inb) = d.phase(n, alg).await?;
        if n == 0 {
            d.soft_expire(out).await?;
        }
        println!("{alg}: ping through the tunnel: ok");
        last = Some((out, inb));
    }
    let (out, _) = last.ok_or("no phase ran")?;
    d.update(out)?;
    d.offload()?;
    d.xfrm.flush().map_err(|e| format!("flush: {e}"))?;
    let left = run("/sbin/ip", &["xfrm", "state"])? + &run("/sbin/ip", &["xfrm", "policy"])?;
    check(left.is_empty(), || format!("left after flush:\n{left}"))
}

fn main() -> ExitCode {
    // the backend's log (offload fallbacks, SAs added) on stdout
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stdout)
        .without_time()
        .with_ansi(false)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("peer") => peer(args.get(2..).unwrap_or_default()),
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|rt| rt.block_on(drive(args.first().cloned().unwrap_or_default()))),
    };
    match result {
        Ok(()) if args.get(1).is_none() => {
            println!("XFRM-E2E: PASS");
            ExitCode::SUCCESS
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("XFRM-E2E: FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}
