//! A test PKI made with rcgen at test time (no key material is committed).

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevokedCertParams, RsaKeySize, SanType, SerialNumber, date_time_ymd,
};

use crate::key::{Curve, PrivateKey};

/// Which key to generate.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Alg {
    Ecdsa(Curve),
    Rsa(usize),
    Ed25519,
}

pub(crate) fn rcgen_key(alg: Alg) -> KeyPair {
    let generated = match alg {
        Alg::Ecdsa(Curve::P256) => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        Alg::Ecdsa(Curve::P384) => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        Alg::Ecdsa(Curve::P521) => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512),
        Alg::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
        Alg::Rsa(bits) => {
            let size = match bits {
                2048 => RsaKeySize::_2048,
                3072 => RsaKeySize::_3072,
                _ => RsaKeySize::_4096,
            };
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size)
        }
    };
    generated.unwrap()
}

/// Our private key for an rcgen key.
pub(crate) fn our_key(key: &KeyPair) -> PrivateKey {
    PrivateKey::from_pkcs8(&key.serialize_der()).unwrap()
}

pub(crate) fn ecdsa_key(curve: Curve) -> PrivateKey {
    our_key(&rcgen_key(Alg::Ecdsa(curve)))
}

/// What to put in a certificate.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub(crate) dn: Vec<(DnType, String)>,
    pub(crate) sans: Vec<SanType>,
    pub(crate) alg: Alg,
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u8>,
    pub(crate) key_usages: Vec<KeyUsagePurpose>,
    pub(crate) ekus: Vec<ExtendedKeyUsagePurpose>,
    /// Validity as (year from, year to).
    pub(crate) years: (i32, i32),
    pub(crate) serial: u64,
    pub(crate) crl_uri: bool,
}

impl Spec {
    /// An end entity `CN=<cn>` with `<cn>` as DNS altName, ECDSA P-256,
    /// valid 2020–2040.
    pub(crate) fn leaf(cn: &str) -> Self {
        Self {
            dn: vec![
                (DnType::CountryName, "CH".into()),
                (DnType::OrganizationName, "strongSwan".into()),
                (DnType::CommonName, cn.into()),
            ],
            sans: vec![SanType::DnsName(cn.try_into().unwrap())],
            alg: Alg::Ecdsa(Curve::P256),
            ca: false,
            path_len: None,
            key_usages: vec![KeyUsagePurpose::DigitalSignature],
            ekus: Vec::new(),
            years: (2020, 2040),
            serial: 1,
            crl_uri: false,
        }
    }

    pub(crate) fn ca(cn: &str) -> Self {
        Self {
            sans: Vec::new(),
            ca: true,
            key_usages: vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
            ..Self::leaf(cn)
        }
    }

    pub(crate) fn alg(mut self, alg: Alg) -> Self {
        self.alg = alg;
        self
    }

    fn params(&self) -> CertificateParams {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        for (ty, value) in &self.dn {
            dn.push(ty.clone(), value.as_str());
        }
        p.distinguished_name = dn;
        p.subject_alt_names.clone_from(&self.sans);
        p.is_ca = match (self.ca, self.path_len) {
            (false, _) => IsCa::ExplicitNoCa,
            (true, None) => IsCa::Ca(BasicConstraints::Unconstrained),
            (true, Some(n)) => IsCa::Ca(BasicConstraints::Constrained(n)),
        };
        p.key_usages.clone_from(&self.key_usages);
        p.extended_key_usages.clone_from(&self.ekus);
        p.not_before = date_time_ymd(self.years.0, 1, 1);
        p.not_after = date_time_ymd(self.years.1, 1, 1);
        p.serial_number = Some(SerialNumber::from(self.serial));
        p.key_identifier_method = KeyIdMethod::Sha256;
        if self.crl_uri {
            p.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec!["http://crl.example.test/ca.crl".into()],
            }];
        }
        p
    }
}

/// A certificate with its key.
pub(crate) struct Issued {
    pub(crate) der: Vec<u8>,
    pub(crate) key: KeyPair,
    params: CertificateParams,
}

impl Issued {
    pub(crate) fn self_signed(spec: &Spec) -> Self {
        let key = rcgen_key(spec.alg);
        let params = spec.params();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Self { der, key, params }
    }

    /// A certificate for `spec` signed by this one.
    pub(crate) fn issue(&self, spec: &Spec) -> Self {
        let key = rcgen_key(spec.alg);
        self.issue_for(spec, key)
    }

    /// A certificate for `spec` and an existing key, signed by this one.
    pub(crate) fn issue_for(&self, spec: &Spec, key: KeyPair) -> Self {
        let params = spec.params();
        let issuer = Issuer::from_params(&self.params, &self.key);
        let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();
        Self { der, key, params }
    }

    pub(crate) fn private_key(&self) -> PrivateKey {
        our_key(&self.key)
    }

    pub(crate) fn cert(&self) -> crate::Certificate {
        crate::Certificate::from_der(&self.der).unwrap()
    }

    /// A DER CRL revoking `serials`, valid for the years given.
    pub(crate) fn crl(&self, serials: &[u64], years: (i32, i32)) -> Vec<u8> {
        let params = CertificateRevocationListParams {
            this_update: date_time_ymd(years.0, 1, 1),
            next_update: date_time_ymd(years.1, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|&s| RevokedCertParams {
                    serial_number: SerialNumber::from(s),
                    revocation_time: date_time_ymd(years.0, 1, 1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let issuer = Issuer::from_params(&self.params, &self.key);
        params.signed_by(&issuer).unwrap().der().to_vec()
    }
}

/// 2025-06-01, inside every default validity period.
pub(crate) fn now() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_748_736_000)
}
