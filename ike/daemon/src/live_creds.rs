//! The credential store behind a lock, so VICI commands can change it
//! while the IKE core holds it (the daemon is single-threaded: the lock is
//! never contended).

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use certs::CredentialStore;
use ike::auth::{AuthError, Credentials, PeerVerifier, Signer, VerifyRequest};
use ike::config::{LocalAuth, RemoteAuth};
use ike::crypto::Secret;
use ike::wire::Identification;

/// The daemon's one [`CredentialStore`], shared with the core.
#[derive(Debug)]
pub(crate) struct LiveCreds(RwLock<CredentialStore>);

impl LiveCreds {
    pub(crate) const fn new(store: CredentialStore) -> Self {
        Self(RwLock::new(store))
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, CredentialStore> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, CredentialStore> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Credentials for LiveCreds {
    fn shared_key(&self, me: &Identification, peer: Option<&Identification>) -> Option<Secret> {
        self.read().shared_key(me, peer)
    }

    fn signer(&self, me: &Identification, round: &LocalAuth) -> Option<Box<dyn Signer>> {
        self.read().signer(me, round)
    }

    fn verifier(&self) -> Option<&dyn PeerVerifier> {
        Some(self)
    }

    fn ca_key_hashes(&self, round: &RemoteAuth) -> Vec<[u8; 20]> {
        self.read().ca_key_hashes(round)
    }
}

impl PeerVerifier for LiveCreds {
    fn verify(&self, request: &VerifyRequest<'_>) -> Result<(), AuthError> {
        self.read().verify(request)
    }
}

#[cfg(test)]
mod tests {
    use ike::config::IdMatch;

    use super::*;

    #[test]
    fn keys_added_after_the_core_got_the_store_are_found() {
        let creds = LiveCreds::new(CredentialStore::new());
        let me = Identification::fqdn("a.test");
        assert!(creds.shared_key(&me, None).is_none());
        creds
            .write()
            .add_shared_key_unique("ike-1", Secret::from(&b"k"[..]), vec![IdMatch::Any]);
        assert!(creds.shared_key(&me, None).is_some());
        assert!(creds.write().remove_shared_key("ike-1"));
        assert!(creds.shared_key(&me, None).is_none());
    }
}
