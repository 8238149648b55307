//! Commands waiting for the core (`initiate`, `terminate`): what completes
//! them, their deadline, their answer, and the log lines they stream as
//! `control-log` events meanwhile.

use core::time::Duration;

use ike::{ChildId, Event, SaHandle};
use swanctl_parser::vici::Message;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::logtap::Line;
use super::{ClientId, reply};
use crate::driver::Driver;

/// A command waiting for the core.
pub(crate) struct Pending {
    pub(crate) client: ClientId,
    /// Dropped with it, once answered: the client task then reads the
    /// next request.
    _done: oneshot::Sender<()>,
    /// Highest log level forwarded.
    loglevel: i64,
    /// The IKE SAs whose log lines it streams.
    sas: Vec<SaHandle>,
    deadline: Option<Instant>,
    timeout_ms: i64,
    /// The SA or CHILD_SA failed to come up.
    failed: bool,
    kind: Kind,
}

pub(crate) enum Kind {
    Initiate {
        sa: SaHandle,
        child: Option<String>,
        /// `CHILD_SA 'net'` or `IKE_SA 'gw'`.
        what: String,
    },
    Terminate {
        ikes: Vec<SaHandle>,
        children: Vec<ChildId>,
        matches: usize,
        terminated: usize,
    },
}

impl Pending {
    /// An initiate waiting for `old` waits for `new` instead (and streams
    /// its lines too).
    fn retarget(&mut self, old: SaHandle, new: SaHandle) {
        if let Kind::Initiate { sa, .. } = &mut self.kind
            && *sa == old
        {
            *sa = new;
            self.sas.push(new);
        }
    }

    /// A command of `client` answered when `kind` completes or after
    /// `timeout_ms` (0: never).
    pub(crate) fn new(
        client: ClientId,
        done: oneshot::Sender<()>,
        loglevel: i64,
        timeout_ms: i64,
        sas: Vec<SaHandle>,
        kind: Kind,
    ) -> Self {
        let deadline = u64::try_from(timeout_ms)
            .ok()
            .filter(|&ms| ms > 0)
            .map(|ms| Instant::now() + Duration::from_millis(ms));
        Self {
            client,
            _done: done,
            loglevel,
            sas,
            deadline,
            timeout_ms,
            failed: false,
            kind,
        }
    }

    /// Whether `event` completes the command.
    fn observe(&mut self, event: &Event) -> bool {
        match (&mut self.kind, event) {
            (
                Kind::Initiate {
                    sa, child: None, ..
                },
                Event::IkeUp { sa: up, .. },
            ) => up == sa,
            (
                Kind::Initiate {
                    sa, child: Some(c), ..
                },
                Event::ChildUp { sa: up, name, .. },
            ) => up == sa && name == c,
            (
                Kind::Initiate {
                    sa, child: Some(c), ..
                },
                Event::ChildFailed { sa: on, name, .. },
            ) => {
                self.failed = on == sa && name == c;
                self.failed
            }
            (Kind::Initiate { sa, .. }, Event::IkeDown { sa: down, .. }) => {
                self.failed = down == sa;
                self.failed
            }
            (
                Kind::Terminate {
                    ikes, terminated, ..
                },
                Event::IkeDown { sa, .. },
            ) => {
                let before = ikes.len();
                ikes.retain(|s| s != sa);
                *terminated += before - ikes.len();
                self.finished()
            }
            (
                Kind::Terminate {
                    children,
                    terminated,
                    ..
                },
                Event::ChildDown { child, .. },
            ) => {
                let before = children.len();
                children.retain(|c| c != child);
                *terminated += before - children.len();
                self.finished()
            }
            _ => false,
        }
    }

    /// Whether a terminate has nothing left to wait for.
    pub(crate) fn finished(&self) -> bool {
        matches!(&self.kind, Kind::Terminate { ikes, children, .. }
            if ikes.is_empty() && children.is_empty())
    }

    /// The response (charon's `send_reply` or terminate's counts).
    pub(crate) fn outcome(&self, timed_out: bool) -> Message {
        match &self.kind {
            Kind::Initiate { what, .. } => reply(if timed_out {
                Err(format!(
                    "{what} not established after {}ms",
                    self.timeout_ms
                ))
            } else if self.failed {
                Err(format!("establishing {what} failed"))
            } else {
                Ok(())
            }),
            Kind::Terminate {
                matches,
                terminated,
                ..
            } => {
                let errmsg = if *matches == 0 {
                    Some("no matching SAs to terminate found")
                } else if terminated < matches && *matches == 1 {
                    Some("terminating SA failed")
                } else if terminated < matches {
                    Some("not all matching SAs could be terminated")
                } else {
                    None
                };
                let mut m = Message::new()
                    .with_value("success", if errmsg.is_some() { "no" } else { "yes" })
                    .with_value("matches", matches.to_string())
                    .with_value("terminated", terminated.to_string());
                if let Some(e) = errmsg {
                    m.push_value("errmsg", e);
                }
                m
            }
        }
    }

    /// Whether it streams `line`: lines of its SAs, and lines of no
    /// known SA.
    fn wants(&self, line: &Line) -> bool {
        i64::from(line.level) <= self.loglevel && line.sa.is_none_or(|sa| self.sas.contains(&sa))
    }
}

impl Driver {
    /// A core event: answers the commands it completes.
    pub(crate) fn vici_complete(&mut self, event: &Event) {
        let mut i = 0;
        while let Some(p) = self.vici.pending.get_mut(i) {
            if p.observe(event) {
                let p = self.vici.pending.swap_remove(i);
                self.vici_finish(&p, false);
            } else {
                i += 1;
            }
        }
    }

    /// Initiates waiting for `old` wait for `new`, its next keying try or
    /// its restart, as charon's initiate waits for the same IKE_SA.
    pub(crate) fn vici_retarget(&mut self, old: SaHandle, new: SaHandle) {
        for p in &mut self.vici.pending {
            p.retarget(old, new);
        }
    }

    /// When the next running command times out.
    pub(crate) fn vici_deadline(&self) -> Option<Instant> {
        self.vici.pending.iter().filter_map(|p| p.deadline).min()
    }

    /// Answers the commands whose time is up.
    pub(crate) fn vici_timeouts(&mut self) {
        let now = Instant::now();
        let (due, keep): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.vici.pending)
            .into_iter()
            .partition(|p| p.deadline.is_some_and(|d| d <= now));
        self.vici.pending = keep;
        for p in due {
            self.vici_finish(&p, true);
        }
    }

    /// Streams its last log lines, answers, and lets the client go on.
    fn vici_finish(&mut self, p: &Pending, timed_out: bool) {
        self.vici_flush_logs(Some(p));
        self.vici_answer(p.client, Vec::new(), p.outcome(timed_out));
        self.vici.update_tap();
    }

    /// Forwards the log lines kept since the last call: `control-log` to
    /// the clients of running commands (and of `finishing`, about to be
    /// answered), `log` to registered clients.
    pub(crate) fn vici_flush_logs(&mut self, finishing: Option<&Pending>) {
        let lines = self.vici.tap.take();
        for line in &lines {
            let name = line.sa.and_then(|sa| self.sa_name(sa));
            let control: Vec<ClientId> = self
                .vici
                .pending
                .iter()
                .chain(finishing)
                .filter(|p| p.wants(line))
                .map(|p| p.client)
                .collect();
            for client in control {
                let msg = log_message(line, name.as_deref(), false);
                self.vici.clients.raise_to(client, "control-log", msg);
            }
            if self.vici.clients.listened("log") {
                let msg = log_message(line, name.as_deref(), true);
                self.vici.clients.raise("log", &msg);
            }
        }
    }

    fn sa_name(&self, sa: SaHandle) -> Option<String> {
        self.vici
            .snapshots
            .get(&sa)
            .map(|s| s.name.clone())
            .or_else(|| self.endpoint.sa(sa).map(|s| s.name))
    }
}

/// The keys of a `log` or `control-log` event, as charon orders them.
fn log_message(line: &Line, name: Option<&str>, thread: bool) -> Message {
    let mut m = Message::new()
        .with_value("group", line.group)
        .with_value("level", line.level.to_string());
    if thread {
        m.push_value("thread", "0");
    }
    if let (Some(name), Some(sa)) = (name, line.sa) {
        m.push_value("ikesa-name", name);
        m.push_value("ikesa-uniqueid", sa.0.to_string());
    }
    m.push_value("msg", line.msg.as_str());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sa: Option<u32>, level: u8) -> Line {
        Line {
            group: "IKE",
            level,
            sa: sa.map(SaHandle),
            msg: "m".into(),
        }
    }

    fn initiate(sa: u32) -> Pending {
        let kind = Kind::Initiate {
            sa: SaHandle(sa),
            child: Some("net".into()),
            what: "CHILD_SA 'net'".into(),
        };
        Pending::new(
            ClientId(1),
            oneshot::channel().0,
            1,
            0,
            vec![SaHandle(sa)],
            kind,
        )
    }

    #[test]
    fn a_command_streams_its_own_sas_lines_and_lines_of_no_sa_up_to_its_level() {
        let p = initiate(2);
        assert!(p.wants(&line(Some(2), 1)));
        assert!(p.wants(&line(None, 1)));
        assert!(!p.wants(&line(Some(3), 1)));
        assert!(!p.wants(&line(Some(2), 2)));
    }

    #[test]
    fn log_events_name_the_sa_with_charons_keys_in_charons_order() {
        let m = log_message(&line(Some(2), 1), Some("gw"), true);
        assert_eq!(
            m.vici_dump("log", false),
            "log {group=IKE level=1 thread=0 ikesa-name=gw ikesa-uniqueid=2 msg=m}\n"
        );
        let m = log_message(&line(None, 1), None, false);
        assert_eq!(
            m.vici_dump("control-log", false),
            "control-log {group=IKE level=1 msg=m}\n"
        );
    }

    #[test]
    fn a_retried_initiate_waits_for_the_next_try() {
        let mut p = initiate(2);
        p.retarget(SaHandle(2), SaHandle(5));
        let old_down = Event::IkeDown {
            sa: SaHandle(2),
            reason: ike::DownReason::Timeout,
        };
        assert!(!p.observe(&old_down));
        assert!(p.wants(&line(Some(5), 1)));
        assert!(p.observe(&Event::ChildUp {
            sa: SaHandle(5),
            child: ChildId(1),
            name: "net".into()
        }));
        assert!(!p.failed);
    }

    #[test]
    fn a_failed_or_late_initiate_answers_with_charons_messages() {
        let mut p = initiate(2);
        assert!(!p.observe(&Event::ChildUp {
            sa: SaHandle(3),
            child: ChildId(1),
            name: "net".into()
        }));
        assert!(p.observe(&Event::IkeDown {
            sa: SaHandle(2),
            reason: ike::DownReason::Timeout
        }));
        assert_eq!(
            p.outcome(false).get_str("errmsg"),
            Some("establishing CHILD_SA 'net' failed")
        );
        let late = Pending::new(
            ClientId(1),
            oneshot::channel().0,
            1,
            500,
            Vec::new(),
            Kind::Initiate {
                sa: SaHandle(1),
                child: None,
                what: "IKE_SA 'gw'".into(),
            },
        );
        assert!(late.deadline.is_some());
        assert_eq!(
            late.outcome(true).get_str("errmsg"),
            Some("IKE_SA 'gw' not established after 500ms")
        );
    }

    #[test]
    fn a_terminate_counts_the_sas_that_went_down() {
        let kind = Kind::Terminate {
            ikes: vec![SaHandle(1), SaHandle(2)],
            children: Vec::new(),
            matches: 2,
            terminated: 0,
        };
        let mut p = Pending::new(ClientId(1), oneshot::channel().0, 1, 0, Vec::new(), kind);
        let down = |sa| Event::IkeDown {
            sa: SaHandle(sa),
            reason: ike::DownReason::Local,
        };
        assert!(!p.observe(&down(1)));
        assert_eq!(
            p.outcome(true).get_str("errmsg"),
            Some("not all matching SAs could be terminated")
        );
        assert!(p.observe(&down(2)));
        assert_eq!(
            p.outcome(false),
            Message::new()
                .with_value("success", "yes")
                .with_value("matches", "2")
                .with_value("terminated", "2")
        );
    }
}
