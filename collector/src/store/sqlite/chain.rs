//! Tamper evidence: a hash chain per node over what the store holds.
//!
//! Design constraints:
//! - Every append that stores events adds one link for its node: which events it stored (the
//!   agent boot and its sequence numbers, so the chain is anchored in the agent's own
//!   numbering), their event-time range, and `hash = SHA-256(previous link's hash, node, boot,
//!   each stored event's sequence and encoded body)`. The link is written in the same
//!   transaction as its events.
//! - [`verify`] recomputes every link from the rows as they are now: a changed body is
//!   `edited`, a missing row `removed`, a row no link names `inserted`, and a link whose
//!   `prev` is not its predecessor's hash means links were removed or edited (`broken`).
//! - Retention deletes old events: the writer records how far (`pruned_through_ns`), so
//!   events missing from links at or before that time are not problems, and drops fully pruned
//!   links from the front of each node's chain, keeping the last dropped hash as the node's
//!   checkpoint, which the first remaining link must follow.
//! - Events stored before the chain existed (a store from schema version 1) are counted as
//!   unchained, not judged.
//! - This catches edits made to the file without recomputing the chain. Whoever can rewrite
//!   the file can rewrite the chain too: compare the head hashes `rampart verify` prints with
//!   ones recorded elsewhere to catch that.

use std::collections::{BTreeMap, HashMap, hash_map::Entry};

use ring::digest::{Context, SHA256};
use rusqlite::{Connection, OptionalExtension as _, Transaction, params};

use super::origin::stored_bytes;
use super::sql;
use crate::store::{ChainProblem, ChainReport, ProblemKind, StoreError};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev` of a node's first link.
pub const GENESIS: Hash = [0; 32];

fn finish(c: Context) -> Hash {
    let mut out = GENESIS;
    out.copy_from_slice(c.finish().as_ref());
    out
}

/// An event's digest: the SHA-256 of its stored bytes.
pub fn event_digest(body: &[u8]) -> Hash {
    let mut c = Context::new(&SHA256);
    c.update(body);
    finish(c)
}

/// The hash of one link over the events it stored, as (sequence, digest) in sequence order.
pub fn link_hash(prev: &Hash, node: &str, boot: &str, events: impl Iterator<Item = (i64, Hash)>) -> Hash {
    let mut c = Context::new(&SHA256);
    c.update(prev);
    for part in [node, boot] {
        c.update(&(part.len() as u64).to_le_bytes());
        c.update(part.as_bytes());
    }
    for (seq, digest) in events {
        c.update(&seq.to_le_bytes());
        c.update(&digest);
    }
    finish(c)
}

/// Sorted sequence numbers as inclusive ranges of consecutive ones.
pub fn ranges(seqs: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &seq in seqs {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == seq => *end = seq,
            _ => out.push((seq, seq)),
        }
    }
    out
}

/// Ranges as text, `1-512` or `1-3,7-9`.
pub fn format_ranges(ranges: &[(i64, i64)]) -> String {
    ranges.iter().map(|(a, b)| format!("{a}-{b}")).collect::<Vec<_>>().join(",")
}

/// Sequence numbers as ranges in text (the `seqs` column).
pub fn encode_ranges(seqs: &[i64]) -> String {
    format_ranges(&ranges(seqs))
}

/// The ranges of [`encode_ranges`]; `None` when the text is not in that form.
pub fn decode_ranges(text: &str) -> Option<Vec<(i64, i64)>> {
    text.split(',')
        .map(|r| {
            let (a, b) = r.split_once('-')?;
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some((a, b))
        })
        .collect()
}

/// One link about to be written: the events an append stored for one agent boot.
pub struct NewLink<'a> {
    pub node: &'a str,
    pub boot: &'a str,
    pub agent: i64,
    /// (sequence, digest, event time), in sequence order.
    pub events: Vec<(i64, Hash, i64)>,
}

/// The writer's view of each node's chain head.
#[derive(Debug, Default)]
pub struct Heads(HashMap<String, Hash>);

impl Heads {
    /// Forget what a rolled-back transaction may have changed.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    fn head(&mut self, tx: &Transaction<'_>, node: &str) -> Result<Hash, StoreError> {
        if let Some(h) = self.0.get(node) {
            return Ok(*h);
        }
        let last: Option<Vec<u8>> = tx
            .query_row("SELECT hash FROM chain WHERE node = ?1 ORDER BY id DESC LIMIT 1", [node], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql("reading the chain's head"))?;
        let last = match last {
            Some(h) => Some(h),
            None => tx
                .query_row("SELECT hash FROM chain_checkpoints WHERE node = ?1", [node], |r| r.get(0))
                .optional()
                .map_err(sql("reading the chain's checkpoint"))?,
        };
        Ok(last.and_then(|h| Hash::try_from(h.as_slice()).ok()).unwrap_or(GENESIS))
    }

    /// Write the link for `link` (in the caller's transaction).
    pub fn append(&mut self, tx: &Transaction<'_>, link: &NewLink<'_>) -> Result<(), StoreError> {
        if link.events.is_empty() {
            return Ok(());
        }
        let prev = self.head(tx, link.node)?;
        let hash = link_hash(&prev, link.node, link.boot, link.events.iter().map(|(s, b, _)| (*s, *b)));
        let seqs: Vec<i64> = link.events.iter().map(|(s, _, _)| *s).collect();
        let min_time = link.events.iter().map(|e| e.2).min().unwrap_or(0);
        let max_time = link.events.iter().map(|e| e.2).max().unwrap_or(0);
        tx.prepare_cached(
            "INSERT INTO chain (node, agent, seqs, count, min_time_ns, max_time_ns, prev, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .and_then(|mut s| {
            s.execute(params![
                link.node,
                link.agent,
                encode_ranges(&seqs),
                seqs.len() as i64,
                min_time,
                max_time,
                &prev[..],
                &hash[..]
            ])
        })
        .map_err(sql("writing a chain link"))?;
        self.0.insert(link.node.to_owned(), hash);
        Ok(())
    }
}

/// Retention is about to delete events at or before `through_ns`: recorded first, so that a
/// collector killed halfway leaves nothing verify would take for a removal.
pub fn pruning_through(conn: &Connection, through_ns: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('pruned_through_ns', ?1) \
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
        [through_ns],
    )
    .map_err(sql("recording how far retention goes"))?;
    Ok(())
}

/// After retention: drop each node's leading links that lost all their events (at or before
/// `through_ns`), keeping the last dropped hash as the node's checkpoint.
pub fn drop_pruned_links(conn: &Connection, through_ns: i64) -> Result<(), StoreError> {
    let nodes: Vec<String> = conn
        .prepare("SELECT DISTINCT node FROM chain")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(sql("listing the chain's nodes"))?;
    for node in nodes {
        // The node's first link that still has events after the cut; everything before it goes.
        let keep_from: Option<i64> = conn
            .query_row(
                "SELECT min(id) FROM chain WHERE node = ?1 AND max_time_ns > ?2",
                params![node, through_ns],
                |r| r.get(0),
            )
            .map_err(sql("finding the chain's first kept link"))?;
        let last_dropped: Option<(i64, Vec<u8>)> = conn
            .query_row(
                "SELECT id, hash FROM chain WHERE node = ?1 AND id < coalesce(?2, 9223372036854775807) \
                 ORDER BY id DESC LIMIT 1",
                params![node, keep_from],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql("finding the chain's last dropped link"))?;
        let Some((last_id, hash)) = last_dropped else { continue };
        conn.execute(
            "INSERT INTO chain_checkpoints (node, hash) VALUES (?1, ?2) \
             ON CONFLICT (node) DO UPDATE SET hash = excluded.hash",
            params![node, hash],
        )
        .map_err(sql("writing a chain checkpoint"))?;
        conn.execute("DELETE FROM chain WHERE node = ?1 AND id <= ?2", params![node, last_id])
            .map_err(sql("dropping pruned chain links"))?;
    }
    // Digests kept for events deleted on request that retention would have deleted by now.
    conn.execute("DELETE FROM deleted WHERE time_ns <= ?1", [through_ns])
        .map_err(sql("dropping pruned digests"))?;
    Ok(())
}

/// Whether `seq` is in one of `ranges` (sorted by start; ranges of one boot do not overlap).
fn names(ranges: &[(i64, i64)], seq: i64) -> bool {
    let after = ranges.partition_point(|(a, _)| *a <= seq);
    after > 0 && ranges[after - 1].1 >= seq
}

struct Link {
    agent: i64,
    boot: String,
    ranges: Vec<(i64, i64)>,
    count: i64,
    min_time: i64,
    prev: Vec<u8>,
    hash: Vec<u8>,
}

fn meta(conn: &Connection, key: &str) -> Result<Option<i64>, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(sql("reading the store's meta"))
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// Recompute every link of `node` (or of every node) from the rows as they are now.
pub fn verify(conn: &Connection, node: Option<&str>) -> Result<Vec<ChainReport>, StoreError> {
    let pruned_through = meta(conn, "pruned_through_ns")?.unwrap_or(i64::MIN);
    let chain_start = meta(conn, "chain_start_id")?.unwrap_or(0);
    let nodes: Vec<String> = match node {
        Some(n) => vec![n.to_owned()],
        None => conn
            .prepare(
                "SELECT node FROM chain UNION SELECT node FROM chain_checkpoints UNION \
                 SELECT DISTINCT node FROM agents ORDER BY 1",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(sql("listing nodes"))?,
    };
    nodes.into_iter().map(|n| verify_node(conn, &n, pruned_through, chain_start)).collect()
}

/// Per (agent, id range) of a run: its events' (sequence, digest), by sequence.
type RunDigests = HashMap<(i64, (i64, i64)), Vec<(i64, Hash)>>;

/// The digests of `agent`'s events within ids `ids`, by sequence (one per sequence), read from
/// the store unless `runs` has them.
fn run_digests<'a>(
    conn: &Connection,
    runs: &'a mut RunDigests,
    agent: i64,
    ids: (i64, i64),
) -> Result<&'a [(i64, Hash)], StoreError> {
    let run = match runs.entry((agent, ids)) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => {
            let mut digests = Vec::new();
            super::origin::read(conn, agent, ids, (i64::MIN, i64::MAX), |seq, body| {
                digests.push((seq, event_digest(&stored_bytes(body))));
            })?;
            // A sequence stored twice in one run (only by hand) counts once, as a read by
            // origin keeps one body per sequence.
            digests.sort_by_key(|d| d.0);
            digests.dedup_by_key(|d| d.0);
            e.insert(digests)
        }
    };
    Ok(run)
}

fn verify_node(
    conn: &Connection,
    node: &str,
    pruned_through: i64,
    chain_start: i64,
) -> Result<ChainReport, StoreError> {
    let mut report = ChainReport { node: node.to_owned(), ..Default::default() };
    let checkpoint: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM chain_checkpoints WHERE node = ?1", [node], |r| r.get(0))
        .optional()
        .map_err(sql("reading the chain's checkpoint"))?;
    let mut prev = checkpoint.unwrap_or_else(|| GENESIS.to_vec());
    let links: Vec<Link> = conn
        .prepare(
            "SELECT c.agent, a.boot_id, c.seqs, c.count, c.min_time_ns, c.prev, c.hash \
             FROM chain c JOIN agents a ON a.id = c.agent WHERE c.node = ?1 ORDER BY c.id",
        )
        .and_then(|mut s| {
            s.query_map([node], |r| {
                let seqs: String = r.get(2)?;
                Ok(Link {
                    agent: r.get(0)?,
                    boot: r.get(1)?,
                    ranges: decode_ranges(&seqs).unwrap_or_default(),
                    count: r.get(3)?,
                    min_time: r.get(4)?,
                    prev: r.get(5)?,
                    hash: r.get(6)?,
                })
            })?
            .collect()
        })
        .map_err(sql("reading the chain"))?;
    // Per agent, the sequence ranges the links name (to find rows no link names).
    let mut covered: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    // The appends of one run share its ids, and their links follow each other: each run's
    // digests are read once, for all of them, and kept while the next link still uses them.
    let mut runs = RunDigests::new();
    for link in &links {
        report.links += 1;
        let problem = |kind, detail: String| ChainProblem {
            kind,
            boot: link.boot.clone(),
            ranges: link.ranges.clone(),
            detail,
        };
        if link.prev != prev {
            report
                .problems
                .push(problem(ProblemKind::Broken, "the link before this one was removed or edited".into()));
        }
        prev.clone_from(&link.hash);
        covered.entry(link.agent).or_default().extend(link.ranges.iter().copied());
        // (sequence, digest, deleted on request)
        let mut rows: Vec<(i64, Hash, bool)> = Vec::new();
        let mut used = Vec::new();
        for (a, b) in &link.ranges {
            for ids in super::origin::ranges(conn, link.agent, *a, *b)? {
                let run = run_digests(conn, &mut runs, link.agent, ids)?;
                let (from, to) = (run.partition_point(|d| d.0 < *a), run.partition_point(|d| d.0 <= *b));
                rows.extend(run[from..to].iter().map(|(seq, digest)| (*seq, *digest, false)));
                used.push((link.agent, ids));
            }
            // The digests kept of the link's events deleted on request.
            let kept = super::origin::deleted(conn, link.agent, *a, *b)?;
            rows.extend(kept.into_iter().map(|(seq, digest)| (seq, digest, true)));
        }
        runs.retain(|run, _| used.contains(run));
        rows.sort_unstable_by_key(|r| r.0);
        let deleted = rows.iter().filter(|r| r.2).count() as u64;
        let missing = link.count - rows.len() as i64;
        if missing > 0 {
            if link.min_time <= pruned_through {
                // Retention took them (all of them, or the older part of this link).
                report.events_pruned += missing as u64;
                report.events_deleted += deleted;
                report.events_verified += rows.len() as u64 - deleted;
                continue;
            }
            report.problems.push(problem(
                ProblemKind::Removed,
                format!("{missing} of its {} events are gone", link.count),
            ));
            continue;
        }
        let hash = link_hash(
            &Hash::try_from(link.prev.as_slice()).unwrap_or(GENESIS),
            node,
            &link.boot,
            rows.iter().map(|(s, d, _)| (*s, *d)),
        );
        if hash[..] != link.hash[..] {
            report
                .problems
                .push(problem(ProblemKind::Edited, "an event's content differs from what was stored".into()));
        } else {
            report.events_deleted += deleted;
            report.events_verified += rows.len() as u64 - deleted;
        }
    }
    report.head = hex(&prev);
    // Sorted by start, so each row is looked up by binary search.
    for ranges in covered.values_mut() {
        ranges.sort_unstable();
    }
    // The id ranges appends stored, per agent: a row outside them was not stored by an append
    // (a copy under a sequence a link names included).
    let mut appended: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT p.agent, p.first_id, p.last_id FROM appends p JOIN agents a ON a.id = p.agent WHERE a.node = ?1")
        .map_err(sql("reading the node's appends"))?;
    let rows = stmt
        .query_map([node], |r| Ok((r.get::<_, i64>(0)?, (r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))))
        .map_err(sql("reading the node's appends"))?;
    for row in rows {
        let (agent, ids) = row.map_err(sql("reading the node's appends"))?;
        appended.entry(agent).or_default().push(ids);
    }
    for ranges in appended.values_mut() {
        ranges.sort_unstable();
    }
    // Rows of this node that no link names.
    let mut stmt = conn
        .prepare("SELECT e.id, e.agent, e.seq, a.boot_id FROM events e JOIN agents a ON a.id = e.agent WHERE a.node = ?1")
        .map_err(sql("reading the node's events"))?;
    let rows = stmt
        .query_map([node], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?))
        })
        .map_err(sql("reading the node's events"))?;
    let mut inserted: BTreeMap<(String, i64), Vec<i64>> = BTreeMap::new();
    for row in rows {
        let (id, agent, seq, boot) = row.map_err(sql("reading the node's events"))?;
        if id <= chain_start {
            report.events_unchained += 1;
            continue;
        }
        let named = covered.get(&agent).is_some_and(|rs| names(rs, seq))
            && appended.get(&agent).is_some_and(|rs| names(rs, id));
        if !named {
            inserted.entry((boot, agent)).or_default().push(seq);
        }
    }
    for ((boot, _), mut seqs) in inserted {
        seqs.sort_unstable();
        report.problems.push(ChainProblem {
            kind: ProblemKind::Inserted,
            boot,
            detail: format!("{} events no link names", seqs.len()),
            ranges: ranges(&seqs),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_store_is_upgraded_and_its_events_count_as_unchained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db").display().to_string();
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE agents (id INTEGER PRIMARY KEY, node TEXT NOT NULL, boot_id TEXT NOT NULL,
                   last_seq INTEGER NOT NULL DEFAULT 0, last_seen_ns INTEGER NOT NULL DEFAULT 0,
                   UNIQUE (node, boot_id));
                 CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, agent INTEGER NOT NULL,
                   seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, node TEXT NOT NULL,
                   namespace TEXT NOT NULL, pod TEXT NOT NULL, kind INTEGER NOT NULL,
                   action INTEGER NOT NULL, policy TEXT NOT NULL, body BLOB NOT NULL);
                 INSERT INTO agents (node, boot_id) VALUES ('n', 'b');
                 INSERT INTO events (agent, seq, time_ns, node, namespace, pod, kind, action, policy, body)
                   VALUES (1, 1, 0, 'n', '', '', 0, 0, '', x'01');
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        let conn = super::super::schema::open_writer(&path).unwrap();
        let r = verify(&conn, None).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].events_unchained, r[0].problems.len()), (1, 0));
    }

    #[test]
    fn a_sequence_is_named_by_the_range_that_holds_it() {
        let ranges = [(1, 3), (7, 8), (10, 10)];
        let named: Vec<i64> = (0..12).filter(|s| names(&ranges, *s)).collect();
        assert_eq!(named, [1, 2, 3, 7, 8, 10]);
        assert!(!names(&[], 1));
    }

    #[test]
    fn ranges_round_trip() {
        assert_eq!(encode_ranges(&[1, 2, 3, 7, 8, 10]), "1-3,7-8,10-10");
        assert_eq!(decode_ranges("1-3,7-8,10-10"), Some(vec![(1, 3), (7, 8), (10, 10)]));
        assert_eq!(decode_ranges("3-1"), None);
        assert_eq!(decode_ranges("x"), None);
    }

    #[test]
    fn a_link_hash_covers_its_predecessor_node_boot_sequences_and_bodies() {
        let h = |prev: &Hash, node, boot, seq, body: &[u8]| {
            link_hash(prev, node, boot, [(seq, event_digest(body))].into_iter())
        };
        let base = h(&GENESIS, "n", "b", 1, b"x");
        assert_ne!(base, h(&base, "n", "b", 1, b"x"));
        assert_ne!(base, h(&GENESIS, "m", "b", 1, b"x"));
        assert_ne!(base, h(&GENESIS, "n", "c", 1, b"x"));
        assert_ne!(base, h(&GENESIS, "n", "b", 2, b"x"));
        assert_ne!(base, h(&GENESIS, "n", "b", 1, b"y"));
        assert_eq!(base, h(&GENESIS, "n", "b", 1, b"x"));
    }
}
