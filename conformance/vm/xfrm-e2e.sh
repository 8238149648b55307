#!/usr/bin/env bash
# esp-install's XFRM backend end to end in a kernel with ESP: boots
# Debian's kernel under qemu (software emulation) with an initramfs of
# busybox, iproute2 and esp-install's xfrm_e2e example, which installs SAs
# and policies in two network namespaces, pings through them, and checks
# counters, a soft expire, update_sa, hw_offload fallbacks and flush
# (after /work/shared/lab/KERNEL-VM.md). About 30 s; needs root (apt-get
# download, depmod), qemu-system-x86, busybox-static, cpio, kmod.
#   bash conformance/vm/xfrm-e2e.sh        # exit 0 and "XFRM-E2E: PASS"
# The kernel is cached in $CARGO_TARGET_DIR/vm (default target/vm), and
# the last console log is left there (console.log).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cache=$target/vm
mkdir -p "$cache"

# 1. Debian's current kernel, unpacked once (modules.dep made here)
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }' || true)
if [ -z "$pkg" ]; then
  apt-get update -qq
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
version=${pkg#linux-image-}
kernel=$cache/$version
if [ ! -e "$kernel/boot/vmlinuz-$version" ]; then
  (cd "$cache" && apt-get download -qq "$pkg" 2>/dev/null)
  rm -rf "$kernel.tmp"
  dpkg -x "$cache/${pkg}"_*.deb "$kernel.tmp"
  depmod -b "$kernel.tmp" "$version"
  rm -f "$cache/${pkg}"_*.deb
  mv "$kernel.tmp" "$kernel"
fi

# 2. the test program
cargo=${CARGO:-cargo}
(cd "$root" && "$cargo" build --quiet -p esp-install --example xfrm_e2e)
program=$target/debug/examples/xfrm_e2e

# 3. the initramfs: busybox, iproute2 and the program with their
#    libraries, the modules XFRM, ESP, the crypto and veth need
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fs=$work/fs
mkdir -p "$fs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,var,etc,lib/modules}
cp /bin/busybox "$fs/bin/busybox"
ip=$(command -v ip)
cp "$ip" "$fs/sbin/ip"
cp "$program" "$fs/xfrm_e2e"
for binary in "$ip" "$program"; do
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    cp -L --parents "$lib" "$fs"
  done
done
mods=$fs/lib/modules/$version
mkdir -p "$mods/kernel/drivers/net" "$mods/kernel/arch/x86"
cp -r "$kernel/lib/modules/$version/kernel/"{net,crypto,lib} "$mods/kernel/"
cp -r "$kernel/lib/modules/$version/kernel/arch/x86/crypto" "$mods/kernel/arch/x86/"
cp "$kernel/lib/modules/$version/kernel/drivers/net/veth.ko" "$mods/kernel/drivers/net/"
cp "$kernel/lib/modules/$version/"modules.{order,builtin,builtin.modinfo} "$mods/"
depmod -b "$fs" "$version"
cat >"$fs/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mkdir -p /run/netns
ln -s /run /var/run
# the kernel loads crypto templates through /sbin/modprobe (busybox)
for m in xfrm_user esp4 gcm ctr ghash_generic seqiv echainiv authenc cbc hmac sha1_generic \
         sha256_generic sha512_generic chacha20poly1305 veth; do
  modprobe "$m" 2>/dev/null || echo "no module $m"
done
ip=/sbin/ip
for side in a b; do $ip netns add $side; $ip -n $side link set lo up; done
$ip link add va netns a type veth peer name vb netns b
$ip -n a addr add 192.0.2.1/24 dev va
$ip -n b addr add 192.0.2.2/24 dev vb
$ip -n a link set va up
$ip -n b link set vb up
$ip -n a addr add 10.1.0.1/32 dev lo
$ip -n b addr add 10.2.0.1/32 dev lo
$ip -n a route add 10.2.0.0/16 via 192.0.2.2 src 10.1.0.1
$ip -n b route add 10.1.0.0/16 via 192.0.2.1 src 10.2.0.1
echo "XFRM-E2E: kernel $(uname -r), starting"
$ip netns exec a /xfrm_e2e
echo "XFRM-E2E: exit $?"
poweroff -f
EOF
chmod +x "$fs/init"
(cd "$fs" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# 4. boot, with everything inside the VM
log=$work/console.log
timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -nographic -no-reboot \
  -kernel "$kernel/boot/vmlinuz-$version" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 rdinit=/init panic=-1 quiet" >"$log" 2>&1 || true
cp "$log" "$cache/console.log"
# what the program printed
sed -n '/XFRM-E2E: kernel/,/^XFRM-E2E: exit/p' "$log" | tr -d '\r'
if grep -aq '^XFRM-E2E: PASS' "$log"; then
  exit 0
fi
echo "--- console (last 60 lines)" >&2
tail -n 60 "$log" >&2
exit 1
