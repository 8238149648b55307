//! The recording VICI server against strongSwan's real swanctl 5.9.8, and
//! against our own VICI client.
//!
//! These tests need `/usr/sbin/swanctl` (strongSwan 5.9.8); they fail, not
//! skip, when it is missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use conformance::vici_recorder::{Pool, Recorder, RecorderHandle, Seed};
use swanctl_parser::vici::{Client, ClientError, Message};
use tempfile::TempDir;

const SWANCTL: &str = "/usr/sbin/swanctl";

const SWANCTL_CONF: &str = r#"
connections {
  gw {
    version = 2
    local_addrs = 192.0.2.1
    remote_addrs = 192.0.2.2
    proposals = aes128-sha256-x25519
    local {
      auth = psk
      id = a.test
    }
    remote {
      auth = psk
      id = b.test
    }
    children {
      net {
        local_ts = 10.1.0.0/24
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16-x25519
      }
    }
  }
}
secrets {
  ike-1 {
    id-a = a.test
    id-b = b.test
    secret = "s3cret"
  }
}
pools {
  pool1 {
    addrs = 10.3.0.0/24
    dns = 10.3.0.1, 10.3.0.2
  }
}
authorities {
  ca1 {
    cacert = ca.pem
    crl_uris = http://crl.test/ca.crl
  }
}
"#;

/// A swanctl directory: swanctl.conf plus a CA certificate and a private
/// key file. swanctl sends both files as they are, without parsing the
/// certificate and without being able to parse the key, so fixed dummy
/// contents keep the recorded log deterministic.
struct Setup {
    dir: TempDir,
}

impl Setup {
    fn new() -> Self {
        Self::with_conf(SWANCTL_CONF)
    }

    fn with_conf(conf: &str) -> Self {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let write = |path: &str, contents: &str| {
            fs::write(dir.path().join(path), contents).expect("writing a test file");
        };
        write("swanctl.conf", conf);
        for sub in ["x509ca", "private"] {
            fs::create_dir(dir.path().join(sub)).expect("creating a test directory");
        }
        write(
            "x509ca/ca.pem",
            "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n",
        );
        write(
            "private/key.pem",
            "-----BEGIN PRIVATE KEY-----\nMIIdummy\n-----END PRIVATE KEY-----\n",
        );
        Self { dir }
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("vici.sock")
    }

    fn uri(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("swanctl.conf")
    }

    fn start(&self, seed: Seed) -> RecorderHandle {
        Recorder::start(self.socket(), seed).expect("starting the recorder")
    }

    /// Runs the real swanctl with `args` plus `--uri` (and, for load
    /// commands, `--file`).
    fn swanctl(&self, args: &[&str]) -> Output {
        assert!(
            Path::new(SWANCTL).exists(),
            "{SWANCTL} (strongSwan 5.9.8 swanctl) is required for these tests; \
             install strongSwan's swanctl (Debian package strongswan-swanctl)"
        );
        let mut cmd = Command::new(SWANCTL);
        cmd.args(args).arg("--uri").arg(self.uri());
        if args.first().is_some_and(|a| a.starts_with("--load")) {
            cmd.arg("--file").arg(self.conf());
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("running {SWANCTL}: {e}"))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn seed_with_leftovers() -> Seed {
    Seed::new()
        .with_conn("old")
        .with_key("0a0b0c")
        .with_shared("old-secret")
        .with_authority("oldca")
        .with_pool("oldpool", "10.9.0.0/24")
}

#[test]
fn swanctl_load_all_sends_the_load_sequence_and_unloads_leftovers() {
    let setup = Setup::new();
    let recorder = setup.start(seed_with_leftovers());
    let out = setup.swanctl(&["--load-all", "--noprompt"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "swanctl failed: {}\n{}",
        stdout,
        text(&out.stderr)
    );

    assert_eq!(
        recorder.commands(),
        [
            "get-keys",
            "get-shared",
            "load-cert",
            "load-key",
            "load-shared",
            "unload-key",
            "unload-shared",
            "get-authorities",
            "load-authority",
            "unload-authority",
            "get-pools",
            "load-pool",
            "unload-pool",
            "get-conns",
            "load-conn",
            "unload-conn",
        ]
    );
    assert_eq!(recorder.connections(), 1);
    assert!(stdout.contains("loaded ike secret 'ike-1'"), "{stdout}");
    assert!(
        stdout.contains("successfully loaded 1 connections, 1 unloaded"),
        "{stdout}"
    );

    let state = recorder.state();
    assert_eq!(state.conns, ["gw"]);
    assert_eq!(state.shared, ["ike-1"]);
    assert_eq!(state.authorities, ["ca1"]);
    assert_eq!(state.keys.len(), 1);
    assert_eq!(
        state.pools,
        [Pool {
            name: "pool1".into(),
            base: "10.3.0.0".into(),
            size: 254
        }]
    );
}

#[test]
fn swanctl_load_conn_request_is_logged_in_canonical_form() {
    let setup = Setup::new();
    let recorder = setup.start(Seed::new());
    let out = setup.swanctl(&["--load-conns"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = recorder.stop();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0], "CMD_REQUEST get-conns\n");
    let expected = "\
CMD_REQUEST load-conn
  gw {
    version = \"2\"
    local_addrs [
      \"192.0.2.1\"
    ]
    remote_addrs [
      \"192.0.2.2\"
    ]
    proposals [
      \"aes128-sha256-x25519\"
    ]
    local {
      auth = \"psk\"
      id = \"a.test\"
    }
    remote {
      auth = \"psk\"
      id = \"b.test\"
    }
    children {
      net {
        local_ts [
          \"10.1.0.0/24\"
        ]
        remote_ts [
          \"10.2.0.0/24\"
        ]
        esp_proposals [
          \"aes128gcm16-x25519\"
        ]
      }
    }
  }
";
    assert_eq!(log[1], expected);
}

#[test]
fn swanctl_second_load_all_sees_the_state_of_the_first() {
    let setup = Setup::new();
    let recorder = setup.start(Seed::new());
    for _ in 0..2 {
        let out = setup.swanctl(&["--load-all", "--noprompt"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let commands = recorder.commands();
    let (first, second) = commands.split_at(commands.len() / 2);
    assert_eq!(first, second, "nothing to unload either time");
    assert!(
        !commands.iter().any(|c| c.starts_with("unload")),
        "{commands:?}"
    );
    assert_eq!(recorder.connections(), 2);
    // The recorded logs of the two runs are identical too.
    let log = recorder.log();
    let (a, b) = log.split_at(log.len() / 2);
    assert_eq!(a, b);
}

#[test]
fn swanctl_reports_an_injected_load_conn_failure_and_exits_nonzero() {
    let setup = Setup::new();
    let seed = Seed::new().failing(
        "load-conn",
        Some("gw"),
        Some("invalid value for: version, config discarded"),
    );
    let recorder = setup.start(seed);
    let out = setup.swanctl(&["--load-conns"]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "loading connection 'gw' failed: invalid value for: version, config discarded"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("loaded 0 of 1 connections, 1 failed to load, 0 unloaded"),
        "{stderr}"
    );
    assert!(recorder.state().conns.is_empty());
}

#[test]
fn swanctl_reports_charon_like_default_errors_for_failed_credentials() {
    let setup = Setup::new();
    let seed = Seed::new()
        .failing("load-shared", Some("ike-1"), None)
        .failing("load-key", None, None);
    let _recorder = setup.start(seed);
    let out = setup.swanctl(&["--load-creds", "--noprompt"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("loading shared secret failed: parsing shared key owners failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("parsing ANY private key failed"),
        "{stderr}"
    );
}

fn rich_reply() -> Message {
    Message::new()
        .with_value("daemon", "charon")
        .with_value("binary", [0x00, 0x01, 0xfe, 0xff])
        .with_value("empty", "")
        .with_list("plugins", ["aes", "sha2 with space", "x=y"])
        .with_list("none", Vec::<Vec<u8>>::new())
        .with_section(
            "outer",
            Message::new()
                .with_section("inner", Message::new().with_value("k", "v"))
                .with_section("empty", Message::new())
                .with_list("bin", [&[0x0a][..], b"ok"])
                .with_value("after", "list"),
        )
        .with_value("last", "x")
}

#[test]
fn vici_dump_matches_swanctl_raw_output_byte_for_byte() {
    let setup = Setup::new();
    let _recorder = setup.start(Seed::new().with_reply("version", rich_reply()));
    let out = setup.swanctl(&["--version", "--daemon", "--raw"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        rich_reply().vici_dump("version reply", false)
    );
}

#[test]
fn vici_dump_matches_swanctl_pretty_output_byte_for_byte() {
    let setup = Setup::new();
    let _recorder = setup.start(Seed::new().with_reply("version", rich_reply()));
    let out = setup.swanctl(&["--version", "--daemon", "--pretty"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        rich_reply().vici_dump("version reply", true)
    );
}

#[test]
fn vici_dump_matches_swanctl_raw_get_pools_reply() {
    let setup = Setup::new();
    let _recorder = setup.start(
        Seed::new()
            .with_pool("p1", "10.3.0.0/24")
            .with_pool("p2", "fec0::1-fec0::ff"),
    );
    let out = setup.swanctl(&["--list-pools", "--raw"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected = "get-pools reply {p1 {base=10.3.0.0 size=254 online=0 offline=0} \
                    p2 {base=fec0::1 size=255 online=0 offline=0}}\n";
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn our_client_talks_to_the_recorder() {
    let setup = Setup::new();
    let recorder = setup.start(Seed::new().with_conn("a"));
    let mut client = Client::connect(&setup.uri()).unwrap();
    client.register("log").unwrap();
    let conns = client.request("get-conns", &Message::new()).unwrap();
    assert_eq!(conns.get_list("conns").unwrap(), [b"a".to_vec()]);
    let unload = client
        .request("unload-conn", &Message::new().with_value("name", "a"))
        .unwrap();
    assert_eq!(unload.get_str("success"), Some("yes"));
    assert!(matches!(
        client.request("no-such-command", &Message::new()),
        Err(ClientError::UnknownCommand(_))
    ));
    client.close();
    assert_eq!(
        recorder.stop(),
        [
            "EVENT_REGISTER log\n",
            "CMD_REQUEST get-conns\n",
            "CMD_REQUEST unload-conn\n  name = \"a\"\n",
            "CMD_REQUEST no-such-command\n",
        ]
    );
}

#[test]
fn recorder_streams_seeded_events_to_registered_clients_only() {
    let setup = Setup::new();
    let log = |n: &str| Message::new().with_value("msg", n);
    let seed = Seed::new()
        .with_event(Some("initiate"), "control-log", log("one"))
        .with_event(Some("initiate"), "control-log", log("two"))
        .with_event(None, "log", log("hello"))
        .with_reply("initiate", Message::new().with_value("success", "yes"));
    let _recorder = setup.start(seed);

    let mut plain = Client::connect(&setup.uri()).unwrap();
    let (_, events) = plain
        .request_collecting("initiate", &Message::new())
        .unwrap();
    assert!(events.is_empty());
    plain.close();

    let mut client = Client::connect(&setup.uri()).unwrap();
    client.register("control-log").unwrap();
    let (reply, events) = client
        .request_collecting("initiate", &Message::new())
        .unwrap();
    assert_eq!(reply.get_str("success"), Some("yes"));
    let msgs: Vec<_> = events.iter().map(|e| e.message.get_str("msg")).collect();
    assert_eq!(msgs, [Some("one"), Some("two")]);
    assert!(events.iter().all(|e| e.name == "control-log"));
    client.register("log").unwrap();
    let event = client.next_event().unwrap();
    assert_eq!(
        (event.name.as_str(), event.message.get_str("msg")),
        ("log", Some("hello"))
    );
    client.close();
}

/// strongSwan's swanctl sends non-ASCII section names as they are; charon's
/// parser then fails the request.
#[test]
fn swanctl_non_ascii_conn_name_is_logged_and_refused_like_charon() {
    let setup = Setup::with_conf("connections {\n  ünïcödé {\n    version = 2\n  }\n}\n");
    let recorder = setup.start(Seed::new());
    let out = setup.swanctl(&["--load-conns"]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("loading connection 'ünïcödé' failed: parsing request failed"),
        "{stderr}"
    );
    assert_eq!(
        recorder.log()[1],
        "CMD_REQUEST load-conn\n  \"\\u{fc}n\\u{ef}c\\u{f6}d\\u{e9}\" {\n    version = \"2\"\n  }\n"
    );
    assert!(recorder.state().conns.is_empty());
}
