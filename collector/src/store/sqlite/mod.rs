//! The embedded store: one SQLite file in WAL mode.
//!
//! Design constraints:
//! - One writer thread ([`writer`]) owns the write connection; appends from all agent streams
//!   are group-committed there, and each append returns only after its commit.
//! - Callers do the per-event work (column extraction, protobuf encoding) on their own tasks
//!   before queueing, so the writer thread only inserts.
//! - Readers use their own read-only connections and never block the writer (WAL); replays
//!   read in pages ([`read`]).
//! - The write queue is bounded: when the disk is slower than the agents, appends wait, acks
//!   slow down, and agents queue (and spool) on their side.

pub mod baseline;
pub mod chain;
mod origin;
mod read;
mod retention;
mod schema;
mod writer;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, atomic::Ordering::Relaxed},
};

use prost::Message as _;
use rampart_proto::v1::Event;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{
    Appended, ChainReport, DeleteScope, DeletionRecord, IncomingBatch, Pruned, ReplayQuery, Retention, Store,
    StoreError, StoreStats, StoredAgent, StoredEvent,
};
use writer::{Command, PreparedBatch, Row, Shared};

pub use read::kind_column;
pub use schema::VERSION as SCHEMA_VERSION;

/// Appends waiting for the writer at most; further appends wait for room.
const WRITE_QUEUE: usize = 256;
/// Events buffered between a replay's reading thread and its client.
const REPLAY_BUFFER: usize = 1024;

pub struct SqliteStore {
    path: PathBuf,
    location: String,
    commands: Mutex<Option<mpsc::Sender<Command>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    shared: Arc<Shared>,
    /// For status queries; replays open their own.
    reader: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Open or create the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let location = path.display().to_string();
        let conn = schema::open_writer(&location)?;
        let reader = schema::open_reader(&location)?;
        let shared = Arc::new(Shared::default());
        shared.watermark.store(read::max_id(&reader)?, Relaxed);
        shared.events.store(read::count(&reader)?, Relaxed);
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let thread_shared = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer::run(conn, rx, thread_shared))
            .map_err(|source| StoreError::Io { what: "starting the writer thread", source })?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            location,
            commands: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            shared,
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    fn sender(&self) -> Result<mpsc::Sender<Command>, StoreError> {
        self.commands.lock().expect("not poisoned").clone().ok_or(StoreError::WriterGone)
    }

    fn size_on_disk(&self) -> u64 {
        let file = |suffix: &str| {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        file("") + file("-wal")
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || f(&reader.lock().expect("not poisoned")))
            .await
            .map_err(|e| StoreError::Io { what: "a store read", source: std::io::Error::other(e) })?
    }
}

/// A SQLite error, saying what the store was doing.
fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { what, source }
}

/// The indexed columns and encoded body of one event.
fn row(seq: u64, event: Arc<Event>) -> Row {
    let (namespace, pod) =
        event.pod.as_ref().map_or((String::new(), String::new()), |p| (p.namespace.clone(), p.name.clone()));
    let (action, policy) =
        event.verdict.as_ref().map_or((0, String::new()), |v| (i64::from(v.action), v.policy.clone()));
    let body = event.encode_to_vec();
    Row {
        seq: seq as i64,
        time_ns: event.time.map_or(0, |t| t.unix_nanos()),
        namespace,
        pod,
        kind: event.kind().map_or(0, kind_column),
        action,
        policy,
        digest: chain::event_digest(&body),
        body,
        event,
    }
}

impl Store for SqliteStore {
    async fn append(&self, batch: IncomingBatch) -> Result<Appended, StoreError> {
        let first = batch.first_sequence;
        let rows = batch.events.into_iter().enumerate().map(|(i, e)| row(first + i as u64, e)).collect();
        let prepared = PreparedBatch::new(batch.origin, rows);
        let (reply, answer) = oneshot::channel();
        self.sender()?.send(Command::Append(prepared, reply)).await.map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    fn replay(&self, query: ReplayQuery) -> mpsc::Receiver<Result<StoredEvent, StoreError>> {
        let (tx, rx) = mpsc::channel(REPLAY_BUFFER);
        let location = self.location.clone();
        tokio::task::spawn_blocking(move || match schema::open_reader(&location) {
            Ok(conn) => read::replay(&conn, &query, &tx),
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
            }
        });
        rx
    }

    fn watermark(&self) -> u64 {
        self.shared.watermark.load(Relaxed)
    }

    async fn stats(&self) -> Result<StoreStats, StoreError> {
        let (oldest_ns, newest_ns) = self.with_reader(read::time_range).await?;
        Ok(StoreStats {
            backend: "sqlite",
            location: self.location.clone(),
            size_bytes: self.size_on_disk(),
            events: self.shared.events.load(Relaxed),
            oldest_ns,
            newest_ns,
        })
    }

    async fn agents(&self) -> Result<Vec<StoredAgent>, StoreError> {
        self.with_reader(read::agents).await
    }

    async fn namespaces(&self) -> Result<Vec<String>, StoreError> {
        self.with_reader(read::namespaces).await
    }

    async fn prune(&self, retention: Retention, now_ns: i64) -> Result<Pruned, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender()?
            .send(Command::Prune(retention, now_ns, reply))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn verify(&self, node: Option<String>) -> Result<Vec<ChainReport>, StoreError> {
        // Its own connection: a long check must not hold up status queries.
        let location = self.location.clone();
        tokio::task::spawn_blocking(move || chain::verify(&schema::open_reader(&location)?, node.as_deref()))
            .await
            .map_err(|e| StoreError::Io { what: "verifying the chain", source: std::io::Error::other(e) })?
    }

    async fn delete(&self, scope: DeleteScope) -> Result<DeletionRecord, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.sender()?.send(Command::Delete(scope, reply)).await.map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn deletions(&self, limit: u32) -> Result<Vec<DeletionRecord>, StoreError> {
        self.with_reader(move |c| read::deletions(c, limit)).await
    }

    async fn close(&self) {
        // The writer finishes what is queued once every sender is gone.
        self.commands.lock().expect("not poisoned").take();
        let handle = self.writer.lock().expect("not poisoned").take();
        if let Some(h) = handle {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }
}
