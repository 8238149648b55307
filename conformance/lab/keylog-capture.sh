#!/bin/bash
# keylog-capture.sh LAB PROPOSAL OUTDIR [PREFIX]
#
# Reproduces one known-answer fixture directory of conformance/fixtures/keylog/
# from a REAL strongSwan <-> strongSwan IKEv2 exchange in the namespace lab:
#
#   LAB       path of the interop lab (the directory with up.sh, down.sh,
#             decode.sh, strongswan.conf.in, scenarios/psk-net2net); it is
#             only read: the script works on a copy in a temp dir
#   PROPOSAL  one swanctl IKE proposal, e.g. aes128-sha256-x25519; both
#             sides are configured with exactly this proposal
#   OUTDIR    directory to (re)fill with exchange.pcap, keys.txt,
#             charon-a.log, decoded.txt, wireshark.ikev2_keys, wireshark.esp_sa
#   PREFIX    lab namespace prefix (default labk1; must start with "lab")
#
# Environment:
#   ESP_PROPOSAL=...   ESP proposal for both sides (default: PROPOSAL with
#                      its prf* token removed, e.g. aes256gcm16-ecp384)
#   EXTRA_PLUGINS=...  plugins appended to charon's `load` list (e.g. chapoly)
#   PINGS=3            pings 10.1.0.1 -> 10.2.0.1 through the tunnel
#   KEEP=1             keep the temp dir (lab copy, run/ logs) and print it
#
# Needs: root (network namespaces, veth), Linux with XFRM + TUN + veth,
# Debian 12 strongSwan 5.9.8 (charon-systemd strongswan-swanctl
# strongswan-charon libstrongswan-standard-plugins libcharon-extra-plugins;
# the lab's strongswan.conf.in loads `openssl`, which provides x25519, MODP,
# ECP and chacha20poly1305), tcpdump, tshark (4.0), iputils-ping, python3
# (stdlib only), openssl (lab's gen-certs.sh).
#
# What it does: copies LAB to a temp dir, creates scenario kat-PROPOSAL from
# psk-net2net with `proposals`/`esp_proposals` replaced on both sides, runs
# `KEYLOG=1 CAPTURE=... up.sh` (charon ike/chd level 4: DH secret, SKEYSEED,
# SK_*, CHILD keys), pings, `down.sh` (SIGTERM -> final INFORMATIONAL Delete
# is captured), then extracts keys.txt from side a's charon.log (initiator)
# and the pcap, and refuses to write anything unless
#   - side b's log shows the same DH secret, SKEYSEED, SK_* and CHILD keys,
#   - SKEYSEED, SK_* (prf+), both PSK AUTH values and the CHILD keys
#     recompute from the pcap's nonces/SPIs/IKE_SA_INIT messages (python3
#     hmac/hashlib), and the ESP SPIs in the log match the pcap,
#   - tshark decrypts every IKE Encrypted payload (integrity [correct]) and
#     every ESP frame (to ICMP) with the extracted keys, where Wireshark 4.0
#     supports the cipher (it has no ChaCha20-Poly1305).
set -euo pipefail

LABSRC=${1:?usage: keylog-capture.sh LAB PROPOSAL OUTDIR [PREFIX]}
PROPOSAL=${2:?proposal missing}
OUTDIR=${3:?output dir missing}
PREFIX=${4:-labk1}
PINGS=${PINGS:-3}
case $PREFIX in lab*) ;; *) echo "PREFIX must start with 'lab'" >&2; exit 1;; esac
[ "$(id -u)" = 0 ] || { echo "keylog-capture.sh: must run as root" >&2; exit 1; }
for t in charon-systemd swanctl tcpdump tshark python3 ping openssl ip; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
    { echo "keylog-capture.sh: missing $t" >&2; exit 1; }
done
LABSRC=$(cd "$LABSRC" && pwd)
[ -x "$LABSRC/up.sh" ] && [ -d "$LABSRC/scenarios/psk-net2net" ] ||
  { echo "keylog-capture.sh: $LABSRC is not the lab" >&2; exit 1; }
ESP_PROPOSAL=${ESP_PROPOSAL:-$(echo "$PROPOSAL" | tr '-' '\n' | grep -v '^prf' | paste -sd-)}

TMP=$(mktemp -d /tmp/keylog-capture.XXXXXX)
LAB=$TMP/lab
cleanup() {
  # only our own prefix; down.sh stops the recorded PIDs and deletes the ns
  if ip netns list | grep -qE "^$PREFIX-(a|b)( |$)"; then "$LAB/down.sh" "$PREFIX" >/dev/null 2>&1 || true; fi
  if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
cp -a "$LABSRC" "$LAB"
chmod -R u+w "$LAB"
rm -rf "$LAB/run"

# --- scenario variant ----------------------------------------------------------
SCEN=kat-$PROPOSAL
mkdir -p "$LAB/scenarios/$SCEN"
for s in a b; do
  sed -e "s/^\(    proposals = \).*/\1$PROPOSAL/" \
      -e "s/^\(        esp_proposals = \).*/\1$ESP_PROPOSAL/" \
      -e "1s/.*/# kat-$PROPOSAL (from psk-net2net), side $s. swanctl.conf syntax./" \
      "$LABSRC/scenarios/psk-net2net/$s.conf" > "$LAB/scenarios/$SCEN/$s.conf"
  grep -q "^    proposals = $PROPOSAL\$" "$LAB/scenarios/$SCEN/$s.conf"
  grep -q "^        esp_proposals = $ESP_PROPOSAL\$" "$LAB/scenarios/$SCEN/$s.conf"
done
if [ -n "${EXTRA_PLUGINS:-}" ]; then
  sed -i "s/^\(  load = .*\) x509 /\1 $EXTRA_PLUGINS x509 /" "$LAB/strongswan.conf.in"
  grep -q "$EXTRA_PLUGINS x509" "$LAB/strongswan.conf.in"
fi

# --- run -----------------------------------------------------------------------
PCAP=$TMP/exchange.pcap
if ! KEYLOG=1 CAPTURE=$PCAP "$LAB/up.sh" "$SCEN" "$PREFIX" > "$TMP/up.log" 2>&1; then
  cat "$TMP/up.log" >&2
  grep -hE "no (matching )?proposal|NO_PROPOSAL|not supported|failed" "$LAB/run/$PREFIX"/*/charon.log 2>/dev/null |
    grep -v "plugin '[^']*': failed to load" >&2 || true
  echo "keylog-capture.sh: up.sh failed for $PROPOSAL (logs in $TMP if KEEP=1)" >&2
  exit 2
fi
ip netns exec "$PREFIX-a" ping -q -c "$PINGS" -i 0.3 -W 2 -I 10.1.0.1 10.2.0.1 > "$TMP/ping.log" 2>&1 ||
  { cat "$TMP/ping.log" >&2; echo "keylog-capture.sh: ping through the tunnel failed" >&2; exit 3; }
"$LAB/down.sh" "$PREFIX" > "$TMP/down.log" 2>&1
sleep 0.5
ALOG=$LAB/run/$PREFIX/a/charon.log
BLOG=$LAB/run/$PREFIX/b/charon.log

# --- extract + verify ------------------------------------------------------------
TSHARK_VERSION=$(tshark --version 2>/dev/null | head -1 | sed "s/\.$//")
CHARON_VERSION=$(dpkg-query -W -f '${Version}' charon-systemd 2>/dev/null || echo unknown)
tshark -r "$PCAP" -Y isakmp.nonce -T fields -E separator=, \
  -e isakmp.ispi -e isakmp.rspi -e isakmp.nonce 2>/dev/null > "$TMP/tshark-nonces.txt"
mkdir -p "$TMP/out"
python3 - "$ALOG" "$BLOG" "$PCAP" "$TMP/out" "$PROPOSAL" "$ESP_PROPOSAL" "$CHARON_VERSION" \
  "$TSHARK_VERSION" "$TMP/tshark-nonces.txt" "${EXTRA_PLUGINS:-}" <<'PY'
import hashlib, hmac, re, struct, sys, datetime
alog, blog, pcap, out, proposal, esp_cfg, charon_ver, tshark_ver, tnonces, extra = sys.argv[1:11]

def die(msg):
    sys.exit("keylog-capture.sh: " + msg)

LINE = re.compile(r"^\S+ (\d+)\[(\w+)\] (?:<[^>]*> )?(.*)$")
DUMP = re.compile(r"^(.*\S) => (\d+) bytes @ 0x[0-9a-f]+$")
HEXL = re.compile(r"^\s*(\d+): (.*)$")

def parse_log(path):
    """Returns (dumps, lines): dumps = list of (label, hex) in log order
    (charon's chunk dumps: 'LABEL => N bytes @ 0xADDR' followed by
    '  OFF: HH HH ...  ascii' lines, 16 bytes a line), lines = messages."""
    dumps, msgs, pending = [], [], {}
    for raw in open(path, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        thr, grp, msg = m.groups()
        p = pending.get(thr)
        if p:
            h = HEXL.match(msg)
            if h and int(h.group(1)) == len(p[2]):
                n = min(16, p[1] - len(p[2]))
                p[2].extend(h.group(2).split()[:n])
                if len(p[2]) == p[1]:
                    dumps.append((p[0], "".join(p[2]).lower()))
                    del pending[thr]
                continue
            die("%s: truncated dump of %r" % (path, p[0]))
        d = DUMP.match(msg)
        if d:
            if int(d.group(2)) == 0:
                dumps.append((d.group(1), ""))
            else:
                pending[thr] = (d.group(1), int(d.group(2)), [])
            continue
        msgs.append((grp, msg))
    return dumps, msgs

adumps, amsgs = parse_log(alog)
bdumps, bmsgs = parse_log(blog)

def only(dumps, label, side, required=True):
    v = [h for l, h in dumps if l == label]
    if len(v) > 1:
        die("side %s logged %r %d times (rekey?), expected once" % (side, label, len(v)))
    if not v and required:
        die("side %s did not log %r (KEYLOG level 4 missing?)" % (side, label))
    return v[0] if v else None

IKE_LABELS = [("dh_secret", "shared Diffie Hellman secret"), ("skeyseed", "SKEYSEED"),
              ("sk_d", "Sk_d secret"), ("sk_ai", "Sk_ai secret"), ("sk_ar", "Sk_ar secret"),
              ("sk_ei", "Sk_ei secret"), ("sk_er", "Sk_er secret"),
              ("sk_pi", "Sk_pi secret"), ("sk_pr", "Sk_pr secret")]
CHILD_LABELS = [("child_ei", "encryption initiator key"), ("child_ai", "integrity initiator key"),
                ("child_er", "encryption responder key"), ("child_ar", "integrity responder key")]
OPTIONAL = {"sk_ai", "sk_ar", "child_ai", "child_ar"}
K = {}
for name, label in IKE_LABELS + CHILD_LABELS:
    a = only(adumps, label, "a", name not in OPTIONAL)
    b = only(bdumps, label, "b", name not in OPTIONAL)
    if a != b:
        die("MISMATCH between side a and side b for %s (%s): a=%s b=%s" % (name, label, a, b))
    if a is not None:
        K[name] = a

def msg_search(msgs, pat, what):
    for _g, m in msgs:
        r = re.search(pat, m)
        if r:
            return r
    die("no %s in side a's log" % what)

ike_prop = msg_search(amsgs, r"selected proposal: IKE:(\S+)", "IKE selected proposal").group(1)
esp_prop = msg_search(amsgs, r"selected proposal: ESP:(\S+)", "ESP selected proposal").group(1)
b_ike = msg_search(bmsgs, r"selected proposal: IKE:(\S+)", "IKE selected proposal (b)").group(1)
if b_ike != ike_prop:
    die("sides selected different IKE proposals: %s / %s" % (ike_prop, b_ike))
spis = msg_search(amsgs, r"checkin IKEv2 SA \S+ with SPIs ([0-9a-f]{16})_i (?!0{16})([0-9a-f]{16})_r", "IKE SPIs")
cs = msg_search(amsgs, r"CHILD_SA \S+ established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o", "CHILD_SA SPIs")
child_spi_i, child_spi_r = cs.group(1), cs.group(2)   # a = initiator: _i = a's inbound SPI
seed = only(adumps, "seed", "a")
idis = [h for l, h in adumps if l == "IDx'"]
auths = [h for l, h in adumps if l == "AUTH = prf(prf(secret, keypad), octets)"]
psks = set(h for l, h in adumps if l == "secret")
if len(psks) != 1:
    die("expected one PSK value in side a's AUTH dumps, got %d" % len(psks))
psk = psks.pop()

# --- pcap (classic libpcap, Ethernet) --------------------------------------------
data = open(pcap, "rb").read()
magic = data[:4]
end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
if struct.unpack(end + "I", data[20:24])[0] != 1:
    die("pcap link type is not Ethernet")
off, frames = 24, []
while off + 16 <= len(data):
    _s, _us, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
    frames.append(data[off + 16: off + 16 + incl]); off += 16 + incl
ike, esp_spis = [], []
for f in frames:
    if f[12:14] != b"\x08\x00" or f[23] != 17:
        continue
    ihl = (f[14] & 15) * 4
    udp = f[14 + ihl:]
    sport, dport = struct.unpack("!HH", udp[:4])
    pl = udp[8:]
    if 500 in (sport, dport):
        ike.append(pl)
    elif 4500 in (sport, dport):
        if pl[:4] == b"\0\0\0\0":
            ike.append(pl[4:])
        elif len(pl) > 8:
            esp_spis.append(pl[:4].hex())
inits = [m for m in ike if m[18] == 34]
if len(inits) != 2:
    die("expected 2 IKE_SA_INIT messages in the pcap, got %d" % len(inits))
def payloads(msg):
    nxt, off, res = msg[16], 28, {}
    while nxt and off < len(msg):
        n2, _c, ln = struct.unpack("!BBH", msg[off:off + 4])
        res.setdefault(nxt, msg[off + 4: off + ln]); nxt, off = n2, off + ln
    return res
mi, mr = inits
pi_, pr_ = payloads(mi), payloads(mr)
ni, nr = pi_[40].hex(), pr_[40].hex()
dh_group = struct.unpack("!H", pi_[34][:2])[0]
ke_i, ke_r = pi_[34][4:].hex(), pr_[34][4:].hex()
if (mi[:8].hex(), mr[8:16].hex()) != (spis.group(1), spis.group(2)):
    die("SPIs in pcap and log differ")
exch = sorted(set(m[18] for m in ike))
if 37 not in exch or 35 not in exch:
    die("pcap lacks IKE_AUTH or INFORMATIONAL: exchange types %s" % exch)
if child_spi_r not in esp_spis or child_spi_i not in esp_spis:
    die("ESP SPIs %s/%s not both seen in pcap (%s)" % (child_spi_i, child_spi_r, sorted(set(esp_spis))))
tn = [l.strip().split(",") for l in open(tnonces) if l.strip()]
if sorted(x[2] for x in tn) != sorted([ni, nr]):
    die("tshark nonces differ from own pcap parse: %s" % tn)

# --- recompute ------------------------------------------------------------------
PRF = {"PRF_HMAC_SHA1": hashlib.sha1, "PRF_HMAC_SHA2_256": hashlib.sha256,
       "PRF_HMAC_SHA2_384": hashlib.sha384, "PRF_HMAC_SHA2_512": hashlib.sha512}
algs = ike_prop.split("/")
prfname = next((a for a in algs if a.startswith("PRF_")), None)
if prfname not in PRF:
    die("no recomputation for %s" % prfname)
H = PRF[prfname]
prf = lambda k, m: hmac.new(k, m, H).digest()
def prfplus(k, s, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(k, t + s + bytes([i])); out += t; i += 1
    return out[:n]
B = bytes.fromhex
if prf(B(ni) + B(nr), B(K["dh_secret"])).hex() != K["skeyseed"]:
    die("SKEYSEED does not recompute from nonces + DH secret")
order = ["sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"]
lens = [len(K[n]) // 2 for n in order if n in K]
km = prfplus(B(K["skeyseed"]), B(ni) + B(nr) + B(spis.group(1)) + B(spis.group(2)), sum(lens))
pos = 0
for n in [n for n in order if n in K]:
    l = len(K[n]) // 2
    if km[pos:pos + l].hex() != K[n]:
        die("%s does not recompute via prf+" % n)
    pos += l
if seed != ni + nr:
    die("CHILD seed is not Ni|Nr")
corder = ["child_ei", "child_ai", "child_er", "child_ar"]
clen = sum(len(K[n]) // 2 for n in corder if n in K)
ckm = prfplus(B(K["sk_d"]), B(seed), clen); pos = 0
for n in [n for n in corder if n in K]:
    l = len(K[n]) // 2
    if ckm[pos:pos + l].hex() != K[n]:
        die("%s does not recompute via prf+(SK_d, Ni|Nr)" % n)
    pos += l
# PSK AUTH (RFC 7296 2.15): prf(prf(PSK, "Key Pad for IKEv2"), msg | Nx | prf(SK_px, IDx'))
if len(idis) < 2 or len(auths) < 2:
    die("AUTH computation not logged twice on side a")
id_i, id_r = idis[0], idis[1]
kp = prf(B(psk), b"Key Pad for IKEv2")
auth_i = prf(kp, mi + B(nr) + prf(B(K["sk_pi"]), B(id_i))).hex()
auth_r = prf(kp, mr + B(ni) + prf(B(K["sk_pr"]), B(id_r))).hex()
if [auth_i, auth_r] != auths[:2]:
    die("PSK AUTH values do not recompute from the pcap messages")

# --- keys.txt -------------------------------------------------------------------
today = datetime.date.today().isoformat()
aead = "sk_ai" not in K
hdr = [
    "# Known-answer values from a REAL strongSwan IKEv2 exchange (keylog-capture.sh).",
    "# strongSwan %s (Debian 12 charon-systemd, kernel-libipsec), captured %s; %s" % (charon_ver, today, tshark_ver),
    "# side a = initiator 192.0.2.1 (IDi a.lab.test), side b = responder 192.0.2.2 (IDr b.lab.test), PSK auth.",
    "# IKE proposal as charon logged it: IKE:%s" % ike_prop,
    "# ESP proposal as charon logged it: ESP:%s" % esp_prop,
]
if extra:
    hdr.append("# extra charon plugins loaded: %s" % extra)
hdr += [
    "# Values: lowercase hex unless noted. Keys from side a's charon.log (ike/chd level 4);",
    "# side b's log shows identical dh_secret/skeyseed/sk_*/child_* values (checked).",
    "# Nonces, KE data and IKE_SA_INIT messages come from exchange.pcap. Checked by recomputation:",
    "#   skeyseed = prf(ni|nr, dh_secret); sk_d|sk_ai|sk_ar|sk_ei|sk_er|sk_pi|sk_pr = prf+(skeyseed, ni|nr|spi_i|spi_r)",
    "#   child_ei|child_ai|child_er|child_ar = prf+(sk_d, ni|nr); auth_x = prf(prf(psk, \"Key Pad for IKEv2\"),",
    "#   msg_init_x | n_peer | prf(sk_px, id_x)).",
]
if aead:
    hdr.append("# AEAD IKE proposal: no sk_ai/sk_ar; sk_ei/sk_er include the 4-byte salt at the end.")
if "child_ai" not in K:
    hdr.append("# AEAD ESP proposal: no child_ai/child_ar; child_ei/child_er include the 4-byte salt at the end.")
rows = [
    ("proposal", proposal, "swanctl IKE proposal string (text)"),
    ("ike_proposal", ike_prop, "selected IKE proposal as charon names it (text)"),
    ("esp_proposal_cfg", esp_cfg, "swanctl esp_proposals string (text)"),
    ("esp_proposal", esp_prop, "selected ESP proposal as charon names it (text)"),
    ("spi_i", spis.group(1), "IKE SPIs"), ("spi_r", spis.group(2), None),
    ("dh_group", str(dh_group), "IANA transform type 4 id (decimal)"),
    ("ke_i", ke_i, "KE payload data (public values)"), ("ke_r", ke_r, None),
    ("ni", ni, "Nonce payload data"), ("nr", nr, None),
]
rows += [(n, K[n], None) for n, _l in IKE_LABELS if n in K]
rows += [
    ("psk", psk, "the shared key (ASCII 'lab-preshared-key-0123456789')"),
    ("id_i", id_i, "IDi' / IDr' = ID payload body (type, 3 reserved, data) as charon logged it"),
    ("id_r", id_r, None),
    ("auth_i", auth_i, "AUTH payload data (shared key MIC) of each side"),
    ("auth_r", auth_r, None),
    ("msg_init_i", mi.hex(), "complete IKE_SA_INIT request / response (IKE header on), from the pcap"),
    ("msg_init_r", mr.hex(), None),
    ("child_spi_i", child_spi_i, "ESP SPI allocated by the initiator (on packets b -> a)"),
    ("child_spi_r", child_spi_r, "ESP SPI allocated by the responder (on packets a -> b)"),
]
rows += [(n, K[n], None) for n, _l in CHILD_LABELS if n in K]
with open(out + "/keys.txt", "w") as f:
    f.write("\n".join(hdr) + "\n")
    for n, v, c in rows:
        if c:
            f.write("# %s\n" % c)
        f.write("%s = %s\n" % (n, v))

# --- Wireshark ikev2_decryption_table (same record format as the lab's keys.py) -----
ENCR = {}
for bits in (128, 192, 256):
    ENCR["AES_CBC_%d" % bits] = "AES-CBC-%d [RFC3602]" % bits
    ENCR["AES_CTR_%d" % bits] = "AES-CTR-%d [RFC5930]" % bits
    for icv in (8, 12, 16):
        ENCR["AES_GCM_%d_%d" % (icv, bits)] = "AES-GCM-%d with %d octet ICV [RFC5282]" % (bits, icv)
        ENCR["AES_CCM_%d_%d" % (icv, bits)] = "AES-CCM-%d with %d octet ICV [RFC5282]" % (bits, icv)
INTEG = {"HMAC_SHA1_96": "HMAC_SHA1_96 [RFC2404]", "HMAC_SHA2_256_128": "HMAC_SHA2_256_128 [RFC4868]",
         "HMAC_SHA2_384_192": "HMAC_SHA2_384_192 [RFC4868]", "HMAC_SHA2_512_256": "HMAC_SHA2_512_256 [RFC4868]"}
encr = next((ENCR[a] for a in algs if a in ENCR), None)
integ = next((INTEG[a] for a in algs if a in INTEG), "NONE [RFC4306]")
with open(out + "/wireshark.ikev2_keys", "w") as f:
    if encr:
        f.write('%s,%s,%s,%s,"%s",%s,%s,"%s"\n' % (spis.group(1), spis.group(2), K["sk_ei"], K["sk_er"],
                encr, K.get("sk_ai", ""), K.get("sk_ar", ""), integ))
# ESP SAs for tshark (esp_sa UAT: protocol, src, dst, spi, encr, key, auth, key)
EENC = {"AES_GCM_%d" % i: "AES-GCM with %d octet ICV [RFC4106]" % i for i in (8, 12, 16)}
EAUTH = {"HMAC_SHA1_96": "HMAC-SHA-1-96 [RFC2404]", "HMAC_SHA2_256_128": "HMAC-SHA-256-128 [RFC4868]",
         "HMAC_SHA2_384_192": "HMAC-SHA-384-192 [RFC4868]", "HMAC_SHA2_512_256": "HMAC-SHA-512-256 [RFC4868]"}
ealgs = esp_prop.split("/")
eenc = next(("AES-CBC [RFC3602]" if a.startswith("AES_CBC_") else EENC.get(a.rsplit("_", 1)[0])
             for a in ealgs if a.startswith("AES_CBC_") or a.rsplit("_", 1)[0] in EENC), None)
eauth = next((EAUTH[a] for a in ealgs if a in EAUTH), "NULL")
with open(out + "/wireshark.esp_sa", "w") as f:
    if eenc:
        for src, dst, spi, ek, ak in (("192.0.2.1", "192.0.2.2", child_spi_r, "child_ei", "child_ai"),
                                      ("192.0.2.2", "192.0.2.1", child_spi_i, "child_er", "child_ar")):
            f.write('"IPv4","%s","%s","0x%s","%s","0x%s","%s","%s"\n' % (src, dst, spi, eenc, K[ek], eauth,
                    ("0x" + K[ak]) if ak in K else ""))
open(out + "/summary", "w").write("IKE:%s ESP:%s %s\n" % (ike_prop, esp_prop, "decryptable" if encr else "NOT-decryptable-by-tshark"))

# --- charon-a.log: the lines that matter ------------------------------------------
KEEP_DUMPS = {l for _n, l in IKE_LABELS + CHILD_LABELS} | {"seed", "IDx'", "SK_p", "secret",
    "octets = message + nonce + prf(Sk_px, IDx')", "prf(secret, keypad)",
    "AUTH = prf(prf(secret, keypad), octets)"}
KEEP_MSG = re.compile(r"\[ENC\] .*(generating|parsed) |\[NET\] .*(sending|received) packet|"
    r"\[CFG\] .*(selecting proposal|proposal matches|received proposals|configured proposals|selected proposal)|"
    r"\[MGR\] .*checkin IKEv2 SA .* with SPIs|"
    r"\[IKE\] .*(initiating IKE_SA|remote host is behind NAT|authentication of|IKE_SA \S+ established|"
    r"CHILD_SA \S+ established|deleting IKE_SA|IKE_SA deleted|sending DELETE|state change)|"
    r"\[CHD\] .*(adding (in|out)bound ESP SA|  SPI 0x| using \S+ for (encryption|integrity))|"
    r"\[ESP\] .*(allocated SPI|adding SAD entry|using (encryption|integrity) algorithm)")
keep, cur = [], {}
for raw in open(alog, errors="replace"):
    line = raw.rstrip("\n")
    m = LINE.match(line)
    if not m:
        continue
    thr, _g, msg = m.groups()
    if thr in cur:
        if HEXL.match(msg):
            if cur[thr]:
                keep.append(line)
            continue
        del cur[thr]
    d = DUMP.match(msg)
    if d:
        cur[thr] = d.group(1) in KEEP_DUMPS
        if cur[thr]:
            keep.append(line)
        continue
    if KEEP_MSG.search(line):
        keep.append(line)
with open(out + "/charon-a.log", "w") as f:
    f.write("# side a (initiator) charon.log, strongSwan %s, filtered by keylog-capture.sh:\n" % charon_ver)
    f.write("# messages, proposals, SPIs, key/AUTH dumps (LABEL => N bytes @ ADDR + hex lines)\n")
    f.write("\n".join(keep) + "\n")
PY

# --- decoded.txt -------------------------------------------------------------------
cp "$PCAP" "$TMP/out/exchange.pcap"
ESPARGS=(-o esp.enable_encryption_decode:TRUE)
while IFS= read -r l; do [ -n "$l" ] && ESPARGS+=(-o "uat:esp_sa:$l"); done < "$TMP/out/wireshark.esp_sa"
NESP=$(tshark -r "$PCAP" -Y esp 2>/dev/null | wc -l)
{
  echo "# $PROPOSAL: tshark decode of exchange.pcap with wireshark.ikev2_keys"
  echo "# ($TSHARK_VERSION; selected $(cat "$TMP/out/summary"))"
  if [ ! -s "$TMP/out/wireshark.ikev2_keys" ]; then
    echo "# NOTE: Wireshark 4.0 has no IKEv2 decryption support for this cipher"
    echo "# (its ikev2_decryption_table knows AES-CBC/CTR/GCM/CCM, 3DES, NULL, no"
    echo "# ChaCha20-Poly1305), so the Encrypted payloads below stay encrypted."
  fi
  if [ ! -s "$TMP/out/wireshark.esp_sa" ]; then
    echo "# NOTE: Wireshark 4.0 cannot decrypt this ESP cipher either; ESP stays encrypted."
  fi
  echo "# reproduce: decode.sh exchange.pcap wireshark.ikev2_keys -V -Y isakmp"
  echo "# (ESP: add -o esp.enable_encryption_decode:TRUE -o uat:esp_sa:LINE for each line of wireshark.esp_sa)"
  echo
  echo "# all frames$([ -s "$TMP/out/wireshark.esp_sa" ] && echo ", ESP decrypted with the child_* keys (ICMP lines)")"
  "$LAB/decode.sh" "$TMP/out/exchange.pcap" "$TMP/out/wireshark.ikev2_keys" "${ESPARGS[@]}" 2>/dev/null
  echo
  echo "# full IKE decode"
  "$LAB/decode.sh" "$TMP/out/exchange.pcap" "$TMP/out/wireshark.ikev2_keys" -V -Y isakmp 2>/dev/null
} > "$TMP/out/decoded.txt"
# tshark cross-checks (when it knows the ciphers): every Encrypted payload is
# decrypted with correct integrity, every ESP frame decrypts to ICMP
if [ -s "$TMP/out/wireshark.ikev2_keys" ]; then
  nenc=$(grep -c "Encrypted Data (" "$TMP/out/decoded.txt" || true)
  ndec=$(grep -c "Decrypted Data (" "$TMP/out/decoded.txt" || true)
  if [ "$nenc" != "$ndec" ] || [ "$nenc" = 0 ] || grep -qi "incorrect\|\[Malformed" "$TMP/out/decoded.txt"; then
    echo "keylog-capture.sh: tshark could not decrypt IKE with the extracted keys ($ndec/$nenc)" >&2; exit 4
  fi
fi
if [ -s "$TMP/out/wireshark.esp_sa" ]; then
  nicmp=$(tshark -r "$PCAP" "${ESPARGS[@]}" -Y "esp && icmp" 2>/dev/null | wc -l)
  if [ "$nicmp" != "$NESP" ] || [ "$NESP" = 0 ]; then
    echo "keylog-capture.sh: tshark decrypted only $nicmp of $NESP ESP frames with the child keys" >&2; exit 4
  fi
fi
rm -f "$TMP/out/summary"

mkdir -p "$OUTDIR"
rm -f "$OUTDIR"/{exchange.pcap,keys.txt,charon-a.log,decoded.txt,wireshark.ikev2_keys,wireshark.esp_sa}
cp "$TMP/out"/{exchange.pcap,keys.txt,charon-a.log,decoded.txt,wireshark.ikev2_keys,wireshark.esp_sa} "$OUTDIR/"
chmod 644 "$OUTDIR"/*
echo "keylog-capture.sh: $PROPOSAL -> $OUTDIR ($(grep '^# IKE proposal' "$OUTDIR/keys.txt" | sed 's/.*: //'))"
