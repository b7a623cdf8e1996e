//! A kube-rs client from `--kubeconfig` (or `KUBECONFIG`, a `:`-separated list merged as
//! kubectl does) or from the in-cluster service account.

use std::path::PathBuf;

use kube::config::{Config, KubeConfigOptions, Kubeconfig, KubeconfigError};

/// Where the API server's address and credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiConfig {
    /// Kubeconfig files, merged in order.
    Kubeconfig(Vec<PathBuf>),
    /// The pod's service account (`KUBERNETES_SERVICE_HOST`, the mounted token and CA).
    InCluster,
}

impl ApiConfig {
    /// `--kubeconfig` (or `KUBECONFIG`; a `:`-separated list, each missing file added to
    /// `errors`), else the in-cluster service account when running in a pod, else `None`.
    pub fn find(kubeconfig: Option<&str>, errors: &mut Vec<String>) -> Option<ApiConfig> {
        match kubeconfig.filter(|k| !k.is_empty()) {
            Some(list) => {
                let paths: Vec<PathBuf> =
                    list.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).collect();
                for p in paths.iter().filter(|p| !p.is_file()) {
                    errors.push(format!("--kubeconfig {}: no such file", p.display()));
                }
                Some(ApiConfig::Kubeconfig(paths))
            }
            None if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => Some(ApiConfig::InCluster),
            None => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("kubeconfig {}: {source}", path.display())]
    Read { path: PathBuf, source: KubeconfigError },
    #[error("kubeconfig {}: {source}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":"))]
    Config { paths: Vec<PathBuf>, source: KubeconfigError },
    #[error("in-cluster configuration: {0}")]
    InCluster(#[from] kube::config::InClusterError),
    #[error("building the Kubernetes client: {0}")]
    Client(#[from] kube::Error),
}

/// A client for the configured API server. Nothing is sent yet: a server that is down at
/// start shows in the watchers' health, not here.
pub async fn connect(cfg: &ApiConfig) -> Result<kube::Client, ClientError> {
    let config = match cfg {
        ApiConfig::InCluster => Config::incluster()?,
        ApiConfig::Kubeconfig(paths) => {
            let mut merged: Option<Kubeconfig> = None;
            for path in paths {
                let next = Kubeconfig::read_from(path)
                    .map_err(|source| ClientError::Read { path: path.clone(), source })?;
                merged = Some(match merged {
                    None => next,
                    Some(m) => m
                        .merge(next)
                        .map_err(|source| ClientError::Config { paths: paths.clone(), source })?,
                });
            }
            let kubeconfig = merged.unwrap_or_default();
            Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|source| ClientError::Config { paths: paths.clone(), source })?
        }
    };
    Ok(kube::Client::try_from(config)?)
}
