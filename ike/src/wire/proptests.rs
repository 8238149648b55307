//! Property tests: values survive emit → parse, and whatever bytes parse
//! are stable under parse → emit → parse, with emit only ever clearing
//! (reserved) bits of the input.

use core::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::prelude::*;

use super::fixtures::{IKE_SA_INIT_REQUEST, IKE_SA_INIT_RESPONSE};
use super::iana::*;
use super::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

fn attribute() -> impl Strategy<Value = Attribute> {
    let value = prop_oneof![
        any::<u16>().prop_map(AttributeValue::Tv),
        bytes(8).prop_map(AttributeValue::Tlv)
    ];
    (0_u16..0x8000, value).prop_map(|(ty, value)| Attribute {
        ty: TransformAttributeType(ty),
        value,
    })
}

fn transform() -> impl Strategy<Value = Transform> {
    (any::<u8>(), any::<u16>(), vec(attribute(), 0..3)).prop_map(|(ty, id, attributes)| Transform {
        ty: TransformType(ty),
        id,
        attributes,
    })
}

fn proposal() -> impl Strategy<Value = Proposal> {
    let spi = prop_oneof![Just(0_usize), Just(4), Just(8)].prop_flat_map(|n| vec(any::<u8>(), n));
    (any::<u8>(), any::<u8>(), spi, vec(transform(), 0..4)).prop_map(
        |(number, protocol, spi, transforms)| Proposal {
            number,
            protocol: ProtocolId(protocol),
            spi,
            transforms,
        },
    )
}

fn range<A: core::fmt::Debug + Clone>(
    addr: impl Strategy<Value = A> + Clone,
) -> impl Strategy<Value = IpRange<A>> {
    (any::<u8>(), any::<u16>(), any::<u16>(), addr.clone(), addr).prop_map(
        |(ip_protocol, start_port, end_port, start, end)| IpRange {
            ip_protocol,
            start_port,
            end_port,
            start,
            end,
        },
    )
}

fn selector() -> impl Strategy<Value = TrafficSelector> {
    let other_ty = any::<u8>().prop_filter("not an IP range", |t| *t != 7 && *t != 8);
    prop_oneof![
        range(any::<[u8; 4]>().prop_map(Ipv4Addr::from)).prop_map(TrafficSelector::Ipv4),
        range(any::<[u8; 16]>().prop_map(Ipv6Addr::from)).prop_map(TrafficSelector::Ipv6),
        (other_ty, any::<u8>(), bytes(12)).prop_map(|(ty, second_octet, body)| {
            TrafficSelector::Other {
                ty: TsType(ty),
                second_octet,
                body,
            }
        }),
    ]
}

fn delete() -> impl Strategy<Value = Delete> {
    let sized = (1_u8..=8)
        .prop_flat_map(|size| (Just(size), vec(vec(any::<u8>(), usize::from(size)), 0..4)));
    (any::<u8>(), prop_oneof![Just((0, vec![])), sized]).prop_map(|(protocol, (spi_size, spis))| {
        Delete {
            protocol: ProtocolId(protocol),
            spi_size,
            spis,
        }
    })
}

fn eap() -> impl Strategy<Value = Eap> {
    let method = (any::<u8>(), bytes(16)).prop_map(|(ty, data)| EapMethod {
        ty: EapType(ty),
        data,
    });
    (any::<u8>(), any::<u8>(), proptest::option::of(method)).prop_map(
        |(code, identifier, method)| Eap {
            code: EapCode(code),
            identifier,
            method,
        },
    )
}

fn configuration() -> impl Strategy<Value = Configuration> {
    let attr = (0_u16..0x8000, bytes(8)).prop_map(|(ty, value)| ConfigAttribute {
        ty: ConfigAttributeType(ty),
        value,
    });
    (any::<u8>(), vec(attr, 0..4)).prop_map(|(ty, attributes)| Configuration {
        ty: CfgType(ty),
        attributes,
    })
}

/// Payload types the codec does not interpret (and that do not end a chain).
fn unknown_type() -> impl Strategy<Value = PayloadType> {
    any::<u8>()
        .prop_map(PayloadType)
        .prop_filter("uninterpreted", |ty| {
            *ty != PayloadType::NONE && (ty.0 < 33 || ty.0 > 48) && *ty != PayloadType::SKF
        })
}

/// Any payload that may appear before the end of a chain.
fn plain_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        vec(proposal(), 0..3).prop_map(|proposals| Payload::Sa(SecurityAssociation { proposals })),
        (any::<u16>(), bytes(40)).prop_map(|(g, data)| Payload::Ke(KeyExchange {
            group: KeId(g),
            data
        })),
        (any::<u8>(), bytes(20)).prop_map(|(t, data)| Payload::IdI(Identification {
            ty: IdType(t),
            data
        })),
        (any::<u8>(), bytes(20)).prop_map(|(t, data)| Payload::IdR(Identification {
            ty: IdType(t),
            data
        })),
        (any::<u8>(), bytes(40)).prop_map(|(e, data)| Payload::Cert(Certificate {
            encoding: CertEncoding(e),
            data
        })),
        (any::<u8>(), bytes(40)).prop_map(|(e, authorities)| {
            Payload::CertReq(CertificateRequest {
                encoding: CertEncoding(e),
                authorities,
            })
        }),
        (any::<u8>(), bytes(40)).prop_map(|(m, data)| Payload::Auth(Authentication {
            method: AuthMethod(m),
            data
        })),
        vec(any::<u8>(), 16..64).prop_map(|n| Payload::Nonce(Nonce(n))),
        (any::<u8>(), bytes(9), any::<u16>(), bytes(24)).prop_map(|(p, spi, ty, data)| {
            Payload::Notify(Notify {
                protocol: ProtocolId(p),
                spi,
                ty: NotifyType(ty),
                data,
            })
        }),
        delete().prop_map(Payload::Delete),
        bytes(20).prop_map(|v| Payload::VendorId(VendorId(v))),
        vec(selector(), 0..3).prop_map(|ts| Payload::TsI(TrafficSelectors(ts))),
        vec(selector(), 0..3).prop_map(|ts| Payload::TsR(TrafficSelectors(ts))),
        configuration().prop_map(Payload::Cp),
        eap().prop_map(Payload::Eap),
        (unknown_type(), bytes(20)).prop_map(|(ty, body)| Payload::Unknown {
            ty,
            critical: false,
            body
        }),
    ]
}

/// SK or SKF, which end a chain.
fn encrypted_payload() -> impl Strategy<Value = Payload> {
    let first = any::<u8>().prop_map(PayloadType);
    let skf = (1_u16..=MAX_FRAGMENTS).prop_flat_map(|total| (1..=total, Just(total)));
    prop_oneof![
        (first.clone(), bytes(48))
            .prop_map(|(first_inner, body)| Payload::Sk(Encrypted { first_inner, body })),
        (first, skf, bytes(48)).prop_map(|(first_inner, (number, total), body)| {
            Payload::Skf(EncryptedFragment {
                first_inner,
                number,
                total,
                body,
            })
        }),
    ]
}

fn chain() -> impl Strategy<Value = Vec<Payload>> {
    (
        vec(plain_payload(), 0..6),
        proptest::option::of(encrypted_payload()),
    )
        .prop_map(|(mut c, sk)| {
            c.extend(sk);
            c
        })
}

fn message() -> impl Strategy<Value = Message> {
    let flags = (0_u8..8).prop_map(|bits| Flags(bits << 3));
    (
        any::<u64>(),
        any::<u64>(),
        any::<u8>(),
        flags,
        any::<u32>(),
        chain(),
    )
        .prop_map(
            |(spi_i, spi_r, exchange, flags, message_id, payloads)| Message {
                spi_i,
                spi_r,
                exchange: ExchangeType(exchange),
                flags,
                message_id,
                payloads,
            },
        )
}

/// parse → emit → parse is stable, emit is a fixpoint, and emit differs
/// from the input only by cleared bits.
fn assert_stable(input: &[u8], msg: &Message) {
    let bytes = msg.emit().expect("a parsed message emits");
    assert_eq!(bytes.len(), input.len());
    for (i, (out, inp)) in bytes.iter().zip(input).enumerate() {
        assert_eq!(out & !inp, 0, "emit set bits at offset {i}");
    }
    let again = Message::parse(&bytes).expect("emitted bytes parse");
    assert_eq!(&again, msg);
    assert_eq!(again.emit().expect("emit"), bytes);
}

proptest! {
    #[test]
    fn payload_chains_survive_emit_then_parse(chain in chain()) {
        let bytes = emit_payload_chain(&chain).unwrap();
        let parsed = parse_payload_chain(first_payload_type(&chain), &bytes).unwrap();
        prop_assert_eq!(parsed, chain);
    }

    #[test]
    fn messages_survive_emit_then_parse(msg in message()) {
        let bytes = msg.emit().unwrap();
        prop_assert_eq!(Message::parse(&bytes).unwrap(), msg);
    }

    #[test]
    fn mutated_captures_that_parse_are_stable(
        response in any::<bool>(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..5),
    ) {
        let mut input = if response { IKE_SA_INIT_RESPONSE.to_vec() } else { IKE_SA_INIT_REQUEST.to_vec() };
        for (at, value) in edits {
            let i = at.index(input.len());
            input[i] = value;
        }
        if let Ok(msg) = Message::parse(&input) {
            assert_stable(&input, &msg);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_round_trip_when_they_parse(input in bytes(300)) {
        if let Ok(msg) = Message::parse(&input) {
            assert_stable(&input, &msg);
        }
        if let Some((&first, rest)) = input.split_first()
            && let Ok(chain) = parse_payload_chain(PayloadType(first), rest)
        {
            let bytes = emit_payload_chain(&chain).unwrap();
            prop_assert_eq!(parse_payload_chain(PayloadType(first), &bytes).unwrap(), chain);
        }
    }
}
