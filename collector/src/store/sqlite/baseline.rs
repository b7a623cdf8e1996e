//! The benchmark's baseline: the same rows the collector stores, inserted with bare rusqlite
//! into a fresh file with the same schema and pragmas — no gRPC, no validation, no encoding
//! (rows are prepared before the clock starts), one prepared statement, whole agent batches
//! of about `rows_per_commit` rows per transaction. `cargo xtask bench` compares the
//! collector's ingest rate against the fastest of several transaction sizes, measured in the
//! same run.
//!
//! With `Indexes::Store` each transaction's batches are inserted as the store inserts the
//! appends of one boot committed together: one run sorted by (namespace, pod, kind, time)
//! across them ([`sort_run`]), with a span row per group of the run and an append row per
//! batch, into the store's tables and indexes, after the same look for earlier appends. With
//! `Indexes::None` only the events table is written, which has no index but its rowid: the
//! ceiling of what this SQLite on this disk can insert, which the store's layout is measured
//! against.
//!
//! With `with_chain`, the same inserts also do what the hash chain adds to the writer, with the
//! chain's own code: each event's digest (inside the clock) and one link per agent batch, in
//! the same transactions. The two together measure the chain's cost, with nothing else apart.

use std::{path::Path, sync::Arc, time::Duration};

use rampart_proto::v1::Event;

use super::{
    chain, origin, row, schema, sql,
    writer::{INSERT_EVENT, INSERT_SPAN, PreparedBatch, SpanWriter, insert_event, sort_run},
};
use crate::store::{Origin, StoreError};

/// Which indexes the events table keeps for a bare insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indexes {
    /// The store's own: spans and appends.
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
    let mut conn = schema::open_writer(&path.display().to_string())?;
    conn.execute("INSERT INTO agents (node, boot_id) VALUES ('bench', 'baseline')", [])
        .map_err(sql("recording the agent"))?;
    let agent = conn.last_insert_rowid();
    let origin = Origin { node: "bench".into(), boot_id: "baseline".into() };
    let batches: Vec<PreparedBatch> = batches
        .iter()
        .map(|(first, events)| {
            let rows =
                events.iter().enumerate().map(|(i, e)| row(first + i as u64, Arc::new(e.clone()))).collect();
            PreparedBatch::new(origin.clone(), rows)
        })
        .collect();
    let per_commit = rows_per_commit.div_ceil(batches.first().map_or(1, |b| b.rows.len()).max(1)).max(1);
    let mut heads = chain::Heads::default();
    let start = std::time::Instant::now();
    for group in batches.chunks(per_commit) {
        let group: Vec<&PreparedBatch> = group.iter().collect();
        let tx = conn.transaction().map_err(sql("beginning"))?;
        let mut stmt = tx.prepare_cached(INSERT_EVENT).map_err(sql("preparing"))?;
        let mut insert_span = tx.prepare_cached(INSERT_SPAN).map_err(sql("preparing"))?;
        let seqs: Vec<(i64, i64)> = group
            .iter()
            .map(|b| (b.rows.first().map_or(0, |r| r.seq), b.rows.last().map_or(0, |r| r.seq)))
            .collect();
        let mut order: Vec<(usize, usize)> =
            group.iter().enumerate().flat_map(|(k, b)| b.order.iter().map(move |&i| (k, i))).collect();
        if indexes == Indexes::Store {
            for &(first, last) in &seqs {
                // Exactly-once's look for earlier appends (none here).
                origin::events(&tx, agent, first, last)?;
            }
            sort_run(&group, &mut order);
        }
        let mut spans = SpanWriter::default();
        let mut links: Vec<Vec<(i64, chain::Hash, i64)>> = group.iter().map(|_| Vec::new()).collect();
        let mut ids = (i64::MAX, i64::MIN);
        for &(k, i) in &order {
            let r = &group[k].rows[i];
            let id = insert_event(&mut stmt, agent, r)?;
            ids = (ids.0.min(id), ids.1.max(id));
            if indexes == Indexes::Store {
                spans.stored(&mut insert_span, r, id)?;
            }
            if with_chain {
                links[k].push((r.seq, chain::event_digest(&r.body), r.time_ns));
            }
        }
        spans.finish(&mut insert_span)?;
        drop((stmt, insert_span));
        for (seqs, mut events) in seqs.into_iter().zip(links) {
            if indexes == Indexes::Store {
                origin::record(&tx, agent, seqs, ids)?;
            }
            if with_chain {
                events.sort_unstable_by_key(|e| e.0);
                heads.append(&tx, &chain::NewLink { node: "bench", boot: "baseline", agent, events })?;
            }
        }
        tx.commit().map_err(sql("committing"))?;
    }
    Ok(start.elapsed())
}
