//! A small rcgen PKI for the integration tests (made at test time).

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, RsaKeySize, SanType, date_time_ymd,
};

/// A certificate, its key and what signing with it needs.
pub struct Cert {
    pub der: Vec<u8>,
    pub key: KeyPair,
    params: CertificateParams,
}

#[derive(Clone, Copy)]
pub enum Alg {
    P256,
    Rsa3072,
    Ed25519,
}

fn key(alg: Alg) -> KeyPair {
    match alg {
        Alg::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        Alg::Rsa3072 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_3072),
        Alg::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
    }
    .unwrap()
}

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "CH");
    dn.push(DnType::OrganizationName, "strongSwan");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2040, 1, 1);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.subject_alt_names = vec![SanType::DnsName(cn.try_into().unwrap())];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    p
}

impl Cert {
    pub fn root(cn: &str, alg: Alg) -> Self {
        let key = key(alg);
        let params = params(cn, true);
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Self { der, key, params }
    }

    /// A self-signed end entity with `cn` as DNS name.
    pub fn self_signed(cn: &str, alg: Alg) -> Self {
        let key = key(alg);
        let params = params(cn, false);
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Self { der, key, params }
    }

    fn issue(&self, cn: &str, ca: bool, alg: Alg) -> Self {
        let key = key(alg);
        let params = params(cn, ca);
        let issuer = Issuer::from_params(&self.params, &self.key);
        let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();
        Self { der, key, params }
    }

    pub fn leaf(&self, cn: &str, alg: Alg) -> Self {
        self.issue(cn, false, alg)
    }

    pub fn intermediate(&self, cn: &str, alg: Alg) -> Self {
        self.issue(cn, true, alg)
    }

    pub fn private_key(&self) -> certs::PrivateKey {
        certs::load::parse_private_key(&self.key.serialize_der(), None).unwrap()
    }

    pub fn cert(&self) -> certs::Certificate {
        certs::Certificate::from_der(&self.der).unwrap()
    }
}
