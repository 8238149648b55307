#!/usr/bin/env bash
# esp-install's XFRM backend end to end in a kernel with ESP: boots
# Debian's kernel under qemu (software emulation) with an initramfs of
# busybox, iproute2 and esp-install's xfrm_e2e example, which installs SAs
# and policies in two network namespaces, pings through them, and checks
# counters, a soft expire, update_sa, hw_offload fallbacks and flush
# (after /work/shared/lab/KERNEL-VM.md; the machinery is in lib.sh). About
# 30 s; needs root (apt-get download, depmod), qemu-system-x86,
# busybox-static, cpio, kmod.
#   bash conformance/vm/xfrm-e2e.sh        # exit 0 and "XFRM-E2E: PASS"
# The kernel is cached in $CARGO_TARGET_DIR/vm (default target/vm), and
# the last console log is left there (xfrm-e2e.log).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
vm_kernel

cargo=${CARGO:-cargo}
(cd "$vm_root" && "$cargo" build --quiet -p esp-install --example xfrm_e2e)

vm_rootfs
vm_add_program "$vm_target/debug/examples/xfrm_e2e" /xfrm_e2e
{
  vm_init_preamble
  cat <<'EOF2'
$ip -n a addr add 10.1.0.1/32 dev lo
$ip -n b addr add 10.2.0.1/32 dev lo
$ip -n a route add 10.2.0.0/16 via 192.0.2.2 src 10.1.0.1
$ip -n b route add 10.1.0.0/16 via 192.0.2.1 src 10.2.0.1
echo "XFRM-E2E: kernel $(uname -r), starting"
$ip netns exec a /xfrm_e2e
echo "XFRM-E2E: exit $?"
poweroff -f
EOF2
} >"$fs/init"
vm_boot xfrm-e2e XFRM-E2E
