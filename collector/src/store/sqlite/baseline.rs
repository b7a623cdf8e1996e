//! The benchmark's baseline: the same rows the collector stores, inserted with bare rusqlite
//! into a fresh file with the same schema and pragmas — no gRPC, no validation, no encoding
//! (rows are prepared before the clock starts), one prepared statement, whole agent batches
//! of about `rows_per_commit` rows per transaction. `cargo xtask bench` compares the
//! collector's ingest rate against the fastest of several transaction sizes, measured in the
//! same run.
//!
//! With `Indexes::None` the events table has no index at all but its rowid: the ceiling of
//! what this SQLite on this disk can insert, which the store's layout (a unique origin and
//! four query indexes) is measured against.
//!
//! With `with_chain`, the same inserts also do what the hash chain adds to the writer, with the
//! chain's own code: each event's digest (inside the clock) and one link per agent batch, in
//! the same transactions. The two together measure the chain's cost, with nothing else apart.

use std::{path::Path, time::Duration};

use rampart_proto::v1::Event;
use rusqlite::params;

use super::{chain, row, schema};
use crate::store::StoreError;

/// Which indexes the events table keeps for a bare insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indexes {
    /// The store's own: the unique origin and the four query indexes.
    Store,
    /// None but the rowid.
    None,
}

/// Insert `batches` (first sequence, events) of one agent boot, with the hash chain's work when
/// `with_chain`; the time the inserts took.
pub fn bare_insert(
    path: &Path,
    batches: &[(u64, Vec<Event>)],
    rows_per_commit: usize,
    with_chain: bool,
    indexes: Indexes,
) -> Result<Duration, StoreError> {
    let sql = |what| move |source| StoreError::Sqlite { what, source };
    let mut conn = schema::open_writer(&path.display().to_string())?;
    if indexes == Indexes::None {
        for index in ["events_origin", "events_time", "events_namespace", "events_pod", "events_kind"] {
            conn.execute(&format!("DROP INDEX {index}"), []).map_err(sql("dropping an index"))?;
        }
    }
    conn.execute("INSERT INTO agents (node, boot_id) VALUES ('bench', 'baseline')", [])
        .map_err(sql("recording the agent"))?;
    let agent = conn.last_insert_rowid();
    let batches: Vec<Vec<_>> = batches
        .iter()
        .map(|(first, events)| {
            events
                .iter()
                .enumerate()
                .map(|(i, e)| row(first + i as u64, std::sync::Arc::new(e.clone())))
                .collect()
        })
        .collect();
    let per_commit = rows_per_commit.div_ceil(batches.first().map_or(1, Vec::len).max(1)).max(1);
    let mut heads = chain::Heads::default();
    let start = std::time::Instant::now();
    for group in batches.chunks(per_commit) {
        let tx = conn.transaction().map_err(sql("beginning"))?;
        for batch in group {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(sql("preparing"))?;
            let mut link = chain::NewLink { node: "bench", boot: "baseline", agent, events: Vec::new() };
            for r in batch {
                stmt.execute(params![
                    agent,
                    r.seq,
                    r.time_ns,
                    r.event.node,
                    r.namespace,
                    r.pod,
                    r.kind,
                    r.action,
                    r.policy,
                    r.body
                ])
                .map_err(sql("inserting"))?;
                if with_chain {
                    link.events.push((r.seq, chain::event_digest(&r.body), r.time_ns));
                }
            }
            if with_chain {
                heads.append(&tx, &link)?;
            }
        }
        tx.commit().map_err(sql("committing"))?;
    }
    Ok(start.elapsed())
}
