//! `rampart.v1.Ingest`: agents stream batches in; every batch is answered, in order, with an
//! Ack after it is durably stored or a Refusal when it is invalid.
//!
//! Design constraints:
//! - Per stream, batches are pipelined: each is validated on arrival and its append runs as its
//!   own task (column extraction and encoding in parallel; the store group-commits), while an
//!   acker answers them strictly in arrival order. At most [`IN_FLIGHT`] appends per stream; a
//!   slow store therefore slows the agent's acks, never the collector's memory.
//! - Newly stored events go to live subscribers (the hub) before their ack is sent; with a
//!   store shared by several collectors (JetStream) the store's follower feeds the hub instead.
//! - A message that cannot be decoded or is over the size limit ends the stream with a clear
//!   status after the acks already due; a store failure ends it with UNAVAILABLE so the agent
//!   resends later. Nothing of a refused or failed batch is stored.
//! - With mTLS, a stream writes only for the node its client certificate names ([`identity`]);
//!   another is refused at its Hello with PERMISSION_DENIED, before anything is stored.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering::Relaxed},
};

use rampart_proto::{
    v1::{Ack, CollectorMessage, Refusal, collector_message},
    wire::{AgentMessage, agent_message, ingest_server::Ingest},
};
use tokio::{
    sync::{mpsc, watch},
    task::JoinHandle,
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status, Streaming};
use tracing::{debug, info, warn};

use crate::{
    agents::{Agents, Connection},
    hub::Hub,
    identity::{self, WriterAuth},
    store::{Appended, Origin, Store, StoreError},
    validate::{self, Limits},
};

/// Appends one stream may have outstanding.
pub const IN_FLIGHT: usize = 32;

/// Ingest counters since start (shown by Status).
#[derive(Debug, Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub events_stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub conflicts: AtomicU64,
    /// From a batch's arrival to its durable commit.
    pub commit: rampart_telemetry::Histogram,
    pub batches_refused: AtomicU64,
    /// Streams refused at their Hello because the client may not write for the node it named.
    pub streams_refused: AtomicU64,
}

pub struct IngestService<S> {
    pub store: Arc<S>,
    /// Where newly stored events go live; `None` when the store feeds the hub itself.
    pub hub: Option<Arc<Hub>>,
    pub agents: Arc<Agents>,
    pub counters: Arc<Counters>,
    pub limits: Limits,
    pub writer_auth: WriterAuth,
    /// Asks the API server about writers' tokens.
    pub access: Arc<crate::access::Access>,
    pub shutdown: watch::Receiver<bool>,
}

/// An answer owed to the agent, in arrival order.
enum Owed {
    Append {
        origin: Origin,
        first: u64,
        last: u64,
        task: JoinHandle<Result<Appended, StoreError>>,
        arrived: std::time::Instant,
    },
    Refused(Box<Refusal>),
    /// End the stream with this status.
    End(Status),
}

#[tonic::async_trait]
impl<S: Store> Ingest for IngestService<S> {
    type StreamStream = ReceiverStream<Result<CollectorMessage, Status>>;

    async fn stream(
        &self,
        request: Request<Streaming<AgentMessage>>,
    ) -> Result<Response<Self::StreamStream>, Status> {
        let peer = request.remote_addr().map(|a| a.to_string()).unwrap_or_default();
        let presented = self.access.writer(&request).await;
        let mut inbound = request.into_inner();
        let hello = match inbound.message().await {
            Ok(Some(AgentMessage { message: Some(agent_message::Message::Hello(h)) })) => h,
            Ok(Some(_)) => {
                return Err(Status::failed_precondition("the first message on a stream must be a Hello"));
            }
            Ok(None) => return Err(Status::cancelled("the stream ended before its Hello")),
            Err(status) => return Err(inbound_error(status)),
        };
        validate::hello(&hello).map_err(Status::invalid_argument)?;
        if let Err(e) = presented.and_then(|p| identity::check(self.writer_auth, &p, &hello)) {
            self.counters.streams_refused.fetch_add(1, Relaxed);
            warn!(node = %hello.node, %peer, reason = %e, "agent stream refused: not this node's writer");
            return Err(e.status(&format!("writing for node {:?} refused", hello.node)));
        }
        info!(node = %hello.node, boot = %hello.boot_id, version = %hello.version, %peer, "agent connected");
        let conn = self.agents.connected(&hello, peer);
        let (out, rx) = mpsc::channel(IN_FLIGHT);
        let (owed_tx, owed_rx) = mpsc::channel(IN_FLIGHT);
        tokio::spawn(acker(
            owed_rx,
            out,
            self.hub.clone(),
            Arc::clone(&self.agents),
            Arc::clone(&self.counters),
        ));
        tokio::spawn(read_batches(
            inbound,
            conn,
            owed_tx,
            Arc::clone(&self.store),
            Arc::clone(&self.agents),
            self.limits,
            self.shutdown.clone(),
        ));
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// The status to end a stream with when reading from it failed.
fn inbound_error(status: Status) -> Status {
    match status.code() {
        Code::OutOfRange => Status::resource_exhausted(format!("message refused: {}", status.message())),
        Code::Internal => {
            Status::invalid_argument(format!("message refused: it cannot be decoded: {}", status.message()))
        }
        _ => status,
    }
}

async fn read_batches<S: Store>(
    mut inbound: Streaming<AgentMessage>,
    conn: Connection,
    owed: mpsc::Sender<Owed>,
    store: Arc<S>,
    agents: Arc<Agents>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let node = conn.origin().node.clone();
    loop {
        let msg = tokio::select! {
            msg = inbound.message() => msg,
            () = crate::stopping(&mut shutdown) => {
                let _ = owed.send(Owed::End(Status::unavailable("the collector is shutting down"))).await;
                return;
            }
        };
        let next = match msg {
            Ok(Some(AgentMessage { message: Some(agent_message::Message::Batch(batch)) })) => {
                let arrived = std::time::Instant::now();
                match validate::batch(&node, batch, limits) {
                    Ok(batch) => {
                        let (first, last) = (
                            batch.first_sequence,
                            batch.first_sequence + batch.events.len().saturating_sub(1) as u64,
                        );
                        let origin = batch.origin.clone();
                        let store = Arc::clone(&store);
                        let task = tokio::spawn(async move { store.append(batch).await });
                        Owed::Append { origin, first, last, task, arrived }
                    }
                    Err(refusal) => {
                        warn!(%node, boot = %refusal.boot_id, first = refusal.first_sequence, reason = %refusal.message, "batch refused");
                        Owed::Refused(refusal)
                    }
                }
            }
            Ok(Some(AgentMessage { message: Some(agent_message::Message::Stats(stats)) })) => {
                match validate::stats(&stats) {
                    Ok(()) => {
                        agents.stats(&conn, stats);
                        continue;
                    }
                    Err(problem) => Owed::End(Status::invalid_argument(format!("stats refused: {problem}"))),
                }
            }
            Ok(Some(AgentMessage { message: Some(agent_message::Message::Hello(_)) })) => {
                Owed::End(Status::failed_precondition("a second Hello on one stream"))
            }
            Ok(Some(AgentMessage { message: None })) => {
                Owed::End(Status::invalid_argument("an empty AgentMessage"))
            }
            Ok(None) => {
                debug!(%node, "agent stream ended");
                return;
            }
            Err(status) if status.code() == Code::Cancelled => return,
            Err(status) => {
                let status = inbound_error(status);
                warn!(%node, code = ?status.code(), message = status.message(), "agent stream refused");
                Owed::End(status)
            }
        };
        let end = matches!(next, Owed::End(_));
        if owed.send(next).await.is_err() || end {
            return;
        }
    }
}

async fn acker(
    mut owed: mpsc::Receiver<Owed>,
    out: mpsc::Sender<Result<CollectorMessage, Status>>,
    hub: Option<Arc<Hub>>,
    agents: Arc<Agents>,
    counters: Arc<Counters>,
) {
    // The agent may be gone (its stream broken) while appends it sent are still in flight:
    // they are stored all the same, so they are still published to live subscribers and
    // counted; only the acks stop.
    let mut agent_gone = false;
    while let Some(item) = owed.recv().await {
        let message = match item {
            Owed::Append { origin, first, last, task, arrived } => {
                let appended = match task.await {
                    Ok(Ok(a)) => {
                        counters.commit.observe(arrived.elapsed());
                        a
                    }
                    Ok(Err(e)) => {
                        warn!(error = %e, "storing a batch failed");
                        // The agent resends what it has no ack for; later appends already in
                        // flight are still published below.
                        if !agent_gone {
                            let status = Status::unavailable(format!("storing the batch failed: {e}"));
                            let _ = out.send(Err(status)).await;
                            agent_gone = true;
                        }
                        continue;
                    }
                    Err(e) => {
                        if !agent_gone {
                            let _ = out
                                .send(Err(Status::internal(format!("storing the batch failed: {e}"))))
                                .await;
                            agent_gone = true;
                        }
                        continue;
                    }
                };
                if let Some(hub) = &hub {
                    hub.publish(&appended.stored);
                }
                agents.stored(&origin, last);
                counters.batches.fetch_add(1, Relaxed);
                counters.events_stored.fetch_add(appended.stored.len() as u64, Relaxed);
                counters.duplicates.fetch_add(u64::from(appended.duplicates), Relaxed);
                counters.conflicts.fetch_add(u64::from(appended.conflicts), Relaxed);
                if appended.conflicts > 0 {
                    warn!(
                        node = %origin.node,
                        boot = %origin.boot_id,
                        first,
                        last,
                        conflicts = appended.conflicts,
                        "events not stored: their sequence numbers were stored before with another content (a forged stream wrote first, or the store was edited)"
                    );
                }
                collector_message::Message::Ack(Ack {
                    boot_id: origin.boot_id,
                    first_sequence: first,
                    last_sequence: last,
                    stored: appended.stored.len() as u32,
                    duplicates: appended.duplicates,
                    conflicts: appended.conflicts,
                })
            }
            Owed::Refused(r) => {
                counters.batches_refused.fetch_add(1, Relaxed);
                collector_message::Message::Refusal(*r)
            }
            Owed::End(status) => {
                let _ = out.send(Err(status)).await;
                return;
            }
        };
        if !agent_gone && out.send(Ok(CollectorMessage { message: Some(message) })).await.is_err() {
            agent_gone = true;
        }
    }
}
