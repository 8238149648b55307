//! strongswan.conf: the `charon.*` settings (read in the `charon-systemd`
//! namespace, falling back to `charon`) and the IKE core's [`Settings`].

use core::time::Duration;
use std::io::ErrorKind;
use std::path::Path;

use ike::cookie::DosSettings;
use ike::settings::{Retransmit, Settings};
use swanctl_parser::config::{CharonSettings, DEFAULT_NAMESPACE};
use swanctl_parser::settings::{LoadError, Settings as Tree};

/// Reads strongswan.conf; a missing file gives charon's defaults, invalid
/// values fall back to theirs with a warning.
///
/// # Errors
/// An unreadable file or a syntax error, as `file:line:col: ...`.
pub(crate) fn load(path: &Path) -> Result<CharonSettings, String> {
    let tree = match Tree::load_file(path) {
        Ok(tree) => tree,
        Err(LoadError::Io { error, .. }) if error.kind() == ErrorKind::NotFound => {
            tracing::info!(target: "cfg", "{} not found, using defaults", path.display());
            return Ok(CharonSettings::default());
        }
        Err(e) => return Err(e.to_string()),
    };
    let (settings, problems) = CharonSettings::from_settings_ns(&tree, DEFAULT_NAMESPACE);
    for problem in problems {
        tracing::warn!(target: "cfg", "{problem}");
    }
    Ok(settings)
}

/// The settings the IKE core uses.
pub(crate) fn core(c: &CharonSettings) -> Settings {
    let defaults = Retransmit::default();
    let timeout = Duration::try_from_secs_f64(c.retransmit_timeout).unwrap_or(defaults.timeout);
    let base = if c.retransmit_base.is_finite() && c.retransmit_base > 0.0 {
        c.retransmit_base
    } else {
        defaults.base
    };
    if c.dos_protection && c.cookie_threshold_ip >= c.block_threshold {
        // the core raises it as charon's receiver does
        tracing::info!(target: "net", "increasing block threshold to {} due to per-IP cookie \
            threshold of {}", c.cookie_threshold_ip.saturating_add(1), c.cookie_threshold_ip);
    }
    Settings {
        port: c.port,
        port_nat_t: c.port_nat_t,
        retransmit: Retransmit {
            timeout,
            base,
            tries: c.retransmit_tries,
            limit: (c.retransmit_limit > 0).then(|| Duration::from_secs(c.retransmit_limit.into())),
        },
        fragment_size: usize::try_from(c.fragment_size).unwrap_or(1280),
        half_open_timeout: Duration::from_secs(c.half_open_timeout.into()),
        delete_rekeyed_delay: Duration::from_secs(c.delete_rekeyed_delay.into()),
        dos: DosSettings {
            dos_protection: c.dos_protection,
            cookie_threshold: c.cookie_threshold,
            cookie_threshold_ip: c.cookie_threshold_ip,
            block_threshold: c.block_threshold,
            init_limit_half_open: c.init_limit_half_open,
        },
        ..Settings::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charons_retransmit_and_port_settings_reach_the_core() {
        let text = "charon {\n port = 1500\n port_nat_t = 14500\n retransmit_timeout = 0.5\n \
                    retransmit_base = 1.5\n retransmit_tries = 2\n retransmit_limit = 3\n \
                    fragment_size = 1400\n half_open_timeout = 12\n delete_rekeyed_delay = 2\n}\n";
        let tree = Tree::parse_str(text, "strongswan.conf").unwrap();
        let (charon, problems) = CharonSettings::from_settings_ns(&tree, DEFAULT_NAMESPACE);
        assert!(problems.is_empty(), "{problems:?}");
        let s = core(&charon);
        assert_eq!((s.port, s.port_nat_t), (1500, 14500));
        assert_eq!(s.retransmit.timeout, Duration::from_millis(500));
        assert_eq!(s.retransmit.base, 1.5);
        assert_eq!(s.retransmit.tries, 2);
        assert_eq!(s.retransmit.limit, Some(Duration::from_secs(3)));
        assert_eq!(s.fragment_size, 1400);
        assert_eq!(s.half_open_timeout, Duration::from_secs(12));
        assert_eq!(s.delete_rekeyed_delay, Duration::from_secs(2));
    }

    #[test]
    fn a_negative_retransmit_timeout_keeps_the_default() {
        let charon = CharonSettings {
            retransmit_timeout: -1.0,
            ..CharonSettings::default()
        };
        assert_eq!(core(&charon).retransmit.timeout, Duration::from_secs(4));
    }

    #[test]
    fn charons_dos_settings_reach_the_core() {
        let text = "charon {\n dos_protection = no\n cookie_threshold = 10\n \
                    cookie_threshold_ip = 2\n block_threshold = 4\n init_limit_half_open = 50\n}\n";
        let tree = Tree::parse_str(text, "strongswan.conf").unwrap();
        let (charon, problems) = CharonSettings::from_settings_ns(&tree, DEFAULT_NAMESPACE);
        assert!(problems.is_empty(), "{problems:?}");
        let dos = core(&charon).dos;
        assert!(!dos.dos_protection);
        assert_eq!(
            (
                dos.cookie_threshold,
                dos.cookie_threshold_ip,
                dos.block_threshold
            ),
            (10, 2, 4)
        );
        assert_eq!(dos.init_limit_half_open, 50);
        assert_eq!(core(&CharonSettings::default()).dos, DosSettings::default());
    }

    #[test]
    fn a_missing_file_gives_charons_defaults() {
        let charon = load(Path::new("/nonexistent/strongswan.conf")).unwrap();
        assert_eq!(charon, CharonSettings::default());
    }
}
