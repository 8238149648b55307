#!/bin/sh
# Runs inside the VM (cygnetd-e2e.sh made /a and /b, the configurations of
# namespaces a and b, and joined them by veth): starts cygnetd in each,
# runs the scenarios and prints "CYGNETD-E2E: <scenario>: PASS|FAIL";
# the last line is "CYGNETD-E2E: PASS" iff all passed.
ip=/sbin/ip
failed=0

result() { # <scenario> <0 = pass> <detail>
  if [ "$2" = 0 ]; then
    echo "CYGNETD-E2E: $1: PASS ($3)"
  else
    echo "CYGNETD-E2E: $1: FAIL ($3)"
    failed=1
  fi
}

sw() { # <side> <swanctl arguments...>
  side=$1
  shift
  $ip netns exec "$side" /swanctl "$@" --uri "unix:///$side/charon.vici"
}

# --list-sas by our swanctl
list_sas() { # <side>
  sw "$1" --list-sas 2>&1
}

# packets that found no SA (XfrmOutNoStates, XfrmInNoStates) on either side
no_states() {
  for side in a b; do
    $ip netns exec $side awk '/NoStates/ { n += $2 } END { print n + 0 }' /proc/net/xfrm_stat
  done | awk '{ n += $1 } END { print n + 0 }'
}

# ESP packets counted by the kernel over every SA of a side
esp_packets() { # <side>
  $ip -n "$1" -s xfrm state | awk '/lifetime current/ { getline; sub(/\(packets\).*/, ""); sub(/.*, /, ""); n += $0 }
    END { print n + 0 }'
}

# ESP packets both sides counted during a command
esp_during() { # <command...>: sets esp_a and esp_b
  a0=$(esp_packets a)
  b0=$(esp_packets b)
  "$@"
  esp_a=$(($(esp_packets a) - a0))
  esp_b=$(($(esp_packets b) - b0))
}

# pings between a's and b's inner address of subnet n; sets got to the
# replies
pings() { # <subnet> <count> <interval>
  $ip netns exec a /usr/bin/ping -n -O -c "$2" -i "$3" -W 2 -I "10.1.$1.1" "10.2.$1.1" >/tmp/ping.$1 2>&1
  grep -v "bytes from" /tmp/ping.$1 >&2
  got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' /tmp/ping.$1)
}

# the inbound SPI of a CHILD_SA as swanctl --list-sas shows it
child_spi() { # <side> <child>
  list_sas "$1" | awk -v c="$2:" '$1 == c { f = 1 } f && $1 == "in" { sub(/,$/, "", $2); print $2; exit }'
}

# 1. addresses: the outer pairs of cert and udp, inner addresses on lo
for n in 1 2; do
  $ip -n a addr add 192.0.2.${n}1/24 dev va
  $ip -n b addr add 192.0.2.${n}2/24 dev vb
done
for n in 0 1 2 3 4 5 6 7; do
  $ip -n a addr add 10.1.$n.1/32 dev lo
  $ip -n b addr add 10.2.$n.1/32 dev lo
done
$ip -n a route add 10.2.0.0/16 via 192.0.2.2
$ip -n b route add 10.1.0.0/16 via 192.0.2.1

# 2. cygnetd in each namespace
start_cygnetd() { # <side>
  $ip netns exec $1 /cygnetd --swanctl-conf /$1/swanctl.conf --conf /$1/strongswan.conf \
    2>>/$1/cygnetd.log &
  echo $! >/$1/pid
}
for side in a b; do start_cygnetd $side; done
for _ in $(seq 100); do
  [ -S /a/charon.vici ] && [ -S /b/charon.vici ] && break
  sleep 0.1
done
grep -h "backend" /a/cygnetd.log /b/cygnetd.log

# 3. PSK net-to-net
t0=$(date +%s)
sw a --initiate --child net --timeout 30 >/tmp/net.out 2>&1
rc=$?
tail -n 3 /tmp/net.out
esp_during pings 0 5 0.2
la=$(list_sas a)
lb=$(list_sas b)
echo "$la"
echo "$lb"
ok=1
[ $rc = 0 ] && [ "$got" = 5 ] && [ $esp_a = 10 ] && [ $esp_b = 10 ] \
  && echo "$la" | grep -q ESTABLISHED && echo "$la" | grep -q INSTALLED \
  && echo "$lb" | grep -q ESTABLISHED && echo "$lb" | grep -q INSTALLED && ok=0
result psk $ok "initiate rc $rc in $(($(date +%s) - t0)) s, $got/5 pings, ESP packets a $esp_a b $esp_b"

# 4. certificates; IKE between 192.0.2.11 and .12 is blocked by policies
#    that only the daemons' per-socket bypass policies get around
$ip -n a xfrm policy add src 192.0.2.11 dst 192.0.2.12 proto 17 dir out action block
$ip -n a xfrm policy add src 192.0.2.12 dst 192.0.2.11 proto 17 dir in action block
$ip -n b xfrm policy add src 192.0.2.12 dst 192.0.2.11 proto 17 dir out action block
$ip -n b xfrm policy add src 192.0.2.11 dst 192.0.2.12 proto 17 dir in action block
# the control: a socket without bypass is blocked
$ip netns exec a traceroute -s 192.0.2.11 -m 1 -q 1 -w 1 192.0.2.12 >/dev/null 2>&1
blocked=$($ip netns exec a awk '$1 == "XfrmOutPolBlock" { print $2 }' /proc/net/xfrm_stat)
sw a --initiate --child cnet --timeout 30 >/tmp/cnet.out 2>&1
rc=$?
tail -n 3 /tmp/cnet.out
esp_during pings 1 5 0.2
auth=$(grep -c "authentication of .* with ECDSA.* successful" /a/cygnetd.log)
ok=1
[ $rc = 0 ] && [ "$got" = 5 ] && [ $esp_a = 10 ] && [ $esp_b = 10 ] && [ "$auth" -ge 1 ] && [ "${blocked:-0}" -ge 1 ] && ok=0
result cert $ok "initiate rc $rc, $got/5 pings, ESP packets a $esp_a b $esp_b, $auth ECDSA authentication lines on a, IKE through block policies that stopped $blocked plain UDP packets"

# 5. ESP in UDP (encap = yes): the kernel takes it off the NAT-T sockets
#    only with their UDP_ENCAP option
sw a --initiate --child unet --timeout 30 >/tmp/unet.out 2>&1
rc=$?
tail -n 3 /tmp/unet.out
esp_during pings 6 5 0.2
encap=$(($($ip -n a xfrm state | grep -c "encap type espinudp sport 4500 dport 4500") + \
  $($ip -n b xfrm state | grep -c "encap type espinudp sport 4500 dport 4500")))
ok=1
[ $rc = 0 ] && [ "$got" = 5 ] && [ $esp_a = 10 ] && [ $esp_b = 10 ] && [ $encap = 4 ] && ok=0
result udp-encap $ok "initiate rc $rc, $got/5 pings, ESP packets a $esp_a b $esp_b, $encap SAs with ESP in UDP 4500"

# 6. rekeys on the kernel's packet-limit expires, no ping lost
sw a --initiate --child rekey --timeout 30 >/dev/null 2>&1
spi0=$(child_spi a rekey)
pings 2 60 0.1
nostates=$(no_states)
spi1=$(child_spi a rekey)
soft=$(cat /a/cygnetd.log /b/cygnetd.log | grep -c "soft expire")
rekeyed=$(cat /a/cygnetd.log /b/cygnetd.log | grep -c "CHILD_SA rekey{.* rekeyed")
ok=1
[ "$got" = 60 ] && [ $nostates = 0 ] && [ -n "$spi0" ] && [ -n "$spi1" ] && [ "$spi0" != "$spi1" ] && [ "$soft" -ge 1 ] \
  && [ "$rekeyed" -ge 1 ] && ok=0
result rekey $ok "$got/60 pings, $nostates packets without SA, inbound SPI $spi0 -> $spi1, $soft soft expires, $rekeyed rekeys logged"

# 6b. rekeys without jitter: both sides expire at the same packet and
#     their rekeys collide; the loser never sends on its redundant SA
sw a --initiate --child collide --timeout 30 >/dev/null 2>&1
before=$(no_states)
collisions0=$(cat /a/cygnetd.log /b/cygnetd.log | grep -c "rekey collision")
pings 7 60 0.1
nostates=$(($(no_states) - before))
collisions=$(($(cat /a/cygnetd.log /b/cygnetd.log | grep -c "rekey collision") - collisions0))
ok=1
[ "$got" = 60 ] && [ $nostates = 0 ] && ok=0
result rekey-collisions $ok "$got/60 pings, $nostates packets without SA, $collisions collisions settled"

# 7. hw_offload on veth (no ESP offload): auto falls back, packet and
#    crypto fail the CHILD_SA
sw a --initiate --child auto --timeout 30 >/dev/null 2>&1
rc=$?
esp_during pings 3 3 0.2
offload=$(list_sas a | awk '$1 == "auto:" { f = 1 } f && /offload/ { print; exit }')
fallback=$(grep -c "trying with no HW offload" /a/cygnetd.log)
ok=1
# our swanctl shows the mode in use: `hw-offload: none (auto)`
[ $rc = 0 ] && [ "$got" = 3 ] && [ $esp_a = 6 ] && [ "$fallback" -ge 1 ] &&
  case $offload in *"hw-offload: none (auto)"*) true ;; *) false ;; esac && ok=0
result hw_offload-auto $ok "initiate rc $rc, $got/3 pings, ESP packets a $esp_a b $esp_b, list-sas: '${offload:-no offload line}', $fallback fallback log lines"
for mode in packet crypto; do
  sw a --initiate --child $mode --timeout 30 >/tmp/$mode.out 2>&1
  rc=$?
  tail -n 2 /tmp/$mode.out
  why=$(grep "unable to add SA" /a/cygnetd.log | grep -i "offload" | tail -n 1)
  failed_child=$(grep -c "failed to establish CHILD_SA $mode (unable to install IPsec SA (SAD) in kernel)" /a/cygnetd.log)
  installed=$(list_sas a | grep -c "^  $mode:")
  ok=1
  [ $rc != 0 ] && [ -n "$why" ] && [ "$failed_child" = 1 ] && [ "$installed" = 0 ] && ok=0
  result hw_offload-$mode $ok "initiate rc $rc, listed $installed, log: ${why:-none}"
done

# 8. SIGTERM: both daemons delete their SAs and policies and exit
$ip -n a xfrm policy delete src 192.0.2.11 dst 192.0.2.12 proto 17 dir out
$ip -n a xfrm policy delete src 192.0.2.12 dst 192.0.2.11 proto 17 dir in
$ip -n b xfrm policy delete src 192.0.2.12 dst 192.0.2.11 proto 17 dir out
$ip -n b xfrm policy delete src 192.0.2.11 dst 192.0.2.12 proto 17 dir in
xfrm_count() { # <state|policy>: entries in both namespaces
  echo $(($($ip -n a xfrm "$1" | grep -c '^src') + $($ip -n b xfrm "$1" | grep -c '^src')))
}
states0=$(xfrm_count state)
policies0=$(xfrm_count policy)
for side in a b; do kill -TERM "$(cat /$side/pid)"; done
t0=$(date +%s)
for side in a b; do
  while kill -0 "$(cat /$side/pid)" 2>/dev/null && [ $(($(date +%s) - t0)) -lt 10 ]; do sleep 0.1; done
done
left=0
for side in a b; do
  kill -0 "$(cat /$side/pid)" 2>/dev/null && left=$((left + 1))
done
states=$(xfrm_count state)
policies=$(xfrm_count policy)
ok=1
[ $left = 0 ] && [ $states0 -gt 0 ] && [ $states = 0 ] && [ $policies = 0 ] && ok=0
result sigterm $ok "$left daemons left after $(($(date +%s) - t0)) s; states $states0 -> $states, policies $policies0 -> $policies"

# 9. Cygnet <-> charon 5.9.8 (kernel-netlink) over kernel ESP: cygnetd in
#    a again, charon in b with b's configuration (cygnetd-e2e.sh put it
#    in /etc/swanctl)
if [ -x /usr/lib/ipsec/charon ]; then
  start_cygnetd a
  $ip netns exec b /usr/lib/ipsec/charon >/b/charon.log 2>&1 &
  echo $! >/b/charon.pid
  for _ in $(seq 100); do
    [ -S /a/charon.vici ] && [ -S /run/charon.vici ] && break
    sleep 0.1
  done
  $ip netns exec b /usr/sbin/swanctl --load-all --uri unix:///run/charon.vici >/tmp/load.out 2>&1
  loaded=$?
  sw a --initiate --child net --timeout 30 >/tmp/charon.out 2>&1
  rc=$?
  tail -n 3 /tmp/charon.out
  esp_during pings 0 5 0.2
  established=$(grep -c "CHILD_SA net{.*} established" /b/charon.log)
  version=$(grep -o 'strongSwan [0-9.]*' /b/charon.log | head -n 1)
  ok=1
  [ $loaded = 0 ] && [ $rc = 0 ] && [ "$got" = 5 ] && [ $esp_a = 10 ] && [ $esp_b = 10 ] \
    && [ "$established" -ge 1 ] && ok=0
  result charon $ok "charon of ${version:-?}: load-all rc $loaded, initiate rc $rc, $got/5 pings, ESP packets a $esp_a b $esp_b"
  # and the other way: charon initiates the certificate tunnel
  $ip netns exec b /usr/sbin/swanctl --initiate --child cnet --timeout 30 --uri unix:///run/charon.vici \
    >/tmp/charon-cnet.out 2>&1
  rc=$?
  tail -n 2 /tmp/charon-cnet.out
  esp_during pings 1 5 0.2
  ok=1
  [ $rc = 0 ] && [ "$got" = 5 ] && [ $esp_a = 10 ] && [ $esp_b = 10 ] && ok=0
  result charon-cert $ok "charon initiates, cygnetd responds: initiate rc $rc, $got/5 pings, ESP packets a $esp_a b $esp_b"
  kill -TERM "$(cat /a/pid)" "$(cat /b/charon.pid)"
  sleep 1
else
  echo "CYGNETD-E2E: charon: SKIP (no /usr/lib/ipsec/charon on the host)"
fi

if [ $failed = 0 ]; then echo "CYGNETD-E2E: PASS"; else echo "CYGNETD-E2E: FAIL"; fi
