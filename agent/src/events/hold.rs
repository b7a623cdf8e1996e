//! Observations whose pod cgroup is known but whose Pod object is not (yet): held for a short while
//! and re-emitted with `attribution: late` when the pod appears, or `unknown` when the hold
//! expires. Bounded: past capacity the oldest is released as `unknown` at once.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use rampart_proto::domain::{Observation, PodRef};

pub struct Held {
    items: VecDeque<HeldEvent>,
    hold: Duration,
    capacity: usize,
}

pub struct HeldEvent {
    pub deadline: Instant,
    pub cgroup_id: u64,
    pub observation: Observation,
    /// What is known of the pod meanwhile (its uid and container, from the cgroup path).
    pub pod: PodRef,
}

impl Held {
    pub fn new(hold: Duration, capacity: usize) -> Self {
        Held { items: VecDeque::new(), hold, capacity }
    }

    /// Hold `observation`; returns one pushed out by the capacity bound, if any.
    pub fn push(
        &mut self,
        cgroup_id: u64,
        observation: Observation,
        pod: PodRef,
        now: Instant,
    ) -> Option<HeldEvent> {
        self.items.push_back(HeldEvent { deadline: now + self.hold, cgroup_id, observation, pod });
        (self.items.len() > self.capacity).then(|| self.items.pop_front()).flatten()
    }

    /// Take every held event out (to retry them).
    pub fn take_all(&mut self) -> VecDeque<HeldEvent> {
        std::mem::take(&mut self.items)
    }

    /// Put a retried event back, keeping its deadline.
    pub fn put_back(&mut self, item: HeldEvent) {
        self.items.push_back(item);
    }

    /// Remove and return the events whose hold expired.
    pub fn expired(&mut self, now: Instant) -> Vec<HeldEvent> {
        let mut out = Vec::new();
        while self.items.front().is_some_and(|h| h.deadline <= now) {
            out.extend(self.items.pop_front());
        }
        out
    }

    /// When the oldest held event expires, if any is held.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.items.front().map(|h| h.deadline)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec() -> Observation {
        Observation {
            time: Default::default(),
            process: Default::default(),
            body: rampart_proto::domain::Observed::Exec(rampart_proto::domain::Exec {
                binary: "/bin/true".into(),
                args: Vec::new(),
                args_truncated: false,
                held: false,
            }),
            kernel: None,
            repeat_count: 0,
        }
    }

    #[test]
    fn expires_in_order_and_bounds() {
        let t0 = Instant::now();
        let unknown = || PodRef::Unknown { uid: None, container_id: None };
        let mut h = Held::new(Duration::from_secs(2), 2);
        assert!(h.push(1, exec(), unknown(), t0).is_none());
        assert!(h.push(2, exec(), unknown(), t0 + Duration::from_secs(1)).is_none());
        let out = h.push(3, exec(), unknown(), t0 + Duration::from_secs(1)).expect("over capacity");
        assert_eq!(out.cgroup_id, 1);
        assert!(h.expired(t0 + Duration::from_secs(2)).is_empty());
        let exp = h.expired(t0 + Duration::from_secs(3));
        assert_eq!(exp.iter().map(|e| e.cgroup_id).collect::<Vec<_>>(), [2, 3]);
        assert!(h.is_empty());
    }
}
