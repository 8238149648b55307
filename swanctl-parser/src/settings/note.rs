//! Things worth telling the user that are not errors, such as an include
//! that matches no file (strongSwan logs these and carries on).

use std::fmt;

use super::Pos;

/// A remark made while reading settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub pos: Pos,
    pub message: String,
    /// Whether strongSwan prefixes its log line with `file:line:`.
    located: bool,
}

impl Note {
    pub(super) fn located(pos: Pos, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
            located: true,
        }
    }

    pub(super) fn unlocated(pos: Pos, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
            located: false,
        }
    }
}

/// strongSwan's log line for the note.
impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.located {
            write!(
                f,
                "{}:{}: {}",
                self.pos.file.display(),
                self.pos.line,
                self.message
            )
        } else {
            f.write_str(&self.message)
        }
    }
}
