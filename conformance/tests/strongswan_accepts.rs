//! strongSwan 5.9.8's charon accepts what the `ike` crate builds: the
//! `ike_probe` example (IKE_SA_INIT, IKE_AUTH with a PSK and a first
//! CHILD_SA, INFORMATIONAL Delete) runs against a real charon responder in
//! a private pair of network namespaces joined by a veth pair, as in the
//! interop lab (`/work/shared/lab`): charon with kernel-libipsec, so it
//! fakes its NAT-D hash and the probe must move to UDP 4500.
//!
//! For each case charon gets a `net` connection with the case's proposals
//! (`swanctl --load-all`); while the probe holds its SAs, `swanctl
//! --list-sas` must show the IKE SA ESTABLISHED with the CHILD_SA `net`
//! INSTALLED and the expected algorithms; after the probe's Delete the SA
//! must be gone. Negative case: no common proposal -> the probe reports
//! NO_PROPOSAL_CHOSEN (exit status 3). INVALID_KE case: the probe retries
//! IKE_SA_INIT with the group charon asks for.
//!
//! Needs root, `ip`, `/usr/sbin/charon-systemd` and `/usr/sbin/swanctl`;
//! without them the test prints why and passes without running. With
//! `PROBE_CHARON_LOG=FILE` charon's log is copied to FILE at the end.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Charon, Netns, prerequisites, spawn_lines, spawn_read, tail};
use tempfile::TempDir;

const PSK: &str = "lab-preshared-key-0123456789";
const INITIATOR: &str = "192.0.2.1";
const RESPONDER: &str = "192.0.2.2";

/// What a case must produce.
enum Expect {
    /// Established; `list_sas` lines must appear in charon's `--list-sas`,
    /// `output` in the probe's stdout and `log` in charon's log.
    Established {
        list_sas: &'static [&'static str],
        output: &'static [&'static str],
        log: &'static [&'static str],
    },
    /// The probe fails with exit status 3 naming this notify; charon logs
    /// `log`.
    Refused {
        notify: &'static str,
        log: &'static str,
    },
}

struct Case {
    /// Offered by the probe.
    ike: &'static str,
    esp: &'static str,
    /// Configured on charon.
    responder_ike: &'static str,
    responder_esp: &'static str,
    expect: Expect,
}

const CASES: &[Case] = &[
    Case {
        ike: "aes128-sha256-x25519",
        esp: "aes128gcm16",
        responder_ike: "aes128-sha256-x25519",
        responder_esp: "aes128gcm16",
        expect: Expect::Established {
            list_sas: &[
                "AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519",
                "ESP:AES_GCM_16-128",
            ],
            output: &["remote host is behind NAT"],
            log: &["faking NAT situation to enforce UDP encapsulation"],
        },
    },
    Case {
        ike: "aes256gcm16-prfsha384-ecp384",
        esp: "aes256gcm16",
        responder_ike: "aes256gcm16-prfsha384-ecp384",
        responder_esp: "aes256gcm16",
        expect: Expect::Established {
            list_sas: &[
                "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384",
                "ESP:AES_GCM_16-256",
            ],
            output: &[],
            log: &[],
        },
    },
    Case {
        ike: "aes256-sha512-modp3072",
        esp: "aes256-sha512",
        responder_ike: "aes256-sha512-modp3072",
        responder_esp: "aes256-sha512",
        expect: Expect::Established {
            list_sas: &[
                "AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/MODP_3072",
                "ESP:AES_CBC-256/HMAC_SHA2_512_256",
            ],
            output: &[],
            log: &[],
        },
    },
    Case {
        ike: "chacha20poly1305-prfsha256-x25519",
        esp: "chacha20poly1305",
        responder_ike: "chacha20poly1305-prfsha256-x25519",
        responder_esp: "chacha20poly1305",
        expect: Expect::Established {
            list_sas: &[
                "CHACHA20_POLY1305",
                "PRF_HMAC_SHA2_256/CURVE_25519",
                "ESP:CHACHA20_POLY1305",
            ],
            output: &[],
            log: &[],
        },
    },
    Case {
        ike: "aes128-sha256-x25519",
        esp: "aes128gcm16",
        responder_ike: "aes256-sha384-ecp521",
        responder_esp: "aes128gcm16",
        expect: Expect::Refused {
            notify: "NO_PROPOSAL_CHOSEN",
            log: "received proposals unacceptable",
        },
    },
    Case {
        ike: "aes128-sha256-x25519-ecp256",
        esp: "aes128gcm16",
        responder_ike: "aes128-sha256-ecp256",
        responder_esp: "aes128gcm16",
        expect: Expect::Established {
            list_sas: &["AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256"],
            output: &[
                "parsed IKE_SA_INIT response 0 [ N(INVAL_KE) ]",
                "peer didn't accept DH group CURVE_25519, it requested ECP_256",
            ],
            log: &["DH group CURVE_25519 unacceptable, requesting ECP_256"],
        },
    },
];

#[test]
fn strongswan_accepts_the_probe() {
    let Some(ip) = prerequisites("strongswan_accepts_the_probe") else {
        return;
    };
    let started = Instant::now();
    let probe = build_probe().expect("building the ike_probe example");
    let lab = Lab::up(&ip).expect("setting up the namespaces and charon");
    let mut failures = Vec::new();
    for case in CASES {
        let name = format!("{} / {}", case.ike, case.esp);
        match run_case(&lab, &probe, case) {
            Ok(()) => println!("=== {name}: ok"),
            Err(why) => {
                println!("=== {name}: FAILED: {why}");
                failures.push(format!("{name}: {why}"));
            }
        }
    }
    println!("all cases took {:.1} s", started.elapsed().as_secs_f64());
    if let Some(keep) = std::env::var_os("PROBE_CHARON_LOG") {
        let _ = fs::write(keep, lab.charon_log());
    }
    if !failures.is_empty() {
        println!(
            "--- charon.log (tail) ---\n{}",
            tail(&lab.charon_log(), 120)
        );
    }
    assert!(
        failures.is_empty(),
        "failed cases:\n{}",
        failures.join("\n")
    );
}

fn run_case(lab: &Lab, probe: &Path, case: &Case) -> Result<(), String> {
    lab.load(case.responder_ike, case.responder_esp)?;
    let log_start = lab.charon_log().len();
    let run = lab.run_probe(probe, case)?;
    println!(
        "--- probe stdout ---\n{}--- probe stderr ---\n{}",
        run.stdout, run.stderr
    );
    match &case.expect {
        Expect::Established {
            list_sas,
            output,
            log,
        } => {
            if !run.status.success() {
                return Err(format!(
                    "probe failed ({}): {}",
                    run.status,
                    run.stderr.trim()
                ));
            }
            let held = run
                .list_sas
                .as_deref()
                .ok_or("the probe never held its SAs")?;
            println!("--- charon's list-sas while the probe held its SAs ---\n{held}");
            let spis = spis_in_list_sas_form(&run.stdout)?;
            let wanted = [
                "ESTABLISHED, IKEv2",
                "remote 'a.lab.test' @ 192.0.2.1[4500]",
                "INSTALLED, TUNNEL-in-UDP",
                "local  10.2.0.0/24",
                "remote 10.1.0.0/24",
            ];
            let wanted = wanted
                .iter()
                .copied()
                .chain(spis.iter().map(String::as_str));
            for line in wanted.chain(list_sas.iter().copied()) {
                if !held.contains(line) {
                    return Err(format!("list-sas lacks {line:?}:\n{held}"));
                }
            }
            for line in ["probe succeeded", "IKE_SA deleted"]
                .iter()
                .chain(output.iter())
            {
                if !run.stdout.contains(line) {
                    return Err(format!("probe output lacks {line:?}"));
                }
            }
            lab.wait_for_no_sas()?;
            let charon_saw = [
                "authentication of 'a.lab.test' with pre-shared key successful",
                "received DELETE for IKE_SA net[",
                "IKE_SA deleted",
            ];
            lab.check_log(log_start, charon_saw.iter().chain(log.iter()))
        }
        Expect::Refused { notify, log } => {
            if run.status.code() != Some(3) || !run.stderr.contains(notify) {
                return Err(format!(
                    "expected exit status 3 with {notify}, got {}: {}",
                    run.status,
                    run.stderr.trim()
                ));
            }
            lab.check_log(log_start, [log].into_iter())
        }
    }
}

/// The probe's IKE and ESP SPIs as charon's `--list-sas` shows them on the
/// responder: `<spi_i>_i <spi_r>_r*`, `in  <responder's SPI>`, `out
/// <ours>`.
fn spis_in_list_sas_form(stdout: &str) -> Result<Vec<String>, String> {
    let after = |prefix: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| {
                rest.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .ok_or_else(|| format!("probe output lacks {prefix:?}"))
    };
    let ike = after("IKE_SA SPIs ")?;
    let child = after("CHILD_SA established with SPIs ")?;
    match (&ike[..], &child[..]) {
        ([spi_i, spi_r, ..], [ours, theirs, ..]) => Ok(vec![
            format!("{spi_i} {spi_r}*"),
            format!("in  {}", theirs.trim_end_matches("_o")),
            format!("out {}", ours.trim_end_matches("_i")),
        ]),
        _ => Err("probe output has malformed SPI lines".into()),
    }
}

/// Builds the probe example (debug profile), as `conformance::bins` does
/// for binaries.
fn build_probe() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "conformance",
            "--example",
            "ike_probe",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --example ike_probe: {status}"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let path = target.join("debug/examples/ike_probe");
    path.is_file()
        .then_some(path.clone())
        .ok_or_else(|| format!("{} missing after build", path.display()))
}

/// Two namespaces (the probe at 192.0.2.1, charon at 192.0.2.2 with
/// 10.2.0.1 inside) and charon. Fields drop in order: charon is stopped
/// before the namespaces go.
struct Lab {
    charon: Charon,
    netns: Netns,
    _dir: TempDir,
}

impl Lab {
    fn up(ip: &Path) -> Result<Self, String> {
        let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
        let netns = Netns::up(ip, "lcy")?;
        netns.add_outer(true, INITIATOR)?;
        netns.add_outer(false, RESPONDER)?;
        netns.add_inner(false, "10.2.0.1")?;
        let charon = Charon::start(&netns, &netns.b, dir.path())?;
        Ok(Self {
            charon,
            netns,
            _dir: dir,
        })
    }

    fn swanctl(&self, command: &str, extra: &[&str]) -> Result<String, String> {
        self.charon.swanctl(command, extra)
    }

    /// Replaces charon's configuration with a `net` connection using
    /// these proposals.
    fn load(&self, ike: &str, esp: &str) -> Result<(), String> {
        let conf = SWANCTL_CONF.replace("@IKE@", ike).replace("@ESP@", esp);
        let out = self.charon.load(&conf)?;
        if out.contains("loaded connection 'net'") {
            Ok(())
        } else {
            Err(format!("swanctl --load-all:\n{out}"))
        }
    }

    fn run_probe(&self, probe: &Path, case: &Case) -> Result<ProbeRun, String> {
        let probe = probe.display().to_string();
        let args = [
            INITIATOR,
            RESPONDER,
            case.ike,
            case.esp,
            PSK,
            "a.lab.test",
            "b.lab.test",
            "10.1.0.0/24",
            "10.2.0.0/24",
            "--hold-secs",
            "20",
            "--timeout-ms",
            "1500",
        ];
        let mut child = self
            .netns
            .exec(&self.netns.a, &probe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting the probe: {e}"))?;
        let mut stdin = child.stdin.take();
        let lines = spawn_lines(child.stdout.take());
        let stderr = spawn_read(child.stderr.take());
        let deadline = Instant::now() + Duration::from_secs(40);
        let mut stdout = String::new();
        let mut list_sas = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if line.starts_with("holding") {
                        // an error text fails the case's checks later
                        let sas = self.swanctl("--list-sas", &[]);
                        list_sas = Some(sas.unwrap_or_else(|e| format!("list-sas failed: {e}")));
                        release(&mut stdin);
                    }
                    stdout.push_str(&line);
                    stdout.push('\n');
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("the probe did not finish in 40 s:\n{stdout}"));
                }
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        let stderr = stderr.join().unwrap_or_default();
        Ok(ProbeRun {
            status,
            stdout,
            stderr,
            list_sas,
        })
    }

    /// After the probe's Delete, charon must have no SA left.
    fn wait_for_no_sas(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let sas = self.swanctl("--list-sas", &[])?;
            if !sas.contains("ESTABLISHED") && !sas.contains("net: #") {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("charon still has SAs after the Delete:\n{sas}"));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Each of `lines` is in charon's log after byte `start`.
    fn check_log<'a>(
        &self,
        start: usize,
        mut lines: impl Iterator<Item = &'a &'static str>,
    ) -> Result<(), String> {
        let log = self.charon_log();
        let new = log.get(start..).unwrap_or_default();
        match lines.find(|line| !new.contains(**line)) {
            Some(line) => Err(format!("charon's log lacks {line:?}")),
            None => Ok(()),
        }
    }

    fn charon_log(&self) -> String {
        self.charon.log()
    }
}

struct ProbeRun {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    /// charon's `--list-sas` while the probe held its SAs.
    list_sas: Option<String>,
}

/// Ends the probe's hold.
fn release(stdin: &mut Option<ChildStdin>) {
    if let Some(mut pipe) = stdin.take() {
        let _ = pipe.write_all(b"\n");
    }
}

/// The lab's psk-net2net b.conf with the case's proposals.
const SWANCTL_CONF: &str = r#"connections {
  net {
    version = 2
    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    proposals = @IKE@
    local {
      auth = psk
      id = b.lab.test
    }
    remote {
      auth = psk
      id = a.lab.test
    }
    children {
      net {
        local_ts = 10.2.0.0/24
        remote_ts = 10.1.0.0/24
        esp_proposals = @ESP@
        start_action = none
      }
    }
  }
}
secrets {
  ike-lab {
    id-a = a.lab.test
    id-b = b.lab.test
    secret = "lab-preshared-key-0123456789"
  }
}
"#;
