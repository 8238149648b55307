//! strongSwan's `swanctl --list-sas` output, read back: the same text for
//! charon and cygnetd (both answer the VICI `list-sas` command that
//! strongSwan's swanctl prints).

/// One IKE SA and its CHILD_SAs.
#[derive(Clone, Debug, Default)]
pub struct IkeSa {
    pub name: String,
    /// The unique id (`#n`): 2 or more after a rekey.
    pub id: u32,
    pub state: String,
    pub children: Vec<ChildSa>,
}

/// One CHILD_SA with its counters.
#[derive(Clone, Debug, Default)]
pub struct ChildSa {
    pub name: String,
    pub id: u32,
    pub state: String,
    /// `TUNNEL`, `TUNNEL-in-UDP`, `TRANSPORT`...
    pub mode: String,
    pub spi_in: String,
    pub spi_out: String,
    pub packets_in: u64,
    pub packets_out: u64,
}

impl IkeSa {
    /// The unique id of its newest INSTALLED CHILD_SA (0: none).
    pub fn newest_child(&self) -> u32 {
        self.children
            .iter()
            .filter(|c| c.installed())
            .map(|c| c.id)
            .max()
            .unwrap_or(0)
    }
}

impl ChildSa {
    pub fn installed(&self) -> bool {
        self.state == "INSTALLED"
    }
}

/// The SAs of a `--list-sas` listing.
pub fn parse(text: &str) -> Vec<IkeSa> {
    let mut sas: Vec<IkeSa> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some((name, rest)) = header(trimmed) {
            let mut fields = rest.split(", ");
            let id = fields.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            if indent == 0 {
                let state = fields.next().unwrap_or_default().to_owned();
                sas.push(IkeSa {
                    name,
                    id,
                    state,
                    children: Vec::new(),
                });
            } else if let Some(ike) = sas.last_mut() {
                let _reqid = fields.next();
                let state = fields.next().unwrap_or_default().to_owned();
                let mode = fields.next().unwrap_or_default().to_owned();
                ike.children.push(ChildSa {
                    name,
                    id,
                    state,
                    mode,
                    ..ChildSa::default()
                });
            }
        } else if let Some(child) = sas.last_mut().and_then(|s| s.children.last_mut()) {
            if let Some(rest) = trimmed.strip_prefix("in  ") {
                (child.spi_in, child.packets_in) = spi_and_packets(rest);
            } else if let Some(rest) = trimmed.strip_prefix("out ") {
                (child.spi_out, child.packets_out) = spi_and_packets(rest);
            }
        }
    }
    sas
}

/// `name: #id, rest` of an IKE SA or CHILD_SA line: (name, `id, rest`).
fn header(line: &str) -> Option<(String, &str)> {
    let (name, rest) = line.split_once(": #")?;
    if name.contains(' ') || !rest.contains(", ") {
        return None;
    }
    Some((name.to_owned(), rest))
}

/// `c0ffee01,    420 bytes,     5 packets, ...`: the SPI and the packets.
fn spi_and_packets(rest: &str) -> (String, u64) {
    let spi = rest
        .split([',', ' ', '/'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let packets = rest
        .split(", ")
        .find_map(|f| f.trim().strip_suffix(" packets"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    (spi, packets)
}
