//! Where events are kept: the [`Store`] trait and its backends.
//!
//! Design constraints, which every backend must keep:
//! - **Exactly once.** An event is identified by its origin (node, agent boot id) and sequence;
//!   [`Store::append`] stores a batch atomically and skips events whose identity is already
//!   stored, so an agent may resend anything it has no ack for.
//! - **Durable before acked.** `append` returns only once the batch survives a kill of the
//!   collector process.
//! - **Ordered ids.** Every stored event gets an id larger than any id stored before it (never
//!   reused, even after retention), which live subscribers use to join stored history to the
//!   live stream without a gap or a duplicate ([`Store::watermark`]).
//! - **Streaming reads.** [`Store::replay`] yields events in (time, id) order a page at a time;
//!   a window is never loaded into memory whole.
//! - **Tamper evidence.** What is stored can be checked against a hash chain per node written
//!   with it ([`Store::verify`]).
//!
//! [`sqlite`] is the embedded default: one collector, one file. [`jetstream`] is the scale-out
//! store: collectors in front of a NATS JetStream cluster, interchangeable, which deduplicates
//! by message id and replays by start time; where it differs from the constraints above its
//! module says so.

pub mod jetstream;
pub mod sqlite;

use std::{future::Future, sync::Arc};

use rampart_proto::v1::Event;
use tokio::sync::mpsc;

use crate::{AbortOnDrop, filter::EventFilter, hub::Hub};

/// Where live subscribers' events come from.
pub enum Live {
    /// The collector hands each append's new events to the hub (one collector per store).
    FromAppends,
    /// The backend feeds the hub itself with what any collector stored, until dropped.
    FromStore(AbortOnDrop),
}

/// A backend's own figures for `/metrics`.
pub trait StoreMetrics: Send + Sync {
    fn render(&self, o: &mut String);
}

/// Who sent a batch: the node of the stream's Hello and the boot that produced the events.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub node: String,
    pub boot_id: String,
}

/// A validated batch, ready to store: consecutive sequences from `first_sequence`.
#[derive(Debug)]
pub struct IncomingBatch {
    pub origin: Origin,
    pub first_sequence: u64,
    pub events: Vec<Arc<Event>>,
}

/// What [`Store::append`] did.
#[derive(Debug, Default)]
pub struct Appended {
    /// Events newly stored, with their ids, in sequence order. Ids grow from one commit to the
    /// next, but within one they need not follow the sequence (SQLite numbers the events of the
    /// appends of one boot committed together grouped by pod): the highest is the largest, not
    /// the last.
    pub stored: Vec<(u64, Arc<Event>)>,
    /// Events skipped because they were stored before (conflicts included).
    pub duplicates: u32,
    /// Of the duplicates, those whose stored copy has a different content.
    pub conflicts: u32,
}

/// Which stored events to read.
#[derive(Clone, Debug, Default)]
pub struct ReplayQuery {
    pub filter: EventFilter,
    /// Only events with an id up to this (a subscriber's watermark).
    pub max_id: Option<u64>,
    /// At most this many events.
    pub limit: Option<u64>,
    /// With `limit`: the newest `limit` events of the window (still yielded oldest first).
    pub newest: bool,
}

/// One event read back.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: u64,
    pub event: Event,
}

/// What is in the store.
#[derive(Clone, Debug, Default)]
pub struct StoreStats {
    pub backend: &'static str,
    pub location: String,
    pub size_bytes: u64,
    pub events: u64,
    /// Event times (Unix ns) of the oldest and newest stored events.
    pub oldest_ns: Option<i64>,
    pub newest_ns: Option<i64>,
}

/// One agent boot the store has events from.
#[derive(Clone, Debug)]
pub struct StoredAgent {
    pub origin: Origin,
    pub last_sequence: u64,
    /// When its last batch was stored (Unix ns).
    pub last_seen_ns: i64,
}

/// How much to keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Delete events whose time is older than this many nanoseconds before now.
    pub max_age_ns: Option<i64>,
    /// Delete the oldest events while the store is larger than this.
    pub max_bytes: Option<u64>,
}

/// What a retention pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub by_age: u64,
    pub by_size: u64,
}

/// What verifying one node's hash chain found (see `sqlite::chain`).
#[derive(Clone, Debug, Default)]
pub struct ChainReport {
    pub node: String,
    pub links: u64,
    /// Events whose link recomputed to its stored hash.
    pub events_verified: u64,
    /// Events retention deleted from links still in the chain.
    pub events_pruned: u64,
    /// Events stored before the chain existed.
    pub events_unchained: u64,
    /// Events deleted on request, verified by the digests the deletion kept.
    pub events_deleted: u64,
    /// Hex SHA-256 of the node's last link (or checkpoint): record it elsewhere to catch a
    /// rewrite of the whole chain.
    pub head: String,
    pub problems: Vec<ChainProblem>,
}

/// What to delete on request, and who asks.
#[derive(Clone, Debug)]
pub struct DeleteScope {
    pub namespace: String,
    /// One pod of the namespace, or every pod.
    pub pod: Option<String>,
    pub by: String,
    pub reason: String,
}

/// One entry of the deletion log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeletionRecord {
    pub id: u64,
    pub at_ns: i64,
    pub by: String,
    pub namespace: String,
    pub pod: String,
    pub reason: String,
    pub events: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Edited,
    Removed,
    Inserted,
    Broken,
}

/// An event range of one boot that is not as it was stored.
#[derive(Clone, Debug)]
pub struct ChainProblem {
    pub kind: ProblemKind,
    pub boot: String,
    /// Inclusive sequence ranges.
    pub ranges: Vec<(i64, i64)>,
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening the store at {location}: {source}")]
    Open { location: String, source: rusqlite::Error },
    #[error("the store at {location} has schema version {found}; this collector knows version {expected}")]
    Schema { location: String, found: i64, expected: i64 },
    #[error("{what}: {source}")]
    Sqlite { what: &'static str, source: rusqlite::Error },
    #[error("stored event {id} cannot be decoded: {source}")]
    Corrupt { id: u64, source: prost::DecodeError },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("committing failed, nothing of the batches in that commit was stored: {0}")]
    Commit(Arc<StoreError>),
    #[error("{what}: {source}")]
    Io { what: &'static str, source: std::io::Error },
    #[error("NATS: {what}: {source}")]
    Nats { what: &'static str, source: Box<dyn std::error::Error + Send + Sync> },
    #[error(
        "the JetStream stream {stream} at {location} is not configured as the flags ask: {}; change the \
         flags, or the stream (`nats stream edit {stream}`), or give another --nats-stream",
        settings.join("; ")
    )]
    StreamConflict { stream: String, location: String, settings: Vec<String> },
    #[error("{what} is not offered by the {backend} store")]
    Unsupported { what: &'static str, backend: &'static str },
}

/// A place to keep events. See the module documentation for what every backend guarantees.
pub trait Store: Send + Sync + 'static {
    /// Store a batch atomically, skipping events already stored; returns once durable.
    fn append(&self, batch: IncomingBatch) -> impl Future<Output = Result<Appended, StoreError>> + Send;

    /// Events matching the query in (time, id) order, sent a page at a time into the returned
    /// channel; reading stops when the receiver is dropped.
    fn replay(&self, query: ReplayQuery) -> mpsc::Receiver<Result<StoredEvent, StoreError>>;

    /// The highest id stored so far (0 when none); for a backend that feeds live subscribers
    /// itself, the highest id it handed to them.
    fn watermark(&self) -> u64;

    /// Where live events come from; called once, at start.
    fn live(&self, _hub: &Arc<Hub>) -> Live {
        Live::FromAppends
    }

    /// The backend's own figures for `/metrics`, if it has any.
    fn metrics(&self) -> Option<Arc<dyn StoreMetrics>> {
        None
    }

    fn stats(&self) -> impl Future<Output = Result<StoreStats, StoreError>> + Send;

    /// Every agent boot with events in the store, and the last sequence stored for it.
    fn agents(&self) -> impl Future<Output = Result<Vec<StoredAgent>, StoreError>> + Send;

    /// Every namespace with stored events (host events have none), in order.
    fn namespaces(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Delete what `retention` says not to keep, measured against `now_ns` (Unix ns).
    fn prune(
        &self,
        retention: Retention,
        now_ns: i64,
    ) -> impl Future<Output = Result<Pruned, StoreError>> + Send;

    /// Recompute the hash chain of `node` (every node when `None`) from the stored events.
    fn verify(
        &self,
        node: Option<String>,
    ) -> impl Future<Output = Result<Vec<ChainReport>, StoreError>> + Send;

    /// Delete the events of a namespace (or one of its pods), keeping their digests for the
    /// chain, and log who asked; returns the log entry.
    fn delete(&self, scope: DeleteScope) -> impl Future<Output = Result<DeletionRecord, StoreError>> + Send;

    /// The newest `limit` entries of the deletion log, newest first.
    fn deletions(&self, limit: u32) -> impl Future<Output = Result<Vec<DeletionRecord>, StoreError>> + Send;

    /// Finish pending writes and stop.
    fn close(&self) -> impl Future<Output = ()> + Send;
}
