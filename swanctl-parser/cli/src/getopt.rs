//! A `getopt_long(3)` that behaves like GNU libc's (2.36), which is what
//! strongSwan's swanctl is parsed with: argument permutation (unless
//! `POSIXLY_CORRECT` is set), unambiguous long-option abbreviations,
//! `--name=value`, clustered short options, `--` ending the options, and
//! glibc's diagnostics. The state survives changes of `optstring`/long
//! options between calls and resets of `optind`, as swanctl's dispatcher
//! relies on both.

/// Return value for the end of the options (`-1` / `EOF` in C).
pub(crate) const EOF: i32 = -1;
/// Return value for an unknown option or a missing argument.
pub(crate) const UNKNOWN: i32 = b'?' as i32;

/// Whether a long option takes an argument (`has_arg` of `struct option`;
/// swanctl has no optional arguments, `::` in the optstring still works).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HasArg {
    No,
    Required,
}

/// One `struct option` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LongOpt {
    pub(crate) name: &'static str,
    pub(crate) has_arg: HasArg,
    pub(crate) val: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ordering {
    RequireOrder,
    Permute,
    ReturnInOrder,
}

/// The state glibc keeps in `struct _getopt_data` plus `argv` itself, which
/// getopt permutes in place.
#[derive(Debug)]
pub(crate) struct Getopt {
    /// The argument vector, `argv[0]` being the program name.
    pub(crate) argv: Vec<Vec<u8>>,
    /// Index of the next element to scan.
    pub(crate) optind: usize,
    /// Argument of the last returned option.
    pub(crate) optarg: Option<Vec<u8>>,
    /// Print diagnostics (`opterr`).
    pub(crate) opterr: bool,
    /// Byte offset into `argv[optind]` of the next short option character of
    /// a cluster; `None` when the next element is to be scanned.
    nextchar: Option<usize>,
    first_nonopt: usize,
    last_nonopt: usize,
    ordering: Ordering,
    initialized: bool,
    posixly_correct: bool,
    /// Diagnostics produced so far (without trailing newline), for the
    /// caller to print to stderr.
    pub(crate) messages: Vec<String>,
}

impl Getopt {
    pub(crate) fn new(argv: Vec<Vec<u8>>) -> Self {
        Self {
            argv,
            optind: 1,
            optarg: None,
            opterr: true,
            nextchar: None,
            first_nonopt: 0,
            last_nonopt: 0,
            ordering: Ordering::Permute,
            initialized: false,
            posixly_correct: std::env::var_os("POSIXLY_CORRECT").is_some(),
            messages: Vec::new(),
        }
    }

    /// Program name as glibc prints it in diagnostics (`argv[0]`).
    fn progname(&self) -> String {
        self.argv
            .first()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .unwrap_or_default()
    }

    fn argc(&self) -> usize {
        self.argv.len()
    }

    fn nonoption_at(&self, i: usize) -> bool {
        let a = &self.argv[i];
        a.first() != Some(&b'-') || a.len() == 1
    }

    /// Moves the non-options skipped so far behind the options that followed
    /// them (glibc's `exchange`, an order-preserving rotation).
    fn exchange(&mut self) {
        let bottom = self.first_nonopt.min(self.argc());
        let middle = self.last_nonopt.min(self.argc());
        let top = self.optind.min(self.argc());
        if bottom < middle && middle < top {
            self.argv[bottom..top].rotate_left(middle - bottom);
        }
        self.first_nonopt = self
            .first_nonopt
            .saturating_add(self.optind)
            .saturating_sub(self.last_nonopt);
        self.last_nonopt = self.optind;
    }

    /// One `getopt_long()` call.
    pub(crate) fn next(&mut self, optstring: &[u8], longopts: &[LongOpt]) -> i32 {
        let mut print_errors = self.opterr;
        if self.argc() < 1 {
            return EOF;
        }
        self.optarg = None;

        let mut optstring = optstring;
        if self.optind == 0 || !self.initialized {
            if self.optind == 0 {
                self.optind = 1;
            }
            self.first_nonopt = self.optind;
            self.last_nonopt = self.optind;
            self.nextchar = None;
            self.ordering = match optstring.first() {
                Some(b'-') => {
                    optstring = &optstring[1..];
                    Ordering::ReturnInOrder
                }
                Some(b'+') => {
                    optstring = &optstring[1..];
                    Ordering::RequireOrder
                }
                _ if self.posixly_correct => Ordering::RequireOrder,
                _ => Ordering::Permute,
            };
            self.initialized = true;
        } else if matches!(optstring.first(), Some(b'-' | b'+')) {
            optstring = &optstring[1..];
        }
        if optstring.first() == Some(&b':') {
            print_errors = false;
        }

        let pending = self
            .nextchar
            .filter(|&off| self.argv.get(self.optind).is_some_and(|a| off < a.len()));
        let off = match pending {
            Some(off) => off,
            None => {
                self.nextchar = None;
                if self.last_nonopt > self.optind {
                    self.last_nonopt = self.optind;
                }
                if self.first_nonopt > self.optind {
                    self.first_nonopt = self.optind;
                }
                if self.ordering == Ordering::Permute {
                    if self.first_nonopt != self.last_nonopt && self.last_nonopt != self.optind {
                        self.exchange();
                    } else if self.last_nonopt != self.optind {
                        self.first_nonopt = self.optind;
                    }
                    while self.optind < self.argc() && self.nonoption_at(self.optind) {
                        self.optind += 1;
                    }
                    self.last_nonopt = self.optind;
                }
                if self.optind != self.argc() && self.argv[self.optind] == b"--" {
                    self.optind += 1;
                    if self.first_nonopt != self.last_nonopt && self.last_nonopt != self.optind {
                        self.exchange();
                    } else if self.first_nonopt == self.last_nonopt {
                        self.first_nonopt = self.optind;
                    }
                    self.last_nonopt = self.argc();
                    self.optind = self.argc();
                }
                if self.optind >= self.argc() {
                    if self.first_nonopt != self.last_nonopt {
                        self.optind = self.first_nonopt;
                    }
                    return EOF;
                }
                if self.nonoption_at(self.optind) {
                    if self.ordering == Ordering::RequireOrder {
                        return EOF;
                    }
                    self.optarg = Some(self.argv[self.optind].clone());
                    self.optind += 1;
                    return 1;
                }
                if !longopts.is_empty() && self.argv[self.optind].get(1) == Some(&b'-') {
                    return self.long_option(optstring, longopts, print_errors);
                }
                1
            }
        };
        self.short_option(off, optstring, print_errors)
    }

    fn short_option(&mut self, off: usize, optstring: &[u8], print_errors: bool) -> i32 {
        let idx = self.optind;
        let arg_len = self.argv[idx].len();
        let c = self.argv[idx][off];
        let next = off + 1;
        self.nextchar = Some(next);
        if next >= arg_len {
            self.optind += 1;
            self.nextchar = None;
        }
        let pos = optstring.iter().position(|&b| b == c);
        let Some(pos) = pos.filter(|_| c != b':' && c != b';') else {
            if print_errors {
                self.messages.push(format!(
                    "{}: invalid option -- '{}'",
                    self.progname(),
                    char::from(c)
                ));
            }
            return UNKNOWN;
        };
        let colons = optstring[pos + 1..]
            .iter()
            .take(2)
            .take_while(|&&b| b == b':')
            .count();
        match colons {
            0 => {}
            2 => {
                if next < arg_len {
                    self.optarg = Some(self.argv[idx][next..].to_vec());
                    self.optind += 1;
                } else {
                    self.optarg = None;
                }
                self.nextchar = None;
            }
            _ => {
                if next < arg_len {
                    self.optarg = Some(self.argv[idx][next..].to_vec());
                    self.optind += 1;
                } else if self.optind >= self.argc() {
                    if print_errors {
                        self.messages.push(format!(
                            "{}: option requires an argument -- '{}'",
                            self.progname(),
                            char::from(c)
                        ));
                    }
                    self.nextchar = None;
                    return if optstring.first() == Some(&b':') {
                        i32::from(b':')
                    } else {
                        UNKNOWN
                    };
                } else {
                    self.optarg = Some(self.argv[self.optind].clone());
                    self.optind += 1;
                }
                self.nextchar = None;
            }
        }
        i32::from(c)
    }

    fn long_option(&mut self, optstring: &[u8], longopts: &[LongOpt], print_errors: bool) -> i32 {
        let idx = self.optind;
        let text = self.argv[idx][2..].to_vec();
        let namelen = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
        let name = &text[..namelen];
        let shown = String::from_utf8_lossy(&text).into_owned();

        let mut found = longopts.iter().position(|o| o.name.as_bytes() == name);
        if found.is_none() {
            let mut first: Option<usize> = None;
            let mut ambig: Vec<usize> = Vec::new();
            for (i, o) in longopts.iter().enumerate() {
                if !o.name.as_bytes().starts_with(name) {
                    continue;
                }
                match first {
                    None => first = Some(i),
                    Some(f) => {
                        let p = &longopts[f];
                        if p.has_arg != o.has_arg || p.val != o.val {
                            if ambig.is_empty() {
                                ambig.push(f);
                            }
                            ambig.push(i);
                        }
                    }
                }
            }
            if !ambig.is_empty() {
                if print_errors {
                    let mut msg = format!(
                        "{}: option '--{shown}' is ambiguous; possibilities:",
                        self.progname()
                    );
                    for &i in &ambig {
                        msg.push_str(&format!(" '--{}'", longopts[i].name));
                    }
                    self.messages.push(msg);
                }
                self.nextchar = None;
                self.optind += 1;
                return UNKNOWN;
            }
            found = first;
        }
        let Some(found) = found else {
            if print_errors {
                self.messages.push(format!(
                    "{}: unrecognized option '--{shown}'",
                    self.progname()
                ));
            }
            self.nextchar = None;
            self.optind += 1;
            return UNKNOWN;
        };
        let opt = longopts[found];
        self.optind += 1;
        self.nextchar = None;
        if namelen < text.len() {
            if opt.has_arg != HasArg::No {
                self.optarg = Some(text[namelen + 1..].to_vec());
            } else {
                if print_errors {
                    self.messages.push(format!(
                        "{}: option '--{}' doesn't allow an argument",
                        self.progname(),
                        opt.name
                    ));
                }
                return UNKNOWN;
            }
        } else if opt.has_arg == HasArg::Required {
            if self.optind < self.argc() {
                self.optarg = Some(self.argv[self.optind].clone());
                self.optind += 1;
            } else {
                if print_errors {
                    self.messages.push(format!(
                        "{}: option '--{}' requires an argument",
                        self.progname(),
                        opt.name
                    ));
                }
                return if optstring.first() == Some(&b':') {
                    i32::from(b':')
                } else {
                    UNKNOWN
                };
            }
        }
        opt.val
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<Vec<u8>> {
        std::iter::once("swanctl")
            .chain(args.iter().copied())
            .map(|a| a.as_bytes().to_vec())
            .collect()
    }

    fn g(args: &[&str]) -> Getopt {
        let mut g = Getopt::new(argv(args));
        g.posixly_correct = false;
        g
    }

    const LONG: &[LongOpt] = &[
        LongOpt {
            name: "help",
            has_arg: HasArg::No,
            val: b'h' as i32,
        },
        LongOpt {
            name: "file",
            has_arg: HasArg::Required,
            val: b'f' as i32,
        },
        LongOpt {
            name: "force",
            has_arg: HasArg::No,
            val: b'F' as i32,
        },
        LongOpt {
            name: "uri",
            has_arg: HasArg::Required,
            val: b'u' as i32,
        },
    ];
    const SHORT: &[u8] = b"hf:Fu:";

    /// All results until EOF as (option, argument).
    fn all(g: &mut Getopt) -> Vec<(i32, Option<String>)> {
        let mut out = Vec::new();
        loop {
            let op = g.next(SHORT, LONG);
            if op == EOF {
                return out;
            }
            out.push((
                op,
                g.optarg
                    .as_deref()
                    .map(|a| String::from_utf8_lossy(a).into_owned()),
            ));
        }
    }

    fn c(ch: u8) -> i32 {
        i32::from(ch)
    }

    #[test]
    fn unambiguous_abbreviations_and_equals_arguments() {
        let mut p = g(&["--fi=a.conf", "--he", "--u", "x"]);
        assert_eq!(
            all(&mut p),
            [
                (c(b'f'), Some("a.conf".into())),
                (c(b'h'), None),
                (c(b'u'), Some("x".into()))
            ]
        );
        assert!(p.messages.is_empty());
    }

    #[test]
    fn ambiguous_prefix_lists_all_candidates_in_table_order() {
        let mut p = g(&["--f"]);
        assert_eq!(p.next(SHORT, LONG), UNKNOWN);
        assert_eq!(
            p.messages,
            ["swanctl: option '--f' is ambiguous; possibilities: '--file' '--force'"]
        );
    }

    #[test]
    fn exact_match_beats_longer_candidates() {
        let long = [
            LongOpt {
                name: "ike",
                has_arg: HasArg::Required,
                val: b'i' as i32,
            },
            LongOpt {
                name: "ike-id",
                has_arg: HasArg::Required,
                val: b'I' as i32,
            },
        ];
        let mut p = g(&["--ike", "a"]);
        assert_eq!(p.next(b"i:I:", &long), c(b'i'));
        assert_eq!(p.optarg.as_deref(), Some(&b"a"[..]));
    }

    #[test]
    fn short_option_clusters_and_attached_arguments() {
        let mut p = g(&["-hFfa.conf", "-u", "uri"]);
        assert_eq!(
            all(&mut p),
            [
                (c(b'h'), None),
                (c(b'F'), None),
                (c(b'f'), Some("a.conf".into())),
                (c(b'u'), Some("uri".into()))
            ]
        );
    }

    #[test]
    fn glibc_error_messages() {
        let mut p = g(&["--bogus=1", "-x", "--help=no", "--file"]);
        assert_eq!(p.next(SHORT, LONG), UNKNOWN);
        assert_eq!(p.next(SHORT, LONG), UNKNOWN);
        assert_eq!(p.next(SHORT, LONG), UNKNOWN);
        assert_eq!(p.next(SHORT, LONG), UNKNOWN);
        assert_eq!(
            p.messages,
            [
                "swanctl: unrecognized option '--bogus=1'",
                "swanctl: invalid option -- 'x'",
                "swanctl: option '--help' doesn't allow an argument",
                "swanctl: option '--file' requires an argument",
            ]
        );
        let mut p = g(&["-f"]);
        assert_eq!(p.next(SHORT, LONG), UNKNOWN);
        assert_eq!(p.messages, ["swanctl: option requires an argument -- 'f'"]);
    }

    #[test]
    fn permutes_non_options_to_the_end() {
        let mut p = g(&["a", "-h", "b", "--file", "x", "c"]);
        assert_eq!(all(&mut p), [(c(b'h'), None), (c(b'f'), Some("x".into()))]);
        assert_eq!(p.optind, 4);
        let rest: Vec<&[u8]> = p.argv[p.optind..].iter().map(Vec::as_slice).collect();
        assert_eq!(rest, [&b"a"[..], b"b", b"c"]);
    }

    #[test]
    fn double_dash_ends_options() {
        let mut p = g(&["-h", "--", "-F"]);
        assert_eq!(all(&mut p), [(c(b'h'), None)]);
        assert_eq!(p.optind, 3);
    }

    #[test]
    fn require_order_stops_at_first_non_option() {
        let mut p = g(&["a", "-h"]);
        p.posixly_correct = true;
        assert_eq!(p.next(SHORT, LONG), EOF);
    }

    #[test]
    fn state_survives_optstring_change_and_optind_reset() {
        // swanctl -cf x: `c` selects the command, `f` is then parsed with the
        // command's options and takes "x" as its argument
        let mut p = g(&["-cf", "x"]);
        assert_eq!(p.next(b"cf", &[]), c(b'c'));
        assert_eq!(p.next(SHORT, LONG), c(b'f'));
        assert_eq!(p.optarg.as_deref(), Some(&b"x"[..]));
        assert_eq!(p.next(SHORT, LONG), EOF);
        p.optind = 2;
        assert_eq!(p.next(SHORT, LONG), EOF);
    }
}
