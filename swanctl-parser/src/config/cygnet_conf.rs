//! Our own strongswan.conf settings, in the top-level `cygnet` section:
//! `backend` and `metrics.listen`.

use core::net::SocketAddr;

use crate::settings::Settings;

use super::error::{ConfigError, ErrorKind, Scope};

/// `cygnet.backend`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Linux XFRM.
    Kernel,
    /// Our userspace ESP.
    Userspace,
    /// Kernel if XFRM is usable, else userspace.
    #[default]
    Auto,
    /// No data plane: SAs and policies are only kept and logged (tests).
    Recording,
}

/// Settings of our own (`cygnet { … }`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CygnetSettings {
    pub backend: Backend,
    /// `metrics.listen`: where Prometheus metrics are served (off if unset).
    pub metrics: Option<SocketAddr>,
}

impl CygnetSettings {
    /// Reads the `cygnet` section; invalid values keep the default and are
    /// reported.
    pub(crate) fn read(settings: &Settings, errors: &mut Vec<ConfigError>) -> Self {
        let mut out = Self::default();
        let mut invalid = |kv: &crate::settings::Kv, key: &str, reason: &str| {
            errors.push(ConfigError::new(
                kv.value_pos.clone(),
                Scope::Settings("cygnet".to_owned()),
                Some(key.to_owned()),
                ErrorKind::InvalidValue {
                    reason: Some(reason.to_owned()),
                },
            ));
        };
        if let Some(kv) = settings.get("cygnet.backend") {
            let v = kv.value.as_deref().unwrap_or("");
            let known = [
                ("kernel", Backend::Kernel),
                ("userspace", Backend::Userspace),
                ("auto", Backend::Auto),
                ("recording", Backend::Recording),
            ];
            match known.iter().find(|(name, _)| v.eq_ignore_ascii_case(name)) {
                Some((_, backend)) => out.backend = *backend,
                None => invalid(
                    kv,
                    "backend",
                    "expected kernel, userspace, auto or recording",
                ),
            }
        }
        if let Some(kv) = settings.get("cygnet.metrics.listen") {
            match kv.value.as_deref().unwrap_or("").parse() {
                Ok(addr) => out.metrics = Some(addr),
                Err(_) => invalid(
                    kv,
                    "metrics.listen",
                    "expected an address and port, e.g. 127.0.0.1:9477",
                ),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (CygnetSettings, usize) {
        let tree = Settings::parse_str(text, "strongswan.conf").unwrap();
        let mut errors = Vec::new();
        let settings = CygnetSettings::read(&tree, &mut errors);
        (settings, errors.len())
    }

    #[test]
    fn backend_and_metrics_are_read() {
        let (s, errors) =
            read("cygnet {\n backend = Userspace\n metrics {\n listen = 127.0.0.1:9477\n }\n}\n");
        assert_eq!(errors, 0);
        assert_eq!(s.backend, Backend::Userspace);
        assert_eq!(s.metrics, Some("127.0.0.1:9477".parse().unwrap()));
        assert_eq!(read(""), (CygnetSettings::default(), 0));
    }

    #[test]
    fn bad_values_keep_the_defaults_and_are_reported() {
        let (s, errors) =
            read("cygnet {\n backend = xfrm\n metrics {\n listen = localhost\n }\n}\n");
        assert_eq!((s, errors), (CygnetSettings::default(), 2));
    }
}
