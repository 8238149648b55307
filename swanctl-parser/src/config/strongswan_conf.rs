//! The strongswan.conf settings the daemon uses (reference §5.3, §6), read
//! as charon does: `<ns>.<key>` where the daemon's namespace (`charon-systemd`
//! for the systemd daemon) falls back to `charon` and then to
//! `libstrongswan`, like strongSwan's `library_add_namespace` +
//! `add_fallback`. Invalid values fall back to the default (strongSwan's
//! behaviour); each one is also reported.
//!
//! Our own settings live in the top-level `cygnet` section.

use crate::settings::{Pos, Reference, Section, SectionView, Settings};

use super::cygnet_conf::CygnetSettings;
use super::error::{ConfigError, ErrorKind, Scope};
use super::value::{has_prefix_ci, strtoul};

/// The namespace of the systemd daemon, the one the lab runs.
pub const DEFAULT_NAMESPACE: &str = "charon-systemd";

/// Logging subsystems (strongSwan's debug groups), in strongSwan's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subsystem {
    Dmn,
    Mgr,
    Ike,
    Chd,
    Job,
    Cfg,
    Knl,
    Net,
    Asn,
    Enc,
    Tnc,
    Imc,
    Imv,
    Pts,
    Tls,
    App,
    Esp,
    Lib,
}

impl Subsystem {
    pub const ALL: [Self; 18] = [
        Self::Dmn,
        Self::Mgr,
        Self::Ike,
        Self::Chd,
        Self::Job,
        Self::Cfg,
        Self::Knl,
        Self::Net,
        Self::Asn,
        Self::Enc,
        Self::Tnc,
        Self::Imc,
        Self::Imv,
        Self::Pts,
        Self::Tls,
        Self::App,
        Self::Esp,
        Self::Lib,
    ];

    /// The key in logger sections (`ike`, `knl`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Self::Dmn => "dmn",
            Self::Mgr => "mgr",
            Self::Ike => "ike",
            Self::Chd => "chd",
            Self::Job => "job",
            Self::Cfg => "cfg",
            Self::Knl => "knl",
            Self::Net => "net",
            Self::Asn => "asn",
            Self::Enc => "enc",
            Self::Tnc => "tnc",
            Self::Imc => "imc",
            Self::Imv => "imv",
            Self::Pts => "pts",
            Self::Tls => "tls",
            Self::App => "app",
            Self::Esp => "esp",
            Self::Lib => "lib",
        }
    }

    /// The tag in log lines (`IKE`, `KNL`, ...).
    pub fn tag(self) -> String {
        self.key().to_ascii_uppercase()
    }
}

/// Log levels of one logger: -1 (silent) … 4 (private).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLevels {
    /// `default` (1).
    pub default: i32,
    /// Per-subsystem levels, in [`Subsystem::ALL`] order.
    pub levels: [i32; 18],
}

impl LogLevels {
    pub fn level(&self, subsystem: Subsystem) -> i32 {
        self.levels[subsystem as usize]
    }

    fn uniform(level: i32) -> Self {
        Self {
            default: level,
            levels: [level; 18],
        }
    }
}

/// `<ns>.filelog.<name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLogger {
    pub name: String,
    /// `path`; defaults to the section name (`stdout`/`stderr` are
    /// special).
    pub path: String,
    pub append: bool,
    pub flush_line: bool,
    pub ike_name: bool,
    pub log_level: bool,
    pub time_format: Option<String>,
    pub time_add_ms: bool,
    pub levels: LogLevels,
}

/// `<ns>.syslog.<facility>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysLogger {
    /// `daemon`, `auth`, ...
    pub facility: String,
    pub ike_name: bool,
    pub log_level: bool,
    /// -1: map all levels to LOG_INFO.
    pub map_level: i32,
    pub levels: LogLevels,
}

/// The daemon's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CharonSettings {
    /// The namespace read (`charon-systemd`, `charon`).
    pub namespace: String,
    /// `port` (500).
    pub port: u16,
    /// `port_nat_t` (4500).
    pub port_nat_t: u16,
    /// `plugins.vici.socket` (`unix:///var/run/charon.vici`).
    pub vici_socket: String,
    /// `retransmit_timeout` in seconds (4.0).
    pub retransmit_timeout: f64,
    /// `retransmit_base` (1.8).
    pub retransmit_base: f64,
    /// `retransmit_tries` (5).
    pub retransmit_tries: u32,
    /// `retransmit_jitter` in percent (0).
    pub retransmit_jitter: u32,
    /// `retransmit_limit` in seconds, 0 = none (0).
    pub retransmit_limit: u32,
    /// `fragment_size` (1280): the largest IKE fragment datagram, RFC 7383.
    pub fragment_size: u32,
    /// `replay_window` in packets (32).
    pub replay_window: u32,
    /// `make_before_break` (no in 5.9.8).
    pub make_before_break: bool,
    /// `rsa_pss` (no): sign with RSASSA-PSS where RSA keys are used.
    pub rsa_pss: bool,
    pub filelog: Vec<FileLogger>,
    /// `journal` (charon-systemd's journal logger, cygnetd's stderr).
    pub journal: LogLevels,
    /// `half_open_timeout` in seconds (30).
    pub half_open_timeout: u32,
    /// `delete_rekeyed_delay` in seconds (5).
    pub delete_rekeyed_delay: u32,
    /// `dos_protection` (yes).
    pub dos_protection: bool,
    /// `cookie_threshold` (30).
    pub cookie_threshold: u32,
    /// `cookie_threshold_ip` (3).
    pub cookie_threshold_ip: u32,
    /// `block_threshold` (5).
    pub block_threshold: u32,
    /// `init_limit_half_open` (0 = none).
    pub init_limit_half_open: u32,
    /// `syslog.identifier` (unset: the program name).
    pub syslog_identifier: Option<String>,
    pub syslog: Vec<SysLogger>,
    pub cygnet: CygnetSettings,
}

impl Default for CharonSettings {
    fn default() -> Self {
        Self {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            port: 500,
            port_nat_t: 4500,
            vici_socket: "unix:///var/run/charon.vici".to_owned(),
            retransmit_timeout: 4.0,
            retransmit_base: 1.8,
            retransmit_tries: 5,
            retransmit_jitter: 0,
            retransmit_limit: 0,
            fragment_size: 1280,
            replay_window: 32,
            make_before_break: false,
            rsa_pss: false,
            filelog: Vec::new(),
            journal: LogLevels::uniform(1),
            half_open_timeout: 30,
            delete_rekeyed_delay: 5,
            dos_protection: true,
            cookie_threshold: 30,
            cookie_threshold_ip: 3,
            block_threshold: 5,
            init_limit_half_open: 0,
            syslog_identifier: None,
            syslog: Vec::new(),
            cygnet: CygnetSettings::default(),
        }
    }
}

/// Reads values of one section, recording problems.
struct Reader<'a> {
    view: SectionView<'a>,
    path: String,
    errors: &'a mut Vec<ConfigError>,
}

impl Reader<'_> {
    fn raw(&self, key: &str) -> Option<(&str, Pos)> {
        let kv = self.view.get(key)?;
        Some((kv.value.as_deref()?, kv.value_pos.clone()))
    }

    fn bad(&mut self, key: &str, pos: Pos, why: &str) {
        self.errors.push(ConfigError::new(
            pos,
            Scope::Settings(self.path.clone()),
            Some(key.to_owned()),
            ErrorKind::InvalidValue {
                reason: Some(why.to_owned()),
            },
        ));
    }

    fn string(&self, key: &str) -> Option<String> {
        self.raw(key).map(|(v, _)| v.to_owned())
    }

    fn bool(&mut self, key: &str, default: bool) -> bool {
        let Some((v, pos)) = self.raw(key) else {
            return default;
        };
        let lower = v.to_ascii_lowercase();
        match lower.as_str() {
            "1" | "yes" | "true" | "enabled" => true,
            "0" | "no" | "false" | "disabled" => false,
            _ => {
                self.bad(key, pos, "not a boolean");
                default
            }
        }
    }

    /// `settings_value_as_int`: decimal, or hex with `0x`.
    fn int(&mut self, key: &str, default: i64, min: i64, max: i64) -> i64 {
        let Some((v, pos)) = self.raw(key) else {
            return default;
        };
        let base = if v.starts_with("0x") { 16 } else { 10 };
        let scan = strtoul(v, base);
        let parsed = (!v.is_empty() && scan.rest.is_empty() && !scan.overflow)
            .then(|| i64::try_from(scan.value).ok())
            .flatten()
            .map(|n| if scan.negative { -n } else { n })
            .filter(|n| (min..=max).contains(n));
        match parsed {
            Some(n) => n,
            None => {
                self.bad(key, pos, "not a number in range");
                default
            }
        }
    }

    fn double(&mut self, key: &str, default: f64) -> f64 {
        let Some((v, pos)) = self.raw(key) else {
            return default;
        };
        match v.trim_start().parse::<f64>() {
            Ok(d) if d.is_finite() => d,
            _ => {
                self.bad(key, pos, "not a number");
                default
            }
        }
    }

    fn levels(&mut self) -> LogLevels {
        let (min, max) = (i64::from(i32::MIN), i64::from(i32::MAX));
        let default = to_i32(self.int("default", 1, min, max));
        let mut levels = LogLevels::uniform(default);
        for s in Subsystem::ALL {
            levels.levels[s as usize] = to_i32(self.int(s.key(), i64::from(default), min, max));
        }
        levels
    }
}

fn to_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(0)
}

fn to_u16(n: i64) -> u16 {
    u16::try_from(n).unwrap_or(0)
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// The settings with the namespace fallbacks strongSwan adds.
fn with_fallbacks(settings: &Settings, ns: &str) -> Settings {
    let mut root: Section = settings.root().clone();
    let mut section = Section::new(ns, Pos::unknown());
    for fallback in ["charon", "libstrongswan"] {
        if fallback != ns {
            section.add_reference(Reference {
                path: fallback.to_owned(),
                pos: Pos::unknown(),
            });
        }
    }
    root.add_section(section);
    Settings::from_root(root)
}

impl CharonSettings {
    /// The settings of the `charon-systemd` daemon (falling back to
    /// `charon`).
    pub fn from_settings(settings: &Settings) -> Self {
        Self::from_settings_ns(settings, DEFAULT_NAMESPACE).0
    }

    /// The settings of daemon namespace `ns`, with the problems found.
    pub fn from_settings_ns(settings: &Settings, ns: &str) -> (Self, Vec<ConfigError>) {
        let settings = with_fallbacks(settings, ns);
        let mut errors = Vec::new();
        let mut out = Self {
            namespace: ns.to_owned(),
            ..Self::default()
        };
        let mut r = Reader {
            view: settings.view(ns),
            path: ns.to_owned(),
            errors: &mut errors,
        };
        out.port = to_u16(r.int("port", 500, 0, 65535));
        out.port_nat_t = to_u16(r.int("port_nat_t", 4500, 0, 65535));
        out.retransmit_timeout = r.double("retransmit_timeout", 4.0);
        out.retransmit_base = r.double("retransmit_base", 1.8);
        out.retransmit_tries = to_u32(r.int("retransmit_tries", 5, 0, i64::from(u32::MAX)));
        out.retransmit_jitter = to_u32(r.int("retransmit_jitter", 0, 0, 100));
        out.retransmit_limit = to_u32(r.int("retransmit_limit", 0, 0, i64::from(u32::MAX)));
        out.fragment_size = to_u32(r.int("fragment_size", 1280, 0, 65535));
        out.replay_window = to_u32(r.int("replay_window", 32, 0, i64::from(u32::MAX)));
        out.make_before_break = r.bool("make_before_break", false);
        out.rsa_pss = r.bool("rsa_pss", false);
        let u32_max = i64::from(u32::MAX);
        out.half_open_timeout = to_u32(r.int("half_open_timeout", 30, 0, u32_max));
        out.delete_rekeyed_delay = to_u32(r.int("delete_rekeyed_delay", 5, 0, u32_max));
        out.dos_protection = r.bool("dos_protection", true);
        out.cookie_threshold = to_u32(r.int("cookie_threshold", 30, 0, u32_max));
        out.cookie_threshold_ip = to_u32(r.int("cookie_threshold_ip", 3, 0, u32_max));
        out.block_threshold = to_u32(r.int("block_threshold", 5, 0, u32_max));
        out.init_limit_half_open = to_u32(r.int("init_limit_half_open", 0, 0, u32_max));
        out.journal = Reader {
            view: settings.view(&format!("{ns}.journal")),
            path: format!("{ns}.journal"),
            errors: &mut errors,
        }
        .levels();

        let vici = Reader {
            view: settings.view(&format!("{ns}.plugins.vici")),
            path: format!("{ns}.plugins.vici"),
            errors: &mut errors,
        };
        if let Some(socket) = vici.string("socket") {
            out.vici_socket = socket;
        }

        let filelog_view = settings.view(&format!("{ns}.filelog"));
        for (name, view) in filelog_view.children() {
            let mut r = Reader {
                view,
                path: format!("{ns}.filelog.{name}"),
                errors: &mut errors,
            };
            out.filelog.push(FileLogger {
                name: name.to_owned(),
                path: r.string("path").unwrap_or_else(|| name.to_owned()),
                append: r.bool("append", true),
                flush_line: r.bool("flush_line", false),
                ike_name: r.bool("ike_name", false),
                log_level: r.bool("log_level", false),
                time_format: r.string("time_format"),
                time_add_ms: r.bool("time_add_ms", false),
                levels: r.levels(),
            });
        }

        let syslog_view = settings.view(&format!("{ns}.syslog"));
        out.syslog_identifier = syslog_view.value("identifier").map(str::to_owned);
        for (facility, view) in syslog_view.children() {
            let mut r = Reader {
                view,
                path: format!("{ns}.syslog.{facility}"),
                errors: &mut errors,
            };
            out.syslog.push(SysLogger {
                facility: facility.to_owned(),
                ike_name: r.bool("ike_name", false),
                log_level: r.bool("log_level", false),
                map_level: to_i32(r.int("map_level", -1, -1, 7)),
                levels: r.levels(),
            });
        }

        out.cygnet = CygnetSettings::read(&settings, &mut errors);
        (out, errors)
    }

    /// Whether `uri` is a Unix socket URI (`unix://path`).
    pub fn vici_socket_path(&self) -> Option<&str> {
        if has_prefix_ci(&self.vici_socket, "unix://") {
            Some(&self.vici_socket["unix://".len()..])
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Backend;

    fn parse(text: &str) -> Settings {
        match Settings::parse_str(text, "strongswan.conf") {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn an_empty_file_gives_charons_defaults() {
        let c = CharonSettings::from_settings(&parse(""));
        assert_eq!(c, CharonSettings::default());
        assert_eq!(c.port, 500);
        assert_eq!(c.port_nat_t, 4500);
        assert_eq!(c.vici_socket, "unix:///var/run/charon.vici");
        assert_eq!(c.vici_socket_path(), Some("/var/run/charon.vici"));
        assert_eq!(c.retransmit_timeout, 4.0);
        assert_eq!(c.retransmit_base, 1.8);
        assert_eq!(c.retransmit_tries, 5);
        assert_eq!(c.replay_window, 32);
        assert_eq!(c.fragment_size, 1280);
        assert!(!c.make_before_break);
        assert_eq!(c.cygnet.backend, Backend::Auto);
    }

    #[test]
    fn charon_systemd_falls_back_to_charon() {
        let s = parse(
            "charon { port = 4510\n replay_window = 64\n fragment_size = 1400\n plugins { vici { socket = unix:///tmp/v } } }\n\
             charon-systemd { port = 4520 }\n",
        );
        let c = CharonSettings::from_settings(&s);
        assert_eq!(c.port, 4520);
        assert_eq!(c.replay_window, 64);
        assert_eq!(c.fragment_size, 1400);
        assert_eq!(c.vici_socket, "unix:///tmp/v");
        let (c, _) = CharonSettings::from_settings_ns(&s, "charon");
        assert_eq!(c.port, 4510);
    }

    #[test]
    fn loggers_of_charon_apply_to_charon_systemd() {
        let s = parse("charon { filelog { log { path = /tmp/l\n ike = 2 } } }\n");
        let c = CharonSettings::from_settings(&s);
        assert_eq!(c.namespace, "charon-systemd");
        assert_eq!(c.filelog.len(), 1);
        assert_eq!(c.filelog[0].path, "/tmp/l");
        assert_eq!(c.filelog[0].levels.level(Subsystem::Ike), 2);
        assert_eq!(c.filelog[0].levels.level(Subsystem::Cfg), 1);
    }

    #[test]
    fn libstrongswan_is_the_last_fallback() {
        let s = parse("libstrongswan { make_before_break = yes }\n");
        assert!(CharonSettings::from_settings(&s).make_before_break);
    }

    #[test]
    fn rsa_pss_is_read_from_the_charon_section_and_off_by_default() {
        assert!(CharonSettings::from_settings(&parse("charon { rsa_pss = yes }\n")).rsa_pss);
        assert!(!CharonSettings::from_settings(&parse("charon { }\n")).rsa_pss);
    }

    #[test]
    fn invalid_values_fall_back_to_defaults_and_are_reported() {
        let s = parse(
            "charon {\n  port = 70000\n  retransmit_base = fast\n  make_before_break = maybe\n  retransmit_tries = 0x3\n}\n",
        );
        let (c, errors) = CharonSettings::from_settings_ns(&s, "charon");
        assert_eq!(c.port, 500);
        assert_eq!(c.retransmit_base, 1.8);
        assert!(!c.make_before_break);
        assert_eq!(c.retransmit_tries, 3);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with("strongswan.conf:2:3: charon: invalid value for: port"),
            "{shown:?}"
        );
        assert!(errors.iter().all(|e| !e.rejects()));
    }

    #[test]
    fn file_and_sys_loggers_read_levels_per_subsystem() {
        let s = parse(
            "charon {\n filelog {\n  charon-log { path = /var/log/charon.log\n default = 2\n ike = 3\n knl = -1\n append = no\n time_format = %b %e %T }\n  stderr { default = 0 } }\n syslog { identifier = charon-custom\n daemon { default = 1\n cfg = 2 } } }\n",
        );
        let (c, errors) = CharonSettings::from_settings_ns(&s, "charon");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c.filelog.len(), 2);
        let f = &c.filelog[0];
        assert_eq!(f.path, "/var/log/charon.log");
        assert!(!f.append);
        assert_eq!(f.time_format.as_deref(), Some("%b %e %T"));
        assert_eq!(f.levels.default, 2);
        assert_eq!(f.levels.level(Subsystem::Ike), 3);
        assert_eq!(f.levels.level(Subsystem::Knl), -1);
        assert_eq!(f.levels.level(Subsystem::Net), 2);
        assert_eq!(c.filelog[1].path, "stderr");
        assert_eq!(c.filelog[1].levels.level(Subsystem::Cfg), 0);
        assert_eq!(c.syslog_identifier.as_deref(), Some("charon-custom"));
        assert_eq!(c.syslog[0].facility, "daemon");
        assert_eq!(c.syslog[0].levels.level(Subsystem::Cfg), 2);
        assert_eq!(c.syslog[0].map_level, -1);
    }

    #[test]
    fn cygnet_backend_is_read_from_our_section() {
        let c = CharonSettings::from_settings(&parse("cygnet { backend = userspace }\n"));
        assert_eq!(c.cygnet.backend, Backend::Userspace);
        let c = CharonSettings::from_settings(&parse("cygnet { backend = KERNEL }\n"));
        assert_eq!(c.cygnet.backend, Backend::Kernel);
        let c = CharonSettings::from_settings(&parse("cygnet { backend = recording }\n"));
        assert_eq!(c.cygnet.backend, Backend::Recording);
        let (c, e) =
            CharonSettings::from_settings_ns(&parse("cygnet { backend = xfrm }\n"), "charon");
        assert_eq!(c.cygnet.backend, Backend::Auto);
        assert_eq!(e.len(), 1);
    }
}
