//! Replays along spans: the spans of one pod, one namespace or one kind, read a page at a time
//! in the order of their start (oldest first) or of their end (newest first), and their events
//! merged into (time, id) order.
//!
//! Spans of one group may overlap in time: appends of the same pod from two agent boots, or
//! events an agent sent late. A span is opened — its events read by their id range, one rowid
//! range scan — once the merge could need it: oldest first, when it starts no later than the
//! next event to send; newest first, when it ends no earlier. So the events held at once are
//! those of the spans around the next event's time, never the window's.
//!
//! A span covers at most [`SPAN_MAX_NS`], so a walk from `since` (oldest first) or down from
//! `until` (newest first) starts that much before it, and no span that could hold an event in
//! the window is missed.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, VecDeque},
};

use rusqlite::{Connection, Statement, params_from_iter, types::Value};

use super::{Conds, Order, decode};
use crate::store::{
    ReplayQuery, StoreError, StoredEvent,
    sqlite::{schema::SPAN_MAX_NS, sql},
};

/// Spans read per query.
const SPAN_PAGE: i64 = 256;

/// One span: its row id, its events' ids, the time the walk orders it by (its start oldest
/// first, its end newest first) and its other end.
struct Span {
    id: i64,
    first_id: i64,
    last_id: i64,
    at: i64,
    other: i64,
}

/// The spans of a replay, in walk order, a page at a time.
struct SpanPages<'c> {
    stmt: Statement<'c>,
    values: Vec<Value>,
    /// (at, id) of the last span read.
    cursor: (i64, i64),
    page: VecDeque<Span>,
    done: bool,
}

impl SpanPages<'_> {
    /// When the next span starts (oldest first) or ends (newest first); `None` after the last.
    fn next_at(&mut self) -> Result<Option<i64>, StoreError> {
        if self.page.is_empty() && !self.done {
            let mut params = self.values.clone();
            params.extend([self.cursor.0, self.cursor.0, self.cursor.1].map(Value::Integer));
            let page: Vec<Span> = self
                .stmt
                .query_map(params_from_iter(params), |r| {
                    Ok(Span {
                        id: r.get(0)?,
                        first_id: r.get(1)?,
                        last_id: r.get(2)?,
                        at: r.get(3)?,
                        other: r.get(4)?,
                    })
                })
                .and_then(|rows| rows.collect())
                .map_err(sql("reading a page of spans"))?;
            self.done = (page.len() as i64) < SPAN_PAGE;
            if let Some(last) = page.last() {
                self.cursor = (last.at, last.id);
            }
            self.page.extend(page);
        }
        Ok(self.page.front().map(|s| s.at))
    }
}

/// An event of an opened span: its merge key first ((time, id), negated newest first), then
/// its time, id and body. Keys are unique, so the rest never decides an order.
type Held = Reverse<((i64, i64), i64, i64, Vec<u8>)>;

/// Every event of the spans `index` walks under `spans` (conditions on their columns) that
/// `events` (conditions on the events' columns), the filter and `max_id` admit, in `order`, to
/// `visit` until it returns `false`.
pub(super) fn walk(
    conn: &Connection,
    q: &ReplayQuery,
    order: Order,
    index: &str,
    mut spans: Conds,
    events: &Conds,
    mut visit: impl FnMut(StoredEvent) -> bool,
) -> Result<(), StoreError> {
    let oldest_first = order == Order::OldestFirst;
    let f = &q.filter;
    if let Some(s) = f.since_ns {
        spans.push("max_time_ns >= ?", s);
    }
    if let Some(u) = f.until_ns {
        spans.push("min_time_ns < ?", u);
    }
    let (at, other, bound, after, direction, cursor) = if oldest_first {
        let from = f.since_ns.map_or(i64::MIN, |s| s.saturating_sub(SPAN_MAX_NS));
        ("min_time_ns", "max_time_ns", ">=", ">", "", (from, i64::MIN))
    } else {
        let from = f.until_ns.map_or(i64::MAX, |u| u.saturating_add(SPAN_MAX_NS));
        ("max_time_ns", "min_time_ns", "<=", "<", " DESC", (from, i64::MAX))
    };
    let where_ = spans.and();
    let query = format!(
        "SELECT id, first_id, last_id, {at}, {other} FROM spans INDEXED BY {index} WHERE {where_}{at} {bound} ? \
         AND ({at}, id) {after} (?, ?) ORDER BY {at}{direction}, id{direction} LIMIT {SPAN_PAGE}"
    );
    let stmt = conn.prepare(&query).map_err(sql("preparing the span query"))?;
    let mut spans = SpanPages { stmt, values: spans.values, cursor, page: VecDeque::new(), done: false };
    let mut read = conn
        .prepare(&format!("SELECT id, time_ns, body FROM events WHERE {}id BETWEEN ? AND ?", events.and()))
        .map_err(sql("preparing a span's read"))?;
    let max_id = q.max_id.map_or(i64::MAX, |m| m as i64);
    let key = |time: i64, id: i64| if oldest_first { (time, id) } else { (time.saturating_neg(), -id) };
    let mut held: BinaryHeap<Held> = BinaryHeap::new();
    loop {
        // Open the next span while it may hold an event to send before the first one held.
        let open = match (spans.next_at()?, held.peek()) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(at), Some(Reverse((_, time, _, _)))) => {
                if oldest_first {
                    at <= *time
                } else {
                    at >= *time
                }
            }
        };
        if open {
            // With the next span, those of this page that start before it ends (newest first:
            // end after it starts): the merge would open each before sending its last event.
            // Their id ranges, adjacent ones joined (an append's spans are), are read at once.
            let first = spans.page.pop_front().expect("next_at saw it");
            let within = |s: &Span| if oldest_first { s.at <= first.other } else { s.at >= first.other };
            let mut ranges = vec![(first.first_id, first.last_id.min(max_id))];
            while let Some(span) = spans.page.front().filter(|s| within(s)) {
                ranges.push((span.first_id, span.last_id.min(max_id)));
                spans.page.pop_front();
            }
            ranges.sort_unstable();
            let mut joined: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
            for (a, b) in ranges {
                match joined.last_mut() {
                    Some(last) if last.1 + 1 == a => last.1 = b,
                    _ => joined.push((a, b)),
                }
            }
            for (a, b) in joined {
                let mut params = events.values.clone();
                params.extend([a, b].map(Value::Integer));
                let rows = read
                    .query_map(params_from_iter(params), |r| {
                        let (id, time): (i64, i64) = (r.get(0)?, r.get(1)?);
                        Ok(Reverse((key(time, id), time, id, r.get(2)?)))
                    })
                    .and_then(|rows| rows.collect::<Result<Vec<Held>, _>>())
                    .map_err(sql("reading a span's events"))?;
                held.extend(rows);
            }
            continue;
        }
        let Some(Reverse((_, _, id, body))) = held.pop() else { return Ok(()) };
        let id = id as u64;
        let event = decode(id, &body)?;
        if f.matches(&event) && !visit(StoredEvent { id, event }) {
            return Ok(());
        }
    }
}
