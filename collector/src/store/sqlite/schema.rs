//! The SQLite file: pragmas, tables and indexes.
//!
//! One row per event: the filtered columns (time, namespace, pod, kind, verdict action, policy,
//! node), the agent boot and sequence, and the protobuf-encoded `rampart.v1.Event` as `body`.
//! Ids come from AUTOINCREMENT, so they are never reused, even when retention empties the
//! table. `chain`, `chain_checkpoints` and `meta` hold the hash chain ([`super::chain`]),
//! `deletions` the deletion log and `deleted` the digests of the events it deleted. `meta`
//! also keeps the number of stored events (`events`), changed in the same transaction as the
//! rows: counting the table would read all of it, as it has no index to count instead.
//!
//! The events table has no index but its rowid. An index entry per event costs more than the
//! row itself: with the five per-event indexes of version 2 (origin, time, namespace, pod,
//! kind) an insert ran at a third of a bare one. Instead the appends of one agent boot committed
//! together store their events as one run, grouped by (namespace, pod, kind) and in time order
//! within a group, so each group's events hold a run of consecutive ids, and two small tables
//! name those runs:
//!
//! - `spans`: one row per commit, boot and group (split where it would cover more than
//!   [`SPAN_MAX_NS`]), with its id range and time range, indexed by start and by end time, per
//!   pod, namespace, kind, and overall. Replays, retention and deletion walk spans
//!   ([`super::read`]).
//! - `appends`: one row per append, with its agent boot, sequence range and the id range of
//!   the run it was stored in. The exactly-once rule reads it ([`super::origin`]): an append's
//!   sequences already stored are found in the id ranges of the earlier appends that overlap it.
//!
//! A span costs eight index entries. With a run per append, a busy node's append of 512 events
//! over dozens of pods made dozens of spans, about a sixth of the writer thread's time; with a
//! run per commit the ~16 appends an agent has in flight share them.
//!
//! Versions: 2 added the chain and the deletion log (a version 1 file's events count as stored
//! before the chain); 3 replaced the per-event indexes with `spans` and `appends`. Both
//! upgrades run in place.

use rusqlite::{Connection, OptionalExtension};

use super::sql;
use crate::store::StoreError;

pub const VERSION: i64 = 3;

/// The longest time one span covers: an append's group whose events spread wider is split.
/// A replay from `since` starts its walk over spans at `since - SPAN_MAX_NS`.
pub const SPAN_MAX_NS: i64 = 1_000_000_000;

/// Pragmas for every connection. WAL lets replays read while the writer writes; with WAL,
/// `synchronous = NORMAL` makes a commit survive a kill of the process (a power cut may lose
/// the last commits).
const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA busy_timeout = 5000;
PRAGMA journal_size_limit = 67108864;
PRAGMA cache_size = -16000;
";

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY,
    node TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_seen_ns INTEGER NOT NULL DEFAULT 0,
    UNIQUE (node, boot_id)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    time_ns INTEGER NOT NULL,
    node TEXT NOT NULL,
    namespace TEXT NOT NULL,
    pod TEXT NOT NULL,
    kind INTEGER NOT NULL,
    action INTEGER NOT NULL,
    policy TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS spans (
    id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    pod TEXT NOT NULL,
    kind INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    min_time_ns INTEGER NOT NULL,
    max_time_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_pod ON spans (namespace, pod, min_time_ns);
CREATE INDEX IF NOT EXISTS spans_namespace ON spans (namespace, min_time_ns);
CREATE INDEX IF NOT EXISTS spans_kind ON spans (kind, min_time_ns);
CREATE INDEX IF NOT EXISTS spans_pod_end ON spans (namespace, pod, max_time_ns);
CREATE INDEX IF NOT EXISTS spans_namespace_end ON spans (namespace, max_time_ns);
CREATE INDEX IF NOT EXISTS spans_kind_end ON spans (kind, max_time_ns);
CREATE INDEX IF NOT EXISTS spans_time ON spans (min_time_ns);
CREATE INDEX IF NOT EXISTS spans_time_end ON spans (max_time_ns);
CREATE TABLE IF NOT EXISTS appends (
    id INTEGER PRIMARY KEY,
    agent INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS appends_origin ON appends (agent, last_seq);
CREATE TABLE IF NOT EXISTS chain (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,
    agent INTEGER NOT NULL,
    seqs TEXT NOT NULL,
    count INTEGER NOT NULL,
    min_time_ns INTEGER NOT NULL,
    max_time_ns INTEGER NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chain_node ON chain (node, id);
CREATE TABLE IF NOT EXISTS chain_checkpoints (node TEXT PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deletions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ns INTEGER NOT NULL,
    by TEXT NOT NULL,
    namespace TEXT NOT NULL,
    pod TEXT NOT NULL,
    reason TEXT NOT NULL,
    events INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deleted (
    agent INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    deletion INTEGER NOT NULL,
    time_ns INTEGER NOT NULL,
    digest BLOB NOT NULL,
    PRIMARY KEY (agent, seq)
);
";

/// Version 2 to 3: spans and appends from the stored events, then the per-event indexes go.
/// A span is a run of consecutive ids of one (namespace, pod, kind) within one
/// [`SPAN_MAX_NS`] bucket of time; an append, a run of consecutive ids of one agent boot.
/// The SQL writes the bucket's width out (`time_ns / 1000000000`): it must be [`SPAN_MAX_NS`].
const UPGRADE_TO_3: &str = "
BEGIN;
INSERT INTO spans (namespace, pod, kind, first_id, last_id, min_time_ns, max_time_ns)
    SELECT namespace, pod, kind, min(id), max(id), min(time_ns), max(time_ns) FROM (
        SELECT id, namespace, pod, kind, time_ns, id - row_number() OVER (
            PARTITION BY namespace, pod, kind, time_ns / 1000000000 ORDER BY id) AS run
        FROM events)
    GROUP BY namespace, pod, kind, time_ns / 1000000000, run;
INSERT INTO appends (agent, first_seq, last_seq, first_id, last_id)
    SELECT agent, min(seq), max(seq), min(id), max(id) FROM (
        SELECT id, agent, seq, id - row_number() OVER (PARTITION BY agent ORDER BY id) AS run FROM events)
    GROUP BY agent, run;
DROP INDEX IF EXISTS events_origin;
DROP INDEX IF EXISTS events_time;
DROP INDEX IF EXISTS events_namespace;
DROP INDEX IF EXISTS events_pod;
DROP INDEX IF EXISTS events_kind;
COMMIT;
";
const _: () = assert!(SPAN_MAX_NS == 1_000_000_000, "UPGRADE_TO_3 buckets spans by the second");

/// Open (creating if needed) the store for writing, and check its schema version.
pub fn open_writer(path: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open { location: path.into(), source })?;
    // Must come before the first table exists to take effect; lets retention give space back.
    conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL;").map_err(sql("setting auto_vacuum"))?;
    conn.execute_batch(PRAGMAS).map_err(sql("setting pragmas"))?;
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql("reading the schema version"))?;
    let has_tables: bool = conn
        .query_row("SELECT count(*) > 0 FROM sqlite_master WHERE name = 'events'", [], |r| r.get(0))
        .map_err(sql("reading the schema"))?;
    if has_tables && !(1..=VERSION).contains(&version) {
        return Err(StoreError::Schema { location: path.into(), found: version, expected: VERSION });
    }
    conn.execute_batch(TABLES).map_err(sql("creating tables"))?;
    if has_tables && version == 1 {
        // Events stored so far have no chain: verification counts them apart.
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('chain_start_id', \
             coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0))",
            [],
        )
        .map_err(sql("upgrading the schema to version 2"))?;
    }
    if has_tables && version < 3 {
        conn.execute_batch(UPGRADE_TO_3).map_err(sql("upgrading the schema to version 3"))?;
    }
    keep_count(&conn)?;
    conn.pragma_update(None, "user_version", VERSION).map_err(sql("writing the schema version"))?;
    Ok(conn)
}

/// Make sure `meta` holds the event count: a file from before it was kept (versions 1 to 3
/// until 2026-12-07) is counted once, here.
fn keep_count(conn: &Connection) -> Result<(), StoreError> {
    let kept: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = 'events'", [], |r| r.get(0))
        .optional()
        .map_err(sql("reading the event count"))?;
    if kept.is_none() {
        conn.execute("INSERT INTO meta (key, value) SELECT 'events', count(*) FROM events", [])
            .map_err(sql("counting the events once"))?;
    }
    Ok(())
}

/// `delta` events were stored (or deleted, negative): part of the transaction that did it.
pub fn count_events(conn: &Connection, delta: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE meta SET value = value + ?1 WHERE key = 'events'")
        .and_then(|mut s| s.execute([delta]))
        .map_err(sql("keeping the event count"))?;
    Ok(())
}

/// A read-only connection (replays, stats).
pub fn open_reader(path: &str) -> Result<Connection, StoreError> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|source| StoreError::Open { location: path.into(), source })?;
    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -4000;")
        .map_err(sql("setting pragmas"))?;
    Ok(conn)
}
