//! One line per installed SA or policy in the state file: `sa SPI DST
//! PROTO` and `policy key=value...`, with everything a policy needs to be
//! added and removed again.

use core::net::IpAddr;

use esp_install::{
    Mark, Mode, PolicyAction, PolicyClass, PolicyDirection, PolicySpec, Protocol, SaId, SaTemplate,
    Selector,
};

/// An installed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Sa(SaId),
    Policy(PolicySpec),
}

const fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Esp => "esp",
        Protocol::Ah => "ah",
    }
}

fn parse_protocol(s: &str) -> Option<Protocol> {
    match s {
        "esp" => Some(Protocol::Esp),
        "ah" => Some(Protocol::Ah),
        _ => None,
    }
}

fn selector(s: &Selector) -> String {
    format!(
        "{},{},{},{},{}",
        s.from, s.to, s.protocol, s.from_port, s.to_port
    )
}

fn parse_selector(s: &str) -> Option<Selector> {
    let mut it = s.split(',');
    let sel = Selector {
        from: it.next()?.parse().ok()?,
        to: it.next()?.parse().ok()?,
        protocol: it.next()?.parse().ok()?,
        from_port: it.next()?.parse().ok()?,
        to_port: it.next()?.parse().ok()?,
    };
    it.next().is_none().then_some(sel)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn parse_opt<T: core::str::FromStr>(s: &str) -> Option<Option<T>> {
    if s == "-" {
        Some(None)
    } else {
        s.parse().ok().map(Some)
    }
}

fn action(a: &PolicyAction) -> String {
    match a {
        PolicyAction::Pass => "pass".to_owned(),
        PolicyAction::Drop => "drop".to_owned(),
        PolicyAction::Protect(t) => format!(
            "protect,{},{},{},{},{},{}",
            t.reqid,
            protocol(t.protocol),
            match t.mode {
                Mode::Tunnel => "tunnel",
                Mode::Transport => "transport",
            },
            t.src,
            t.dst,
            opt(t.spi)
        ),
    }
}

fn parse_action(s: &str) -> Option<PolicyAction> {
    let mut it = s.split(',');
    match it.next()? {
        "pass" => Some(PolicyAction::Pass),
        "drop" => Some(PolicyAction::Drop),
        "protect" => Some(PolicyAction::Protect(SaTemplate {
            reqid: it.next()?.parse().ok()?,
            protocol: parse_protocol(it.next()?)?,
            mode: match it.next()? {
                "tunnel" => Mode::Tunnel,
                "transport" => Mode::Transport,
                _ => return None,
            },
            src: it.next()?.parse::<IpAddr>().ok()?,
            dst: it.next()?.parse::<IpAddr>().ok()?,
            spi: parse_opt(it.next()?)?,
        })),
        _ => None,
    }
}

const CLASSES: [(PolicyClass, &str); 4] = [
    (PolicyClass::Default, "default"),
    (PolicyClass::Routed, "routed"),
    (PolicyClass::Fallback, "fallback"),
    (PolicyClass::Pass, "pass"),
];

const DIRECTIONS: [(PolicyDirection, &str); 3] = [
    (PolicyDirection::In, "in"),
    (PolicyDirection::Out, "out"),
    (PolicyDirection::Fwd, "fwd"),
];

fn name<T: PartialEq + Copy>(table: &[(T, &'static str)], v: T) -> &'static str {
    table.iter().find(|(t, _)| *t == v).map_or("?", |(_, n)| n)
}

fn value<T: Copy>(table: &[(T, &'static str)], s: &str) -> Option<T> {
    table.iter().find(|(_, n)| *n == s).map(|(t, _)| *t)
}

impl Entry {
    /// The line of the entry (no newline).
    pub(crate) fn line(&self) -> String {
        match self {
            Self::Sa(id) => format!("sa {:08x} {} {}", id.spi, id.dst, protocol(id.protocol)),
            Self::Policy(p) => format!(
                "policy {} {} {} {} {} {} {} {} {}",
                name(&DIRECTIONS, p.direction),
                selector(&p.src_ts),
                selector(&p.dst_ts),
                action(&p.action),
                name(&CLASSES, p.class),
                opt(p.priority),
                opt(p.mark.map(|m| format!("{},{}", m.value, m.mask))),
                p.if_id,
                opt(p.interface.as_deref()),
            ),
        }
    }

    /// An entry from its line; `None` for anything else.
    pub(crate) fn parse(line: &str) -> Option<Self> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["sa", spi, dst, proto] => Some(Self::Sa(SaId {
                spi: u32::from_str_radix(spi, 16).ok()?,
                dst: dst.parse().ok()?,
                protocol: parse_protocol(proto)?,
            })),
            [
                "policy",
                dir,
                src,
                dst,
                act,
                class,
                prio,
                mark,
                if_id,
                iface,
            ] => Some(Self::Policy(PolicySpec {
                direction: value(&DIRECTIONS, dir)?,
                src_ts: parse_selector(src)?,
                dst_ts: parse_selector(dst)?,
                action: parse_action(act)?,
                class: value(&CLASSES, class)?,
                priority: parse_opt(prio)?,
                mark: match *mark {
                    "-" => None,
                    m => {
                        let (v, mask) = m.split_once(',')?;
                        Some(Mark {
                            value: v.parse().ok()?,
                            mask: mask.parse().ok()?,
                        })
                    }
                },
                if_id: if_id.parse().ok()?,
                interface: parse_opt(iface)?,
            })),
            _ => None,
        }
    }
}
