//! One module per swanctl command, as in strongSwan's
//! `src/swanctl/commands/*.c`.

pub(crate) mod cert_print;
pub(crate) mod counters;
pub(crate) mod ctl;
pub(crate) mod flush_certs;
pub(crate) mod initiate;
pub(crate) mod install;
pub(crate) mod lint;
pub(crate) mod list_algs;
pub(crate) mod list_authorities;
pub(crate) mod list_certs;
pub(crate) mod list_conns;
pub(crate) mod list_pols;
pub(crate) mod list_pools;
pub(crate) mod list_sas;
pub(crate) mod listing;
pub(crate) mod load_all;
pub(crate) mod load_authorities;
pub(crate) mod load_conns;
pub(crate) mod load_creds;
pub(crate) mod load_pools;
pub(crate) mod log;
pub(crate) mod redirect;
pub(crate) mod rekey;
pub(crate) mod reload_settings;
pub(crate) mod stats;
pub(crate) mod sync;
pub(crate) mod terminate;
pub(crate) mod version;

use crate::command::Ctx;
use crate::getopt::EOF;

/// `--raw` / `--pretty` (`command_format_options_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Format {
    pub(crate) raw: bool,
    pub(crate) pretty: bool,
}

/// Options shared by the `--load-*` commands.
#[derive(Debug, Default)]
pub(crate) struct LoadOpts {
    pub(crate) format: Format,
    pub(crate) file: Option<Vec<u8>>,
    pub(crate) clear: bool,
    pub(crate) noprompt: bool,
}

/// Parses the options of a `--load-*` command; `Err(exit code)` when
/// usage was printed. `creds` enables `--clear`/`--noprompt`.
pub(crate) fn parse_load_opts(ctx: &mut Ctx, name: &str, creds: bool) -> Result<LoadOpts, i32> {
    let mut opts = LoadOpts::default();
    opts.format = ctl::parse_opts(ctx, name, |op, arg| {
        match op {
            b'c' if creds => opts.clear = true,
            b'n' if creds => opts.noprompt = true,
            b'f' => opts.file = Some(arg),
            _ => return false,
        }
        true
    })?;
    Ok(opts)
}

/// Commands strongSwan has but Cygnet does not implement yet: options are
/// parsed (so `--help` works), then they fail.
pub(crate) fn not_implemented(ctx: &mut Ctx) -> i32 {
    let name = crate::command::COMMANDS
        .iter()
        .find(|c| std::ptr::eq(*c, ctx.command()))
        .map_or("", |c| c.cmd);
    loop {
        let (op, _) = ctx.getopt();
        if op == i32::from(b'h') {
            return ctx.usage(None);
        }
        if op == EOF {
            break;
        }
    }
    eprintln!("swanctl --{name}: not implemented yet");
    1
}
