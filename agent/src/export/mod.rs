//! Where events go: JSON lines (`--events-out PATH|-`, the proto3 JSON mapping of
//! `rampart.v1.Event`, one per line) and the collector (`--collector URL`).
//!
//! Toward the collector, events are numbered per agent boot (a random boot id, sequences from
//! 1 without gaps) and sealed into batches at every flush (after each ring-buffer read) or
//! every [`MAX_BATCH_EVENTS`]; [`client`] streams them with acks, and [`spool`] keeps them on
//! disk while the collector is away. (node, boot id, sequence) is what the collector
//! deduplicates on, so resending is always safe.

pub mod client;
pub mod config;
pub mod loadgen;
pub mod observing;
pub mod spool;
pub mod tls;

use std::{
    fs::OpenOptions,
    io::{self, BufWriter, Write},
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use prost::Message as _;
use rampart_proto::{
    v1::{ConcernTier, Event, Hello, RuleStatus, concern_tier},
    wire::Batch,
};
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    caps::{Concern, ProbeReport},
    enforce::{feasibility::RuleFeasibility, proto_tier},
    telemetry::Metrics,
};
pub use config::{CollectorConfig, ExportArgs};

/// Events per batch at most (a batch is also sealed at every flush).
pub const MAX_BATCH_EVENTS: usize = 512;
/// How long shutdown waits for the collector to ack what is pending before spooling it.
pub const CLOSE_DRAIN: Duration = Duration::from_secs(3);

/// Where `--events-out` points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventsOut {
    Stdout,
    File(PathBuf),
}

impl EventsOut {
    pub fn parse(s: &str) -> Self {
        if s == "-" { EventsOut::Stdout } else { EventsOut::File(s.into()) }
    }
}

pub struct Exporter {
    lines: Option<BufWriter<Box<dyn Write + Send>>>,
    collector: Option<ToCollector>,
}

/// Events are encoded into buffers of this size, each event's bytes split off and shared.
const ENCODE_CHUNK: usize = 64 << 10;

/// The sending side of the collector export.
struct ToCollector {
    boot_id: String,
    next_sequence: u64,
    /// The next batch's events, each encoded once: a batch moves, is kept and is resent as
    /// these bytes (see `rampart_proto::wire`).
    pending: Vec<Bytes>,
    /// Where events are encoded; each event's bytes are split off it.
    encoded: BytesMut,
    commands: mpsc::UnboundedSender<client::Command>,
    task: Option<JoinHandle<()>>,
}

impl ToCollector {
    /// Sequences of boot `boot_id` start at 1.
    fn new(
        boot_id: String,
        commands: mpsc::UnboundedSender<client::Command>,
        task: Option<JoinHandle<()>>,
    ) -> Self {
        ToCollector {
            boot_id,
            next_sequence: 1,
            pending: Vec::new(),
            encoded: BytesMut::new(),
            commands,
            task,
        }
    }

    fn push(&mut self, event: &Event) {
        // A BytesMut grows as it is written: an event larger than what is left still fits.
        if self.encoded.capacity() < ENCODE_CHUNK / 4 {
            self.encoded.reserve(ENCODE_CHUNK);
        }
        event.encode(&mut self.encoded).expect("a BytesMut has room for any event");
        self.pending.push(self.encoded.split().freeze());
        if self.pending.len() >= MAX_BATCH_EVENTS {
            self.seal();
        }
    }

    fn seal(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let events = std::mem::take(&mut self.pending);
        let batch = Batch { boot_id: self.boot_id.clone(), first_sequence: self.next_sequence, events };
        self.next_sequence += batch.events.len() as u64;
        // The task ends only after the sender does: this cannot fail while we hold it.
        let _ = self.commands.send(client::Command::Batch(batch));
    }
}

/// A new random boot id (a UUID from the kernel).
pub fn new_boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid").map(|s| s.trim().to_string()).unwrap_or_else(
        |_| {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            format!("{:x}-{:x}", t.as_nanos(), std::process::id())
        },
    )
}

fn proto_concern(c: Concern) -> concern_tier::Concern {
    match c {
        Concern::Network => concern_tier::Concern::Network,
        Concern::Rootfs => concern_tier::Concern::Rootfs,
        Concern::Privilege => concern_tier::Concern::Privilege,
    }
}

/// The Hello: who this agent is and what it can enforce.
pub fn hello(node: &str, boot_id: &str, report: &ProbeReport) -> Hello {
    Hello {
        node: node.into(),
        boot_id: boot_id.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        tiers: Concern::ALL
            .iter()
            .map(|c| {
                let r = report.concern(*c);
                ConcernTier {
                    concern: proto_concern(*c) as i32,
                    tier: proto_tier(r.tier) as i32,
                    reason: r.tiers.get(&r.tier).map(|s| s.reason.clone()).unwrap_or_default(),
                }
            })
            .collect(),
        stats: None,
        unobserved_before: None,
    }
}

/// The rules in force and what this node does with them, for the collector's `Status`;
/// `audited(policy, rule)`: the events it reported but did not block.
pub fn rule_statuses(rules: &[RuleFeasibility], audited: impl Fn(&str, &str) -> u64) -> Vec<RuleStatus> {
    rules
        .iter()
        .map(|r| RuleStatus {
            policy: r.policy.clone(),
            rule: r.rule.into(),
            concern: proto_concern(r.concern) as i32,
            mode: r.mode.into(),
            tier: proto_tier(r.tier) as i32,
            degraded: r.degraded,
            reason: r.reason.clone(),
            audited: audited(&r.policy, r.rule),
        })
        .collect()
}

impl Exporter {
    pub fn open(out: Option<&EventsOut>) -> io::Result<Self> {
        let lines = match out {
            None => None,
            Some(EventsOut::Stdout) => Some(BufWriter::new(Box::new(io::stdout()) as Box<dyn Write + Send>)),
            Some(EventsOut::File(path)) => {
                let f = OpenOptions::new().create(true).append(true).open(path)?;
                Some(BufWriter::new(Box::new(f) as Box<dyn Write + Send>))
            }
        };
        Ok(Exporter { lines, collector: None })
    }

    /// Also stream to the collector (when configured): opens the spool and starts the export
    /// task. Must be called inside the tokio runtime.
    pub fn with_collector(
        mut self,
        cfg: Option<&CollectorConfig>,
        hello: Hello,
        metrics: &Arc<Metrics>,
    ) -> io::Result<Self> {
        let Some(cfg) = cfg else { return Ok(self) };
        let spool = cfg.spool_dir.as_deref().map(|d| spool::Spool::open(d, cfg.spool_size)).transpose()?;
        let (commands, rx) = mpsc::unbounded_channel();
        let boot_id = hello.boot_id.clone();
        let task = client::ExportTask::new(cfg, hello, Arc::clone(metrics), spool);
        let task = tokio::spawn(task.run(rx));
        self.collector = Some(ToCollector::new(boot_id, commands, Some(task)));
        Ok(self)
    }

    /// One event to every sink: a JSON line, and the next batch to the collector.
    pub fn send(&mut self, event: Event) -> io::Result<()> {
        let written = match &mut self.lines {
            Some(w) => event.write_json_line(w),
            None => Ok(()),
        };
        if let Some(c) = &mut self.collector {
            c.push(&event);
        }
        written
    }

    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(c) = &mut self.collector {
            c.seal();
        }
        match &mut self.lines {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }

    /// At shutdown: seal what is pending, give the collector [`CLOSE_DRAIN`] to ack it, and
    /// keep the rest in the spool.
    pub async fn close(&mut self) {
        self.close_within(CLOSE_DRAIN).await;
    }

    /// [`Exporter::close`] with its own drain time.
    pub async fn close_within(&mut self, drain: Duration) {
        let _ = self.flush();
        if let Some(c) = &mut self.collector {
            let _ = c.commands.send(client::Command::Close(drain));
            if let Some(task) = c.task.take() {
                let _ = task.await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_collector() -> (ToCollector, mpsc::UnboundedReceiver<client::Command>) {
        let (commands, rx) = mpsc::unbounded_channel();
        (ToCollector::new("boot".into(), commands, None), rx)
    }

    /// Events of every size, some larger than an encoding chunk, come out of the batches as
    /// they went in, numbered without gaps.
    #[test]
    fn events_encoded_into_shared_chunks_come_out_of_the_batches_as_sent() {
        let (mut c, mut rx) = to_collector();
        let sent: Vec<Event> = (0..MAX_BATCH_EVENTS + 100)
            .map(|i| Event {
                node: "x".repeat(if i % 97 == 0 { ENCODE_CHUNK + i } else { i % 300 }),
                repeat_count: i as u64,
                ..Default::default()
            })
            .collect();
        for e in &sent {
            c.push(e);
        }
        c.seal();
        let mut got = Vec::new();
        let mut next = 1;
        while let Ok(client::Command::Batch(b)) = rx.try_recv() {
            assert_eq!((b.boot_id.as_str(), b.first_sequence), ("boot", next));
            next += b.events.len() as u64;
            got.extend(b.events.iter().map(|e| Event::decode(e.clone()).expect("decodes")));
        }
        assert_eq!(got.len(), sent.len());
        assert!(got == sent, "an event changed on the way");
    }
}
