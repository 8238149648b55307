//! Configuration errors. Each names the position of the offending entry, the
//! item it rejects (connection, secret, authority, pool) and the key.

use std::fmt;

use crate::settings::Pos;

/// Which configuration item an error belongs to (and rejects).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// `connections.<name>`: the whole connection is discarded.
    Connection(String),
    /// `secrets.<name>`: the secret is not loaded.
    Secret(String),
    /// `authorities.<name>`: the authority is not loaded.
    Authority(String),
    /// `pools.<name>`: the pool is not loaded.
    Pool(String),
    /// A strongswan.conf setting (the dotted section path); strongSwan falls
    /// back to the default value, so nothing is rejected.
    Settings(String),
}

impl Scope {
    /// The name of the rejected item (connection name, secret section, ...).
    pub fn name(&self) -> &str {
        match self {
            Self::Connection(n)
            | Self::Secret(n)
            | Self::Authority(n)
            | Self::Pool(n)
            | Self::Settings(n) => n,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connection(n) | Self::Settings(n) => f.write_str(n),
            Self::Secret(n) => write!(f, "secrets.{n}"),
            Self::Authority(n) => write!(f, "authorities.{n}"),
            Self::Pool(n) => write!(f, "pools.{n}"),
        }
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A key the section does not know
    /// (`unknown option: <key>, config discarded`).
    UnknownOption,
    /// A value that does not parse
    /// (`invalid value for: <key>, config discarded`); `reason` is the more
    /// specific message charon logs, e.g. `algorithm 'x' not recognized`.
    InvalidValue { reason: Option<String> },
    /// A sub-section that is not allowed here (`invalid section: <name>`).
    InvalidSection,
    /// Any other problem, with charon's (or swanctl's) message verbatim.
    Message(String),
}

/// One configuration problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pos: Pos,
    scope: Scope,
    /// Sub-section path inside the item, e.g. `children.net` or `local`.
    path: Option<String>,
    key: Option<String>,
    kind: ErrorKind,
}

impl ConfigError {
    pub fn new(pos: Pos, scope: Scope, key: Option<String>, kind: ErrorKind) -> Self {
        Self {
            pos,
            scope,
            path: None,
            key,
            kind,
        }
    }

    /// Sets the sub-section path (builder style).
    pub fn with_path(mut self, path: Option<String>) -> Self {
        self.path = path;
        self
    }

    /// Where the offending entry (or section) is.
    pub fn pos(&self) -> &Pos {
        &self.pos
    }

    /// The offending key (or section name for section errors).
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The rejected connection, if the error belongs to one.
    pub fn conn(&self) -> Option<&str> {
        match &self.scope {
            Scope::Connection(n) => Some(n),
            _ => None,
        }
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Sub-section inside the item (`children.net`, `local`, `local.cert1`).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Whether this error makes the item (connection, secret, ...) be
    /// discarded; strongswan.conf problems only fall back to defaults.
    pub fn rejects(&self) -> bool {
        !matches!(self.scope, Scope::Settings(_))
    }

    /// The error text charon sends in a VICI reply (`errmsg`).
    pub fn errmsg(&self) -> String {
        let key = self.key.as_deref().unwrap_or("");
        match &self.kind {
            ErrorKind::UnknownOption => format!("unknown option: {key}, config discarded"),
            ErrorKind::InvalidValue { .. } if !self.rejects() => {
                format!("invalid value for: {key}, using the default")
            }
            ErrorKind::InvalidValue { .. } => {
                format!("invalid value for: {key}, config discarded")
            }
            ErrorKind::InvalidSection => format!("invalid section: {key}"),
            ErrorKind::Message(m) => m.clone(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.pos, self.scope)?;
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.errmsg())?;
        if let ErrorKind::InvalidValue {
            reason: Some(reason),
        } = &self.kind
        {
            write!(f, " ({reason})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Why a single value did not parse (turned into
/// [`ErrorKind::InvalidValue`] with the entry's position and key).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueError {
    pub reason: Option<String>,
}

impl ValueError {
    pub fn plain() -> Self {
        Self { reason: None }
    }

    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
        }
    }
}

/// Collects the errors of one item while it is parsed.
#[derive(Debug)]
pub(crate) struct Diag {
    scope: Scope,
    path: Vec<String>,
    pub(crate) errors: Vec<ConfigError>,
}

impl Diag {
    pub(crate) fn new(scope: Scope) -> Self {
        Self {
            scope,
            path: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn push_path(&mut self, part: &str) {
        self.path.push(part.to_owned());
    }

    pub(crate) fn pop_path(&mut self) {
        self.path.pop();
    }

    fn current_path(&self) -> Option<String> {
        (!self.path.is_empty()).then(|| self.path.join("."))
    }

    pub(crate) fn error(&mut self, pos: &Pos, key: &str, kind: ErrorKind) {
        let err = ConfigError::new(pos.clone(), self.scope.clone(), Some(key.to_owned()), kind)
            .with_path(self.current_path());
        self.errors.push(err);
    }

    pub(crate) fn unknown(&mut self, pos: &Pos, key: &str) {
        self.error(pos, key, ErrorKind::UnknownOption);
    }

    pub(crate) fn invalid(&mut self, pos: &Pos, key: &str, err: ValueError) {
        self.error(pos, key, ErrorKind::InvalidValue { reason: err.reason });
    }

    pub(crate) fn message(&mut self, pos: &Pos, key: Option<&str>, msg: String) {
        let err = ConfigError::new(
            pos.clone(),
            self.scope.clone(),
            key.map(str::to_owned),
            ErrorKind::Message(msg),
        )
        .with_path(self.current_path());
        self.errors.push(err);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}
