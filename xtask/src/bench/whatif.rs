//! What-if against plain reading of the same stored window.
//!
//! - Judging cost, in process on the collector's store (`collector/examples/whatif_judge_cost`,
//!   built in release): reading every event of the window (the baseline) against reading and
//!   judging each with 20 candidate policies, as the `WhatIf` RPC does. Goal: at least 0.8 of
//!   the read rate (judging must not be the bottleneck).
//! - Over gRPC, reported: `WhatIf` against `Replay` of the same window (replay also sends every
//!   event to the client, what-if only the report).
//! - Memory: the collector's peak RSS during a what-if over the whole store against one over a
//!   tenth of it, each on a freshly started collector. Goal: at most 1.2 (memory stays flat as
//!   the window grows).
//!
//! Baseline and measured runs alternate in each round, so drift hits both alike; results are
//! medians.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use rampart_proto::{
    v1::{
        AgentMessage, Batch, Event, File, Filter, Flow, PolicySource, Privilege, WhatIfRequest,
        agent_message, collector_client::CollectorClient, collector_message, event::Body, file, flow,
        privilege, verdict, what_if_response,
    },
    wkt::Timestamp,
};
use rampart_tests::{
    collector::{Collector, CollectorOptions},
    grpc::{self, IngestStream, runtime},
};

use super::{Goal, client, segments::median};

const BATCH: usize = 1024;
const NAMESPACES: usize = 20;
const BASE_NS: i64 = 1_767_225_600_000_000_000;

/// Event `i`: a connection's open or close, a root filesystem write, or an escalation, in one of
/// 20 namespaces × 50 pods.
fn event(i: usize) -> Event {
    let ns = format!("ns-{}", i % NAMESPACES);
    let mut e = grpc::event(
        BASE_NS + i as i64 * 1000,
        &ns,
        &format!("pod-{}", i % 50),
        "web",
        verdict::Action::Allow,
    );
    e.body = Some(match i % 4 {
        0 | 1 => Body::Flow(Flow {
            direction: flow::Direction::Egress as i32,
            protocol: flow::Protocol::Tcp as i32,
            phase: if i.is_multiple_of(4) { flow::Phase::Open } else { flow::Phase::Close } as i32,
            local_ip: "10.244.1.7".into(),
            local_port: 40_000 + (i % 20_000) as u32,
            remote_ip: format!("10.{}.{}.{}", i % 7, (i / 7) % 250, i % 250),
            remote_port: [80, 443, 5432, 6379, 8080][i % 5],
            ..Default::default()
        }),
        2 => Body::File(File {
            operation: file::Operation::Create as i32,
            path: ["/var/cache/app/x", "/etc/passwd", "/tmp/y", "/usr/lib/z.so"][(i / 4) % 4].into(),
            mount: "/".into(),
            took_effect: true,
            ..Default::default()
        }),
        _ => Body::Privilege(Privilege {
            operation: privilege::Operation::Setuid as i32,
            ..Default::default()
        }),
    });
    e
}

/// The candidates: per namespace, egress to three networks on three ports, a read-only root
/// filesystem with two writable prefixes, escalation denied.
fn candidates() -> Vec<PolicySource> {
    (0..NAMESPACES)
        .map(|n| PolicySource {
            name: format!("ns-{n}.yaml"),
            content: format!(
                "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {{name: web, namespace: ns-{n}}}\n\
                 spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  mode: enforce\n  network:\n    egress:\n\
                 \x20     - to: [{{cidr: 10.0.0.0/16}}, {{cidr: 10.1.0.0/16, except: [10.1.9.0/24]}}, {{cidr: 10.2.0.0/16}}]\n\
                 \x20       ports: [{{port: 443}}, {{port: 5432}}, {{port: 8080}}]\n\
                 \x20 filesystem: {{rootfs: readOnly, allowWrite: [/var/cache, /tmp]}}\n  privilege: {{escalation: deny}}\n"
            ),
        })
        .collect()
}

async fn ingest(url: &str, n: usize) -> anyhow::Result<()> {
    let mut s = IngestStream::open(url, "bench-whatif").await?;
    let out = s.out.clone();
    let boot = s.boot_id.clone();
    let batches = n.div_ceil(BATCH);
    let sender = tokio::spawn(async move {
        for k in 0..batches {
            let events = (k * BATCH..((k + 1) * BATCH).min(n)).map(event).collect();
            let batch = Batch { boot_id: boot.clone(), first_sequence: (k * BATCH) as u64 + 1, events };
            let m = AgentMessage { message: Some(agent_message::Message::Batch(batch)) };
            if out.send(m).await.is_err() {
                return;
            }
        }
    });
    for _ in 0..batches {
        match s.answer().await?.message {
            Some(collector_message::Message::Ack(_)) => {}
            other => bail!("batch not acked: {other:?}"),
        }
    }
    sender.await?;
    Ok(())
}

fn window(events: usize) -> Filter {
    Filter {
        since: Some(Timestamp::from_unix_nanos(BASE_NS)),
        until: Some(Timestamp::from_unix_nanos(BASE_NS + events as i64 * 1000)),
        ..Default::default()
    }
}

/// A replay of everything stored (the window of all `n` events) by the release client.
fn replay(url: &str, n: usize) -> anyhow::Result<f64> {
    let (got, secs) = client::replay_all(url)?;
    if got != n as u64 {
        bail!("replay returned {got} of {n} events");
    }
    Ok(n as f64 / secs)
}

/// What-if over the first `n` events; (events per second, changes reported).
async fn what_if(url: &str, n: usize) -> anyhow::Result<(f64, u64)> {
    let mut client = CollectorClient::new(grpc::channel(url).await).max_decoding_message_size(64 << 20);
    let start = Instant::now();
    let request =
        WhatIfRequest { filter: Some(window(n)), candidates: candidates(), base: Vec::new(), samples: 3 };
    let mut stream = client.what_if(request).await?.into_inner();
    while let Some(item) = stream.message().await? {
        if let Some(what_if_response::Item::Report(r)) = item.item {
            if r.events_read != n as u64 {
                bail!("what-if read {} of {n} events", r.events_read);
            }
            return Ok((n as f64 / start.elapsed().as_secs_f64(), r.changed));
        }
    }
    bail!("what-if ended without a report")
}

fn rss_kib(pid: u32) -> u64 {
    super::procfs::rss_kib(pid).map_or(0, |k| k as u64)
}

/// The collector's peak RSS (KiB) while `f` runs, sampled every 10 ms.
fn peak_rss<T>(pid: u32, f: impl FnOnce() -> T) -> (T, u64) {
    let peak = Arc::new(AtomicU64::new(rss_kib(pid)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let out = f();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    (out, peak.load(Ordering::Relaxed))
}

/// Stop the collector and start it again on the same store: a fresh process, so what an
/// earlier request left in the heap does not count.
fn fresh(collector: &mut Collector) -> anyhow::Result<u32> {
    collector.stop();
    collector.restart();
    collector.pid().context("the collector's pid")
}

pub fn bench(rounds: usize, quick: bool) -> anyhow::Result<Vec<Goal>> {
    println!("\n==> what-if: judging stored history against plain reading of it");
    let n = if quick { 100_000 } else { 1_000_000 };
    let root = crate::workspace_root();
    client::build(&["whatif_judge_cost", client::CLIENT])?;
    let rt = runtime();
    let mut collector = Collector::start(CollectorOptions::default());
    let start = Instant::now();
    rt.block_on(ingest(&collector.url(), n))?;
    println!("    {n} events stored in {:.1}s", start.elapsed().as_secs_f64());
    let url = collector.url();
    let (mut replays, mut whatifs, mut small_peaks, mut full_peaks) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut changed = 0;
    for round in 0..rounds {
        let pid = fresh(&mut collector)?;
        let (small_run, small) = peak_rss(pid, || rt.block_on(what_if(&url, n / 10)));
        small_run?;
        let pid = fresh(&mut collector)?;
        let (full_run, full) = peak_rss(pid, || rt.block_on(what_if(&url, n)));
        let (w, c) = full_run?;
        let r = replay(&url, n)?;
        changed = c;
        replays.push(r);
        whatifs.push(w);
        small_peaks.push(small as f64);
        full_peaks.push(full as f64);
        println!(
            "    round {round}: gRPC replay {r:>9.0}/s  what-if {w:>9.0}/s ({changed} changes)  peak RSS {:.1} MiB (a tenth) / {:.1} MiB (all)",
            small as f64 / 1024.0,
            full as f64 / 1024.0
        );
    }
    collector.stop();

    let dir = tempfile::tempdir()?;
    for c in candidates() {
        std::fs::write(dir.path().join(&c.name), c.content)?;
    }
    let out = std::process::Command::new(root.join("target/release/examples/whatif_judge_cost"))
        .arg(&collector.store)
        .args([
            BASE_NS.to_string(),
            (BASE_NS + n as i64 * 1000).to_string(),
            n.to_string(),
            rounds.to_string(),
        ])
        .arg(dir.path())
        .output()
        .context("running whatif_judge_cost")?;
    if !out.status.success() {
        bail!("whatif_judge_cost failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let (mut reads, mut judged) = (Vec::new(), Vec::new());
    for (round, line) in String::from_utf8_lossy(&out.stdout).lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let (r, j) = (v["read"].as_f64().unwrap_or(0.0), v["judged"].as_f64().unwrap_or(0.0));
        println!("    round {round}: in process, read {r:>9.0}/s  read and judge {j:>9.0}/s");
        reads.push(r);
        judged.push(j);
    }
    let (replay, whatif) = (median(replays), median(whatifs));
    let (read, judge) = (median(reads), median(judged));
    let (small, full) = (median(small_peaks), median(full_peaks));
    Ok(vec![
        Goal::at_least(
            "what-if: read and judge / read (same window, in process)",
            judge / read,
            "ratio",
            0.8,
            format!("{judge:.0} vs {read:.0} events/s over {n} stored events, 20 candidate policies"),
        ),
        Goal::reported(
            "what-if rate over gRPC",
            whatif,
            "ev/s",
            format!(
                "{:.2} of a gRPC replay of the same window ({replay:.0} ev/s); {changed} changes",
                whatif / replay
            ),
        ),
        Goal::at_most(
            "collector peak RSS, what-if over all / over a tenth",
            full / small,
            "ratio",
            1.2,
            format!("{:.1} vs {:.1} MiB, each on a fresh collector", full / 1024.0, small / 1024.0),
        ),
    ])
}
