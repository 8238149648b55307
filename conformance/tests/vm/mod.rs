//! What the VM tests share: whether a Debian kernel can boot under qemu
//! here, and running a `conformance/vm` script. They need root and
//! qemu-system-x86, busybox-static, cpio, kmod (.ci/install); CI
//! (`CYGNET_REQUIRE_INTEROP`) fails instead of skipping.

use std::path::Path;
use std::process::Command;

/// Why the VM cannot run here, if it cannot.
fn missing() -> Option<&'static str> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1));
    let tools = [
        ("/usr/bin/qemu-system-x86_64", "no qemu-system-x86"),
        ("/bin/busybox", "no busybox-static"),
        ("/usr/bin/cpio", "no cpio"),
        ("/usr/sbin/depmod", "no kmod"),
        ("/usr/bin/apt-get", "no apt-get"),
    ];
    if euid != Some("0") {
        return Some("not root");
    }
    tools
        .into_iter()
        .find(|(path, _)| !Path::new(path).exists())
        .map(|(_, why)| why)
}

/// Runs `conformance/vm/<script>` and returns what it printed after
/// checking that it succeeded and printed `<marker>: PASS`; `None` if the
/// VM cannot run here (and CI does not require it).
pub(crate) fn run(script: &str, marker: &str) -> Option<String> {
    if let Some(why) = missing() {
        assert!(
            std::env::var_os("CYGNET_REQUIRE_INTEROP").is_none(),
            "CYGNET_REQUIRE_INTEROP is set but the VM test cannot run: {why}"
        );
        println!("skipping the VM test {script}: {why}");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vm")
        .join(script);
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("bash runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("{text}");
    assert!(out.status.success(), "{} failed:\n{text}", script.display());
    assert!(text.contains(&format!("{marker}: PASS")), "{text}");
    Some(text)
}
