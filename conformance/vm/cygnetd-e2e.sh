#!/usr/bin/env bash
# cygnetd with the kernel backend end to end in a kernel with ESP: boots
# Debian's kernel under qemu (lib.sh) with two cygnetd (backend = kernel)
# in namespaces a and b joined by veth, and runs cygnetd-scenarios.sh in
# it: a PSK tunnel brought up with our swanctl --initiate, a certificate
# tunnel (an ECDSA CA and two end entities made here with openssl, never
# committed), rekeys driven by the kernel's packet-limit expires,
# hw_offload auto/packet/crypto on veth, and SIGTERM cleanup. Prints
# "CYGNETD-E2E: <scenario>: PASS|FAIL" per scenario and exits 0 iff all
# pass. Needs root, qemu-system-x86, busybox-static, cpio, kmod, openssl,
# iputils-ping.
#   bash conformance/vm/cygnetd-e2e.sh
# The console log is kept in $CARGO_TARGET_DIR/vm/cygnetd-e2e.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
vm_kernel

cargo=${CARGO:-cargo}
(cd "$vm_root" && "$cargo" build --quiet -p cygnetd -p swanctl)

vm_rootfs
for program in cygnetd swanctl; do
  vm_add_program "$vm_target/debug/$program" "/$program"
  strip "$fs/$program" 2>/dev/null || true
done
vm_add_program "$(command -v ping)" /usr/bin/ping
# strongSwan's swanctl and charon (for the Cygnet<->charon scenarios)
# with kernel-netlink, the peer of the last scenario, if installed
plugins="random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints hmac gcm kdf
         kernel-netlink socket-default vici"
if [ -x /usr/sbin/swanctl ] && [ -x /usr/lib/ipsec/charon ]; then
  for program in /usr/sbin/swanctl /usr/lib/ipsec/charon; do vm_add_program $program $program; done
  for p in $plugins; do
    vm_add_program "/usr/lib/ipsec/plugins/libstrongswan-$p.so" "/usr/lib/ipsec/plugins/libstrongswan-$p.so"
  done
  cat >"$fs/etc/strongswan.conf" <<EOF
charon {
  load = $(echo $plugins)
  filelog {
    stderr {
      default = 1
      time_format = %T
    }
  }
  plugins {
    vici {
      socket = unix:///run/charon.vici
    }
  }
}
swanctl {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
fi
cp "$here/cygnetd-scenarios.sh" "$fs/scenarios.sh"

# the PKI: an ECDSA P-256 CA and one end entity per side
pki=$work/pki
mkdir -p "$pki"
ossl() { openssl "$@" 2>/dev/null; }
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key"
ossl req -x509 -new -key "$pki/ca.key" -subj "/C=CH/O=Cygnet VM/CN=Cygnet VM CA" \
  -days 30 -sha256 -addext basicConstraints=critical,CA:true -addext keyUsage=keyCertSign,cRLSign \
  -out "$pki/ca.pem"
for side in a b; do
  ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$side.key"
  ossl req -new -key "$pki/$side.key" -subj "/C=CH/O=Cygnet VM/CN=$side.cert.test" -out "$pki/$side.csr"
  printf 'subjectAltName=DNS:%s.cert.test\n' "$side" >"$pki/$side.ext"
  ossl x509 -req -in "$pki/$side.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -set_serial "0x$RANDOM" \
    -days 30 -sha256 -extfile "$pki/$side.ext" -out "$pki/$side.pem"
done

# one swanctl.conf per side (and b's for charon in /etc/swanctl, without
# hw_offload = packet and crypto, which 5.9.8 does not know): connection
# psk (192.0.2.1 <-> .2) with the children net, rekey, collide (both
# sides expire together) and the three hw_offload ones; connection udp (192.0.2.21 <-> .22, ESP in UDP forced)
# with child unet; connection cert (192.0.2.11 <-> .12) with child cnet;
# inner nets 10.<side>.<n>.0/24
swanctl_conf() { # <me> <peer> <my number> <peer number> [charon]
  local me=$1 peer=$2 m=$3 p=$4 charon=${5:-} child ends
  child() { # <name> <subnet number> [options]
    printf '      %s {\n        local_ts = 10.%s.%s.0/24\n        remote_ts = 10.%s.%s.0/24\n' "$1" "$m" "$2" "$p" "$2"
    printf '        esp_proposals = aes128gcm16\n%s      }\n' "${3:-}"
  }
  ends() { # <auth> <id domain> [more local lines]
    printf '    local {\n      auth = %s%s\n      id = %s.%s\n    }\n' "$1" "${3:-}" "$me" "$2"
    printf '    remote {\n      auth = %s\n      id = %s.%s\n    }\n' "$1" "$peer" "$2"
  }
  cat <<EOF
connections {
  psk {
    local_addrs = 192.0.2.$m
    remote_addrs = 192.0.2.$p
    proposals = aes128gcm16-prfsha256-x25519
$(ends psk psk.test)
    children {
$(child net 0)
$(child rekey 2 '        rekey_packets = 20
        rand_packets = 5
        life_packets = 1000
')
$(child collide 7 '        rekey_packets = 20
        rand_packets = 0
        life_packets = 1000
')
$(child auto 3 '        hw_offload = auto
')
$([ -n "$charon" ] || child packet 4 '        hw_offload = packet
')
$([ -n "$charon" ] || child crypto 5 '        hw_offload = crypto
')
    }
  }
  udp {
    local_addrs = 192.0.2.2$m
    remote_addrs = 192.0.2.2$p
    encap = yes
    proposals = aes128gcm16-prfsha256-x25519
$(ends psk psk.test)
    children {
$(child unet 6)
    }
  }
  cert {
    local_addrs = 192.0.2.1$m
    remote_addrs = 192.0.2.1$p
    proposals = aes128gcm16-prfsha256-ecp256
$(ends pubkey cert.test "
      certs = $me.pem")
    children {
$(child cnet 1)
    }
  }
}
secrets {
  ike-psk {
    id-a = a.psk.test
    id-b = b.psk.test
    secret = "cygnet-vm-preshared-key-0123456789"
  }
}
EOF
}

for side in a b; do
  if [ $side = a ]; then peer=b m=1 p=2; else peer=a m=2 p=1; fi
  dir=$fs/$side
  mkdir -p "$dir"/{x509,x509ca,private}
  cp "$pki/ca.pem" "$dir/x509ca/"
  cp "$pki/$side.pem" "$dir/x509/"
  cp "$pki/$side.key" "$dir/private/"
  swanctl_conf $side $peer $m $p >"$dir/swanctl.conf"
  if [ $side = b ]; then
    mkdir -p "$fs/etc/swanctl"
    cp -r "$dir"/{x509,x509ca,private} "$fs/etc/swanctl/"
    swanctl_conf $side $peer $m $p charon >"$fs/etc/swanctl/swanctl.conf"
  fi
  cat >"$dir/strongswan.conf" <<EOF
charon {
  plugins {
    vici {
      socket = unix:///$side/charon.vici
    }
  }
}
cygnet {
  backend = kernel
}
EOF
done

{
  vm_init_preamble
  cat <<'EOF'
echo "CYGNETD-E2E: kernel $(uname -r), starting"
sh /scenarios.sh
echo "CYGNETD-E2E: exit $?"
for side in a b; do echo "--- cygnetd $side"; cat /$side/cygnetd.log; done
echo "--- charon b"
cat /b/charon.log 2>/dev/null
poweroff -f
EOF
} >"$fs/init"
vm_boot cygnetd-e2e CYGNETD-E2E
