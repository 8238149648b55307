//! A throwaway test PKI, made with the `openssl` command at test time and
//! kept in memory (PEM): an ECDSA root CA, an intermediate CA under it and
//! end-entity certificates for moon and sun. Each family is generated once
//! per test binary; the RSA ones only when a test asks for them.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

use tempfile::TempDir;

/// The two hosts of the test PKI (strongSwan's test names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Moon,
    Sun,
}

impl Host {
    /// The FQDN: subjectAltName DNS, CN and IKE identity.
    pub fn fqdn(self) -> &'static str {
        match self {
            Self::Moon => "moon.strongswan.org",
            Self::Sun => "sun.strongswan.org",
        }
    }

    /// The subject DN as charon prints it.
    pub fn dn(self) -> String {
        format!("C=CH, O=Cygnet Test, CN={}", self.fqdn())
    }

    pub fn peer(self) -> Self {
        match self {
            Self::Moon => Self::Sun,
            Self::Sun => Self::Moon,
        }
    }

    /// `moon` or `sun` (file names).
    pub fn short(self) -> &'static str {
        match self {
            Self::Moon => "moon",
            Self::Sun => "sun",
        }
    }
}

pub const ROOT_DN: &str = "C=CH, O=Cygnet Test, CN=Cygnet Test Root CA";
pub const FOREIGN_DN: &str = "C=CH, O=Cygnet Test, CN=Cygnet Foreign Root CA";
pub const INTERMEDIATE_DN: &str = "C=CH, O=Cygnet Test, CN=Cygnet Test Intermediate CA";

/// A certificate and its private key, both PEM.
#[derive(Clone, Debug)]
pub struct Pem {
    pub cert: String,
    pub key: String,
}

/// One value per host.
#[derive(Clone, Debug)]
pub struct Hosts<T> {
    pub moon: T,
    pub sun: T,
}

impl<T> Hosts<T> {
    pub fn get(&self, host: Host) -> &T {
        match host {
            Host::Moon => &self.moon,
            Host::Sun => &self.sun,
        }
    }
}

/// The CAs and the ECDSA P-256 end entities (fast to make).
#[derive(Debug)]
pub struct EcdsaPki {
    /// Self-signed root CA (ECDSA P-256, PKCS#8 key).
    pub root: Pem,
    /// CA under the root (pathlen 0).
    pub intermediate: Pem,
    /// Leaves signed by the root (PKCS#8 keys).
    pub root_signed: Hosts<Pem>,
    /// Leaves signed by the intermediate (PKCS#8 keys).
    pub intermediate_signed: Hosts<Pem>,
    /// Self-signed leaves for pinning (SEC1 keys).
    pub self_signed: Hosts<Pem>,
    /// Self-signed impostors: same DN and SAN as `self_signed`, own keys.
    pub impostor: Hosts<Pem>,
    /// Leaves signed by another root CA ([`FOREIGN_DN`]) that no side
    /// trusts (PKCS#8 keys).
    pub foreign_signed: Hosts<Pem>,
}

/// The ECDSA family, generated on first use.
pub fn ecdsa() -> Result<&'static EcdsaPki, String> {
    static PKI: OnceLock<Result<EcdsaPki, String>> = OnceLock::new();
    PKI.get_or_init(make_ecdsa).as_ref().map_err(Clone::clone)
}

/// RSA-3072 leaves signed by the intermediate (PKCS#8 keys), for
/// RSASSA-PSS.
pub fn rsa3072() -> Result<&'static Hosts<Pem>, String> {
    static PKI: OnceLock<Result<Hosts<Pem>, String>> = OnceLock::new();
    PKI.get_or_init(|| make_rsa(3072, &ecdsa()?.intermediate, KeyForm::Pkcs8))
        .as_ref()
        .map_err(Clone::clone)
}

/// RSA-4096 leaves signed by the intermediate (PKCS#1 keys): big CERT
/// payloads, for fragmentation.
pub fn rsa4096() -> Result<&'static Hosts<Pem>, String> {
    static PKI: OnceLock<Result<Hosts<Pem>, String>> = OnceLock::new();
    PKI.get_or_init(|| make_rsa(4096, &ecdsa()?.intermediate, KeyForm::Pkcs1))
        .as_ref()
        .map_err(Clone::clone)
}

/// Whether `openssl` runs; if not, prints why the test skips, unless CI
/// requires interop tests (`CYGNET_REQUIRE_INTEROP`).
pub fn openssl_available(test: &str) -> bool {
    let runs = Command::new("openssl").arg("version").output();
    if matches!(&runs, Ok(out) if out.status.success()) {
        return true;
    }
    assert!(
        std::env::var_os("CYGNET_REQUIRE_INTEROP").is_none(),
        "CYGNET_REQUIRE_INTEROP is set but {test} cannot run: no openssl"
    );
    println!("skipping {test}: no openssl");
    false
}

#[derive(Clone, Copy)]
enum KeyForm {
    Pkcs8,
    Sec1,
    Pkcs1,
}

enum Kind {
    /// A self-signed CA with this CN.
    Root(&'static str),
    Intermediate,
    Leaf(Host),
}

const ROOT: Kind = Kind::Root("Cygnet Test Root CA");
const FOREIGN: Kind = Kind::Root("Cygnet Foreign Root CA");

fn make_ecdsa() -> Result<EcdsaPki, String> {
    let dir = temp()?;
    let root = issue(dir.path(), "root", &ROOT, KeyForm::Pkcs8, None)?;
    let foreign = issue(dir.path(), "foreign", &FOREIGN, KeyForm::Pkcs8, None)?;
    let intermediate = issue(
        dir.path(),
        "im",
        &Kind::Intermediate,
        KeyForm::Pkcs8,
        Some(&root),
    )?;
    let leaves = |prefix: &str, form, issuer: Option<&Pem>| -> Result<Hosts<Pem>, String> {
        let leaf = |host: Host| {
            let name = format!("{prefix}-{}", host.short());
            issue(dir.path(), &name, &Kind::Leaf(host), form, issuer)
        };
        Ok(Hosts {
            moon: leaf(Host::Moon)?,
            sun: leaf(Host::Sun)?,
        })
    };
    Ok(EcdsaPki {
        root_signed: leaves("ec", KeyForm::Pkcs8, Some(&root))?,
        intermediate_signed: leaves("ecim", KeyForm::Pkcs8, Some(&intermediate))?,
        self_signed: leaves("self", KeyForm::Sec1, None)?,
        impostor: leaves("impostor", KeyForm::Sec1, None)?,
        foreign_signed: leaves("foreign", KeyForm::Pkcs8, Some(&foreign))?,
        root,
        intermediate,
    })
}

/// Both RSA leaves, their keys generated in parallel (the slow part).
fn make_rsa(bits: u32, issuer: &Pem, form: KeyForm) -> Result<Hosts<Pem>, String> {
    let dir = temp()?;
    let leaf = |host: Host| {
        let name = format!("rsa{bits}-{}", host.short());
        rsa_key(dir.path(), &name, bits, form)?;
        sign(dir.path(), &name, &Kind::Leaf(host), Some(issuer))
    };
    thread::scope(|s| {
        let moon = s.spawn(|| leaf(Host::Moon));
        let sun = leaf(Host::Sun)?;
        let moon = moon.join().map_err(|_| "RSA key thread panicked")??;
        Ok(Hosts { moon, sun })
    })
}

fn temp() -> Result<TempDir, String> {
    TempDir::new().map_err(|e| format!("temp dir for the PKI: {e}"))
}

/// A new ECDSA P-256 key and its certificate.
fn issue(
    dir: &Path,
    name: &str,
    kind: &Kind,
    form: KeyForm,
    issuer: Option<&Pem>,
) -> Result<Pem, String> {
    let key = format!("{name}.key");
    match form {
        KeyForm::Sec1 => openssl(
            dir,
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                &key,
            ],
        )?,
        _ => openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &key,
            ],
        )?,
    }
    sign(dir, name, kind, issuer)
}

fn rsa_key(dir: &Path, name: &str, bits: u32, form: KeyForm) -> Result<(), String> {
    let key = format!("{name}.key");
    let bits = format!("rsa_keygen_bits:{bits}");
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &bits,
            "-out",
            &key,
        ],
    )?;
    if matches!(form, KeyForm::Pkcs1) {
        let pkcs8 = format!("{name}.pkcs8");
        std::fs::rename(dir.join(&key), dir.join(&pkcs8)).map_err(|e| e.to_string())?;
        openssl(dir, &["rsa", "-in", &pkcs8, "-traditional", "-out", &key])?;
    }
    Ok(())
}

/// Certifies `<name>.key` (self-signed without `issuer`); the PEMs.
fn sign(dir: &Path, name: &str, kind: &Kind, issuer: Option<&Pem>) -> Result<Pem, String> {
    static SERIAL: AtomicU32 = AtomicU32::new(0x1000);
    let (key, csr, cert, cnf) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
        format!("{name}.cnf"),
    );
    let (ca, ca_key) = (format!("{name}.ca.pem"), format!("{name}.ca.key"));
    write(dir, &cnf, &config(kind, issuer.is_some()))?;
    openssl(
        dir,
        &["req", "-new", "-config", &cnf, "-key", &key, "-out", &csr],
    )?;
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed).to_string();
    let mut args = vec![
        "x509",
        "-req",
        "-in",
        &csr,
        "-days",
        "3650",
        "-sha256",
        "-extfile",
        &cnf,
        "-extensions",
        "ext",
        "-set_serial",
        &serial,
        "-out",
        &cert,
    ];
    if let Some(issuer) = issuer {
        write(dir, &ca, &issuer.cert)?;
        write(dir, &ca_key, &issuer.key)?;
        args.extend(["-CA", &ca, "-CAkey", &ca_key]);
    } else {
        args.extend(["-signkey", &key]);
    }
    openssl(dir, &args)?;
    Ok(Pem {
        cert: read(dir, &cert)?,
        key: read(dir, &key)?,
    })
}

/// The openssl config of one certificate: its DN and extensions.
fn config(kind: &Kind, issued: bool) -> String {
    let aki = if issued {
        "authorityKeyIdentifier = keyid\n"
    } else {
        ""
    };
    let (cn, ext) = match kind {
        Kind::Root(cn) => (
            (*cn).to_owned(),
            "basicConstraints = critical, CA:TRUE\n\
             keyUsage = critical, keyCertSign, cRLSign\n"
                .to_owned(),
        ),
        Kind::Intermediate => (
            "Cygnet Test Intermediate CA".to_owned(),
            "basicConstraints = critical, CA:TRUE, pathlen:0\n\
             keyUsage = critical, keyCertSign, cRLSign\n"
                .to_owned(),
        ),
        Kind::Leaf(host) => (
            host.fqdn().to_owned(),
            format!(
                "basicConstraints = critical, CA:FALSE\n\
                 keyUsage = critical, digitalSignature\n\
                 subjectAltName = DNS:{}\n",
                host.fqdn()
            ),
        ),
    };
    format!(
        "[req]\nprompt = no\ndistinguished_name = dn\n\
         [dn]\nC = CH\nO = Cygnet Test\nCN = {cn}\n\
         [ext]\n{ext}subjectKeyIdentifier = hash\n{aki}"
    )
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    super::run(Command::new("openssl").current_dir(dir).args(args)).map(drop)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    super::write(&dir.join(name), text)
}

fn read(dir: &Path, name: &str) -> Result<String, String> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}
