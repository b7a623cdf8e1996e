//! The export flags: `--collector URL`, `--spool-dir DIR`, `--spool-size SIZE`, and TLS.

use std::path::PathBuf;

use clap::Args;
use rampart_units::parse_bytes;

use super::tls::{ClientTls, TlsArgs};

#[derive(Args, Debug, Clone, Default)]
pub struct ExportArgs {
    /// Stream events to the collector at URL (e.g. http://rampart-collector:50051).
    #[arg(long, env = "RAMPART_COLLECTOR_URL", value_name = "URL")]
    pub collector: Option<String>,
    /// Keep batches on disk here while the collector is unreachable (and across restarts).
    #[arg(long, env = "RAMPART_SPOOL_DIR", value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,
    /// Most disk the spool may use; what does not fit is dropped and counted.
    #[arg(long, env = "RAMPART_SPOOL_SIZE", default_value = "256MiB", value_parser = parse_bytes, value_name = "SIZE")]
    pub spool_size: u64,
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// A validated collector export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectorConfig {
    pub url: String,
    pub spool_dir: Option<PathBuf>,
    pub spool_size: u64,
    pub tls: Option<ClientTls>,
    /// `--collector-token-file`: the node's bearer token, read at each connection.
    pub token_file: Option<PathBuf>,
}

impl ExportArgs {
    /// The export configuration, or problems added to `errors`.
    pub fn validate(self, errors: &mut Vec<String>) -> Option<CollectorConfig> {
        let Some(url) = self.collector else {
            if let Some(d) = &self.spool_dir {
                errors.push(format!("--spool-dir {}: needs --collector", d.display()));
            }
            return None;
        };
        let before = errors.len();
        match url.split_once("://") {
            Some(("http" | "https", rest)) if !rest.is_empty() => {
                if let Err(e) = url.parse::<tonic::transport::Uri>() {
                    errors.push(format!("--collector {url:?}: {e}"));
                }
            }
            _ => errors.push(format!("--collector {url:?}: expected http://HOST:PORT or https://HOST:PORT")),
        }
        let tls = self.tls.load(&url, errors);
        let token_file = self.tls.token_file(errors);
        if let Some(d) = &self.spool_dir
            && let Err(e) = std::fs::create_dir_all(d)
        {
            errors.push(format!("--spool-dir {}: {e}", d.display()));
        }
        if self.spool_size < 1 << 20 {
            errors.push("--spool-size must be at least 1MiB".into());
        }
        (errors.len() == before).then_some(CollectorConfig {
            url,
            spool_dir: self.spool_dir,
            spool_size: self.spool_size,
            tls,
            token_file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_checked_together() {
        let mut errors = Vec::new();
        let args = ExportArgs { collector: Some("grpc://x".into()), spool_size: 10, ..Default::default() };
        assert!(args.validate(&mut errors).is_none());
        assert_eq!(errors.len(), 2, "{errors:?}");
        let mut errors = Vec::new();
        let lonely = ExportArgs { spool_dir: Some("/tmp/x".into()), ..Default::default() };
        assert!(lonely.validate(&mut errors).is_none());
        assert!(errors[0].contains("needs --collector"));
        let dir = tempfile::tempdir().unwrap();
        let good = ExportArgs {
            collector: Some("http://127.0.0.1:50051".into()),
            spool_dir: Some(dir.path().join("spool")),
            spool_size: 1 << 20,
            ..Default::default()
        };
        let cfg = good.validate(&mut errors).unwrap();
        assert!(dir.path().join("spool").is_dir());
        assert_eq!(cfg.url, "http://127.0.0.1:50051");
        let mut errors = Vec::new();
        let no_ca = ExportArgs {
            collector: Some("https://c:50051".into()),
            spool_size: 1 << 20,
            ..Default::default()
        };
        assert!(no_ca.validate(&mut errors).is_none());
        assert!(errors[0].contains("--tls-ca is needed"), "{errors:?}");
    }
}
