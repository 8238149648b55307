//! The socket side: one thread accepting unix-socket connections one after
//! another (swanctl opens one per invocation), logging every packet
//! received and answering it from the [`Daemon`].

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use swanctl_parser::vici::{FrameError, Packet, read_segment, write_frame};

use super::seed::Seed;
use super::state::{Daemon, State};

/// Pause between confirming a registration and streaming the events
/// seeded for it.
const REGISTER_TO_EVENTS: Duration = Duration::from_millis(200);

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
/// only a server sends get no answer. Seeded events go only to a client
/// registered for them; seeded `close` commands end the connection.
fn serve(shared: &Shared, mut stream: UnixStream) {
    let mut registered = Vec::new();
    loop {
        let data = match read_segment(&mut stream) {
            Ok(data) => data,
            Err(FrameError::Closed) => return,
            Err(e) => {
                record(shared, format!("MALFORMED FRAME\n  {e}\n"), None);
                return;
            }
        };
        let mut registering = false;
        let replies = match Packet::decode(&data) {
            Ok(packet) => {
                record(shared, packet.canonical(), Some(packet.clone()));
                registering = matches!(packet, Packet::EventRegister(_));
                if let Packet::CmdRequest { command, .. } = &packet
                    && lock(&shared.daemon).closes(command)
                {
                    return;
                }
                answer(shared, packet, &mut registered)
            }
            Err(e) => {
                record(
                    shared,
                    format!("MALFORMED PACKET\n  {e}\n  {}\n", hex(&data)),
                    None,
                );
                // charon reads the command name and lets the handler parse
                // (and fail on) the message.
                request_name(&data)
                    .map(
                        |command| match lock(&shared.daemon).handle_unparsable(&command) {
                            Some(reply) => Packet::CmdResponse(reply),
                            None => Packet::CmdUnknown,
                        },
                    )
                    .into_iter()
                    .collect()
            }
        };
        for (i, reply) in replies.iter().enumerate() {
            if registering && i == 1 {
                // libvici installs the handler only once it has read the
                // confirmation; events sent at once could find none
                thread::sleep(REGISTER_TO_EVENTS);
            }
            if write_frame(&mut stream, reply).is_err() {
                return;
            }
        }
    }
}

/// The packets to send for `packet`: streamed events, then the answer.
fn answer(shared: &Shared, packet: Packet, registered: &mut Vec<String>) -> Vec<Packet> {
    if packet
        .name()
        .is_some_and(|name| !name.bytes().all(|b| (0x20..0x7f).contains(&b)))
    {
        return Vec::new();
    }
    let daemon = &mut lock(&shared.daemon);
    let events = |trigger, registered: &[String]| {
        daemon
            .events(trigger, registered)
            .into_iter()
            .map(|(name, message)| Packet::Event { name, message })
            .collect::<Vec<_>>()
    };
    match packet {
        Packet::CmdRequest { command, message } => {
            let mut out = events(Some(&command), registered);
            out.push(match daemon.handle(&command, &message) {
                Some(reply) => Packet::CmdResponse(reply),
                None => Packet::CmdUnknown,
            });
            out
        }
        Packet::EventRegister(event) if !daemon.knows_event(&event) => vec![Packet::EventUnknown],
        Packet::EventRegister(event) => {
            if !registered.contains(&event) {
                registered.push(event.clone());
            }
            let mut out = vec![Packet::EventConfirm];
            out.extend(events(None, std::slice::from_ref(&event)));
            out
        }
        Packet::EventUnregister(event) => {
            registered.retain(|e| *e != event);
            vec![Packet::EventConfirm]
        }
        _ => Vec::new(),
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
