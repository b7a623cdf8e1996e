//! The collector's client in `cargo xtask bench --only collector,jetstream`, built in release as the
//! collector and the bare publish are, so the client's own cost is not what is measured:
//!
//! - `grpc_client write COLLECTOR_URL NODE BATCHES_FILE [TOKEN]`: one agent boot's batches from
//!   a file (length-delimited `rampart.v1.Batch` messages), sent over one Ingest stream as the
//!   agent sends them: each event as the bytes it was encoded into once (`rampart_proto::wire`),
//!   all in flight (the collector pipelines and acks them in order), with
//!   `TOKEN` as the stream's bearer token if given. Prints the seconds from the first batch to
//!   the last ack.
//! - `grpc_client replay COLLECTOR_URL`: a Replay of everything. Prints the events and the
//!   seconds, space-separated.
//! - `grpc_client subscribe COLLECTOR_URL NAMESPACE`: a live subscriber of one namespace (`cargo
//!   xtask bench --only capacity`), until its standard input closes. Prints each event's
//!   latency (receive time − the event's time, ns) on a line of its own, then `missed N`: the
//!   events the collector said this subscriber missed.

use anyhow::{Context as _, bail};
use prost::Message as _;
use rampart_proto::{
    v1::{
        Filter, Hello, ReplayRequest, SubscribeRequest, collector_client::CollectorClient, collector_message,
        subscribe_response,
    },
    wire::{AgentMessage, Batch, agent_message, ingest_client::IngestClient},
};
use tokio_stream::wrappers::ReceiverStream;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["write", url, node, file] => write(url, node, file, None).await,
        ["write", url, node, file, token] => write(url, node, file, Some(token)).await,
        ["replay", url] => replay(url).await,
        ["subscribe", url, namespace] => subscribe(url, namespace).await,
        _ => bail!(
            "usage: grpc_client write COLLECTOR_URL NODE BATCHES_FILE [TOKEN] | replay COLLECTOR_URL | subscribe COLLECTOR_URL NAMESPACE"
        ),
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

async fn subscribe(url: &str, namespace: &str) -> anyhow::Result<()> {
    use std::{
        io::{Read as _, Write as _},
        time::{SystemTime, UNIX_EPOCH},
    };
    let channel =
        tonic::transport::Endpoint::from_shared(url.to_string())?.tcp_nodelay(true).connect().await?;
    let filter = Filter { namespaces: vec![namespace.to_string()], ..Default::default() };
    let mut live = CollectorClient::new(channel)
        .subscribe(SubscribeRequest { filter: Some(filter) })
        .await?
        .into_inner();
    let (closed, mut stop) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = closed.send(());
    });
    let (mut latencies, mut missed) = (Vec::new(), 0_u64);
    loop {
        let msg = tokio::select! {
            msg = live.message() => msg?,
            _ = &mut stop => break,
        };
        let Some(msg) = msg else { break };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
        match msg.item {
            Some(subscribe_response::Item::Event(e)) => {
                if let Some(t) = e.time {
                    latencies.push(now - t.unix_nanos());
                }
            }
            Some(subscribe_response::Item::Missed(m)) => missed += m.events,
            None => {}
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for l in latencies {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "missed {missed}")?;
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
