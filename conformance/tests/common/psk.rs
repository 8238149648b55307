//! The lab's PSK swanctl.conf for one side, as a value to adjust before
//! writing it: connection `gw`, children (first `net`), the shared secret
//! of both identities.

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
    /// Extra lines (lifetimes, limits).
    pub extra: String,
}

/// Connection `gw` of one side.
#[derive(Clone, Debug)]
pub struct PskConf {
    pub local_addr: String,
    pub remote_addr: String,
    pub local_id: String,
    pub remote_id: String,
    pub proposals: String,
    /// Extra connection lines (`encap`, `dpd_*`, lifetimes).
    pub extra: String,
    pub children: Vec<ChildConf>,
    /// The secret of `a.lab.test` and `b.lab.test`.
    pub secret: String,
}

pub const SECRET: &str = "lab-preshared-key-0123456789";

impl PskConf {
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
            local_addr: local.0.into(),
            remote_addr: remote.0.into(),
            local_id: format!("{}.lab.test", local.2),
            remote_id: format!("{}.lab.test", remote.2),
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
            secret: SECRET.into(),
        }
    }

    /// The first child.
    pub fn child(&mut self) -> &mut ChildConf {
        &mut self.children[0]
    }

    /// The swanctl.conf text.
    pub fn render(&self) -> String {
        let children: String = self.children.iter().map(ChildConf::render).collect();
        format!(
            r#"connections {{
  gw {{
    version = 2
    local_addrs = {local}
    remote_addrs = {remote}
    proposals = {proposals}
    {extra}
    local {{
      auth = psk
      id = {lid}
    }}
    remote {{
      auth = psk
      id = {rid}
    }}
    children {{
{children}    }}
  }}
}}
secrets {{
  ike-lab {{
    id-a = a.lab.test
    id-b = b.lab.test
    secret = "{secret}"
  }}
}}
"#,
            local = self.local_addr,
            remote = self.remote_addr,
            proposals = self.proposals,
            extra = self.extra,
            lid = self.local_id,
            rid = self.remote_id,
            secret = self.secret,
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
        format!(
            "      {name} {{\n{ts}        mode = {mode}\n        esp_proposals = {esp}\n        \
             start_action = {start}\n        {extra}\n      }}\n",
            name = self.name,
            mode = self.mode,
            esp = self.esp_proposals,
            start = self.start_action,
            extra = self.extra,
        )
    }
}
