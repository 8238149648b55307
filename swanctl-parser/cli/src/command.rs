//! The command table and dispatcher, as strongSwan 5.9.8's
//! `src/swanctl/command.c` behaves: the first `getopt_long` call runs with
//! every command as a long option (so the command is normally `argv[1]`),
//! then all arguments are scanned once more with the command's options to
//! process the common ones (`--debug`, `--options`, `--uri`), a VICI
//! connection is opened, and the command re-parses its options starting at
//! `argv[2]`.

use std::io::Write;

use swanctl_parser::vici::Client;

use crate::commands;
use crate::getopt::{EOF, Getopt, HasArg, LongOpt, UNKNOWN};
use crate::log;
use crate::options_from::OptionsFrom;

/// strongSwan version we are compatible with, as printed by usage texts.
pub(crate) const VERSION: &str = "5.9.8";

/// The plugin list strongSwan 5.9.8's swanctl prints in `--help` on the lab
/// reference system.
const LOADED_PLUGINS: &str = "aesni aes rc2 sha2 sha1 md5 mgf1 random nonce x509 revocation \
constraints pubkey pkcs1 pkcs7 pkcs12 pgp dnskey sshkey pem openssl pkcs8 fips-prf gmp agent \
xcbc hmac kdf gcm drbg";

/// Short option value of `--lint`, which has no short form.
const LINT_OP: i32 = 0x100;

/// One option of a command (`command_option_t`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CmdOption {
    pub(crate) name: &'static str,
    pub(crate) op: u8,
    pub(crate) arg: HasArg,
    pub(crate) desc: &'static str,
}

const fn opt(name: &'static str, op: u8, arg: bool, desc: &'static str) -> CmdOption {
    CmdOption {
        name,
        op,
        arg: if arg { HasArg::Required } else { HasArg::No },
        desc,
    }
}

/// A command's entry point; returns the process exit status.
pub(crate) type CommandFn = fn(&mut Ctx) -> i32;

/// One command (`command_t`).
pub(crate) struct Command {
    pub(crate) op: i32,
    pub(crate) cmd: &'static str,
    pub(crate) description: &'static str,
    pub(crate) lines: &'static [&'static str],
    pub(crate) options: &'static [CmdOption],
    pub(crate) call: Option<CommandFn>,
    /// Left out of the `--help` table (Cygnet extensions).
    pub(crate) hidden: bool,
    /// Runs without a VICI connection (Cygnet extensions).
    pub(crate) offline: bool,
}

const HELP: CmdOption = opt("help", b'h', false, "show usage information");
const RAW: CmdOption = opt("raw", b'r', false, "dump raw response message");
const PRETTY: CmdOption = opt(
    "pretty",
    b'P',
    false,
    "dump raw response message in pretty print",
);
const FILE: CmdOption = opt("file", b'f', true, "custom path to swanctl.conf");
const CLEAR: CmdOption = opt("clear", b'c', false, "clear previously loaded credentials");
const NOPROMPT: CmdOption = opt("noprompt", b'n', false, "do not prompt for passwords");

/// Options appended to every command but `--help`.
const COMMON: [CmdOption; 3] = [
    opt("debug", b'v', true, "set debug level, default: 1"),
    opt("options", b'+', true, "read command line options from file"),
    opt("uri", b'u', true, "service URI to connect to"),
];

macro_rules! command {
    ($op:expr, $cmd:literal, $desc:literal, [$($line:literal),*], [$($o:expr),* $(,)?], $call:expr) => {
        Command {
            op: $op as i32,
            cmd: $cmd,
            description: $desc,
            lines: &[$($line),*],
            options: &[$($o,)* COMMON[0], COMMON[1], COMMON[2]],
            call: $call,
            hidden: false,
            offline: false,
        }
    };
}

/// All commands, in the order strongSwan 5.9.8 registers them (which is the
/// order of its `--help` table); `--help` is last.
pub(crate) static COMMANDS: &[Command] = &[
    command!(
        b'C',
        "counters",
        "list or reset IKE event counters",
        ["[--name <name>|--all] [--reset] [--raw|--pretty]"],
        [
            HELP,
            opt(
                "name",
                b'n',
                true,
                "connection name, omit for global counters"
            ),
            opt(
                "all",
                b'a',
                false,
                "get/reset counters for all tracked connections"
            ),
            opt("reset", b'R', false, "reset the counters"),
            RAW,
            PRETTY
        ],
        Some(commands::counters::run)
    ),
    command!(
        b'i',
        "initiate",
        "initiate a connection",
        ["[--child <name>] [--ike <name>] [--timeout <s>] [--raw|--pretty]"],
        [
            HELP,
            opt("child", b'c', true, "initiate a CHILD_SA configuration"),
            opt(
                "ike",
                b'i',
                true,
                "initiate an IKE_SA, or name of child's parent"
            ),
            opt("timeout", b't', true, "timeout in seconds before detaching"),
            RAW,
            PRETTY,
            opt("loglevel", b'l', true, "verbosity of redirected log")
        ],
        Some(commands::initiate::run)
    ),
    command!(
        b't',
        "terminate",
        "terminate a connection",
        [
            "--child <name> | --ike <name> | --child-id <id> | --ike-id <id>",
            "[--timeout <s>] [--raw|--pretty]"
        ],
        [
            HELP,
            opt("child", b'c', true, "terminate by CHILD_SA name"),
            opt("ike", b'i', true, "terminate by IKE_SA name"),
            opt(
                "child-id",
                b'C',
                true,
                "terminate by CHILD_SA unique identifier"
            ),
            opt(
                "ike-id",
                b'I',
                true,
                "terminate by IKE_SA unique identifier"
            ),
            opt(
                "force",
                b'f',
                false,
                "terminate IKE_SA without waiting, unless timeout is set"
            ),
            opt("timeout", b't', true, "timeout in seconds before detaching"),
            RAW,
            PRETTY,
            opt("loglevel", b'l', true, "verbosity of redirected log")
        ],
        Some(commands::terminate::run)
    ),
    command!(
        b'R',
        "rekey",
        "rekey an SA",
        [
            "--child <name> | --ike <name> | --child-id <id> | --ike-id <id>",
            "[--reauth] [--raw|--pretty]"
        ],
        [
            HELP,
            opt("child", b'c', true, "rekey by CHILD_SA name"),
            opt("ike", b'i', true, "rekey by IKE_SA name"),
            opt(
                "child-id",
                b'C',
                true,
                "rekey by CHILD_SA unique identifier"
            ),
            opt("ike-id", b'I', true, "rekey by IKE_SA unique identifier"),
            opt(
                "reauth",
                b'a',
                false,
                "reauthenticate instead of rekey an IKEv2 SA"
            ),
            RAW,
            PRETTY
        ],
        Some(commands::rekey::run)
    ),
    command!(
        b'd',
        "redirect",
        "redirect an IKE_SA",
        [
            "--ike <name> | --ike-id <id> | --peer-ip <ip|subnet|range>",
            "--peer-id <id|wildcards> | --gateway <ip|fqdn> [--raw|--pretty]"
        ],
        [
            HELP,
            opt("ike", b'i', true, "redirect by IKE_SA name"),
            opt("ike-id", b'I', true, "redirect by IKE_SA unique identifier"),
            opt("peer-ip", b'p', true, "redirect by client IP"),
            opt("peer-id", b'd', true, "redirect by IKE_SA name"),
            opt("gateway", b'g', true, "target gateway (IP or FQDN)"),
            RAW,
            PRETTY
        ],
        Some(commands::redirect::run)
    ),
    command!(
        b'u',
        "uninstall",
        "uninstall a trap or shunt policy",
        ["--child <name> [--ike <name>] [--raw|--pretty]"],
        [
            HELP,
            opt("child", b'c', true, "CHILD_SA configuration to uninstall"),
            opt(
                "ike",
                b'i',
                true,
                "name of the connection to which the child belongs"
            ),
            RAW,
            PRETTY
        ],
        Some(commands::install::uninstall)
    ),
    command!(
        b'p',
        "install",
        "install a trap or shunt policy",
        ["--child <name> [--ike <name>] [--raw|--pretty]"],
        [
            HELP,
            opt("child", b'c', true, "CHILD_SA configuration to install"),
            opt(
                "ike",
                b'i',
                true,
                "name of the connection to which the child belongs"
            ),
            RAW,
            PRETTY
        ],
        Some(commands::install::install)
    ),
    command!(
        b'l',
        "list-sas",
        "list currently active IKE_SAs",
        [
            "[--ike <name>|--ike-id <id>] [--child <name>|--child-id <id>]",
            "[--raw|--pretty]"
        ],
        [
            HELP,
            opt("ike", b'i', true, "filter IKE_SAs by name"),
            opt("ike-id", b'I', true, "filter IKE_SAs by unique identifier"),
            opt("child", b'c', true, "filter CHILD_SAs by name"),
            opt(
                "child-id",
                b'C',
                true,
                "filter CHILD_SAs by unique identifier"
            ),
            opt("noblock", b'n', false, "don't wait for IKE_SAs in use"),
            RAW,
            PRETTY
        ],
        Some(commands::list_sas::run)
    ),
    command!(
        b'm',
        "monitor-sa",
        "monitor for IKE_SA and CHILD_SA changes",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY],
        Some(commands::list_sas::monitor)
    ),
    command!(
        b'P',
        "list-pols",
        "list currently installed policies",
        ["[--child <name>] [--trap] [--drop] [--pass] [--raw|--pretty]"],
        [
            HELP,
            opt(
                "child",
                b'c',
                true,
                "filter policies by CHILD_SA config name"
            ),
            opt("trap", b't', false, "list trap policies"),
            opt("drop", b'd', false, "list drop policies"),
            opt("pass", b'p', false, "list bypass policies"),
            RAW,
            PRETTY
        ],
        Some(commands::list_pols::run)
    ),
    command!(
        b'B',
        "list-authorities",
        "list loaded authority configurations",
        ["[--raw|--pretty]"],
        [
            HELP,
            opt("name", b'n', true, "filter by authority name"),
            RAW,
            PRETTY
        ],
        Some(commands::list_authorities::run)
    ),
    command!(
        b'L',
        "list-conns",
        "list loaded configurations",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY],
        Some(commands::list_conns::run)
    ),
    command!(
        b'x',
        "list-certs",
        "list stored certificates",
        [
            "[--subject <dn/san>] [--pem]",
            "[--type x509|x509_ac|x509_crl|ocsp_response|pubkey]",
            "[--flag none|ca|aa|ocsp|any] [--raw|--pretty|--short|--utc]"
        ],
        [
            HELP,
            opt("subject", b's', true, "filter by certificate subject"),
            opt("type", b't', true, "filter by certificate type"),
            opt("flag", b'f', true, "filter by X.509 certificate flag"),
            opt("pem", b'p', false, "print PEM encoding of certificate"),
            RAW,
            PRETTY,
            opt("short", b'S', false, "omit some certificate details"),
            opt("utc", b'U', false, "use UTC for time fields")
        ],
        Some(commands::list_certs::run)
    ),
    command!(
        b'A',
        "list-pools",
        "list loaded pool configurations",
        ["[--leases] [--raw|--pretty]"],
        [
            HELP,
            RAW,
            PRETTY,
            opt("leases", b'l', false, "list leases of each pool"),
            opt("name", b'n', true, "filter pools by name")
        ],
        Some(commands::list_pools::run)
    ),
    command!(
        b'g',
        "list-algs",
        "show loaded algorithms",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY],
        Some(commands::list_algs::run)
    ),
    command!(
        b'f',
        "flush-certs",
        "flush cached certificates",
        [
            "[--type x509|x509_ac|x509_crl|ocsp_response|pubkey]",
            "[--raw|--pretty]"
        ],
        [
            HELP,
            opt("type", b't', true, "filter by certificate type"),
            RAW,
            PRETTY
        ],
        Some(commands::flush_certs::run)
    ),
    command!(
        b'q',
        "load-all",
        "load credentials, authorities, pools and connections",
        ["[--raw|--pretty] [--clear] [--noprompt]"],
        [HELP, CLEAR, NOPROMPT, RAW, PRETTY, FILE],
        Some(commands::load_all::run)
    ),
    command!(
        b'b',
        "load-authorities",
        "(re-)load authority configuration",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY, FILE],
        Some(commands::load_authorities::run)
    ),
    command!(
        b'c',
        "load-conns",
        "(re-)load connection configuration",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY, FILE],
        Some(commands::load_conns::run)
    ),
    command!(
        b's',
        "load-creds",
        "(re-)load credentials",
        ["[--raw|--pretty] [--clear] [--noprompt]"],
        [HELP, CLEAR, NOPROMPT, RAW, PRETTY, FILE],
        Some(commands::load_creds::run)
    ),
    command!(
        b'a',
        "load-pools",
        "(re-)load pool configuration",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY, FILE],
        Some(commands::load_pools::run)
    ),
    command!(
        b'T',
        "log",
        "trace logging output",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY],
        Some(commands::log::run)
    ),
    command!(
        b'v',
        "version",
        "show version information",
        ["[--raw|--pretty]"],
        [
            HELP,
            opt("daemon", b'd', false, "query daemon version"),
            RAW,
            PRETTY
        ],
        Some(commands::version::run)
    ),
    command!(
        b'S',
        "stats",
        "show daemon stats information",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY],
        Some(commands::stats::run)
    ),
    command!(
        b'r',
        "reload-settings",
        "reload daemon strongswan.conf",
        ["[--raw|--pretty]"],
        [HELP, RAW, PRETTY],
        Some(commands::reload_settings::run)
    ),
    Command {
        op: LINT_OP,
        cmd: "lint",
        description: "check swanctl.conf without loading it (Cygnet)",
        lines: &["[--file <swanctl.conf>]"],
        options: &[HELP, FILE, COMMON[0], COMMON[1], COMMON[2]],
        call: Some(commands::lint::run),
        hidden: true,
        offline: true,
    },
    Command {
        op: b'h' as i32,
        cmd: "help",
        description: "show usage information",
        lines: &[],
        options: &[],
        call: None,
        hidden: false,
        offline: false,
    },
];

/// Index of `--help` in [`COMMANDS`].
fn help_idx() -> usize {
    COMMANDS.len() - 1
}

/// Builds `command_opts`/`command_optstring` for the active command.
fn build_opts(active: usize) -> (Vec<LongOpt>, Vec<u8>) {
    let mut longopts = Vec::new();
    let mut optstring = Vec::new();
    if active == help_idx() {
        for c in COMMANDS {
            longopts.push(LongOpt {
                name: c.cmd,
                has_arg: HasArg::No,
                val: c.op,
            });
            if let Ok(b) = u8::try_from(c.op) {
                optstring.push(b);
            }
        }
    } else {
        for o in COMMANDS[active].options {
            longopts.push(LongOpt {
                name: o.name,
                has_arg: o.arg,
                val: i32::from(o.op),
            });
            optstring.push(o.op);
            match o.arg {
                HasArg::Required => optstring.push(b':'),
                HasArg::No => {}
            }
        }
    }
    (longopts, optstring)
}

/// What a running command sees: its option parser and the VICI connection.
pub(crate) struct Ctx {
    getopt: Getopt,
    active: usize,
    longopts: Vec<LongOpt>,
    optstring: Vec<u8>,
    pub(crate) conn: Option<Client>,
}

impl Ctx {
    /// `command_getopt()`: the next option of the command, skipping the
    /// common ones; returns the option and its argument.
    pub(crate) fn getopt(&mut self) -> (i32, Option<Vec<u8>>) {
        loop {
            let op = self.getopt.next(&self.optstring, &self.longopts);
            flush_messages(&mut self.getopt);
            if op == i32::from(b'+') || op == i32::from(b'v') || op == i32::from(b'u') {
                continue;
            }
            return (op, self.getopt.optarg.take());
        }
    }

    /// The running command.
    pub(crate) fn command(&self) -> &'static Command {
        &COMMANDS[self.active]
    }

    /// `command_usage()` for the running command.
    pub(crate) fn usage(&self, error: Option<&str>) -> i32 {
        usage(self.active, error)
    }
}

fn flush_messages(getopt: &mut Getopt) {
    for m in getopt.messages.drain(..) {
        eprintln!("{m}");
    }
}

/// Prints the usage text of `active` (the command table for `--help`),
/// to stderr after `Error: <error>` if there is an error, else to stdout.
pub(crate) fn usage(active: usize, error: Option<&str>) -> i32 {
    let mut text = String::new();
    if let Some(e) = error {
        text.push_str(&format!("Error: {e}\n"));
    }
    text.push_str(&format!("strongSwan {VERSION} swanctl\n"));
    if active == help_idx() {
        text.push_str(&format!("loaded plugins: {LOADED_PLUGINS}\n"));
    }
    text.push_str("usage:\n");
    if active == help_idx() {
        for c in COMMANDS.iter().filter(|c| !c.hidden) {
            let op = u8::try_from(c.op).map(char::from).unwrap_or(' ');
            text.push_str(&format!(
                "  swanctl --{:<16} (-{op})  {}\n",
                c.cmd, c.description
            ));
        }
    } else {
        let c = &COMMANDS[active];
        for (i, line) in c.lines.iter().enumerate() {
            if i == 0 {
                text.push_str(&format!("  swanctl --{} {line}\n", c.cmd));
            } else {
                text.push_str(&format!("                 {line}\n"));
            }
        }
        for o in c.options {
            text.push_str(&format!(
                "           --{:<15} (-{})  {}\n",
                o.name,
                char::from(o.op),
                o.desc
            ));
        }
    }
    if error.is_some() {
        let _ = std::io::stderr().write_all(text.as_bytes());
        1
    } else {
        crate::out::print(&text);
        0
    }
}

/// `atoi(3)`: optional whitespace and sign, then digits; 0 if none.
pub(crate) fn atoi(s: &[u8]) -> i32 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = (v * 10 + i64::from(s[i] - b'0')).min(i64::from(u32::MAX) + 1);
        i += 1;
    }
    let v = if neg { -v } else { v };
    // glibc's atoi is (int)strtol; out-of-range values wrap like the cast.
    v as i32
}

/// `command_dispatch()`: runs swanctl with `argv` and returns the exit code.
pub(crate) fn dispatch(argv: Vec<Vec<u8>>) -> i32 {
    let argc = argv.len();
    let mut uri = crate::dir::default_uri();
    let mut getopt = Getopt::new(argv);
    let mut options = OptionsFrom::default();

    let (longopts, optstring) = build_opts(help_idx());
    let op = getopt.next(&optstring, &longopts);
    flush_messages(&mut getopt);
    let Some(active) = COMMANDS.iter().position(|c| c.op == op) else {
        return usage(help_idx(), (argc > 1).then_some("invalid operation"));
    };
    if active == help_idx() {
        return usage(active, None);
    }
    let (longopts, optstring) = build_opts(active);
    // process_common_opts()
    loop {
        let op = getopt.next(&optstring, &longopts);
        flush_messages(&mut getopt);
        match op {
            EOF => break,
            UNKNOWN => return usage(active, Some("invalid options")),
            o if o == i32::from(b'+') => {
                let file = getopt.optarg.take().unwrap_or_default();
                let optind = getopt.optind;
                if !options.from(&file, &mut getopt.argv, optind) {
                    return usage(active, Some("invalid options"));
                }
            }
            o if o == i32::from(b'v') => {
                log::set_level(atoi(getopt.optarg.as_deref().unwrap_or_default()));
            }
            o if o == i32::from(b'u') => {
                uri = getopt
                    .optarg
                    .as_deref()
                    .map(|u| String::from_utf8_lossy(u).into_owned());
            }
            _ => {}
        }
    }
    getopt.optind = 2;

    let connection = if COMMANDS[active].offline {
        None
    } else {
        Some(crate::conn::connect(uri.as_deref()))
    };
    let conn = match connection {
        None => None,
        Some(Ok(conn)) => Some(conn),
        Some(Err(errno)) => {
            usage(
                active,
                Some(&format!(
                    "connecting to '{}' URI failed: {}",
                    uri.as_deref().unwrap_or("default"),
                    crate::errno::strerror(errno)
                )),
            );
            return errno;
        }
    };
    let mut ctx = Ctx {
        getopt,
        active,
        longopts,
        optstring,
        conn,
    };
    match COMMANDS[active].call {
        Some(call) => call(&mut ctx),
        None => commands::not_implemented(&mut ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_like_libc() {
        assert_eq!(atoi(b"2"), 2);
        assert_eq!(atoi(b" -1x"), -1);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b""), 0);
    }

    #[test]
    fn help_table_matches_strongswan_order_and_options() {
        let visible: Vec<&str> = COMMANDS
            .iter()
            .filter(|c| !c.hidden)
            .map(|c| c.cmd)
            .collect();
        assert_eq!(visible.first(), Some(&"counters"));
        assert_eq!(visible.last(), Some(&"help"));
        assert_eq!(visible.len(), 26);
        let (longopts, optstring) = build_opts(help_idx());
        assert_eq!(longopts.len(), COMMANDS.len());
        assert_eq!(&optstring[..4], b"CitR");
        let conns = COMMANDS.iter().position(|c| c.cmd == "load-conns").unwrap();
        let (_, optstring) = build_opts(conns);
        assert_eq!(optstring, b"hrPf:v:+:u:");
    }

    #[test]
    fn short_options_are_unique_among_commands() {
        let mut ops: Vec<i32> = COMMANDS.iter().map(|c| c.op).collect();
        ops.sort_unstable();
        ops.dedup();
        assert_eq!(ops.len(), COMMANDS.len());
    }
}
