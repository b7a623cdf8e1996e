//! The SQLite file: pragmas, tables and indexes.
//!
//! One row per event: the indexed columns (time, namespace, pod, kind, verdict action, policy,
//! node) and the protobuf-encoded `rampart.v1.Event` as `body`. `(agent, seq)` is unique: that
//! is the exactly-once rule. Ids come from AUTOINCREMENT, so they are never reused, even when
//! retention empties the table. `chain`, `chain_checkpoints` and `meta` hold the hash chain
//! ([`super::chain`]), `deletions` the deletion log and `deleted` the digests of the events it
//! deleted; version 2 added them, and a version 1 file is upgraded in place, its
//! events counted as stored before the chain.

use rusqlite::Connection;

use crate::store::StoreError;

pub const VERSION: i64 = 2;

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
CREATE UNIQUE INDEX IF NOT EXISTS events_origin ON events (agent, seq);
CREATE INDEX IF NOT EXISTS events_time ON events (time_ns);
CREATE INDEX IF NOT EXISTS events_namespace ON events (namespace, time_ns);
CREATE INDEX IF NOT EXISTS events_pod ON events (namespace, pod, time_ns);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, time_ns);
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

fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { what, source }
}

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
    if has_tables && version != VERSION && version != 1 {
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
    conn.pragma_update(None, "user_version", VERSION).map_err(sql("writing the schema version"))?;
    Ok(conn)
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
