//! strongSwan's settings syntax, shared by swanctl.conf and strongswan.conf
//! (reference §1): text → token stream (includes spliced in, as strongSwan's
//! lexer does) → merged [`Section`] tree → [`Settings`] with reference lookups.

mod check;
mod error;
mod include;
mod lexer;
mod note;
mod parser;
mod pos;
mod print;
mod tree;
mod view;

pub use check::ReferenceProblem;
pub use error::LoadError;
pub use note::Note;
pub use pos::Pos;
pub use tree::{Kv, Reference, Section};
pub use view::{SectionView, Settings};

use std::path::Path;

impl Settings {
    /// Reads a settings file and everything it includes. A missing or
    /// unreadable top-level file is an error (strongSwan then yields an empty
    /// configuration; callers decide).
    pub fn load_file(path: &Path) -> Result<Self, LoadError> {
        Self::read_file(path).0
    }

    /// As [`Self::load_file`], also returning what strongSwan would log
    /// while reading (includes that match nothing), in order.
    pub fn read_file(path: &Path) -> (Result<Self, LoadError>, Vec<Note>) {
        let (result, notes) = parser::parse_file(path);
        (result.map(Self::from_root), notes)
    }

    /// Parses settings text; `name` is used in positions, and relative
    /// includes resolve against the current directory.
    pub fn parse_str(text: &str, name: &str) -> Result<Self, LoadError> {
        parser::parse_str(text, name).0.map(Self::from_root)
    }
}

#[cfg(test)]
mod tests;
