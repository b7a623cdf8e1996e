//! The one thread that writes. Appends from every agent stream queue up here and are committed
//! together, many batches per transaction (group commit): one fsync-free WAL commit covers them
//! all, and each caller hears back only after that commit. Each append that stores events adds
//! its node's hash-chain link in the same transaction. Retention deletes run here too, in
//! chunks, so no other writer ever waits on SQLite's lock.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
};

use rampart_proto::v1::Event;
use rusqlite::{Connection, OptionalExtension as _, Transaction, params};
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::chain::{Heads, NewLink};
use crate::store::{Appended, DeleteScope, DeletionRecord, Origin, Pruned, Retention, StoreError};

/// Most rows committed in one transaction (more waiting batches go in the next one).
const MAX_ROWS_PER_COMMIT: usize = 20_000;
/// Rows deleted per retention statement, so a large prune never holds the lock for long.
const PRUNE_CHUNK: i64 = 10_000;

/// One event, with its indexed columns already extracted and its body encoded (by the
/// caller's task, not this thread).
#[derive(Debug)]
pub struct Row {
    pub seq: i64,
    pub time_ns: i64,
    pub namespace: String,
    pub pod: String,
    pub kind: i64,
    pub action: i64,
    pub policy: String,
    pub body: Vec<u8>,
    /// SHA-256 of `body`, for the hash chain.
    pub digest: super::chain::Hash,
    pub event: Arc<Event>,
}

#[derive(Debug)]
pub struct PreparedBatch {
    pub origin: Origin,
    pub rows: Vec<Row>,
}

pub enum Command {
    Append(PreparedBatch, oneshot::Sender<Result<Appended, StoreError>>),
    Prune(Retention, i64, oneshot::Sender<Result<Pruned, StoreError>>),
    Delete(DeleteScope, oneshot::Sender<Result<DeletionRecord, StoreError>>),
}

/// Numbers the writer keeps current for readers.
#[derive(Debug, Default)]
pub struct Shared {
    /// Highest event id committed.
    pub watermark: AtomicU64,
    /// Events in the table.
    pub events: AtomicU64,
}

impl Shared {
    /// `n` events were deleted (only the writer changes the count, so this cannot race).
    fn forget(&self, n: usize) {
        let left = self.events.load(Relaxed).saturating_sub(n as u64);
        self.events.store(left, Relaxed);
    }
}

fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { what, source }
}

/// Run until every sender is gone.
pub fn run(mut conn: Connection, mut rx: mpsc::Receiver<Command>, shared: Arc<Shared>) {
    let mut agents: HashMap<Origin, i64> = HashMap::new();
    let mut heads = Heads::default();
    let mut held: Option<Command> = None;
    loop {
        let Some(first) = held.take().or_else(|| rx.blocking_recv()) else { return };
        let (batch, reply) = match first {
            Command::Prune(retention, now, reply) => {
                let _ = reply.send(prune(&conn, retention, now, &shared));
                continue;
            }
            Command::Delete(scope, reply) => {
                let _ = reply.send(delete(&mut conn, &scope, &shared));
                continue;
            }
            Command::Append(batch, reply) => (batch, reply),
        };
        let mut rows = batch.rows.len();
        let mut group = vec![(batch, reply)];
        while rows < MAX_ROWS_PER_COMMIT {
            match rx.try_recv() {
                Ok(Command::Append(b, r)) => {
                    rows += b.rows.len();
                    group.push((b, r));
                }
                Ok(other) => {
                    held = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        match commit(&mut conn, &mut agents, &mut heads, &group) {
            Ok(results) => {
                let stored: usize = results.iter().map(|a| a.stored.len()).sum();
                shared.events.fetch_add(stored as u64, Relaxed);
                if let Some(max) = results.iter().filter_map(|a| a.stored.last().map(|(id, _)| *id)).max() {
                    shared.watermark.fetch_max(max, Relaxed);
                }
                for ((_, reply), appended) in group.into_iter().zip(results) {
                    let _ = reply.send(Ok(appended));
                }
            }
            Err(e) => {
                // Rolled back: nothing of the group is stored, and agent ids and chain links
                // made in it are gone.
                agents.clear();
                heads.clear();
                warn!(error = %e, batches = group.len(), "commit failed; the batches will be resent");
                let cause = Arc::new(e);
                for (_, reply) in group {
                    let _ = reply.send(Err(StoreError::Commit(cause.clone())));
                }
            }
        }
    }
}

fn commit(
    conn: &mut Connection,
    agents: &mut HashMap<Origin, i64>,
    heads: &mut Heads,
    group: &[(PreparedBatch, oneshot::Sender<Result<Appended, StoreError>>)],
) -> Result<Vec<Appended>, StoreError> {
    let tx = conn.transaction().map_err(sql("beginning a transaction"))?;
    let now = crate::now_ns();
    let mut results = Vec::with_capacity(group.len());
    for (batch, _) in group {
        results.push(insert(&tx, agents, heads, batch, now)?);
    }
    tx.commit().map_err(sql("committing"))?;
    Ok(results)
}

fn agent_id(
    tx: &Transaction<'_>,
    agents: &mut HashMap<Origin, i64>,
    origin: &Origin,
) -> Result<i64, StoreError> {
    if let Some(id) = agents.get(origin) {
        return Ok(*id);
    }
    tx.execute(
        "INSERT INTO agents (node, boot_id) VALUES (?1, ?2) ON CONFLICT (node, boot_id) DO NOTHING",
        params![origin.node, origin.boot_id],
    )
    .map_err(sql("recording an agent"))?;
    let id: i64 = tx
        .query_row(
            "SELECT id FROM agents WHERE node = ?1 AND boot_id = ?2",
            params![origin.node, origin.boot_id],
            |r| r.get(0),
        )
        .map_err(sql("reading an agent"))?;
    agents.insert(origin.clone(), id);
    Ok(id)
}

fn insert(
    tx: &Transaction<'_>,
    agents: &mut HashMap<Origin, i64>,
    heads: &mut Heads,
    batch: &PreparedBatch,
    now: i64,
) -> Result<Appended, StoreError> {
    let agent = agent_id(tx, agents, &batch.origin)?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (agent, seq) DO NOTHING",
        )
        .map_err(sql("preparing the insert"))?;
    let mut appended = Appended::default();
    let mut link = NewLink {
        node: &batch.origin.node,
        boot: &batch.origin.boot_id,
        agent,
        events: Vec::with_capacity(batch.rows.len()),
    };
    let mut last_seq = 0;
    for row in &batch.rows {
        let n = stmt
            .execute(params![
                agent,
                row.seq,
                row.time_ns,
                row.event.node,
                row.namespace,
                row.pod,
                row.kind,
                row.action,
                row.policy,
                row.body
            ])
            .map_err(sql("inserting an event"))?;
        if n == 1 {
            appended.stored.push((tx.last_insert_rowid() as u64, Arc::clone(&row.event)));
            link.events.push((row.seq, row.digest, row.time_ns));
        } else {
            appended.duplicates += 1;
            // A resend is the same event, encoded the same way; anything else was written by
            // another writer under this boot's sequence (or edited in the file).
            let stored: Option<Vec<u8>> = tx
                .prepare_cached("SELECT body FROM events WHERE agent = ?1 AND seq = ?2")
                .and_then(|mut s| s.query_row(params![agent, row.seq], |r| r.get(0)).optional())
                .map_err(sql("reading a stored duplicate"))?;
            if stored.is_some_and(|b| b != row.body) {
                appended.conflicts += 1;
            }
        }
        last_seq = last_seq.max(row.seq);
    }
    heads.append(tx, &link)?;
    tx.prepare_cached("UPDATE agents SET last_seq = max(last_seq, ?1), last_seen_ns = ?2 WHERE id = ?3")
        .and_then(|mut s| s.execute(params![last_seq, now, agent]))
        .map_err(sql("updating an agent"))?;
    Ok(appended)
}

/// Delete on request, in one transaction: log the deletion, keep the digests of the events it
/// deletes (so their chain links still verify), delete them.
fn delete(conn: &mut Connection, scope: &DeleteScope, shared: &Shared) -> Result<DeletionRecord, StoreError> {
    let tx = conn.transaction().map_err(sql("beginning a transaction"))?;
    let at_ns = crate::now_ns();
    let pod = scope.pod.clone().unwrap_or_default();
    tx.execute(
        "INSERT INTO deletions (at_ns, by, namespace, pod, reason, events) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        params![at_ns, scope.by, scope.namespace, pod, scope.reason],
    )
    .map_err(sql("logging a deletion"))?;
    let id = tx.last_insert_rowid();
    {
        let mut rows = tx
            .prepare(
                "SELECT agent, seq, time_ns, body FROM events \
                 WHERE namespace = ?1 AND (?2 = '' OR pod = ?2)",
            )
            .map_err(sql("reading the events to delete"))?;
        let mut keep = tx
            .prepare(
                "INSERT INTO deleted (agent, seq, deletion, time_ns, digest) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (agent, seq) DO UPDATE SET deletion = excluded.deletion, digest = excluded.digest",
            )
            .map_err(sql("preparing the deleted digests"))?;
        let mut it =
            rows.query(params![scope.namespace, pod]).map_err(sql("reading the events to delete"))?;
        while let Some(r) = it.next().map_err(sql("reading the events to delete"))? {
            let (agent, seq, time_ns): (i64, i64, i64) = (
                r.get(0).map_err(sql("reading an event to delete"))?,
                r.get(1).map_err(sql("reading an event to delete"))?,
                r.get(2).map_err(sql("reading an event to delete"))?,
            );
            let body: Vec<u8> = r.get(3).map_err(sql("reading an event to delete"))?;
            let digest = super::chain::event_digest(&body);
            keep.execute(params![agent, seq, id, time_ns, &digest[..]]).map_err(sql("keeping a digest"))?;
        }
    }
    let n = tx
        .execute(
            "DELETE FROM events WHERE namespace = ?1 AND (?2 = '' OR pod = ?2)",
            params![scope.namespace, pod],
        )
        .map_err(sql("deleting events"))?;
    tx.execute("UPDATE deletions SET events = ?1 WHERE id = ?2", params![n as i64, id])
        .map_err(sql("logging a deletion"))?;
    tx.commit().map_err(sql("committing a deletion"))?;
    shared.forget(n);
    Ok(DeletionRecord {
        id: id as u64,
        at_ns,
        by: scope.by.clone(),
        namespace: scope.namespace.clone(),
        pod,
        reason: scope.reason.clone(),
        events: n as u64,
    })
}

/// Bytes of pages in use (what the file would shrink to).
fn used_bytes(conn: &Connection) -> Result<u64, StoreError> {
    let q = |p: &str| conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get::<_, i64>(0));
    let (pages, free, size) = (q("page_count"), q("freelist_count"), q("page_size"));
    let (pages, free, size) = (
        pages.map_err(sql("reading page_count"))?,
        free.map_err(sql("reading freelist_count"))?,
        size.map_err(sql("reading page_size"))?,
    );
    Ok(((pages - free).max(0) * size) as u64)
}

/// Give free pages back to the file system. The pragma frees a page per step: step to the end.
fn vacuum(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("PRAGMA incremental_vacuum")?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}

fn prune(conn: &Connection, retention: Retention, now: i64, shared: &Shared) -> Result<Pruned, StoreError> {
    let mut pruned = Pruned::default();
    // Every event at or before this time may be gone: the chain is told (see `chain`).
    let mut through: Option<i64> = None;
    if let Some(age) = retention.max_age_ns {
        let cutoff = now.saturating_sub(age);
        through = Some(cutoff - 1);
        super::chain::pruning_through(conn, cutoff - 1)?;
        loop {
            let n = conn
                .execute(
                    "DELETE FROM events WHERE id IN \
                     (SELECT id FROM events WHERE time_ns < ?1 ORDER BY time_ns LIMIT ?2)",
                    params![cutoff, PRUNE_CHUNK],
                )
                .map_err(sql("deleting old events"))?;
            pruned.by_age += n as u64;
            shared.forget(n);
            if (n as i64) < PRUNE_CHUNK {
                break;
            }
        }
    }
    if let Some(max) = retention.max_bytes {
        while used_bytes(conn)? > max {
            let total = shared.events.load(Relaxed) as i64;
            let chunk = (total / 50).clamp(100, PRUNE_CHUNK);
            let newest_deleted: Option<i64> = conn
                .query_row(
                    "SELECT max(time_ns) FROM (SELECT time_ns FROM events ORDER BY time_ns LIMIT ?1)",
                    params![chunk],
                    |r| r.get(0),
                )
                .map_err(sql("finding the oldest events"))?;
            through = through.max(newest_deleted);
            if let Some(t) = newest_deleted {
                super::chain::pruning_through(conn, t)?;
            }
            let n = conn
                .execute(
                    "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY time_ns LIMIT ?1)",
                    params![chunk],
                )
                .map_err(sql("deleting the oldest events"))?;
            pruned.by_size += n as u64;
            shared.forget(n);
            if n == 0 {
                break;
            }
        }
    }
    if let Some(t) = through.filter(|_| pruned.by_age + pruned.by_size > 0) {
        super::chain::drop_pruned_links(conn, t)?;
    }
    if pruned.by_age + pruned.by_size > 0 {
        vacuum(conn).map_err(sql("vacuuming"))?;
        // Move the deletions into the main file and truncate the WAL, so the disk space is returned.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(sql("checkpointing"))?;
    }
    Ok(pruned)
}
