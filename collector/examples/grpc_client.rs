//! The collector's client in `cargo xtask bench --only collector,jetstream`, built in release as the
//! collector and the bare publish are, so the client's own cost is not what is measured:
//!
//! - `grpc_client write COLLECTOR_URL NODE BATCHES_FILE [TOKEN]`: one agent boot's batches from
//!   a file (length-delimited `rampart.v1.Batch` messages), sent over one Ingest stream as the
//!   agent sends them (all in flight; the collector pipelines and acks them in order), with
//!   `TOKEN` as the stream's bearer token if given. Prints the seconds from the first batch to
//!   the last ack.
//! - `grpc_client replay COLLECTOR_URL`: a Replay of everything. Prints the events and the
//!   seconds, space-separated.

use anyhow::{Context as _, bail};
use prost::Message as _;
use rampart_proto::v1::{
    AgentMessage, Batch, Hello, ReplayRequest, agent_message, collector_client::CollectorClient,
    collector_message, ingest_client::IngestClient,
};
use tokio_stream::wrappers::ReceiverStream;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["write", url, node, file] => write(url, node, file, None).await,
        ["write", url, node, file, token] => write(url, node, file, Some(token)).await,
        ["replay", url] => replay(url).await,
        _ => bail!("usage: grpc_client write COLLECTOR_URL NODE BATCHES_FILE [TOKEN] | replay COLLECTOR_URL"),
    }
}

async fn replay(url: &str) -> anyhow::Result<()> {
    let channel =
        tonic::transport::Endpoint::from_shared(url.to_string())?.tcp_nodelay(true).connect().await?;
    let mut client = CollectorClient::new(channel).max_decoding_message_size(64 << 20);
    let start = std::time::Instant::now();
    let mut stream = client.replay(ReplayRequest::default()).await?.into_inner();
    let mut n = 0_u64;
    while stream.message().await?.is_some() {
        n += 1;
    }
    println!("{n} {}", start.elapsed().as_secs_f64());
    Ok(())
}

async fn write(url: &str, node: &str, file: &str, token: Option<&str>) -> anyhow::Result<()> {
    let mut bytes = bytes::Bytes::from(std::fs::read(file).with_context(|| format!("reading {file}"))?);
    let mut batches = Vec::new();
    while !bytes.is_empty() {
        batches.push(Batch::decode_length_delimited(&mut bytes).context("a batch")?);
    }
    let Some(boot_id) = batches.first().map(|b| b.boot_id.clone()) else { bail!("{file}: no batches") };
    let channel =
        tonic::transport::Endpoint::from_shared(url.to_string())?.tcp_nodelay(true).connect().await?;
    let mut client = IngestClient::new(channel).max_encoding_message_size(256 << 20);
    let (tx, rx) = tokio::sync::mpsc::channel(batches.len() + 1);
    let hello = Hello { node: node.to_string(), boot_id, version: "bench".into(), ..Default::default() };
    tx.send(AgentMessage { message: Some(agent_message::Message::Hello(hello)) }).await?;
    let n = batches.len();
    let start = std::time::Instant::now();
    let mut request = tonic::Request::new(ReceiverStream::new(rx));
    if let Some(t) = token {
        request.metadata_mut().insert("authorization", format!("Bearer {t}").parse()?);
    }
    let mut inbound = client.stream(request).await?.into_inner();
    for b in batches {
        tx.send(AgentMessage { message: Some(agent_message::Message::Batch(b)) }).await?;
    }
    for _ in 0..n {
        match inbound.message().await?.and_then(|m| m.message) {
            Some(collector_message::Message::Ack(_)) => {}
            other => bail!("batch not acked: {other:?}"),
        }
    }
    println!("{}", start.elapsed().as_secs_f64());
    Ok(())
}
