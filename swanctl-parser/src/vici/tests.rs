//! Codec tests: byte fixtures from the VICI README in, bytes out; rejection
//! of every malformed shape; property round trips.

use std::io::Cursor;
use std::os::unix::net::UnixStream;
use std::thread;

use proptest::prelude::*;

use super::*;

/// The README's "Encoding example".
const README_EXAMPLE: &[u8] = &[
    3, 4, b'k', b'e', b'y', b'1', 0, 6, b'v', b'a', b'l', b'u', b'e', b'1', //
    1, 8, b's', b'e', b'c', b't', b'i', b'o', b'n', b'1', //
    1, 11, b's', b'u', b'b', b'-', b's', b'e', b'c', b't', b'i', b'o', b'n', //
    3, 4, b'k', b'e', b'y', b'2', 0, 6, b'v', b'a', b'l', b'u', b'e', b'2', //
    2,    //
    4, 5, b'l', b'i', b's', b't', b'1', //
    5, 0, 5, b'i', b't', b'e', b'm', b'1', //
    5, 0, 5, b'i', b't', b'e', b'm', b'2', //
    6,    //
    2,
];

fn readme_message() -> Message {
    Message::new().with_value("key1", "value1").with_section(
        "section1",
        Message::new()
            .with_section("sub-section", Message::new().with_value("key2", "value2"))
            .with_list("list1", ["item1", "item2"]),
    )
}

fn decode_err(bytes: &[u8]) -> DecodeError {
    match Message::decode(bytes) {
        Ok(m) => panic!("decoded {m:?} from {bytes:?}"),
        Err(e) => e,
    }
}

fn packet_err(bytes: &[u8]) -> DecodeError {
    match Packet::decode(bytes) {
        Ok(p) => panic!("decoded {p:?} from {bytes:?}"),
        Err(e) => e,
    }
}

#[test]
fn decodes_the_readme_example_into_the_readme_tree() {
    assert_eq!(Message::decode(README_EXAMPLE).unwrap(), readme_message());
}

#[test]
fn encodes_the_readme_tree_into_the_readme_bytes() {
    assert_eq!(readme_message().encode().unwrap(), README_EXAMPLE);
}

#[test]
fn decodes_the_readme_packet_examples() {
    let version = b"\x00\x07version";
    assert_eq!(
        Packet::decode(version).unwrap(),
        Packet::request("version", Message::new())
    );
    let register = b"\x03\x07list-sa";
    assert_eq!(
        Packet::decode(register).unwrap(),
        Packet::EventRegister("list-sa".into())
    );
    assert_eq!(Packet::decode(&[5]).unwrap(), Packet::EventConfirm);
}

#[test]
fn frames_the_readme_version_request_with_a_big_endian_length() {
    let mut out = Vec::new();
    write_frame(&mut out, &Packet::request("version", Message::new())).unwrap();
    assert_eq!(out, b"\x00\x00\x00\x09\x00\x07version");
    let mut confirm = Vec::new();
    write_frame(&mut confirm, &Packet::EventConfirm).unwrap();
    assert_eq!(confirm, [0, 0, 0, 1, 5]);
}

#[test]
fn round_trips_every_packet_type() {
    let msg = readme_message();
    let packets = [
        Packet::request("load-conn", msg.clone()),
        Packet::CmdResponse(msg.clone()),
        Packet::CmdUnknown,
        Packet::EventRegister("log".into()),
        Packet::EventUnregister("log".into()),
        Packet::EventConfirm,
        Packet::EventUnknown,
        Packet::event("list-sa", msg),
    ];
    for (code, packet) in packets.iter().enumerate() {
        let bytes = packet.encode().unwrap();
        assert_eq!(usize::from(bytes[0]), code);
        assert_eq!(&Packet::decode(&bytes).unwrap(), packet);
        assert_eq!(Packet::decode(&bytes).unwrap().encode().unwrap(), bytes);
        let mut framed = Vec::new();
        write_frame(&mut framed, packet).unwrap();
        assert_eq!(&read_frame(&mut Cursor::new(framed)).unwrap(), packet);
    }
}

#[test]
fn keeps_duplicate_keys_in_order_and_reencodes_them_verbatim() {
    let bytes = [
        3, 1, b'a', 0, 1, b'1', 3, 1, b'b', 0, 0, 3, 1, b'a', 0, 1, b'2',
    ];
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(msg.len(), 3);
    assert_eq!(msg.get_str("a"), Some("1"));
    assert_eq!(msg.items()[2], ("a".to_owned(), Item::Value(b"2".to_vec())));
    assert_eq!(msg.encode().unwrap(), bytes);
}

#[test]
fn accepts_empty_messages_lists_sections_names_and_values() {
    let bytes = [4, 0, 6, 1, 0, 2, 3, 0, 0, 0];
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(msg.get_list(""), Some(&[][..]));
    assert_eq!(msg.encode().unwrap(), bytes);
    assert_eq!(Message::decode(&[]).unwrap(), Message::new());
}

#[test]
fn looks_up_values_lists_sections_and_paths() {
    let msg = readme_message();
    assert_eq!(msg.get_value("key1"), Some(&b"value1"[..]));
    assert_eq!(msg.get_str("section1"), None);
    let section = msg.get_section("section1").unwrap();
    assert_eq!(
        section.get_list("list1").unwrap(),
        [b"item1".to_vec(), b"item2".to_vec()]
    );
    assert_eq!(
        msg.find(&["section1", "sub-section", "key2"]),
        Some(&Item::Value(b"value2".to_vec()))
    );
    assert_eq!(msg.find(&["nope", "key2"]), None);
    assert_eq!(msg.get_str("missing"), None);
}

#[test]
fn rejects_a_message_truncated_inside_any_element() {
    // Cut inside "key1" name, its value length, its value, a section name,
    // and a list item.
    let cases: [(usize, &str); 6] = [
        (1, "key name length"),
        (3, "key name"),
        (6, "value length"),
        (10, "value"),
        (17, "section name"),
        (73, "list item value"),
    ];
    for (len, what) in cases {
        let err = decode_err(&README_EXAMPLE[..len]);
        assert_eq!(
            err.kind,
            DecodeErrorKind::Truncated { what },
            "cut at {len}"
        );
    }
}

#[test]
fn rejects_a_packet_truncated_in_its_header_or_name() {
    assert_eq!(
        packet_err(&[]).kind,
        DecodeErrorKind::Truncated {
            what: "packet type"
        }
    );
    assert_eq!(
        packet_err(&[0]).kind,
        DecodeErrorKind::Truncated {
            what: "command name length"
        }
    );
    assert_eq!(
        packet_err(b"\x03\x07list").kind,
        DecodeErrorKind::Truncated { what: "event name" }
    );
}

#[test]
fn reports_offsets_of_message_errors_relative_to_the_packet() {
    let err = packet_err(b"\x00\x01x\x03\x01");
    assert_eq!(
        err,
        DecodeError {
            offset: 5,
            kind: DecodeErrorKind::Truncated { what: "key name" }
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid VICI encoding at byte 5: truncated key name"
    );
}

#[test]
fn rejects_unbalanced_sections() {
    let extra_end = [3, 1, b'k', 0, 0, 2];
    assert_eq!(
        decode_err(&extra_end),
        DecodeError {
            offset: 5,
            kind: DecodeErrorKind::UnbalancedSectionEnd
        }
    );
    let unclosed = [1, 1, b'a', 1, 1, b'b', 2];
    assert_eq!(
        decode_err(&unclosed).kind,
        DecodeErrorKind::UnclosedSection { depth: 1 }
    );
}

#[test]
fn rejects_nested_lists_and_non_items_inside_lists() {
    let nested = [4, 1, b'a', 4, 1, b'b', 6, 6];
    assert_eq!(
        decode_err(&nested).kind,
        DecodeErrorKind::ElementInList {
            element: "list-start"
        }
    );
    let key_in_list = [4, 1, b'a', 3, 1, b'k', 0, 0, 6];
    assert_eq!(
        decode_err(&key_in_list).kind,
        DecodeErrorKind::ElementInList {
            element: "key-value"
        }
    );
    let section_in_list = [4, 1, b'a', 1, 1, b's', 2, 6];
    assert_eq!(
        decode_err(&section_in_list).kind,
        DecodeErrorKind::ElementInList {
            element: "section-start"
        }
    );
    let end_in_list = [1, 1, b's', 4, 1, b'a', 2, 6, 2];
    assert_eq!(
        decode_err(&end_in_list).kind,
        DecodeErrorKind::ElementInList {
            element: "section-end"
        }
    );
}

#[test]
fn rejects_list_items_and_list_ends_outside_lists_and_unclosed_lists() {
    assert_eq!(
        decode_err(&[5, 0, 0]).kind,
        DecodeErrorKind::ElementOutsideList {
            element: "list-item"
        }
    );
    assert_eq!(
        decode_err(&[6]).kind,
        DecodeErrorKind::ElementOutsideList {
            element: "list-end"
        }
    );
    assert_eq!(
        decode_err(&[4, 1, b'a', 5, 0, 0]).kind,
        DecodeErrorKind::UnclosedList
    );
}

#[test]
fn rejects_unknown_element_and_packet_types() {
    assert_eq!(
        decode_err(&[0]).kind,
        DecodeErrorKind::UnknownElementType(0)
    );
    assert_eq!(
        decode_err(&[3, 0, 0, 0, 7]),
        DecodeError {
            offset: 4,
            kind: DecodeErrorKind::UnknownElementType(7)
        }
    );
    assert_eq!(packet_err(&[8]).kind, DecodeErrorKind::UnknownPacketType(8));
    assert_eq!(
        packet_err(&[255, 0]).kind,
        DecodeErrorKind::UnknownPacketType(255)
    );
}

#[test]
fn rejects_names_that_are_not_utf8() {
    assert_eq!(
        decode_err(&[1, 2, b'a', 0xc3, 2]).kind,
        DecodeErrorKind::NameNotUtf8 {
            what: "section name"
        }
    );
    assert_eq!(
        packet_err(b"\x00\x02a\xff").kind,
        DecodeErrorKind::NameNotUtf8 {
            what: "command name"
        }
    );
}

/// strongSwan's swanctl sends `connections { ünïcödé { ... } }` as is; our
/// client must be able to send the same bytes, and charon's test for
/// printable names is left to the server.
#[test]
fn carries_non_ascii_and_control_character_names_both_ways() {
    let bytes = b"\x01\x0b\xc3\xbcn\xc3\xafc\xc3\xb6d\xc3\xa9\x03\x03a\nb\x00\x00\x02";
    let msg = Message::decode(bytes).unwrap();
    let section = msg.get_section("ünïcödé").unwrap();
    assert_eq!(section.get_value("a\nb"), Some(&b""[..]));
    assert_eq!(msg.encode().unwrap(), bytes);
    assert!(!msg.all_names_printable());
    assert!(readme_message().all_names_printable());
    assert_eq!(
        msg.canonical(),
        "\"\\u{fc}n\\u{ef}c\\u{f6}d\\u{e9}\" {\n  \"a\\nb\" = \"\"\n}\n"
    );
}

#[test]
fn rejects_trailing_bytes_after_packets_without_a_message() {
    for code in [2u8, 5, 6] {
        let err = packet_err(&[code, 0]);
        assert!(
            matches!(err.kind, DecodeErrorKind::TrailingData { .. }),
            "{code}: {err}"
        );
    }
    assert_eq!(
        packet_err(b"\x03\x03log\x00").kind,
        DecodeErrorKind::TrailingData {
            what: "EVENT_REGISTER"
        }
    );
}

fn nested(depth: usize) -> Message {
    let mut msg = Message::new().with_value("leaf", "x");
    for _ in 0..depth {
        msg = Message::new().with_section("s", msg);
    }
    msg
}

#[test]
fn accepts_sections_nested_up_to_the_depth_limit() {
    let bytes = nested(MAX_DEPTH).encode().unwrap();
    assert_eq!(Message::decode(&bytes).unwrap(), nested(MAX_DEPTH));
}

#[test]
fn rejects_sections_nested_deeper_than_the_limit_both_ways() {
    assert_eq!(
        nested(MAX_DEPTH + 1).encode(),
        Err(EncodeError::TooDeep { max: MAX_DEPTH })
    );
    let mut bytes = Vec::new();
    for _ in 0..=MAX_DEPTH {
        bytes.extend_from_slice(&[1, 1, b's']);
    }
    bytes.extend(std::iter::repeat_n(2, MAX_DEPTH + 1));
    let err = decode_err(&bytes);
    assert_eq!(
        err,
        DecodeError {
            offset: MAX_DEPTH * 3,
            kind: DecodeErrorKind::TooDeep { max: MAX_DEPTH }
        }
    );
}

#[test]
fn refuses_to_encode_names_and_values_that_do_not_fit_their_length_fields() {
    let long_name = "n".repeat(256);
    assert_eq!(
        Message::new().with_value(long_name.clone(), "v").encode(),
        Err(EncodeError::NameTooLong {
            what: "key name",
            name_len: 256
        })
    );
    assert!(
        Message::new()
            .with_value("n".repeat(255), "v")
            .encode()
            .is_ok()
    );
    assert_eq!(
        Message::new().with_list("l", [vec![0u8; 65536]]).encode(),
        Err(EncodeError::ValueTooLong {
            key: "l".into(),
            len: 65536
        })
    );
    assert!(
        Message::new()
            .with_value("k", vec![0u8; 65535])
            .encode()
            .is_ok()
    );
    assert!(matches!(
        Packet::request(long_name, Message::new()).encode(),
        Err(EncodeError::NameTooLong {
            what: "command name",
            ..
        })
    ));
}

#[test]
fn refuses_to_encode_packets_larger_than_a_segment() {
    let mut big = Message::new();
    for i in 0..9 {
        big.push_value(format!("k{i}"), vec![b'x'; 65535]);
    }
    assert!(matches!(
        Packet::CmdResponse(big).encode(),
        Err(EncodeError::TooLarge {
            max: MAX_SEGMENT,
            ..
        })
    ));
}

#[test]
fn rejects_an_oversized_frame_before_reading_its_body() {
    let mut header = Cursor::new(((MAX_SEGMENT + 1) as u32).to_be_bytes().to_vec());
    assert!(matches!(
        read_segment(&mut header),
        Err(FrameError::TooLarge { len, .. }) if len as usize == MAX_SEGMENT + 1
    ));
    let mut huge = Cursor::new(u32::MAX.to_be_bytes().to_vec());
    assert!(matches!(
        read_frame(&mut huge),
        Err(FrameError::TooLarge { .. })
    ));
}

#[test]
fn accepts_a_frame_of_exactly_the_maximum_size() {
    let mut data = vec![0u8; 4 + MAX_SEGMENT];
    data[..4].copy_from_slice(&(MAX_SEGMENT as u32).to_be_bytes());
    assert_eq!(
        read_segment(&mut Cursor::new(data)).unwrap().len(),
        MAX_SEGMENT
    );
}

#[test]
fn tells_a_clean_close_from_a_stream_cut_inside_a_frame() {
    assert!(matches!(
        read_frame(&mut Cursor::new(Vec::new())),
        Err(FrameError::Closed)
    ));
    let cut_header = Cursor::new(vec![0, 0]);
    assert!(
        matches!(read_frame(&mut cut_header.clone()), Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof)
    );
    let cut_body = Cursor::new(vec![0, 0, 0, 9, 0, 7, b'v']);
    assert!(
        matches!(read_frame(&mut cut_body.clone()), Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof)
    );
    let empty = Cursor::new(vec![0, 0, 0, 0]);
    assert!(matches!(
        read_frame(&mut empty.clone()),
        Err(FrameError::Decode(_))
    ));
}

// --- dumps -------------------------------------------------------------

#[test]
fn dumps_raw_like_strongswan_on_one_line() {
    let msg = readme_message();
    assert_eq!(
        msg.vici_dump("list-sa event", false),
        "list-sa event {key1=value1 section1 {sub-section {key2=value2} list1=[item1 item2]}}\n"
    );
    assert_eq!(
        Message::new().vici_dump("list-sas reply", false),
        "list-sas reply {}\n"
    );
}

#[test]
fn dumps_pretty_like_strongswan_with_two_space_indents() {
    let expected = "\
version reply {
  key1 = value1
  section1 {
    sub-section {
      key2 = value2
    }
    list1 = [
      item1
      item2
    ]
  }
}
";
    assert_eq!(readme_message().vici_dump("version reply", true), expected);
    assert_eq!(Message::new().vici_dump("x", true), "x {\n}\n");
}

#[test]
fn dumps_binary_values_as_lowercase_hex_and_empty_values_as_nothing() {
    let msg = Message::new()
        .with_value("bin", [0x00, 0xAB, 0x7f])
        .with_value("empty", "")
        .with_list("l", [&b"a b"[..], &[0x0a][..], &b""[..]]);
    assert_eq!(
        msg.vici_dump("r", false),
        "r {bin=0x00ab7f empty= l=[a b 0x0a ]}\n"
    );
}

#[test]
fn dumps_packets_canonically_one_element_per_line() {
    let packet = Packet::request(
        "load-conn",
        Message::new().with_section(
            "gw",
            Message::new()
                .with_value("version", "2")
                .with_list("local_addrs", ["192.0.2.1"])
                .with_value("secret", [0xde, 0xad])
                .with_value("quote", "say \"hi\" \\o/"),
        ),
    );
    let expected = "\
CMD_REQUEST load-conn
  gw {
    version = \"2\"
    local_addrs [
      \"192.0.2.1\"
    ]
    secret = 0xdead
    quote = \"say \\\"hi\\\" \\\\o/\"
  }
";
    assert_eq!(packet.canonical(), expected);
    assert_eq!(packet.to_string(), expected);
    assert_eq!(Packet::EventConfirm.canonical(), "EVENT_CONFIRM\n");
    assert_eq!(
        Packet::EventRegister("log".into()).canonical(),
        "EVENT_REGISTER log\n"
    );
}

#[test]
fn distinguishes_a_printable_value_from_hex_lookalikes_in_canonical_dumps() {
    let a = Message::new().with_value("k", "0x41");
    let b = Message::new().with_value("k", [0x41]);
    let c = Message::new().with_value("k", [0x01]);
    assert_eq!(a.canonical(), "k = \"0x41\"\n");
    assert_eq!(b.canonical(), "k = \"A\"\n");
    assert_eq!(c.canonical(), "k = 0x01\n");
}

// --- client ------------------------------------------------------------

/// Runs `server` on one end of a socket pair and a client on the other.
fn with_server<T>(
    server: impl FnOnce(&mut UnixStream) + Send + 'static,
    client: impl FnOnce(&mut Client) -> T,
) -> T {
    let (a, mut b) = UnixStream::pair().unwrap();
    let handle = thread::spawn(move || server(&mut b));
    let mut c = Client::from_unix_stream(a);
    let out = client(&mut c);
    drop(c);
    handle.join().unwrap();
    out
}

#[test]
fn client_returns_the_response_and_hands_streamed_events_to_the_callback() {
    let (response, events) = with_server(
        |s| {
            let req = read_frame(s).unwrap();
            assert_eq!(
                req,
                Packet::request("list-sas", Message::new().with_value("noblock", "yes"))
            );
            write_frame(
                s,
                &Packet::event("list-sa", Message::new().with_value("n", "1")),
            )
            .unwrap();
            write_frame(
                s,
                &Packet::event("list-sa", Message::new().with_value("n", "2")),
            )
            .unwrap();
            write_frame(s, &Packet::CmdResponse(Message::new())).unwrap();
        },
        |c| {
            let mut events = Vec::new();
            let response = c
                .request_with_events(
                    "list-sas",
                    &Message::new().with_value("noblock", "yes"),
                    |e| {
                        events.push(e.message.get_str("n").unwrap().to_owned());
                    },
                )
                .unwrap();
            (response, events)
        },
    );
    assert_eq!(response, Message::new());
    assert_eq!(events, ["1", "2"]);
}

#[test]
fn client_queues_events_during_plain_requests_and_registrations() {
    let events = with_server(
        |s| {
            assert_eq!(read_frame(s).unwrap(), Packet::EventRegister("log".into()));
            write_frame(
                s,
                &Packet::event("log", Message::new().with_value("msg", "a")),
            )
            .unwrap();
            write_frame(s, &Packet::EventConfirm).unwrap();
            assert!(matches!(read_frame(s).unwrap(), Packet::CmdRequest { .. }));
            write_frame(
                s,
                &Packet::event("log", Message::new().with_value("msg", "b")),
            )
            .unwrap();
            write_frame(
                s,
                &Packet::CmdResponse(Message::new().with_value("success", "yes")),
            )
            .unwrap();
            write_frame(
                s,
                &Packet::event("log", Message::new().with_value("msg", "c")),
            )
            .unwrap();
        },
        |c| {
            c.register("log").unwrap();
            let reply = c.request("reload-settings", &Message::new()).unwrap();
            assert_eq!(reply.get_str("success"), Some("yes"));
            let mut names: Vec<_> = c.take_events().into_iter().map(|e| e.message).collect();
            names.push(c.next_event().unwrap().message);
            names
        },
    );
    let msgs: Vec<_> = events.iter().map(|m| m.get_str("msg").unwrap()).collect();
    assert_eq!(msgs, ["a", "b", "c"]);
}

#[test]
fn client_reports_unknown_commands_and_events_as_typed_errors() {
    with_server(
        |s| {
            read_frame(s).unwrap();
            write_frame(s, &Packet::CmdUnknown).unwrap();
            read_frame(s).unwrap();
            write_frame(s, &Packet::EventUnknown).unwrap();
            read_frame(s).unwrap();
            write_frame(s, &Packet::EventConfirm).unwrap();
        },
        |c| {
            assert!(
                matches!(c.request("nope", &Message::new()), Err(ClientError::UnknownCommand(n)) if n == "nope")
            );
            assert!(matches!(c.register("nope"), Err(ClientError::UnknownEvent(n)) if n == "nope"));
            assert!(matches!(
                c.request("version", &Message::new()),
                Err(ClientError::UnexpectedPacket {
                    expected: "CMD_RESPONSE",
                    got: "EVENT_CONFIRM"
                })
            ));
        },
    );
}

#[test]
fn client_reports_a_closed_connection() {
    with_server(
        |s| {
            read_frame(s).unwrap();
        },
        |c| {
            assert!(matches!(
                c.request("version", &Message::new()),
                Err(ClientError::Frame(FrameError::Closed))
            ));
        },
    );
}

#[test]
fn client_connect_names_the_uri_on_failure() {
    let err = Client::connect("unix:///nonexistent/charon.vici").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("connecting to 'unix:///nonexistent/charon.vici' failed"),
        "{err}"
    );
    assert!(matches!(
        Client::connect("http://x"),
        Err(ClientError::Uri(_))
    ));
}

// --- properties ----------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[ -~]{0,10}", 1 => "\\PC{0,10}"]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..20)
}

fn message() -> impl Strategy<Value = Message> {
    let leaf_item = prop_oneof![
        value().prop_map(Item::Value),
        prop::collection::vec(value(), 0..4).prop_map(Item::List),
    ];
    let leaf = prop::collection::vec((name(), leaf_item), 0..5).prop_map(Message::from);
    leaf.prop_recursive(5, 64, 5, |inner| {
        let item = prop_oneof![
            value().prop_map(Item::Value),
            prop::collection::vec(value(), 0..4).prop_map(Item::List),
            inner.prop_map(Item::Section),
        ];
        prop::collection::vec((name(), item), 0..5).prop_map(Message::from)
    })
}

proptest! {
    #[test]
    fn any_message_survives_encode_then_decode(msg in message()) {
        let bytes = msg.encode().unwrap();
        let back = Message::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &msg);
        prop_assert_eq!(back.encode().unwrap(), bytes);
    }

    #[test]
    fn any_event_packet_survives_framing(name in "[ -~]{0,255}", msg in message()) {
        let packet = Packet::event(name, msg);
        let mut framed = Vec::new();
        write_frame(&mut framed, &packet).unwrap();
        prop_assert_eq!(read_frame(&mut Cursor::new(framed)).unwrap(), packet);
    }

    #[test]
    fn arbitrary_bytes_either_fail_or_reencode_identically(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(msg) = Message::decode(&bytes) {
            prop_assert_eq!(msg.encode().unwrap(), bytes.clone());
        }
        if let Ok(packet) = Packet::decode(&bytes) {
            prop_assert_eq!(packet.encode().unwrap(), bytes);
        }
    }

    #[test]
    fn every_prefix_of_a_valid_encoding_decodes_or_fails_cleanly(msg in message(), cut in any::<prop::sample::Index>()) {
        let bytes = msg.encode().unwrap();
        let cut = cut.index(bytes.len() + 1);
        if let Ok(prefix) = Message::decode(&bytes[..cut]) {
            prop_assert_eq!(prefix.encode().unwrap(), &bytes[..cut]);
        }
    }
}
