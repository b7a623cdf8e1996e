//! Counters of the export to the collector: connection, acks, the spool, and every way an
//! event can be lost between the pipeline and the collector's store.

use rampart_telemetry::family;
use std::{
    fmt::Write as _,
    sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
};

/// Where events were lost on their way to the collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportDrop {
    /// The spool was full: the newest batch was dropped.
    SpoolOverflow,
    /// Writing to the spool failed.
    SpoolWrite,
    /// A spooled record failed its checksum (a torn write, a bad disk); counted per record.
    SpoolCorrupt,
    /// No spool and the memory queue was full.
    QueueOverflow,
    /// The collector refused the batch (it is invalid; resending would not help).
    Refused,
    /// At shutdown, not acked within the drain time and no spool to keep it.
    UnsentAtExit,
    /// The collector had stored another event under the same (boot, sequence): a forged
    /// stream wrote first, or its store was edited. Ours is not stored.
    Conflict,
}

impl ExportDrop {
    pub const ALL: [ExportDrop; 7] = [
        ExportDrop::SpoolOverflow,
        ExportDrop::SpoolWrite,
        ExportDrop::SpoolCorrupt,
        ExportDrop::QueueOverflow,
        ExportDrop::Refused,
        ExportDrop::UnsentAtExit,
        ExportDrop::Conflict,
    ];

    /// (`stage`, `kind`) labels of `rampart_drops_total`.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            ExportDrop::SpoolOverflow => ("spool", "overflow"),
            ExportDrop::SpoolWrite => ("spool", "write_error"),
            ExportDrop::SpoolCorrupt => ("spool", "corrupt_record"),
            ExportDrop::QueueOverflow => ("export", "queue_overflow"),
            ExportDrop::Refused => ("export", "refused"),
            ExportDrop::UnsentAtExit => ("export", "unsent_at_exit"),
            ExportDrop::Conflict => ("export", "conflict"),
        }
    }
}

#[derive(Debug, Default)]
pub struct ExportMetrics {
    drops: [AtomicU64; ExportDrop::ALL.len()],
    pub connected: AtomicBool,
    /// Events the collector acked as newly stored, and as already stored (resends).
    pub events_stored: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub batches_acked: AtomicU64,
    pub spool_bytes: AtomicU64,
    pub spool_events: AtomicU64,
    pub reconnects: AtomicU64,
    /// From a batch's send to the collector's answer (its durable commit, or its refusal).
    pub round_trip: rampart_telemetry::Histogram,
}

impl ExportMetrics {
    pub fn dropped(&self, what: ExportDrop, n: u64) {
        self.drops[what as usize].fetch_add(n, Relaxed);
    }

    pub fn drops(&self, what: ExportDrop) -> u64 {
        self.drops[what as usize].load(Relaxed)
    }

    pub fn total_drops(&self) -> u64 {
        self.drops.iter().map(|d| d.load(Relaxed)).sum()
    }

    /// The `rampart_drops_total` samples (inside that family).
    pub fn render_drops(&self, o: &mut String) {
        for d in ExportDrop::ALL {
            let (stage, kind) = d.labels();
            let _ = writeln!(o, "rampart_drops_total{{stage=\"{stage}\",kind=\"{kind}\"}} {}", self.drops(d));
        }
    }

    /// The export's own families.
    pub fn render(&self, o: &mut String) {
        family(o, "rampart_export_connected", "gauge", "1 while a stream to the collector is up.");
        let _ = writeln!(o, "rampart_export_connected {}", u8::from(self.connected.load(Relaxed)));
        family(o, "rampart_export_events_total", "counter", "Events the collector acked, by result.");
        let _ = writeln!(
            o,
            "rampart_export_events_total{{result=\"stored\"}} {}",
            self.events_stored.load(Relaxed)
        );
        let _ = writeln!(
            o,
            "rampart_export_events_total{{result=\"duplicate\"}} {}",
            self.events_duplicate.load(Relaxed)
        );
        family(o, "rampart_export_batches_acked_total", "counter", "Batches the collector acked.");
        let _ = writeln!(o, "rampart_export_batches_acked_total {}", self.batches_acked.load(Relaxed));
        family(o, "rampart_export_reconnects_total", "counter", "Streams to the collector lost.");
        let _ = writeln!(o, "rampart_export_reconnects_total {}", self.reconnects.load(Relaxed));
        self.round_trip.render(
            o,
            "rampart_export_batch_round_trip_seconds",
            "From a batch's send to the collector's answer (its durable commit, or its refusal).",
        );
        family(o, "rampart_spool_bytes", "gauge", "Bytes in the on-disk spool.");
        let _ = writeln!(o, "rampart_spool_bytes {}", self.spool_bytes.load(Relaxed));
        family(o, "rampart_spool_events", "gauge", "Events in the on-disk spool, not yet acked.");
        let _ = writeln!(o, "rampart_spool_events {}", self.spool_events.load(Relaxed));
    }
}
