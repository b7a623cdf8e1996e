//! Checking what agents send before anything is stored. A batch is all or nothing: one bad
//! event refuses the whole batch, with a message naming the event's sequence and field, and
//! nothing of it reaches the store (so it cannot poison replays or subscribers).
//!
//! Unknown enum values are refused rather than stored: a newer agent must not write values
//! that this collector, its filters and its readers cannot name.

use std::sync::Arc;

use rampart_proto::v1::{
    Batch, Event, Hello, Refusal,
    event::Body,
    file, flow, pod, privilege,
    refusal::Reason,
    verdict::{Action, Tier},
};

use crate::store::{IncomingBatch, Origin};

/// Limits on what one batch may carry.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_batch_events: usize,
}

/// The Hello's identity, or why it is unusable.
pub fn hello(h: &Hello) -> Result<(), String> {
    if h.node.is_empty() {
        return Err("hello.node is empty".into());
    }
    if h.boot_id.is_empty() {
        return Err("hello.boot_id is empty".into());
    }
    Ok(())
}

/// A batch from the stream of `node`, checked and ready to store; or the refusal to send back.
pub fn batch(node: &str, b: Batch, limits: Limits) -> Result<IncomingBatch, Box<Refusal>> {
    let refuse = |b: &Batch, reason: Reason, message: String| {
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
    for (i, e) in b.events.iter().enumerate() {
        if let Err(problem) = event(e) {
            let seq = b.first_sequence + i as u64;
            return Err(refuse(&b, Reason::InvalidEvent, format!("event {seq}: {problem}")));
        }
    }
    let origin = Origin { node: node.to_string(), boot_id: b.boot_id };
    let events = b
        .events
        .into_iter()
        .map(|mut e| {
            if e.node.is_empty() {
                e.node = node.to_string();
            }
            Arc::new(e)
        })
        .collect();
    Ok(IncomingBatch { origin, first_sequence: b.first_sequence, events })
}

fn known<E: TryFrom<i32>>(field: &str, value: i32) -> Result<(), String> {
    match E::try_from(value) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{field} has unknown value {value}")),
    }
}

/// What is wrong with one event, if anything.
pub fn event(e: &Event) -> Result<(), String> {
    if e.time.is_none() {
        return Err("time is missing".into());
    }
    if let Some(p) = &e.pod {
        known::<pod::Attribution>("pod.attribution", p.attribution)?;
    }
    match &e.body {
        None => return Err("no body: one of flow, file, privilege or exec must be set".into()),
        Some(Body::Exec(_)) => {}
        Some(Body::Flow(f)) => {
            known::<flow::Direction>("flow.direction", f.direction)?;
            known::<flow::Protocol>("flow.protocol", f.protocol)?;
            known::<flow::Phase>("flow.phase", f.phase)?;
        }
        Some(Body::File(f)) => known::<file::Operation>("file.operation", f.operation)?,
        Some(Body::Privilege(p)) => known::<privilege::Operation>("privilege.operation", p.operation)?,
    }
    if let Some(v) = &e.verdict {
        known::<Action>("verdict.action", v.action)?;
        known::<Tier>("verdict.tier", v.tier)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rampart_proto::{
        v1::{Exec, Flow, Verdict},
        wkt::Timestamp,
    };

    use super::*;

    const LIMITS: Limits = Limits { max_batch_events: 3 };

    fn good() -> Event {
        Event {
            time: Some(Timestamp::from_unix_nanos(1)),
            body: Some(Body::Exec(Exec::default())),
            verdict: Some(Verdict {
                action: Action::Allow as i32,
                tier: Tier::None as i32,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn batch_of(events: Vec<Event>) -> Batch {
        Batch { boot_id: "boot".into(), first_sequence: 7, events }
    }

    #[test]
    fn a_good_batch_passes_and_gets_the_stream_node() {
        let b = batch("node-a", batch_of(vec![good(), good()]), LIMITS).unwrap();
        assert_eq!(b.origin, Origin { node: "node-a".into(), boot_id: "boot".into() });
        assert_eq!(b.first_sequence, 7);
        assert!(b.events.iter().all(|e| e.node == "node-a"));
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
