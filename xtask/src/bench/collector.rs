//! The collector: ingest rate into SQLite against a bare rusqlite insert of the same rows (the
//! fastest of several transaction sizes; goal: at least half of it), replay rate, and end to end from a synthetic agent with zero
//! loss. Bare insert and collector ingest alternate in each round, so drift hits both alike;
//! results are medians.

use std::{process::Command, time::Instant};

use anyhow::{Context as _, bail};
use rampart_collector::store::sqlite::baseline::bare_insert;
use rampart_proto::v1::{
    AgentMessage, Batch, Event, ReplayRequest, StatusRequest, agent_message,
    collector_client::CollectorClient, collector_message,
};
use rampart_tests::{
    agent::agent_bin,
    collector::{Collector, CollectorOptions},
    grpc::{self, IngestStream, runtime},
};

use super::{Goal, segments::median};

const BATCH: usize = 512;
/// Rows per transaction tried for the bare insert.
const BARE_COMMITS: [usize; 4] = [512, 2048, 8192, 20_000];

/// `n` events in batches of [`BATCH`], as one agent boot would send them.
fn batches(n: usize) -> Vec<(u64, Vec<Event>)> {
    let base = 1_767_225_600_000_000_000_i64;
    let events: Vec<Event> = (0..n)
        .map(|i| {
            let ns = if i % 3 == 0 { "bank" } else { "shop" };
            let action = if i % 10 == 0 {
                rampart_proto::v1::verdict::Action::Deny
            } else {
                rampart_proto::v1::verdict::Action::Allow
            };
            grpc::event(base + i as i64 * 1000, ns, &format!("web-{}", i % 16), "web", action)
        })
        .collect();
    events.chunks(BATCH).enumerate().map(|(k, c)| ((k * BATCH) as u64 + 1, c.to_vec())).collect()
}

/// Push every batch over one Ingest stream (the collector pipelines them); seconds until the
/// last ack.
async fn push(url: &str, batches: &[(u64, Vec<Event>)]) -> anyhow::Result<f64> {
    let mut s = IngestStream::open(url, "bench").await?;
    let out = s.out.clone();
    let boot = s.boot_id.clone();
    let messages: Vec<AgentMessage> = batches
        .iter()
        .map(|(first, events)| AgentMessage {
            message: Some(agent_message::Message::Batch(Batch {
                boot_id: boot.clone(),
                first_sequence: *first,
                events: events.clone(),
            })),
        })
        .collect();
    let start = Instant::now();
    let sender = tokio::spawn(async move {
        for m in messages {
            if out.send(m).await.is_err() {
                return;
            }
        }
    });
    for _ in 0..batches.len() {
        match s.answer().await?.message {
            Some(collector_message::Message::Ack(_)) => {}
            other => bail!("batch not acked: {other:?}"),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    sender.await?;
    Ok(secs)
}

/// Replay everything; (events, seconds).
async fn replay_all(url: &str) -> anyhow::Result<(u64, f64)> {
    let mut client = CollectorClient::new(grpc::channel(url).await).max_decoding_message_size(64 << 20);
    let start = Instant::now();
    let mut stream = client.replay(ReplayRequest::default()).await?.into_inner();
    let mut n = 0;
    while stream.message().await?.is_some() {
        n += 1;
    }
    Ok((n, start.elapsed().as_secs_f64()))
}

async fn stored(url: &str) -> anyhow::Result<u64> {
    let mut client = CollectorClient::new(grpc::channel(url).await);
    Ok(client.status(StatusRequest::default()).await?.into_inner().store.context("store")?.events)
}

pub fn bench(rounds: usize, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> collector: ingest into SQLite, replay, end to end");
    let n = if quick { 20_000 } else { 200_000 };
    let data = batches(n);
    let rt = runtime();
    let (mut bare, mut ingest, mut replay, mut e2e) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut lost = 0_u64;
    for round in 0..rounds {
        // The fastest bare configuration is the baseline.
        let mut best = 0.0_f64;
        for per_commit in BARE_COMMITS {
            let dir = tempfile::tempdir()?;
            let secs = bare_insert(&dir.path().join("bare.db"), &data, per_commit)?.as_secs_f64();
            best = best.max(n as f64 / secs);
        }
        bare.push(best);

        let collector = Collector::start(CollectorOptions::default());
        let secs = rt.block_on(push(&collector.url(), &data))?;
        ingest.push(n as f64 / secs);
        let (got, secs) = rt.block_on(replay_all(&collector.url()))?;
        if got != n as u64 {
            bail!("replay returned {got} of {n} events");
        }
        replay.push(n as f64 / secs);
        drop(collector);

        // End to end: the synthetic agent through the agent's export path.
        let collector = Collector::start(CollectorOptions::default());
        let out = Command::new(agent_bin())
            .args(["bench-export", "--events", &n.to_string(), "--collector", &collector.url()])
            .output()
            .context("running the synthetic agent")?;
        if !out.status.success() {
            bail!("bench-export failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let in_store = rt.block_on(stored(&collector.url()))?;
        lost += (n as u64).saturating_sub(in_store) + summary["drops"].as_u64().unwrap_or(u64::MAX);
        e2e.push(summary["events_per_second"].as_f64().unwrap_or(0.0));
        println!(
            "    round {round}: bare {:>9.0}/s  ingest {:>9.0}/s  replay {:>9.0}/s  end-to-end {:>9.0}/s ({in_store} stored)",
            bare[round], ingest[round], replay[round], e2e[round]
        );
    }
    let (bare, ingest, replay, e2e) = (median(bare), median(ingest), median(replay), median(e2e));
    Ok(vec![
        Goal::at_least(
            "collector ingest / bare rusqlite insert (same rows)",
            ingest / bare,
            "ratio",
            0.5,
            format!("{ingest:.0} vs {bare:.0} events/s, {n} events in batches of {BATCH}"),
        ),
        Goal::reported("collector replay rate", replay, "ev/s", format!("{n} events over gRPC")),
        Goal::reported(
            "end-to-end rate from a synthetic agent",
            e2e,
            "ev/s",
            "agent export path → collector → SQLite",
        ),
        Goal::at_most(
            "end-to-end events lost",
            lost as f64,
            "events",
            0.0,
            "store count and agent drops, all rounds",
        ),
    ])
}
