//! strongSwan's settings syntax, shared by swanctl.conf and strongswan.conf
//! (reference §1): text → token stream (includes spliced in, as strongSwan's
//! lexer does) → merged [`Section`] tree → [`Settings`] with reference lookups.

mod check;
mod error;
mod include;
mod lexer;
mod parser;
mod pos;
mod print;
mod tree;
mod view;

pub use check::ReferenceProblem;
pub use error::LoadError;
pub use pos::Pos;
pub use tree::{Kv, Reference, Section};
pub use view::{SectionView, Settings};

use std::path::Path;

impl Settings {
    /// Reads a settings file and everything it includes. A missing or
    /// unreadable top-level file is an error (strongSwan then yields an empty
    /// configuration; callers decide).
    pub fn load_file(path: &Path) -> Result<Self, LoadError> {
        parser::parse_file(path).map(Self::from_root)
    }

    /// Parses settings text; `name` is used in positions, and relative
    /// includes resolve against the current directory.
    pub fn parse_str(text: &str, name: &str) -> Result<Self, LoadError> {
        parser::parse_str(text, name).map(Self::from_root)
    }
}

#[cfg(test)]
mod tests;
