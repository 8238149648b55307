//! `getpass(3)` as glibc implements it, for password and PIN prompts: the
//! prompt goes to `/dev/tty` (echo off) or, without a terminal, to stderr
//! with the answer read from stdin. At end of input the answer is empty
//! (glibc clears its buffer), so `None` only if nothing can be read at all.

use std::io::{BufRead, Write};

use crate::keys::Passwords;

/// Prompts for a secret.
pub(crate) fn getpass(prompt: &str) -> Option<Vec<u8>> {
    if let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    {
        return getpass_tty(prompt, tty);
    }
    let _ = std::io::stderr().write_all(prompt.as_bytes());
    let mut line = Vec::new();
    if std::io::stdin()
        .lock()
        .read_until(b'\n', &mut line)
        .is_err()
    {
        line.clear();
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Some(line)
}

fn stty(tty: &std::fs::File, arg: &str) {
    if let Ok(input) = tty.try_clone() {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(input)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn getpass_tty(prompt: &str, mut tty: std::fs::File) -> Option<Vec<u8>> {
    stty(&tty, "-echo");
    let _ = tty.write_all(prompt.as_bytes());
    let _ = tty.flush();
    let mut line = Vec::new();
    let read = tty
        .try_clone()
        .ok()
        .map(|t| std::io::BufReader::new(t).read_until(b'\n', &mut line));
    stty(&tty, "echo");
    let _ = tty.write_all(b"\n");
    match read {
        Some(Ok(_)) => {
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            Some(line)
        }
        _ => Some(Vec::new()),
    }
}

/// swanctl's password callback: asks until an empty answer or end of
/// input, remembering answers for later attempts within one key.
pub(crate) struct PromptPasswords {
    prompt: String,
    cache: Vec<Vec<u8>>,
}

impl PromptPasswords {
    pub(crate) fn new(prompt: String) -> Self {
        Self {
            prompt,
            cache: Vec::new(),
        }
    }
}

impl Passwords for PromptPasswords {
    fn each(&mut self, try_one: &mut dyn FnMut(&[u8]) -> bool) {
        for p in &self.cache {
            if try_one(p) {
                return;
            }
        }
        loop {
            let Some(pw) = getpass(&self.prompt).filter(|p| !p.is_empty()) else {
                return;
            };
            self.cache.push(pw.clone());
            if try_one(&pw) {
                return;
            }
        }
    }
}
