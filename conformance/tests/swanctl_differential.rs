//! Differential test: our `swanctl` against strongSwan's swanctl 5.9.8.
//!
//! For every configuration under `conformance/configs/<name>/` (a
//! `swanctl.conf` with its swanctl directory: x509/, rsa/, ...; an optional
//! `seed` of daemon state for the recording VICI server; an optional
//! `commands` file, one argument list per line, default
//! `--load-all --noprompt`; `--file` is added to `--load-*` commands),
//! both binaries run the same command against a
//! fresh recording server with the same seed. They must send the same VICI
//! packets in the same order with the same contents, print the same lines
//! and exit with the same status.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use conformance::swanctl::{self, Run};
use conformance::vici_recorder::{Recorder, Seed};

fn configs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// strongSwan's swanctl reports plugins it cannot load on stderr; that is
/// about its installation, not about the command. Syntax errors are worded
/// differently on purpose (we give the column and our expectation); both
/// must report one, on the same line of output.
fn without_plugin_noise(text: &[u8]) -> String {
    conformance::bins::without_plugin_noise(text)
        .lines()
        .map(|l| {
            if l.contains("syntax error, unexpected") || l.contains("unterminated string") {
                "<syntax error>\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

fn run(binary: &Path, args: &[&str], dir: &Path, seed: &Seed, tag: &str) -> Run {
    let socket = dir.join(format!("{tag}.vici"));
    let recorder = Recorder::start(&socket, seed.clone()).expect("start recorder");
    let conf = dir.join("swanctl.conf");
    // only the --load-* commands read swanctl.conf (others reject --file)
    let file = args.first().is_some_and(|a| a.starts_with("--load"));
    let Output {
        status,
        stdout,
        stderr,
    } = swanctl::command(binary, args, &swanctl::uri(&socket))
        .args(file.then_some("--file"))
        .args(file.then_some(&conf))
        // dates in local time: one with daylight saving time
        .env("TZ", "Europe/Zurich")
        .current_dir(dir)
        .env_remove("SWANCTL_DIR")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()));
    Run {
        packets: recorder.stop(),
        stdout: without_plugin_noise(&stdout),
        stderr: without_plugin_noise(&stderr),
        status: status.code(),
    }
}

/// A readable account of the first difference.
fn explain(reference: &Run, ours: &Run) -> String {
    let mut out = String::new();
    let n = reference.packets.len().max(ours.packets.len());
    for i in 0..n {
        let (a, b) = (reference.packets.get(i), ours.packets.get(i));
        if a != b {
            out += &format!(
                "  packet {i} differs:\n    strongSwan: {}\n    ours:       {}\n",
                a.map_or("<none>", String::as_str),
                b.map_or("<none>", String::as_str)
            );
            break;
        }
    }
    for (what, a, b) in [
        ("stdout", &reference.stdout, &ours.stdout),
        ("stderr", &reference.stderr, &ours.stderr),
    ] {
        if a != b {
            out += &format!("  {what} differs:\n    strongSwan: {a:?}\n    ours:       {b:?}\n");
        }
    }
    if reference.status != ours.status {
        out += &format!(
            "  exit status: strongSwan {:?}, ours {:?}\n",
            reference.status, ours.status
        );
    }
    out
}

fn commands(config: &Path) -> Vec<String> {
    match fs::read_to_string(config.join("commands")) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
        Err(_) => vec!["--load-all --noprompt".to_owned()],
    }
}

#[test]
fn our_swanctl_sends_what_strongswan_swanctl_sends() {
    let theirs = swanctl::strongswan_swanctl();
    let ours = conformance::bins::swanctl().expect("our swanctl");
    let mut configs: Vec<PathBuf> = fs::read_dir(configs_dir())
        .expect("configs dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("swanctl.conf").is_file())
        .collect();
    configs.sort();
    assert!(configs.len() >= 30, "only {} configs", configs.len());

    let mut failures = Vec::new();
    let mut compared = 0;
    for config in &configs {
        let name = config.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let seed = match config.join("seed") {
            path if path.is_file() => Seed::from_file(&path).expect("seed"),
            _ => Seed::new(),
        };
        for command in commands(config) {
            let work = tempfile::tempdir().expect("tempdir");
            copy_dir(config, work.path());
            let args: Vec<&str> = command.split_whitespace().collect();
            let reference = run(theirs, &args, work.path(), &seed, "ref");
            let mine = run(&ours, &args, work.path(), &seed, "ours");
            compared += 1;
            assert!(
                !reference.packets.is_empty(),
                "{name} {command}: strongSwan's swanctl sent nothing ({reference:?})"
            );
            if reference == mine {
                eprintln!("PASS {name} {command} ({} packets)", mine.packets.len());
            } else {
                eprintln!("FAIL {name} {command}");
                failures.push(format!("{name} {command}:\n{}", explain(&reference, &mine)));
            }
        }
    }
    eprintln!(
        "{compared} runs over {} configs, {} differ",
        configs.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "differences:\n{}", failures.join("\n"));
}
