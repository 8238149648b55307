//! The VICI unix socket: created with mode 0660 (charon's umask), never
//! replacing a live socket, and one task per client on the daemon's
//! runtime. A client's requests go to the driver one at a time (VICI has
//! no request IDs: the next one is read once the driver answered); its
//! replies and events come back on a bounded queue a writer task drains.

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use swanctl_parser::vici::{MAX_SEGMENT, Packet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use super::{ClientId, Inbound};

/// Packets queued for one client before it counts as stuck and is cut
/// (a list-sas reply is one entry).
pub(crate) const CLIENT_QUEUE: usize = 256;
/// Clients served at once; more are refused.
const MAX_CLIENTS: usize = 64;

/// Why the socket cannot be created.
#[derive(Debug)]
pub(crate) enum BindError {
    /// Another daemon answers on it.
    InUse(PathBuf),
    /// Something other than a socket is in the way.
    NotASocket(PathBuf),
    /// The system refused.
    Io(PathBuf, io::Error),
}

impl core::fmt::Display for BindError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::InUse(p) => write!(
                f,
                "VICI socket {} is in use by a running daemon",
                p.display()
            ),
            Self::NotASocket(p) => write!(f, "{} exists and is not a socket", p.display()),
            Self::Io(p, e) => write!(f, "VICI socket {}: {e}", p.display()),
        }
    }
}

/// The bound socket; dropping it removes the file.
pub(crate) struct Listener {
    listener: UnixListener,
    path: PathBuf,
}

impl Listener {
    /// Binds `path` with mode 0660. A socket file nobody answers on is
    /// stale and replaced; a live one or any other file is an error.
    ///
    /// # Errors
    /// See [`BindError`].
    pub(crate) fn bind(path: &Path) -> Result<Self, BindError> {
        let io_err = |e| BindError::Io(path.to_owned(), e);
        match fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_socket() => {
                return Err(BindError::NotASocket(path.to_owned()));
            }
            Ok(_) => {
                if std::os::unix::net::UnixStream::connect(path).is_ok() {
                    return Err(BindError::InUse(path.to_owned()));
                }
                tracing::info!(target: "cfg", "removing stale VICI socket {}", path.display());
                fs::remove_file(path).map_err(io_err)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
        let listener = UnixListener::bind(path).map_err(io_err)?;
        fs::set_permissions(path, fs::Permissions::from_mode(0o660)).map_err(io_err)?;
        tracing::info!(target: "cfg", "VICI socket listening on unix://{}", path.display());
        Ok(Self {
            listener,
            path: path.to_owned(),
        })
    }

    /// Accepts clients until the driver goes away, each served by its own
    /// task talking to the driver through `to_driver`.
    pub(crate) async fn serve(self, to_driver: mpsc::Sender<Inbound>) {
        let mut next = 0u32;
        let clients = std::sync::Arc::new(());
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // e.g. out of file descriptors: do not spin
                    tracing::warn!(target: "cfg", "VICI accept failed: {e}");
                    tokio::time::sleep(core::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            if to_driver.is_closed() {
                return;
            }
            // one strong count is ours
            if std::sync::Arc::strong_count(&clients) > MAX_CLIENTS {
                tracing::warn!(target: "cfg", "refusing VICI client: {MAX_CLIENTS} connected");
                continue;
            }
            next = next.wrapping_add(1);
            let token = std::sync::Arc::clone(&clients);
            tokio::spawn(client(ClientId(next), stream, to_driver.clone(), token));
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Serves one client until it closes, sends something unreadable, or
/// the driver goes away.
async fn client(
    id: ClientId,
    stream: UnixStream,
    to_driver: mpsc::Sender<Inbound>,
    _token: std::sync::Arc<()>,
) {
    let (mut rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
    if to_driver
        .send(Inbound::Connected { client: id, tx })
        .await
        .is_err()
    {
        return;
    }
    tokio::spawn(writer(wr, rx));
    loop {
        let packet = match read_packet(&mut rd).await {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(target: "cfg", "vici client {} dropped: {e}", id.0);
                break;
            }
        };
        let (done, finished) = oneshot::channel();
        let sent = to_driver.send(Inbound::Packet {
            client: id,
            packet,
            done,
        });
        if sent.await.is_err() {
            return;
        }
        // the driver drops `done` once the request is answered
        let _ = finished.await;
    }
    let _ = to_driver.send(Inbound::Gone { client: id }).await;
}

/// Why a client's input was refused.
#[derive(Debug)]
enum ReadError {
    Io(io::Error),
    TooLarge(u32),
    Decode(swanctl_parser::vici::DecodeError),
}

impl core::fmt::Display for ReadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::TooLarge(len) => write!(
                f,
                "vici message length {len} exceeds {MAX_SEGMENT} bytes limit"
            ),
            Self::Decode(e) => write!(f, "{e}"),
        }
    }
}

/// One packet, `None` at a clean end of the stream. The length is checked
/// against [`MAX_SEGMENT`] before anything is allocated.
async fn read_packet(rd: &mut OwnedReadHalf) -> Result<Option<Packet>, ReadError> {
    let mut header = [0u8; 4];
    match rd.read_exact(&mut header).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(ReadError::Io(e)),
    }
    let len = u32::from_be_bytes(header);
    let size = usize::try_from(len).unwrap_or(usize::MAX);
    if size > MAX_SEGMENT {
        return Err(ReadError::TooLarge(len));
    }
    let mut data = vec![0u8; size];
    rd.read_exact(&mut data).await.map_err(ReadError::Io)?;
    Packet::decode(&data).map(Some).map_err(ReadError::Decode)
}

/// Writes what the driver queued, in order, until the queue closes or
/// the client stops reading.
async fn writer(mut wr: OwnedWriteHalf, mut rx: mpsc::Receiver<Vec<Packet>>) {
    while let Some(batch) = rx.recv().await {
        for packet in batch {
            let data = match packet.encode() {
                Ok(data) => data,
                Err(e) => {
                    tracing::warn!(target: "cfg", "vici message discarded: {e}");
                    continue;
                }
            };
            let Ok(len) = u32::try_from(data.len()) else {
                continue;
            };
            let mut frame = Vec::with_capacity(data.len() + 4);
            frame.extend_from_slice(&len.to_be_bytes());
            frame.extend_from_slice(&data);
            if wr.write_all(&frame).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
