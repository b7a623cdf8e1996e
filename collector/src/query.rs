//! `rampart.v1.Collector`: Subscribe (live, optionally from a point in the past), Replay
//! (stored history), WhatIf (stored history judged by candidate policies, [`crate::whatif`])
//! and Status.
//!
//! A subscription with `since` joins history to the live stream with no gap and no duplicate:
//! it registers with the hub first, then reads the store's watermark (the highest stored id),
//! replays stored events up to the watermark, and then forwards live events with larger ids.
//! Any event stored after registration is queued live; any stored before the watermark was read
//! is replayed; ids settle the overlap.

use std::sync::Arc;

use rampart_proto::{
    v1::{
        ChainProblem, DeleteRequest, DeleteResponse, Deletion, Event, IngestStatus, Missed, NodeChain,
        ReplayRequest, ReplayResponse, StatusRequest, StatusResponse, StoreStatus, SubscribeRequest,
        SubscribeResponse, VerifyRequest, VerifyResponse, WhatIfRequest, WhatIfResponse, chain_problem,
        collector_server::Collector, subscribe_response,
    },
    wkt::Timestamp,
};
use tokio::sync::watch;
use tonic::{Request, Response, Status};
use tracing::warn;

use crate::{
    access::{Access, Scope},
    agents::Agents,
    filter::EventFilter,
    hub::{Hub, Item},
    ingest::Counters,
    readers::{Out, Readers},
    store::{
        ChainReport, DeleteScope, DeletionRecord, ProblemKind, ReplayQuery, Retention, Store,
        sqlite::chain::format_ranges,
    },
    validate::{bounded, bounds},
    whatif,
};

pub struct QueryService<S> {
    pub store: Arc<S>,
    pub hub: Arc<Hub>,
    pub agents: Arc<Agents>,
    pub counters: Arc<Counters>,
    pub subscriber_queue: usize,
    /// Readers of stored history: bounded, and cut off when they stop reading.
    pub readers: Readers,
    pub retention: Retention,
    /// Who may read what, and delete.
    pub access: Arc<Access>,
    pub started: Timestamp,
    pub shutdown: watch::Receiver<bool>,
}

fn filter_of(f: Option<rampart_proto::v1::Filter>) -> Result<EventFilter, Status> {
    EventFilter::try_from(f.unwrap_or_default()).map_err(|e| Status::invalid_argument(e.to_string()))
}

impl<S: Store> QueryService<S> {
    /// The request's filter, narrowed to the namespaces its reader may read (refused when it
    /// asks for one it may not).
    async fn scoped<T>(
        &self,
        request: &Request<T>,
        f: Option<rampart_proto::v1::Filter>,
    ) -> Result<EventFilter, Status> {
        let mut filter = filter_of(f)?;
        let store = Arc::clone(&self.store);
        match self
            .access
            .read_scope(request, &filter.namespaces, async move { store.namespaces().await })
            .await?
        {
            Scope::Cluster => {}
            Scope::Namespaces(namespaces) => filter.namespaces = namespaces,
        }
        Ok(filter)
    }
}

fn event_item(e: Event) -> SubscribeResponse {
    SubscribeResponse { item: Some(subscribe_response::Item::Event(e)) }
}

#[tonic::async_trait]
impl<S: Store> Collector for QueryService<S> {
    type SubscribeStream = Out<SubscribeResponse>;
    type ReplayStream = Out<ReplayResponse>;
    type WhatIfStream = Out<WhatIfResponse>;

    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let wanted = request.get_ref().filter.clone();
        let filter = self.scoped(&request, wanted).await?;
        // History first takes a reader's permit; a live-only subscription does not.
        let (reader, out) = self.readers.open(16, filter.since_ns.is_some())?;
        let mut sub = self.hub.subscribe(filter.clone(), self.subscriber_queue);
        let watermark = self.store.watermark();
        let history = filter.since_ns.map(|_| {
            self.store.replay(ReplayQuery {
                filter: filter.clone(),
                max_id: Some(watermark),
                limit: None,
                newest: false,
            })
        });
        let until = filter.until_ns;
        let replayed = history.is_some();
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            if let Some(mut history) = history {
                while let Some(item) = history.recv().await {
                    let msg = item.map(|s| event_item(s.event)).map_err(store_status);
                    if !reader.send(msg).await {
                        return;
                    }
                }
            }
            let tx = reader.into_live();
            let deadline = until.map(|u| {
                let wait = u.saturating_sub(crate::now_ns()).max(0) as u64;
                tokio::time::Instant::now() + std::time::Duration::from_nanos(wait)
            });
            loop {
                let item = tokio::select! {
                    item = sub.queue.recv() => item,
                    () = crate::until(deadline) => return,
                    () = tx.closed() => return,
                    () = crate::stopping(&mut shutdown) => {
                        let _ = tx.send(Err(Status::unavailable("the collector is shutting down"))).await;
                        return;
                    }
                };
                let msg = match item {
                    None => return,
                    Some(Item::Event(id, _)) if replayed && id <= watermark => continue,
                    Some(Item::Event(_, event)) => event_item(Event::clone(&event)),
                    Some(Item::Missed(n)) => SubscribeResponse {
                        item: Some(subscribe_response::Item::Missed(Missed {
                            events: n,
                            reason: "the subscriber read more slowly than events arrived; its queue was full"
                                .into(),
                        })),
                    },
                };
                if tx.send(Ok(msg)).await.is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(out))
    }

    async fn replay(&self, request: Request<ReplayRequest>) -> Result<Response<Self::ReplayStream>, Status> {
        let filter = self.scoped(&request, request.get_ref().filter.clone()).await?;
        let req = request.into_inner();
        let limit = (req.limit > 0).then_some(req.limit);
        let (reader, out) = self.readers.open(64, true)?;
        let mut rows = self.store.replay(ReplayQuery { filter, max_id: None, limit, newest: req.newest });
        tokio::spawn(async move {
            while let Some(item) = rows.recv().await {
                let msg = item.map(|s| ReplayResponse { event: Some(s.event) }).map_err(store_status);
                if !reader.send(msg).await {
                    return;
                }
            }
        });
        Ok(Response::new(out))
    }

    async fn what_if(&self, request: Request<WhatIfRequest>) -> Result<Response<Self::WhatIfStream>, Status> {
        let filter = self.scoped(&request, request.get_ref().filter.clone()).await?;
        let req = request.into_inner();
        let candidates = whatif::candidates(&req.candidates, &req.base)
            .map_err(|e| Status::invalid_argument(format!("candidate policies: {e}")))?;
        let samples = match req.samples as usize {
            0 => whatif::DEFAULT_SAMPLES,
            n => n.min(whatif::MAX_SAMPLES),
        };
        let (reader, out) = self.readers.open(16, true)?;
        let rows = self.store.replay(ReplayQuery { filter, max_id: None, limit: None, newest: false });
        tokio::spawn(whatif::run(rows, candidates, samples, reader));
        Ok(Response::new(out))
    }

    async fn verify(&self, request: Request<VerifyRequest>) -> Result<Response<VerifyResponse>, Status> {
        self.access.read_cluster(&request, "verifying the chain").await?;
        let node = request.into_inner().node;
        bounded("node", &node, bounds::NODE).map_err(Status::invalid_argument)?;
        let _permit = self.readers.permit()?;
        let reports = self.store.verify(Some(node).filter(|n| !n.is_empty())).await.map_err(store_status)?;
        Ok(Response::new(VerifyResponse { nodes: reports.into_iter().map(node_chain).collect() }))
    }

    async fn delete(&self, request: Request<DeleteRequest>) -> Result<Response<DeleteResponse>, Status> {
        if request.get_ref().namespace.is_empty() {
            return Err(Status::invalid_argument(
                "namespace is required: deletion is by namespace (and pod)",
            ));
        }
        let by = self.access.deleter(&request, &request.get_ref().namespace).await?;
        let req = request.into_inner();
        bounded("namespace", &req.namespace, bounds::NAMESPACE)
            .and_then(|()| bounded("pod", &req.pod, bounds::POD_NAME))
            .and_then(|()| bounded("reason", &req.reason, MAX_REASON))
            .map_err(Status::invalid_argument)?;
        let scope = DeleteScope {
            namespace: req.namespace,
            pod: Some(req.pod).filter(|p| !p.is_empty()),
            by,
            reason: req.reason,
        };
        let record = self.store.delete(scope).await.map_err(store_status)?;
        warn!(
            id = record.id,
            by = %record.by,
            namespace = %record.namespace,
            pod = %record.pod,
            events = record.events,
            reason = %record.reason,
            "stored events deleted on request"
        );
        Ok(Response::new(DeleteResponse { deletion: Some(deletion(record)) }))
    }

    async fn status(&self, request: Request<StatusRequest>) -> Result<Response<StatusResponse>, Status> {
        self.access.read_cluster(&request, "the collector's status").await?;
        let all_boots = request.into_inner().all_boots;
        let internal = store_status;
        let stats = self.store.stats().await.map_err(internal)?;
        let stored_agents = self.store.agents().await.map_err(internal)?;
        let (agents, boots_hidden) = self.agents.status(stored_agents, all_boots);
        let deletions = self.store.deletions(20).await.map_err(internal)?;
        let c = &self.counters;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        Ok(Response::new(StatusResponse {
            version: env!("CARGO_PKG_VERSION").into(),
            started: Some(self.started),
            agents,
            boots_hidden,
            store: Some(StoreStatus {
                backend: stats.backend.into(),
                location: stats.location,
                size_bytes: stats.size_bytes,
                events: stats.events,
                oldest: stats.oldest_ns.map(Timestamp::from_unix_nanos),
                newest: stats.newest_ns.map(Timestamp::from_unix_nanos),
                retention_seconds: self.retention.max_age_ns.map_or(0, |n| (n / 1_000_000_000) as u64),
                retention_bytes: self.retention.max_bytes.unwrap_or(0),
            }),
            ingest: Some(IngestStatus {
                batches: load(&c.batches),
                events_stored: load(&c.events_stored),
                duplicates: load(&c.duplicates),
                conflicts: load(&c.conflicts),
                batches_refused: load(&c.batches_refused),
                streams_refused: load(&c.streams_refused),
                subscriber_missed: self.hub.missed_total(),
            }),
            subscribers: self.hub.len() as u32,
            readers: self.readers.in_use().0 as u32,
            max_readers: self.readers.in_use().1 as u32,
            readers_cut_off: self.readers.cut_off.load(std::sync::atomic::Ordering::Relaxed),
            deletions: deletions.into_iter().map(deletion).collect(),
        }))
    }
}

/// A node's verified chain as the wire has it.
fn node_chain(r: ChainReport) -> NodeChain {
    NodeChain {
        node: r.node,
        links: r.links,
        events_verified: r.events_verified,
        events_pruned: r.events_pruned,
        events_unchained: r.events_unchained,
        events_deleted: r.events_deleted,
        head: r.head,
        problems: r
            .problems
            .into_iter()
            .map(|p| ChainProblem {
                kind: match p.kind {
                    ProblemKind::Edited => chain_problem::Kind::Edited,
                    ProblemKind::Removed => chain_problem::Kind::Removed,
                    ProblemKind::Inserted => chain_problem::Kind::Inserted,
                    ProblemKind::Broken => chain_problem::Kind::Broken,
                } as i32,
                boot: rampart_proto::collector::shown_boot(&p.boot).to_owned(),
                sequences: format_ranges(&p.ranges),
                detail: p.detail,
            })
            .collect(),
    }
}

/// Longest reason a deletion may give.
const MAX_REASON: usize = 1024;

/// A deletion log entry as the wire has it.
fn deletion(d: DeletionRecord) -> Deletion {
    Deletion {
        id: d.id,
        at: Some(Timestamp::from_unix_nanos(d.at_ns)),
        by: d.by,
        namespace: d.namespace,
        pod: d.pod,
        reason: d.reason,
        events: d.events,
    }
}

/// A store error as the reader sees it: what the backend does not offer is UNIMPLEMENTED, a
/// store that cannot be reached is UNAVAILABLE (try again), anything else INTERNAL.
fn store_status(e: crate::store::StoreError) -> Status {
    use crate::store::StoreError;
    match e {
        StoreError::Unsupported { .. } => Status::unimplemented(e.to_string()),
        StoreError::Nats { .. } => Status::unavailable(e.to_string()),
        e => Status::internal(e.to_string()),
    }
}
