//! stdout with C stdio's buffering: line-buffered on a terminal, otherwise
//! fully buffered (4096-byte blocks) and flushed at exit, so that the order
//! of stdout and stderr output in a shared pipe is the one strongSwan's
//! swanctl produces (stderr is unbuffered in both).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

const BUFSIZ: usize = 4096;

static BUF: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn write_out(data: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(data);
    let _ = out.flush();
}

/// Appends text to stdout.
pub(crate) fn print(text: &str) {
    print_bytes(text.as_bytes());
}

/// Appends bytes (not necessarily UTF-8) to stdout.
pub(crate) fn print_bytes(data: &[u8]) {
    let Ok(mut buf) = BUF.lock() else {
        write_out(data);
        return;
    };
    buf.extend_from_slice(data);
    if std::io::stdout().is_terminal() {
        if let Some(nl) = buf.iter().rposition(|&b| b == b'\n') {
            let rest = buf.split_off(nl + 1);
            write_out(&buf);
            *buf = rest;
        }
    } else if buf.len() >= BUFSIZ {
        let keep = buf.len() % BUFSIZ;
        let at = buf.len() - keep;
        let rest = buf.split_off(at);
        write_out(&buf);
        *buf = rest;
    }
}

/// Writes out what is buffered (at exit).
pub(crate) fn flush() {
    if let Ok(mut buf) = BUF.lock() {
        write_out(&buf);
        buf.clear();
    }
}

/// `printf` to stdout with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::print(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;
