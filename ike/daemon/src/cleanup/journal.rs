//! The state file as an append-only journal: `+ <entry>` when something
//! is installed, `- <entry>` when it is gone; rewritten with only the
//! live entries once the records outnumber them, removed when nothing is
//! installed. A SIGKILL keeps what was written (no fsync needed: after a
//! power loss the kernel's SAs are gone too).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::Entry;

/// Records beyond twice the live entries (plus this) trigger a rewrite.
const SLACK: usize = 64;

/// The live entries and the file they are written to.
pub(crate) struct Journal {
    path: PathBuf,
    entries: Vec<Entry>,
    file: Option<File>,
    records: usize,
}

impl Journal {
    pub(crate) const fn new(path: PathBuf) -> Self {
        Self {
            path,
            entries: Vec::new(),
            file: None,
            records: 0,
        }
    }

    pub(crate) fn contains(&self, entry: &Entry) -> bool {
        self.entries.contains(entry)
    }

    pub(crate) fn add(&mut self, entry: Entry) {
        let line = format!("+ {}", entry.line());
        self.entries.push(entry);
        self.record(&line);
    }

    pub(crate) fn remove(&mut self, entry: &Entry) {
        let Some(i) = self.entries.iter().rposition(|e| e == entry) else {
            return;
        };
        self.entries.remove(i);
        if self.entries.is_empty() {
            self.clear();
        } else {
            self.record(&format!("- {}", entry.line()));
        }
    }

    /// Nothing is installed: no file.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.file = None;
        self.records = 0;
        if let Err(e) = fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            self.warn(&e);
        }
    }

    fn record(&mut self, line: &str) {
        let result = if self.records >= 2 * self.entries.len() + SLACK {
            self.rewrite()
        } else {
            self.append(line)
        };
        if let Err(e) = result {
            self.warn(&e);
        }
    }

    fn append(&mut self, line: &str) -> io::Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?,
            ),
        };
        writeln!(file, "{line}")?;
        self.records += 1;
        Ok(())
    }

    /// Only the live entries, in a new file renamed over the old one.
    fn rewrite(&mut self) -> io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        let mut file = File::create(&tmp)?;
        for e in &self.entries {
            writeln!(file, "+ {}", e.line())?;
        }
        fs::rename(&tmp, &self.path)?;
        self.records = self.entries.len();
        self.file = Some(file);
        Ok(())
    }

    fn warn(&self, e: &io::Error) {
        tracing::warn!(target: "knl", "updating {}: {e}", self.path.display());
    }
}

/// The live entries of the journal at `path`, in installation order.
///
/// # Errors
/// If it cannot be read.
pub(crate) fn read(path: &Path) -> io::Result<Vec<Entry>> {
    let text = fs::read_to_string(path)?;
    let mut live: Vec<Entry> = Vec::new();
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("+", rest)) => live.extend(Entry::parse(rest)),
            Some(("-", rest)) => {
                if let Some(gone) = Entry::parse(rest)
                    && let Some(i) = live.iter().rposition(|e| *e == gone)
                {
                    live.remove(i);
                }
            }
            _ => {}
        }
    }
    Ok(live)
}
