//! A test-only IKEv2 initiator ("probe") that runs one linear script
//! against a real peer: IKE_SA_INIT, IKE_AUTH with a PSK and a first
//! CHILD_SA, then an INFORMATIONAL Delete of the IKE SA. It is not a state
//! machine: it exists to show that the `ike` crate's wire format, key
//! derivation and SK protection are accepted by strongSwan's charon.
//!
//! Every message is printed as charon logs it (`generating IKE_SA_INIT
//! request 0 [ SA KE No N(NATD_S_IP) N(NATD_D_IP) ]`). Peer input never
//! panics: every failure is a [`ProbeError`].

mod args;
mod auth;
mod error;
mod sa_init;
mod transport;

use std::io::BufRead;
use std::sync::mpsc;
use std::time::Duration;

use ike::crypto::{Provider, default_provider};
use ike::wire::iana::ExchangeType;
use ike::wire::{Delete, Flags, Message, Payload};

pub use args::{Config, USAGE};
pub use error::ProbeError;

use auth::IkeSa;
use transport::Transport;

/// Runs the whole script against `config.remote`.
///
/// # Errors
/// The first step that failed, see [`ProbeError`].
pub fn run(config: &Config) -> Result<(), ProbeError> {
    let provider = default_provider();
    let mut transport = Transport::new(config.local, config.remote, config.timeout)?;
    let init = sa_init::ike_sa_init(config, &provider, &transport)?;
    let mut sa = IkeSa::derive(&provider, &init)?;
    if init.nat_detected {
        transport.float_to_natt()?;
    }
    auth::ike_auth(config, &provider, &transport, &mut sa, &init)?;
    if let Some(hold) = config.hold {
        hold_for(hold);
    }
    delete_ike_sa(&provider, &transport, &mut sa)
}

/// Keeps the SAs up for `hold`, or until a line arrives on stdin (so a test
/// can inspect the peer and then let the probe go on at once).
fn hold_for(hold: Duration) {
    println!(
        "holding IKE_SA for up to {} s (a line on stdin ends the hold)",
        hold.as_secs()
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        // EOF (nothing to read) keeps the full hold
        if matches!(std::io::stdin().lock().read_line(&mut line), Ok(n) if n > 0) {
            let _ = tx.send(());
        }
    });
    let _ = rx.recv_timeout(hold);
}

/// INFORMATIONAL exchange with a Delete for the IKE SA (RFC 7296 §1.4.1);
/// the response must open and carry no error.
fn delete_ike_sa(
    provider: &Provider,
    transport: &Transport,
    sa: &mut IkeSa,
) -> Result<(), ProbeError> {
    let inner = vec![Payload::Delete(Delete::ike())];
    let exchange = ExchangeType::INFORMATIONAL;
    let opened = sa.exchange(provider, transport, exchange, &inner)?;
    error::check_no_error_notify(exchange, &opened.inner)?;
    println!("IKE_SA deleted");
    Ok(())
}

/// charon's form of a protected message: the exchange, role and ID of the
/// outer header with the decrypted inner payloads.
fn describe(outer: &Message, inner: &[Payload]) -> String {
    Message {
        payloads: inner.to_vec(),
        ..outer.clone()
    }
    .to_string()
}

/// A request header for `exchange` with message ID `id` on the IKE SA.
const fn request_header(spi_i: u64, spi_r: u64, exchange: ExchangeType, id: u32) -> Message {
    Message {
        spi_i,
        spi_r,
        exchange,
        flags: Flags::INITIATOR,
        message_id: id,
        payloads: Vec::new(),
    }
}

/// Checks that a response belongs to the request we sent.
fn check_response(msg: &Message, exchange: ExchangeType, id: u32) -> Result<(), ProbeError> {
    if msg.exchange != exchange || !msg.flags.is_response() || msg.message_id != id {
        return Err(ProbeError::Invalid(format!(
            "expected {exchange} response {id}, got {msg}"
        )));
    }
    if msg.flags.is_initiator() {
        return Err(ProbeError::Invalid(
            "the responder's message has the Initiator flag set".into(),
        ));
    }
    Ok(())
}
