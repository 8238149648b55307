//! Core events as charon's `ike-updown`, `ike-rekey`, `child-updown` and
//! `child-rekey` events, to every registered client. The core forgets an
//! SA when it goes down, so the last state of each IKE SA is kept.

use ike::{ChildId, ChildSaInfo, DownReason, Event, IkeSaInfo, IkeState, SaHandle};
use swanctl_parser::vici::Message;

use super::sa_msg::{Usage, encap, ike_with_children, list_child, list_ike};
use crate::driver::Driver;

impl Driver {
    /// Raises the VICI events of a core event and keeps the snapshots.
    pub(crate) fn vici_notify(&mut self, event: &Event) {
        match event {
            Event::IkeUp { sa, .. } => {
                let info = self.snapshot(*sa);
                self.raise_ike("ike-updown", info.as_ref(), true);
            }
            Event::IkeDown { sa, reason } => {
                let info = self.vici.snapshots.remove(sa).map(|mut s| {
                    s.state = IkeState::Deleting;
                    s
                });
                // a rekeyed SA was reported by ike-rekey (charon's ike_delete)
                if *reason != DownReason::Rekeyed {
                    self.raise_ike("ike-updown", info.as_ref(), false);
                }
            }
            Event::IkeRekeyed { old, new } => {
                let old_info = self.vici.snapshots.get(old).cloned();
                let new_info = self.snapshot(*new);
                if let (Some(o), Some(n)) = (old_info, new_info) {
                    self.raise_ike_rekey(&o, &n);
                }
            }
            Event::ChildUp { sa, child, .. } => {
                let info = self.snapshot(*sa);
                self.raise_child(info.as_ref(), *child, true);
            }
            Event::ChildDown { sa, child, reason } => {
                let before = self.vici.snapshots.get(sa).cloned();
                self.snapshot(*sa);
                // likewise for CHILD_SAs (charon's child_delete)
                if *reason != DownReason::Rekeyed {
                    self.raise_child(before.as_ref(), *child, false);
                }
            }
            Event::ChildRekeyed { sa, old, new } => {
                let before = self.vici.snapshots.get(sa).cloned();
                let after = self.snapshot(*sa);
                self.raise_child_rekey(before.as_ref(), after.as_ref(), *old, *new);
            }
            _ => {}
        }
    }

    /// The SA's current state, remembered.
    fn snapshot(&mut self, sa: SaHandle) -> Option<IkeSaInfo> {
        let info = self.endpoint.sa(sa)?;
        self.vici.snapshots.insert(sa, info.clone());
        Some(info)
    }

    fn raise_ike(&mut self, event: &str, info: Option<&IkeSaInfo>, up: bool) {
        let Some(info) = info else { return };
        if !self.vici.clients.listened(event) {
            return;
        }
        let mut m = Message::new();
        if up {
            m.push_value("up", "yes");
        }
        let mut ike = Message::new();
        list_ike(&mut ike, info, self.now());
        m.push_section(info.name.as_str(), ike);
        self.vici.clients.raise(event, &m);
    }

    fn raise_ike_rekey(&mut self, old: &IkeSaInfo, new: &IkeSaInfo) {
        if !self.vici.clients.listened("ike-rekey") {
            return;
        }
        let now = self.now();
        let (mut o, mut n) = (Message::new(), Message::new());
        list_ike(&mut o, old, now);
        list_ike(&mut n, new, now);
        let section = Message::new().with_section("old", o).with_section("new", n);
        let m = Message::new().with_section(old.name.as_str(), section);
        self.vici.clients.raise("ike-rekey", &m);
    }

    fn raise_child(&mut self, info: Option<&IkeSaInfo>, child: ChildId, up: bool) {
        let Some(info) = info else { return };
        let Some(c) = find(info, child) else { return };
        if !self.vici.clients.listened("child-updown") {
            return;
        }
        let usage = if up {
            self.usage(info, c)
        } else {
            Usage::default()
        };
        let sa = ike_with_children(info, &[(c, usage)], self.now());
        let mut m = Message::new();
        if up {
            m.push_value("up", "yes");
        }
        for (name, item) in sa.into_items() {
            m.push(name, item);
        }
        self.vici.clients.raise("child-updown", &m);
    }

    fn raise_child_rekey(
        &mut self,
        before: Option<&IkeSaInfo>,
        after: Option<&IkeSaInfo>,
        old: ChildId,
        new: ChildId,
    ) {
        if !self.vici.clients.listened("child-rekey") {
            return;
        }
        let (Some(before), Some(after)) = (before, after) else {
            return;
        };
        let old_child = find(after, old).or_else(|| find(before, old));
        let (Some(o), Some(n)) = (old_child, find(after, new)) else {
            return;
        };
        let now = self.now();
        let enc = encap(after);
        let pair = Message::new()
            .with_section("old", list_child(o, enc, &Usage::default(), now))
            .with_section("new", list_child(n, enc, &Usage::default(), now));
        let mut ike = Message::new();
        list_ike(&mut ike, after, now);
        ike.push_section(
            "child-sas",
            Message::new().with_section(o.name.as_str(), pair),
        );
        let m = Message::new().with_section(after.name.as_str(), ike);
        self.vici.clients.raise("child-rekey", &m);
    }
}

fn find(info: &IkeSaInfo, child: ChildId) -> Option<&ChildSaInfo> {
    info.children.iter().find(|c| c.id == child)
}
