//! A lab side's swanctl.conf as a value to adjust before writing it:
//! connection `gw` with one authentication round per side, children
//! (first `net`), and for PSK the shared secret of both identities.

/// One CHILD_SA of `gw`.
#[derive(Clone, Debug)]
pub struct ChildConf {
    pub name: String,
    /// Empty for the default (dynamic: the host itself).
    pub local_ts: String,
    pub remote_ts: String,
    pub mode: String,
    pub esp_proposals: String,
    pub start_action: String,
    /// Extra lines (lifetimes, limits). An empty `mode` or
    /// `start_action` is left out (the default).
    pub extra: String,
}

/// Connection `gw` of one side.
#[derive(Clone, Debug)]
pub struct ConnConf {
    /// A comment line on top (or nothing).
    pub comment: String,
    pub local_addr: String,
    pub remote_addr: String,
    /// `auth` of both rounds (`psk`, `pubkey`, `ike:rsa/pss-sha256`...).
    pub auth: String,
    /// `id` of each round, as written (quoted for DNs); empty: none.
    pub local_id: String,
    pub remote_id: String,
    /// More lines of each round (`certs`, `cacerts`...).
    pub local_extra: String,
    pub remote_extra: String,
    pub proposals: String,
    /// Extra connection lines (`encap`, `dpd_*`, lifetimes).
    pub extra: String,
    pub children: Vec<ChildConf>,
    /// The pre-shared key of `a.lab.test` and `b.lab.test`, if any.
    pub secret: Option<String>,
}

pub const SECRET: &str = "lab-preshared-key-0123456789";

impl ConnConf {
    /// Side a (`a = true`: 192.0.2.1, 10.1.0.0/24, `a.lab.test`) or b
    /// (192.0.2.2, 10.2.0.0/24, `b.lab.test`): child `net` in tunnel mode
    /// between the inner networks, `start_action = none`, no `encap`.
    pub fn lab(a: bool) -> Self {
        let (local, remote) = if a {
            (
                ("192.0.2.1", "10.1.0.0/24", "a"),
                ("192.0.2.2", "10.2.0.0/24", "b"),
            )
        } else {
            (
                ("192.0.2.2", "10.2.0.0/24", "b"),
                ("192.0.2.1", "10.1.0.0/24", "a"),
            )
        };
        Self {
            comment: String::new(),
            local_addr: local.0.into(),
            remote_addr: remote.0.into(),
            auth: "psk".into(),
            local_id: format!("{}.lab.test", local.2),
            remote_id: format!("{}.lab.test", remote.2),
            local_extra: String::new(),
            remote_extra: String::new(),
            proposals: "aes128-sha256-x25519".into(),
            extra: String::new(),
            children: vec![ChildConf {
                name: "net".into(),
                local_ts: local.1.into(),
                remote_ts: remote.1.into(),
                mode: "tunnel".into(),
                esp_proposals: "aes128gcm16-x25519".into(),
                start_action: "none".into(),
                extra: String::new(),
            }],
            secret: Some(SECRET.into()),
        }
    }

    /// The first child.
    pub fn child(&mut self) -> &mut ChildConf {
        &mut self.children[0]
    }

    /// The swanctl.conf text.
    pub fn render(&self) -> String {
        let children: String = self.children.iter().map(ChildConf::render).collect();
        let round = |id: &str, extra: &str| {
            let id = if id.is_empty() {
                String::new()
            } else {
                format!("id = {id}")
            };
            format!(
                "{{\n      auth = {}\n      {extra}\n      {id}\n    }}",
                self.auth
            )
        };
        let secrets = self.secret.as_ref().map_or_else(String::new, |secret| {
            format!(
                "secrets {{\n  ike-lab {{\n    id-a = a.lab.test\n    id-b = b.lab.test\n    \
                 secret = \"{secret}\"\n  }}\n}}\n"
            )
        });
        format!(
            "{comment}connections {{\n  gw {{\n    version = 2\n    local_addrs = {local}\n    \
             remote_addrs = {remote}\n    proposals = {proposals}\n    {extra}\n    \
             local {lround}\n    remote {rround}\n    children {{\n{children}    }}\n  }}\n}}\n\
             {secrets}",
            comment = self.comment,
            local = self.local_addr,
            remote = self.remote_addr,
            proposals = self.proposals,
            extra = self.extra,
            lround = round(&self.local_id, &self.local_extra),
            rround = round(&self.remote_id, &self.remote_extra),
        )
    }
}

impl ChildConf {
    fn render(&self) -> String {
        let mut ts = String::new();
        if !self.local_ts.is_empty() {
            ts += &format!("        local_ts = {}\n", self.local_ts);
        }
        if !self.remote_ts.is_empty() {
            ts += &format!("        remote_ts = {}\n", self.remote_ts);
        }
        for (key, value) in [("mode", &self.mode), ("start_action", &self.start_action)] {
            if !value.is_empty() {
                ts += &format!("        {key} = {value}\n");
            }
        }
        format!(
            "      {name} {{\n{ts}        esp_proposals = {esp}\n        {extra}\n      }}\n",
            name = self.name,
            esp = self.esp_proposals,
            extra = self.extra,
        )
    }
}
