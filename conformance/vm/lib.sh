# The machinery the VM tests share (after /work/shared/lab/KERNEL-VM.md):
# Debian's kernel cached in $CARGO_TARGET_DIR/vm, an initramfs of busybox,
# iproute2, the ESP/crypto/veth modules and the programs a test adds, and
# a qemu boot (software emulation) whose serial console the host reads.
# Sourced by xfrm-e2e.sh and cygnetd-e2e.sh:
#   vm_kernel                  # sets $version and $kernel
#   vm_rootfs                  # sets $work (removed on exit) and $fs
#   vm_add_program SRC DEST    # a program and its libraries into $fs
#   vm_init_preamble >"$fs/init"   # mounts, modules, namespaces a and b
#   vm_boot NAME MARKER        # boots; exit 0 iff "MARKER: PASS" printed
set -euo pipefail
vm_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vm_target=${CARGO_TARGET_DIR:-$vm_root/target}
vm_cache=$vm_target/vm
mkdir -p "$vm_cache"

# Debian's current kernel, unpacked once (modules.dep made here)
vm_kernel() {
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }' || true)
  if [ -z "$pkg" ]; then
    apt-get update -qq
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  fi
  version=${pkg#linux-image-}
  kernel=$vm_cache/$version
  if [ ! -e "$kernel/boot/vmlinuz-$version" ]; then
    (cd "$vm_cache" && apt-get download -qq "$pkg" 2>/dev/null)
    rm -rf "$kernel.tmp"
    dpkg -x "$vm_cache/${pkg}"_*.deb "$kernel.tmp"
    depmod -b "$kernel.tmp" "$version"
    rm -f "$vm_cache/${pkg}"_*.deb
    mv "$kernel.tmp" "$kernel"
  fi
}

# a program and the libraries ldd lists, at the same paths
vm_add_program() { # <source> <destination inside $fs>
  local lib
  mkdir -p "$(dirname "$fs/$2")"
  cp "$1" "$fs/$2"
  for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
    cp -L --parents "$lib" "$fs"
  done
}

# busybox, iproute2 and the modules XFRM, ESP, the crypto and veth need
vm_rootfs() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fs=$work/fs
  mkdir -p "$fs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,var,etc,lib/modules}
  cp /bin/busybox "$fs/bin/busybox"
  vm_add_program "$(command -v ip)" /sbin/ip
  local mods=$fs/lib/modules/$version
  mkdir -p "$mods/kernel/drivers/net" "$mods/kernel/arch/x86"
  cp -r "$kernel/lib/modules/$version/kernel/"{net,crypto,lib} "$mods/kernel/"
  cp -r "$kernel/lib/modules/$version/kernel/arch/x86/crypto" "$mods/kernel/arch/x86/"
  cp "$kernel/lib/modules/$version/kernel/drivers/net/veth.ko" "$mods/kernel/drivers/net/"
  cp "$kernel/lib/modules/$version/"modules.{order,builtin,builtin.modinfo} "$mods/"
  depmod -b "$fs" "$version"
}

# the start of /init: filesystems, modules, namespaces a and b joined by
# veth va (192.0.2.1/24) and vb (192.0.2.2/24); iproute2 is $ip
vm_init_preamble() {
  cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
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
EOF
}

# packs $fs, boots it and prints what /init printed between
# "MARKER: kernel" and "MARKER: exit"; the console log is kept as
# $vm_cache/NAME.log
vm_boot() { # <name> <marker>
  local log=$work/console.log
  chmod +x "$fs/init"
  (cd "$fs" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
  timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -nographic -no-reboot \
    -kernel "$kernel/boot/vmlinuz-$version" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet" >"$log" 2>&1 || true
  cp "$log" "$vm_cache/$1.log"
  sed -n "/$2: kernel/,/^$2: exit/p" "$log" | tr -d '\r'
  if grep -aq "^$2: PASS" "$log"; then
    return 0
  fi
  echo "--- console (last 60 lines)" >&2
  tail -n 60 "$log" >&2
  return 1
}
