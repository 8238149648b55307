//! The PSK lab of the cygnetd-against-charon tests: cygnetd at
//! 192.0.2.1 (side a, 10.1.0.0/24), charon at 192.0.2.2 (side b,
//! 10.2.0.0/24), connection `gw` with child `net`.

pub const CYGNET: &str = "192.0.2.1";
pub const CHARON: &str = "192.0.2.2";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Cygnet,
    Charon,
}

/// Both sides' `gw` connection (the lab's psk-net2net with `encap = yes`):
/// child `net`, the given start action and extra CHILD_SA / IKE SA
/// lifetime lines.
pub fn swanctl_conf(side: Side, start: &str, child: &str, ike: &str) -> String {
    let (local, remote, lid, rid, lts, rts) = match side {
        Side::Cygnet => (CYGNET, CHARON, "a", "b", "10.1.0.0/24", "10.2.0.0/24"),
        Side::Charon => (CHARON, CYGNET, "b", "a", "10.2.0.0/24", "10.1.0.0/24"),
    };
    format!(
        r#"connections {{
  gw {{
    version = 2
    local_addrs = {local}
    remote_addrs = {remote}
    proposals = aes128-sha256-x25519
    encap = yes
    {ike}
    local {{
      auth = psk
      id = {lid}.lab.test
    }}
    remote {{
      auth = psk
      id = {rid}.lab.test
    }}
    children {{
      net {{
        local_ts = {lts}
        remote_ts = {rts}
        esp_proposals = aes128gcm16-x25519
        start_action = {start}
        {child}
      }}
    }}
  }}
}}
secrets {{
  ike-lab {{
    id-a = a.lab.test
    id-b = b.lab.test
    secret = "lab-preshared-key-0123456789"
  }}
}}
"#
    )
}
