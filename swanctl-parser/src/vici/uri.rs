//! VICI socket URIs, as libstrongswan's stream manager accepts them
//! (`stream_unix.c`, `stream_tcp.c`):
//!
//! - `unix://<path>`: everything after `unix://` is the socket path, so
//!   `unix:///var/run/charon.vici` is absolute and `unix://charon.vici` is
//!   relative to the working directory.
//! - `tcp://<host>:<port>`: split at the *last* colon; an IPv6 address is
//!   written in brackets (`tcp://[::1]:4502`); the host may be a DNS name.
//!
//! Deliberate differences: strongSwan silently truncates unix paths longer
//! than `sun_path` (we let `connect` fail), and its `strtoul` takes an empty
//! port as 0 (we reject it).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::error::UriError;

/// swanctl's and charon's default socket.
pub const DEFAULT_URI: &str = "unix:///var/run/charon.vici";

/// A parsed VICI socket URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uri {
    /// A unix stream socket at this path.
    Unix(PathBuf),
    /// A TCP socket; `host` is an address or a name to resolve.
    Tcp { host: String, port: u16 },
}

impl Uri {
    /// Parses a URI string.
    pub fn parse(uri: &str) -> Result<Self, UriError> {
        if let Some(path) = uri.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(UriError::EmptyPath(uri.to_owned()));
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        let Some(rest) = uri.strip_prefix("tcp://") else {
            return Err(UriError::UnsupportedScheme(uri.to_owned()));
        };
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| UriError::MissingPort(uri.to_owned()))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(UriError::EmptyHost(uri.to_owned()));
        }
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UriError::InvalidPort(uri.to_owned()));
        }
        let port = port
            .parse::<u16>()
            .map_err(|_| UriError::InvalidPort(uri.to_owned()))?;
        Ok(Self::Tcp {
            host: host.to_owned(),
            port,
        })
    }

    /// The default URI, `unix:///var/run/charon.vici`.
    pub fn default_uri() -> Self {
        Self::Unix(PathBuf::from("/var/run/charon.vici"))
    }
}

impl Default for Uri {
    fn default() -> Self {
        Self::default_uri()
    }
}

impl FromStr for Uri {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            Self::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_default_unix_uri_to_an_absolute_path() {
        assert_eq!(
            Uri::parse(DEFAULT_URI),
            Ok(Uri::Unix(PathBuf::from("/var/run/charon.vici")))
        );
        assert_eq!(Uri::default().to_string(), DEFAULT_URI);
    }

    #[test]
    fn keeps_a_relative_unix_path_relative() {
        assert_eq!(
            Uri::parse("unix://charon.vici"),
            Ok(Uri::Unix(PathBuf::from("charon.vici")))
        );
    }

    #[test]
    fn parses_tcp_with_ipv4_name_and_bracketed_ipv6_hosts() {
        let tcp = |host: &str, port| {
            Ok(Uri::Tcp {
                host: host.to_owned(),
                port,
            })
        };
        assert_eq!(Uri::parse("tcp://127.0.0.1:4502"), tcp("127.0.0.1", 4502));
        assert_eq!(Uri::parse("tcp://localhost:4502"), tcp("localhost", 4502));
        assert_eq!(Uri::parse("tcp://[::1]:4502"), tcp("::1", 4502));
        assert_eq!(
            Uri::parse("tcp://[::1]:4502").map(|u| u.to_string()),
            Ok("tcp://[::1]:4502".into())
        );
    }

    #[test]
    fn rejects_unknown_schemes_missing_or_bad_ports_and_empty_parts() {
        assert!(matches!(
            Uri::parse("/var/run/charon.vici"),
            Err(UriError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            Uri::parse("UNIX:///x"),
            Err(UriError::UnsupportedScheme(_))
        ));
        assert!(matches!(Uri::parse("unix://"), Err(UriError::EmptyPath(_))));
        assert!(matches!(
            Uri::parse("tcp://localhost"),
            Err(UriError::MissingPort(_))
        ));
        assert!(matches!(
            Uri::parse("tcp://localhost:"),
            Err(UriError::InvalidPort(_))
        ));
        assert!(matches!(
            Uri::parse("tcp://localhost:65536"),
            Err(UriError::InvalidPort(_))
        ));
        assert!(matches!(
            Uri::parse("tcp://localhost:+80"),
            Err(UriError::InvalidPort(_))
        ));
        assert!(matches!(
            Uri::parse("tcp://:4502"),
            Err(UriError::EmptyHost(_))
        ));
    }
}
