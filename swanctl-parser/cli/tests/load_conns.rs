//! Runs the swanctl binary against an in-test VICI stub and checks the
//! requests it sends and what it prints, for `--load-conns` (and the
//! credential part of `--load-all`).

use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Command, Output};
use std::thread;

use swanctl_parser::vici::{Message, Packet, read_frame, write_frame};

/// Serves one connection: records every packet and answers each request
/// with `reply(command)`.
fn serve(listener: UnixListener, reply: fn(&str) -> Message) -> thread::JoinHandle<Vec<Packet>> {
    thread::spawn(move || {
        let mut seen = Vec::new();
        let Ok((mut stream, _)) = listener.accept() else {
            return seen;
        };
        while let Ok(packet) = read_frame(&mut stream) {
            let response = match &packet {
                Packet::CmdRequest { command, .. } => Packet::CmdResponse(reply(command)),
                _ => Packet::EventConfirm,
            };
            seen.push(packet);
            if write_frame(&mut stream, &response).is_err() {
                break;
            }
        }
        seen
    })
}

fn run(dir: &Path, args: &[&str], reply: fn(&str) -> Message) -> (Output, Vec<Packet>) {
    let sock = dir.join("charon.vici");
    let listener = UnixListener::bind(&sock).expect("bind stub socket");
    let server = serve(listener, reply);
    let uri = format!("unix://{}", sock.display());
    let output = Command::new(env!("CARGO_BIN_EXE_swanctl"))
        .args(args)
        .args(["--uri", &uri])
        .env("STRONGSWAN_CONF", dir.join("none.conf"))
        .output()
        .expect("run swanctl");
    (output, server.join().expect("stub thread"))
}

fn request(command: &str, message: Message) -> Packet {
    Packet::request(command, message)
}

fn daemon(command: &str) -> Message {
    match command {
        "get-conns" => Message::new().with_list("conns", ["old", "gw"]),
        "get-keys" | "get-shared" => Message::new().with_list("keys", Vec::<&str>::new()),
        _ => Message::new().with_value("success", "yes"),
    }
}

#[test]
fn load_conns_sends_the_section_tree_and_unloads_leftovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("swanctl.conf");
    std::fs::write(
        &conf,
        "connections {\n  gw {\n    version = 2\n    local_addrs = 192.0.2.1, 10.0.0.1\n    \
         local { auth = psk\n id = a }\n    remote { auth = psk }\n    \
         children { net { local_ts = 10.1.0.0/24\n esp_proposals = aes128gcm16 } }\n  }\n}\n",
    )
    .expect("write config");
    let conf_arg = conf.to_str().expect("utf-8 path");
    let (output, packets) = run(dir.path(), &["--load-conns", "--file", conf_arg], daemon);

    let gw = Message::new()
        .with_value("version", "2")
        .with_list("local_addrs", ["192.0.2.1", "10.0.0.1"])
        .with_section(
            "local",
            Message::new()
                .with_value("auth", "psk")
                .with_value("id", "a"),
        )
        .with_section("remote", Message::new().with_value("auth", "psk"))
        .with_section(
            "children",
            Message::new().with_section(
                "net",
                Message::new()
                    .with_list("local_ts", ["10.1.0.0/24"])
                    .with_list("esp_proposals", ["aes128gcm16"]),
            ),
        );
    assert_eq!(
        packets,
        [
            request("get-conns", Message::new()),
            request("load-conn", Message::new().with_section("gw", gw)),
            request("unload-conn", Message::new().with_value("name", "old")),
        ]
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "loaded connection 'gw'\nsuccessfully loaded 1 connections, 1 unloaded\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn failed_load_conn_exits_with_einval() {
    fn refuse(command: &str) -> Message {
        match command {
            "load-conn" => Message::new()
                .with_value("success", "no")
                .with_value("errmsg", "invalid value"),
            other => daemon(other),
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("swanctl.conf");
    std::fs::write(&conf, "connections { gw { version = 2 } }\n").expect("write config");
    let conf_arg = conf.to_str().expect("utf-8 path");
    let (output, _) = run(dir.path(), &["-c", "-f", conf_arg], refuse);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "loading connection 'gw' failed: invalid value\n\
         loaded 0 of 1 connections, 1 failed to load, 1 unloaded\n"
    );
    assert_eq!(output.status.code(), Some(22));
}

#[test]
fn load_creds_sends_keys_reencoded_and_secrets_decoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ecdsa = dir.path().join("ecdsa");
    std::fs::create_dir(&ecdsa).expect("mkdir");
    // SEC1 P-256 key without public key, with the curve parameters
    let key = "-----BEGIN EC PRIVATE KEY-----\n\
               MDECAQEEIG6Mjcffr3/eZRm5J9xdtIkAjAdYgxlGKO58TXvMyq86oAoGCCqGSM49AwEH\n\
               -----END EC PRIVATE KEY-----\n";
    std::fs::write(ecdsa.join("k.pem"), key).expect("write key");
    let conf = dir.path().join("swanctl.conf");
    std::fs::write(
        &conf,
        "secrets { ike-1 { id = a\n id-2 = b\n secret = 0x0102 } }\n",
    )
    .expect("write config");
    let conf_arg = conf.to_str().expect("utf-8 path");
    let (output, packets) = run(dir.path(), &["--load-creds", "--file", conf_arg], daemon);
    let keys: Vec<&Packet> = packets
        .iter()
        .filter(|p| matches!(p, Packet::CmdRequest { command, .. } if command == "load-key"))
        .collect();
    assert_eq!(keys.len(), 1);
    let Packet::CmdRequest { message, .. } = keys[0] else {
        unreachable!()
    };
    assert_eq!(message.get_str("type"), Some("ECDSA"));
    let der = message.get_value("data").expect("data");
    assert_eq!(&der[..7], [0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20]);
    assert!(
        packets.contains(&request(
            "load-shared",
            Message::new()
                .with_value("id", "ike-1")
                .with_value("type", "ike")
                .with_value("data", vec![1u8, 2])
                .with_list("owners", ["a", "b"]),
        ))
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("loaded ECDSA key from '"), "{stdout}");
    assert!(stdout.ends_with("loaded ike secret 'ike-1'\n"), "{stdout}");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn usage_errors_and_connect_failures() {
    let out = Command::new(env!("CARGO_BIN_EXE_swanctl"))
        .args(["--load-conns", "--uri", "unix:///nonexistent/charon.vici"])
        .output()
        .expect("run swanctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(
        "connecting to 'unix:///nonexistent/charon.vici' failed: No such file or directory\n\
         Error: connecting to 'unix:///nonexistent/charon.vici' URI failed: No such file or directory\n\
         strongSwan 5.9.8 swanctl\nusage:\n  swanctl --load-conns [--raw|--pretty]\n"
    ));
    assert_eq!(out.status.code(), Some(2));

    let out = Command::new(env!("CARGO_BIN_EXE_swanctl"))
        .arg("--load")
        .output()
        .expect("run swanctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("option '--load' is ambiguous; possibilities: '--load-all'"));
    assert!(stderr.contains("Error: invalid operation\n"));
    assert_eq!(out.status.code(), Some(1));

    let out = Command::new(env!("CARGO_BIN_EXE_swanctl"))
        .arg("--help")
        .output()
        .expect("run swanctl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("  swanctl --load-conns       (-c)  (re-)load connection configuration\n")
    );
    assert!(!stdout.contains("lint"));
    assert_eq!(out.status.code(), Some(0));
}
