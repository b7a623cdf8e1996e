//! Events by origin — agent boot and sequence — without an index entry per event.
//!
//! Each append that stores events records one `appends` row: the agent boot, the lowest and
//! highest sequence it stored, and the id range its events are in: the run of the appends of
//! its boot committed with it, inserted together, so their ids are consecutive (reads by origin
//! also check the agent and the sequence, so a run shared by several appends names each). The
//! events of a boot within a sequence range are in the id ranges of the appends whose sequence
//! ranges overlap it: found by one seek on `appends (agent, last_seq)`, then read by rowid. An
//! append of new events, the usual case, overlaps none.

use std::collections::HashMap;

use rusqlite::{Connection, params, types::ValueRef};

use super::{chain::Hash, sql};
use crate::store::StoreError;

/// Record that an append stored sequences `seqs` (lowest, highest) of `agent` within ids `ids`.
pub fn record(conn: &Connection, agent: i64, seqs: (i64, i64), ids: (i64, i64)) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO appends (agent, first_seq, last_seq, first_id, last_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![agent, seqs.0, seqs.1, ids.0, ids.1]))
    .map(drop)
    .map_err(sql("recording an append"))
}

/// The stored events of `agent` with a sequence in `first..=last`: sequence → body.
pub fn events(
    conn: &Connection,
    agent: i64,
    first: i64,
    last: i64,
) -> Result<HashMap<i64, Vec<u8>>, StoreError> {
    let mut out = HashMap::new();
    for ids in ranges(conn, agent, first, last)? {
        read(conn, agent, ids, (first, last), |seq, body| {
            out.insert(seq, stored_bytes(body));
        })?;
    }
    Ok(out)
}

/// The id ranges holding the stored events of `agent` with a sequence in `first..=last`, each
/// once: the appends of one run share theirs.
pub fn ranges(conn: &Connection, agent: i64, first: i64, last: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut ranges: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT first_id, last_id FROM appends INDEXED BY appends_origin \
             WHERE agent = ?1 AND last_seq >= ?2 AND first_seq <= ?3",
        )
        .and_then(|mut s| s.query_map(params![agent, first, last], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(sql("finding earlier appends"))?;
    ranges.sort_unstable();
    ranges.dedup();
    Ok(ranges)
}

/// Each stored event of `agent` within ids `ids` with a sequence in `seqs`, as (sequence,
/// body).
pub fn read(
    conn: &Connection,
    agent: i64,
    ids: (i64, i64),
    seqs: (i64, i64),
    mut each: impl FnMut(i64, ValueRef<'_>),
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, body FROM events WHERE id BETWEEN ?1 AND ?2 AND agent = ?3 AND seq BETWEEN ?4 AND ?5",
        )
        .map_err(sql("preparing a read by origin"))?;
    let mut rows =
        stmt.query(params![ids.0, ids.1, agent, seqs.0, seqs.1]).map_err(sql("reading events by origin"))?;
    while let Some(r) = rows.next().map_err(sql("reading events by origin"))? {
        each(
            r.get(0).map_err(sql("reading events by origin"))?,
            r.get_ref(1).map_err(sql("reading events by origin"))?,
        );
    }
    Ok(())
}

/// The digests kept of `agent`'s events with a sequence in `first..=last` that were deleted on
/// request: sequence → digest.
pub fn deleted(
    conn: &Connection,
    agent: i64,
    first: i64,
    last: i64,
) -> Result<HashMap<i64, Hash>, StoreError> {
    conn.prepare_cached("SELECT seq, digest FROM deleted WHERE agent = ?1 AND seq BETWEEN ?2 AND ?3")
        .and_then(|mut s| {
            s.query_map(params![agent, first, last], |r| {
                Ok((r.get(0)?, Hash::try_from(stored_bytes(r.get_ref(1)?).as_slice()).unwrap_or_default()))
            })?
            .collect()
        })
        .map_err(sql("reading the digests of deleted events"))
}

/// A body as stored; an edit may have changed its type (text, a number, null), which is then
/// an edit like any other, not a failure to read.
pub fn stored_bytes(v: ValueRef<'_>) -> Vec<u8> {
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(i) => i.to_string().into_bytes(),
        ValueRef::Real(f) => f.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    }
}
