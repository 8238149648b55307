//! errno values swanctl returns as exit codes, and glibc's `strerror` texts
//! for the ones that can occur.

use std::io;

pub(crate) const ENOENT: i32 = 2;
pub(crate) const EINVAL: i32 = 22;
pub(crate) const EBADMSG: i32 = 74;
pub(crate) const ECONNREFUSED: i32 = 111;

/// The errno of an I/O error (EIO if it has none).
pub(crate) fn of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(match e.kind() {
        io::ErrorKind::NotFound => ENOENT,
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => EINVAL,
        io::ErrorKind::UnexpectedEof => EBADMSG,
        _ => 5,
    })
}

/// glibc's message for `errno`.
pub(crate) fn strerror(errno: i32) -> String {
    let s = match errno {
        0 => "Success",
        1 => "Operation not permitted",
        2 => "No such file or directory",
        4 => "Interrupted system call",
        5 => "Input/output error",
        9 => "Bad file descriptor",
        11 => "Resource temporarily unavailable",
        12 => "Cannot allocate memory",
        13 => "Permission denied",
        17 => "File exists",
        19 => "No such device",
        20 => "Not a directory",
        21 => "Is a directory",
        22 => "Invalid argument",
        23 => "Too many open files in system",
        24 => "Too many open files",
        27 => "File too large",
        32 => "Broken pipe",
        36 => "File name too long",
        40 => "Too many levels of symbolic links",
        74 => "Bad message",
        88 => "Socket operation on non-socket",
        91 => "Protocol wrong type for socket",
        97 => "Address family not supported by protocol",
        98 => "Address already in use",
        99 => "Cannot assign requested address",
        100 => "Network is down",
        101 => "Network is unreachable",
        103 => "Software caused connection abort",
        104 => "Connection reset by peer",
        107 => "Transport endpoint is not connected",
        110 => "Connection timed out",
        111 => "Connection refused",
        113 => "No route to host",
        _ => return format!("Unknown error {errno}"),
    };
    s.to_owned()
}
