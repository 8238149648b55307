//! The part of charon 5.9.8 that swanctl's load commands talk to: vici
//! connections (`vici_config.c`), credentials (`vici_cred.c`), authorities
//! (`vici_authority.c`) and pools (`vici_attribute.c`). Replies carry the
//! same keys and error messages as charon's; what is stored is only what
//! the `get-*` commands report.
//!
//! Order of `get-*` lists: keys and shared secrets newest first (charon's
//! `mem_cred` inserts at the front), authorities oldest first with a
//! reloaded one moved to the end (as charon), conns and pools in load order
//! (charon uses a hash table; any fixed order serves the differential tests).

use std::net::IpAddr;

use swanctl_parser::vici::{Item, Message};

use super::seed::{Failure, Seed, SeedEvent};

/// What the recorder has loaded, as the `get-*` commands report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub conns: Vec<String>,
    pub keys: Vec<String>,
    pub shared: Vec<String>,
    pub authorities: Vec<String>,
    pub pools: Vec<Pool>,
    /// Certificates accepted by `load-cert` (cleared by `clear-creds`).
    pub certs: usize,
}

/// A loaded address pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub name: String,
    /// `base` as charon reports it.
    pub base: String,
    /// Assignable addresses, computed like charon's `mem_pool`.
    pub size: u32,
}

/// Answers requests; owns the state, the failure rules and canned replies.
#[derive(Debug, Clone, Default)]
pub(crate) struct Daemon {
    pub(crate) state: State,
    failures: Vec<Failure>,
    replies: Vec<(String, Message)>,
    events: Vec<SeedEvent>,
    closes: Vec<String>,
    unknown_events: Vec<String>,
}

type Reply = Result<(), String>;

fn result(reply: Reply) -> Message {
    match reply {
        Ok(()) => Message::new().with_value("success", "yes"),
        Err(errmsg) => Message::new()
            .with_value("success", "no")
            .with_value("errmsg", errmsg),
    }
}

fn text(value: &[u8]) -> Option<&str> {
    std::str::from_utf8(value).ok()
}

/// Root sections of a request, in order (charon ignores root key/values).
fn sections(msg: &Message) -> impl Iterator<Item = (&str, &Message)> {
    msg.iter().filter_map(|(name, item)| match item {
        Item::Section(section) => Some((name.as_str(), section)),
        _ => None,
    })
}

impl Daemon {
    pub(crate) fn new(seed: &Seed) -> Self {
        let mut state = State {
            conns: seed.conns.clone(),
            keys: seed.keys.iter().map(|k| normalize_keyid(k)).collect(),
            shared: seed.shared.clone(),
            authorities: seed.authorities.clone(),
            ..State::default()
        };
        for (name, addrs) in &seed.pools {
            let (base, size) = pool_range(addrs).unwrap_or_else(|| (addrs.clone(), 0));
            state.pools.push(Pool {
                name: name.clone(),
                base,
                size,
            });
        }
        Self {
            state,
            failures: seed.failures.clone(),
            replies: seed.replies.clone(),
            events: seed.events.clone(),
            closes: seed.closes.clone(),
            unknown_events: seed.unknown_events.clone(),
        }
    }

    /// The reply to `command`, or `None` for CMD_UNKNOWN.
    ///
    /// charon parses a request lazily and stops at the first name that is
    /// not printable ASCII: handlers see only the root items before it, and
    /// the section loaders then fail with "parsing request failed".
    pub(crate) fn handle(&mut self, command: &str, msg: &Message) -> Option<Message> {
        let (view, cut) = charon_view(msg);
        self.dispatch(command, &view, cut)
    }

    /// Whether requests of `command` are answered by closing the
    /// connection.
    pub(crate) fn closes(&self, command: &str) -> bool {
        self.closes.iter().any(|c| c == command)
    }

    /// Whether registrations for `event` are refused.
    pub(crate) fn knows_event(&self, event: &str) -> bool {
        !self.unknown_events.iter().any(|e| e == event)
    }

    /// The seeded events to stream for `trigger` (a command, or `None`
    /// for the registration of an event) to a client registered for the
    /// events in `registered`.
    pub(crate) fn events(
        &self,
        trigger: Option<&str>,
        registered: &[String],
    ) -> Vec<(String, Message)> {
        self.events
            .iter()
            .filter(|e| e.command.as_deref() == trigger && registered.contains(&e.event))
            .map(|e| (e.event.clone(), e.message.clone()))
            .collect()
    }

    /// The reply to a request whose message could not be decoded at all.
    pub(crate) fn handle_unparsable(&mut self, command: &str) -> Option<Message> {
        self.dispatch(command, &Message::new(), true)
    }

    fn dispatch(&mut self, command: &str, msg: &Message, cut: bool) -> Option<Message> {
        if let Some((_, reply)) = self.replies.iter().find(|(c, _)| c == command) {
            return Some(reply.clone());
        }
        Some(match command {
            "version" => version(),
            "get-conns" => Message::new().with_list("conns", self.state.conns.clone()),
            "get-keys" => Message::new().with_list("keys", self.state.keys.clone()),
            "get-shared" => Message::new().with_list("keys", self.state.shared.clone()),
            "get-authorities" => {
                Message::new().with_list("authorities", self.state.authorities.clone())
            }
            "get-pools" => self.get_pools(msg),
            // streaming commands: the events come first (see `events`)
            "list-sas" | "list-conns" | "list-certs" => Message::new(),
            "load-key" | "load-token" => self.load_key(command, msg),
            "load-conn" => result(self.load_sections(command, msg, cut, Self::load_conn)),
            "load-authority" => result(self.load_sections(command, msg, cut, Self::load_authority)),
            "load-pool" => result(self.load_sections(command, msg, cut, Self::load_pool)),
            "unload-conn" | "unload-authority" | "unload-pool" | "unload-key" | "unload-shared"
            | "load-cert" | "load-shared" | "clear-creds" | "flush-certs" => {
                result(self.simple(command, msg))
            }
            _ => return None,
        })
    }

    fn injected(&self, command: &str, subject: Option<&str>) -> Option<String> {
        let rule = self.failures.iter().find(|f| f.matches(command, subject))?;
        Some(
            rule.errmsg
                .clone()
                .unwrap_or_else(|| default_errmsg(command, subject)),
        )
    }

    fn simple(&mut self, command: &str, msg: &Message) -> Reply {
        let key = match command {
            "load-shared" | "unload-shared" | "unload-key" => "id",
            "load-cert" => "type",
            _ => "name",
        };
        if let Some(errmsg) = self.injected(command, msg.get_str(key)) {
            return Err(errmsg);
        }
        match command {
            "unload-conn" => self.unload_conn(msg),
            "unload-authority" => self.unload_authority(msg),
            "unload-pool" => self.unload_pool(msg),
            "unload-key" => self.unload_key(msg),
            "unload-shared" => self.unload_shared(msg),
            "load-cert" => self.load_cert(msg),
            "load-shared" => self.load_shared(msg),
            "clear-creds" => {
                self.state.keys.clear();
                self.state.shared.clear();
                self.state.certs = 0;
                Ok(())
            }
            // flush-certs: only checks the type.
            _ => match msg.get_str("type") {
                Some(t) if !valid_cert_type(t) => Err(format!("invalid certificate type '{t}'")),
                _ => Ok(()),
            },
        }
    }

    /// Each root section in order; the first failure ends the request
    /// (earlier sections stay loaded, as in charon).
    fn load_sections(
        &mut self,
        command: &str,
        msg: &Message,
        cut: bool,
        load: fn(&mut Self, &str, &Message) -> Reply,
    ) -> Reply {
        for (name, section) in sections(msg) {
            if let Some(errmsg) = self.injected(command, Some(name)) {
                return Err(errmsg);
            }
            load(self, name, section)?;
        }
        if cut {
            return Err("parsing request failed".to_owned());
        }
        Ok(())
    }

    fn load_conn(&mut self, name: &str, _conn: &Message) -> Reply {
        if !self.state.conns.iter().any(|c| c == name) {
            self.state.conns.push(name.to_owned());
        }
        Ok(())
    }

    fn unload_conn(&mut self, msg: &Message) -> Reply {
        let name = msg
            .get_str("name")
            .ok_or("unload: missing connection name")?;
        remove(&mut self.state.conns, name)
            .ok_or_else(|| format!("unload: connection '{name}' not found"))
    }

    fn load_authority(&mut self, name: &str, section: &Message) -> Reply {
        const VALUES: [&str; 6] = [
            "cacert",
            "file",
            "handle",
            "slot",
            "module",
            "cert_uri_base",
        ];
        const LISTS: [&str; 2] = ["crl_uris", "ocsp_uris"];
        for (key, item) in section {
            let known = match item {
                Item::Value(_) => VALUES.contains(&key.as_str()),
                Item::List(_) => LISTS.contains(&key.as_str()),
                Item::Section(_) => true,
            };
            if !known {
                return Err(format!("unknown option: {key}, authority discarded"));
            }
        }
        if section.get_value("cacert").is_some_and(<[u8]>::is_empty) {
            return Err("parsing X509 certificate failed".to_owned());
        }
        if !["cacert", "file", "handle"]
            .iter()
            .any(|k| section.get_value(k).is_some())
        {
            return Err(format!("CA certificate missing: {name}"));
        }
        remove(&mut self.state.authorities, name);
        self.state.authorities.push(name.to_owned());
        Ok(())
    }

    fn unload_authority(&mut self, msg: &Message) -> Reply {
        let name = msg
            .get_str("name")
            .ok_or("unload: missing authority name")?;
        remove(&mut self.state.authorities, name)
            .ok_or_else(|| format!("unload: authority '{name}' not found"))
    }

    fn load_pool(&mut self, name: &str, section: &Message) -> Reply {
        let mut range = None;
        for (key, item) in section {
            match item {
                Item::Value(value) if key == "addrs" => {
                    if range.is_some() {
                        return Err("multiple addrs defined".to_owned());
                    }
                    let addrs = text(value).ok_or("invalid addrs value")?;
                    range = Some(pool_range(addrs).ok_or(format!("invalid addrs value: {addrs}"))?);
                }
                Item::Value(_) => return Err(format!("invalid attribute: {key}")),
                Item::List(values) => check_pool_attribute(key, values)?,
                Item::Section(_) => {}
            }
        }
        let (base, size) = range.ok_or_else(|| format!("missing addrs for pool '{name}'"))?;
        let pool = Pool {
            name: name.to_owned(),
            base,
            size,
        };
        match self.state.pools.iter_mut().find(|p| p.name == name) {
            Some(existing) => *existing = pool,
            None => self.state.pools.push(pool),
        }
        Ok(())
    }

    fn unload_pool(&mut self, msg: &Message) -> Reply {
        let name = msg.get_str("name").ok_or("missing pool name to unload")?;
        let index = self.state.pools.iter().position(|p| p.name == name);
        let index = index.ok_or_else(|| format!("{name} not found"))?;
        self.state.pools.remove(index);
        Ok(())
    }

    fn get_pools(&self, msg: &Message) -> Message {
        let leases = msg.get_str("leases").is_some_and(is_yes);
        let filter = msg.get_str("name");
        let mut reply = Message::new();
        for pool in &self.state.pools {
            if filter.is_some_and(|f| f != pool.name) {
                continue;
            }
            let mut section = Message::new()
                .with_value("base", pool.base.clone())
                .with_value("size", pool.size.to_string())
                .with_value("online", "0")
                .with_value("offline", "0");
            if leases {
                section.push_section("leases", Message::new());
            }
            reply.push_section(pool.name.clone(), section);
        }
        reply
    }

    fn load_cert(&mut self, msg: &Message) -> Reply {
        let ty = msg.get_str("type").ok_or("certificate type missing")?;
        if !valid_cert_type(ty) {
            return Err(format!("invalid certificate type '{ty}'"));
        }
        if msg.get_value("data").is_none_or(<[u8]>::is_empty) {
            return Err("certificate data missing".to_owned());
        }
        self.state.certs += 1;
        Ok(())
    }

    fn load_key(&mut self, command: &str, msg: &Message) -> Message {
        let loaded = if command == "load-key" {
            self.check_key(msg)
        } else {
            self.check_token(msg)
        };
        match loaded {
            Ok(id) => {
                remove(&mut self.state.keys, &id);
                self.state.keys.insert(0, id.clone());
                Message::new()
                    .with_value("success", "yes")
                    .with_value("id", id)
            }
            Err(errmsg) => result(Err(errmsg)),
        }
    }

    /// The key id charon would report: here a deterministic stand-in for the
    /// SHA-1 keyid, derived from the key data.
    fn check_key(&self, msg: &Message) -> Result<String, String> {
        let ty = msg.get_str("type").ok_or("key type missing")?;
        if let Some(errmsg) = self.injected("load-key", Some(ty)) {
            return Err(errmsg);
        }
        const KEY_TYPES: [&str; 7] = ["ANY", "RSA", "ECDSA", "DSA", "ED25519", "ED448", "BLISS"];
        if !KEY_TYPES.iter().any(|k| k.eq_ignore_ascii_case(ty)) {
            return Err(format!("invalid key type: {ty}"));
        }
        let data = msg
            .get_value("data")
            .filter(|d| !d.is_empty())
            .ok_or("key data missing")?;
        Ok(fake_keyid(data))
    }

    fn check_token(&self, msg: &Message) -> Result<String, String> {
        let handle = msg.get_str("handle").ok_or("keyid missing")?;
        if let Some(errmsg) = self.injected("load-token", Some(handle)) {
            return Err(errmsg);
        }
        let mut material = handle.as_bytes().to_vec();
        for key in ["slot", "module"] {
            material.push(0);
            material.extend_from_slice(msg.get_value(key).unwrap_or_default());
        }
        Ok(fake_keyid(&material))
    }

    fn unload_key(&mut self, msg: &Message) -> Reply {
        let id = msg.get_str("id").ok_or("key id missing")?;
        remove(&mut self.state.keys, &normalize_keyid(id)).ok_or_else(|| "key not found".to_owned())
    }

    fn load_shared(&mut self, msg: &Message) -> Reply {
        let ty = msg.get_str("type").ok_or("shared key type missing")?;
        const TYPES: [&str; 5] = ["ike", "eap", "xauth", "ntlm", "ppk"];
        if !TYPES.iter().any(|t| t.eq_ignore_ascii_case(ty)) {
            return Err(format!("invalid shared key type: {ty}"));
        }
        if msg.get_value("data").is_none_or(<[u8]>::is_empty) {
            return Err("shared key data missing".to_owned());
        }
        let owners = msg.get_list("owners").unwrap_or_default();
        if owners
            .iter()
            .any(|o| o.len() > 255 || !o.iter().all(|b| (0x20..0x7f).contains(b)))
        {
            return Err("parsing shared key owners failed".to_owned());
        }
        if let Some(id) = msg.get_str("id") {
            remove(&mut self.state.shared, id);
            self.state.shared.insert(0, id.to_owned());
        }
        Ok(())
    }

    fn unload_shared(&mut self, msg: &Message) -> Reply {
        let id = msg.get_str("id").ok_or("unique identifier missing")?;
        remove(&mut self.state.shared, id);
        Ok(())
    }
}

/// The root items charon's lazy parser gets through: those before the first
/// item whose name, or any name inside it, is not printable ASCII; and
/// whether anything was cut off.
fn charon_view(msg: &Message) -> (Message, bool) {
    let mut view = Message::new();
    for (name, item) in msg {
        let printable = printable_ascii(name.as_bytes())
            && match item {
                Item::Section(section) => section.all_names_printable(),
                Item::Value(_) | Item::List(_) => true,
            };
        if !printable {
            return (view, true);
        }
        view.push(name.clone(), item.clone());
    }
    (view, false)
}

/// C `isprint()` in the "C" locale for every byte, as `vici_stringify`.
fn printable_ascii(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| (0x20..0x7f).contains(b))
}

/// Removes the first `name` from `list`; `None` if it was not there.
fn remove(list: &mut Vec<String>, name: &str) -> Option<()> {
    let index = list.iter().position(|n| n == name)?;
    list.remove(index);
    Some(())
}

fn version() -> Message {
    Message::new()
        .with_value("daemon", "charon")
        .with_value("version", "5.9.8")
        .with_value("sysname", "Linux")
        .with_value("release", "vici-recorder")
        .with_value("machine", std::env::consts::ARCH)
}

fn is_yes(value: &str) -> bool {
    ["yes", "true", "enabled", "1"]
        .iter()
        .any(|y| y.eq_ignore_ascii_case(value))
}

fn valid_cert_type(ty: &str) -> bool {
    const NAMES: [&str; 9] = [
        "ANY",
        "X509",
        "X509_CRL",
        "OCSP_REQUEST",
        "OCSP_RESPONSE",
        "X509_AC",
        "PUBKEY",
        "PKCS10_REQUEST",
        "PGP",
    ];
    const INFO: [&str; 7] = [
        "x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey",
    ];
    NAMES
        .iter()
        .chain(INFO.iter())
        .any(|n| n.eq_ignore_ascii_case(ty))
}

fn default_errmsg(command: &str, subject: Option<&str>) -> String {
    let subject = subject.unwrap_or_default();
    match command {
        "load-conn" => format!("unknown option: injected-by-{subject}, config discarded"),
        "load-authority" => format!("CA certificate missing: {subject}"),
        "load-pool" => format!("missing addrs for pool '{subject}'"),
        "load-cert" => "parsing X509 certificate failed".to_owned(),
        "load-key" => format!(
            "parsing {} private key failed",
            subject.to_ascii_uppercase()
        ),
        "load-token" => "loading private key from token failed".to_owned(),
        "load-shared" => "parsing shared key owners failed".to_owned(),
        "unload-conn" => format!("unload: connection '{subject}' not found"),
        "unload-authority" => format!("unload: authority '{subject}' not found"),
        "unload-pool" => format!("{subject} not found"),
        "unload-key" => "key not found".to_owned(),
        _ => "parsing request failed".to_owned(),
    }
}

/// Lowercase hex without separators, like charon's `%+B`.
fn normalize_keyid(id: &str) -> String {
    id.chars()
        .filter(|c| *c != ':')
        .flat_map(char::to_lowercase)
        .collect()
}

/// 20 bytes (like a SHA-1 keyid) of FNV-1a over `data`, in hex; the same
/// data always gives the same id.
fn fake_keyid(data: &[u8]) -> String {
    let mut hex = String::with_capacity(40);
    for round in 0u64..3 {
        let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for &byte in data {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hex.push_str(&format!("{hash:016x}"));
    }
    hex.truncate(40);
    hex
}

/// charon's pool attribute check (`pool_li`): known names or numbers; values
/// of known names must be addresses or subnets.
fn check_pool_attribute(key: &str, values: &[Vec<u8>]) -> Reply {
    const KNOWN: [&str; 9] = [
        "address",
        "dns",
        "nbns",
        "dhcp",
        "netmask",
        "server",
        "subnet",
        "split_include",
        "split_exclude",
    ];
    let known = KNOWN.contains(&key);
    if !known && atoi(key) == 0 {
        return Err(format!("invalid attribute: {key}"));
    }
    for value in values {
        let host = text(value).and_then(|v| match v.split_once('/') {
            Some((addr, _)) => addr.parse::<IpAddr>().ok(),
            None => v.parse::<IpAddr>().ok(),
        });
        if known && host.is_none() {
            return Err(format!("invalid attribute value for {key}"));
        }
    }
    Ok(())
}

/// C `atoi`: optional sign and leading digits, 0 if none.
fn atoi(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

/// `addrs` as charon's `pool_kv` reads it: `from-to` or `base[/bits]`.
/// Returns the reported base and the number of assignable addresses.
pub(crate) fn pool_range(addrs: &str) -> Option<(String, u32)> {
    if let Some((from, to)) = addrs.split_once('-') {
        let (from, to) = (
            from.trim().parse::<IpAddr>().ok()?,
            to.trim().parse::<IpAddr>().ok()?,
        );
        let (f, t) = (octets(from), octets(to));
        let split = f.len().checked_sub(4)?;
        if f.len() != t.len() || f > t || f.get(..split) != t.get(..split) {
            return None;
        }
        let size = low32(&t).wrapping_sub(low32(&f)).wrapping_add(1);
        return Some((from.to_string(), size));
    }
    let (addr, bits) = match addrs.split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, Some(atoi(bits))),
        None => (addrs.parse::<IpAddr>().ok()?, None),
    };
    let addr_bits: i64 = if addr.is_ipv4() { 32 } else { 128 };
    let net_bits = bits.unwrap_or(addr_bits).clamp(0, addr_bits);
    let host_bits = u32::try_from((addr_bits - net_bits).min(31)).unwrap_or(31);
    let mut size = 1u32 << host_bits;
    let diff = network_id_diff(low32(&octets(addr)), host_bits);
    if size > 2 {
        size = if diff == 0 {
            size - 1
        } else {
            size.saturating_sub(diff)
        };
        size = size.saturating_sub(1);
    } else if diff != 0 {
        size -= 1;
    }
    Some((addr.to_string(), size))
}

fn octets(addr: IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn low32(octets: &[u8]) -> u32 {
    let tail = octets.len().saturating_sub(4);
    octets.get(tail..).map_or(0, |t| {
        t.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
    })
}

fn network_id_diff(last: u32, host_bits: u32) -> u32 {
    if host_bits == 0 {
        return 0;
    }
    let shift = 32 - host_bits;
    (last << shift) >> shift
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_pools_like_charon_mem_pool() {
        assert_eq!(pool_range("10.3.0.0/24"), Some(("10.3.0.0".into(), 254)));
        assert_eq!(pool_range("10.3.0.1/24"), Some(("10.3.0.1".into(), 254)));
        assert_eq!(pool_range("10.3.0.10/24"), Some(("10.3.0.10".into(), 245)));
        assert_eq!(pool_range("10.3.0.5"), Some(("10.3.0.5".into(), 1)));
        assert_eq!(
            pool_range("10.3.0.1-10.3.0.100"),
            Some(("10.3.0.1".into(), 100))
        );
        assert_eq!(pool_range("fec0::/120"), Some(("fec0::".into(), 254)));
        assert_eq!(pool_range("10.3.0.9-10.3.0.1"), None);
        assert_eq!(pool_range("nonsense"), None);
    }

    #[test]
    fn derives_the_same_key_id_from_the_same_data() {
        assert_eq!(fake_keyid(b"key"), fake_keyid(b"key"));
        assert_ne!(fake_keyid(b"key"), fake_keyid(b"kez"));
        assert_eq!(fake_keyid(b"key").len(), 40);
    }

    #[test]
    fn replies_like_charon_to_unloading_what_is_not_loaded() {
        let mut d = Daemon::new(&Seed::new().with_conn("a"));
        let unload = |name: &str| Message::new().with_value("name", name);
        let reply = d.handle("unload-conn", &unload("b")).unwrap();
        assert_eq!(reply.get_str("success"), Some("no"));
        assert_eq!(
            reply.get_str("errmsg"),
            Some("unload: connection 'b' not found")
        );
        assert_eq!(
            d.handle("unload-conn", &unload("a"))
                .unwrap()
                .get_str("success"),
            Some("yes")
        );
        assert_eq!(
            d.handle("unload-pool", &unload("p"))
                .unwrap()
                .get_str("errmsg"),
            Some("p not found")
        );
        assert!(d.handle("frobnicate", &Message::new()).is_none());
        // streaming commands: events first (server.rs), then an empty reply
        assert_eq!(d.handle("list-sas", &Message::new()), Some(Message::new()));
    }

    #[test]
    fn stops_a_multi_section_load_at_the_first_injected_failure() {
        let mut d = Daemon::new(&Seed::new().failing("load-conn", Some("b"), Some("boom")));
        let req = Message::new()
            .with_section("a", Message::new())
            .with_section("b", Message::new())
            .with_section("c", Message::new());
        let reply = d.handle("load-conn", &req).unwrap();
        assert_eq!(reply.get_str("errmsg"), Some("boom"));
        assert_eq!(d.state.conns, ["a"]);
    }

    #[test]
    fn checks_pool_and_authority_options_like_charon() {
        let mut d = Daemon::new(&Seed::new());
        let pool = |s: Message| Message::new().with_section("p", s);
        let reply = d
            .handle("load-pool", &pool(Message::new().with_list("dns", ["x"])))
            .unwrap();
        assert_eq!(
            reply.get_str("errmsg"),
            Some("invalid attribute value for dns")
        );
        let reply = d
            .handle("load-pool", &pool(Message::new().with_list("7", ["raw"])))
            .unwrap();
        assert_eq!(reply.get_str("errmsg"), Some("missing addrs for pool 'p'"));
        let reply = d
            .handle("load-pool", &pool(Message::new().with_value("foo", "1")))
            .unwrap();
        assert_eq!(reply.get_str("errmsg"), Some("invalid attribute: foo"));
        let ca = Message::new().with_section("ca", Message::new().with_value("crl_uris", "x"));
        let reply = d.handle("load-authority", &ca).unwrap();
        assert_eq!(
            reply.get_str("errmsg"),
            Some("unknown option: crl_uris, authority discarded")
        );
        let ca = Message::new().with_section("ca", Message::new().with_list("crl_uris", ["x"]));
        let reply = d.handle("load-authority", &ca).unwrap();
        assert_eq!(reply.get_str("errmsg"), Some("CA certificate missing: ca"));
    }

    #[test]
    fn fails_a_load_at_the_first_name_charon_cannot_parse() {
        let mut d = Daemon::new(&Seed::new());
        let req = Message::new()
            .with_section("a", Message::new())
            .with_section("b", Message::new().with_value("ünïcödé", "x"))
            .with_section("c", Message::new());
        let reply = d.handle("load-conn", &req).unwrap();
        assert_eq!(reply.get_str("errmsg"), Some("parsing request failed"));
        assert_eq!(d.state.conns, ["a"]);
        let reply = d.handle_unparsable("load-pool").unwrap();
        assert_eq!(reply.get_str("errmsg"), Some("parsing request failed"));
        let reply = d.handle_unparsable("get-conns").unwrap();
        assert_eq!(reply.get_list("conns").unwrap(), [b"a".to_vec()]);
    }

    #[test]
    fn lists_keys_and_shared_secrets_newest_first() {
        let mut d = Daemon::new(&Seed::new());
        for id in ["a", "b", "a"] {
            let req = Message::new()
                .with_value("id", id)
                .with_value("type", "ike")
                .with_value("data", "s");
            d.handle("load-shared", &req);
        }
        assert_eq!(d.state.shared, ["a", "b"]);
        let req = Message::new()
            .with_value("type", "any")
            .with_value("data", "k1");
        let id = d
            .handle("load-key", &req)
            .unwrap()
            .get_str("id")
            .unwrap()
            .to_owned();
        assert_eq!(
            d.handle("get-keys", &Message::new())
                .unwrap()
                .get_list("keys")
                .unwrap(),
            [id.into_bytes()]
        );
    }
}
