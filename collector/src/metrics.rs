//! The collector's `/metrics`, `/healthz` and `/readyz` (with `--metrics-addr`), served by
//! `rampart_telemetry`: ingest counters, live subscribers, readers of history, agent streams,
//! and the process's own figures. Read from the same counters `Status` reports; nothing here
//! touches the store, so a scrape never waits on a commit.

use std::{
    fmt::Write as _,
    sync::{Arc, atomic::Ordering::Relaxed},
};

use rampart_telemetry::family;
use tokio::sync::watch;

use crate::{
    access::Access, agents::Agents, hub::Hub, ingest::Counters, readers::Readers, store::StoreMetrics,
};

pub struct CollectorMetrics {
    pub counters: Arc<Counters>,
    pub hub: Arc<Hub>,
    pub agents: Arc<Agents>,
    pub readers: Readers,
    pub access: Arc<Access>,
    /// The store's own figures (JetStream's publish latency, acks in flight, errors).
    pub store: Option<Arc<dyn StoreMetrics>>,
    /// `true` once shutdown began: not ready.
    pub shutdown: watch::Receiver<bool>,
}

impl rampart_telemetry::Exposition for CollectorMetrics {
    fn render(&self) -> String {
        let mut o = String::new();
        let c = &self.counters;
        family(&mut o, "rampart_ingest_batches_total", "counter", "Batches stored (acked).");
        let _ = writeln!(o, "rampart_ingest_batches_total {}", c.batches.load(Relaxed));
        family(
            &mut o,
            "rampart_ingest_events_total",
            "counter",
            "Events received in acked batches, by result: stored, duplicate (stored before), conflict (a different event was stored before under the same boot and sequence).",
        );
        let (duplicates, conflicts) = (c.duplicates.load(Relaxed), c.conflicts.load(Relaxed));
        let _ =
            writeln!(o, "rampart_ingest_events_total{{result=\"stored\"}} {}", c.events_stored.load(Relaxed));
        let _ = writeln!(o, "rampart_ingest_events_total{{result=\"duplicate\"}} {}", duplicates - conflicts);
        let _ = writeln!(o, "rampart_ingest_events_total{{result=\"conflict\"}} {conflicts}");
        c.commit.render(
            &mut o,
            "rampart_ingest_commit_seconds",
            "From a batch's arrival to its durable commit.",
        );
        family(&mut o, "rampart_ingest_batches_refused_total", "counter", "Batches refused as invalid.");
        let _ = writeln!(o, "rampart_ingest_batches_refused_total {}", c.batches_refused.load(Relaxed));
        family(
            &mut o,
            "rampart_ingest_streams_refused_total",
            "counter",
            "Agent streams refused at their Hello: the client certificate does not name that node.",
        );
        let _ = writeln!(o, "rampart_ingest_streams_refused_total {}", c.streams_refused.load(Relaxed));
        family(&mut o, "rampart_agent_streams", "gauge", "Agent streams open.");
        let _ = writeln!(o, "rampart_agent_streams {}", self.agents.streams());
        family(&mut o, "rampart_subscribers", "gauge", "Live subscribers.");
        let _ = writeln!(o, "rampart_subscribers {}", self.hub.len());
        family(
            &mut o,
            "rampart_subscriber_missed_events_total",
            "counter",
            "Events not sent to slow subscribers (each was told).",
        );
        let _ = writeln!(o, "rampart_subscriber_missed_events_total {}", self.hub.missed_total());
        let (readers, max) = self.readers.in_use();
        family(&mut o, "rampart_readers", "gauge", "Readers of stored history now.");
        let _ = writeln!(o, "rampart_readers {readers}");
        family(
            &mut o,
            "rampart_readers_max",
            "gauge",
            "Most readers of stored history at once (--max-readers).",
        );
        let _ = writeln!(o, "rampart_readers_max {max}");
        family(&mut o, "rampart_readers_cut_off_total", "counter", "Readers cut off for taking nothing.");
        let _ = writeln!(o, "rampart_readers_cut_off_total {}", self.readers.cut_off.load(Relaxed));
        family(
            &mut o,
            "rampart_reads_refused_total",
            "counter",
            "Reads and deletions refused, by reason: unauthenticated (no or bad credentials), forbidden (not granted), unavailable (the API server could not be asked).",
        );
        let r = &self.access.refused;
        for (reason, n) in [
            ("unauthenticated", &r.unauthenticated),
            ("forbidden", &r.forbidden),
            ("unavailable", &r.unavailable),
        ] {
            let _ = writeln!(o, "rampart_reads_refused_total{{reason=\"{reason}\"}} {}", n.load(Relaxed));
        }
        if let Some(store) = &self.store {
            store.render(&mut o);
        }
        rampart_telemetry::process::render(&mut o, "collector", env!("CARGO_PKG_VERSION"));
        o
    }

    fn readiness(&self) -> Result<(), String> {
        if *self.shutdown.borrow() { Err("shutting down".into()) } else { Ok(()) }
    }
}
