//! [`CredentialStore`]: certificates, private keys, CAs, CRLs and shared
//! keys, answering the IKE core's [`Credentials`] questions.

use core::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use ike::auth::{AuthError, Credentials, PeerVerifier, Signer, VerifyRequest};
use ike::config::{IdMatch, LocalAuth, RemoteAuth};
use ike::crypto::Secret;
use ike::wire::Identification;
use ike::wire::iana::IdType;

use crate::cert::Certificate;
use crate::constraints::AuthConstraints;
use crate::error::{FileError, ParseError, VerifyError};
use crate::identity::{cert_has_id, dn_matches, id_text};
use crate::key::{PrivateKey, PublicKey};
use crate::load::{self, Crl, LoadReport, Loaded, Passphrases};
use crate::peer::{self, Verified};
use crate::secrets::SharedKeys;
use crate::sign::KeySigner;

/// Where the store reads the time (certificate and CRL validity).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The most issuers we follow when building our own chain (charon's
/// `MAX_TRUST_PATH_LEN`).
const MAX_PATH: usize = 7;

/// All credentials of the daemon.
pub struct CredentialStore {
    certs: Vec<Certificate>,
    authorities: Vec<Certificate>,
    others: Vec<Certificate>,
    keys: Vec<Arc<PrivateKey>>,
    pubkeys: Vec<PublicKey>,
    crls: Vec<Crl>,
    shared: SharedKeys,
    clock: Clock,
    rsa_pss: bool,
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialStore")
            .field("certs", &self.certs.len())
            .field("authorities", &self.authorities.len())
            .field("keys", &self.keys.len())
            .field("crls", &self.crls.len())
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl Default for CredentialStore {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialStore {
    /// An empty store reading the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self {
            certs: Vec::new(),
            authorities: Vec::new(),
            others: Vec::new(),
            keys: Vec::new(),
            pubkeys: Vec::new(),
            crls: Vec::new(),
            shared: SharedKeys::default(),
            clock: Arc::new(SystemTime::now),
            rsa_pss: false,
        }
    }

    /// Uses `clock` for validity checks (tests move time with it).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// charon's `charon.rsa_pss`: prefer RSASSA-PSS with RSA keys.
    #[must_use]
    pub const fn with_rsa_pss(mut self, rsa_pss: bool) -> Self {
        self.rsa_pss = rsa_pss;
        self
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    pub(crate) const fn rsa_pss(&self) -> bool {
        self.rsa_pss
    }

    /// Adds an end-entity certificate (CA certificates go to the
    /// authorities, as charon uses any CA certificate it holds).
    pub fn add_certificate(&mut self, cert: Certificate) {
        if cert.is_ca() {
            self.add_authority(cert);
        } else if !self.certs.contains(&cert) {
            self.certs.push(cert);
        }
    }

    /// Adds a CA certificate (`x509ca`, `load-authority`).
    pub fn add_authority(&mut self, cert: Certificate) {
        if !self.authorities.contains(&cert) {
            self.authorities.push(cert);
        }
    }

    /// Adds a private key.
    pub fn add_private_key(&mut self, key: PrivateKey) {
        self.keys.push(Arc::new(key));
    }

    /// Adds a trusted raw public key (`pubkey`).
    pub fn add_public_key(&mut self, key: PublicKey) {
        self.pubkeys.push(key);
    }

    /// Adds a CRL; it replaces an older one of the same issuer.
    pub fn add_crl(&mut self, crl: Crl) {
        if self
            .crls
            .iter()
            .any(|old| old.supersedes(&crl) && !crl.supersedes(old))
        {
            return;
        }
        self.crls.retain(|old| !crl.supersedes(old));
        self.crls.push(crl);
    }

    /// Adds an IKE shared key for `owners` (empty: anyone).
    pub fn add_shared_key(&mut self, key: Secret, owners: Vec<IdMatch>) {
        self.shared.add(key, owners);
    }

    /// Adds or replaces the IKE shared key with unique ID `id` (VICI
    /// `load-shared`).
    pub fn add_shared_key_unique(&mut self, id: &str, key: Secret, owners: Vec<IdMatch>) {
        self.shared.add_unique(id, key, owners);
    }

    /// Removes the shared key with unique ID `id`; whether there was one.
    pub fn remove_shared_key(&mut self, id: &str) -> bool {
        self.shared.remove_unique(id)
    }

    /// The key IDs (SHA-1 of the SubjectPublicKeyInfo) of our private keys,
    /// as VICI `get-keys` lists them.
    #[must_use]
    pub fn private_key_ids(&self) -> Vec<[u8; 20]> {
        self.keys
            .iter()
            .map(|k| k.public_key().spki_sha1())
            .collect()
    }

    /// Removes the private keys with this key ID; whether there was one.
    pub fn remove_private_key(&mut self, id: &[u8]) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.public_key().spki_sha1() != id);
        before != self.keys.len()
    }

    /// Trusted raw public keys.
    #[must_use]
    pub fn public_keys(&self) -> &[PublicKey] {
        &self.pubkeys
    }

    /// Removes the CA certificate with this DER encoding (VICI
    /// `unload-authority`); whether it was held.
    pub fn remove_authority(&mut self, der: &[u8]) -> bool {
        let before = self.authorities.len();
        self.authorities.retain(|c| c.der() != der);
        before != self.authorities.len()
    }

    /// Whether we hold the private key of `key` (VICI `has_privkey`).
    #[must_use]
    pub fn has_private_key(&self, key: &PublicKey) -> bool {
        let id = key.spki_sha1();
        self.keys.iter().any(|k| k.public_key().spki_sha1() == id)
    }

    /// Forgets every credential (VICI `clear-creds`); the clock and the
    /// RSASSA-PSS preference stay.
    pub fn clear(&mut self) {
        *self = Self {
            clock: Arc::clone(&self.clock),
            rsa_pss: self.rsa_pss,
            ..Self::new()
        };
    }

    /// Adds what a blob held.
    pub fn add(&mut self, loaded: Loaded) {
        match loaded {
            Loaded::Certificates(certs) => certs.into_iter().for_each(|c| self.add_certificate(c)),
            Loaded::Authorities(certs) => certs.into_iter().for_each(|c| self.add_authority(c)),
            Loaded::Other(certs) => self.others.extend(certs),
            Loaded::Crls(crls) => crls.into_iter().for_each(|c| self.add_crl(c)),
            Loaded::PublicKey(key) => self.add_public_key(key),
            Loaded::PrivateKey(key) => self.add_private_key(key),
        }
    }

    /// A VICI `load-cert`/`load-key`/`load-authority` blob of type `ty`.
    pub fn load_vici(&mut self, ty: &str, data: &[u8]) -> Result<(), ParseError> {
        self.add(load::parse_vici(ty, data)?);
        Ok(())
    }

    /// Loads swanctl's directories under `base` (e.g. /etc/swanctl); each
    /// file that fails is reported and the rest still load.
    pub fn load_dir(&mut self, base: &Path, passphrases: Passphrases<'_>) -> LoadReport {
        load::load_dir_into(base, passphrases, &mut |l| self.add(l))
    }

    /// Loads one file as `ty` (a VICI type, `pkcs12` or `any`).
    pub fn load_file(
        &mut self,
        path: &Path,
        ty: &str,
        passphrases: Passphrases<'_>,
    ) -> Result<(), FileError> {
        let items = load::load_file(path, ty, passphrases).map_err(|kind| FileError {
            path: path.to_owned(),
            kind,
        })?;
        items.into_iter().for_each(|l| self.add(l));
        Ok(())
    }

    /// End-entity certificates, in load order.
    pub fn end_entities(&self) -> impl DoubleEndedIterator<Item = &Certificate> {
        self.certs.iter()
    }

    /// CA certificates, in load order.
    pub fn authorities(&self) -> impl DoubleEndedIterator<Item = &Certificate> {
        self.authorities.iter()
    }

    /// CRLs.
    #[must_use]
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// Checks a peer's AUTH as [`PeerVerifier::verify`] does, with the
    /// typed reason on failure.
    pub fn check_peer(&self, request: &VerifyRequest<'_>) -> Result<Verified, VerifyError> {
        peer::verify(self, request)
    }

    /// The private key for a public key.
    fn key_for(&self, public: &PublicKey) -> Option<Arc<PrivateKey>> {
        self.keys.iter().find(|k| k.public_key() == public).cloned()
    }

    /// `cert` and the intermediate CAs above it (not the root), to send.
    fn chain_for(&self, cert: &Certificate) -> Vec<Vec<u8>> {
        let mut chain = vec![cert.der().to_vec()];
        let mut current = cert;
        for _ in 0..MAX_PATH {
            let issuer = self.authorities.iter().find(|ca| {
                !ca.is_self_signed()
                    && ca != &current
                    && dn_matches(ca.subject(), current.issuer(), false)
            });
            match issuer {
                Some(ca) if !chain.iter().any(|d| d == ca.der()) => {
                    chain.push(ca.der().to_vec());
                    current = ca;
                }
                _ => break,
            }
        }
        chain
    }

    /// Our key and certificates for a round: `local.certs` (the first we
    /// hold the key of), `local.pubkeys`, or a certificate for `me`.
    fn our_credentials(
        &self,
        me: &Identification,
        round: &LocalAuth,
    ) -> Option<(Arc<PrivateKey>, Vec<Vec<u8>>)> {
        if !round.certs.is_empty() {
            return round.certs.iter().find_map(|der| {
                let cert = Certificate::from_der(der).ok()?;
                Some((self.key_for(cert.public_key())?, self.chain_for(&cert)))
            });
        }
        if !round.pubkeys.is_empty() {
            return round.pubkeys.iter().find_map(|spki| {
                Some((self.key_for(&PublicKey::from_spki(spki).ok()?)?, Vec::new()))
            });
        }
        let by_cert = self
            .certs
            .iter()
            .filter(|c| cert_has_id(c, me))
            .find_map(|c| Some((self.key_for(c.public_key())?, self.chain_for(c))));
        by_cert.or_else(|| {
            // ID_KEY_ID naming a raw key (SHA-1 of its SubjectPublicKeyInfo)
            let key = self
                .keys
                .iter()
                .find(|k| me.ty == IdType::KEY_ID && me.data == k.public_key().spki_sha1())?;
            Some((Arc::clone(key), Vec::new()))
        })
    }
}

impl Credentials for CredentialStore {
    fn shared_key(&self, me: &Identification, peer: Option<&Identification>) -> Option<Secret> {
        self.shared.lookup(me, peer)
    }

    fn signer(&self, me: &Identification, round: &LocalAuth) -> Option<Box<dyn Signer>> {
        let Some((key, certs)) = self.our_credentials(me, round) else {
            tracing::info!("no private key found for '{}'", id_text(me));
            return None;
        };
        let configured = AuthConstraints::parse(&round.auth, self.rsa_pss).ike_schemes;
        Some(Box::new(KeySigner::new(
            key,
            certs,
            configured,
            self.rsa_pss,
        )))
    }

    fn verifier(&self) -> Option<&dyn PeerVerifier> {
        Some(self)
    }

    /// SHA-1 of the SubjectPublicKeyInfo of `remote.cacerts`, or else of
    /// every CA we hold (charon's `build_certreqs`, RFC 7296 §3.7).
    fn ca_key_hashes(&self, round: &RemoteAuth) -> Vec<[u8; 20]> {
        let configured: Vec<Certificate> = round
            .cacerts
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok())
            .collect();
        let cas: Vec<&Certificate> = if configured.is_empty() {
            self.authorities.iter().collect()
        } else {
            configured.iter().collect()
        };
        let mut hashes: Vec<[u8; 20]> = Vec::new();
        for ca in cas.into_iter().filter(|c| c.is_ca()) {
            let hash = ca.public_key().spki_sha1();
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        hashes
    }
}

impl PeerVerifier for CredentialStore {
    fn verify(&self, request: &VerifyRequest<'_>) -> Result<(), AuthError> {
        match self.check_peer(request) {
            Ok(v) => {
                tracing::debug!("peer authenticated with \"{}\"", v.subject);
                tracing::info!(
                    "authentication of '{}' with {} successful",
                    id_text(request.id),
                    v.scheme
                );
                Ok(())
            }
            Err(e) => {
                tracing::info!("authentication of '{}' failed: {e}", id_text(request.id));
                Err(e.into())
            }
        }
    }
}
