use super::*;

fn auth(id: &str) -> Message {
    Message::new()
        .with_value("id", id)
        .with_value("class", "pre-shared key")
        .with_list("groups", Vec::<&str>::new())
        .with_list("cert_policy", Vec::<&str>::new())
        .with_list("certs", Vec::<&str>::new())
        .with_list("cacerts", Vec::<&str>::new())
}

fn net_child() -> Message {
    Message::new()
        .with_value("mode", "TUNNEL")
        .with_value("rekey_time", "3600")
        .with_value("rekey_bytes", "0")
        .with_value("rekey_packets", "0")
        .with_value("dpd_action", "none")
        .with_value("close_action", "none")
        .with_list("local-ts", ["10.1.0.0/24"])
        .with_list("remote-ts", ["10.2.0.0/24"])
}

#[test]
fn prints_the_reference_capture() {
    let conn = Message::new()
        .with_list("local_addrs", ["192.0.2.1"])
        .with_list("remote_addrs", ["192.0.2.2"])
        .with_value("version", "IKEv2")
        .with_value("reauth_time", "0")
        .with_value("rekey_time", "14400")
        .with_value("unique", "UNIQUE_NO")
        .with_section("local-1", auth("a.lab.test"))
        .with_section("remote-1", auth("b.lab.test"))
        .with_section("children", Message::new().with_section("net", net_child()));
    assert_eq!(
        conn_text(&Message::new().with_section("net", conn)),
        "net: IKEv2, no reauthentication, rekeying every 14400s
  local:  192.0.2.1
  remote: 192.0.2.2
  local pre-shared key authentication:
    id: a.lab.test
  remote pre-shared key authentication:
    id: b.lab.test
  net: TUNNEL, rekeying every 3600s
    local:  10.1.0.0/24
    remote: 10.2.0.0/24
"
    );
}

#[test]
fn ikev1_reauthenticates_at_its_rekey_time_and_lists_no_rekeying() {
    let conn = Message::new()
        .with_value("version", "IKEv1")
        .with_value("rekey_time", "3600")
        .with_value("ppk_required", "no");
    assert_eq!(
        conn_text(&Message::new().with_section("v1", conn)),
        "v1: IKEv1, reauthentication every 3600s\n  ppk: not required\n"
    );
}

#[test]
fn prints_dpd_ppk_auth_details_and_child_limits() {
    let eap = Message::new()
        .with_value("class", "EAP")
        .with_value("eap-type", "TLS")
        .with_value("eap_id", "carol")
        .with_list("groups", ["g1", "g2"])
        .with_list("cert_policy", ["1.2.3"]);
    let children = Message::new()
        .with_section(
            "pass",
            Message::new()
                .with_value("mode", "pass")
                .with_value("rekey_time", "60")
                .with_value("dpd_action", "restart")
                .with_list("local-ts", ["dynamic"]),
        )
        .with_section(
            "volume",
            Message::new()
                .with_value("mode", "TUNNEL")
                .with_value("rekey_time", "0")
                .with_value("rekey_bytes", "1000")
                .with_value("rekey_packets", "20")
                .with_value("interface", "eth0")
                .with_value("priority", "100"),
        );
    let conn = Message::new()
        .with_value("version", "IKEv2")
        .with_value("reauth_time", "7200")
        .with_value("rekey_time", "0")
        .with_value("dpd_delay", "10")
        .with_value("ppk_id", "ppk-1")
        .with_value("ppk_required", "yes")
        .with_section("local-1", eap)
        .with_section("remote-2", Message::new())
        .with_section("children", children);
    let text = conn_text(&Message::new().with_section("rw", conn));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "rw: IKEv2, reauthentication every 7200s, no rekeying, dpd delay 10s",
            "  ppk: ppk-1, required",
            "  local TLS authentication:",
            "    eap_id: carol",
            "    groups: g1 g2",
            "    cert policy: 1.2.3",
            "  remote unspecified authentication:",
            "  pass: pass, no rekeying, dpd action is restart",
            "    local:  dynamic",
            "    remote: (null)",
            "  volume: TUNNEL, rekeying every 1000 bytes or 20 packets, dpd action is (null)",
            "    local:  (null)",
            "    remote: (null)",
            "    interface: eth0",
            "    priority: 100",
        ]
    );
}
