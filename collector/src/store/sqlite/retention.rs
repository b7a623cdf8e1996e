//! Retention, run by the writer thread between commits: by age, the events older than the
//! cutoff; by size, the oldest spans whole until the file's pages in use fit. Both walk spans
//! (the events table has no time index), a page of [`PRUNE_SPANS`] at a time, so a large prune
//! never holds the lock for long, and both tell the chain first how far they delete.

use rusqlite::{Connection, params};

use super::{chain, schema, sql, writer::Shared};
use crate::store::{Pruned, Retention, StoreError};

/// Spans whose events retention deletes per step.
const PRUNE_SPANS: i64 = 256;

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

pub fn prune(
    conn: &Connection,
    retention: Retention,
    now: i64,
    shared: &Shared,
) -> Result<Pruned, StoreError> {
    let mut pruned = Pruned::default();
    // Every event at or before this time may be gone: the chain is told (see `chain`).
    let mut through: Option<i64> = None;
    if let Some(age) = retention.max_age_ns {
        let cutoff = now.saturating_sub(age);
        through = Some(cutoff - 1);
        chain::pruning_through(conn, cutoff - 1)?;
        // Along the spans that start before the cutoff, a page at a time; a span that ends
        // after it keeps its later events (and stays).
        let mut after = (i64::MIN, i64::MIN);
        loop {
            let page: Vec<(i64, i64, i64, i64)> = conn
                .prepare_cached(
                    "SELECT min_time_ns, id, first_id, last_id FROM spans INDEXED BY spans_time \
                     WHERE min_time_ns < ?1 AND (min_time_ns, id) > (?2, ?3) ORDER BY min_time_ns, id LIMIT ?4",
                )
                .and_then(|mut s| {
                    s.query_map(params![cutoff, after.0, after.1, PRUNE_SPANS], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect()
                })
                .map_err(sql("finding old events"))?;
            let Some(&(t, id, _, _)) = page.last() else { break };
            after = (t, id);
            // A page's deletes and the count they change commit together.
            let tx = conn.unchecked_transaction().map_err(sql("beginning a transaction"))?;
            let mut n = 0;
            for (_, _, first, last) in &page {
                n += tx
                    .prepare_cached("DELETE FROM events WHERE id BETWEEN ?1 AND ?2 AND time_ns < ?3")
                    .and_then(|mut s| s.execute(params![first, last, cutoff]))
                    .map_err(sql("deleting old events"))?;
            }
            schema::count_events(&tx, -(n as i64))?;
            tx.commit().map_err(sql("committing old events' deletion"))?;
            pruned.by_age += n as u64;
            shared.forget(n);
        }
        conn.execute("DELETE FROM spans WHERE max_time_ns < ?1", [cutoff])
            .map_err(sql("deleting old spans"))?;
    }
    if let Some(max) = retention.max_bytes {
        // The oldest spans, whole, until the file is small enough.
        while used_bytes(conn)? > max {
            let oldest: Vec<(i64, i64, i64, i64)> = conn
                .prepare_cached(
                    "SELECT id, first_id, last_id, max_time_ns FROM spans INDEXED BY spans_time \
                     ORDER BY min_time_ns, id LIMIT ?1",
                )
                .and_then(|mut s| {
                    s.query_map([PRUNE_SPANS], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                        .collect()
                })
                .map_err(sql("finding the oldest events"))?;
            let Some(newest_deleted) = oldest.iter().map(|s| s.3).max() else { break };
            through = through.max(Some(newest_deleted));
            chain::pruning_through(conn, newest_deleted)?;
            let tx = conn.unchecked_transaction().map_err(sql("beginning a transaction"))?;
            let mut n = 0;
            for (span, first, last, _) in &oldest {
                n += tx
                    .prepare_cached("DELETE FROM events WHERE id BETWEEN ?1 AND ?2")
                    .and_then(|mut s| s.execute([first, last]))
                    .map_err(sql("deleting the oldest events"))?;
                tx.prepare_cached("DELETE FROM spans WHERE id = ?1")
                    .and_then(|mut s| s.execute([span]))
                    .map_err(sql("deleting the oldest spans"))?;
            }
            schema::count_events(&tx, -(n as i64))?;
            tx.commit().map_err(sql("committing the oldest events' deletion"))?;
            pruned.by_size += n as u64;
            shared.forget(n);
        }
    }
    if let Some(t) = through.filter(|_| pruned.by_age + pruned.by_size > 0) {
        chain::drop_pruned_links(conn, t)?;
    }
    if pruned.by_age + pruned.by_size > 0 {
        // Appends whose ids are all gone name nothing any more.
        conn.execute(
            "DELETE FROM appends WHERE last_id < coalesce((SELECT min(id) FROM events), \
             (SELECT seq + 1 FROM sqlite_sequence WHERE name = 'events'))",
            [],
        )
        .map_err(sql("deleting old appends"))?;
        vacuum(conn).map_err(sql("vacuuming"))?;
        // Move the deletions into the main file and truncate the WAL, so the disk space is returned.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(sql("checkpointing"))?;
    }
    Ok(pruned)
}
