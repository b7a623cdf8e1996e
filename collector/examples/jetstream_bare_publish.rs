//! The baseline of the JetStream store's ingest, for `cargo xtask bench --only jetstream`
//! (built in release, as the collector is): publishes the events of a file of batches as the
//! store does (one message per event, the store's subject and message id, acks awaited) but
//! with nothing else — no gRPC, no validation, no high-water marks — keeping up to
//! `MAX_ACKS_IN_FLIGHT` acks outstanding in a sliding window, into a new stream with the
//! store's settings. Prints the seconds from the first publish to the last ack.
//!
//! `jetstream_bare_publish NATS_URL REPLICAS STREAM BATCHES_FILE`, where BATCHES_FILE holds
//! length-delimited `rampart.v1.Batch` messages and NATS_URL is `nats://h:p[,h:p...]`.

use std::{collections::VecDeque, time::Duration};

use anyhow::{Context as _, bail};
use async_nats::jetstream::{self, message::PublishMessage, stream};
use prost::Message as _;
use rampart_collector::store::jetstream::{MAX_ACKS_IN_FLIGHT, subjects};
use rampart_proto::v1::Batch;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, replicas, name, file] = args.as_slice() else {
        bail!("usage: jetstream_bare_publish NATS_URL REPLICAS STREAM BATCHES_FILE");
    };
    let replicas: usize = replicas.parse().context("REPLICAS")?;
    let servers: Vec<String> =
        url.trim_start_matches("nats://").split(',').map(|s| format!("nats://{s}")).collect();
    let mut bytes = bytes::Bytes::from(std::fs::read(file).with_context(|| format!("reading {file}"))?);
    let mut batches = Vec::new();
    while !bytes.is_empty() {
        batches.push(Batch::decode_length_delimited(&mut bytes).context("a batch")?);
    }
    let js =
        jetstream::ContextBuilder::new().max_ack_inflight(1 << 30).build(async_nats::connect(servers).await?);
    // Its own subjects, so it can share a server with the store's stream.
    let prefix = format!("bare.{}", name.to_lowercase());
    js.create_stream(stream::Config {
        name: name.clone(),
        subjects: vec![format!("{prefix}.>")],
        storage: stream::StorageType::File,
        num_replicas: replicas,
        duplicate_window: Duration::from_secs(120),
        discard: stream::DiscardPolicy::Old,
        allow_direct: true,
        ..Default::default()
    })
    .await?;
    let start = std::time::Instant::now();
    let mut acks = VecDeque::with_capacity(MAX_ACKS_IN_FLIGHT);
    for batch in batches {
        for (i, mut event) in batch.events.into_iter().enumerate() {
            event.node = "bench".into();
            let subject = subjects::of(&event).replacen(subjects::PREFIX, &prefix, 1);
            let message = PublishMessage::build().payload(event.encode_to_vec().into()).message_id(format!(
                "bench/{}/{}",
                batch.boot_id,
                batch.first_sequence + i as u64
            ));
            if acks.len() == MAX_ACKS_IN_FLIGHT {
                acks.pop_front().expect("full").await?;
            }
            acks.push_back(js.send_publish(subject, message).await?);
        }
    }
    for ack in acks {
        ack.await?;
    }
    println!("{}", start.elapsed().as_secs_f64());
    Ok(())
}
