//! The socket side: one thread accepting unix-socket connections one after
//! another (swanctl opens one per invocation), logging every packet
//! received and answering it from the [`Daemon`].

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use swanctl_parser::vici::{FrameError, Packet, read_segment, write_frame};

use super::seed::Seed;
use super::state::{Daemon, State};

/// How long after confirming a registration the events seeded for it
/// follow.
const REGISTER_PAUSE: std::time::Duration = std::time::Duration::from_millis(200);

/// Configures and starts a recording VICI server.
pub struct Recorder {
    seed: Seed,
    sink: Option<Box<dyn Write + Send>>,
}

/// A running recorder. Dropping it stops the server.
pub struct RecorderHandle {
    shared: Arc<Shared>,
    socket_path: PathBuf,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    daemon: Mutex<Daemon>,
    log: Mutex<Log>,
    stop: AtomicBool,
    connections: AtomicUsize,
    /// The connection being served, so `stop` can cut it.
    current: Mutex<Option<UnixStream>>,
}

#[derive(Default)]
struct Log {
    records: Vec<String>,
    packets: Vec<Packet>,
    sink: Option<Box<dyn Write + Send>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    /// Starts a recorder on `socket_path` with `seed`, logging in memory
    /// only.
    pub fn start(socket_path: impl AsRef<Path>, seed: Seed) -> io::Result<RecorderHandle> {
        Self::new(seed).spawn(socket_path)
    }

    /// A recorder to configure before [`Recorder::spawn`].
    pub fn new(seed: Seed) -> Self {
        Self { seed, sink: None }
    }

    /// Also writes each log record, followed by an empty line, to `sink` as
    /// it is received (records never contain empty lines).
    #[must_use]
    pub fn log_to(mut self, sink: Box<dyn Write + Send>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Binds `socket_path` (replacing a stale socket file there) and serves
    /// on a background thread.
    pub fn spawn(self, socket_path: impl AsRef<Path>) -> io::Result<RecorderHandle> {
        let socket_path = socket_path.as_ref().to_path_buf();
        if fs::symlink_metadata(&socket_path).is_ok_and(|m| m.file_type().is_socket()) {
            fs::remove_file(&socket_path)?;
        }
        let listener = UnixListener::bind(&socket_path)?;
        let shared = Arc::new(Shared {
            daemon: Mutex::new(Daemon::new(&self.seed)),
            log: Mutex::new(Log {
                sink: self.sink,
                ..Log::default()
            }),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            current: Mutex::new(None),
        });
        let worker = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("vici-recorder".into())
            .spawn(move || accept_loop(&worker, &listener))?;
        Ok(RecorderHandle {
            shared,
            socket_path,
            thread: Some(thread),
        })
    }
}

impl RecorderHandle {
    /// The canonical dump of every packet received so far, one per record.
    pub fn log(&self) -> Vec<String> {
        lock(&self.shared.log).records.clone()
    }

    /// Every packet received so far (malformed ones are only in [`log`]).
    ///
    /// [`log`]: RecorderHandle::log
    pub fn packets(&self) -> Vec<Packet> {
        lock(&self.shared.log).packets.clone()
    }

    /// The names of the commands requested so far, in order.
    pub fn commands(&self) -> Vec<String> {
        let log = lock(&self.shared.log);
        log.packets
            .iter()
            .filter_map(|p| match p {
                Packet::CmdRequest { command, .. } => Some(command.clone()),
                _ => None,
            })
            .collect()
    }

    /// What is loaded now.
    pub fn state(&self) -> State {
        lock(&self.shared.daemon).state.clone()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The socket path clients connect to.
    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// Stops serving (cutting a connection in progress), removes the socket
    /// file and returns the log.
    pub fn stop(mut self) -> Vec<String> {
        self.shutdown();
        self.log()
    }

    fn shutdown(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(stream) = lock(&self.shared.current).as_ref() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        // Wake the accept() call; it then sees the stop flag.
        let _ = UnixStream::connect(&self.socket_path);
        let _ = thread.join();
        let _ = fs::remove_file(&self.socket_path);
    }
}

impl Drop for RecorderHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(shared: &Shared, listener: &UnixListener) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        *lock(&shared.current) = stream.try_clone().ok();
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        shared.connections.fetch_add(1, Ordering::SeqCst);
        serve(shared, stream);
        *lock(&shared.current) = None;
    }
}

/// Serves one connection until the client closes it or the stream breaks.
/// Like charon, packets with a name that is not printable ASCII and packets
/// only a server sends get no answer.
fn serve(shared: &Shared, mut stream: UnixStream) {
    let mut registered = HashSet::new();
    loop {
        let data = match read_segment(&mut stream) {
            Ok(data) => data,
            Err(FrameError::Closed) => return,
            Err(e) => {
                record(shared, format!("MALFORMED FRAME\n  {e}\n"), None);
                return;
            }
        };
        let mut after = Vec::new();
        let reply = match Packet::decode(&data) {
            Ok(packet) => {
                record(shared, packet.canonical(), Some(packet.clone()));
                let daemon = lock(&shared.daemon);
                match &packet {
                    Packet::EventRegister(name) => {
                        registered.insert(name.clone());
                        after = daemon.events(&format!("register:{name}"));
                    }
                    Packet::EventUnregister(name) => {
                        registered.remove(name);
                    }
                    Packet::CmdRequest { command, .. } => {
                        for (name, message) in daemon.events(command) {
                            if registered.contains(&name)
                                && write_frame(&mut stream, &Packet::Event { name, message })
                                    .is_err()
                            {
                                return;
                            }
                        }
                    }
                    _ => {}
                }
                drop(daemon);
                answer(shared, packet)
            }
            Err(e) => {
                record(
                    shared,
                    format!("MALFORMED PACKET\n  {e}\n  {}\n", hex(&data)),
                    None,
                );
                // charon reads the command name and lets the handler parse
                // (and fail on) the message.
                request_name(&data).map(|command| {
                    match lock(&shared.daemon).handle_unparsable(&command) {
                        Some(reply) => Packet::CmdResponse(reply),
                        None => Packet::CmdUnknown,
                    }
                })
            }
        };
        if let Some(reply) = reply
            && write_frame(&mut stream, &reply).is_err()
        {
            return;
        }
        if !after.is_empty() {
            // libvici installs the callback only after the confirmation
            // has woken its caller: events sent at once could be dropped
            thread::sleep(REGISTER_PAUSE);
        }
        for (name, message) in after {
            if write_frame(&mut stream, &Packet::Event { name, message }).is_err() {
                return;
            }
        }
    }
}

fn answer(shared: &Shared, packet: Packet) -> Option<Packet> {
    if packet
        .name()
        .is_some_and(|name| !name.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return None;
    }
    match packet {
        Packet::CmdRequest { command, message } => {
            Some(match lock(&shared.daemon).handle(&command, &message) {
                Some(reply) => Packet::CmdResponse(reply),
                None => Packet::CmdUnknown,
            })
        }
        Packet::EventRegister(_) | Packet::EventUnregister(_) => Some(Packet::EventConfirm),
        _ => None,
    }
}

/// The command name of a CMD_REQUEST whose message is malformed, if the
/// name itself is fine.
fn request_name(data: &[u8]) -> Option<String> {
    let [0, len, rest @ ..] = data else {
        return None;
    };
    let name = rest.get(..usize::from(*len))?;
    name.iter()
        .all(|b| (0x20..0x7f).contains(b))
        .then(|| name.iter().map(|&b| char::from(b)).collect())
}

fn record(shared: &Shared, text: String, packet: Option<Packet>) {
    let mut log = lock(&shared.log);
    if let Some(sink) = &mut log.sink {
        let _ = writeln!(sink, "{text}").and_then(|()| sink.flush());
    }
    log.records.push(text);
    log.packets.extend(packet);
}

fn hex(data: &[u8]) -> String {
    let mut out = String::from("0x");
    for b in data {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
