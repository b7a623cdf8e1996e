//! Reading: replays page by page, and what the store holds.
//!
//! A replay is a sequence of short queries, each returning the next page of rows after a
//! (time, id) cursor, so no read transaction stays open while a slow client reads (a long one
//! would stop WAL checkpoints and let the WAL grow). Each query walks an index whose order is
//! the replay's order — `(namespace, pod, time)` for one pod, `(namespace, time)` for one
//! namespace, `(kind, time)` for one kind, else `(time)` — so a page costs what it returns
//! plus the rows it skips, and a whole replay is linear in the window.

use prost::Message as _;
use rampart_proto::{event::Kind, v1::Event, v1::filter};
use rusqlite::{Connection, params_from_iter, types::Value};
use tokio::sync::mpsc;

use crate::store::{DeletionRecord, ReplayQuery, StoreError, StoredAgent, StoredEvent};

pub const PAGE: i64 = 512;

fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { what, source }
}

/// The `kind` column's value for an event kind.
pub fn kind_column(k: Kind) -> i64 {
    filter::Kind::from(k) as i64
}

/// The index to walk and the WHERE conditions (without the cursor) with their values.
fn plan(q: &ReplayQuery) -> (&'static str, String, Vec<Value>) {
    let f = &q.filter;
    let mut conds: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut any_of = |column: &str, items: Vec<Value>| {
        if items.is_empty() {
            return;
        }
        let marks = vec!["?"; items.len()].join(", ");
        conds.push(format!("{column} IN ({marks})"));
        values.extend(items);
    };
    let text = |v: &[String]| v.iter().map(|s| Value::Text(s.clone())).collect::<Vec<_>>();
    any_of("namespace", text(&f.namespaces));
    any_of("pod", text(&f.pods));
    any_of("kind", f.kinds.iter().map(|k| Value::Integer(kind_column(*k))).collect());
    any_of("action", f.actions.iter().map(|a| Value::Integer(*a as i64)).collect());
    any_of("policy", text(&f.policies));
    any_of("node", text(&f.nodes));
    // `since` is not a condition here but the cursor's start (see `replay_pages`): with both,
    // SQLite may take its range from `since` and walk the window from its start on every page.
    if let Some(u) = f.until_ns {
        conds.push("time_ns < ?".into());
        values.push(Value::Integer(u));
    }
    if let Some(m) = q.max_id {
        conds.push("id <= ?".into());
        values.push(Value::Integer(m as i64));
    }
    let index = match (f.namespaces.len(), f.pods.len(), f.kinds.len()) {
        (1, 1, _) => "events_pod",
        (1, _, _) => "events_namespace",
        (_, _, 1) => "events_kind",
        _ => "events_time",
    };
    (index, conds.join(" AND "), values)
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

/// Every matching event in `order`, page by page along the planned index, to `visit` until it
/// returns `false`.
fn walk(
    conn: &Connection,
    q: &ReplayQuery,
    order: Order,
    mut visit: impl FnMut(StoredEvent) -> bool,
) -> Result<(), StoreError> {
    let (index, conds, mut values) = plan(q);
    let mut conds = if conds.is_empty() { Vec::new() } else { vec![conds] };
    let (bound, after, direction, mut cursor) = match order {
        // Ids start at 1, so (since, 0) admits every event at `since`.
        Order::OldestFirst => (">=", ">", "", (q.filter.since_ns.unwrap_or(i64::MIN), 0_i64)),
        Order::NewestFirst => {
            if let Some(s) = q.filter.since_ns {
                conds.push("time_ns >= ?".into());
                values.push(Value::Integer(s));
            }
            ("<=", "<", " DESC", (i64::MAX, i64::MAX))
        }
    };
    let where_ = if conds.is_empty() { String::new() } else { format!("{} AND ", conds.join(" AND ")) };
    let query = format!(
        "SELECT id, time_ns, body FROM events INDEXED BY {index} WHERE {where_}time_ns {bound} ? \
         AND (time_ns, id) {after} (?, ?) ORDER BY time_ns{direction}, id{direction} LIMIT {PAGE}"
    );
    let mut stmt = conn.prepare(&query).map_err(sql("preparing the replay query"))?;
    loop {
        let mut params = values.clone();
        params.extend([Value::Integer(cursor.0), Value::Integer(cursor.0), Value::Integer(cursor.1)]);
        let page: Vec<(i64, i64, Vec<u8>)> = stmt
            .query_map(params_from_iter(params), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(sql("reading a replay page"))?;
        let Some(&(id, time, _)) = page.last() else { return Ok(()) };
        let full = page.len() as i64 == PAGE;
        cursor = (time, id);
        for (id, _, body) in page {
            let id = id as u64;
            let event =
                Event::decode(body.as_slice()).map_err(|source| StoreError::Corrupt { id, source })?;
            // The query narrowed by the indexed columns; labels (and everything, again) here.
            if q.filter.matches(&event) && !visit(StoredEvent { id, event }) {
                return Ok(());
            }
        }
        if !full {
            return Ok(());
        }
    }
}

/// Event times of the oldest and newest events (cheap: both ends of the time index).
pub fn time_range(conn: &Connection) -> Result<(Option<i64>, Option<i64>), StoreError> {
    conn.query_row("SELECT min(time_ns), max(time_ns) FROM events", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(sql("reading the time range"))
}

/// Every namespace with stored events, in order: one index seek per namespace on
/// `events_namespace` (a skip scan), not a walk over the events.
pub fn namespaces(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "WITH RECURSIVE ns(name) AS (
                 SELECT min(namespace) FROM events WHERE namespace > ''
                 UNION ALL
                 SELECT (SELECT min(namespace) FROM events WHERE namespace > ns.name) FROM ns
                 WHERE ns.name IS NOT NULL
             )
             SELECT name FROM ns WHERE name IS NOT NULL",
        )
        .map_err(sql("listing namespaces"))?;
    let rows = stmt.query_map([], |r| r.get(0)).map_err(sql("listing namespaces"))?;
    rows.collect::<Result<_, _>>().map_err(sql("listing namespaces"))
}

pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
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
