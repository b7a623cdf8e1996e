//! The JetStream store, for one server (R1) and a three-server cluster (R3) of real
//! `nats-server`s on loopback: the collector's ingest (agent batches over gRPC from
//! `collector/examples/grpc_client`, acked after JetStream acked every event) against a bare
//! async-nats publish of the same messages
//! (`collector/examples/jetstream_bare_publish`, built in release as the collector is: same
//! subjects and message ids, acks in flight in a sliding window) into a stream of the same
//! settings, each on fresh servers, the two alternating in order from round to round; and the
//! collector's replay rate (read by the same release client) against its ingest rate, once
//! the servers have settled after the ingest (under a tenth of a core: history is read from a
//! store at rest, not from servers still writing down the burst they acked). Medians.

use anyhow::bail;
use rampart_tests::{
    collector::{Collector, CollectorOptions},
    nats::Nats,
};

use super::{
    Goal,
    client::{self, CLIENT, seconds},
    collector::{BATCH, batches},
    segments::median,
};

const EXAMPLE: &str = "jetstream_bare_publish";

/// Wait until the servers use under a tenth of a core (over 200 ms), at most 30 s; how long
/// that took.
fn settle(nats: &Nats) -> anyhow::Result<std::time::Duration> {
    let started = std::time::Instant::now();
    let cpu = || -> anyhow::Result<f64> {
        nats.pids().into_iter().map(super::procfs::cpu_seconds).sum::<anyhow::Result<f64>>()
    };
    let window = std::time::Duration::from_millis(200);
    while started.elapsed() < std::time::Duration::from_secs(30) {
        let before = cpu()?;
        std::thread::sleep(window);
        if cpu()? - before < 0.1 * window.as_secs_f64() {
            break;
        }
    }
    Ok(started.elapsed())
}

pub fn bench(rounds: usize, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> JetStream store: collector ingest against a bare publish, replay (R1 and R3)");
    if !rampart_tests::nats::available() {
        bail!("nats-server is not installed: run cargo xtask setup");
    }
    client::build(&[EXAMPLE, CLIENT])?;
    let n = if quick { 20_000 } else { 100_000 };
    let data = batches(n);
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("batches.pb");
    client::write_batches(&file, "boot", &data)?;
    let mut goals = Vec::new();
    for replicas in [1_usize, 3] {
        let (mut ingest_ratio, mut replay_ratio, mut waits) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            // Each side gets servers of its own: a server that just took a burst of publishes
            // works on for seconds after (measured: the next reads ran at a fifth of the rate).
            let fresh = || if replicas == 1 { Nats::single() } else { Nats::cluster() };
            let file = file.display().to_string();
            let bare = || -> anyhow::Result<f64> {
                let nats = fresh();
                Ok(n as f64 / seconds(EXAMPLE, &[&nats.url(), &replicas.to_string(), "BARE", &file])?)
            };
            // Which goes first alternates, so neither always runs on a cooler machine.
            let b = if round % 2 == 1 { Some(bare()?) } else { None };
            let nats = fresh();
            let collector = Collector::start(CollectorOptions {
                store: Some(nats.url()),
                extra: vec!["--nats-replicas".into(), replicas.to_string()],
                ..Default::default()
            });
            let ingest = n as f64 / seconds(CLIENT, &["write", &collector.url(), "bench", &file])?;
            // History is replayed from a store at rest, not from servers still writing down
            // the burst they were just acked for.
            let waited = settle(&nats)?;
            let (got, secs) = client::replay_all(&collector.url())?;
            if got != n as u64 {
                bail!("replay returned {got} of {n} events");
            }
            let replay = n as f64 / secs;
            drop((collector, nats));
            let bare = match b {
                Some(b) => b,
                None => bare()?,
            };
            println!(
                "    R{replicas} round {round}: bare publish {bare:>8.0}/s  collector ingest {ingest:>8.0}/s  replay {replay:>8.0}/s (after {waited:.1?} for the servers to settle)"
            );
            ingest_ratio.push(ingest / bare);
            replay_ratio.push(replay / ingest);
            waits.push(waited.as_secs_f64());
        }
        goals.push(Goal::at_least(
            &format!("JetStream R{replicas}: collector ingest / bare async-nats publish"),
            median(ingest_ratio),
            "ratio",
            0.8,
            format!("{n} events in batches of {BATCH}: same subjects, message ids, acks in flight, both release builds"),
        ));
        goals.push(Goal::at_least(
            &format!("JetStream R{replicas}: collector replay rate / ingest rate"),
            median(replay_ratio),
            "ratio",
            2.0,
            format!(
                "a whole replay over gRPC against the ingest above, from servers at rest (they settled {:.1} s after the ingest, median)",
                median(waits)
            ),
        ));
    }
    Ok(goals)
}
