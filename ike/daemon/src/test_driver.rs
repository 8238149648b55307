//! A driver for unit tests: no configuration, a socket on a free loopback
//! port, the installer, log tap and strongswan.conf path given.

use std::path::Path;
use std::sync::Arc;

use certs::CredentialStore;
use esp_install::Installer;
use ike::Endpoint;

use crate::driver::Driver;
use crate::live_creds::LiveCreds;
use crate::socket::Sockets;
use crate::vici::logtap::LogTap;
use crate::vici::server::State;

pub(crate) fn driver(installer: Box<dyn Installer>, tap: Arc<LogTap>, conf: &Path) -> Driver {
    let creds = Arc::new(LiveCreds::new(CredentialStore::new()));
    let endpoint = Endpoint::new(
        ike::crypto::default_provider(),
        ike::settings::Settings::default(),
        Arc::clone(&creds) as Arc<dyn ike::auth::Credentials>,
    )
    .unwrap();
    let sockets = Sockets::bind(&["127.0.0.1".parse().unwrap()], 0, 0).unwrap();
    let state = State::new(
        tap,
        creds,
        Vec::new(),
        Vec::new(),
        std::env::temp_dir(),
        conf.to_path_buf(),
        "recording".into(),
    );
    Driver::new(endpoint, sockets, installer, 32, 500, state)
}
