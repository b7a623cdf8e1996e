//! The scale-out store: NATS JetStream, shared by any number of collectors.
//!
//! Design constraints:
//! - **JetStream keeps, replicates and deduplicates; the collector keeps nothing.** One stream
//!   holds every event, one message per event, under a subject per node, namespace and kind
//!   ([`subjects`]). Retention is the stream's own limits (`max_age`, `max_bytes`, discard
//!   old); replicas are the stream's (R1 or R3). Collectors in front of it are interchangeable:
//!   any of them accepts any agent and serves any reader.
//! - **Exactly once, across collectors.** Each message carries `Nats-Msg-Id:
//!   <node>/<boot>/<sequence>`, so JetStream drops a resend within its duplicate window. Beyond
//!   the window, a per-boot high-water mark drops it: the mark is the last sequence of a
//!   contiguous run of batches whose every event JetStream acknowledged, so it never covers an
//!   event that is not stored. Marks live in a second stream (`<stream>_AGENTS`, one message
//!   per boot under `rampart.agents.<node>.<boot>`, only the last kept), so a collector that
//!   takes over an agent reads its mark there ([`progress`]). Not covered: a batch stored in
//!   part (a collector died mid-batch) and resent after the window; the window must outlast
//!   the collector outages expected.
//! - **Acked only once replicated.** An append returns after JetStream acknowledged every
//!   event of the batch (for R3, after a quorum stored it). Publishing is asynchronous, a
//!   window of events at a time, with a bounded number of acks in flight over all appends
//!   ([`MAX_ACKS_IN_FLIGHT`]); when JetStream is slower than the agents, appends wait and
//!   agents' acks slow down, as with SQLite.
//! - **Ids are stream sequences.** They grow and are never reused (retention deletes from the
//!   front). A batch is atomic per event, not as a whole: if an append fails half way, the part
//!   stored is deduplicated when the agent resends the batch.
//! - **Live events come from the stream.** Each collector follows the stream from its end
//!   ([`tail`]), so a subscriber sees what every collector stored. The watermark is the last
//!   sequence the follower handed to the hub.
//! - **Replays read the stream, not a copy.** One consumer per subject of the filter ([`pull`]),
//!   starting at the window's start time, merged by sequence: events come in the order they
//!   were stored (each agent's in its own order; nodes interleaved as they arrived), not sorted
//!   by event time as SQLite's are.
//!
//! Not offered here: hash-chain verification and deletion on request (both answer
//! [`StoreError::Unsupported`]); a content conflict under the same message id is counted as a
//! duplicate, since JetStream does not compare payloads.

mod progress;
mod pull;
mod read;
pub mod subjects;
mod tail;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use async_nats::jetstream::{self, message::PublishMessage, stream};
use bytes::Bytes;
use futures_util::StreamExt as _;
use prost::Message as _;
use tokio::sync::mpsc;
use tracing::info;

use progress::Progress;

use super::{
    Appended, ChainReport, DeleteScope, DeletionRecord, IncomingBatch, Live, Origin, Pruned, ReplayQuery,
    Retention, Store, StoreError, StoreMetrics, StoreStats, StoredAgent, StoredEvent,
};
use crate::hub::Hub;

/// Publish acks one collector may wait for at once; more publishes wait for room.
pub const MAX_ACKS_IN_FLIGHT: usize = 4096;
/// Events an append publishes before it waits for their acks. Each window takes its permits
/// at once, so appends never hold some permits while waiting for more (async-nats's own
/// limit keeps a permit until its ack is awaited: appends holding acks could starve each
/// other there).
const WINDOW: usize = 512;
/// Subjects of the agent boots' high-water marks.
const MARKS: &str = "rampart.agents";
/// How long one JetStream request (a publish's ack included) may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What `--store nats://...` and its flags ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `nats://host:port` URLs of the cluster's servers.
    pub servers: Vec<String>,
    /// The stream's name.
    pub stream: String,
    /// 1 or 3.
    pub replicas: usize,
    /// JetStream's duplicate window.
    pub dedup_window: Duration,
    pub retention: Retention,
}

impl Settings {
    /// The stream configuration these settings ask for.
    fn stream_config(&self) -> stream::Config {
        stream::Config {
            name: self.stream.clone(),
            description: Some("Rampart events, one message per event".into()),
            subjects: vec![subjects::ALL.into()],
            storage: stream::StorageType::File,
            num_replicas: self.replicas,
            duplicate_window: self.dedup_window,
            max_age: self.retention.max_age_ns.map_or(Duration::ZERO, |ns| Duration::from_nanos(ns as u64)),
            max_bytes: self.retention.max_bytes.map_or(-1, |b| b as i64),
            discard: stream::DiscardPolicy::Old,
            retention: stream::RetentionPolicy::Limits,
            allow_direct: true,
            ..Default::default()
        }
    }

    /// The stream of agent boots' high-water marks.
    fn marks_config(&self) -> stream::Config {
        stream::Config {
            name: format!("{}_AGENTS", self.stream),
            description: Some("Rampart: the last sequence stored per agent boot".into()),
            subjects: vec![format!("{MARKS}.>")],
            storage: stream::StorageType::File,
            num_replicas: self.replicas,
            max_messages_per_subject: 1,
            discard: stream::DiscardPolicy::Old,
            allow_direct: true,
            ..Default::default()
        }
    }
}

/// The stream's settings that differ from what the flags ask for, as `(setting, stream's, asked)`.
fn conflicts(have: &stream::Config, want: &stream::Config) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut check = |name: &'static str, have: String, want: String| {
        if have != want {
            out.push((name, have, want));
        }
    };
    check("subjects", format!("{:?}", have.subjects), format!("{:?}", want.subjects));
    check("replicas", have.num_replicas.to_string(), want.num_replicas.to_string());
    check("duplicate window", format!("{:?}", have.duplicate_window), format!("{:?}", want.duplicate_window));
    check("max age", format!("{:?}", have.max_age), format!("{:?}", want.max_age));
    check("max bytes", have.max_bytes.to_string(), want.max_bytes.to_string());
    check("discard", format!("{:?}", have.discard), format!("{:?}", want.discard));
    check("retention", format!("{:?}", have.retention), format!("{:?}", want.retention));
    out
}

/// Publish latency, acks in flight and JetStream errors, for `/metrics`.
#[derive(Debug, Default)]
pub struct NatsMetrics {
    /// From a batch's first publish to its last ack.
    pub publish: rampart_telemetry::Histogram,
    pub in_flight: AtomicU64,
    pub errors: AtomicU64,
    pub published: AtomicU64,
    pub deduplicated: AtomicU64,
}

impl StoreMetrics for NatsMetrics {
    fn render(&self, o: &mut String) {
        use std::fmt::Write as _;
        self.publish.render(
            o,
            "rampart_jetstream_publish_seconds",
            "From a batch's first publish to JetStream's last ack of it.",
        );
        rampart_telemetry::family(
            o,
            "rampart_jetstream_acks_in_flight",
            "gauge",
            "Publishes awaiting JetStream's ack.",
        );
        let _ = writeln!(o, "rampart_jetstream_acks_in_flight {}", self.in_flight.load(Relaxed));
        rampart_telemetry::family(
            o,
            "rampart_jetstream_errors_total",
            "counter",
            "JetStream requests that failed (publishes, acks, reads); the agent's batch is resent.",
        );
        let _ = writeln!(o, "rampart_jetstream_errors_total {}", self.errors.load(Relaxed));
        rampart_telemetry::family(
            o,
            "rampart_jetstream_messages_total",
            "counter",
            "Events published, by result: stored, or deduplicated (by message id within the window, or by the agent's high-water mark before publishing).",
        );
        let _ = writeln!(
            o,
            "rampart_jetstream_messages_total{{result=\"stored\"}} {}",
            self.published.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "rampart_jetstream_messages_total{{result=\"deduplicated\"}} {}",
            self.deduplicated.load(Relaxed)
        );
    }
}

pub struct JetStreamStore {
    settings: Settings,
    js: jetstream::Context,
    stream: stream::Stream,
    /// The agent boots' high-water marks.
    marks_stream: stream::Stream,
    /// Agent boots' progress known to this collector (its marks never above what is stored).
    marks: Mutex<HashMap<Origin, Progress>>,
    watermark: Arc<AtomicU64>,
    metrics: Arc<NatsMetrics>,
    /// [`MAX_ACKS_IN_FLIGHT`] permits.
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for JetStreamStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JetStreamStore").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// How long a read keeps retrying a request that fails: a cluster that lost a server elects
/// new leaders within seconds, and requests made meanwhile time out or find no leader.
const FAILOVER: Duration = Duration::from_secs(45);

/// `request` until it succeeds, for up to [`FAILOVER`]; then its last error.
async fn through_failover<T, E, F>(
    what: &'static str,
    mut request: impl FnMut() -> F,
) -> Result<T, StoreError>
where
    F: Future<Output = Result<T, E>>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let deadline = Instant::now() + FAILOVER;
    loop {
        match request().await {
            Ok(t) => return Ok(t),
            Err(e) if Instant::now() >= deadline => return Err(StoreError::Nats { what, source: e.into() }),
            Err(e) => {
                tracing::debug!(error = %e.into(), what, "retrying a JetStream request");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

fn nats(what: &'static str) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    move |source| StoreError::Nats { what, source }
}

/// How long one attempt to create a consumer may take. nats-server (2.9) places a
/// single-replica consumer on one of the stream's peers at random, and for minutes after a
/// server dies it still counts that server among them: a creation placed there is never
/// answered (measured: about one attempt in three, for as long as we watched, 60 s). A
/// healthy creation takes milliseconds, so a short attempt lets the next one land on a live
/// peer instead of waiting out the whole request timeout.
const CONSUMER_ATTEMPT: Duration = Duration::from_secs(3);

/// One attempt to create a consumer, bounded by [`CONSUMER_ATTEMPT`].
async fn with_attempt<T, E>(
    create: impl Future<Output = Result<T, E>>,
) -> Result<T, Box<dyn std::error::Error + Send + Sync>>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match tokio::time::timeout(CONSUMER_ATTEMPT, create).await {
        Ok(created) => created.map_err(Into::into),
        Err(elapsed) => Err(Box::new(elapsed)),
    }
}

/// The subject of an agent boot's high-water mark.
fn mark_subject(origin: &Origin) -> String {
    format!("{MARKS}.{}", mark_key(origin))
}

/// A mark's payload: the sequence, big-endian (0 if it is not 8 bytes).
fn mark_value(payload: &[u8]) -> u64 {
    <[u8; 8]>::try_from(payload).map_or(0, u64::from_be_bytes)
}

/// An agent boot as two subject tokens, `<node>.<boot>`: `[A-Za-z0-9-]` kept, every other
/// byte as `_XX`, so it is one to one and reversible.
fn mark_key(origin: &Origin) -> String {
    let mut key = String::new();
    for (i, part) in [&origin.node, &origin.boot_id].into_iter().enumerate() {
        if i > 0 {
            key.push('.');
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' {
                key.push(b as char);
            } else {
                key.push_str(&format!("_{b:02X}"));
            }
        }
    }
    key
}

fn origin_of(key: &str) -> Option<Origin> {
    let unescape = |s: &str| -> Option<String> {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'_' {
                out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).ok()
    };
    let (node, boot) = key.split_once('.')?;
    Some(Origin { node: unescape(node)?, boot_id: unescape(boot)? })
}

impl JetStreamStore {
    /// Connect, then create the stream and the agents' bucket, or check that the existing
    /// stream has the settings asked for (a conflict is an error naming each setting).
    pub async fn open(settings: Settings) -> Result<JetStreamStore, StoreError> {
        let location = settings.servers.join(",");
        let client = async_nats::ConnectOptions::new()
            .name("rampart-collector")
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .request_timeout(Some(REQUEST_TIMEOUT))
            .connect(settings.servers.clone())
            .await
            .map_err(|e| StoreError::Nats { what: "connecting to NATS", source: Box::new(e) })?;
        let js = jetstream::ContextBuilder::new()
            .timeout(REQUEST_TIMEOUT)
            // The bound is ours (`in_flight`); the library's is only a backstop.
            .max_ack_inflight(1 << 30)
            .build(client);
        let want = settings.stream_config();
        let stream = match js.get_stream(&settings.stream).await {
            Ok(mut s) => {
                let have = s.info().await.map_err(|e| nats("reading the stream's settings")(Box::new(e)))?;
                let wrong = conflicts(&have.config, &want);
                if !wrong.is_empty() {
                    return Err(StoreError::StreamConflict {
                        stream: settings.stream.clone(),
                        location,
                        settings: wrong
                            .into_iter()
                            .map(|(name, have, want)| {
                                format!("{name}: the stream has {have}, the flags ask for {want}")
                            })
                            .collect(),
                    });
                }
                s
            }
            Err(e)
                if matches!(
                    e.kind(),
                    jetstream::context::GetStreamErrorKind::JetStream(j)
                        if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
                ) =>
            {
                info!(stream = %settings.stream, replicas = settings.replicas, "creating the JetStream stream");
                js.create_stream(want).await.map_err(|e| nats("creating the stream")(Box::new(e)))?
            }
            Err(e) => return Err(nats("looking up the stream")(Box::new(e))),
        };
        let marks_config = settings.marks_config();
        let marks_stream = js
            .get_or_create_stream(marks_config)
            .await
            .map_err(|e| nats("creating the agents' high-water marks stream")(Box::new(e)))?;
        let last = stream.cached_info().state.last_sequence;
        Ok(JetStreamStore {
            settings,
            js,
            stream,
            marks_stream,
            marks: Mutex::new(HashMap::new()),
            watermark: Arc::new(AtomicU64::new(last)),
            metrics: Arc::new(NatsMetrics::default()),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_ACKS_IN_FLIGHT)),
        })
    }

    /// The boot's high-water mark: this collector's, else the bucket's.
    async fn mark(&self, origin: &Origin) -> Result<u64, StoreError> {
        if let Some(p) = self.marks.lock().expect("not poisoned").get(origin) {
            return Ok(p.mark());
        }
        let m = match self.marks_stream.get_last_raw_message_by_subject(&mark_subject(origin)).await {
            Ok(m) => mark_value(&m.payload),
            Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => 0,
            Err(e) => return Err(self.failed("reading a high-water mark", e)),
        };
        let mut marks = self.marks.lock().expect("not poisoned");
        let progress = marks.entry(origin.clone()).or_insert_with(|| Progress::at(m));
        progress.raise(m);
        Ok(progress.mark())
    }

    fn failed(&self, what: &'static str, e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        self.metrics.errors.fetch_add(1, Relaxed);
        StoreError::Nats { what, source: Box::new(e) }
    }

    fn unsupported(what: &'static str) -> StoreError {
        StoreError::Unsupported { what, backend: "nats" }
    }
}

/// Counts publishes in flight until dropped.
struct InFlight<'a>(&'a AtomicU64, u64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, Relaxed);
    }
}

impl Store for JetStreamStore {
    async fn append(&self, batch: IncomingBatch) -> Result<Appended, StoreError> {
        let started = Instant::now();
        let mark = self.mark(&batch.origin).await?;
        let mut appended = Appended::default();
        let count = batch.events.len() as u64;
        let Origin { node, boot_id } = &batch.origin;
        let fresh: Vec<(u64, Arc<rampart_proto::v1::Event>)> = batch
            .events
            .into_iter()
            .enumerate()
            .map(|(i, e)| (batch.first_sequence + i as u64, e))
            .filter(|(sequence, _)| *sequence > mark)
            .collect();
        let skipped = count - fresh.len() as u64;
        appended.duplicates += skipped as u32;
        self.metrics.deduplicated.fetch_add(skipped, Relaxed);
        for window in fresh.chunks(WINDOW) {
            let _permits =
                self.in_flight.acquire_many(window.len() as u32).await.map_err(|_| StoreError::WriterGone)?;
            self.metrics.in_flight.fetch_add(window.len() as u64, Relaxed);
            let _gauge = InFlight(&self.metrics.in_flight, window.len() as u64);
            let mut pending = Vec::with_capacity(window.len());
            for (sequence, event) in window {
                let message = PublishMessage::build()
                    .payload(Bytes::from(event.encode_to_vec()))
                    .message_id(format!("{node}/{boot_id}/{sequence}"));
                let ack = self
                    .js
                    .send_publish(subjects::of(event), message)
                    .await
                    .map_err(|e| self.failed("publishing an event", e))?;
                pending.push((event, ack));
            }
            for (event, ack) in pending {
                let ack = ack.await.map_err(|e| self.failed("waiting for JetStream's ack", e))?;
                if ack.duplicate {
                    appended.duplicates += 1;
                    self.metrics.deduplicated.fetch_add(1, Relaxed);
                } else {
                    appended.stored.push((ack.sequence, Arc::clone(event)));
                    self.metrics.published.fetch_add(1, Relaxed);
                }
            }
        }
        // Every event of this batch is stored: the mark moves if the run from the boot's first
        // batch now reaches further.
        let last = (batch.first_sequence + count).saturating_sub(1);
        let moved = (count > 0)
            .then(|| {
                let mut marks = self.marks.lock().expect("not poisoned");
                marks.entry(batch.origin.clone()).or_default().stored(batch.first_sequence, last)
            })
            .flatten();
        if let Some(mark) = moved {
            self.js
                .publish(mark_subject(&batch.origin), Bytes::copy_from_slice(&mark.to_be_bytes()))
                .await
                .map_err(|e| self.failed("writing a high-water mark", e))?
                .await
                .map_err(|e| self.failed("writing a high-water mark", e))?;
        }
        self.metrics.publish.observe(started.elapsed());
        Ok(appended)
    }

    fn replay(&self, query: ReplayQuery) -> mpsc::Receiver<Result<StoredEvent, StoreError>> {
        read::replay(self.js.client(), self.stream.clone(), query, Arc::clone(&self.metrics))
    }

    fn watermark(&self) -> u64 {
        self.watermark.load(Relaxed)
    }

    fn live(&self, hub: &Arc<Hub>) -> Live {
        Live::FromStore(tail::follow(
            self.js.client(),
            self.stream.clone(),
            Arc::clone(hub),
            Arc::clone(&self.watermark),
            Arc::clone(&self.metrics),
        ))
    }

    fn metrics(&self) -> Option<Arc<dyn StoreMetrics>> {
        Some(self.metrics.clone())
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        let info = through_failover("reading the stream's state", || self.stream.get_info())
            .await
            .inspect_err(|_| {
                self.metrics.errors.fetch_add(1, Relaxed);
            })?;
        let state = info.state;
        let time_at = async |seq: u64| -> Option<i64> {
            if state.messages == 0 {
                return None;
            }
            let m = self.stream.get_raw_message(seq).await.ok()?;
            rampart_proto::v1::Event::decode(m.payload).ok()?.time.map(|t| t.unix_nanos())
        };
        Ok(StoreStats {
            backend: "nats",
            location: format!(
                "{} stream {} (R{})",
                self.settings.servers.join(","),
                self.settings.stream,
                info.config.num_replicas
            ),
            size_bytes: state.bytes,
            events: state.messages,
            oldest_ns: time_at(state.first_sequence).await,
            newest_ns: time_at(state.last_sequence).await,
        })
    }

    async fn agents(&self) -> Result<Vec<StoredAgent>, StoreError> {
        let mut subjects = self
            .marks_stream
            .info_with_subjects(format!("{MARKS}.>"))
            .await
            .map_err(|e| self.failed("listing agent boots", e))?;
        let mut found = Vec::new();
        while let Some(s) = subjects.next().await {
            found.push(s.map_err(|e| self.failed("listing agent boots", e))?.0);
        }
        let mut out = Vec::new();
        for subject in found {
            let Some(origin) =
                subject.strip_prefix(MARKS).and_then(|k| k.strip_prefix('.')).and_then(origin_of)
            else {
                continue;
            };
            let m = self
                .marks_stream
                .get_last_raw_message_by_subject(&subject)
                .await
                .map_err(|e| self.failed("reading a high-water mark", e))?;
            out.push(StoredAgent {
                origin,
                last_sequence: mark_value(&m.payload),
                last_seen_ns: i64::try_from(m.time.unix_timestamp_nanos()).unwrap_or(i64::MAX),
            });
        }
        out.sort_by(|a, b| a.origin.cmp(&b.origin));
        Ok(out)
    }

    async fn namespaces(&self) -> Result<Vec<String>, StoreError> {
        let filter = format!("{}.*.*.*", subjects::PREFIX);
        let mut subjects = self
            .stream
            .info_with_subjects(filter)
            .await
            .map_err(|e| self.failed("listing the stream's subjects", e))?;
        let mut out = std::collections::BTreeSet::new();
        while let Some(s) = subjects.next().await {
            let (subject, _) = s.map_err(|e| self.failed("listing the stream's subjects", e))?;
            if let Some(ns) = subjects::namespace(&subject) {
                out.insert(ns.to_string());
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The stream's own limits retain; nothing is left to do here.
    async fn prune(&self, _retention: Retention, _now_ns: i64) -> Result<Pruned, StoreError> {
        Ok(Pruned::default())
    }

    async fn verify(&self, _node: Option<String>) -> Result<Vec<ChainReport>, StoreError> {
        Err(Self::unsupported("verifying the hash chain"))
    }

    async fn delete(&self, _scope: DeleteScope) -> Result<DeletionRecord, StoreError> {
        Err(Self::unsupported("deleting events on request"))
    }

    async fn deletions(&self, _limit: u32) -> Result<Vec<DeletionRecord>, StoreError> {
        Ok(Vec::new())
    }

    async fn close(&self) {
        self.js.wait_for_acks().await;
        let _ = self.js.client().flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_keys_are_reversible() {
        let o = Origin { node: "ip-10-0-0-1.ec2.internal".into(), boot_id: "3f1c_x/y".into() };
        let key = mark_key(&o);
        assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{key}");
        assert_eq!(origin_of(&key), Some(o));
    }
}
