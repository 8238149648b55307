//! The loggers themselves: stderr, `filelog.<name>` files (charon's
//! `file_logger`) and `syslog.<facility>` (charon's `sys_logger`, sent to
//! `/dev/log` as RFC 3164 datagrams).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::net::UnixDatagram;
use std::time::SystemTime;

use swanctl_parser::config::{CharonSettings, FileLogger, SysLogger};

use super::{clock, strftime};

/// Where syslog datagrams go.
const SYSLOG_SOCKET: &str = "/dev/log";

/// One log line.
pub(crate) struct Line<'a> {
    /// charon's group tag (`IKE`).
    pub(crate) group: &'static str,
    /// Index in `Subsystem::ALL`.
    pub(crate) subsystem: usize,
    pub(crate) level: u8,
    /// ` <conn|n>`, where the IKE SA is known.
    pub(crate) sa: Option<String>,
    pub(crate) msg: &'a str,
}

impl Line<'_> {
    fn wanted(&self, levels: &[i32; 18]) -> bool {
        levels
            .get(self.subsystem)
            .is_some_and(|l| i32::from(self.level) <= *l)
    }

    /// `00[IKE]` or `00[IKE1]`, the SA's name with `ike_name`.
    fn prefix(&self, log_level: bool, ike_name: bool) -> String {
        let level = if log_level {
            self.level.to_string()
        } else {
            String::new()
        };
        let name = if ike_name {
            self.sa.as_deref().unwrap_or("")
        } else {
            ""
        };
        format!("00[{}{level}]{name}", self.group)
    }
}

/// A `filelog` logger.
struct FileSink {
    config: FileLogger,
    out: Box<dyn Write + Send>,
}

impl FileSink {
    fn open(config: &FileLogger) -> io::Result<Self> {
        let out: Box<dyn Write + Send> = match config.path.as_str() {
            "stdout" => Box::new(io::stdout()),
            "stderr" => Box::new(io::stderr()),
            path => {
                let file: File = OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(config.append)
                    .truncate(!config.append)
                    .open(path)?;
                Box::new(BufWriter::new(file))
            }
        };
        Ok(Self {
            config: config.clone(),
            out,
        })
    }

    fn write(&mut self, line: &Line<'_>) {
        let c = &self.config;
        if !line.wanted(&c.levels.levels) {
            return;
        }
        let prefix = line.prefix(c.log_level, c.ike_name);
        let time = c.time_format.as_deref().map(|f| {
            let now = SystemTime::now();
            let mut t = strftime::format(f, now);
            if c.time_add_ms {
                let ms = now
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_millis());
                t.push_str(&format!(".{ms:03}"));
            }
            t + " "
        });
        let time = time.unwrap_or_default();
        for text in line.msg.split('\n') {
            let _ = writeln!(self.out, "{time}{prefix} {text}");
        }
        if c.flush_line {
            let _ = self.out.flush();
        }
    }
}

/// A `syslog` logger.
struct SysSink {
    config: SysLogger,
    /// RFC 3164 facility code.
    facility: u8,
}

/// charon's facility names (`daemon`, `auth` = LOG_AUTHPRIV).
fn facility(name: &str) -> Option<u8> {
    match name {
        "daemon" => Some(3),
        "auth" => Some(10),
        _ => None,
    }
}

/// Every logger.
pub(crate) struct Sinks {
    stderr: [i32; 18],
    files: Vec<FileSink>,
    syslog: Vec<SysSink>,
    syslog_ident: String,
    socket: Option<UnixDatagram>,
    /// [`SYSLOG_SOCKET`], elsewhere in tests.
    syslog_path: &'static str,
}

impl Sinks {
    /// Syslog datagrams go to `path` instead (tests).
    #[cfg(test)]
    pub(crate) const fn with_syslog_path(mut self, path: &'static str) -> Self {
        self.syslog_path = path;
        self
    }

    pub(crate) fn stderr_only(stderr: [i32; 18]) -> Self {
        Self {
            stderr,
            files: Vec::new(),
            syslog: Vec::new(),
            syslog_ident: "charon".to_owned(),
            socket: None,
            syslog_path: SYSLOG_SOCKET,
        }
    }

    /// Replaces the loggers with those of `settings`, keeping files that
    /// stay open; returns what could not be set up.
    pub(crate) fn configure(
        &mut self,
        settings: &CharonSettings,
        stderr: [i32; 18],
    ) -> Vec<String> {
        let mut problems = Vec::new();
        self.stderr = stderr;
        let mut old = core::mem::take(&mut self.files);
        for config in &settings.filelog {
            let kept = old
                .iter()
                .position(|f| f.config.path == config.path)
                .map(|i| old.swap_remove(i));
            match kept {
                Some(mut sink) => {
                    sink.config = config.clone();
                    self.files.push(sink);
                }
                None => match FileSink::open(config) {
                    Ok(sink) => self.files.push(sink),
                    Err(e) => problems.push(format!(
                        "opening file {} for logging failed: {e}",
                        config.path
                    )),
                },
            }
        }
        for mut gone in old {
            let _ = gone.out.flush();
        }
        self.syslog.clear();
        for config in &settings.syslog {
            match facility(&config.facility) {
                Some(facility) => self.syslog.push(SysSink {
                    config: config.clone(),
                    facility,
                }),
                None => problems.push(format!("invalid syslog facility '{}'", config.facility)),
            }
        }
        self.syslog_ident = settings
            .syslog_identifier
            .clone()
            .unwrap_or_else(|| "charon".to_owned());
        if self.syslog.is_empty() {
            self.socket = None;
        } else if self.socket.is_none() {
            self.socket = UnixDatagram::unbound()
                .and_then(|s| s.connect(self.syslog_path).map(|()| s))
                .map_err(|e| problems.push(format!("syslog {}: {e}", self.syslog_path)))
                .ok();
        }
        problems
    }

    /// The highest level any logger takes.
    pub(crate) fn max_level(&self) -> i32 {
        let files = self.files.iter().flat_map(|f| f.config.levels.levels);
        let syslog = self.syslog.iter().flat_map(|s| s.config.levels.levels);
        self.stderr
            .into_iter()
            .chain(files)
            .chain(syslog)
            .max()
            .unwrap_or(1)
    }

    /// Whether a logger shows IKE SA names.
    pub(crate) fn ike_names(&self) -> bool {
        self.files.iter().any(|f| f.config.ike_name)
            || self.syslog.iter().any(|s| s.config.ike_name)
    }

    pub(crate) fn write(&mut self, line: &Line<'_>) {
        if line.wanted(&self.stderr) {
            let now = clock(SystemTime::now());
            let mut err = io::stderr().lock();
            for text in line.msg.split('\n') {
                let _ = writeln!(err, "{now} 00[{}] {text}", line.group);
            }
        }
        for file in &mut self.files {
            file.write(line);
        }
        if let Some(socket) = &self.socket {
            for sink in &self.syslog {
                let c = &sink.config;
                if !line.wanted(&c.levels.levels) {
                    continue;
                }
                // map_level -1: everything LOG_INFO, else level + map_level
                let severity = if c.map_level < 0 {
                    6
                } else {
                    (c.map_level + i32::from(line.level)).min(7)
                };
                let pri = i32::from(sink.facility) * 8 + severity;
                let prefix = line.prefix(c.log_level, c.ike_name);
                for text in line.msg.split('\n') {
                    let datagram = format!("<{pri}>{}: {prefix} {text}", self.syslog_ident);
                    let _ = socket.send(datagram.as_bytes());
                }
            }
        }
    }
}

impl Sinks {
    /// Writes out what file loggers buffered.
    pub(crate) fn flush(&mut self) {
        for f in &mut self.files {
            let _ = f.out.flush();
        }
    }
}
