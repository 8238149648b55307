//! cygnetd with `cygnet.backend = kernel` end to end in a Debian kernel
//! with ESP under qemu: conformance/vm/cygnetd-e2e.sh (two cygnetd in
//! namespaces joined by veth; PSK and certificate tunnels brought up with
//! our swanctl and carrying pings, rekeys on the kernel's packet-limit
//! expires without loss, hw_offload on veth, SIGTERM cleanup). Needs root
//! and qemu (see `vm`).

mod vm;

#[test]
fn cygnetd_with_the_kernel_backend_keys_tunnels_that_carry_pings() {
    let Some(text) = vm::run("cygnetd-e2e.sh", "CYGNETD-E2E") else {
        return;
    };
    for scenario in [
        "psk",
        "cert",
        "udp-encap",
        "rekey",
        "rekey-collisions",
        "hw_offload-auto",
        "hw_offload-packet",
        "hw_offload-crypto",
        "sigterm",
    ] {
        let pass = format!("CYGNETD-E2E: {scenario}: PASS");
        assert!(text.contains(&pass), "missing {pass:?}:\n{text}");
    }
    assert!(!text.contains(": FAIL"), "{text}");
    // charon with kernel-netlink is the peer of the last scenario where
    // strongSwan is installed (.ci/install installs it)
    if std::path::Path::new("/usr/lib/ipsec/charon").exists() {
        for scenario in ["charon", "charon-cert"] {
            let pass = format!("CYGNETD-E2E: {scenario}: PASS");
            assert!(text.contains(&pass), "missing {pass:?}:\n{text}");
        }
    }
}
