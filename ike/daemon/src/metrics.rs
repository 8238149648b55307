//! Prometheus metrics on an optional address (`cygnet.metrics.listen` in
//! strongswan.conf): a tiny HTTP/1.0 server answering `GET /metrics` in
//! the text exposition format 0.0.4. The driver renders the text, so the
//! numbers are those of one moment.

use core::fmt::Write as _;
use core::net::SocketAddr;
use core::time::Duration;

use ike::counters::{Counter, NAMES};
use ike::{DownReason, Error, Event, IkeState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

use crate::driver::Driver;

/// A scrape waiting for the driver's text.
pub(crate) type Scrape = oneshot::Sender<String>;

/// The longest request head read.
const MAX_REQUEST: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What the driver counts for metrics beyond the core's counters.
#[derive(Debug, Default)]
pub(crate) struct DaemonCounters {
    /// IKE SAs that went down because authentication failed (ours or the
    /// peer's).
    pub(crate) auth_failures: u64,
}

impl DaemonCounters {
    /// Counts what `event` tells.
    pub(crate) fn observe(&mut self, event: &Event) {
        if let Event::IkeDown {
            reason: DownReason::Failed(e),
            ..
        } = event
            && is_auth_failure(e)
        {
            self.auth_failures += 1;
        }
    }
}

fn is_auth_failure(e: &Error) -> bool {
    matches!(
        e,
        Error::AuthenticationFailed(_)
            | Error::Notified(ike::wire::iana::NotifyType::AUTHENTICATION_FAILED)
    )
}

/// Binds `addr` and serves scrapes, each answered by the driver through
/// `scrapes`.
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(target: "cfg", "metrics listening on http://{addr}/metrics");
    Ok(listener)
}

/// Accepts scrapes until the driver is gone.
pub(crate) async fn serve(listener: TcpListener, scrapes: mpsc::Sender<Scrape>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let scrapes = scrapes.clone();
        tokio::spawn(async move {
            let _ = answer(stream, &scrapes).await;
        });
    }
}

async fn answer(mut stream: TcpStream, scrapes: &mpsc::Sender<Scrape>) -> std::io::Result<()> {
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let response = match route(&head) {
        Route::Metrics => {
            let (tx, rx) = oneshot::channel();
            let body = match scrapes.send(tx).await {
                Ok(()) => rx.await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            http(200, "OK", "text/plain; version=0.0.4; charset=utf-8", &body)
        }
        Route::NotFound => http(404, "Not Found", "text/plain", "see /metrics\n"),
        Route::BadMethod => http(405, "Method Not Allowed", "text/plain", "GET only\n"),
    };
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// The request head, up to the empty line (or [`MAX_REQUEST`] octets).
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while head.len() < MAX_REQUEST && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(head)
}

#[derive(Debug, PartialEq, Eq)]
enum Route {
    Metrics,
    NotFound,
    BadMethod,
}

fn route(head: &[u8]) -> Route {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut words = line.split(|b| *b == b' ');
    let (method, path) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    if method != b"GET" {
        return Route::BadMethod;
    }
    let path = path.split(|b| *b == b'?').next().unwrap_or_default();
    if path == b"/metrics" {
        Route::Metrics
    } else {
        Route::NotFound
    }
}

fn http(code: u16, reason: &str, kind: &str, body: &str) -> String {
    format!(
        "HTTP/1.0 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// One metric family's header.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A label value escaped for the exposition format.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

const IKE_STATES: [(IkeState, &str); 5] = [
    (IkeState::Connecting, "CONNECTING"),
    (IkeState::Established, "ESTABLISHED"),
    (IkeState::Rekeying, "REKEYING"),
    (IkeState::Rekeyed, "REKEYED"),
    (IkeState::Deleting, "DELETING"),
];

impl Driver {
    /// The metrics text for a scrape.
    pub(crate) fn metrics_text(&mut self) -> String {
        let mut out = String::new();
        let sas: Vec<_> = self.endpoint.sas().collect();
        family(&mut out, "cygnet_ike_sas", "gauge", "IKE SAs by state.");
        for (state, name) in IKE_STATES {
            let n = sas.iter().filter(|s| s.state == state).count();
            let _ = writeln!(out, "cygnet_ike_sas{{state=\"{name}\"}} {n}");
        }
        let children: usize = sas.iter().map(|s| s.children.len()).sum();
        family(&mut out, "cygnet_child_sas", "gauge", "CHILD_SAs.");
        let _ = writeln!(out, "cygnet_child_sas {children}");
        self.counter_metrics(&mut out);
        family(
            &mut out,
            "cygnet_child_sa_bytes_total",
            "counter",
            "ESP bytes per CHILD_SA and direction.",
        );
        let mut packets = String::new();
        family(
            &mut packets,
            "cygnet_child_sa_packets_total",
            "counter",
            "ESP packets per CHILD_SA and direction.",
        );
        for sa in &sas {
            for c in &sa.children {
                let usage = self.usage(sa, c);
                let labels = format!(
                    "ike=\"{}\",child=\"{}\",uniqueid=\"{}\"",
                    label(&sa.name),
                    label(&c.name),
                    c.id.0
                );
                for (dir, bytes, count) in [
                    ("in", usage.bytes_in, usage.packets_in),
                    ("out", usage.bytes_out, usage.packets_out),
                ] {
                    let _ = writeln!(
                        out,
                        "cygnet_child_sa_bytes_total{{{labels},direction=\"{dir}\"}} {bytes}"
                    );
                    let _ = writeln!(
                        packets,
                        "cygnet_child_sa_packets_total{{{labels},direction=\"{dir}\"}} {count}"
                    );
                }
            }
        }
        out.push_str(&packets);
        out
    }

    fn counter_metrics(&self, out: &mut String) {
        let counters = self.endpoint.counters();
        let value = |c: Counter| counters.get(None).map_or(0, |v| v[c as usize]);
        family(
            out,
            "cygnet_ike_rekeys_total",
            "counter",
            "IKE SA rekeys by our role.",
        );
        let _ = writeln!(
            out,
            "cygnet_ike_rekeys_total{{role=\"initiator\"}} {}",
            value(Counter::IkeRekeyInit)
        );
        let _ = writeln!(
            out,
            "cygnet_ike_rekeys_total{{role=\"responder\"}} {}",
            value(Counter::IkeRekeyResp)
        );
        family(
            out,
            "cygnet_child_rekeys_total",
            "counter",
            "CHILD_SA rekeys.",
        );
        let _ = writeln!(
            out,
            "cygnet_child_rekeys_total {}",
            value(Counter::ChildRekey)
        );
        family(
            out,
            "cygnet_auth_failures_total",
            "counter",
            "IKE SAs failed in authentication.",
        );
        let _ = writeln!(
            out,
            "cygnet_auth_failures_total {}",
            self.metrics.auth_failures
        );
        family(
            out,
            "cygnet_retransmits_total",
            "counter",
            "IKE requests sent again.",
        );
        let _ = writeln!(out, "cygnet_retransmits_total {}", counters.retransmits);
        family(
            out,
            "cygnet_dropped_packets_total",
            "counter",
            "IKE datagrams dropped: malformed, unknown SPI, failed integrity.",
        );
        let _ = writeln!(out, "cygnet_dropped_packets_total {}", counters.dropped);
        family(
            out,
            "cygnet_ike_events_total",
            "counter",
            "strongSwan's counters plugin values (swanctl --counters).",
        );
        if let Some(values) = counters.get(None) {
            for (name, v) in NAMES.iter().zip(values) {
                let _ = writeln!(out, "cygnet_ike_events_total{{counter=\"{name}\"}} {v}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_metrics_is_served() {
        assert_eq!(
            route(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Route::Metrics
        );
        assert_eq!(route(b"GET /metrics?x=1 HTTP/1.0\r\n\r\n"), Route::Metrics);
        assert_eq!(route(b"GET / HTTP/1.0\r\n\r\n"), Route::NotFound);
        assert_eq!(route(b"POST /metrics HTTP/1.0\r\n\r\n"), Route::BadMethod);
        assert_eq!(route(b"\xff\xfe"), Route::BadMethod);
        assert_eq!(route(b""), Route::BadMethod);
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn responses_carry_their_length() {
        let r = http(200, "OK", "text/plain", "abc\n");
        assert!(r.starts_with("HTTP/1.0 200 OK\r\n"));
        assert!(r.contains("Content-Length: 4\r\n"));
        assert!(r.ends_with("\r\n\r\nabc\n"));
    }

    #[test]
    fn authentication_failures_are_counted_from_down_events() {
        let mut counters = DaemonCounters::default();
        let down = |e| Event::IkeDown {
            sa: ike::SaHandle(1),
            reason: DownReason::Failed(e),
        };
        counters.observe(&down(Error::Notified(
            ike::wire::iana::NotifyType::AUTHENTICATION_FAILED,
        )));
        counters.observe(&down(Error::NoProposalChosen));
        counters.observe(&Event::IkeDown {
            sa: ike::SaHandle(2),
            reason: DownReason::Timeout,
        });
        assert_eq!(counters.auth_failures, 1);
    }
}
