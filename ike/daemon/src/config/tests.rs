use super::*;
use ike::config::{AuthClass, IdMatch};
use ike::wire::Identification;
use ike::wire::iana::IdType;
use swanctl_parser::config::SwanctlConfig;
use swanctl_parser::settings::Settings;

fn conns(text: &str) -> Vec<sw::Connection> {
    let settings = Settings::parse_str(text, "swanctl.conf").unwrap();
    let (config, errors) = SwanctlConfig::from_settings(&settings);
    assert!(errors.is_empty(), "{errors:?}");
    config.connections
}

const LAB: &str = r"connections {
  net {
    local_addrs = 192.0.2.1
    remote_addrs = 192.0.2.2, 192.0.2.0/24
    proposals = aes128-sha256-x25519
    encap = yes
    rekey_time = 30s
    local { auth = psk
            id = a.lab.test }
    remote { auth = psk
             id = *.lab.test }
    children {
      net {
        local_ts = 10.1.0.0/24
        remote_ts = 10.2.0.0/24[tcp/80]
        esp_proposals = aes128gcm16-x25519
        rekey_time = 8s
        start_action = start
      }
    }
  }
}
";

#[test]
fn a_lab_connection_converts_with_charons_defaults() {
    let loaded = convert(&conns(LAB), Path::new(".")).unwrap();
    let c = &loaded.configs[0];
    let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    assert_eq!(c.local_addrs, [AddrMatch::addr(a)]);
    assert!(c.remote_addrs[1].contains(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77))));
    assert_eq!(c.local.id, Some(Identification::fqdn("a.lab.test")));
    assert_eq!(c.local.class, AuthClass::Psk);
    assert_eq!(
        c.remote.id,
        IdMatch::Suffix(IdType::FQDN, b".lab.test".to_vec())
    );
    assert!(c.encap);
    assert_eq!(c.lifetime.rekey_time, Duration::from_secs(30));
    assert_eq!(c.lifetime.over_time, Duration::from_secs(3));
    let child = &c.children[0];
    assert_eq!(child.lifetime.time.rekey, 8);
    assert_eq!(child.lifetime.time.life, 8 * 110 / 100);
    assert_eq!(child.remote_ts[0].protocol, 6);
    assert_eq!(
        (child.remote_ts[0].from_port, child.remote_ts[0].to_port),
        (80, 80)
    );
    assert_eq!(loaded.bind, [a]);
    assert_eq!(
        loaded.starts,
        [Start {
            conn: "net".into(),
            child: "net".into(),
            local: Some(a),
            remote: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 500),
        }]
    );
}

#[test]
fn any_local_address_binds_the_wildcard_and_leaves_the_addresses_open() {
    let loaded = convert(
        &conns("connections { x { local { auth = psk } remote { auth = psk } } }"),
        Path::new("."),
    )
    .unwrap();
    assert!(loaded.bind.is_empty());
    assert!(loaded.configs[0].local_addrs.is_empty());
    assert!(loaded.configs[0].remote_addrs.is_empty());
    assert_eq!(loaded.configs[0].local.id, None);
    assert_eq!(loaded.configs[0].remote.id, IdMatch::Any);
    assert!(loaded.starts.is_empty());
}

#[test]
fn unsupported_entries_are_errors_at_their_position() {
    let text = "connections {\n  x {\n    version = 1\n    local { auth = eap-md5 }\n    remote { auth = psk }\n    children { c { mode = beet } }\n  }\n}\n";
    let errors = convert(&conns(text), Path::new(".")).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(
        shown[0].starts_with("swanctl.conf:2:3: x: IKEv1"),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with("swanctl.conf:4:5: x: local: only psk"),
        "{shown:?}"
    );
    assert!(
        shown[2].starts_with("swanctl.conf:6:16: x: children.c: mode Beet"),
        "{shown:?}"
    );
}
