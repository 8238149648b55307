use std::path::Path;

use super::{LoadError, Section};

pub(super) fn parse_file(_path: &Path) -> Result<Section, LoadError> {
    todo!()
}

pub(super) fn parse_str(_text: &str, _name: &str) -> Result<Section, LoadError> {
    todo!()
}
