//! Following the stream: every event any collector stores goes to this collector's live
//! subscribers, in stream order. The watermark moves to an event's sequence before the hub
//! gets it, so a subscriber that read the watermark after registering misses nothing (what is
//! at or below it is replayed, what is above it is queued).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use async_nats::jetstream::{
    consumer::{DeliverPolicy, pull},
    stream::Stream,
};
use futures_util::StreamExt as _;
use prost::Message as _;
use rampart_proto::v1::Event;
use tracing::warn;

use super::NatsMetrics;
use crate::{AbortOnDrop, hub::Hub, store::StoreError};

/// Wait before following again after an error.
const RETRY: Duration = Duration::from_secs(1);

pub fn follow(
    stream: Stream,
    hub: Arc<Hub>,
    watermark: Arc<AtomicU64>,
    metrics: Arc<NatsMetrics>,
) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(async move {
        loop {
            let from = watermark.load(Relaxed) + 1;
            if let Err(e) = run(&stream, from, &hub, &watermark).await {
                metrics.errors.fetch_add(1, Relaxed);
                warn!(error = %e, from, "following the JetStream stream for live subscribers; retrying");
            }
            tokio::time::sleep(RETRY).await;
        }
    }))
}

async fn run(stream: &Stream, from: u64, hub: &Hub, watermark: &AtomicU64) -> Result<(), StoreError> {
    let failed = |what: &'static str| {
        move |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Nats { what, source: e }
    };
    let config = pull::OrderedConfig {
        // Every message of the stream, unfiltered (see `read`).
        filter_subject: String::new(),
        deliver_policy: DeliverPolicy::ByStartSequence { start_sequence: from },
        ..Default::default()
    };
    let consumer =
        super::with_attempt(stream.create_consumer(config)).await.map_err(failed("following the stream"))?;
    let mut messages = consumer.messages().await.map_err(|e| failed("following the stream")(Box::new(e)))?;
    while let Some(message) = messages.next().await {
        let message = message.map_err(|e| failed("following the stream")(Box::new(e)))?;
        let id = message.info().map_err(failed("reading a message's metadata"))?.stream_sequence;
        watermark.fetch_max(id, Relaxed);
        // With nobody subscribed, nothing to decode. A subscriber that registers now reads
        // a watermark of at least `id`, so it replays this event if it asked for history.
        if hub.is_empty() {
            continue;
        }
        match Event::decode(message.payload.clone()) {
            Ok(event) => hub.publish(&[(id, Arc::new(event))]),
            Err(source) => warn!(error = %StoreError::Corrupt { id, source }, "not sent to live subscribers"),
        }
    }
    Ok(())
}
