//! Following the stream: every event any collector stores goes to this collector's live
//! subscribers, in stream order. The watermark moves to an event's sequence before the hub
//! gets it, so a subscriber that read the watermark after registering misses nothing (what is
//! at or below it is replayed, what is above it is queued). The stream is read as replays read
//! it ([`super::pull`]), waiting for new messages.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use async_nats::{Client, jetstream::stream::Stream};
use prost::Message as _;
use rampart_proto::v1::Event;
use tracing::warn;

use super::NatsMetrics;
use crate::{AbortOnDrop, hub::Hub, store::StoreError};

/// Wait before following again after an error.
const RETRY: Duration = Duration::from_secs(1);

pub fn follow(
    client: Client,
    stream: Stream,
    hub: Arc<Hub>,
    watermark: Arc<AtomicU64>,
    metrics: Arc<NatsMetrics>,
) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(async move {
        loop {
            let from = watermark.load(Relaxed) + 1;
            if let Err(e) = run(&client, &stream, from, &hub, &watermark).await {
                metrics.errors.fetch_add(1, Relaxed);
                warn!(error = %e, from, "following the JetStream stream for live subscribers; retrying");
            }
            tokio::time::sleep(RETRY).await;
        }
    }))
}

async fn run(
    client: &Client,
    stream: &Stream,
    from: u64,
    hub: &Hub,
    watermark: &AtomicU64,
) -> Result<(), StoreError> {
    let mut messages = super::pull::Messages::follow(client.clone(), stream.clone(), from);
    while let Some(message) = messages.next().await? {
        let id = message.sequence;
        watermark.fetch_max(id, Relaxed);
        // With nobody subscribed, nothing to decode. A subscriber that registers now reads
        // a watermark of at least `id`, so it replays this event if it asked for history.
        if hub.is_empty() {
            continue;
        }
        match Event::decode(message.payload) {
            Ok(event) => hub.publish(&[(id, Arc::new(event))]),
            Err(source) => warn!(error = %StoreError::Corrupt { id, source }, "not sent to live subscribers"),
        }
    }
    Ok(())
}
