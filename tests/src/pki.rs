//! Test certificates: a CA, and certificates it signs, written as PEM files.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A CA that signs the certificates of one test.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
}

/// When a certificate is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// rcgen's default: from 1975 to 4096.
    Now,
    /// Expired at the end of 2020.
    Expired,
}

impl Ca {
    /// A new CA (common name `<prefix>rampart test CA`), written to `dir/<prefix>ca.pem`.
    pub fn create(dir: &Path, prefix: &str) -> Ca {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, format!("{prefix}rampart test CA"));
        let cert = params.self_signed(&key).expect("self-signed CA");
        std::fs::write(dir.join(format!("{prefix}ca.pem")), cert.pem()).expect("writing the CA");
        Ca { issuer: Issuer::new(params, key) }
    }

    /// A certificate for common name `cn` in organization `org` (a group, to Kubernetes),
    /// for the names `sans`, written to `dir/<file>.pem` and its key to `dir/<file>.key`.
    pub fn issue(
        &self,
        dir: &Path,
        file: &str,
        cn: &str,
        org: Option<&str>,
        sans: &[&str],
        validity: Validity,
    ) {
        let key = KeyPair::generate().expect("key");
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        if let Some(o) = org {
            params.distinguished_name.push(DnType::OrganizationName, o);
        }
        if validity == Validity::Expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 12, 31);
        }
        let cert = params.signed_by(&key, &self.issuer).expect("signing");
        std::fs::write(dir.join(format!("{file}.pem")), cert.pem()).expect("writing the certificate");
        std::fs::write(dir.join(format!("{file}.key")), key.serialize_pem()).expect("writing the key");
    }
}
