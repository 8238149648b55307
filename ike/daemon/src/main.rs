//! cygnetd, the Cygnet IKEv2 keying daemon: reads swanctl.conf and
//! strongswan.conf as charon does and runs the IKE core over UDP 500/4500.

mod actions;
mod backend;
mod child_install;
mod cleanup;
mod config;
mod creds;
mod driver;
mod events;
mod install;
mod live_creds;
mod log;
mod metrics;
mod reload;
mod sd_notify;
mod settings;
mod shunt;
mod socket;
#[cfg(test)]
mod test_driver;
mod trap;
mod vici;
mod vips;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use ike::Endpoint;
use swanctl_parser::config::SwanctlConfig;
use swanctl_parser::settings::Settings;

/// Command line.
#[derive(Parser, Debug)]
#[command(name = "cygnetd", version, about = "Cygnet IKEv2 keying daemon")]
struct Args {
    /// The swanctl.conf with connections and secrets; credentials are read
    /// from the swanctl folders next to it (x509/, x509ca/, private/...).
    #[arg(long, default_value = "/etc/swanctl/swanctl.conf")]
    swanctl_conf: PathBuf,
    /// strongswan.conf (charon.port, port_nat_t, retransmit_*,
    /// fragment_size, replay_window, rsa_pss, DoS limits, loggers);
    /// re-read on SIGHUP.
    #[arg(long, env = "STRONGSWAN_CONF", default_value = "/etc/strongswan.conf")]
    conf: PathBuf,
    /// Also log debug detail (each packet sent and received).
    #[arg(long)]
    debug: bool,
}

/// IKE messages waiting for the core.
const IKE_QUEUE: usize = 256;
/// VICI client packets waiting for the core.
const VICI_QUEUE: usize = 64;

fn main() -> ExitCode {
    let args = Args::parse();
    let tap = Arc::new(vici::logtap::LogTap::default());
    let logging = log::init(args.debug, Arc::clone(&tap));
    let result = run(&args, tap, &logging);
    logging.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    args: &Args,
    tap: Arc<vici::logtap::LogTap>,
    logging: &Arc<log::Logging>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    // SIGHUP, SIGTERM and SIGINT are ours before anything is announced
    let signals = {
        let _runtime = runtime.enter();
        driver::Signals::install().map_err(|e| format!("signal handlers: {e}"))?
    };
    let charon = settings::load(&args.conf)?;
    logging.configure(&charon, args.debug);
    let swanctl = load_swanctl(&args.swanctl_conf)?;
    let dir = config::swanctl_dir(&args.swanctl_conf);
    let loaded = config::convert(&swanctl.connections, &dir).map_err(|errors| lines(&errors))?;
    let creds = creds::load(&dir, &swanctl, charon.rsa_pss).map_err(|errors| lines(&errors))?;
    for bad in &creds.bad_files {
        tracing::warn!(target: "cfg", "{bad}");
    }
    let authorities = creds.authorities;
    let credentials = Arc::new(live_creds::LiveCreds::new(creds.store));
    let mut endpoint = Endpoint::new(
        ike::crypto::default_provider(),
        settings::core(&charon),
        Arc::clone(&credentials) as Arc<dyn ike::auth::Credentials>,
    )
    .map_err(|e| format!("crypto provider: {e}"))?;
    for config in &loaded.configs {
        tracing::info!(target: "cfg", "loaded connection '{}'", config.name);
        endpoint.load_config(Arc::clone(config));
    }
    runtime.block_on(async {
        let mut sockets = socket::Sockets::bind(&loaded.bind, charon.port, charon.port_nat_t)
            .map_err(|e| e.to_string())?;
        let (tx, rx) = tokio::sync::mpsc::channel(IKE_QUEUE);
        let (vici_tx, vici_rx) = tokio::sync::mpsc::channel(VICI_QUEUE);
        let listener = match charon.vici_socket_path() {
            Some(path) => Some(vici::socket::Listener::bind(Path::new(path)).map_err(|e| e.to_string())?),
            None => {
                tracing::warn!(target: "cfg", "VICI socket '{}' is not a unix:// URI, VICI disabled",
                    charon.vici_socket);
                None
            }
        };
        let state = cleanup::state_path(charon.vici_socket_path());
        let installer = backend::open(charon.cygnet.backend, &mut sockets, &tx, &state)?;
        sockets.spawn_receivers(&tx);
        let state = vici::server::State::new(
            tap,
            credentials,
            authorities,
            swanctl.connections.clone(),
            dir.clone(),
            args.conf.clone(),
            format!("{:?}", charon.cygnet.backend).to_lowercase(),
        );
        state.pools.load(&swanctl.pools);
        let mut driver = driver::Driver::new(
            endpoint,
            sockets,
            installer,
            charon.replay_window,
            charon.port,
            state,
        );
        driver.reload = Some(reload::Reload {
            logging: Arc::clone(logging),
            debug: args.debug,
        });
        if let Some(addr) = charon.cygnet.metrics {
            let listener = metrics::bind(addr)
                .await
                .map_err(|e| format!("metrics on {addr}: {e}"))?;
            let (scrape_tx, scrape_rx) = tokio::sync::mpsc::channel(4);
            tokio::spawn(metrics::serve(listener, scrape_tx));
            driver.scrapes = Some(scrape_rx);
        }
        let serving = listener.map(|l| tokio::spawn(l.serve(vici_tx)));
        sd_notify::ready();
        let result = driver
            .run(&loaded.starts, signals, rx, vici_rx)
            .await
            .map_err(|e| e.to_string());
        if let Some(task) = serving {
            task.abort();
            let _ = task.await;
        }
        result
    })
}

/// swanctl.conf: syntax errors and rejected entries are fatal, each
/// printed as `file:line:col: ...`.
fn load_swanctl(path: &Path) -> Result<SwanctlConfig, String> {
    if !path.exists() {
        tracing::info!(target: "cfg", "{} not found, waiting for connections over VICI",
            path.display());
        return Ok(SwanctlConfig::default());
    }
    let settings = Settings::load_file(path).map_err(|e| e.to_string())?;
    let (config, errors) = SwanctlConfig::from_settings(&settings);
    let fatal: Vec<_> = errors.iter().filter(|e| e.rejects()).collect();
    for e in errors.iter().filter(|e| !e.rejects()) {
        tracing::warn!(target: "cfg", "{e}");
    }
    if fatal.is_empty() {
        Ok(config)
    } else {
        Err(lines(&fatal))
    }
}

fn lines<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod unit_file {
    use clap::Parser;

    use super::Args;

    const UNIT: &str = include_str!("../cygnetd.service");

    fn value<'a>(key: &str) -> &'a str {
        UNIT.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_default()
    }

    #[test]
    fn the_systemd_unit_waits_for_readiness_and_starts_with_our_options() {
        assert_eq!(value("Type"), "notify");
        assert_eq!(value("ExecReload"), "/bin/kill -HUP $MAINPID");
        let argv: Vec<&str> = value("ExecStart").split_whitespace().collect();
        assert_eq!(argv.first(), Some(&"/usr/sbin/cygnetd"));
        let args = Args::try_parse_from(&argv).expect("ExecStart's options parse");
        assert_eq!(args.conf, std::path::Path::new("/etc/strongswan.conf"));
    }
}
