//! The stream to the collector: one task that owns the connection, a window of batches in
//! flight, a bounded memory queue and the on-disk [`Spool`].
//!
//! Design constraints:
//! - **Nothing lost silently.** A batch leaves the agent's hands only when the collector acks
//!   it (stored) or refuses it (invalid: counted as `export/refused`). Until then it is in
//!   flight, in memory, or in the spool. Whatever cannot be kept is counted in
//!   `rampart_drops_total` (spool overflow or write error, memory overflow without a spool,
//!   unsent at exit without a spool).
//! - **Resend, never dedup here.** On a lost stream everything in flight is sent again after
//!   reconnecting; the collector stores each (node, boot, sequence) once.
//! - **Spool on outage.** While disconnected, batches go straight to the spool (so an agent
//!   restart keeps them); connected, the spool is sent first, oldest first, then memory.
//! - **Quiet when idle.** No timers run while idle and connected except HTTP/2 keepalive and
//!   a stats message when counters changed; reconnects back off up to [`BACKOFF_MAX`].

use std::{collections::VecDeque, sync::Arc, time::Duration};

use prost::Message as _;
use rampart_proto::{
    v1::{AgentStats, CollectorMessage, DropCount, Event, Hello, collector_message},
    wire::{AgentMessage, Batch, agent_message, ingest_client::IngestClient},
};
use tokio::{
    sync::mpsc,
    time::{Instant, sleep_until},
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Status, Streaming, transport::Endpoint};
use tracing::{info, warn};

use super::{
    config::CollectorConfig,
    spool::{Cursor, Spool, SpoolError},
    tls::ClientTls,
};
use crate::telemetry::{ExportDrop, Metrics};

/// Batches sent and not yet answered, at most.
const WINDOW: usize = 16;
/// Encoded bytes queued in memory before the oldest go to the spool (or, without one, are dropped).
const MEMORY_BYTES: usize = 8 << 20;
const BACKOFF_MIN: Duration = Duration::from_millis(100);

/// A wait between half of `backoff` and all of it, drawn at random: when a collector comes back,
/// the agents of a whole DaemonSet reconnect spread over that time instead of all at once.
fn jittered(backoff: Duration) -> Duration {
    use std::hash::BuildHasher as _;
    // Keyed at random per process (and per call): enough to spread agents apart.
    let r = std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now());
    backoff / 2 + backoff.mul_f64((r % 1_000_000) as f64 / 2_000_000.0)
}
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const STATS_EVERY: Duration = Duration::from_secs(10);

pub enum Command {
    Batch(Batch),
    /// Deliver what is pending for at most this long, keep the rest in the spool, and stop.
    Close(Duration),
}

enum Source {
    Memory(Batch),
    Spool(Cursor),
}

struct InFlight {
    boot_id: String,
    first: u64,
    events: u32,
    source: Source,
    sent: Instant,
}

struct Conn {
    out: mpsc::Sender<AgentMessage>,
    inbound: Streaming<CollectorMessage>,
}

pub struct ExportTask {
    url: String,
    tls: Option<ClientTls>,
    token_file: Option<std::path::PathBuf>,
    hello: Hello,
    metrics: Arc<Metrics>,
    spool: Option<Spool>,
    memory: VecDeque<(Batch, usize)>,
    memory_bytes: usize,
    inflight: VecDeque<InFlight>,
    conn: Option<Conn>,
    backoff: Duration,
    retry_at: Instant,
    last_stats: Option<AgentStats>,
    /// Warned about the current outage already.
    outage_logged: bool,
    spool_corrupt_seen: u64,
    /// Saving the spool's ack cursor failed, and was warned about.
    ack_save_failed: bool,
}

fn events_of(b: &Batch) -> u32 {
    u32::try_from(b.events.len()).unwrap_or(u32::MAX)
}

impl ExportTask {
    pub fn new(cfg: &CollectorConfig, hello: Hello, metrics: Arc<Metrics>, spool: Option<Spool>) -> Self {
        let mut t = ExportTask {
            url: cfg.url.clone(),
            tls: cfg.tls.clone(),
            token_file: cfg.token_file.clone(),
            hello,
            metrics,
            spool,
            memory: VecDeque::new(),
            memory_bytes: 0,
            inflight: VecDeque::new(),
            conn: None,
            backoff: BACKOFF_MIN,
            retry_at: Instant::now(),
            last_stats: None,
            outage_logged: false,
            spool_corrupt_seen: 0,
            ack_save_failed: false,
        };
        // Torn records cut off at open are counted now, once.
        t.count_corrupt();
        t
    }

    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut stats_tick = tokio::time::interval(STATS_EVERY);
        stats_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.pump();
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(Command::Batch(b)) => self.enqueue(b),
                    Some(Command::Close(drain)) => return self.close(drain).await,
                    None => return self.close(Duration::ZERO).await,
                },
                reply = next_reply(&mut self.conn) => self.on_reply(reply),
                () = sleep_until(self.retry_at), if self.conn.is_none() => self.connect().await,
                _ = stats_tick.tick(), if self.conn.is_some() => self.send_stats(false),
            }
        }
    }

    fn stats(&self) -> AgentStats {
        AgentStats {
            drops: self
                .metrics
                .drop_counts()
                .into_iter()
                .map(|(stage, kind, count)| DropCount { stage: stage.into(), kind, count })
                .collect(),
            spooled_events: self.spool.as_ref().map_or(0, Spool::events),
            spooled_bytes: self.spool.as_ref().map_or(0, Spool::bytes),
            rules: super::rule_statuses(&self.metrics.feasibility(), |p, r| self.metrics.audited(p, r)),
        }
    }

    fn send_stats(&mut self, force: bool) {
        let stats = self.stats();
        if !force && self.last_stats.as_ref() == Some(&stats) {
            return;
        }
        if let Some(c) = &self.conn
            && c.out
                .try_send(AgentMessage { message: Some(agent_message::Message::Stats(stats.clone())) })
                .is_ok()
        {
            self.last_stats = Some(stats);
        }
    }

    fn update_gauges(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let e = &self.metrics.export;
        e.spool_bytes.store(self.spool.as_ref().map_or(0, Spool::bytes), Relaxed);
        e.spool_events.store(self.spool.as_ref().map_or(0, Spool::events), Relaxed);
        e.connected.store(self.conn.is_some(), Relaxed);
    }

    fn spill(&mut self, b: Batch) {
        let events = events_of(&b);
        let Some(spool) = &mut self.spool else {
            self.metrics.export.dropped(ExportDrop::QueueOverflow, u64::from(events));
            return;
        };
        match spool.append(&b.encode_to_vec(), events) {
            Ok(()) => {}
            Err(e @ SpoolError::Full { .. }) => {
                self.metrics.export.dropped(ExportDrop::SpoolOverflow, u64::from(events));
                warn!(error = %e, "spool overflow");
            }
            Err(e @ SpoolError::Write { .. }) => {
                self.metrics.export.dropped(ExportDrop::SpoolWrite, u64::from(events));
                warn!(error = %e, "spool write failed");
            }
        }
    }

    fn enqueue(&mut self, b: Batch) {
        if self.conn.is_none() && self.spool.is_some() {
            self.spill(b);
        } else {
            let bytes = b.encoded_len();
            self.memory.push_back((b, bytes));
            self.memory_bytes += bytes;
            while self.memory_bytes > MEMORY_BYTES
                && let Some((old, n)) = self.memory.pop_front()
            {
                self.memory_bytes -= n;
                if self.spool.is_none() && !self.outage_logged {
                    warn!(
                        "the collector is not keeping up and there is no --spool-dir: dropping the oldest events"
                    );
                    self.outage_logged = true;
                }
                self.spill(old);
            }
        }
        self.update_gauges();
    }

    /// Send while the window has room: the spool first (oldest), then memory.
    fn pump(&mut self) {
        let Some(conn) = &self.conn else { return };
        let out = conn.out.clone();
        while self.inflight.len() < WINDOW {
            let (batch, source) = if let Some(rec) = self.spool.as_mut().and_then(Spool::read_next) {
                match decode_spooled(rec.payload) {
                    Ok(b) => (b, Source::Spool(rec.end)),
                    Err(e) => {
                        warn!(error = %e, "a spooled batch passed its checksum but does not decode; dropped");
                        self.metrics.export.dropped(ExportDrop::SpoolCorrupt, u64::from(rec.events));
                        self.ack_spooled(rec.end, rec.events);
                        continue;
                    }
                }
            } else if let Some((b, n)) = self.memory.pop_front() {
                self.memory_bytes -= n;
                (b.clone(), Source::Memory(b))
            } else {
                break;
            };
            self.inflight.push_back(InFlight {
                boot_id: batch.boot_id.clone(),
                first: batch.first_sequence,
                events: events_of(&batch),
                source,
                sent: Instant::now(),
            });
            if out.try_send(AgentMessage { message: Some(agent_message::Message::Batch(batch)) }).is_err() {
                self.disconnect("the stream to the collector closed");
                return;
            }
        }
        self.count_corrupt();
    }

    fn ack_spooled(&mut self, end: Cursor, events: u32) {
        let Some(s) = &mut self.spool else { return };
        match s.ack(end, events) {
            Ok(()) => self.ack_save_failed = false,
            Err(e) if !self.ack_save_failed => {
                self.ack_save_failed = true;
                warn!(error = %e, "could not save the spool's ack cursor; a restart would resend what was acked since");
            }
            Err(_) => {}
        }
    }

    fn count_corrupt(&mut self) {
        if let Some(s) = &self.spool {
            let now = s.corrupt();
            if now > self.spool_corrupt_seen {
                self.metrics.export.dropped(ExportDrop::SpoolCorrupt, now - self.spool_corrupt_seen);
                warn!(records = now - self.spool_corrupt_seen, "corrupt spool records skipped");
                self.spool_corrupt_seen = now;
            }
        }
        self.update_gauges();
    }

    fn on_reply(&mut self, reply: Result<Option<CollectorMessage>, Status>) {
        use std::sync::atomic::Ordering::Relaxed;
        let message = match reply {
            Ok(Some(m)) => m.message,
            Ok(None) => return self.disconnect("the collector ended the stream"),
            Err(status) => {
                return self.disconnect(&format!("{:?}: {}", status.code(), status.message()));
            }
        };
        let (boot, first) = match &message {
            Some(collector_message::Message::Ack(a)) => (&a.boot_id, a.first_sequence),
            Some(collector_message::Message::Refusal(r)) => (&r.boot_id, r.first_sequence),
            None => return,
        };
        let Some(front) = self.inflight.front() else {
            return self.disconnect("an answer for no batch in flight");
        };
        if &front.boot_id != boot || front.first != first {
            let why = format!("an answer for {boot}/{first}, expected {}/{}", front.boot_id, front.first);
            return self.disconnect(&why);
        }
        let done = self.inflight.pop_front().expect("front exists");
        let e = &self.metrics.export;
        e.round_trip.observe(done.sent.elapsed());
        match message {
            Some(collector_message::Message::Ack(a)) => {
                e.batches_acked.fetch_add(1, Relaxed);
                e.events_stored.fetch_add(u64::from(a.stored), Relaxed);
                // Conflicts are duplicates whose stored copy is not ours: lost, and counted so.
                e.events_duplicate
                    .fetch_add(u64::from(a.duplicates - a.conflicts.min(a.duplicates)), Relaxed);
                if a.conflicts > 0 {
                    e.dropped(ExportDrop::Conflict, u64::from(a.conflicts));
                    warn!(
                        boot = %a.boot_id,
                        first = a.first_sequence,
                        last = a.last_sequence,
                        conflicts = a.conflicts,
                        "the collector had stored other events under these sequence numbers: ours were not stored"
                    );
                }
                self.backoff = BACKOFF_MIN;
            }
            Some(collector_message::Message::Refusal(r)) => {
                e.dropped(ExportDrop::Refused, u64::from(done.events));
                warn!(boot = %r.boot_id, first = r.first_sequence, reason = %r.message, "the collector refused a batch");
            }
            None => {}
        }
        if let Source::Spool(end) = done.source {
            self.ack_spooled(end, done.events);
        }
        self.update_gauges();
    }

    fn disconnect(&mut self, why: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        if self.conn.take().is_some() {
            self.metrics.export.reconnects.fetch_add(1, Relaxed);
            warn!(
                reason = why,
                in_flight = self.inflight.len(),
                "lost the stream to the collector; resending after reconnect"
            );
        }
        // What was in flight goes back, in order, ahead of what is queued.
        let mut returned = Vec::new();
        for f in self.inflight.drain(..) {
            if let Source::Memory(b) = f.source {
                returned.push(b);
            }
        }
        for b in returned.into_iter().rev() {
            let n = b.encoded_len();
            self.memory_bytes += n;
            self.memory.push_front((b, n));
        }
        if let Some(s) = &mut self.spool {
            s.rewind();
        }
        // Outage: keep it on disk.
        if self.spool.is_some() {
            while let Some((b, n)) = self.memory.pop_front() {
                self.memory_bytes -= n;
                self.spill(b);
            }
        }
        self.retry_at = Instant::now() + jittered(self.backoff);
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
        self.update_gauges();
    }

    async fn connect(&mut self) {
        match self.open_stream().await {
            Ok(conn) => {
                info!(collector = %self.url, "streaming to the collector");
                self.conn = Some(conn);
                self.outage_logged = false;
                self.update_gauges();
            }
            Err(e) => {
                if !self.outage_logged {
                    let to = if self.spool.is_some() { "spooling" } else { "queueing in memory" };
                    match &e {
                        OpenError::Unreachable(_) => {
                            warn!(collector = %self.url, error = %e, "the collector is unreachable; {to} and retrying");
                        }
                        OpenError::Refused(_) => {
                            warn!(collector = %self.url, error = %e, "the collector refuses this agent's stream (check its client certificate and node name); {to} and retrying");
                        }
                    }
                    self.outage_logged = true;
                }
                self.retry_at = Instant::now() + jittered(self.backoff);
                self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
            }
        }
    }

    async fn open_stream(&mut self) -> Result<Conn, OpenError> {
        let mut endpoint = Endpoint::from_shared(self.url.clone())
            .map_err(|e| OpenError::Unreachable(e.to_string()))?
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10));
        if let Some(tls) = &self.tls {
            endpoint =
                endpoint.tls_config(tls.config()).map_err(|e| OpenError::Unreachable(format!("TLS: {e}")))?;
        }
        let channel = endpoint
            .connect()
            .await
            .map_err(|e| OpenError::Unreachable(format!("{e}: {}", source_chain(&e))))?;
        let mut client = IngestClient::new(channel);
        let (out, rx) = mpsc::channel(WINDOW * 2 + 4);
        let mut hello = self.hello.clone();
        hello.stats = Some(self.stats());
        out.try_send(AgentMessage { message: Some(agent_message::Message::Hello(hello)) })
            .expect("room for the hello");
        let mut request = tonic::Request::new(ReceiverStream::new(rx));
        if let Some(path) = &self.token_file {
            // Read at each connection: a projected token is rotated by the kubelet.
            let value = super::tls::bearer(path).map_err(OpenError::Unreachable)?;
            request.metadata_mut().insert("authorization", value);
        }
        let response = tokio::time::timeout(CONNECT_TIMEOUT, client.stream(request))
            .await
            .map_err(|_| OpenError::Unreachable("no answer to the hello".into()))?
            .map_err(|s| match s.code() {
                Code::PermissionDenied | Code::Unauthenticated | Code::InvalidArgument => {
                    OpenError::Refused(s)
                }
                _ => OpenError::Unreachable(format!("{:?}: {}", s.code(), s.message())),
            })?;
        Ok(Conn { out, inbound: response.into_inner() })
    }

    async fn close(mut self, drain: Duration) {
        let deadline = Instant::now() + drain;
        while !self.idle() && Instant::now() < deadline {
            self.pump();
            tokio::select! {
                reply = next_reply(&mut self.conn) => self.on_reply(reply),
                () = sleep_until(self.retry_at.min(deadline)), if self.conn.is_none() => {
                    if Instant::now() < deadline {
                        self.connect().await;
                    }
                }
                () = sleep_until(deadline) => break,
            }
        }
        // Keep the rest on disk; without a spool, count it.
        let unsent: Vec<Batch> = self
            .inflight
            .drain(..)
            .filter_map(|f| match f.source {
                Source::Memory(b) => Some(b),
                Source::Spool(_) => None,
            })
            .chain(self.memory.drain(..).map(|(b, _)| b))
            .collect();
        let count: u64 = unsent.iter().map(|b| u64::from(events_of(b))).sum();
        if self.spool.is_some() {
            for b in unsent {
                self.spill(b);
            }
        } else {
            self.metrics.export.dropped(ExportDrop::UnsentAtExit, count);
        }
        if let Some(s) = &self.spool {
            if let Err(e) = s.sync() {
                warn!(error = %e, "syncing the spool failed");
            }
            info!(events = s.events(), bytes = s.bytes(), "spool kept for the next start");
        } else if count > 0 {
            warn!(events = count, "events not delivered to the collector before exit (no --spool-dir)");
        }
        self.conn = None;
        self.update_gauges();
    }

    fn idle(&self) -> bool {
        self.inflight.is_empty() && self.memory.is_empty() && self.spool.as_ref().is_none_or(Spool::is_empty)
    }
}

/// A spooled batch, its events checked to decode: one that does not is dropped here, counted,
/// rather than refused by the collector after the outage.
fn decode_spooled(payload: Vec<u8>) -> Result<Batch, prost::DecodeError> {
    let batch = Batch::decode(bytes::Bytes::from(payload))?;
    for e in &batch.events {
        Event::decode(e.clone())?;
    }
    Ok(batch)
}

async fn next_reply(conn: &mut Option<Conn>) -> Result<Option<CollectorMessage>, Status> {
    match conn {
        Some(c) => c.inbound.message().await,
        None => std::future::pending().await,
    }
}

/// Why a stream could not be opened.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    /// Transport trouble: the collector may come back.
    #[error("{0}")]
    Unreachable(String),
    /// The collector answered the Hello with a refusal: retrying will not help until the agent's
    /// identity or configuration changes.
    #[error("{:?}: {}", .0.code(), .0.message())]
    Refused(Status),
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut cur = e.source();
    while let Some(s) = cur {
        parts.push(s.to_string());
        cur = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_waits_are_spread_between_half_and_all_of_the_backoff() {
        let backoff = Duration::from_secs(10);
        let waits: Vec<Duration> = (0..200).map(|_| jittered(backoff)).collect();
        assert!(waits.iter().all(|w| *w >= backoff / 2 && *w <= backoff), "{waits:?}");
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 150, "spread, not one value: {} distinct", distinct.len());
    }
}
