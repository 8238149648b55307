//! VICI `get-counters` and `reset-counters` as charon's vici plugin
//! answers them with its `counters` plugin loaded.

use ike::counters::{COUNTERS, Counters, NAMES};
use swanctl_parser::vici::Message;

use super::truthy;

/// The reply to `get-counters`: `counters { <name or ""> { ike-rekey-init
/// = N ... } }` for the global values, one connection (`name`) or all
/// (`all`); an unknown name fails.
pub(crate) fn get(counters: &Counters, request: &Message) -> Message {
    let name = request.get_str("name");
    let mut sections = Message::new();
    let mut error = None;
    if request.get_str("all").is_some_and(truthy) {
        for conn in counters.names() {
            if let Some(values) = counters.get(Some(conn)) {
                sections.push_section(conn, values_section(values));
            }
        }
    } else {
        match counters.get(name) {
            Some(values) => {
                sections.push_section(name.unwrap_or(""), values_section(values));
            }
            None => error = Some("no counters found for this connection"),
        }
    }
    let mut reply = Message::new().with_section("counters", sections);
    reply.push_value("success", if error.is_some() { "no" } else { "yes" });
    if let Some(error) = error {
        reply.push_value("errmsg", error);
    }
    reply
}

/// `reset-counters`: all (`all`), one connection (`name`) or the global
/// values; always succeeds, as charon's does.
pub(crate) fn reset(counters: &mut Counters, request: &Message) -> Message {
    if request.get_str("all").is_some_and(truthy) {
        counters.reset_all();
    } else {
        counters.reset(request.get_str("name"));
    }
    Message::new().with_value("success", "yes")
}

fn values_section(values: &[u64; COUNTERS]) -> Message {
    let mut section = Message::new();
    for (name, value) in NAMES.iter().zip(values) {
        section.push_value(*name, value.to_string());
    }
    section
}

#[cfg(test)]
mod tests {
    use ike::counters::Counter;

    use super::*;

    fn dump(msg: &Message) -> String {
        msg.vici_dump("r", false)
    }

    #[test]
    fn global_named_and_all_counters_are_listed_as_charon_does() {
        let mut counters = Counters::default();
        counters.count(Some("gw"), Counter::ChildRekey);
        counters.count(None, Counter::Invalid);
        let global = dump(&get(&counters, &Message::new()));
        assert!(
            global.starts_with("r {counters { {ike-rekey-init=0 ike-rekey-resp=0 child-rekey=1 invalid=1 invalid-spi=0 ike-init-in-req=0"),
            "{global}"
        );
        assert!(
            global.ends_with("info-out-resp=0}} success=yes}\n"),
            "{global}"
        );
        let named = dump(&get(&counters, &Message::new().with_value("name", "gw")));
        assert!(
            named.starts_with(
                "r {counters {gw {ike-rekey-init=0 ike-rekey-resp=0 child-rekey=1 invalid=0"
            ),
            "{named}"
        );
        let all = dump(&get(&counters, &Message::new().with_value("all", "yes")));
        assert!(all.starts_with("r {counters {gw {"), "{all}");
        let unknown = dump(&get(&counters, &Message::new().with_value("name", "x")));
        assert_eq!(
            unknown,
            "r {counters {} success=no errmsg=no counters found for this connection}\n"
        );
    }

    #[test]
    fn resets_clear_what_was_asked() {
        let mut counters = Counters::default();
        counters.count(Some("gw"), Counter::ChildRekey);
        reset(&mut counters, &Message::new().with_value("name", "gw"));
        assert_eq!(counters.get(Some("gw")), None);
        assert_eq!(counters.get(None).map(|v| v[2]), Some(1));
        reset(&mut counters, &Message::new());
        assert_eq!(counters.get(None).map(|v| v[2]), Some(0));
        counters.count(Some("gw"), Counter::ChildRekey);
        reset(&mut counters, &Message::new().with_value("all", "yes"));
        assert_eq!(
            (counters.get(Some("gw")), counters.get(None).map(|v| v[2])),
            (None, Some(0))
        );
    }
}
