//! The settings grammar never panics on any bytes, and whatever parses
//! prints back to text that parses to the same tree; reference lookups and
//! checks terminate on whatever references the input declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swanctl_parser::config::SwanctlConfig;
use swanctl_parser::settings::Settings;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Keep the fuzzer away from the file system: includes of absolute or
    // parent paths could read anything.
    if text.contains("include") && (text.contains('/') || text.contains('*')) {
        return;
    }
    let Ok(settings) = Settings::parse_str(&text, "fuzz.conf") else {
        return;
    };
    let printed = settings.root().to_settings_text();
    let again = Settings::parse_str(&printed, "printed.conf").expect("printed text parses");
    assert!(settings.root().same_tree(again.root()), "print/parse changed the tree");
    let _ = settings.check_references();
    let _ = SwanctlConfig::from_settings(&settings);
});
