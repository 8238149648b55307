use core::time::Duration;

use swanctl_parser::settings::Settings as Tree;

use super::sinks::{Line, Sinks};
use super::*;

#[test]
fn targets_map_to_charons_subsystem_tags() {
    assert_eq!(tag("cfg"), "CFG");
    assert_eq!(tag("net"), "NET");
    assert_eq!(tag("ike::task::ike_auth"), "IKE");
    assert_eq!(tag("ike::wire::message"), "ENC");
    assert_eq!(tag("ike::fragment::reassemble"), "ENC");
    assert_eq!(tag("esp_install::recording"), "KNL");
    assert_eq!(tag("cygnetd::driver"), "IKE");
    assert_eq!(subsystem("KNL"), Subsystem::Knl as usize);
}

#[test]
fn the_clock_shows_hours_minutes_and_seconds_of_the_day() {
    let t = UNIX_EPOCH + Duration::from_secs(3 * 86_400 + 8 * 3600 + 61);
    assert_eq!(clock(t), "08:01:01");
}

fn charon(text: &str) -> CharonSettings {
    let tree = Tree::parse_str(text, "strongswan.conf").unwrap();
    let (settings, problems) = CharonSettings::from_settings_ns(&tree, "charon");
    assert!(problems.is_empty(), "{problems:?}");
    settings
}

fn line<'a>(group: &'static str, level: u8, msg: &'a str) -> Line<'a> {
    Line {
        group,
        subsystem: subsystem(group),
        level,
        sa: Some(" <gw|3>".into()),
        msg,
    }
}

#[test]
fn a_file_logger_filters_by_subsystem_and_formats_like_charon() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charon.log");
    let text = format!(
        "charon {{ filelog {{ test {{ path = {}\n default = 1\n knl = -1\n enc = 2\n \
         ike_name = yes\n log_level = yes\n flush_line = yes\n time_format = %Y }} }} }}",
        path.display()
    );
    let mut sinks = Sinks::stderr_only([-1; 18]);
    let problems = sinks.configure(&charon(&text), [-1; 18]);
    assert!(problems.is_empty(), "{problems:?}");
    sinks.write(&line("IKE", 1, "shown\nin two lines"));
    sinks.write(&line("IKE", 2, "too detailed"));
    sinks.write(&line("KNL", 1, "silenced"));
    sinks.write(&line("ENC", 2, "parsed"));
    let year = strftime::format("%Y", SystemTime::now());
    let log = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        log,
        format!(
            "{year} 00[IKE1] <gw|3> shown\n{year} 00[IKE1] <gw|3> in two lines\n\
             {year} 00[ENC2] <gw|3> parsed\n"
        )
    );
    assert_eq!(sinks.max_level(), 2);
    assert!(sinks.ike_names());
}

#[test]
fn reconfiguring_keeps_the_file_and_changes_levels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charon.log");
    let conf = |level: i32| {
        format!(
            "charon {{ filelog {{ f {{ path = {}\n default = {level}\n flush_line = yes }} }} }}",
            path.display()
        )
    };
    let mut sinks = Sinks::stderr_only([1; 18]);
    sinks.configure(&charon(&conf(1)), [1; 18]);
    sinks.write(&line("CFG", 2, "hidden"));
    sinks.configure(&charon(&conf(2)), [1; 18]);
    sinks.write(&line("CFG", 2, "shown"));
    let log = std::fs::read_to_string(&path).unwrap();
    assert_eq!(log, "00[CFG] shown\n");
}

#[test]
fn journal_levels_set_stderr_and_debug_raises_them() {
    let settings = charon("charon { journal { default = 0\n ike = 3 } }");
    let levels = stderr_levels(&settings.journal, false);
    assert_eq!(levels[Subsystem::Ike as usize], 3);
    assert_eq!(levels[Subsystem::Cfg as usize], 0);
    assert_eq!(
        stderr_levels(&settings.journal, true)[Subsystem::Cfg as usize],
        2
    );
}

#[test]
fn an_unknown_syslog_facility_is_reported() {
    let mut sinks = Sinks::stderr_only([1; 18]);
    let problems = sinks.configure(
        &charon("charon { syslog { local9 { default = 1 } } }"),
        [1; 18],
    );
    assert_eq!(problems, ["invalid syslog facility 'local9'"]);
}

#[test]
fn syslog_gets_rfc_3164_datagrams_with_charons_priority() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let server = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let leaked: &'static str = Box::leak(path.display().to_string().into_boxed_str());
    let mut sinks = Sinks::stderr_only([-1; 18]).with_syslog_path(leaked);
    let text = "charon { syslog { identifier = cygnet-test\n daemon { default = 1\n \
                map_level = 2\n ike_name = yes } } }";
    let problems = sinks.configure(&charon(text), [-1; 18]);
    assert!(problems.is_empty(), "{problems:?}");
    sinks.write(&line("CFG", 1, "loaded"));
    sinks.write(&line("CFG", 2, "too detailed"));
    let mut buf = [0u8; 256];
    let n = server.recv(&mut buf).unwrap();
    // facility daemon (3) × 8 + map_level 2 + level 1
    assert_eq!(
        core::str::from_utf8(&buf[..n]).unwrap(),
        "<27>cygnet-test: 00[CFG] <gw|3> loaded"
    );
    server.set_nonblocking(true).unwrap();
    assert!(server.recv(&mut buf).is_err(), "level 2 is not sent");
}
