#!/usr/bin/env python3
"""Writes the `seed` files of the listing configs (4[1-4]-list-*) for the
swanctl differential test: each is the `captured.seed` next to it (events
a real charon 5.9.8 sent, captured by `CYGNET_CAPTURE_DIR=... cargo test
-p conformance --test swanctl_cli_lists`) followed by crafted events that
reach the corners of swanctl's printers (states, optional keys, odd
values, certificate kinds). Needs python3-cryptography and the PyPI `vici`
package (for its message encoder). Run it from anywhere; it rewrites the
seeds in place.
"""

import datetime
import ipaddress
import os
from collections import OrderedDict as D

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from vici.protocol import Message

HERE = os.path.dirname(os.path.abspath(__file__))


def hexmsg(msg):
    return Message.serialize(msg).hex()


def event(trigger, name, msg):
    return f"event {trigger} {name} {hexmsg(msg)}\n"


def write_seed(config, lines):
    captured = os.path.join(HERE, config, "captured.seed")
    text = open(captured).read() if os.path.exists(captured) else ""
    with open(os.path.join(HERE, config, "seed"), "w") as f:
        f.write("# captured from charon 5.9.8, then crafted by gen_list_seeds.py\n")
        f.write(text + "".join(lines))


def list_sas():
    rekeying = D(
        [
            ("uniqueid", b"5"), ("version", b"2"), ("state", b"REKEYING"),
            ("local-host", b"fd00::1"), ("local-port", b"500"), ("local-id", b"C=CH, CN=a"),
            ("remote-host", b"fd00::2"), ("remote-port", b"4501"),
            ("remote-id", b"bad\x01id"), ("remote-xauth-id", b"xauth-user"),
            ("remote-eap-id", b"carol@strongswan.org"), ("initiator", b"no"),
            ("initiator-spi", b"0011223344556677"), ("responder-spi", b"8899aabbccddeeff"),
            ("nat-local", b"yes"), ("nat-fake", b"yes"),
            ("if-id-in", b"00000010"), ("if-id-out", b"00000011"),
            ("encr-alg", b"AES_GCM_16"), ("encr-keysize", b"256"),
            ("prf-alg", b"PRF_HMAC_SHA2_384"), ("dh-group", b"ECP_384"), ("ppk", b"yes"),
            ("established", b"100"), ("rekey-time", b"50"), ("reauth-time", b"200"),
            ("life-time", b"300"),
            ("local-vips", [b"10.3.0.1"]), ("remote-vips", [b"10.3.0.2", b"fd00::3:2"]),
            ("tasks-queued", [b"IKE_REKEY", b"CHILD_CREATE"]),
            ("tasks-active", [b"IKE_DELETE"]), ("tasks-passive", [b"CHILD_REKEY"]),
            ("other", D([("child-sas", D())])),
            ("child-sas", D([
                ("c-7", D([
                    ("name", b"c"), ("uniqueid", b"7"), ("reqid", b"4"), ("state", b"REKEYED"),
                    ("mode", b"TRANSPORT"), ("protocol", b"AH"),
                    ("spi-in", b"c0000001"), ("spi-out", b"c0000002"),
                    ("cpi-in", b"1234"), ("cpi-out", b"5678"),
                    ("mark-in", b"00000042"), ("mark-mask-in", b"ffffffff"),
                    ("mark-out", b"00000043"),
                    ("if-id-in", b"00000001"), ("if-id-out", b"00000002"),
                    ("label", b"73797374656d5f753a6f626a6563745f723a697073656300"),
                    ("integ-alg", b"HMAC_SHA2_256_128"), ("esn", b"1"),
                    ("bytes-in", b"1234567890"), ("packets-in", b"123456"), ("use-in", b"5"),
                    ("bytes-out", b"12"), ("packets-out", b"1"), ("use-out", b"123456"),
                    ("rekey-time", b"0"), ("life-time", b"10"), ("install-time", b"3590"),
                    ("local-ts", [b"10.1.0.0/24", b"10.1.1.0/24[tcp/http]"]),
                    ("remote-ts", [b"0.0.0.0/0"]),
                ])),
                ("c-8", D([
                    ("name", b"c"), ("uniqueid", b"8"), ("reqid", b"4"), ("state", b"REKEYING"),
                    ("mode", b"TUNNEL"), ("protocol", b"ESP"), ("encap", b"no"),
                    ("spi-in", b"c0000003"), ("spi-out", b"c0000004"),
                    ("if-id-out", b"00000009"),
                    ("encr-alg", b"AES_CBC"), ("integ-alg", b"HMAC_SHA1_96"),
                    ("integ-keysize", b"160"), ("prf-alg", b"PRF_HMAC_SHA1"),
                    ("dh-group", b"MODP_3072"),
                    ("bytes-in", b"0"), ("packets-in", b"0"),
                    ("bytes-out", b"0"), ("packets-out", b"0"),
                    ("install-time", b"1"), ("remote-ts", [b"\x00bad", b"::/0"]),
                ])),
            ])),
            ("after", b"ignored"),
        ]
    )
    connecting = D(
        [
            ("uniqueid", b"9"), ("version", b"1"), ("state", b"CONNECTING"),
            ("local-host", b"192.0.2.1"), ("local-port", b"500"), ("local-id", b"%any"),
            ("remote-host", b"192.0.2.9"), ("remote-port", b"500"), ("remote-id", b"%any"),
            ("initiator", b"yes"), ("initiator-spi", b"0102030405060708"),
            ("responder-spi", b"0000000000000000"),
            ("tasks-active", [b"ISAKMP_VENDOR", b"MAIN_MODE"]),
            ("child-sas", D()),
        ]
    )
    no_children = D([("uniqueid", b"10"), ("version", b"2"), ("state", b"DELETING")])
    return [
        event("list-sas", "list-sa", D([("top", b"level"), ("rk", rekeying)])),
        event("list-sas", "list-sa", D([("v1", connecting), ("gone", no_children)])),
        # not registered by swanctl: must not be printed
        event("list-sas", "list-conn", D([("x", D([("version", b"IKEv2")]))])),
    ]


def list_conns():
    auth = D(
        [
            ("class", b"EAP"), ("eap-type", b"TLS"), ("id", b"carol@strongswan.org"),
            ("ca_id", b"C=CH, CN=ca"), ("eap_id", b"carol"), ("xauth_id", b"x"),
            ("aaa_id", b"radius"), ("groups", [b"g1", b"g2"]), ("cert_policy", [b"1.2.3"]),
            ("certs", [b"C=CH, CN=carol"]), ("cacerts", [b"C=CH, CN=ca"]),
        ]
    )
    v2 = D(
        [
            ("local_addrs", [b"192.0.2.1", b"fd00::1"]), ("remote_addrs", [b"%any"]),
            ("version", b"IKEv2"), ("reauth_time", b"7200"), ("rekey_time", b"0"),
            ("unique", b"UNIQUE_REPLACE"), ("dpd_delay", b"10"), ("dpd_timeout", b"60"),
            ("ppk_id", b"ppk-1"), ("ppk_required", b"yes"),
            ("local-1", auth),
            ("remote-1", D([("class", b"EAP"), ("id", b"%any")])),
            ("remote-2", D([("id", b"\x02binary"), ("groups", [])])),
            ("children", D([
                ("pass", D([
                    ("mode", b"PASS"), ("rekey_time", b"3600"), ("rekey_bytes", b"0"),
                    ("rekey_packets", b"0"), ("dpd_action", b"restart"),
                    ("close_action", b"none"), ("local-ts", [b"dynamic"]),
                    ("remote-ts", [b"10.0.0.0/8", b"192.168.0.0/16"]),
                ])),
                ("volume", D([
                    ("mode", b"TUNNEL"), ("label", b"6c6162656c"), ("rekey_time", b"0"),
                    ("rekey_bytes", b"1000"), ("rekey_packets", b"20"),
                    ("dpd_action", b"clear"), ("close_action", b"trap"),
                    ("local-ts", [b"dynamic"]), ("remote-ts", [b"dynamic"]),
                    ("interface", b"eth0"), ("priority", b"100"),
                ])),
                ("nomode", D([("rekey_time", b"60"), ("rekey_packets", b"0")])),
            ])),
        ]
    )
    v1 = D(
        [
            ("local_addrs", []), ("remote_addrs", [b"10.9.9.9"]), ("version", b"IKEv1"),
            ("reauth_time", b"0"), ("rekey_time", b"3600"), ("unique", b"UNIQUE_NO"),
            ("ppk_required", b"no"),
            ("local-1", D([("class", b"pre-shared key"), ("id", b"v1")])),
            ("children", D([
                ("drop", D([
                    ("mode", b"drop"), ("rekey_time", b"3600"), ("rekey_bytes", b"0"),
                    ("rekey_packets", b"0"), ("local-ts", [b"0.0.0.0/0"]),
                    ("remote-ts", [b"0.0.0.0/0"]),
                ])),
            ])),
        ]
    )
    return [
        event("list-conns", "list-conn", D([("ikev2", v2)])),
        event("list-conns", "list-conn", D([("ikev1", v1), ("nothing", D())])),
    ]


def name(cn, o="Cygnet Seeds"):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def when(*args):
    return datetime.datetime(*args, tzinfo=datetime.timezone.utc)


def certs():
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = name("Seeds Root CA")
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(0x00FF01)
        .not_valid_before(when(2020, 1, 1)).not_valid_after(when(2060, 1, 1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=[x509.DNSName("strongswan.org"), x509.DirectoryName(name("x"))],
                excluded_subtrees=[x509.RFC822Name("bad.org")],
            ),
            critical=False,
        )
        .add_extension(x509.PolicyConstraints(require_explicit_policy=2, inhibit_policy_mapping=0), critical=True)
        .add_extension(x509.InhibitAnyPolicy(3), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)

    def leaf(key, subject, serial, nb, na, exts, signer=ca_key, issuer=ca_name):
        b = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(nb).not_valid_after(na)
        )
        for ext, crit in exts:
            b = b.add_extension(ext, critical=crit)
        algo = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
        return b.sign(signer, algo)

    p384 = ec.generate_private_key(ec.SECP384R1())
    ee = leaf(
        p384, name("moon.strongswan.org"), 0x0123456789ABCDEF01,
        when(2021, 6, 1, 12, 30, 45), when(2059, 12, 31, 23, 59, 59),
        [
            (x509.SubjectAlternativeName([
                x509.DNSName("moon.strongswan.org"), x509.RFC822Name("moon@strongswan.org"),
                x509.IPAddress(ipaddress.ip_address("192.0.2.1")),
                x509.IPAddress(ipaddress.ip_address("fd00::1")),
                x509.UniformResourceIdentifier("https://moon.strongswan.org/"),
                x509.DirectoryName(name("moon dir")),
            ]), False),
            (x509.KeyUsage(True, False, False, False, False, False, False, False, False), True),
            (x509.ExtendedKeyUsage([
                ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH,
                x509.ObjectIdentifier("1.3.6.1.5.5.8.2.2"),
            ]), False),
            (x509.CRLDistributionPoints([
                x509.DistributionPoint(
                    [x509.UniformResourceIdentifier("http://crl.strongswan.org/a.crl"),
                     x509.UniformResourceIdentifier("ldap://crl.strongswan.org/b")],
                    None, None, None),
                x509.DistributionPoint(
                    [x509.UniformResourceIdentifier("http://crl2.strongswan.org/c.crl")],
                    None, None, [x509.DirectoryName(ca_name)]),
            ]), False),
            (x509.AuthorityInformationAccess([
                x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.OCSP,
                                       x509.UniformResourceIdentifier("http://ocsp.strongswan.org")),
                x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                                       x509.UniformResourceIdentifier("http://ca.strongswan.org")),
            ]), False),
            (x509.CertificatePolicies([
                x509.PolicyInformation(x509.ObjectIdentifier("1.3.6.1.4.1.36906.1"),
                                       ["http://cps.strongswan.org"]),
                x509.PolicyInformation(x509.ObjectIdentifier("2.5.29.32.0"), None),
            ]), False),
            (aki, False),
        ],
    )
    ed = ed25519.Ed25519PrivateKey.generate()
    expired = leaf(ed, name("expired.strongswan.org"), 7, when(2010, 1, 1), when(2011, 2, 3), [
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
    ])
    p256 = ec.generate_private_key(ec.SECP256R1())
    future = leaf(p256, name("future"), 8, when(2099, 1, 1), when(2100, 1, 1), [])
    selfsigned = leaf(ed, name("self"), 1, when(2020, 1, 1), when(2050, 1, 1), [
        (x509.BasicConstraints(ca=False, path_length=None), False),
    ], signer=ed, issuer=name("self"))
    critical = leaf(p256, name("critical"), 9, when(2020, 1, 1), when(2050, 1, 1), [
        (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.36906.99"), b"\x05\x00"), True),
    ])
    noncritical = leaf(p256, name("noncritical"), 10, when(2020, 1, 1), when(2050, 1, 1), [
        (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.36906.99"), b"\x05\x00"), False),
    ])
    curves = [
        leaf(ec.generate_private_key(c), name(f"curve {c.name}"), 20 + i,
             when(2020, 1, 1), when(2050, 1, 1), [])
        for i, c in enumerate([ec.SECP521R1(), ec.SECP256K1(), ec.BrainpoolP384R1(), ec.SECP224R1()])
    ]
    ed448_key = ed448.Ed448PrivateKey.generate()
    ed448_cert = leaf(ed448_key, name("ed448"), 30, when(2020, 1, 1), when(2050, 1, 1), [])
    dsa_key = dsa.generate_private_key(key_size=2048)
    dsa_cert = leaf(dsa_key, name("dsa"), 31, when(2020, 1, 1), when(2050, 1, 1), [])
    def tlv(tag, value):
        n = len(value)
        head = bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xff])
        return bytes([tag]) + head + value

    seq = lambda *parts: tlv(0x30, b"".join(parts))
    rfc3779 = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.7")
    blocks = seq(
        seq(tlv(0x04, b"\x00\x01"), seq(
            tlv(0x03, b"\x00\x0a"),
            tlv(0x03, b"\x04\xc0\xa8\x10"),
            seq(tlv(0x03, b"\x00\x0a\x00\x00\x01"), tlv(0x03, b"\x00\x0a\x00\x00\x05")),
        )),
        seq(tlv(0x04, b"\x00\x02"), seq(tlv(0x03, b"\x00\xfd\x00"))),
        seq(tlv(0x04, b"\x00\x02"), tlv(0x05, b"")),
    )
    delegated = leaf(p256, name("delegated"), 40, when(2020, 1, 1), when(2050, 1, 1), [
        (x509.UnrecognizedExtension(rfc3779, blocks), True),
        (x509.KeyUsage(False, False, True, False, False, False, False, False, False), False),
    ])
    def integer(n):
        return tlv(0x02, n.to_bytes((n.bit_length() + 8) // 8, "big"))

    def gtime(t):
        return tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())

    def oid_body(dotted):
        parts = [int(p) for p in dotted.split(".")]
        out = bytes([parts[0] * 40 + parts[1]])
        for p in parts[2:]:
            chunk = [p & 0x7f]
            p >>= 7
            while p:
                chunk.insert(0, 0x80 | (p & 0x7f))
                p >>= 7
            out += bytes(chunk)
        return out

    dn_der = lambda n: n.public_bytes()
    sha256_rsa = seq(tlv(0x06, oid_body("1.2.840.113549.1.1.11")), b"\x05\x00")

    def attribute_cert(holder, issuer_names, serial, groups, version=1, aki_ext=True):
        ietf = seq(seq(*groups))
        attrs = seq(seq(tlv(0x06, oid_body("1.3.6.1.5.5.7.10.4")), tlv(0x31, ietf)))
        aki_der = seq(tlv(0x80, ski.digest))
        exts = seq(seq(tlv(0x06, oid_body("2.5.29.35")), tlv(0x04, aki_der))) if aki_ext else b""
        info = seq(
            integer(version),
            holder,
            tlv(0xa0, issuer_names),
            sha256_rsa,
            integer(serial),
            seq(gtime(when(2024, 2, 3, 4, 5, 6)), gtime(when(2058, 1, 1))),
            attrs,
            exts,
        )
        return seq(info, sha256_rsa, tlv(0x03, b"\x00" + bytes(16)))

    gn_dn = lambda n: tlv(0xa4, dn_der(n))
    holder_base = seq(tlv(0xa0, seq(gn_dn(ca_name)) + integer(0x0123456789ABCDEF01)))
    holder_entity = seq(tlv(0xa1, gn_dn(name("carol")) + tlv(0x82, b"carol.strongswan.org")))
    ac_groups = [tlv(0x0c, b"research"), tlv(0x06, oid_body("1.3.6.1.4.1.36906.7")),
                 tlv(0x04, b"\x01\x02"), tlv(0x0c, b"bad\x01"), tlv(0x0c, b"sales")]
    acs = [
        attribute_cert(holder_base, seq(gn_dn(ca_name)), 0x0a, ac_groups),
        attribute_cert(holder_entity, seq(gn_dn(ca_name)), 0x0b, ac_groups[:1]),
        attribute_cert(holder_entity, seq(gn_dn(ca_name)), 0x0d, ac_groups[:1], aki_ext=False),
        attribute_cert(holder_base, seq(gn_dn(ca_name)), 0x0c, ac_groups, version=0),
    ]
    crl = (
        x509.CertificateRevocationListBuilder().issuer_name(ca_name)
        .last_update(when(2024, 1, 1)).next_update(when(2059, 1, 1))
        .add_extension(x509.CRLNumber(0x0102), False)
        .add_extension(aki, False)
        .add_extension(x509.FreshestCRL([
            x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://crl.strongswan.org/delta1.crl"),
                 x509.UniformResourceIdentifier("http://crl.strongswan.org/delta2.crl")],
                None, None, [x509.DirectoryName(ca_name)]),
        ]), False)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(7).revocation_date(when(2010, 6, 1))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), False).build())
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(0x80).revocation_date(when(2011, 6, 1)).build())
        .sign(ca_key, hashes.SHA256())
    )
    expired_crl = (
        x509.CertificateRevocationListBuilder().issuer_name(ca_name)
        .last_update(when(2015, 1, 1)).next_update(when(2016, 1, 1))
        .add_extension(x509.DeltaCRLIndicator(0x0101), False)
        .sign(ca_key, hashes.SHA256())
    )
    def ocsp_response(cert, status, by, next_update, reason=None):
        revoked = status == ocsp.OCSPCertStatus.REVOKED
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=ca, algorithm=hashes.SHA1(), cert_status=status,
            this_update=when(2024, 1, 1), next_update=next_update,
            revocation_time=when(2023, 5, 6, 7, 8, 9) if revoked else None,
            revocation_reason=reason,
        ).responder_id(by, ca)
        return builder.sign(ca_key, hashes.SHA256())

    good = ocsp_response(ee, ocsp.OCSPCertStatus.GOOD, ocsp.OCSPResponderEncoding.HASH,
                         when(2059, 1, 1))
    revoked = ocsp_response(expired, ocsp.OCSPCertStatus.REVOKED,
                            ocsp.OCSPResponderEncoding.NAME, None,
                            x509.ReasonFlags.superseded)
    unknown = ocsp_response(future, ocsp.OCSPCertStatus.UNKNOWN,
                            ocsp.OCSPResponderEncoding.NAME, when(2060, 1, 1))
    try_later = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
    der = lambda c: c.public_bytes(serialization.Encoding.DER)
    spki = lambda k: k.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def cert(ty, data, flag=None, privkey=False, extra=()):
        m = D([("type", ty)])
        if flag:
            m["flag"] = flag
        if privkey:
            m["has_privkey"] = b"yes"
        m["data"] = data
        for k, v in extra:
            m[k] = v
        return event("list-certs", "list-cert", m)

    return [
        cert(b"X509", der(ee), b"NONE", privkey=True),
        cert(b"X509", der(expired), b"NONE"),
        cert(b"x509", der(future), b"none"),
        cert(b"X509", der(selfsigned), b"NONE"),
        cert(b"X509", der(ca), b"CA"),
        cert(b"X509", der(expired), b"OCSP"),
        cert(b"X509", der(ca), b"ANY"),
        cert(b"X509_CRL", der(crl)),
        cert(b"X509_CRL", der(expired_crl)),
        *[cert(b"X509_AC", ac) for ac in acs],
        cert(b"OCSP_RESPONSE", der(good)),
        cert(b"OCSP_RESPONSE", der(revoked)),
        cert(b"OCSP_RESPONSE", der(unknown)),
        cert(b"OCSP_RESPONSE", der(try_later)),
        cert(b"PUBKEY", spki(ca_key), extra=[
            ("subject", b"pubkey.strongswan.org"),
            ("not-before", b"20200101000000Z"), ("not-after", b"20600101000000Z"),
        ]),
        cert(b"PUBKEY", spki(p256), extra=[("subject", b"aa:bb:cc:dd")]),
        cert(b"PUBKEY", spki(ed)),
        cert(b"X509", b"\x30\x03\x02\x01\x00", b"NONE"),
        *[cert(b"X509", der(c), b"NONE") for c in curves],
        cert(b"X509", der(ed448_cert), b"NONE"),
        cert(b"X509", der(dsa_cert), b"NONE"),
        cert(b"X509", der(delegated), b"NONE"),
        cert(b"X509", der(critical), b"NONE"),
        cert(b"X509", der(noncritical), b"NONE"),

        cert(b"FOO", der(ee)),
        event("list-certs", "list-cert", D([("type", b"X509")])),
    ]


if __name__ == "__main__":
    write_seed("42-list-sas", list_sas())
    write_seed("43-list-conns", list_conns())
    write_seed("44-list-certs", certs())
