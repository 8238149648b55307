//! IKE event counters as strongSwan's `counters` plugin keeps them (VICI
//! `get-counters`, `swanctl --counters`): global, and per connection name
//! once an SA of that connection counted something. Plus a few of our own
//! for metrics (retransmits, dropped datagrams).

use std::collections::BTreeMap;

use crate::wire::iana::ExchangeType;

/// One of charon's counters (`counter_type_t`), in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Counter {
    IkeRekeyInit,
    IkeRekeyResp,
    ChildRekey,
    Invalid,
    InvalidSpi,
    IkeInitInReq,
    IkeInitInResp,
    IkeInitOutReq,
    IkeInitOutResp,
    IkeAuthInReq,
    IkeAuthInResp,
    IkeAuthOutReq,
    IkeAuthOutResp,
    CreateChildInReq,
    CreateChildInResp,
    CreateChildOutReq,
    CreateChildOutResp,
    InfoInReq,
    InfoInResp,
    InfoOutReq,
    InfoOutResp,
}

/// How many counters charon has.
pub const COUNTERS: usize = 21;

/// The VICI names of the counters, in order (`vici_counter_type_names`).
pub const NAMES: [&str; COUNTERS] = [
    "ike-rekey-init",
    "ike-rekey-resp",
    "child-rekey",
    "invalid",
    "invalid-spi",
    "ike-init-in-req",
    "ike-init-in-resp",
    "ike-init-out-req",
    "ike-init-out-resp",
    "ike-auth-in-req",
    "ike-auth-in-resp",
    "ike-auth-out-req",
    "ike-auth-out-resp",
    "create-child-in-req",
    "create-child-in-resp",
    "create-child-out-req",
    "create-child-out-resp",
    "info-in-req",
    "info-in-resp",
    "info-out-req",
    "info-out-resp",
];

impl Counter {
    /// The counter of a plain message of `exchange` (none for other
    /// exchange types).
    #[must_use]
    pub fn message(exchange: ExchangeType, incoming: bool, request: bool) -> Option<Self> {
        let base = match exchange {
            ExchangeType::IKE_SA_INIT => Self::IkeInitInReq as usize,
            ExchangeType::IKE_AUTH => Self::IkeAuthInReq as usize,
            ExchangeType::CREATE_CHILD_SA => Self::CreateChildInReq as usize,
            ExchangeType::INFORMATIONAL => Self::InfoInReq as usize,
            _ => return None,
        };
        let offset = usize::from(!incoming) * 2 + usize::from(!request);
        Self::ALL.get(base + offset).copied()
    }

    const ALL: [Self; COUNTERS] = [
        Self::IkeRekeyInit,
        Self::IkeRekeyResp,
        Self::ChildRekey,
        Self::Invalid,
        Self::InvalidSpi,
        Self::IkeInitInReq,
        Self::IkeInitInResp,
        Self::IkeInitOutReq,
        Self::IkeInitOutResp,
        Self::IkeAuthInReq,
        Self::IkeAuthInResp,
        Self::IkeAuthOutReq,
        Self::IkeAuthOutResp,
        Self::CreateChildInReq,
        Self::CreateChildInResp,
        Self::CreateChildOutReq,
        Self::CreateChildOutResp,
        Self::InfoInReq,
        Self::InfoInResp,
        Self::InfoOutReq,
        Self::InfoOutResp,
    ];
}

/// Counter values, global and by connection name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    global: [u64; COUNTERS],
    named: BTreeMap<String, [u64; COUNTERS]>,
    /// Requests sent again (RFC 7296 §2.1), ours.
    pub retransmits: u64,
    /// Datagrams dropped unprocessed: unparsable, unknown SPI, failed
    /// integrity or decryption.
    pub dropped: u64,
}

impl Counters {
    /// Counts one `counter` event, for connection `name` too if known.
    pub fn count(&mut self, name: Option<&str>, counter: Counter) {
        let i = counter as usize;
        self.global[i] = self.global[i].saturating_add(1);
        if let Some(name) = name {
            let named = self.named.entry(name.to_owned()).or_insert([0; COUNTERS]);
            named[i] = named[i].saturating_add(1);
        }
    }

    /// The global values (`None`) or those of connection `name`, if it
    /// counted anything since the last reset.
    #[must_use]
    pub fn get(&self, name: Option<&str>) -> Option<&[u64; COUNTERS]> {
        match name {
            None => Some(&self.global),
            Some(name) => self.named.get(name),
        }
    }

    /// The connection names with counters, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.named.keys().map(String::as_str)
    }

    /// Resets the global values (`None`) or forgets connection `name`.
    pub fn reset(&mut self, name: Option<&str>) {
        match name {
            None => self.global = [0; COUNTERS],
            Some(name) => {
                self.named.remove(name);
            }
        }
    }

    /// Resets everything charon counts (ours stay: they are monotonic for
    /// metrics).
    pub fn reset_all(&mut self) {
        self.global = [0; COUNTERS];
        self.named.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_map_to_charons_counters() {
        let ex = ExchangeType::IKE_AUTH;
        assert_eq!(
            Counter::message(ex, true, true),
            Some(Counter::IkeAuthInReq)
        );
        assert_eq!(
            Counter::message(ex, true, false),
            Some(Counter::IkeAuthInResp)
        );
        assert_eq!(
            Counter::message(ex, false, true),
            Some(Counter::IkeAuthOutReq)
        );
        assert_eq!(
            Counter::message(ExchangeType::INFORMATIONAL, false, false),
            Some(Counter::InfoOutResp)
        );
        assert_eq!(Counter::message(ExchangeType::from(200), true, true), None);
        for (i, c) in Counter::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        assert_eq!(
            NAMES[Counter::CreateChildOutResp as usize],
            "create-child-out-resp"
        );
    }

    #[test]
    fn named_counters_appear_when_counted_and_reset_separately() {
        let mut c = Counters::default();
        assert_eq!(c.get(Some("gw")), None);
        c.count(Some("gw"), Counter::ChildRekey);
        c.count(None, Counter::Invalid);
        assert_eq!(c.get(None).map(|v| (v[2], v[3])), Some((1, 1)));
        assert_eq!(c.get(Some("gw")).map(|v| (v[2], v[3])), Some((1, 0)));
        assert_eq!(c.names().collect::<Vec<_>>(), ["gw"]);
        c.reset(None);
        assert_eq!(c.get(None).map(|v| v[2]), Some(0));
        assert_eq!(c.get(Some("gw")).map(|v| v[2]), Some(1));
        c.reset(Some("gw"));
        assert_eq!(c.get(Some("gw")), None);
    }
}
