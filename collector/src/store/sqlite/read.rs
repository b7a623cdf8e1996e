//! Reading: replays page by page, and what the store holds.
//!
//! A replay walks spans (see [`super::schema`]) in time order and merges their events
//! ([`spans`]): the spans of its pod, its namespace or its kind when it names one, else all. It
//! is a sequence of short queries, each returning the next page of spans after a cursor or one
//! span's events, so no read transaction stays open while a slow client reads (a long one would
//! stop WAL checkpoints and let the WAL grow). A page costs what it returns plus the rows it
//! skips, and a whole replay is linear in the window.

mod spans;

use prost::Message as _;
use rampart_proto::{event::Kind, v1::Event, v1::filter};
use rusqlite::{Connection, types::Value};
use tokio::sync::mpsc;

use super::sql;
use crate::store::{DeletionRecord, ReplayQuery, StoreError, StoredAgent, StoredEvent};

/// The `kind` column's value for an event kind.
pub fn kind_column(k: Kind) -> i64 {
    filter::Kind::from(k) as i64
}

/// How a replay finds its events: the spans to walk (of one pod, one namespace, one kind, or
/// all), by start time for oldest first and by end time for newest first, with conditions on
/// the spans' columns and on the events' own.
struct Plan {
    by_start: &'static str,
    by_end: &'static str,
    spans: Conds,
    events: Conds,
}

/// SQL conditions joined with AND (empty: none), and their values.
#[derive(Default)]
struct Conds {
    sql: Vec<String>,
    values: Vec<Value>,
}

impl Conds {
    /// `column IN (?, ...)` for non-empty `items`.
    fn any_of(&mut self, column: &str, items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        let marks = vec!["?"; items.len()].join(", ");
        self.sql.push(format!("{column} IN ({marks})"));
        self.values.extend(items);
    }

    fn push(&mut self, sql: &str, value: i64) {
        self.sql.push(sql.into());
        self.values.push(Value::Integer(value));
    }

    /// The conditions, each followed by `AND`.
    fn and(&self) -> String {
        self.sql.iter().map(|c| format!("{c} AND ")).collect()
    }
}

fn plan(q: &ReplayQuery) -> Plan {
    let f = &q.filter;
    let text = |v: &[String]| v.iter().map(|s| Value::Text(s.clone())).collect::<Vec<_>>();
    let mut spans = Conds::default();
    spans.any_of("namespace", text(&f.namespaces));
    spans.any_of("pod", text(&f.pods));
    spans.any_of("kind", f.kinds.iter().map(|k| Value::Integer(kind_column(*k))).collect());
    if let Some(m) = q.max_id {
        spans.push("first_id <= ?", m as i64);
    }
    let mut events = Conds::default();
    events.any_of("action", f.actions.iter().map(|a| Value::Integer(*a as i64)).collect());
    events.any_of("policy", text(&f.policies));
    events.any_of("node", text(&f.nodes));
    // Everything (labels, flows, the window, again) is checked on each decoded event as well.
    let (by_start, by_end) = match (f.namespaces.len(), f.pods.len(), f.kinds.len()) {
        (1, 1, _) => ("spans_pod", "spans_pod_end"),
        (1, _, _) => ("spans_namespace", "spans_namespace_end"),
        (_, _, 1) => ("spans_kind", "spans_kind_end"),
        _ => ("spans_time", "spans_time_end"),
    };
    Plan { by_start, by_end, spans, events }
}

/// Send every matching event, in (time, id) order, until done, `limit`, or the receiver goes.
/// With `newest`, the last `limit` of the window, read backwards and sent oldest first.
pub fn replay(conn: &Connection, q: &ReplayQuery, tx: &mpsc::Sender<Result<StoredEvent, StoreError>>) {
    let result = match (q.newest, q.limit) {
        (true, Some(limit)) => newest_pages(conn, q, limit).map(|events| {
            for e in events.into_iter().rev() {
                if tx.blocking_send(Ok(e)).is_err() {
                    return;
                }
            }
        }),
        _ => replay_pages(conn, q, tx),
    };
    if let Err(e) = result {
        let _ = tx.blocking_send(Err(e));
    }
}

/// The newest `limit` matching events, newest first. Holds at most `limit` events.
fn newest_pages(conn: &Connection, q: &ReplayQuery, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::new();
    walk(conn, q, Order::NewestFirst, |e| {
        out.push(e);
        (out.len() as u64) < limit
    })?;
    Ok(out)
}

fn replay_pages(
    conn: &Connection,
    q: &ReplayQuery,
    tx: &mpsc::Sender<Result<StoredEvent, StoreError>>,
) -> Result<(), StoreError> {
    let limit = q.limit.unwrap_or(u64::MAX);
    let mut sent = 0_u64;
    walk(conn, q, Order::OldestFirst, |e| {
        sent += 1;
        tx.blocking_send(Ok(e)).is_ok() && sent < limit
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    OldestFirst,
    /// Backwards from `until` (or the end) down to `since`.
    NewestFirst,
}

/// Every matching event in `order`, to `visit` until it returns `false`.
fn walk(
    conn: &Connection,
    q: &ReplayQuery,
    order: Order,
    visit: impl FnMut(StoredEvent) -> bool,
) -> Result<(), StoreError> {
    let plan = plan(q);
    let index = if order == Order::OldestFirst { plan.by_start } else { plan.by_end };
    spans::walk(conn, q, order, index, plan.spans, &plan.events, visit)
}

/// Decode a stored body.
fn decode(id: u64, body: &[u8]) -> Result<Event, StoreError> {
    Event::decode(body).map_err(|source| StoreError::Corrupt { id, source })
}

/// Event times of the oldest and newest events: the first event of a walk from either end.
pub fn time_range(conn: &Connection) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let first = |order| {
        let mut time = None;
        walk(conn, &ReplayQuery::default(), order, |e| {
            time = Some(e.event.time.map_or(0, |t| t.unix_nanos()));
            false
        })
        .map(|()| time)
    };
    Ok((first(Order::OldestFirst)?, first(Order::NewestFirst)?))
}

/// Every namespace with stored events, in order: one index seek per namespace on
/// `spans_namespace` (a skip scan), not a walk over the events.
pub fn namespaces(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "WITH RECURSIVE ns(name) AS (
                 SELECT min(namespace) FROM spans WHERE namespace > ''
                 UNION ALL
                 SELECT (SELECT min(namespace) FROM spans WHERE namespace > ns.name) FROM ns
                 WHERE ns.name IS NOT NULL
             )
             SELECT name FROM ns WHERE name IS NOT NULL",
        )
        .map_err(sql("listing namespaces"))?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(sql("listing namespaces"))?;
    rows.collect::<Result<_, _>>().map_err(sql("listing namespaces"))
}

/// The stored events, as `meta` keeps their count (see [`super::schema`]).
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = 'events'", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(sql("counting events"))
}

pub fn max_id(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(sql("reading the highest id"))
}

pub fn agents(conn: &Connection) -> Result<Vec<StoredAgent>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT node, boot_id, last_seq, last_seen_ns FROM agents ORDER BY node, last_seen_ns")
        .map_err(sql("listing agents"))?;
    stmt.query_map([], |r| {
        Ok(StoredAgent {
            origin: crate::store::Origin { node: r.get(0)?, boot_id: r.get(1)? },
            last_sequence: r.get::<_, i64>(2)? as u64,
            last_seen_ns: r.get(3)?,
        })
    })
    .and_then(|rows| rows.collect())
    .map_err(sql("listing agents"))
}

/// The newest `limit` entries of the deletion log, newest first.
pub fn deletions(conn: &Connection, limit: u32) -> Result<Vec<DeletionRecord>, StoreError> {
    conn.prepare_cached(
        "SELECT id, at_ns, by, namespace, pod, reason, events FROM deletions ORDER BY id DESC LIMIT ?1",
    )
    .and_then(|mut s| {
        s.query_map([limit], |r| {
            Ok(DeletionRecord {
                id: r.get::<_, i64>(0)? as u64,
                at_ns: r.get(1)?,
                by: r.get(2)?,
                namespace: r.get(3)?,
                pod: r.get(4)?,
                reason: r.get(5)?,
                events: r.get::<_, i64>(6)? as u64,
            })
        })?
        .collect()
    })
    .map_err(|source| StoreError::Sqlite { what: "reading the deletion log", source })
}
