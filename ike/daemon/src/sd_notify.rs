//! systemd's readiness protocol (`Type=notify`, sd_notify(3)): one
//! datagram to `$NOTIFY_SOCKET` once the sockets listen. Without the
//! variable (not started by systemd) nothing happens.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// Tells systemd the daemon is ready; failures are logged, not fatal.
pub(crate) fn ready() {
    if let Some(socket) = std::env::var_os("NOTIFY_SOCKET") {
        let state = format!(
            "READY=1\nSTATUS=cygnetd {} running\nMAINPID={}",
            env!("CARGO_PKG_VERSION"),
            std::process::id()
        );
        if let Err(e) = notify(&socket, &state) {
            tracing::warn!(target: "dmn", "sd_notify to {}: {e}", socket.to_string_lossy());
        }
    }
}

/// Sends `state` to the notify socket `path` (`@name`: the abstract
/// namespace).
fn notify(path: &OsStr, state: &str) -> io::Result<()> {
    let addr = match path.as_bytes().split_first() {
        Some((b'@', name)) => {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name)?
        }
        Some(_) => SocketAddr::from_pathname(path)?,
        None => return Err(io::Error::from(io::ErrorKind::InvalidInput)),
    };
    UnixDatagram::unbound()?.send_to_addr(state.as_bytes(), &addr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_reaches_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let server = UnixDatagram::bind(&path).unwrap();
        notify(path.as_os_str(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
    }

    #[test]
    fn the_state_reaches_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("cygnet-notify-test-{}", std::process::id());
        let server =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        notify(OsStr::new(&format!("@{name}")), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        assert!(notify(OsStr::new(""), "READY=1").is_err());
    }
}
