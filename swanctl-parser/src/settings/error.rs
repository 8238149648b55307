//! Errors of the settings reader. Every one names `file:line:column`.

use std::fmt;
use std::path::PathBuf;

use super::Pos;

/// Why a settings file could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The top-level file could not be read.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The text does not follow the grammar.
    Syntax { pos: Pos, message: String },
    /// A file includes itself, directly or through other files.
    IncludeCycle { pos: Pos, path: PathBuf },
    /// Includes nested deeper than we follow.
    IncludeTooDeep { pos: Pos },
    /// The file (with its includes) is larger than we accept.
    TooLarge { pos: Pos },
}

impl LoadError {
    /// Where the problem is, if it is inside a file.
    pub fn pos(&self) -> Option<&Pos> {
        match self {
            Self::Io { .. } => None,
            Self::Syntax { pos, .. }
            | Self::IncludeCycle { pos, .. }
            | Self::IncludeTooDeep { pos }
            | Self::TooLarge { pos } => Some(pos),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Self::Syntax { pos, message } => write!(f, "{pos}: {message}"),
            Self::IncludeCycle { pos, path } => {
                write!(
                    f,
                    "{pos}: include cycle: '{}' is already being read",
                    path.display()
                )
            }
            Self::IncludeTooDeep { pos } => write!(f, "{pos}: includes nested too deeply"),
            Self::TooLarge { pos } => write!(f, "{pos}: configuration too large"),
        }
    }
}

impl std::error::Error for LoadError {}
