//! VICI decoding never panics, and whatever decodes re-encodes to the same
//! bytes and decodes again to the same value (packet, message and frame
//! layers). The text dumps must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swanctl_parser::vici::{MAX_SEGMENT, Message, Packet, read_frame};

fn check_message(message: &Message, data: &[u8]) {
    let bytes = message.encode().expect("a decoded message re-encodes");
    assert_eq!(bytes, data, "message encoding differs from its input");
    let again = Message::decode(&bytes).expect("a re-encoded message decodes");
    assert_eq!(&again, message, "message changed in decode→encode→decode");
    let _ = message.vici_dump("fuzz", false);
    let _ = message.vici_dump("fuzz", true);
    let _ = message.canonical();
}

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = Packet::decode(data) {
        if data.len() <= MAX_SEGMENT {
            let bytes = packet.encode().expect("a decoded packet re-encodes");
            assert_eq!(bytes, data, "packet encoding differs from its input");
            let again = Packet::decode(&bytes).expect("a re-encoded packet decodes");
            assert_eq!(again, packet, "packet changed in decode→encode→decode");
        }
        let _ = packet.canonical();
    }
    if let Ok(message) = Message::decode(data) {
        check_message(&message, data);
    }
    let mut stream = data;
    while let Ok(packet) = read_frame(&mut stream) {
        let _ = packet.canonical();
    }
});
