//! cygnetd, the Cygnet IKEv2 keying daemon: reads swanctl.conf and
//! strongswan.conf as charon does and runs the IKE core over UDP 500/4500.

mod backend;
mod child_install;
mod config;
mod creds;
mod driver;
mod events;
mod install;
mod live_creds;
mod log;
mod settings;
mod socket;
#[cfg(test)]
mod test_driver;
mod vici;

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
    /// fragment_size, replay_window, rsa_pss).
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
    log::init(args.debug, Arc::clone(&tap));
    match run(&args, tap) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args, tap: Arc<vici::logtap::LogTap>) -> Result<(), String> {
    let charon = settings::load(&args.conf)?;
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
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
        let installer = backend::open(charon.cygnet.backend, &mut sockets, &tx)?;
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
        let driver = driver::Driver::new(
            endpoint,
            sockets,
            installer,
            charon.replay_window,
            charon.port,
            state,
        );
        let serving = listener.map(|l| tokio::spawn(l.serve(vici_tx)));
        let result = driver
            .run(&loaded.starts, rx, vici_rx)
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
