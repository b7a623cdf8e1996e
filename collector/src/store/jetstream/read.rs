//! Replays: one consumer per subject of the filter ([`super::pull`]), from the window's start time to
//! the sequence that was last when the replay began (or the subscriber's watermark), merged by
//! sequence and matched against the whole filter.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use async_nats::{
    Client,
    jetstream::{consumer::DeliverPolicy, stream::Stream},
};
use prost::Message as _;
use rampart_proto::v1::Event;
use tokio::sync::mpsc;

use super::{NatsMetrics, subjects};
use crate::store::{ReplayQuery, StoreError, StoredEvent};

/// Events buffered between a replay and its client.
const REPLAY_BUFFER: usize = 1024;
/// Events buffered per subject before the merge.
const PER_SUBJECT: usize = 256;
/// Messages are stored after their event happened; a node whose clock runs ahead of the NATS
/// server's by less than this still has its events found by a window's start.
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

type Item = Result<(u64, Event), StoreError>;

pub fn replay(
    client: Client,
    stream: Stream,
    query: ReplayQuery,
    metrics: Arc<NatsMetrics>,
) -> mpsc::Receiver<Result<StoredEvent, StoreError>> {
    let (tx, rx) = mpsc::channel(REPLAY_BUFFER);
    tokio::spawn(async move {
        if let Err(e) = run(client, stream, query, &tx).await {
            metrics.errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

async fn run(
    client: Client,
    stream: Stream,
    query: ReplayQuery,
    tx: &mpsc::Sender<Result<StoredEvent, StoreError>>,
) -> Result<(), StoreError> {
    let last = match query.max_id {
        Some(max) => max,
        None => {
            super::through_failover("reading the stream's state", || stream.get_info())
                .await?
                .state
                .last_sequence
        }
    };
    if last == 0 {
        return Ok(());
    }
    let start = query.filter.since_ns.map(|since| {
        let at = since.saturating_sub(CLOCK_SKEW.as_nanos() as i64);
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    });
    let mut subjects = subjects::for_filter(&query.filter);
    let mut sink = Sink::new(query, tx);
    if subjects.len() == 1 {
        // One subject is already in sequence order: its reader feeds the sink itself, one
        // hand-over (a task wake-up and a copy of the event) fewer per event.
        let subject = subjects.pop().expect("one subject");
        read_subject_inner(client, stream, subject, start, last, &mut Out::Sink(&mut sink)).await?;
        return sink.finish().await;
    }
    let mut sources = Vec::new();
    for subject in subjects {
        let (stx, srx) = mpsc::channel(PER_SUBJECT);
        tokio::spawn(read_subject(client.clone(), stream.clone(), subject, start, last, stx));
        sources.push(srx);
    }
    let mut heads: Vec<Option<(u64, Event)>> = Vec::with_capacity(sources.len());
    for s in &mut sources {
        heads.push(s.recv().await.transpose()?);
    }
    // The head with the lowest sequence goes next.
    let lowest = |heads: &[Option<(u64, Event)>]| {
        (0..heads.len()).filter(|&i| heads[i].is_some()).min_by_key(|&i| heads[i].as_ref().map(|h| h.0))
    };
    while let Some(i) = lowest(&heads) {
        let (id, event) = heads[i].take().expect("a head");
        heads[i] = sources[i].recv().await.transpose()?;
        if !sink.push(id, event).await {
            return Ok(());
        }
    }
    sink.finish().await
}

/// Where a replay's events go in sequence order: matched against the whole filter, cut at
/// the limit, or, for the newest `limit`, kept until the end.
struct Sink<'a> {
    query: ReplayQuery,
    tx: &'a mpsc::Sender<Result<StoredEvent, StoreError>>,
    limit: u64,
    sent: u64,
    newest: VecDeque<StoredEvent>,
}

impl<'a> Sink<'a> {
    fn new(query: ReplayQuery, tx: &'a mpsc::Sender<Result<StoredEvent, StoreError>>) -> Self {
        let limit = query.limit.unwrap_or(u64::MAX);
        Sink { query, tx, limit, sent: 0, newest: VecDeque::new() }
    }

    /// Take one event; false once the replay is done (limit reached or client gone).
    async fn push(&mut self, id: u64, event: Event) -> bool {
        if !self.query.filter.matches(&event) {
            return true;
        }
        if self.query.newest && self.query.limit.is_some() {
            if self.newest.len() as u64 == self.limit {
                self.newest.pop_front();
            }
            self.newest.push_back(StoredEvent { id, event });
            return true;
        }
        if self.tx.send(Ok(StoredEvent { id, event })).await.is_err() {
            return false;
        }
        self.sent += 1;
        self.sent < self.limit
    }

    /// Send what was kept for the end (the newest `limit`).
    async fn finish(self) -> Result<(), StoreError> {
        for e in self.newest {
            if self.tx.send(Ok(e)).await.is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Where one subject's reader puts its events: a channel to the merge, or the sink itself.
enum Out<'a, 'b> {
    Merge(&'a mpsc::Sender<Item>),
    Sink(&'a mut Sink<'b>),
}

impl Out<'_, '_> {
    /// False once nobody wants more.
    async fn put(&mut self, id: u64, event: Event) -> bool {
        match self {
            Out::Merge(tx) => tx.send(Ok((id, event))).await.is_ok(),
            Out::Sink(sink) => sink.push(id, event).await,
        }
    }
}

/// One subject's messages from `start` (time) up to sequence `last`, in sequence order.
async fn read_subject(
    client: Client,
    stream: Stream,
    subject: String,
    start: Option<time::OffsetDateTime>,
    last: u64,
    tx: mpsc::Sender<Item>,
) {
    if let Err(e) = read_subject_inner(client, stream, subject, start, last, &mut Out::Merge(&tx)).await {
        let _ = tx.send(Err(e)).await;
    }
}

async fn read_subject_inner(
    client: Client,
    stream: Stream,
    subject: String,
    start: Option<time::OffsetDateTime>,
    last: u64,
    out: &mut Out<'_, '_>,
) -> Result<(), StoreError> {
    let deliver_policy = match start {
        Some(start_time) => DeliverPolicy::ByStartTime { start_time },
        None => DeliverPolicy::All,
    };
    // The whole stream unfiltered: the server's fast path (a filter equal to the stream's
    // subjects is still treated as a filter by nats-server 2.9).
    let filter_subject = if subject == subjects::ALL { String::new() } else { subject };
    let mut messages = super::pull::Messages::replay(client, stream, filter_subject, deliver_policy);
    while let Some(message) = messages.next().await? {
        let (id, pending) = (message.sequence, message.pending);
        if id > last {
            return Ok(());
        }
        let event = Event::decode(message.payload).map_err(|source| StoreError::Corrupt { id, source })?;
        if !out.put(id, event).await || id == last || pending == 0 {
            return Ok(());
        }
    }
    Ok(())
}
