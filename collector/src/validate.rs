//! Checking what agents send before anything is stored. A batch is all or nothing: one bad
//! event refuses the whole batch, with a message naming the event's sequence and field, and
//! nothing of it reaches the store (so it cannot poison replays or subscribers).
//!
//! Unknown enum values are refused rather than stored: a newer agent must not write values
//! that this collector, its filters and its readers cannot name.
//!
//! Every string and list has a bound ([`bounds`]), checked before anything is copied or
//! stored: one oversized field must not be multiplied into every row of a batch. Event times
//! must fall between 2000-01-01 and a day after the collector's clock, so nothing stored can
//! trip a reader's time arithmetic.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use prost::Message as _;
use rampart_proto::{
    v1::{
        AgentStats, Event, Gap, Hello, Refusal,
        event::Body,
        file, flow, gap, pod, privilege,
        refusal::Reason,
        verdict::{Action, Tier},
    },
    wire,
    wkt::Timestamp,
};

use crate::store::{IncomingBatch, Origin};

/// Limits on what one batch may carry.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_batch_events: usize,
}

/// The most bytes (or entries) each field may hold. Kubernetes names keep Kubernetes' own
/// limits; paths keep PATH_MAX; the rest are far above what an agent writes.
pub mod bounds {
    /// A node name (a DNS subdomain).
    pub const NODE: usize = 253;
    pub const BOOT_ID: usize = 64;
    pub const VERSION: usize = 64;
    pub const NAMESPACE: usize = 63;
    pub const POD_NAME: usize = 253;
    pub const UID: usize = 64;
    pub const CONTAINER_ID: usize = 128;
    pub const CONTAINER_NAME: usize = 63;
    pub const LABELS: usize = 64;
    /// A label key (prefix and name).
    pub const LABEL_KEY: usize = 317;
    pub const LABEL_VALUE: usize = 63;
    pub const COMM: usize = 64;
    /// Paths and binaries (PATH_MAX).
    pub const PATH: usize = 4096;
    pub const ARGS: usize = 1024;
    /// All the arguments of one exec together.
    pub const ARGS_BYTES: usize = 128 * 1024;
    pub const IP: usize = 45;
    pub const WORD: usize = 64;
    pub const CAPABILITIES: usize = 64;
    /// `namespace/name` of a policy.
    pub const POLICY: usize = 317;
    pub const RULE: usize = 256;
    /// Free text an agent explains itself with (a tier's reason, an effect).
    pub const REASON: usize = 4096;
    pub const TIERS: usize = 16;
    pub const DROPS: usize = 1024;
    pub const RULES: usize = 65536;
    /// Event times: not before 2000-01-01T00:00:00Z ...
    pub const EARLIEST_UNIX_SECONDS: i64 = 946_684_800;
    /// ... and not more than this far past the collector's clock.
    pub const FUTURE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
}

/// `field` holds at most `max` bytes; else the message that says so.
pub fn bounded(field: &str, s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        Err(format!("{field} is {} bytes; at most {max} are accepted", s.len()))
    } else {
        Ok(())
    }
}

fn counted(field: &str, n: usize, max: usize) -> Result<(), String> {
    if n > max { Err(format!("{field} has {n} entries; at most {max} are accepted")) } else { Ok(()) }
}

/// The Hello's identity, or why it is unusable.
pub fn hello(h: &Hello) -> Result<(), String> {
    if h.node.is_empty() {
        return Err("hello.node is empty".into());
    }
    if h.boot_id.is_empty() {
        return Err("hello.boot_id is empty".into());
    }
    bounded("hello.node", &h.node, bounds::NODE)?;
    bounded("hello.boot_id", &h.boot_id, bounds::BOOT_ID)?;
    bounded("hello.version", &h.version, bounds::VERSION)?;
    counted("hello.tiers", h.tiers.len(), bounds::TIERS)?;
    if let Some(g) = &h.unobserved_before {
        gap("hello.unobserved_before", g)?;
    }
    for (i, t) in h.tiers.iter().enumerate() {
        bounded(&format!("hello.tiers[{i}].reason"), &t.reason, bounds::REASON)?;
    }
    Ok(())
}

/// An agent's stats report, or why it is refused.
pub fn stats(s: &AgentStats) -> Result<(), String> {
    counted("stats.drops", s.drops.len(), bounds::DROPS)?;
    for (i, d) in s.drops.iter().enumerate() {
        bounded(&format!("stats.drops[{i}].stage"), &d.stage, bounds::WORD)?;
        bounded(&format!("stats.drops[{i}].kind"), &d.kind, bounds::WORD)?;
    }
    counted("stats.rules", s.rules.len(), bounds::RULES)?;
    for (i, r) in s.rules.iter().enumerate() {
        bounded(&format!("stats.rules[{i}].policy"), &r.policy, bounds::POLICY)?;
        bounded(&format!("stats.rules[{i}].rule"), &r.rule, bounds::RULE)?;
        bounded(&format!("stats.rules[{i}].reason"), &r.reason, bounds::REASON)?;
    }
    Ok(())
}

/// A batch from the stream of `node`, checked and ready to store; or the refusal to send back.
pub fn batch(node: &str, b: wire::Batch, limits: Limits) -> Result<IncomingBatch, Box<Refusal>> {
    let refuse = |b: &wire::Batch, reason: Reason, message: String| {
        Box::new(Refusal {
            boot_id: b.boot_id.clone(),
            first_sequence: b.first_sequence,
            last_sequence: b.last_sequence().unwrap_or(b.first_sequence),
            reason: reason as i32,
            message,
        })
    };
    if b.boot_id.is_empty() {
        return Err(refuse(&b, Reason::InvalidBatch, "batch.boot_id is empty".into()));
    }
    if b.first_sequence == 0 {
        return Err(refuse(
            &b,
            Reason::InvalidBatch,
            "batch.first_sequence is 0 (sequences start at 1)".into(),
        ));
    }
    if !b.events.is_empty() && b.last_sequence().is_none_or(|l| l > i64::MAX as u64) {
        return Err(refuse(&b, Reason::InvalidBatch, "batch sequence range overflows".into()));
    }
    if b.events.len() > limits.max_batch_events {
        let msg = format!(
            "{} events in one batch; this collector accepts at most {}",
            b.events.len(),
            limits.max_batch_events
        );
        return Err(refuse(&b, Reason::TooManyEvents, msg));
    }
    let mut events = Vec::with_capacity(b.events.len());
    for (i, bytes) in b.events.iter().enumerate() {
        let seq = b.first_sequence + i as u64;
        // Decoded once, straight from the received bytes (see `rampart_proto::wire`).
        let mut e = match Event::decode(bytes.clone()) {
            Ok(e) => e,
            Err(err) => {
                return Err(refuse(
                    &b,
                    Reason::InvalidEvent,
                    format!("event {seq} cannot be decoded: {err}"),
                ));
            }
        };
        if let Err(problem) = event(&e) {
            return Err(refuse(&b, Reason::InvalidEvent, format!("event {seq}: {problem}")));
        }
        if e.node.is_empty() {
            e.node = node.to_string();
        } else if e.node != node {
            let msg = format!("event {seq}: node {:?} is not this stream's node {node:?}", e.node);
            return Err(refuse(&b, Reason::InvalidEvent, msg));
        }
        events.push(Arc::new(e));
    }
    let origin = Origin { node: node.to_string(), boot_id: b.boot_id };
    Ok(IncomingBatch { origin, first_sequence: b.first_sequence, events })
}

fn known<E: TryFrom<i32>>(field: &str, value: i32) -> Result<(), String> {
    match E::try_from(value) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{field} has unknown value {value}")),
    }
}

/// A time inside the accepted window (2000-01-01 to a day from now).
fn sane_time(field: &str, time: Option<Timestamp>) -> Result<Timestamp, String> {
    let Some(time) = time else { return Err(format!("{field} is missing")) };
    let latest = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO) + bounds::FUTURE;
    if time.seconds < bounds::EARLIEST_UNIX_SECONDS || time.seconds > latest.as_secs() as i64 {
        return Err(format!(
            "{field} {}s since the epoch is outside the accepted window (2000-01-01 to a day from now)",
            time.seconds
        ));
    }
    Ok(time)
}

/// A gap's window: both ends sane, in order.
fn gap(field: &str, g: &Gap) -> Result<(), String> {
    let from = sane_time(&format!("{field}.from"), g.from)?;
    let until = sane_time(&format!("{field}.until"), g.until)?;
    if until.unix_nanos() < from.unix_nanos() {
        return Err(format!("{field}.until is before the gap's start"));
    }
    known::<gap::Reason>(&format!("{field}.reason"), g.reason)?;
    bounded(&format!("{field}.previous_boot_id"), &g.previous_boot_id, bounds::BOOT_ID)
}

/// What is wrong with one event, if anything.
pub fn event(e: &Event) -> Result<(), String> {
    sane_time("time", e.time)?;
    bounded("node", &e.node, bounds::NODE)?;
    if let Some(p) = &e.pod {
        known::<pod::Attribution>("pod.attribution", p.attribution)?;
        bounded("pod.namespace", &p.namespace, bounds::NAMESPACE)?;
        bounded("pod.name", &p.name, bounds::POD_NAME)?;
        bounded("pod.uid", &p.uid, bounds::UID)?;
        bounded("pod.container_id", &p.container_id, bounds::CONTAINER_ID)?;
        bounded("pod.container_name", &p.container_name, bounds::CONTAINER_NAME)?;
        counted("pod.labels", p.labels.len(), bounds::LABELS)?;
        for (k, v) in &p.labels {
            bounded("pod.labels key", k, bounds::LABEL_KEY)?;
            bounded("pod.labels value", v, bounds::LABEL_VALUE)?;
        }
        counted("pod.namespace_labels", p.namespace_labels.len(), bounds::LABELS)?;
        for (k, v) in &p.namespace_labels {
            bounded("pod.namespace_labels key", k, bounds::LABEL_KEY)?;
            bounded("pod.namespace_labels value", v, bounds::LABEL_VALUE)?;
        }
    }
    if let Some(p) = &e.process {
        bounded("process.comm", &p.comm, bounds::COMM)?;
        bounded("process.binary", &p.binary, bounds::PATH)?;
        if let Some(parent) = &p.parent {
            bounded("process.parent.comm", &parent.comm, bounds::COMM)?;
            bounded("process.parent.binary", &parent.binary, bounds::PATH)?;
        }
    }
    match &e.body {
        None => return Err("no body: one of flow, file, privilege, exec or gap must be set".into()),
        Some(Body::Gap(g)) => gap("gap", g)?,
        Some(Body::Exec(x)) => {
            bounded("exec.binary", &x.binary, bounds::PATH)?;
            counted("exec.args", x.args.len(), bounds::ARGS)?;
            let total: usize = x.args.iter().map(String::len).sum();
            if total > bounds::ARGS_BYTES {
                return Err(format!(
                    "exec.args are {total} bytes; at most {} are accepted",
                    bounds::ARGS_BYTES
                ));
            }
        }
        Some(Body::Flow(f)) => {
            known::<flow::Direction>("flow.direction", f.direction)?;
            known::<flow::Protocol>("flow.protocol", f.protocol)?;
            known::<flow::Phase>("flow.phase", f.phase)?;
            bounded("flow.local_ip", &f.local_ip, bounds::IP)?;
            bounded("flow.remote_ip", &f.remote_ip, bounds::IP)?;
            bounded("flow.tcp_state", &f.tcp_state, bounds::WORD)?;
        }
        Some(Body::File(f)) => {
            known::<file::Operation>("file.operation", f.operation)?;
            bounded("file.path", &f.path, bounds::PATH)?;
            bounded("file.target_path", &f.target_path, bounds::PATH)?;
            bounded("file.mount", &f.mount, bounds::PATH)?;
            bounded("file.effect", &f.effect, bounds::REASON)?;
        }
        Some(Body::Privilege(p)) => {
            known::<privilege::Operation>("privilege.operation", p.operation)?;
            bounded("privilege.binary", &p.binary, bounds::PATH)?;
            bounded("privilege.effect", &p.effect, bounds::REASON)?;
            counted("privilege.capabilities_gained", p.capabilities_gained.len(), bounds::CAPABILITIES)?;
            for c in &p.capabilities_gained {
                bounded("privilege.capabilities_gained entry", c, bounds::WORD)?;
            }
        }
    }
    if let Some(v) = &e.verdict {
        known::<Action>("verdict.action", v.action)?;
        known::<Tier>("verdict.tier", v.tier)?;
        bounded("verdict.policy", &v.policy, bounds::POLICY)?;
        bounded("verdict.rule", &v.rule, bounds::RULE)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rampart_proto::{
        v1::{Exec, Flow, Verdict},
        wire::Batch,
        wkt::Timestamp,
    };

    use super::*;

    const LIMITS: Limits = Limits { max_batch_events: 3 };

    fn good() -> Event {
        Event {
            time: Some(Timestamp { seconds: 1_795_000_000, nanos: 0 }),
            body: Some(Body::Exec(Exec::default())),
            verdict: Some(Verdict {
                action: Action::Allow as i32,
                tier: Tier::None as i32,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The batch as the collector reads it off the wire: each event encoded.
    fn batch_of(events: Vec<Event>) -> Batch {
        let events = events.iter().map(|e| e.encode_to_vec().into()).collect();
        Batch { boot_id: "boot".into(), first_sequence: 7, events }
    }

    #[test]
    fn an_event_that_cannot_be_decoded_refuses_the_batch_with_its_sequence() {
        let mut b = batch_of(vec![good(), good()]);
        b.events[1] = vec![0x0a, 0x05, b'x'].into();
        let r = batch("n", b, LIMITS).unwrap_err();
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert!(r.message.starts_with("event 8 cannot be decoded"), "{}", r.message);
    }

    #[test]
    fn a_good_batch_passes_and_gets_the_stream_node() {
        let b = batch("node-a", batch_of(vec![good(), good()]), LIMITS).unwrap();
        assert_eq!(b.origin, Origin { node: "node-a".into(), boot_id: "boot".into() });
        assert_eq!(b.first_sequence, 7);
        assert!(b.events.iter().all(|e| e.node == "node-a"));
    }

    #[test]
    fn an_event_naming_another_node_refuses_the_batch() {
        let mut other = good();
        other.node = "node-b".into();
        let r = batch("node-a", batch_of(vec![good(), other]), LIMITS).unwrap_err();
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert_eq!(r.message, "event 8: node \"node-b\" is not this stream's node \"node-a\"");
        let mut same = good();
        same.node = "node-a".into();
        assert!(batch("node-a", batch_of(vec![same]), LIMITS).is_ok());
    }

    #[test]
    fn a_gap_needs_a_window_in_order() {
        let at = |s| Some(Timestamp { seconds: s, nanos: 0 });
        let gap = |from, until| Event {
            time: at(from),
            body: Some(Body::Gap(Gap { from: at(from), until: at(until), reason: 2, ..Default::default() })),
            ..Default::default()
        };
        assert!(batch("n", batch_of(vec![gap(1_795_000_000, 1_795_000_005)]), LIMITS).is_ok());
        let r = batch("n", batch_of(vec![gap(1_795_000_005, 1_795_000_000)]), LIMITS).unwrap_err();
        assert_eq!(r.message, "event 7: gap.until is before the gap's start");
        let mut no_end = gap(1_795_000_000, 0);
        if let Some(Body::Gap(g)) = &mut no_end.body {
            g.until = None;
        }
        let r = batch("n", batch_of(vec![no_end]), LIMITS).unwrap_err();
        assert_eq!(r.message, "event 7: gap.until is missing");
        let hello = Hello {
            node: "n".into(),
            boot_id: "b".into(),
            unobserved_before: Some(Gap { from: at(5), until: at(1_795_000_000), ..Default::default() }),
            ..Default::default()
        };
        assert!(super::hello(&hello).unwrap_err().starts_with("hello.unobserved_before.from 5s"));
    }

    #[test]
    fn unknown_enum_value_refuses_the_whole_batch_naming_the_event() {
        let mut bad = good();
        bad.verdict.as_mut().unwrap().action = 42;
        let r = batch("n", batch_of(vec![good(), bad]), LIMITS).unwrap_err();
        assert_eq!(r.reason(), Reason::InvalidEvent);
        assert_eq!(r.message, "event 8: verdict.action has unknown value 42");
        assert_eq!((r.first_sequence, r.last_sequence), (7, 8));

        let mut flow = good();
        flow.body = Some(Body::Flow(Flow { phase: 9, ..Default::default() }));
        let r = batch("n", batch_of(vec![flow]), LIMITS).unwrap_err();
        assert_eq!(r.message, "event 7: flow.phase has unknown value 9");
    }

    #[test]
    fn oversized_fields_and_times_out_of_the_window_are_refused_naming_the_field() {
        let mut big = good();
        big.pod = Some(rampart_proto::v1::Pod { name: "x".repeat(3 << 20), ..Default::default() });
        let r = batch("n", batch_of(vec![good(), big]), LIMITS).unwrap_err();
        assert_eq!(r.message, "event 8: pod.name is 3145728 bytes; at most 253 are accepted");
        let mut args = good();
        args.body = Some(Body::Exec(Exec { args: vec!["a".repeat(1000); 200], ..Default::default() }));
        assert!(
            batch("n", batch_of(vec![args]), LIMITS)
                .unwrap_err()
                .message
                .contains("exec.args are 200000 bytes")
        );
        for seconds in [-1, 0, 900_000_000, i64::MAX / 2] {
            let mut t = good();
            t.time = Some(Timestamp { seconds, nanos: 0 });
            let r = batch("n", batch_of(vec![t]), LIMITS).unwrap_err();
            assert!(r.message.contains("outside the accepted window"), "{seconds}: {}", r.message);
        }
        let h = Hello { node: "n".repeat(3 << 20), boot_id: "b".into(), ..Default::default() };
        assert_eq!(hello(&h).unwrap_err(), "hello.node is 3145728 bytes; at most 253 are accepted");
        let s = AgentStats {
            drops: vec![rampart_proto::v1::DropCount { stage: "s".repeat(100), ..Default::default() }],
            ..Default::default()
        };
        assert!(stats(&s).unwrap_err().starts_with("stats.drops[0].stage is 100 bytes"));
    }

    #[test]
    fn missing_parts_and_bad_batches_are_refused() {
        let mut no_time = good();
        no_time.time = None;
        assert!(batch("n", batch_of(vec![no_time]), LIMITS).unwrap_err().message.contains("time is missing"));
        let mut no_body = good();
        no_body.body = None;
        assert!(batch("n", batch_of(vec![no_body]), LIMITS).unwrap_err().message.contains("no body"));
        let too_many = batch("n", batch_of(vec![good(); 4]), LIMITS).unwrap_err();
        assert_eq!(too_many.reason(), Reason::TooManyEvents);
        let zero = Batch { first_sequence: 0, ..batch_of(vec![good()]) };
        assert_eq!(batch("n", zero, LIMITS).unwrap_err().reason(), Reason::InvalidBatch);
        let no_boot = Batch { boot_id: String::new(), ..batch_of(vec![good()]) };
        assert_eq!(batch("n", no_boot, LIMITS).unwrap_err().reason(), Reason::InvalidBatch);
        let overflow = Batch { first_sequence: u64::MAX, ..batch_of(vec![good(), good()]) };
        assert_eq!(batch("n", overflow, LIMITS).unwrap_err().reason(), Reason::InvalidBatch);
    }
}
