//! The JetStream store, for one server (R1) and a three-server cluster (R3) of real
//! `nats-server`s on loopback: the collector's ingest (agent batches over gRPC from
//! `collector/examples/grpc_client`, acked after JetStream acked every event) against a bare
//! async-nats publish of the same messages (`collector/examples/jetstream_bare_publish`, built
//! in release as the collector is: same subjects and message ids, acks in flight in a sliding
//! window) into a stream of the same settings; and the collector's replay rate (read by the
//! same release client) against its ingest rate, once the servers have settled after the
//! ingest (under a tenth of a core: history is read from a store at rest, not from servers
//! still writing down the burst they acked). Each round runs the bare publish twice (its A/A
//! noise), the ingest and the replay, in a shuffled order, each on fresh servers; rounds go on
//! until both ratios are conclusive ([`interleaved`]).

use anyhow::{Context as _, bail};
use rampart_tests::{
    collector::{Collector, CollectorOptions},
    nats::Nats,
};

use super::{
    Goal,
    client::{self, CLIENT, seconds},
    collector::{BATCH, batches},
    segments::{Check, Rounds, Variant, interleaved, median},
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

/// What a variant's segment runs on: fresh servers, and for the collector's variants a
/// collector in front of them (for a replay, already holding the events, servers at rest).
/// The collector, first, stops before the servers.
struct Side {
    collector: Option<Collector>,
    nats: Nats,
    stored: bool,
}

pub fn bench(rounds: Rounds, quick: bool) -> anyhow::Result<Vec<Goal>> {
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
    let file = file.display().to_string();
    let mut goals = Vec::new();
    for replicas in [1_usize, 3] {
        // Each segment gets servers of its own: a server that just took a burst of publishes
        // works on for seconds after (measured: the next reads ran at a fifth of the rate).
        let fresh = move || if replicas == 1 { Nats::single() } else { Nats::cluster() };
        let collector = move |nats: &Nats| {
            Collector::start(CollectorOptions {
                store: Some(nats.url()),
                extra: vec!["--nats-replicas".into(), replicas.to_string()],
                ..Default::default()
            })
        };
        let waits = std::cell::RefCell::new(Vec::new());
        let file = file.as_str();
        let variants = [
            Variant {
                name: "A:none",
                start: Box::new(move || Ok(Box::new(Side { nats: fresh(), collector: None, stored: false }))),
            },
            Variant {
                name: "A2:none",
                start: Box::new(move || Ok(Box::new(Side { nats: fresh(), collector: None, stored: false }))),
            },
            Variant {
                name: "ingest",
                start: Box::new(move || {
                    let nats = fresh();
                    let c = collector(&nats);
                    Ok(Box::new(Side { nats, collector: Some(c), stored: false }))
                }),
            },
            Variant {
                name: "replay",
                start: Box::new(|| {
                    let nats = fresh();
                    let c = collector(&nats);
                    seconds(CLIENT, &["write", &c.url(), "bench", file])?;
                    // History is replayed from a store at rest, not from servers still writing
                    // down the burst they were just acked for.
                    waits.borrow_mut().push(settle(&nats)?.as_secs_f64());
                    Ok(Box::new(Side { nats, collector: Some(c), stored: true }))
                }),
            },
        ];
        let ingest_goal = Check { num: "A:none", den: "ingest", limit: 0.8, at_most: false };
        let replay_goal = Check { num: "ingest", den: "replay", limit: 2.0, at_most: false };
        // Nanoseconds per event in every variant: the ratios of rates are the inverse ratios.
        let m = interleaved(rounds, &variants, &[ingest_goal, replay_goal], |side| {
            let side = side.and_then(|s| s.downcast_ref::<Side>()).context("a JetStream side")?;
            let secs = match (&side.collector, side.stored) {
                (None, _) => seconds(EXAMPLE, &[&side.nats.url(), &replicas.to_string(), "BARE", file])?,
                (Some(c), false) => seconds(CLIENT, &["write", &c.url(), "bench", file])?,
                (Some(c), true) => {
                    let (got, secs) = client::replay_all(&c.url())?;
                    if got != n as u64 {
                        bail!("replay returned {got} of {n} events");
                    }
                    secs
                }
            };
            Ok(secs * 1e9 / n as f64)
        })?;
        let rate = |v: &str| 1e9 / m.get(v);
        goals.push(Goal::ratio(
            &format!("JetStream R{replicas}: collector ingest / bare async-nats publish"),
            &m,
            ingest_goal,
            format!(
                "{:.0} vs {:.0} events/s; {n} events in batches of {BATCH}: same subjects, message ids, acks in flight, both release builds",
                rate("ingest"),
                rate("A:none")
            ),
        ));
        goals.push(Goal::ratio(
            &format!("JetStream R{replicas}: collector replay rate / ingest rate"),
            &m,
            replay_goal,
            format!(
                "{:.0} events/s: a whole replay over gRPC against the ingest above, from servers at rest (they settled {:.1} s after the ingest, median)",
                rate("replay"),
                median(waits.take())
            ),
        ));
    }
    Ok(goals)
}
