//! TLS to the collector: `--tls-ca` (the CA that signed the collector's certificate) and,
//! for mTLS, `--tls-cert`/`--tls-key` (this agent's client certificate). Files are read once,
//! at start. Or, to name the node without a certificate, `--collector-token-file`: a
//! ServiceAccount token for the collector's audience, read at each connection (a projected
//! token rotates).

use std::path::PathBuf;

use clap::Args;
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

#[derive(Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// CA certificate (PEM) that signed the collector's certificate; needed for https:// URLs.
    #[arg(long, env = "RAMPART_TLS_CA", value_name = "PEM")]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) presented to the collector (mTLS), with --tls-key.
    #[arg(long, env = "RAMPART_TLS_CERT", value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Key (PEM) of --tls-cert.
    #[arg(long, env = "RAMPART_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A ServiceAccount token (projected, for the collector's audience) sent as a bearer token:
    /// the collector checks it with a TokenReview and takes this node from its node claim.
    #[arg(long, env = "RAMPART_COLLECTOR_TOKEN_FILE", value_name = "PATH")]
    pub collector_token_file: Option<PathBuf>,
}

/// What TLS to the collector needs, read from the files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientTls {
    pub ca: Vec<u8>,
    /// Certificate and key, for mTLS.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl ClientTls {
    pub fn config(&self) -> ClientTlsConfig {
        let c = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&self.ca));
        match &self.identity {
            Some((cert, key)) => c.identity(Identity::from_pem(cert, key)),
            None => c,
        }
    }
}

fn read(flag: &str, path: &PathBuf, errors: &mut Vec<String>) -> Option<Vec<u8>> {
    std::fs::read(path).map_err(|e| errors.push(format!("{flag} {}: {e}", path.display()))).ok()
}

/// The bearer token in `path`, as the `authorization` header value.
pub fn bearer(
    path: &std::path::Path,
) -> Result<tonic::metadata::MetadataValue<tonic::metadata::Ascii>, String> {
    let token = std::fs::read_to_string(path)
        .map_err(|e| format!("--collector-token-file {}: {e}", path.display()))?;
    let token = token.trim();
    if token.is_empty() {
        return Err(format!("--collector-token-file {}: empty", path.display()));
    }
    format!("Bearer {token}")
        .parse()
        .map_err(|_| format!("--collector-token-file {}: not a token a header can carry", path.display()))
}

impl TlsArgs {
    /// `--collector-token-file`, checked readable now (it is read again at each connection).
    pub fn token_file(&self, errors: &mut Vec<String>) -> Option<PathBuf> {
        let path = self.collector_token_file.clone()?;
        if let Err(e) = bearer(&path) {
            errors.push(e);
        }
        Some(path)
    }

    /// The TLS settings for `url`, or problems added to `errors`.
    pub fn load(&self, url: &str, errors: &mut Vec<String>) -> Option<ClientTls> {
        let https = url.starts_with("https://");
        let any = self.tls_ca.is_some() || self.tls_cert.is_some();
        if !https {
            if any {
                errors.push(format!("--tls-ca/--tls-cert need an https:// URL, not {url:?}"));
            }
            return None;
        }
        let Some(ca) = &self.tls_ca else {
            errors.push(format!("{url:?} is https: --tls-ca is needed to verify the collector"));
            return None;
        };
        let ca = read("--tls-ca", ca, errors);
        let identity = match (&self.tls_cert, &self.tls_key) {
            (Some(c), Some(k)) => Some((read("--tls-cert", c, errors)?, read("--tls-key", k, errors)?)),
            _ => None,
        };
        Some(ClientTls { ca: ca?, identity })
    }
}
