#!/usr/bin/env bash
# Cygnet's demo: two cygnetd peers with an embedded PSK site-to-site
# configuration, a tunnel brought up with `swanctl --initiate`, traffic
# through it, both sides' `swanctl --list-sas`, then a clean shutdown.
#
# As root: two network namespaces joined by a veth pair, the userspace ESP
# data plane (TUN device + ESP in UDP), pings between the inner networks.
# Not root: both daemons on loopback (127.0.0.1 and 127.0.0.2, unprivileged
# ports) with the recording backend: real IKE and CHILD SAs, no traffic
# (a TUN device and routes need root). Only processes and namespaces this
# script creates are touched; everything is removed on exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/cygnet-demo.XXXXXX)
pids=()
namespaces=()

cleanup() {
    local pid ns
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building cygnetd and swanctl"
cargo build -q --manifest-path "$root/Cargo.toml" -p cygnetd -p swanctl
bin="${CARGO_TARGET_DIR:-$root/target}/debug"

# CYGNET_DEMO_MODE=loopback shows the unprivileged variant as root too
if [ "${CYGNET_DEMO_MODE:-}" != loopback ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
    mode=netns
    addr_a=192.0.2.1 addr_b=192.0.2.2 port=500 natt=4500 backend=userspace
else
    mode=loopback
    addr_a=127.0.0.1 addr_b=127.0.0.2 port=10500 natt=14500 backend=recording
fi

# The embedded configuration: site a (10.1.0.0/24) and site b
# (10.2.0.0/24), PSK, AES-GCM with X25519, DPD.
swanctl_conf() { # <local addr> <remote addr> <local name> <remote name> <local net> <remote net>
    cat <<EOF
connections {
    $4 {
        version = 2
        local_addrs = $1
        remote_addrs = $2
        remote_port = $port
        proposals = aes256gcm16-prfsha384-x25519
        dpd_delay = 30s
        local {
            auth = psk
            id = gw.$3.example
        }
        remote {
            auth = psk
            id = gw.$4.example
        }
        children {
            lan {
                local_ts = $5
                remote_ts = $6
                esp_proposals = aes256gcm16-x25519
            }
        }
    }
}
secrets {
    ike-demo {
        id-a = gw.site-a.example
        id-b = gw.site-b.example
        secret = "cygnet-demo-preshared-key"
    }
}
EOF
}

strongswan_conf() { # <dir>
    cat <<EOF
charon {
    port = $port
    port_nat_t = $natt
    plugins {
        vici {
            socket = unix://$1/charon.vici
        }
    }
}
cygnet {
    backend = $backend
}
EOF
}

# runs a command on one side: in its namespace (root) or plainly; a simple
# command, so `run_in ... &` gives the program's own PID
ns_prefix() { # <side>: sets in_ns to the prefix that enters its namespace
    in_ns=()
    if [ "$mode" = netns ]; then in_ns=(ip netns exec "cygnet-demo-$1-$$"); fi
}
run_in() { # <side> <command...>
    ns_prefix "$1"
    shift
    "${in_ns[@]}" "$@"
}

if [ "$mode" = netns ]; then
    say "network namespaces cygnet-demo-a-$$ and cygnet-demo-b-$$ (veth 192.0.2.1 <-> 192.0.2.2)"
    for side in a b; do
        ip netns add "cygnet-demo-$side-$$"
        namespaces+=("cygnet-demo-$side-$$")
        run_in "$side" ip link set lo up
    done
    ip link add "cyg$$a" netns "cygnet-demo-a-$$" type veth peer name "cyg$$b" netns "cygnet-demo-b-$$"
    run_in a ip addr add 192.0.2.1/24 dev "cyg$$a"
    run_in b ip addr add 192.0.2.2/24 dev "cyg$$b"
    run_in a ip link set "cyg$$a" up
    run_in b ip link set "cyg$$b" up
    run_in a ip addr add 10.1.0.1/32 dev lo
    run_in b ip addr add 10.2.0.1/32 dev lo
else
    say "loopback mode (not root, or CYGNET_DEMO_MODE=loopback): both peers on 127.0.0.1 and 127.0.0.2 with the recording backend (no traffic; run as root for the full demo)"
fi

start() { # <side> <local addr> <remote addr> <local name> <remote name> <local net> <remote net>
    local side=$1 dir="$work/$1"
    mkdir -p "$dir"
    swanctl_conf "$2" "$3" "$4" "$5" "$6" "$7" >"$dir/swanctl.conf"
    strongswan_conf "$dir" >"$dir/strongswan.conf"
    ns_prefix "$side"
    "${in_ns[@]}" "$bin/cygnetd" --swanctl-conf "$dir/swanctl.conf" --conf "$dir/strongswan.conf" \
        2>"$dir/cygnetd.log" &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q "listening on $2:$natt" "$dir/cygnetd.log" && [ -S "$dir/charon.vici" ] && return 0
        sleep 0.1
    done
    echo "cygnetd ($side) did not start:" >&2
    cat "$dir/cygnetd.log" >&2
    exit 1
}

say "starting cygnetd on both sides (backend: $backend)"
start a "$addr_a" "$addr_b" site-a site-b 10.1.0.0/24 10.2.0.0/24
start b "$addr_b" "$addr_a" site-b site-a 10.2.0.0/24 10.1.0.0/24
grep -h "backend\|loaded connection" "$work"/a/cygnetd.log "$work"/b/cygnetd.log | sed 's/^/  /'

swanctl() { # <side> <command> <args...>
    local side=$1
    shift
    run_in "$side" "$bin/swanctl" "$@" --uri "unix://$work/$side/charon.vici"
}

say "site a: swanctl --initiate --child lan"
swanctl a --initiate --child lan --timeout 20

if [ "$mode" = netns ]; then
    say "traffic: ping 10.1.0.1 -> 10.2.0.1 through the tunnel"
    run_in a ping -n -c 5 -i 0.2 -I 10.1.0.1 10.2.0.1
fi

say "site a: swanctl --list-sas"
swanctl a --list-sas
say "site b: swanctl --list-sas"
swanctl b --list-sas

say "site a: swanctl --terminate --ike site-b"
swanctl a --terminate --ike site-b --timeout 10
say "done: stopping both daemons and removing what the demo created"
