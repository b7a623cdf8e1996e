//! Replays: one ordered consumer per subject of the filter, from the window's start time to
//! the sequence that was last when the replay began (or the subscriber's watermark), merged by
//! sequence and matched against the whole filter.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use async_nats::jetstream::{
    consumer::{DeliverPolicy, pull},
    stream::Stream,
};
use futures_util::StreamExt as _;
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
    stream: Stream,
    query: ReplayQuery,
    metrics: Arc<NatsMetrics>,
) -> mpsc::Receiver<Result<StoredEvent, StoreError>> {
    let (tx, rx) = mpsc::channel(REPLAY_BUFFER);
    tokio::spawn(async move {
        if let Err(e) = run(stream, query, &tx).await {
            metrics.errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

fn failed(what: &'static str) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    move |source| StoreError::Nats { what, source }
}

async fn run(
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
    let mut sources = Vec::new();
    for subject in subjects::for_filter(&query.filter) {
        let (stx, srx) = mpsc::channel(PER_SUBJECT);
        tokio::spawn(read_subject(stream.clone(), subject, start, last, stx));
        sources.push(srx);
    }
    let mut heads: Vec<Option<(u64, Event)>> = Vec::with_capacity(sources.len());
    for s in &mut sources {
        heads.push(s.recv().await.transpose()?);
    }
    let limit = query.limit.map_or(u64::MAX, |l| l);
    let mut sent = 0_u64;
    let mut newest = VecDeque::new();
    // The head with the lowest sequence goes next.
    let lowest = |heads: &[Option<(u64, Event)>]| {
        (0..heads.len()).filter(|&i| heads[i].is_some()).min_by_key(|&i| heads[i].as_ref().map(|h| h.0))
    };
    while let Some(i) = lowest(&heads) {
        let (id, event) = heads[i].take().expect("a head");
        heads[i] = sources[i].recv().await.transpose()?;
        if !query.filter.matches(&event) {
            continue;
        }
        if query.newest && query.limit.is_some() {
            if newest.len() as u64 == limit {
                newest.pop_front();
            }
            newest.push_back(StoredEvent { id, event });
            continue;
        }
        if tx.send(Ok(StoredEvent { id, event })).await.is_err() {
            return Ok(());
        }
        sent += 1;
        if sent == limit {
            return Ok(());
        }
    }
    for e in newest {
        if tx.send(Ok(e)).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// One subject's messages from `start` (time) up to sequence `last`, in sequence order.
async fn read_subject(
    stream: Stream,
    subject: String,
    start: Option<time::OffsetDateTime>,
    last: u64,
    tx: mpsc::Sender<Item>,
) {
    if let Err(e) = read_subject_inner(stream, subject, start, last, &tx).await {
        let _ = tx.send(Err(e)).await;
    }
}

async fn read_subject_inner(
    stream: Stream,
    subject: String,
    start: Option<time::OffsetDateTime>,
    last: u64,
    tx: &mpsc::Sender<Item>,
) -> Result<(), StoreError> {
    let deliver_policy = match start {
        Some(start_time) => DeliverPolicy::ByStartTime { start_time },
        None => DeliverPolicy::All,
    };
    // The whole stream unfiltered: the server's fast path (a filter equal to the stream's
    // subjects is still treated as a filter by nats-server 2.9).
    let filter_subject = if subject == subjects::ALL { String::new() } else { subject };
    let config = pull::OrderedConfig { filter_subject, deliver_policy, ..Default::default() };
    // Through a failover, the consumer is made again until its messages flow.
    let messages = super::through_failover("starting a replay", || async {
        let consumer = super::ordered_consumer(&stream, config.clone()).await?;
        if consumer.cached_info().num_pending == 0 {
            return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(None);
        }
        Ok(Some(consumer.messages().await.map_err(Box::new)?))
    })
    .await?;
    let Some(mut messages) = messages else { return Ok(()) };
    while let Some(message) = messages.next().await {
        let message = message.map_err(|e| failed("reading a replay")(Box::new(e)))?;
        let info = message.info().map_err(|e| failed("reading a message's metadata")(e))?;
        let (id, pending) = (info.stream_sequence, info.pending);
        if id > last {
            return Ok(());
        }
        let event =
            Event::decode(message.payload.clone()).map_err(|source| StoreError::Corrupt { id, source })?;
        if tx.send(Ok((id, event))).await.is_err() || id == last || pending == 0 {
            return Ok(());
        }
    }
    Ok(())
}
