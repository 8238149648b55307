//! The core's log lines read like charon's at level 1, in charon's order
//! (compare the verbatim `swanctl --initiate` capture in
//! strongswan.md §6.3), since `swanctl --initiate` streams them.

use std::cell::RefCell;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use super::{Pair, configs};

thread_local! {
    /// The lines of the test running on this thread, while it captures.
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// The process-wide subscriber: every callsite stays enabled (a scoped
/// dispatcher can miss callsites other test threads register at the same
/// time), and info lines go to the capturing thread's buffer.
struct Capture {
    next_span: AtomicU64,
}

struct Message<'a>(&'a mut String);

impl Visit for Message<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn core::fmt::Debug) {
        if field.name() == "message" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if *event.metadata().level() > tracing::Level::INFO {
            return;
        }
        CAPTURED.with(|captured| {
            if let Some(lines) = captured.borrow_mut().as_mut() {
                let mut line = String::new();
                event.record(&mut Message(&mut line));
                lines.push(line);
            }
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// The info lines logged on this thread while `run` runs.
fn logged(run: impl FnOnce()) -> Vec<String> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let capture = Capture {
            next_span: AtomicU64::new(0),
        };
        tracing::subscriber::set_global_default(capture).expect("no other global subscriber");
    });
    tracing::callsite::rebuild_interest_cache();
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    run();
    CAPTURED.with(|c| c.borrow_mut().take().unwrap_or_default())
}

#[test]
fn establishment_logs_charons_level_1_lines_in_its_order() {
    let (a, b) = configs(|_| {}, |_| {});
    let mut pair = Pair::new(a, b);
    let mut lines = logged(|| {
        pair.initiate("gw", Some("net"));
        pair.drive();
    });
    // rekey_time less up to rand_time (random)
    for line in &mut lines {
        if let Some(secs) = line.strip_prefix("scheduling rekeying in ")
            && secs
                .trim_end_matches('s')
                .parse::<u64>()
                .is_ok_and(|s| s <= 14_400)
        {
            *line = "scheduling rekeying in (jittered)s".into();
        }
    }
    let (a, b) = (pair.a.sa(), pair.b.sa());
    let child = &a.children[0];
    let esp = "ESP:AES_GCM_16_128/NO_EXT_SEQ";
    let ike = "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519";
    let init = "[ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) ]";
    let (ip_a, ip_b) = ("192.0.2.1", "192.0.2.2");
    let (id_a, id_b) = ("moon.example", "sun.example");
    let expected = [
        // initiator: IKE_SA_INIT request
        format!("initiating IKE_SA gw[{}] to {ip_b}", a.handle),
        format!("generating IKE_SA_INIT request 0 {init}"),
        // responder: IKE_SA_INIT response
        format!("parsed IKE_SA_INIT request 0 {init}"),
        format!("selected proposal: {ike}"),
        format!("generating IKE_SA_INIT response 0 {init}"),
        // initiator: IKE_AUTH request
        format!("parsed IKE_SA_INIT response 0 {init}"),
        format!("selected proposal: {ike}"),
        format!("authentication of '{id_a}' (myself) with pre-shared key"),
        format!("establishing CHILD_SA net{{{}}}", child.id),
        "generating IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH SA TSi TSr ]".into(),
        // responder: IKE_AUTH response
        "parsed IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr AUTH SA TSi TSr ]".into(),
        format!("authentication of '{id_a}' with pre-shared key successful"),
        format!("authentication of '{id_b}' (myself) with pre-shared key"),
        format!(
            "IKE_SA gw[{}] established between {ip_b}[{id_b}]...{ip_a}[{id_a}]",
            b.handle
        ),
        "scheduling rekeying in (jittered)s".into(),
        "maximum IKE_SA lifetime 15840s".into(),
        format!("selected proposal: {esp}"),
        format!(
            "CHILD_SA net{{{}}} established with SPIs {:08x}_i {:08x}_o and TS 10.2.0.0/16 === 10.1.0.0/16",
            b.children[0].id, child.spi_out, child.spi_in
        ),
        "generating IKE_AUTH response 1 [ IDr AUTH SA TSi TSr ]".into(),
        // initiator: done
        "parsed IKE_AUTH response 1 [ IDr AUTH SA TSi TSr ]".into(),
        format!("authentication of '{id_b}' with pre-shared key successful"),
        format!(
            "IKE_SA gw[{}] established between {ip_a}[{id_a}]...{ip_b}[{id_b}]",
            a.handle
        ),
        "scheduling rekeying in (jittered)s".into(),
        "maximum IKE_SA lifetime 15840s".into(),
        format!("selected proposal: {esp}"),
        format!(
            "CHILD_SA net{{{}}} established with SPIs {:08x}_i {:08x}_o and TS 10.1.0.0/16 === 10.2.0.0/16",
            child.id, child.spi_in, child.spi_out
        ),
    ];
    assert_eq!(lines, expected);
}

#[test]
fn deletes_log_charons_lines() {
    let mut pair = super::established();
    let (a, b) = (pair.a.sa(), pair.b.sa());
    let (ca, cb) = (a.children[0].clone(), b.children[0].clone());
    let lines = logged(|| {
        assert!(pair.a.ep.delete_child(pair.now, ca.id));
        pair.flush();
        pair.drive();
        assert!(pair.a.ep.delete_ike(pair.now, a.handle));
        pair.flush();
        pair.drive();
    });
    let (ip_a, ip_b) = ("192.0.2.1", "192.0.2.2");
    let (id_a, id_b) = ("moon.example", "sun.example");
    let closing = |c: &crate::ChildSaInfo, ts: &str| {
        format!(
            "closing CHILD_SA net{{{}}} with SPIs {:08x}_i {:08x}_o and TS {ts}",
            c.id, c.spi_in, c.spi_out
        )
    };
    let expected = [
        // a: INFORMATIONAL { D(ESP) } -->
        closing(&ca, "10.1.0.0/16 === 10.2.0.0/16"),
        format!("sending DELETE for ESP CHILD_SA with SPI {:08x}", ca.spi_in),
        "generating INFORMATIONAL request 2 [ D ]".into(),
        // b: <-- INFORMATIONAL { D(ESP) }
        "parsed INFORMATIONAL request 2 [ D ]".into(),
        format!(
            "received DELETE for ESP CHILD_SA with SPI {:08x}",
            cb.spi_out
        ),
        closing(&cb, "10.2.0.0/16 === 10.1.0.0/16"),
        format!("sending DELETE for ESP CHILD_SA with SPI {:08x}", cb.spi_in),
        "CHILD_SA closed".into(),
        "generating INFORMATIONAL response 2 [ D ]".into(),
        "parsed INFORMATIONAL response 2 [ D ]".into(),
        "CHILD_SA closed".into(),
        // a: INFORMATIONAL { D(IKE) } -->  <-- INFORMATIONAL { }
        format!(
            "deleting IKE_SA gw[{}] between {ip_a}[{id_a}]...{ip_b}[{id_b}]",
            a.handle
        ),
        format!("sending DELETE for IKE_SA gw[{}]", a.handle),
        "generating INFORMATIONAL request 3 [ D ]".into(),
        "parsed INFORMATIONAL request 3 [ D ]".into(),
        format!("received DELETE for IKE_SA gw[{}]", b.handle),
        format!(
            "deleting IKE_SA gw[{}] between {ip_b}[{id_b}]...{ip_a}[{id_a}]",
            b.handle
        ),
        "IKE_SA deleted".into(),
        "generating INFORMATIONAL response 3 [ ]".into(),
        "parsed INFORMATIONAL response 3 [ ]".into(),
        "IKE_SA deleted".into(),
    ];
    assert_eq!(lines, expected);
}
