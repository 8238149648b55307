//! Reading files the way libstrongswan's `chunk_map()` does, with its errno
//! values (a directory opens but cannot be mapped: ENODEV).

use std::io::Read;

use crate::errno;

const ENODEV: i32 = 19;

/// The contents of `path`, or the errno `chunk_map()` fails with.
pub(crate) fn map(path: &[u8]) -> Result<Vec<u8>, i32> {
    let mut f = std::fs::File::open(crate::dir::bytes_to_path(path)).map_err(|e| errno::of(&e))?;
    let meta = f.metadata().map_err(|e| errno::of(&e))?;
    if meta.len() == 0 {
        return Ok(Vec::new());
    }
    if meta.is_dir() {
        return Err(ENODEV);
    }
    let mut data = Vec::new();
    f.read_to_end(&mut data).map_err(|e| errno::of(&e))?;
    Ok(data)
}
