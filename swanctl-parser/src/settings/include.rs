//! `include` resolution: glob(3) patterns relative to the including file,
//! sorted matches, non-regular or unreadable files skipped, no match not an
//! error (reference §1.2). Unlike strongSwan we stop include cycles, deep
//! nesting and runaway sizes with an error at the include's position.

use std::path::{Path, PathBuf};

use super::{LoadError, Pos};

/// Includes nested deeper than this are refused.
const MAX_INCLUDE_DEPTH: usize = 32;
/// Total bytes read for one configuration, includes counted each time.
const MAX_TOTAL_BYTES: usize = 64 << 20;

#[derive(Default)]
pub(super) struct Includes {
    total_bytes: usize,
}

impl Includes {
    /// Reads the top-level file; failing to read it is an error.
    pub(super) fn read_top(&mut self, path: &Path) -> Result<(String, Option<PathBuf>), LoadError> {
        let io = |error| LoadError::Io {
            path: path.to_owned(),
            error,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let canonical = std::fs::canonicalize(path).map_err(io)?;
        self.count(bytes.len(), &Pos::new(path.into(), 1, 1))?;
        Ok((decode(bytes), Some(canonical)))
    }

    /// Reads an included file: `None` if it is not a readable regular file.
    /// `stack` holds the canonical paths of the files being read.
    pub(super) fn read(
        &mut self,
        path: &Path,
        pos: &Pos,
        stack: &[PathBuf],
        depth: usize,
    ) -> Result<Option<(String, PathBuf)>, LoadError> {
        let Ok(canonical) = std::fs::canonicalize(path) else {
            return Ok(None);
        };
        if !std::fs::metadata(&canonical).is_ok_and(|m| m.is_file()) {
            return Ok(None);
        }
        if stack.contains(&canonical) {
            return Err(LoadError::IncludeCycle {
                pos: pos.clone(),
                path: path.to_owned(),
            });
        }
        if depth >= MAX_INCLUDE_DEPTH {
            return Err(LoadError::IncludeTooDeep { pos: pos.clone() });
        }
        let Ok(bytes) = std::fs::read(&canonical) else {
            return Ok(None);
        };
        self.count(bytes.len(), pos)?;
        Ok(Some((decode(bytes), canonical)))
    }

    fn count(&mut self, len: usize, pos: &Pos) -> Result<(), LoadError> {
        self.total_bytes = self.total_bytes.saturating_add(len);
        if self.total_bytes > MAX_TOTAL_BYTES {
            return Err(LoadError::TooLarge { pos: pos.clone() });
        }
        Ok(())
    }
}

/// Settings files are bytes; invalid UTF-8 is replaced (U+FFFD).
fn decode(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Expands `pattern`, relative to the directory of `including_file` unless
/// absolute, into the full pattern and its matches in byte order.
pub(super) fn expand(pattern: &str, including_file: Option<&Path>) -> (PathBuf, Vec<PathBuf>) {
    let full = match including_file {
        Some(file) if !Path::new(pattern).is_absolute() => {
            let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
            dir.unwrap_or(Path::new(".")).join(pattern)
        }
        _ => PathBuf::from(pattern),
    };
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let Some(text) = full.to_str() else {
        return (full, Vec::new());
    };
    let mut matches: Vec<PathBuf> = match glob::glob_with(text, options) {
        Ok(paths) => paths.filter_map(Result::ok).collect(),
        Err(_) => Vec::new(),
    };
    matches.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    (full, matches)
}
