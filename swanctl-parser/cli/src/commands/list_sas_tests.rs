use super::*;

/// The CHILD_SA of strongSwan's reference capture (`encap = yes`).
fn net_child() -> Message {
    Message::new()
        .with_value("name", "net")
        .with_value("uniqueid", "1")
        .with_value("reqid", "1")
        .with_value("state", "INSTALLED")
        .with_value("mode", "TUNNEL")
        .with_value("protocol", "ESP")
        .with_value("encap", "yes")
        .with_value("spi-in", "c409ddf2")
        .with_value("spi-out", "cfd77578")
        .with_value("encr-alg", "AES_GCM_16")
        .with_value("encr-keysize", "128")
        .with_value("bytes-in", "420")
        .with_value("packets-in", "5")
        .with_value("use-in", "3")
        .with_value("bytes-out", "420")
        .with_value("packets-out", "5")
        .with_value("use-out", "3")
        .with_value("rekey-time", "3419")
        .with_value("life-time", "3955")
        .with_value("install-time", "5")
        .with_list("local-ts", ["10.1.0.0/24"])
        .with_list("remote-ts", ["10.2.0.0/24"])
}

fn net_ike(children: Message) -> Message {
    Message::new()
        .with_value("uniqueid", "1")
        .with_value("version", "2")
        .with_value("state", "ESTABLISHED")
        .with_value("local-host", "192.0.2.1")
        .with_value("local-port", "4500")
        .with_value("local-id", "a.lab.test")
        .with_value("remote-host", "192.0.2.2")
        .with_value("remote-port", "4500")
        .with_value("remote-id", "b.lab.test")
        .with_value("initiator", "yes")
        .with_value("initiator-spi", "d8782ef2edcdf16a")
        .with_value("responder-spi", "9a02fb2a8bd7a2a9")
        .with_value("encr-alg", "AES_CBC")
        .with_value("encr-keysize", "128")
        .with_value("integ-alg", "HMAC_SHA2_256_128")
        .with_value("prf-alg", "PRF_HMAC_SHA2_256")
        .with_value("dh-group", "CURVE_25519")
        .with_value("established", "5")
        .with_value("rekey-time", "13186")
        .with_section("child-sas", children)
}

#[test]
fn prints_the_reference_capture() {
    let msg = Message::new().with_section(
        "net",
        net_ike(Message::new().with_section("net-1", net_child())),
    );
    assert_eq!(
        sa_text(&msg),
        "net: #1, ESTABLISHED, IKEv2, d8782ef2edcdf16a_i* 9a02fb2a8bd7a2a9_r
  local  'a.lab.test' @ 192.0.2.1[4500]
  remote 'b.lab.test' @ 192.0.2.2[4500]
  AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519
  established 5s ago, rekeying in 13186s
  net: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128
    installed 5s ago, rekeying in 3419s, expires in 3955s
    in  c409ddf2,    420 bytes,     5 packets,     3s ago
    out cfd77578,    420 bytes,     5 packets,     3s ago
    local  10.1.0.0/24
    remote 10.2.0.0/24
"
    );
}

#[test]
fn an_ike_sa_is_printed_when_its_child_sas_section_comes() {
    // no child-sas (ike-updown): nothing; keys after child-sas: unused
    let updown = Message::new()
        .with_value("up", "yes")
        .with_section("gw", Message::new().with_value("state", "ESTABLISHED"));
    assert_eq!(sa_text(&updown), "");
    let late = Message::new().with_section(
        "gw",
        Message::new()
            .with_section("child-sas", Message::new())
            .with_value("state", "ESTABLISHED"),
    );
    let text = sa_text(&late);
    assert!(
        text.starts_with("gw: #(null), (null), IKEv(null), (null)_i (null)_r*\n"),
        "{text}"
    );
    assert!(!text.contains("ESTABLISHED"));
}

#[test]
fn prints_optional_child_details_like_swanctl() {
    let child = Message::new()
        .with_value("name", "c")
        .with_value("protocol", "AH")
        .with_value("integ-alg", "HMAC_SHA1_96")
        .with_value("esn", "1")
        .with_value("spi-in", "01")
        .with_value("cpi-in", "1234")
        .with_value("mark-in", "2a")
        .with_value("mark-mask-in", "ff")
        .with_value("if-id-in", "7")
        .with_value("spi-out", "02")
        .with_value("if-id-out", "8")
        .with_value("bytes-out", "1234567890")
        .with_value("hw-offload", "crypto (auto)")
        .with_value("label", "6c61620a00")
        .with_list("local-ts", ["10.1.0.0/24", "10.1.1.0/24"])
        .with_list("remote-ts", [b"\x01bad".to_vec(), b"::/0".to_vec()]);
    let msg = Message::new().with_section(
        "gw",
        Message::new().with_section("child-sas", Message::new().with_section("c-1", child)),
    );
    let text = sa_text(&msg);
    let child_lines: Vec<&str> = text.lines().skip(3).collect();
    assert_eq!(
        child_lines,
        [
            "  c: #(null), reqid (null), (null), (null), AH:HMAC_SHA1_96/ESN",
            "    installed (null)s ago",
            "    in  01/1234 (0x2a/0xff|0x7), (null) bytes, (null) packets",
            "    out 02 (-|0x8), 1234567890 bytes, (null) packets",
            "    hw-offload: crypto (auto)",
            "    label  lab?",
            "    local  10.1.0.0/24 10.1.1.0/24",
            "    remote ::/0",
        ]
    );
}

#[test]
fn the_ike_line_shows_tasks_vips_and_eap_identities() {
    let msg = Message::new().with_section(
        "rw",
        Message::new()
            .with_value("initiator", "no")
            .with_value("remote-eap-id", "carol")
            .with_value("remote-xauth-id", "x")
            .with_list("local-vips", ["10.3.0.1"])
            .with_list("remote-vips", ["10.3.0.2", "fd::2"])
            .with_value("encr-alg", "AES_GCM_16")
            .with_value("ppk", "yes")
            .with_value("established", "1")
            .with_value("reauth-time", "9")
            .with_value("life-time", "20")
            .with_list("tasks-queued", ["IKE_REKEY", "CHILD_CREATE"])
            .with_list("tasks-passive", ["CHILD_REKEY"])
            .with_section("child-sas", Message::new()),
    );
    let text = sa_text(&msg);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "rw: #(null), (null), IKEv(null), (null)_i (null)_r*"
    );
    assert_eq!(lines[1], "  local  '(null)' @ (null)[(null)] [10.3.0.1]");
    assert_eq!(
        lines[2],
        "  remote '(null)' @ (null)[(null)] EAP: 'carol' XAuth: 'x' [10.3.0.2 fd::2]"
    );
    assert_eq!(lines[3], "  AES_GCM_16/(null)/(null)/PPK");
    assert_eq!(
        lines[4],
        "  established 1s ago, reauth in 9s, expires in 20s"
    );
    assert_eq!(lines[5], "  queued:  IKE_REKEY CHILD_CREATE");
    assert_eq!(lines[6], "  passive: CHILD_REKEY");
    assert_eq!(lines.len(), 7);
}
