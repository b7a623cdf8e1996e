//! The benchmark's baseline: the same rows the collector stores, inserted with bare rusqlite
//! into a fresh file with the same schema and pragmas — no gRPC, no validation, no encoding
//! (rows are prepared before the clock starts), one prepared statement, `rows_per_commit` rows
//! per transaction. `cargo xtask bench` compares the collector's ingest rate against the
//! fastest of several transaction sizes, measured in the same run.

use std::{path::Path, time::Duration};

use rampart_proto::v1::Event;
use rusqlite::params;

use super::{row, schema};
use crate::store::StoreError;

/// Insert `batches` (first sequence, events) of one agent boot; the time the inserts took.
pub fn bare_insert(
    path: &Path,
    batches: &[(u64, Vec<Event>)],
    rows_per_commit: usize,
) -> Result<Duration, StoreError> {
    let sql = |what| move |source| StoreError::Sqlite { what, source };
    let mut conn = schema::open_writer(&path.display().to_string())?;
    conn.execute("INSERT INTO agents (node, boot_id) VALUES ('bench', 'baseline')", [])
        .map_err(sql("recording the agent"))?;
    let agent = conn.last_insert_rowid();
    let rows: Vec<_> = batches
        .iter()
        .flat_map(|(first, events)| {
            events.iter().enumerate().map(move |(i, e)| row(first + i as u64, std::sync::Arc::new(e.clone())))
        })
        .collect();
    let start = std::time::Instant::now();
    for batch in rows.chunks(rows_per_commit.max(1)) {
        let tx = conn.transaction().map_err(sql("beginning"))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(sql("preparing"))?;
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
            }
        }
        tx.commit().map_err(sql("committing"))?;
    }
    Ok(start.elapsed())
}
