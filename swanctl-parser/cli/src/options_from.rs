//! `--options <file>`: more command line arguments read from a file and
//! spliced into argv at the current position (libstrongswan's
//! `optionsfrom.c`): whitespace-separated tokens, `"…"`/`'…'` quoting
//! without escapes, `#` comments where a token would start, at most 20
//! files.

use crate::log;

const MAX_USES: usize = 20;

/// State kept across `--options` uses (the loop counter).
#[derive(Debug, Default)]
pub(crate) struct OptionsFrom {
    uses: usize,
}

impl OptionsFrom {
    /// Inserts the arguments of `file` into `argv` at `optind`; false (after
    /// logging why) if the file cannot be used.
    pub(crate) fn from(&mut self, file: &[u8], argv: &mut Vec<Vec<u8>>, optind: usize) -> bool {
        let name = String::from_utf8_lossy(file).into_owned();
        self.uses += 1;
        if self.uses >= MAX_USES {
            log::dbg1(&format!(
                "optionsfrom called {} times by \"{}\" - looping?",
                self.uses + 1,
                argv.first()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .unwrap_or_default()
            ));
            return false;
        }
        let path = crate::dir::bytes_to_path(file);
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                log::dbg1(&format!(
                    "optionsfrom: unable to open file '{name}': {}",
                    crate::errno::strerror(crate::errno::of(&e))
                ));
                return false;
            }
        };
        let Some(tokens) = tokenize(&data, &name) else {
            return false;
        };
        let at = optind.min(argv.len());
        argv.splice(at..at, tokens);
        true
    }
}

/// Splits the file into arguments; `None` on an unterminated quote.
pub(crate) fn tokenize(data: &[u8], name: &str) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    for (lineno, mut line) in lines.into_iter().enumerate() {
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        loop {
            while let Some((&b' ' | &b'\t', rest)) = line.split_first() {
                line = rest;
            }
            match line.first() {
                None | Some(b'#') => break,
                Some(&q @ (b'"' | b'\'')) => {
                    let rest = &line[1..];
                    let Some(end) = rest.iter().position(|&b| b == q) else {
                        log::dbg1(&format!(
                            "optionsfrom: missing terminator at {name}:{}",
                            lineno + 1
                        ));
                        return None;
                    };
                    out.push(rest[..end].to_vec());
                    line = &rest[end + 1..];
                }
                Some(_) => {
                    let end = line.iter().position(|&b| b == b' ' || b == b'\t');
                    match end {
                        Some(end) => {
                            out.push(line[..end].to_vec());
                            line = &line[end + 1..];
                        }
                        None => {
                            out.push(line.to_vec());
                            line = &[];
                        }
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quotes_and_comments() {
        let t = tokenize(b" --file a.conf \"--raw\" # x\n'b c'\td\r\n", "f").unwrap();
        let t: Vec<&[u8]> = t.iter().map(Vec::as_slice).collect();
        assert_eq!(t, [&b"--file"[..], b"a.conf", b"--raw", b"b c", b"d"]);
        assert!(tokenize(b"\"open", "f").is_none());
    }
}
