//! Source positions for diagnostics (`file:line:column`).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A position in a settings file: 1-based line and column (in characters).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pos {
    pub file: Arc<Path>,
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(file: Arc<Path>, line: u32, col: u32) -> Self {
        Self { file, line, col }
    }

    /// A position for values that did not come from a file (VICI, defaults).
    pub fn unknown() -> Self {
        Self::new(Arc::from(Path::new("<none>")), 0, 0)
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}
