//! `vici-recorder`: a VICI server that answers swanctl's load commands like
//! charon 5.9.8 and logs every packet it receives, for differential tests.
//!
//! ```text
//! vici-recorder --socket PATH [--seed FILE] [--log FILE]
//!               [--conn NAME]... [--key ID]... [--shared ID]...
//!               [--authority NAME]... [--pool NAME=ADDRS]...
//!               [--fail COMMAND[:SUBJECT[:ERRMSG]]]...
//! ```
//!
//! Runs until killed. The log (canonical packet dumps, records separated by
//! an empty line) goes to `--log FILE`, or to standard output.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;

use conformance::vici_recorder::{Failure, Recorder, Seed};

const USAGE: &str = "usage: vici-recorder --socket PATH [--seed FILE] [--log FILE] \
[--conn NAME]... [--key ID]... [--shared ID]... [--authority NAME]... \
[--pool NAME=ADDRS]... [--fail COMMAND[:SUBJECT[:ERRMSG]]]...";

struct Options {
    socket: PathBuf,
    log: Option<PathBuf>,
    seed: Seed,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut socket = None;
    let mut log = None;
    let mut seed = Seed::new();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--socket" => socket = Some(PathBuf::from(value)),
            "--log" => log = Some(PathBuf::from(value)),
            "--seed" => {
                let file = Seed::from_file(value.as_ref()).map_err(|e| e.to_string())?;
                merge(&mut seed, file);
            }
            "--conn" => seed.conns.push(value),
            "--key" => seed.keys.push(value),
            "--shared" => seed.shared.push(value),
            "--authority" => seed.authorities.push(value),
            "--pool" => {
                let (name, addrs) = value.split_once('=').ok_or("--pool takes NAME=ADDRS")?;
                seed.pools.push((name.to_owned(), addrs.to_owned()));
            }
            "--fail" => {
                let mut parts = value.splitn(3, ':');
                let command = parts.next().unwrap_or_default().to_owned();
                let subject = parts.next().filter(|s| !s.is_empty() && *s != "*");
                let errmsg = parts.next().filter(|s| !s.is_empty());
                seed.failures.push(Failure {
                    command,
                    subject: subject.map(str::to_owned),
                    errmsg: errmsg.map(str::to_owned),
                });
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let socket = socket.ok_or("--socket is required")?;
    Ok(Options { socket, log, seed })
}

fn merge(into: &mut Seed, from: Seed) {
    into.conns.extend(from.conns);
    into.keys.extend(from.keys);
    into.shared.extend(from.shared);
    into.authorities.extend(from.authorities);
    into.pools.extend(from.pools);
    into.failures.extend(from.failures);
    into.replies.extend(from.replies);
    into.events.extend(from.events);
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("vici-recorder: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sink: Box<dyn Write + Send> = match &options.log {
        Some(path) => match File::create(path) {
            Ok(file) => Box::new(file),
            Err(e) => {
                eprintln!("vici-recorder: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => Box::new(io::stdout()),
    };
    let recorder = Recorder::new(options.seed)
        .log_to(sink)
        .spawn(&options.socket);
    match recorder {
        Ok(_handle) => {
            eprintln!(
                "vici-recorder: listening on unix://{}",
                options.socket.display()
            );
            loop {
                thread::park();
            }
        }
        Err(e) => {
            eprintln!("vici-recorder: binding {}: {e}", options.socket.display());
            ExitCode::FAILURE
        }
    }
}
