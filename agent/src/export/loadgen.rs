//! `rampart-agent bench-export`: a synthetic agent. It generates exec events for a few pods
//! and streams them through the real export path (batches, window, acks, spool), then prints
//! one JSON line: events sent, seconds until the last ack, and what the collector said.
//! Generation is paced by acks (at most [`AHEAD`] events unacked), as a busy node is paced
//! by its ring buffer.

use std::{
    path::PathBuf,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use clap::Args;
use rampart_proto::{
    v1::{Event, Exec, Parent, Pod, Process, Verdict, event::Body, pod::Attribution, verdict},
    wkt::Timestamp,
};

use super::{CollectorConfig, Exporter};
use crate::telemetry::Metrics;

/// Events generated ahead of the collector's acks, at most: well inside the export's memory
/// queue, so a run without a spool loses nothing (and one that loses something says so).
const AHEAD: u64 = 8 * 1024;

#[derive(Args, Debug)]
pub struct LoadArgs {
    #[arg(long, value_name = "URL")]
    pub collector: String,
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    #[arg(long, default_value = "bench-node")]
    pub node_name: String,
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,
    /// How long to wait for the last acks.
    #[arg(long, default_value = "120s", value_parser = humantime::parse_duration)]
    pub drain: Duration,
    #[command(flatten)]
    pub tls: super::tls::TlsArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("opening the spool: {0}")]
    Spool(std::io::Error),
    #[error("{0}")]
    Config(crate::config::ConfigErrors),
}

/// A plausible exec event from one of eight pods.
pub fn synthetic_event(node: &str, i: u64) -> Event {
    let pod = i % 8;
    Event {
        time: Some(Timestamp::from(std::time::SystemTime::now())),
        node: node.into(),
        pod: Some(Pod {
            namespace: if pod < 4 { "shop" } else { "bank" }.into(),
            name: format!("web-{pod}"),
            uid: format!("0b6f2a4c-1d3e-4f5a-9b8c-7d6e5f4a3b{pod:02}"),
            labels: [("app".to_string(), "web".to_string()), ("tier".to_string(), "front".to_string())]
                .into(),
            container_id: format!("{:064x}", pod + 1),
            container_name: "main".into(),
            attribution: Attribution::Exact as i32,
            cgroup_id: 10_000 + pod,
            namespace_labels: [(
                "kubernetes.io/metadata.name".to_string(),
                if pod < 4 { "shop" } else { "bank" }.to_string(),
            )]
            .into(),
        }),
        process: Some(Process {
            pid: 1000 + (i % 30_000) as u32,
            tid: 1000 + (i % 30_000) as u32,
            comm: "curl".into(),
            binary: "/usr/bin/curl".into(),
            parent: Some(Parent { pid: 999, comm: "sh".into(), binary: "/bin/sh".into() }),
            ..Default::default()
        }),
        body: Some(Body::Exec(Exec {
            binary: "/usr/bin/curl".into(),
            args: vec!["curl".into(), "-s".into(), format!("http://api.shop.svc:8080/items/{i}")],
            args_truncated: false,
            held: false,
        })),
        verdict: Some(Verdict {
            action: verdict::Action::Allow as i32,
            tier: verdict::Tier::None as i32,
            ..Default::default()
        }),
        repeat_count: 0,
        redacted: false,
    }
}

pub async fn run(args: LoadArgs) -> Result<(), LoadError> {
    let metrics = Arc::new(Metrics::default());
    let mut errors = Vec::new();
    let tls = args.tls.load(&args.collector, &mut errors);
    let token_file = args.tls.token_file(&mut errors);
    if !errors.is_empty() {
        return Err(LoadError::Config(crate::config::ConfigErrors(errors)));
    }
    let cfg = CollectorConfig {
        url: args.collector,
        spool_dir: args.spool_dir,
        spool_size: 1 << 30,
        tls,
        token_file,
    };
    let boot = super::new_boot_id();
    let hello = rampart_proto::v1::Hello {
        node: args.node_name.clone(),
        boot_id: boot.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Default::default()
    };
    let mut exporter = Exporter::open(None)
        .and_then(|e| e.with_collector(Some(&cfg), hello, &metrics))
        .map_err(LoadError::Spool)?;
    let answered = || {
        let e = &metrics.export;
        e.events_stored.load(Relaxed) + e.events_duplicate.load(Relaxed) + e.total_drops()
    };
    let start = Instant::now();
    for i in 0..args.events {
        let _ = exporter.send(synthetic_event(&args.node_name, i));
        if (i + 1) % super::MAX_BATCH_EVENTS as u64 == 0 {
            let _ = exporter.flush();
            while i + 1 - answered().min(i + 1) > AHEAD {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::task::yield_now().await;
        }
    }
    exporter.close_within(args.drain).await;
    let seconds = start.elapsed().as_secs_f64();
    let e = &metrics.export;
    println!(
        "{}",
        serde_json::json!({
            "events": args.events,
            "seconds": seconds,
            "events_per_second": args.events as f64 / seconds,
            "stored": e.events_stored.load(Relaxed),
            "duplicates": e.events_duplicate.load(Relaxed),
            "drops": metrics.total_drops(),
            "spooled_events": e.spool_events.load(Relaxed),
            "boot_id": boot,
        })
    );
    Ok(())
}
