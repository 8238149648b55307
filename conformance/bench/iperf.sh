#!/usr/bin/env bash
# iperf3 TCP through an IPsec tunnel between two network namespaces on this
# machine, one setup after the other (they share the CPUs):
#   1. the plain veth pair, no tunnel;
#   2. strongSwan <-> strongSwan, charon 5.9.8 with kernel-libipsec;
#   3. Cygnet <-> Cygnet, cygnetd's userspace data plane (release build).
# Both tunnels: IKE aes128-sha256-x25519, ESP aes128gcm16 in UDP (libipsec
# only does UDP), 10.1.0.0/24 <-> 10.2.0.0/24 over 192.0.2.1 <-> 192.0.2.2.
# Prints Gbit/s (receiver side) and Cygnet/strongSwan.
#
#   sudo bash conformance/bench/iperf.sh [SECONDS]     (default 10)
#
# Needs root, iproute2, iperf3, charon-systemd with kernel-libipsec (.ci/install
# installs them). Only namespaces it creates carry traffic; on exit it stops
# exactly the processes it started (by PID) and deletes its namespaces.
set -euo pipefail
secs=${1:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d /tmp/cygnet-bench.XXXXXX)
tag=cb$$
ns_a=${tag}a ns_b=${tag}b
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  pids=()
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
}
trap 'cleanup; rm -rf "$work"' EXIT

echo "building cygnetd (release)..." >&2
(cd "$root" && cargo build --release -q -p cygnetd)
cygnetd=$target/release/cygnetd

lab_up() {
  cleanup
  ip netns add "$ns_a"; ip netns add "$ns_b"
  for ns in "$ns_a" "$ns_b"; do
    ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
      echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
    ip -n "$ns" link set lo up
  done
  ip link add "${tag}va" netns "$ns_a" type veth peer name "${tag}vb" netns "$ns_b"
  ip -n "$ns_a" addr add 192.0.2.1/24 dev "${tag}va"
  ip -n "$ns_b" addr add 192.0.2.2/24 dev "${tag}vb"
  ip -n "$ns_a" link set "${tag}va" up; ip -n "$ns_b" link set "${tag}vb" up
  ip -n "$ns_a" addr add 10.1.0.1/32 dev lo; ip -n "$ns_b" addr add 10.2.0.1/32 dev lo
}

# swanctl.conf of side a or b; $2 = start action
swanctl_conf() {
  local l r li ri lts rts
  if [ "$1" = a ]; then l=192.0.2.1 r=192.0.2.2 li=a ri=b lts=10.1.0.0/24 rts=10.2.0.0/24
  else l=192.0.2.2 r=192.0.2.1 li=b ri=a lts=10.2.0.0/24 rts=10.1.0.0/24; fi
  cat <<EOF
connections {
  gw {
    version = 2
    local_addrs = $l
    remote_addrs = $r
    proposals = aes128-sha256-x25519
    encap = yes
    local { auth = psk
            id = $li.lab.test }
    remote { auth = psk
             id = $ri.lab.test }
    children {
      net {
        local_ts = $lts
        remote_ts = $rts
        esp_proposals = aes128gcm16
        start_action = $2
      }
    }
  }
}
secrets { ike-lab { id-a = a.lab.test
                    id-b = b.lab.test
                    secret = "lab-preshared-key-0123456789" } }
EOF
}

# Gbit/s received by iperf3 from $1 (in ns a) to $2 (in ns b)
measure() {
  ip netns exec "$ns_b" iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
  local server=$!
  pids+=("$server")
  sleep 0.5
  ip netns exec "$ns_a" iperf3 -c "$2" -B "$1" -t "$secs" -f g 2>&1 |
    awk '/receiver/ { print $(NF-2) }'
  wait "$server" 2>/dev/null || true
}

wait_for() { # file text seconds
  for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timeout waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1
}

# 1. plain veth
lab_up
veth=$(measure 192.0.2.1 192.0.2.2)
echo "plain veth:              $veth Gbit/s"

# 2. strongSwan <-> strongSwan (kernel-libipsec)
lab_up
for s in a b; do
  mkdir -p "$work/sw$s"
  cat > "$work/sw$s/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce openssl aes sha1 sha2 hmac kdf gcm curve25519 pem pkcs1 pubkey kernel-libipsec kernel-netlink socket-default vici
  plugins { vici { socket = unix://$work/sw$s/charon.vici } }
  filelog { bench { path = $work/sw$s/charon.log
                    default = 1 } }
  syslog { daemon { default = -1 } }
  journal { default = -1 }
}
EOF
  swanctl_conf "$s" none > "$work/sw$s/swanctl.conf"
  ns=$([ "$s" = a ] && echo "$ns_a" || echo "$ns_b")
  STRONGSWAN_CONF=$work/sw$s/strongswan.conf ip netns exec "$ns" /usr/sbin/charon-systemd \
    >/dev/null 2>&1 </dev/null &
  pids+=($!)
done
for s in a b; do
  for _ in $(seq 100); do [ -S "$work/sw$s/charon.vici" ] && break; sleep 0.1; done
  swanctl --load-all --uri "unix://$work/sw$s/charon.vici" --file "$work/sw$s/swanctl.conf" >/dev/null 2>&1
done
swanctl --initiate --uri "unix://$work/swa/charon.vici" --child net --timeout 10 >/dev/null 2>&1
strongswan=$(measure 10.1.0.1 10.2.0.1)
echo "strongSwan (libipsec):   $strongswan Gbit/s"

# 3. Cygnet <-> Cygnet (userspace)
lab_up
for s in b a; do
  mkdir -p "$work/cy$s"
  printf 'charon {\n  retransmit_timeout = 1\n  plugins { vici { socket = unix://%s } }\n}\ncygnet {\n  backend = userspace\n}\n' \
    "$work/cy$s/cygnet.vici" > "$work/cy$s/strongswan.conf"
  swanctl_conf "$s" "$([ "$s" = a ] && echo start || echo none)" > "$work/cy$s/swanctl.conf"
  ns=$([ "$s" = a ] && echo "$ns_a" || echo "$ns_b")
  ip netns exec "$ns" "$cygnetd" --swanctl-conf "$work/cy$s/swanctl.conf" \
    --conf "$work/cy$s/strongswan.conf" >/dev/null 2>"$work/cy$s/cygnetd.log" </dev/null &
  pids+=($!)
  wait_for "$work/cy$s/cygnetd.log" "listening on" 5
done
wait_for "$work/cya/cygnetd.log" "CHILD_SA net{1} established" 10
cygnet=$(measure 10.1.0.1 10.2.0.1)
echo "Cygnet (userspace):      $cygnet Gbit/s"

awk -v c="$cygnet" -v s="$strongswan" -v v="$veth" 'BEGIN {
  if (s > 0) printf "Cygnet/strongSwan:       %.1fx\n", c / s
  if (v > 0) printf "Cygnet/plain veth:       %.0f%%\n", 100 * c / v
}'
