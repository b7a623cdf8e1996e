//! The collector's lifecycle: open the store, serve gRPC (Ingest, Collector, health,
//! reflection), prune on a timer, and on SIGTERM/SIGINT end every stream with UNAVAILABLE,
//! finish pending commits and exit.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use rampart_proto::{v1::collector_server::CollectorServer, wire::ingest_server::IngestServer};
use tokio::{net::TcpListener, sync::watch};
use tracing::{info, warn};

use crate::{
    access::{Access, ReaderAuth, Reviewer},
    agents::Agents,
    config::{Config, StoreUrl},
    hub::Hub,
    identity::WriterAuth,
    ingest::{Counters, IngestService},
    metrics::CollectorMetrics,
    query::QueryService,
    store::{
        Live, Retention, Store, StoreError,
        jetstream::{JetStreamStore, Settings},
        sqlite::SqliteStore,
    },
};

/// How often retention runs (and once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// How often gaps pending for slow subscribers are re-offered.
const MISSED_EVERY: Duration = Duration::from_secs(1);
/// How long shutdown waits for connections to close.
const DRAIN: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("listening on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("serving: {0}")]
    Serve(#[from] tonic::transport::Error),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("the Kubernetes API that reviews readers: {0}")]
    Kube(#[from] rampart_kubeclient::ClientError),
    #[error("installing signal handlers: {0}")]
    Signals(std::io::Error),
}

pub async fn run(cfg: Config) -> Result<(), ServerError> {
    match &cfg.store {
        StoreUrl::Sqlite(path) => {
            let store = Arc::new(SqliteStore::open(path)?);
            info!(path = %path.display(), events = store.stats().await?.events, "store opened");
            serve(cfg, store).await
        }
        StoreUrl::Nats(servers) => {
            let settings = Settings {
                servers: servers.clone(),
                stream: cfg.nats.stream.clone(),
                replicas: cfg.nats.replicas,
                dedup_window: cfg.nats.dedup_window,
                retention: cfg.retention,
            };
            let store = Arc::new(JetStreamStore::open(settings).await?);
            let stats = store.stats().await?;
            info!(location = %stats.location, events = stats.events, "store opened");
            serve(cfg, store).await
        }
    }
}

async fn serve<S: Store>(cfg: Config, store: Arc<S>) -> Result<(), ServerError> {
    let hub = Arc::new(Hub::default());
    // With a shared store, live events come from the store (what any collector stored).
    let (live_hub, _follower) = match store.live(&hub) {
        Live::FromAppends => (Some(Arc::clone(&hub)), None),
        Live::FromStore(task) => (None, Some(task)),
    };
    let agents = Arc::new(Agents::default());
    let counters = Arc::new(Counters::default());
    let (stop_tx, stop_rx) = watch::channel(false);

    let readers = crate::readers::Readers::new(cfg.max_readers, cfg.reader_stall);
    let reviewer = match &cfg.review {
        Some(r) => {
            Some(Reviewer::new(rampart_kubeclient::connect(&r.api).await?, r.audience.clone(), r.cache_ttl))
        }
        None => None,
    };
    let access = Arc::new(Access::new(reviewer, cfg.deleters.clone()));
    let writer_auth = WriterAuth::of(cfg.tls.as_ref(), cfg.readers);
    let ingest = IngestService {
        store: Arc::clone(&store),
        hub: live_hub,
        agents: Arc::clone(&agents),
        counters: Arc::clone(&counters),
        limits: cfg.limits,
        writer_auth,
        access: Arc::clone(&access),
        shutdown: stop_rx.clone(),
    };
    let _metrics = match cfg.metrics_addr {
        Some(addr) => {
            let exposition = Arc::new(CollectorMetrics {
                counters: Arc::clone(&counters),
                hub: Arc::clone(&hub),
                agents: Arc::clone(&agents),
                readers: readers.clone(),
                access: Arc::clone(&access),
                store: store.metrics(),
                shutdown: stop_rx.clone(),
            });
            let (bound, task) = rampart_telemetry::serve(addr, exposition)
                .await
                .map_err(|source| ServerError::Listen { addr, source })?;
            info!(addr = %bound, "serving /metrics, /healthz, /readyz");
            Some(crate::AbortOnDrop(task))
        }
        None => None,
    };
    let query = QueryService {
        store: Arc::clone(&store),
        hub: Arc::clone(&hub),
        agents,
        counters,
        subscriber_queue: cfg.subscriber_queue,
        readers,
        retention: cfg.retention,
        access,
        started: crate::now(),
        shutdown: stop_rx.clone(),
    };
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<IngestServer<IngestService<S>>>().await;
    health.set_serving::<CollectorServer<QueryService<S>>>().await;
    let reflection = |b: tonic_reflection::server::Builder<'static>| {
        b.register_encoded_file_descriptor_set(rampart_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection(tonic_reflection::server::Builder::configure()).build_v1()?;
    let reflection_v1alpha = reflection(tonic_reflection::server::Builder::configure()).build_v1alpha()?;

    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| ServerError::Listen { addr: cfg.listen, source })?;
    let bound = listener.local_addr().map_err(|source| ServerError::Listen { addr: cfg.listen, source })?;

    let _pruner = crate::AbortOnDrop(tokio::spawn(prune_forever(Arc::clone(&store), cfg.retention)));
    let flusher_hub = Arc::clone(&hub);
    let _flusher = crate::AbortOnDrop(tokio::spawn(async move {
        let mut tick = tokio::time::interval(MISSED_EVERY);
        loop {
            tick.tick().await;
            flusher_hub.flush_missed();
        }
    }));

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(ServerError::Signals)?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(ServerError::Signals)?;
    let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
    let draining = health.clone();
    let signal = async move {
        tokio::select! {
            _ = sigterm.recv() => info!("SIGTERM: shutting down"),
            _ = sigint.recv() => info!("SIGINT: shutting down"),
        }
        // Load balancers and probes stop sending here first.
        draining.set_not_serving::<IngestServer<IngestService<S>>>().await;
        draining.set_not_serving::<CollectorServer<QueryService<S>>>().await;
        draining.set_service_status("", tonic_health::ServingStatus::NotServing).await;
        // End every open stream; the server then waits for connections to close.
        let _ = stop_tx.send(true);
        let _ = drained_tx.send(());
    };
    let router = tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(IngestServer::new(ingest).max_decoding_message_size(cfg.max_message_size))
        .add_service(CollectorServer::new(query));
    let server: std::pin::Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send>> =
        match &cfg.tls {
            // Kubernetes readers may come with a bearer token and no certificate; writers still
            // need one (checked on their Hello).
            Some(tls) => {
                let config = crate::tls::server_config(tls, cfg.readers == ReaderAuth::Kubernetes)?;
                Box::pin(router.serve_with_incoming_shutdown(crate::tls::incoming(listener, config), signal))
            }
            // The builder's tcp_nodelay applies only to what it binds itself: without it, a small
            // response waits out the client's delayed ACK (~40 ms).
            None => Box::pin(router.serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                signal,
            )),
        };
    let tls = match &cfg.tls {
        None => "off",
        Some(t) if t.client_ca.is_some() => "mtls",
        Some(_) => "tls",
    };
    let writers = writer_auth.describe();
    let readers = cfg.readers.describe();
    info!(addr = %bound, tls, writers, readers, "listening");
    if cfg.tls.is_none() && !bound.ip().is_loopback() {
        let writers = match writer_auth {
            WriterAuth::Anonymous => "write events in any node's name, and ",
            WriterAuth::Nodes { .. } => "",
        };
        warn!(
            addr = %bound,
            "serving plaintext gRPC beyond this host: anyone who reaches {bound} can {writers}see bearer tokens \
             and events in transit; serve TLS with a client CA (--tls-cert, --tls-key, --client-ca) or listen \
             on loopback"
        );
    }
    if cfg.readers == ReaderAuth::Anonymous && !bound.ip().is_loopback() {
        warn!(
            addr = %bound,
            "anonymous readers beyond this host (--readers anonymous): anyone who reaches {bound} reads every \
             stored and live event of every namespace"
        );
    }
    tokio::pin!(server);
    tokio::select! {
        res = &mut server => res?,
        () = async {
            let _ = drained_rx.await;
            tokio::time::sleep(DRAIN).await;
        } => warn!("connections still open after {DRAIN:?}; closing them"),
    }
    store.close().await;
    info!("store closed; exiting");
    Ok(())
}

async fn prune_forever<S: Store>(store: Arc<S>, retention: Retention) {
    if retention == Retention::default() {
        return;
    }
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        match store.prune(retention, crate::now_ns()).await {
            Ok(p) if p.by_age + p.by_size > 0 => {
                info!(by_age = p.by_age, by_size = p.by_size, "retention deleted events");
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "retention failed; will retry"),
        }
    }
}
