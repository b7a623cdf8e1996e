//! Command line and its validation: every problem is reported at once (exit 2).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;

use rampart_units::parse_bytes;

use rampart_kubeclient::ApiConfig;

use crate::{access::ReaderAuth, store::Retention, validate::Limits};
pub use rampart_logging::LogFormat;

#[derive(Parser, Debug)]
#[command(
    name = "rampart-collector",
    version,
    about = "Rampart collector: stores events from agents and serves them live and as history"
)]
pub struct Cli {
    /// Address to serve gRPC on (Ingest, Collector, health, reflection). Loopback by default:
    /// serving other hosts is a choice (with TLS and a client CA, or loudly without).
    #[arg(long, env = "RAMPART_LISTEN", default_value = "127.0.0.1:50051", value_name = "ADDR")]
    pub listen: String,
    /// Where events are kept: `sqlite:PATH` (a file, created if missing; one collector), or
    /// `nats://HOST:PORT[,HOST:PORT...]` (a NATS JetStream cluster shared by any number of
    /// collectors; see --nats-stream, --nats-replicas, --nats-dedup-window).
    #[arg(long, env = "RAMPART_STORE", value_name = "sqlite:PATH|nats://HOST:PORT[,...]")]
    pub store: String,
    /// JetStream: the stream that holds the events (created at start if missing, else checked
    /// against these flags); its agents' bucket is `<NAME>_AGENTS`. Default `RAMPART_EVENTS`.
    #[arg(long, env = "RAMPART_NATS_STREAM", value_name = "NAME")]
    pub nats_stream: Option<String>,
    /// JetStream: copies of each event in the cluster (1, or 3 to survive the loss of a NATS
    /// server). Default 1.
    #[arg(long, env = "RAMPART_NATS_REPLICAS", value_name = "N")]
    pub nats_replicas: Option<usize>,
    /// JetStream: how long the stream remembers message ids to drop resends. Default `2m`.
    #[arg(long, env = "RAMPART_NATS_DEDUP_WINDOW", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub nats_dedup_window: Option<Duration>,
    /// Delete events older than this (event time), e.g. `7d`, `12h`. Default: keep.
    #[arg(long, env = "RAMPART_RETENTION", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub retention: Option<Duration>,
    /// Delete the oldest events while the store is larger than this, e.g. `10GiB`. Default: no limit.
    #[arg(long, env = "RAMPART_RETENTION_SIZE", value_parser = parse_bytes, value_name = "SIZE")]
    pub retention_size: Option<u64>,
    /// Largest gRPC message accepted from an agent; a larger one ends its stream with RESOURCE_EXHAUSTED.
    #[arg(long, env = "RAMPART_MAX_MESSAGE_SIZE", default_value = "4MiB", value_parser = parse_bytes, value_name = "SIZE")]
    pub max_message_size: u64,
    /// Most events accepted in one batch; a larger batch is refused.
    #[arg(long, env = "RAMPART_MAX_BATCH_EVENTS", default_value_t = 10_000, value_name = "N")]
    pub max_batch_events: usize,
    /// Events queued per live subscriber; a subscriber that falls further behind is told what it missed.
    #[arg(long, env = "RAMPART_SUBSCRIBER_QUEUE", default_value_t = 4096, value_name = "N")]
    pub subscriber_queue: usize,
    /// Most readers of stored history at once (Replay, WhatIf, and Subscribe while it sends
    /// history), over all clients; one more is refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "RAMPART_MAX_READERS", default_value_t = 64, value_name = "N")]
    pub max_readers: usize,
    /// A reader of stored history that takes nothing for this long is cut off with
    /// DEADLINE_EXCEEDED, and what it held is released.
    #[arg(long, env = "RAMPART_READER_STALL_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub reader_stall_timeout: Duration,
    /// Serve /metrics, /healthz and /readyz over plain HTTP on ADDR (e.g. 0.0.0.0:9465).
    #[arg(long, env = "RAMPART_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<String>,
    /// Log format on stderr.
    #[arg(long, env = "RAMPART_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Serve TLS with this certificate (PEM), with --tls-key.
    #[arg(long, env = "RAMPART_TLS_CERT", value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Key (PEM) of --tls-cert.
    #[arg(long, env = "RAMPART_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Require every client (agents, the CLI) to present a certificate signed by this CA (mTLS).
    #[arg(long, env = "RAMPART_CLIENT_CA", value_name = "PEM", requires = "tls_cert")]
    pub client_ca: Option<PathBuf>,
    /// How readers (Subscribe, Replay, WhatIf, Status, Verify) are identified and what they
    /// may read: `kubernetes` asks the API server (TokenReview for bearer tokens, client
    /// certificates by common name, SubjectAccessReview per namespace); `certificate` lets any
    /// client certificate from --client-ca read everything; `anonymous` lets anyone who
    /// reaches the collector read everything.
    #[arg(long, env = "RAMPART_READERS", value_enum, default_value_t = ReaderAuth::Kubernetes)]
    pub readers: ReaderAuth,
    /// Kubeconfig of the API server that reviews readers (`--readers kubernetes`); a
    /// `:`-separated list is merged. Without it, the in-cluster service account is used.
    #[arg(long, env = "KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// The audience a reader's bearer token must be issued for (`kubectl create token SA
    /// --audience rampart`).
    #[arg(long, env = "RAMPART_TOKEN_AUDIENCE", default_value = "rampart", value_name = "NAME")]
    pub token_audience: String,
    /// How long the API server's answers about a reader are kept (allowed and denied alike).
    #[arg(long, env = "RAMPART_AUTHZ_CACHE_TTL", default_value = "10s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub authz_cache_ttl: Duration,
    /// May delete stored events on request (`rampart delete`): a client certificate common
    /// name; repeatable (env: comma-separated). Needs --client-ca and `--readers certificate`
    /// or `anonymous`; with `kubernetes`, RBAC grants `delete` on events.rampart.dev. Nobody
    /// may, by default.
    #[arg(long = "deleter", env = "RAMPART_DELETERS", value_delimiter = ',', value_name = "NAME")]
    pub deleters: Vec<String>,
}

/// How the collector asks the Kubernetes API about readers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewConfig {
    pub api: ApiConfig,
    pub audience: String,
    pub cache_ttl: Duration,
}

/// TLS as served: certificate, key and (for mTLS) the CA client certificates must chain to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerTls {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    pub client_ca: Option<Vec<u8>>,
}

/// Where events are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    Sqlite(PathBuf),
    /// `nats://` server URLs.
    Nats(Vec<String>),
}

/// Stream names may not hold these (nor be empty).
fn stream_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The JetStream store's settings (used with `--store nats://...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatsFlags {
    pub stream: String,
    pub replicas: usize,
    pub dedup_window: Duration,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub store: StoreUrl,
    pub nats: NatsFlags,
    pub retention: Retention,
    pub max_message_size: usize,
    pub limits: Limits,
    pub subscriber_queue: usize,
    pub max_readers: usize,
    pub reader_stall: Duration,
    pub log_format: LogFormat,
    pub tls: Option<ServerTls>,
    pub metrics_addr: Option<SocketAddr>,
    pub readers: ReaderAuth,
    /// Set with `--readers kubernetes`.
    pub review: Option<ReviewConfig>,
    /// Client certificate common names that may delete.
    pub deleters: Vec<String>,
}

/// Everything wrong with a command line.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        writeln!(f, "invalid configuration ({n} problem{}):", if n == 1 { "" } else { "s" })?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

fn store_url(s: &str) -> Result<StoreUrl, String> {
    if let Some(path) = s.strip_prefix("sqlite:") {
        let path = PathBuf::from(path.strip_prefix("//").unwrap_or(path));
        if path.as_os_str().is_empty() {
            return Err(format!("--store {s:?}: no path after sqlite:"));
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        if !parent.is_dir() {
            return Err(format!("--store {s:?}: directory {} does not exist", parent.display()));
        }
        return Ok(StoreUrl::Sqlite(path));
    }
    if let Some(list) = s.strip_prefix("nats://") {
        let mut servers = Vec::new();
        for item in list.split(',') {
            let hostport = item.strip_prefix("nats://").unwrap_or(item);
            let ok = hostport
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
            if !ok {
                return Err(format!("--store {s:?}: {item:?} is not HOST:PORT"));
            }
            servers.push(format!("nats://{hostport}"));
        }
        return Ok(StoreUrl::Nats(servers));
    }
    Err(format!("--store {s:?}: expected sqlite:PATH or nats://HOST:PORT[,HOST:PORT...]"))
}

/// The API server that reviews readers: `--kubeconfig` (or `KUBECONFIG`), else the
/// in-cluster service account.
fn review_api(kubeconfig: Option<&str>, errors: &mut Vec<String>) -> Option<ApiConfig> {
    let api = ApiConfig::find(kubeconfig, errors);
    if api.is_none() {
        errors.push(
            "--readers kubernetes (the default) asks the Kubernetes API who readers are and what they may \
             read, but there is no API server to ask: give --kubeconfig (or KUBECONFIG) or run in a pod; or \
             choose --readers certificate (any client certificate from --client-ca reads everything) or \
             --readers anonymous (anyone who reaches the collector reads everything)"
                .into(),
        );
    }
    api
}

impl Cli {
    pub fn validate(self) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        let listen = self
            .listen
            .parse::<SocketAddr>()
            .map_err(|e| {
                errors.push(format!("--listen {:?}: {e} (expected IP:PORT, e.g. 0.0.0.0:50051)", self.listen))
            })
            .ok();
        let store = store_url(&self.store).map_err(|e| errors.push(e)).ok();
        let nats_flags =
            self.nats_stream.is_some() || self.nats_replicas.is_some() || self.nats_dedup_window.is_some();
        if nats_flags && matches!(store, Some(StoreUrl::Sqlite(_))) {
            errors.push(
                "--nats-stream, --nats-replicas and --nats-dedup-window are for --store nats://...".into(),
            );
        }
        let nats_stream = self.nats_stream.clone().unwrap_or_else(|| "RAMPART_EVENTS".into());
        if !stream_name_ok(&nats_stream) {
            errors.push(format!("--nats-stream {nats_stream:?}: letters, digits, '-' and '_' only"));
        }
        let nats_replicas = self.nats_replicas.unwrap_or(1);
        if !(1..=5).contains(&nats_replicas) {
            errors.push(format!("--nats-replicas {nats_replicas}: JetStream keeps 1 to 5 copies (1, or 3 to survive a server's loss)"));
        }
        let nats_dedup_window = self.nats_dedup_window.unwrap_or(Duration::from_secs(120));
        if nats_dedup_window < Duration::from_secs(1) {
            errors.push("--nats-dedup-window must be at least 1s".into());
        }
        let metrics_addr = self.metrics_addr.as_deref().and_then(|a| {
            a.parse::<SocketAddr>()
                .map_err(|e| {
                    errors.push(format!("--metrics-addr {a:?}: {e} (expected IP:PORT, e.g. 0.0.0.0:9465)"))
                })
                .ok()
        });
        let max_age_ns = match self.retention {
            Some(d) if d.is_zero() => {
                errors.push("--retention 0s would delete everything; leave it out to keep events".into());
                None
            }
            Some(d) => Some(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
            None => None,
        };
        if self.retention_size.is_some_and(|s| s < 1 << 20) {
            errors.push("--retention-size must be at least 1MiB".into());
        }
        if self.max_message_size < 1024 {
            errors.push("--max-message-size must be at least 1KiB".into());
        }
        if self.max_batch_events == 0 {
            errors.push("--max-batch-events must be at least 1".into());
        }
        if self.subscriber_queue < 2 {
            errors.push("--subscriber-queue must be at least 2".into());
        }
        if self.max_readers == 0 {
            errors.push("--max-readers must be at least 1".into());
        }
        if self.reader_stall_timeout < Duration::from_secs(1) {
            errors.push("--reader-stall-timeout must be at least 1s".into());
        }
        let mut read = |flag: &str, path: &Option<PathBuf>| {
            path.as_ref().and_then(|p| {
                std::fs::read(p).map_err(|e| errors.push(format!("{flag} {}: {e}", p.display()))).ok()
            })
        };
        let (cert, key, client_ca) = (
            read("--tls-cert", &self.tls_cert),
            read("--tls-key", &self.tls_key),
            read("--client-ca", &self.client_ca),
        );
        if !self.deleters.is_empty() && self.client_ca.is_none() {
            errors.push(
                "--deleter needs --client-ca: deleting is granted to client certificates, by common name"
                    .into(),
            );
        }
        if !self.deleters.is_empty() && self.readers == ReaderAuth::Kubernetes {
            errors.push(
                "--deleter with --readers kubernetes: there, RBAC grants deleting (delete on events.rampart.dev \
                 in the namespace); --deleter is for --readers certificate"
                    .into(),
            );
        }
        if self.readers == ReaderAuth::Certificate && self.client_ca.is_none() {
            errors.push(
                "--readers certificate needs --client-ca: readers are the client certificates it signed"
                    .into(),
            );
        }
        let review = match self.readers {
            ReaderAuth::Kubernetes => review_api(self.kubeconfig.as_deref(), &mut errors).map(|api| {
                ReviewConfig { api, audience: self.token_audience.clone(), cache_ttl: self.authz_cache_ttl }
            }),
            _ => None,
        };
        if self.token_audience.is_empty() {
            errors.push("--token-audience must not be empty".into());
        }
        let tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(ServerTls { cert, key, client_ca }),
            _ => None,
        };
        match (listen, store) {
            (Some(listen), Some(store)) if errors.is_empty() => Ok(Config {
                listen,
                store,
                nats: NatsFlags {
                    stream: nats_stream,
                    replicas: nats_replicas,
                    dedup_window: nats_dedup_window,
                },
                retention: Retention { max_age_ns, max_bytes: self.retention_size },
                max_message_size: usize::try_from(self.max_message_size).unwrap_or(usize::MAX),
                limits: Limits { max_batch_events: self.max_batch_events },
                subscriber_queue: self.subscriber_queue,
                max_readers: self.max_readers,
                reader_stall: self.reader_stall_timeout,
                log_format: self.log_format,
                tls,
                metrics_addr,
                readers: self.readers,
                review,
                deleters: self.deleters,
            }),
            _ => Err(ConfigErrors(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut argv = vec!["rampart-collector"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).unwrap()
    }

    #[test]
    fn every_problem_is_reported() {
        let err = cli(&[
            "--listen",
            "nowhere",
            "--store",
            "nats://127.0.0.1:4222,nowhere",
            "--nats-replicas",
            "7",
            "--retention",
            "0s",
            "--max-batch-events",
            "0",
            "--deleter",
            "rampart-admin",
            "--readers",
            "certificate",
        ])
        .validate()
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "--listen \"nowhere\"",
            "\"nowhere\" is not HOST:PORT",
            "--nats-replicas 7",
            "--retention 0s",
            "--max-batch-events",
            "--deleter needs --client-ca",
            "--readers certificate needs --client-ca",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
    }

    #[test]
    fn sqlite_urls() {
        assert_eq!(store_url("sqlite:/tmp/x.db"), Ok(StoreUrl::Sqlite("/tmp/x.db".into())));
        assert_eq!(store_url("sqlite:///tmp/x.db"), Ok(StoreUrl::Sqlite("/tmp/x.db".into())));
        assert!(store_url("sqlite:/nonexistent/dir/x.db").unwrap_err().contains("does not exist"));
        assert!(store_url("postgres://x").unwrap_err().contains("expected sqlite:PATH"));
        assert_eq!(
            store_url("nats://a:4222,nats://b:4222,c:4222"),
            Ok(StoreUrl::Nats(vec!["nats://a:4222".into(), "nats://b:4222".into(), "nats://c:4222".into()]))
        );
    }

    #[test]
    fn kubernetes_readers_need_an_api_server_and_leave_deleting_to_rbac() {
        let err =
            cli(&["--store", "sqlite:e.db", "--kubeconfig", "/nonexistent/kubeconfig", "--deleter", "x"])
                .validate()
                .unwrap_err()
                .to_string();
        assert!(err.contains("--kubeconfig /nonexistent/kubeconfig: no such file"), "{err}");
        assert!(err.contains("--deleter with --readers kubernetes"), "{err}");
    }

    #[test]
    fn defaults_are_valid() {
        let cfg = cli(&[
            "--store",
            "sqlite:events.db",
            "--retention",
            "7d",
            "--retention-size",
            "1GiB",
            "--readers",
            "anonymous",
        ])
        .validate()
        .unwrap();
        assert_eq!(cfg.listen, "127.0.0.1:50051".parse().unwrap(), "loopback unless told otherwise");
        assert_eq!(cfg.retention.max_age_ns, Some(7 * 24 * 3600 * 1_000_000_000));
        assert_eq!(cfg.retention.max_bytes, Some(1 << 30));
        assert_eq!(cfg.max_message_size, 4 << 20);
    }
}
