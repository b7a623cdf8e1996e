//! The one thread that writes. Appends from every agent stream queue up here and are committed
//! together, many batches per transaction (group commit): one fsync-free WAL commit covers them
//! all, and each caller hears back only after that commit. Each append that stores events adds
//! its node's hash-chain link in the same transaction. Retention deletes run here too, in
//! chunks ([`super::retention`]), so no other writer ever waits on SQLite's lock.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use rampart_proto::v1::Event;
use rusqlite::{Connection, Statement, Transaction, params};
use tokio::sync::{
    mpsc::{self, error::TryRecvError},
    oneshot,
};
use tracing::warn;

use super::{
    chain::{Heads, NewLink},
    origin, retention, schema,
    schema::SPAN_MAX_NS,
    sql,
};
use crate::store::{Appended, DeleteScope, DeletionRecord, Origin, Pruned, Retention, StoreError};

/// Most rows committed in one transaction (more waiting batches go in the next one).
const MAX_ROWS_PER_COMMIT: usize = 20_000;
/// How long a commit of fewer than [`LINGER_BELOW_ROWS`] rows waits for more batches to join
/// it. Each commit rewrites the pages it touches (the span and append indexes' ends, the chain
/// head, the counters) to the WAL whatever its size: with a batch per commit, as agents sending
/// in real time at ~100,000 events/s make, the writer spent half as much again per event as
/// with full commits. A live subscriber and an ack wait this much longer at most.
const LINGER: Duration = Duration::from_millis(10);
const LINGER_BELOW_ROWS: usize = 4096;

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

impl Row {
    /// Whether `other` may join the span this row opened: same namespace, pod and kind, and
    /// no later than [`SPAN_MAX_NS`] after it.
    fn same_span(&self, other: &Row) -> bool {
        self.kind == other.kind
            && self.namespace == other.namespace
            && self.pod == other.pod
            && other.time_ns - self.time_ns <= SPAN_MAX_NS
    }
}

#[derive(Debug)]
pub struct PreparedBatch {
    pub origin: Origin,
    /// In sequence order.
    pub rows: Vec<Row>,
    /// The order to insert them in: by (namespace, pod, kind, time, seq), so that each group's
    /// stored events hold consecutive ids (see [`super::schema`]).
    pub order: Vec<usize>,
}

impl PreparedBatch {
    pub fn new(origin: Origin, rows: Vec<Row>) -> PreparedBatch {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&rows[a], &rows[b]);
            (&a.namespace, &a.pod, a.kind, a.time_ns, a.seq).cmp(&(
                &b.namespace,
                &b.pod,
                b.kind,
                b.time_ns,
                b.seq,
            ))
        });
        PreparedBatch { origin, rows, order }
    }
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
    pub fn forget(&self, n: usize) {
        let left = self.events.load(Relaxed).saturating_sub(n as u64);
        self.events.store(left, Relaxed);
    }
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
                let _ = reply.send(retention::prune(&conn, retention, now, &shared));
                continue;
            }
            Command::Delete(scope, reply) => {
                let _ = reply.send(delete(&mut conn, &scope, &shared));
                continue;
            }
            Command::Append(batch, reply) => (batch, reply),
        };
        let linger_until = Instant::now() + LINGER;
        let mut rows = batch.rows.len();
        let mut group = vec![(batch, reply)];
        let mut lingered = false;
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
                Err(TryRecvError::Empty) if !lingered && rows < LINGER_BELOW_ROWS => {
                    // Few rows so far: give the agents' next batches the moment to join them.
                    lingered = true;
                    std::thread::sleep(linger_until.saturating_duration_since(Instant::now()));
                }
                Err(_) => break,
            }
        }
        match commit(&mut conn, &mut agents, &mut heads, &group) {
            Ok((results, stored)) => {
                shared.events.fetch_add(stored as u64, Relaxed);
                // `stored` is in sequence order; ids follow the insert order.
                if let Some(max) = results.iter().flat_map(|a| a.stored.iter().map(|(id, _)| *id)).max() {
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

/// Store a group of appends in one transaction: what each stored, and how many events in all.
/// The appends of one agent boot go in together ([`insert`]), boots in the order they came.
fn commit(
    conn: &mut Connection,
    agents: &mut HashMap<Origin, i64>,
    heads: &mut Heads,
    group: &[(PreparedBatch, oneshot::Sender<Result<Appended, StoreError>>)],
) -> Result<(Vec<Appended>, usize), StoreError> {
    let tx = conn.transaction().map_err(sql("beginning a transaction"))?;
    let now = crate::now_ns();
    let mut boots: Vec<(&Origin, Vec<usize>)> = Vec::new();
    for (i, (batch, _)) in group.iter().enumerate() {
        match boots.iter_mut().find(|(origin, _)| **origin == batch.origin) {
            Some((_, members)) => members.push(i),
            None => boots.push((&batch.origin, vec![i])),
        }
    }
    let mut results: Vec<Appended> = group.iter().map(|_| Appended::default()).collect();
    for (origin, members) in boots {
        let batches: Vec<&PreparedBatch> = members.iter().map(|&i| &group[i].0).collect();
        for (i, appended) in members.into_iter().zip(insert(&tx, agents, heads, origin, &batches, now)?) {
            results[i] = appended;
        }
    }
    let stored: usize = results.iter().map(|a| a.stored.len()).sum();
    schema::count_events(&tx, stored as i64)?;
    tx.commit().map_err(sql("committing"))?;
    Ok((results, stored))
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

/// Adds a span row; its values as [`SpanWriter::stored`] gathered them.
pub const INSERT_SPAN: &str = "INSERT INTO spans (namespace, pod, kind, first_id, last_id, min_time_ns, max_time_ns) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// The spans of one append, gathered from its stored rows in insert order (see
/// [`PreparedBatch::order`]): consecutive rows of one group and within [`SPAN_MAX_NS`] of the
/// first make one span.
#[derive(Default)]
pub struct SpanWriter<'a> {
    /// The first row of the open span, its ids and its latest time.
    open: Option<(&'a Row, i64, i64, i64)>,
}

impl<'a> SpanWriter<'a> {
    /// `row` was stored with `id`: it extends the open span or closes it and opens another.
    pub fn stored(&mut self, insert: &mut Statement<'_>, row: &'a Row, id: i64) -> Result<(), StoreError> {
        match &mut self.open {
            Some((first, _, last, max)) if first.same_span(row) => (*last, *max) = (id, row.time_ns),
            _ => {
                if let Some(span) = self.open.replace((row, id, id, row.time_ns)) {
                    close(insert, span)?;
                }
            }
        }
        Ok(())
    }

    pub fn finish(self, insert: &mut Statement<'_>) -> Result<(), StoreError> {
        self.open.map_or(Ok(()), |span| close(insert, span))
    }
}

fn close(
    insert: &mut Statement<'_>,
    (r, first_id, last_id, max_time): (&Row, i64, i64, i64),
) -> Result<(), StoreError> {
    insert
        .execute(params![r.namespace, r.pod, r.kind, first_id, last_id, r.time_ns, max_time])
        .map(drop)
        .map_err(sql("inserting a span"))
}

/// Store `batches`, appends of one agent boot committed together, in one run of ids: their
/// events sorted by (namespace, pod, kind, time, sequence) across the appends, so each group
/// makes one span for all of them rather than one per append (an append of 512 events from a
/// busy node touches dozens of pods, and each span costs eight index entries). Each append
/// still gets its own result, `appends` row (its sequences, the run's ids) and chain link.
fn insert(
    tx: &Transaction<'_>,
    agents: &mut HashMap<Origin, i64>,
    heads: &mut Heads,
    origin: &Origin,
    batches: &[&PreparedBatch],
    now: i64,
) -> Result<Vec<Appended>, StoreError> {
    let agent = agent_id(tx, agents, origin)?;
    let mut appended: Vec<Appended> = batches.iter().map(|_| Appended::default()).collect();
    // The rows to store, as (append, row), each append's in its own insert order.
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(batches.iter().map(|b| b.rows.len()).sum());
    // Exactly once: the sequences this boot already stored, with what was stored under them;
    // those deleted on request since, with their digests (a resend of one is not stored again:
    // what was deleted stays deleted); and, when appends of this group overlap (a resend beside
    // the original), those an earlier one of them takes. Rows are in sequence order.
    let seqs = |b: &PreparedBatch| b.rows.first().zip(b.rows.last()).map(|(f, l)| (f.seq, l.seq));
    let overlap = batches.iter().enumerate().any(|(k, b)| {
        seqs(b)
            .is_some_and(|(f, l)| batches[..k].iter().filter_map(|a| seqs(a)).any(|(g, m)| f <= m && g <= l))
    });
    let mut taken: HashMap<i64, &[u8]> = HashMap::new();
    for (k, batch) in batches.iter().enumerate() {
        let (before, gone) = match seqs(batch) {
            Some((first, last)) => {
                (origin::events(tx, agent, first, last)?, origin::deleted(tx, agent, first, last)?)
            }
            None => (HashMap::new(), HashMap::new()),
        };
        for &i in &batch.order {
            let row = &batch.rows[i];
            let stored = before.get(&row.seq).map(Vec::as_slice).or_else(|| taken.get(&row.seq).copied());
            // A resend is the same event, encoded the same way; anything else was written by
            // another writer under this boot's sequence (or edited in the file).
            let same = match (stored, gone.get(&row.seq)) {
                (Some(stored), _) => Some(*stored == row.body),
                (None, Some(digest)) => Some(*digest == row.digest),
                (None, None) => None,
            };
            if let Some(same) = same {
                appended[k].duplicates += 1;
                if !same {
                    appended[k].conflicts += 1;
                }
                continue;
            }
            if overlap {
                taken.insert(row.seq, &row.body);
            }
            order.push((k, i));
        }
    }
    sort_run(batches, &mut order);
    let mut stmt = tx.prepare_cached(INSERT_EVENT).map_err(sql("preparing the insert"))?;
    let mut insert_span = tx.prepare_cached(INSERT_SPAN).map_err(sql("preparing the span insert"))?;
    let mut spans = SpanWriter::default();
    // Each row's id, if it was stored.
    let mut ids: Vec<Vec<Option<u64>>> = batches.iter().map(|b| vec![None; b.rows.len()]).collect();
    let mut id_range = (i64::MAX, i64::MIN);
    for &(k, i) in &order {
        let row = &batches[k].rows[i];
        let id = insert_event(&mut stmt, agent, row)?;
        ids[k][i] = Some(id as u64);
        id_range = (id_range.0.min(id), id_range.1.max(id));
        spans.stored(&mut insert_span, row, id)?;
    }
    spans.finish(&mut insert_span)?;
    let mut last_seq = 0;
    for ((batch, ids), appended) in batches.iter().zip(ids).zip(&mut appended) {
        // The chain link and the live stream take the stored events in sequence order.
        let mut link = NewLink {
            node: &origin.node,
            boot: &origin.boot_id,
            agent,
            events: Vec::with_capacity(batch.rows.len()),
        };
        for (row, id) in batch.rows.iter().zip(ids) {
            if let Some(id) = id {
                appended.stored.push((id, Arc::clone(&row.event)));
                link.events.push((row.seq, row.digest, row.time_ns));
            }
        }
        if let (Some(lo), Some(hi)) = (link.events.first(), link.events.last()) {
            origin::record(tx, agent, (lo.0, hi.0), id_range)?;
        }
        heads.append(tx, &link)?;
        last_seq = last_seq.max(batch.rows.last().map_or(0, |r| r.seq));
    }
    tx.prepare_cached("UPDATE agents SET last_seq = max(last_seq, ?1), last_seen_ns = ?2 WHERE id = ?3")
        .and_then(|mut s| s.execute(params![last_seq, now, agent]))
        .map_err(sql("updating an agent"))?;
    Ok(appended)
}

/// Put `order`, rows of `batches` as (append, row) each in its append's insert order
/// ([`PreparedBatch::order`]), in the order one run of them is inserted in: by (namespace, pod,
/// kind, time, sequence) across the appends.
pub fn sort_run(batches: &[&PreparedBatch], order: &mut [(usize, usize)]) {
    if batches.len() > 1 {
        // Each append's rows are sorted already: a stable sort merges the runs.
        let key = |&(k, i): &(usize, usize)| {
            let r: &Row = &batches[k].rows[i];
            (&r.namespace, &r.pod, r.kind, r.time_ns, r.seq)
        };
        order.sort_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// Adds an event row; its values as [`insert_event`] binds them.
pub const INSERT_EVENT: &str = "INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// Insert `row` of `agent` with `insert` (an [`INSERT_EVENT`] statement); its id.
pub fn insert_event(insert: &mut Statement<'_>, agent: i64, row: &Row) -> Result<i64, StoreError> {
    insert
        .insert(params![
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
        .map_err(sql("inserting an event"))
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
    // The pod's (or namespace's) events are those of its spans.
    let spans: Vec<(i64, i64)> = tx
        .prepare("SELECT first_id, last_id FROM spans WHERE namespace = ?1 AND (?2 = '' OR pod = ?2)")
        .and_then(|mut s| {
            s.query_map(params![scope.namespace, pod], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
        })
        .map_err(sql("finding the events to delete"))?;
    let mut n = 0;
    {
        let mut rows = tx
            .prepare_cached("SELECT agent, seq, time_ns, body FROM events WHERE id BETWEEN ?1 AND ?2")
            .map_err(sql("reading the events to delete"))?;
        let mut keep = tx
            .prepare_cached(
                "INSERT INTO deleted (agent, seq, deletion, time_ns, digest) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (agent, seq) DO UPDATE SET deletion = excluded.deletion, digest = excluded.digest",
            )
            .map_err(sql("preparing the deleted digests"))?;
        let mut remove = tx
            .prepare_cached("DELETE FROM events WHERE id BETWEEN ?1 AND ?2")
            .map_err(sql("preparing the deletion"))?;
        for (first, last) in spans {
            let mut it = rows.query(params![first, last]).map_err(sql("reading the events to delete"))?;
            while let Some(r) = it.next().map_err(sql("reading the events to delete"))? {
                let (agent, seq, time_ns): (i64, i64, i64) = (
                    r.get(0).map_err(sql("reading an event to delete"))?,
                    r.get(1).map_err(sql("reading an event to delete"))?,
                    r.get(2).map_err(sql("reading an event to delete"))?,
                );
                let body = origin::stored_bytes(r.get_ref(3).map_err(sql("reading an event to delete"))?);
                let digest = super::chain::event_digest(&body);
                keep.execute(params![agent, seq, id, time_ns, &digest[..]])
                    .map_err(sql("keeping a digest"))?;
            }
            n += remove.execute(params![first, last]).map_err(sql("deleting events"))?;
        }
    }
    // Spans are per pod: the deleted pod's spans name nothing any more.
    tx.execute(
        "DELETE FROM spans WHERE namespace = ?1 AND (?2 = '' OR pod = ?2)",
        params![scope.namespace, pod],
    )
    .map_err(sql("deleting spans"))?;
    tx.execute("UPDATE deletions SET events = ?1 WHERE id = ?2", params![n as i64, id])
        .map_err(sql("logging a deletion"))?;
    schema::count_events(&tx, -(n as i64))?;
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

#[cfg(test)]
mod tests {
    use rampart_proto::{
        v1::{Exec, Pod, event::Body},
        wkt::Timestamp,
    };

    use super::*;
    use crate::{
        filter::EventFilter,
        store::{ProblemKind, ReplayQuery, Store, sqlite::SqliteStore},
    };

    fn event(t: i64, pod: &str) -> Arc<Event> {
        Arc::new(Event {
            time: Some(Timestamp::from_unix_nanos(1_767_225_600_000_000_000 + t * 1_000_000)),
            node: "node-a".into(),
            pod: Some(Pod { namespace: "shop".into(), name: pod.into(), ..Default::default() }),
            body: Some(Body::Exec(Exec { binary: format!("/bin/{t}"), ..Default::default() })),
            ..Default::default()
        })
    }

    /// Boot `boot`'s events `events` from sequence `first`, queued for the writer.
    fn queue(
        tx: &mpsc::Sender<Command>,
        boot: &str,
        first: u64,
        events: &[Arc<Event>],
    ) -> oneshot::Receiver<Result<Appended, StoreError>> {
        let origin = Origin { node: "node-a".into(), boot_id: boot.into() };
        let rows = events.iter().enumerate().map(|(i, e)| super::super::row(first + i as u64, Arc::clone(e)));
        let (reply, answer) = oneshot::channel();
        tx.try_send(Command::Append(PreparedBatch::new(origin, rows.collect()), reply)).unwrap();
        answer
    }

    /// Appends queued together commit together; those of one boot share one run of ids and one
    /// span per pod, and everything else an append promises holds: each result, a resend beside
    /// its original stored once, replays in time order, the chain verifying.
    #[tokio::test]
    async fn appends_of_one_boot_in_one_commit_share_their_spans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let conn = schema::open_writer(path.to_str().unwrap()).unwrap();
        // Times interleave across the appends and the two pods.
        let b1: Vec<Arc<Event>> = (0..12).map(|i| event(i, if i % 2 == 0 { "web" } else { "db" })).collect();
        let b2: Vec<Arc<Event>> = (0..3).map(|i| event(i, "web")).collect();
        let (tx, rx) = mpsc::channel(8);
        let answers = [
            queue(&tx, "b1", 1, &b1[..6]),
            queue(&tx, "b2", 1, &b2),
            // A resend of 4..=6 beside its original, with 7..=10.
            queue(&tx, "b1", 4, &b1[3..10]),
            queue(&tx, "b1", 11, &b1[10..]),
        ];
        drop(tx);
        let shared = Arc::new(Shared::default());
        let writer = Arc::clone(&shared);
        std::thread::spawn(move || run(conn, rx, writer)).join().unwrap();
        let got: Vec<(usize, u32)> = answers
            .map(|mut a| a.try_recv().unwrap().unwrap())
            .iter()
            .map(|a| (a.stored.len(), a.duplicates))
            .collect();
        assert_eq!(got, [(6, 0), (3, 0), (4, 3), (2, 0)]);
        assert_eq!(shared.events.load(Relaxed), 15);

        let conn = schema::open_reader(path.to_str().unwrap()).unwrap();
        let spans: Vec<(String, i64)> = conn
            .prepare("SELECT pod, last_id - first_id + 1 FROM spans ORDER BY first_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // b1's three appends: one span per pod (it would be seven, one per append and pod,
        // committed apart); then b2's.
        assert_eq!(spans, [("db".to_string(), 6), ("web".into(), 6), ("web".into(), 3)]);

        let store = SqliteStore::open(&path).unwrap();
        let replay = |pods: Vec<String>| {
            let q = ReplayQuery { filter: EventFilter { pods, ..Default::default() }, ..Default::default() };
            let mut rx = store.replay(q);
            async move {
                let mut binaries = Vec::new();
                while let Some(e) = rx.recv().await {
                    let Some(Body::Exec(x)) = e.unwrap().event.body else { panic!("an exec") };
                    binaries.push(x.binary);
                }
                binaries
            }
        };
        let all = replay(vec![]).await;
        let mut want: Vec<String> = (0..12).chain(0..3).map(|t| format!("/bin/{t}")).collect();
        want.sort_by_key(|b| b[5..].parse::<i64>().unwrap());
        assert_eq!(all.len(), 15, "{all:?}");
        let mut sorted = all.clone();
        sorted.sort_by_key(|b| b[5..].parse::<i64>().unwrap());
        assert_eq!(all, sorted, "in time order");
        assert_eq!(sorted, want, "each event once");
        let db = replay(vec!["db".into()]).await;
        assert_eq!(db, ["/bin/1", "/bin/3", "/bin/5", "/bin/7", "/bin/9", "/bin/11"]);
        let reports = store.verify(None).await.unwrap();
        assert!(reports.iter().all(|r| r.problems.is_empty()), "{reports:?}");
        assert_eq!(reports.iter().map(|r| r.events_verified).sum::<u64>(), 15);

        // The three appends of b1 share one run: an edit to sequence 8 is the third's alone.
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE events SET body = x'00' WHERE seq = 8 AND agent = (SELECT id FROM agents WHERE boot_id = 'b1')",
                [],
            )
            .unwrap();
        let problems: Vec<_> =
            store.verify(None).await.unwrap().into_iter().flat_map(|r| r.problems).collect();
        let named: Vec<_> = problems.iter().map(|p| (p.kind, p.boot.as_str(), p.ranges.clone())).collect();
        assert_eq!(named, [(ProblemKind::Edited, "b1", vec![(7, 10)])], "{problems:?}");
        store.close().await;
    }
}
