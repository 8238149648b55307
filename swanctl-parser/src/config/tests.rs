//! swanctl.conf text → typed model, through the settings reader: list
//! splitting, references, error positions and per-item rejection.

use super::*;

fn load(text: &str) -> (SwanctlConfig, Vec<ConfigError>) {
    match Settings::parse_str(text, "swanctl.conf") {
        Ok(s) => SwanctlConfig::from_settings(&s),
        Err(e) => panic!("{e}"),
    }
}

fn load_ok(text: &str) -> SwanctlConfig {
    let (c, errors) = load(text);
    assert!(errors.is_empty(), "{errors:?}");
    c
}

const NET2NET_PSK: &str = r#"
connections {
   gw-gw {
      local_addrs  = 192.168.0.1
      remote_addrs = 192.168.0.2
      local {
         auth = psk
         id = moon.strongswan.org
      }
      remote {
         auth = psk
         id = sun.strongswan.org
      }
      children {
         net-net {
            local_ts  = 10.1.0.0/16
            remote_ts = 10.2.0.0/16
            updown = /usr/local/libexec/ipsec/_updown iptables
            rekey_time = 5400
            rekey_bytes = 500000000
            rekey_packets = 1000000
            esp_proposals = aes128gcm128-x25519
         }
      }
      version = 2
      mobike = no
      reauth_time = 10800
      proposals = aes128-sha256-x25519
   }
}

secrets {
   ike-1 {
      id-1 = moon.strongswan.org
      secret = 0x45a30759df97dc26a15b88ff
   }
   ike-2 {
      id-2 = sun.strongswan.org
      secret = "This is a strong password"
   }
   ike-3 {
      id-3a = moon.strongswan.org
      id-3b =sun.strongswan.org
      secret = 0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL
   }
   ike-4 {
      secret = 'My "home" is my "castle"!'
   }
   ike-5 {
      id-5 = 192.168.0.1
      secret = "Andi's home"
   }
}
"#;

#[test]
fn the_net2net_psk_scenario_loads_completely() {
    let c = load_ok(NET2NET_PSK);
    assert_eq!(c.connections.len(), 1);
    let gw = &c.connections[0];
    assert_eq!(gw.name, "gw-gw");
    assert_eq!(gw.version, IkeVersion::V2);
    assert_eq!(gw.local_addrs, vec!["192.168.0.1"]);
    assert!(!gw.mobike);
    assert_eq!(gw.lifetime.reauth_time, 10800);
    assert_eq!(gw.lifetime.rekey_time, 0);
    assert_eq!(
        gw.proposals[0].to_string(),
        "IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519"
    );
    assert_eq!(gw.local[0].auth, Some(AuthMethod::Psk));
    assert_eq!(
        gw.remote[0].id.as_ref().map(Identity::as_str),
        Some("sun.strongswan.org")
    );
    let child = &gw.children[0];
    assert_eq!(child.name, "net-net");
    assert_eq!(
        child.updown.as_deref(),
        Some("/usr/local/libexec/ipsec/_updown iptables")
    );
    assert_eq!(child.lifetime.time.life, 5940);
    assert_eq!(child.lifetime.bytes.life, 550_000_000);
    assert_eq!(child.lifetime.packets.life, 1_100_000);
    assert_eq!(
        child.proposals[0].to_string(),
        "ESP:AES_GCM_16_128/CURVE_25519/NO_EXT_SEQ"
    );

    assert_eq!(c.secrets.len(), 5);
    let owners = |i: usize| match &c.secrets[i].kind {
        SecretKind::Shared { owners, .. } => owners.len(),
        _ => usize::MAX,
    };
    assert_eq!((owners(0), owners(2), owners(3)), (1, 2, 0));
    match &c.secrets[3].kind {
        // the settings grammar joins the words with one space
        SecretKind::Shared { data, .. } => {
            assert_eq!(data.expose(), b"'My home is my castle !'");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_keys_are_split_on_commas_as_swanctl_does() {
    let c = load_ok(
        "connections { c {\n remote_addrs = 10.0.0.1, moon.example ,10.0.0.0/8\n \
         proposals = aes128-sha256-x25519, aes256gcm16-prfsha384-ecp384\n \
         children { x { local_ts = 10.1.0.0/16, 10.3.0.0/16[tcp/80]\n } } } }\n",
    );
    let conn = &c.connections[0];
    assert_eq!(
        conn.remote_addrs,
        vec!["10.0.0.1", "moon.example", "10.0.0.0/8"]
    );
    assert_eq!(conn.proposals.len(), 2);
    assert_eq!(conn.children[0].local_ts.len(), 2);
}

#[test]
fn errors_name_file_line_column_key_and_connection() {
    let text = "connections {\n  good {\n    version = 2\n  }\n  bad {\n    version = 2\n    \
                children {\n      net {\n        mode = tunel\n      }\n    }\n    mobikee = no\n  }\n}\n";
    let (c, errors) = load(text);
    assert_eq!(c.connections.len(), 1);
    assert_eq!(c.connections[0].name, "good");
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "swanctl.conf:12:5: bad: unknown option: mobikee, config discarded",
            "swanctl.conf:9:9: bad: children.net: invalid value for: mode, config discarded",
        ]
    );
    assert_eq!(errors[0].conn(), Some("bad"));
    assert_eq!(errors[0].key(), Some("mobikee"));
    assert_eq!(errors[0].pos().line, 12);
    assert!(errors.iter().all(ConfigError::rejects));
}

#[test]
fn proposal_errors_carry_charons_reason() {
    let (c, errors) = load("connections { c { proposals = aes128-foo-x25519\n } }\n");
    assert!(c.connections.is_empty());
    assert_eq!(
        errors[0].to_string(),
        "swanctl.conf:1:19: c: invalid value for: proposals, config discarded \
         (algorithm 'foo' not recognized)"
    );
    assert_eq!(
        errors[0].errmsg(),
        "invalid value for: proposals, config discarded"
    );
}

#[test]
fn unset_keys_are_skipped_and_references_inherit() {
    let c = load_ok(
        "defaults { children { net { esp_proposals = default\n rekey_time = 30m\n } } mobike = no\n }\n\
         connections { c : defaults { mobike =\n children { net { rekey_time = 20m\n } } } }\n",
    );
    let conn = &c.connections[0];
    // `mobike =` unsets the inherited value: default yes
    assert!(conn.mobike);
    let net = &conn.children[0];
    assert_eq!(net.lifetime.time.rekey, 1200);
    // esp_proposals = default is CBC first in 5.9.8
    assert!(net.proposals[0].to_string().starts_with("ESP:AES_CBC_128"));
}

#[test]
fn other_top_level_sections_and_stray_keys_are_ignored() {
    let c = load_ok("foo { bar = 1 }\nconnections { stray = 1\n c { } }\nsecrets { x = 1 }\n");
    assert_eq!(c.connections.len(), 1);
    assert!(c.secrets.is_empty());
}

#[test]
fn secrets_authorities_and_pools_are_rejected_individually() {
    let (c, errors) = load(
        "secrets { ike-ok { secret = abc\n } ike-bad { id = x\n } }\n\
         authorities { ca { cacert = ca.pem\n crl_uris = http://a, http://b\n } noca { } }\n\
         pools { p { addrs = 10.3.0.0/24\n dns = 10.1.0.1, 10.1.0.2\n } q { addrs = nope\n } }\n",
    );
    assert_eq!(c.secrets.len(), 1);
    assert_eq!(c.authorities.len(), 1);
    assert_eq!(c.authorities[0].crl_uris, vec!["http://a", "http://b"]);
    assert_eq!(c.pools.len(), 1);
    assert_eq!(c.pools[0].attributes.len(), 2);
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "swanctl.conf:2:4: secrets.ike-bad: missing secret in 'ike-bad', ignored",
            "swanctl.conf:6:4: authorities.noca: CA certificate missing: noca",
            "swanctl.conf:9:8: pools.q: invalid addrs value: nope",
        ]
    );
}

#[test]
fn certificate_lists_become_file_blobs_or_decoded_literals() {
    let c = load_ok(
        "connections { c { local { certs = moonCert.pem, 0x0102\n pubkeys = /abs/key.pem\n } } }\n",
    );
    let local = &c.connections[0].local[0];
    assert_eq!(
        local.certs,
        vec![
            CertSource::Blob(Blob::File("moonCert.pem".into())),
            CertSource::Blob(Blob::Data(vec![1, 2])),
        ]
    );
    assert_eq!(local.pubkeys, vec![Blob::File("/abs/key.pem".into())]);
}

#[test]
fn list_key_names_are_split_case_insensitively_but_matched_exactly() {
    let (c, errors) = load("connections { c { Proposals = aes128-sha256-x25519\n } }\n");
    assert!(c.connections.is_empty());
    assert_eq!(
        errors[0].errmsg(),
        "unknown option: Proposals, config discarded"
    );
}

#[test]
fn hostile_child_values_never_panic() {
    // a few hostile values through every key of a child
    let keys = [
        "mode",
        "rekey_time",
        "life_bytes",
        "rand_packets",
        "mark_in",
        "set_mark_out",
        "if_id_in",
        "tfc_padding",
        "hw_offload",
        "start_action",
        "label",
        "replay_window",
    ];
    for key in keys {
        for value in [
            "",
            "\"\"",
            "-",
            "0x",
            "%",
            "99999999999999999999",
            "%unique/",
            "a|b",
        ] {
            let text =
                format!("connections {{ c {{ children {{ x {{ {key} = {value}\n }} }} }} }}\n");
            if let Ok(s) = Settings::parse_str(&text, "t") {
                let _ = SwanctlConfig::from_settings(&s);
            }
        }
    }
}

mod no_panics {
    use proptest::prelude::*;

    use super::super::{
        ConfNode, Identity, Proposal, ProtocolId, TrafficSelector, decode_base64, decode_hex,
        parse_action, parse_bytes, parse_connection, parse_if_id, parse_time, parse_u32,
        split_list,
    };
    use crate::settings::Pos;

    proptest! {
        #[test]
        fn value_parsers_never_panic(s in "\\PC{0,40}") {
            let _ = parse_u32(&s);
            let _ = parse_time(&s);
            let _ = parse_bytes(&s);
            let _ = parse_if_id(&s);
            let _ = parse_action(&s);
            let _ = decode_hex(&s);
            let _ = decode_base64(&s);
            let _ = split_list(&s);
        }

        #[test]
        fn structured_parsers_never_panic(s in "[-0-9a-fA-F:./\\[\\]%@#=, {}xX]{0,40}") {
            let _ = TrafficSelector::parse(&s);
            let _ = Identity::parse(&s);
            for p in [ProtocolId::IKE, ProtocolId::ESP, ProtocolId::AH] {
                let _ = Proposal::parse(p, &s);
            }
            let node = ConfNode::new("c", Pos::unknown())
                .with_str("dscp", &s)
                .with_list("local_addrs", &[&s])
                .with_child(ConfNode::new("local", Pos::unknown()).with_str("auth", &s).with_str("id", &s))
                .with_child(
                    ConfNode::new("children", Pos::unknown()).with_child(
                        ConfNode::new("x", Pos::unknown())
                            .with_str("mark_in", &s)
                            .with_list("remote_ts", &[&s]),
                    ),
                );
            let _ = parse_connection(&node);
        }
    }
}
