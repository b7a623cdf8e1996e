//! Live fan-out of stored events to subscribers.
//!
//! Design constraints: ingest never waits for a subscriber. Each subscriber has a bounded
//! queue; [`Hub::publish`] matches its filter and `try_send`s. When the queue is full the event
//! is counted as missed for that subscriber, and the next time there is room a
//! [`Item::Missed`] with the exact count goes into the queue first, at the place in the stream
//! where the gap is. So a slow subscriber is told precisely what it did not get, and
//! (received + missed) is exactly what matched.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering::Relaxed},
};

use rampart_proto::v1::Event;
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::filter::EventFilter;

/// What a subscriber's queue carries.
#[derive(Clone, Debug)]
pub enum Item {
    /// A stored event and its store id.
    Event(u64, Arc<Event>),
    /// This many matching events were skipped here because the queue was full.
    Missed(u64),
}

struct Subscriber {
    id: u64,
    filter: EventFilter,
    queue: mpsc::Sender<Item>,
    /// Missed and not yet reported.
    pending_missed: u64,
}

#[derive(Default)]
pub struct Hub {
    subscribers: Mutex<Vec<Subscriber>>,
    next_id: AtomicU64,
    /// Events not delivered to slow subscribers, in total.
    missed_total: AtomicU64,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("subscribers", &self.len()).finish_non_exhaustive()
    }
}

/// A registered subscriber; dropping it unregisters.
pub struct Subscription {
    pub queue: mpsc::Receiver<Item>,
    id: u64,
    hub: Arc<Hub>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.subscribers.lock().expect("not poisoned").retain(|s| s.id != self.id);
    }
}

impl Hub {
    /// Register a subscriber with a queue of `capacity` items. Events published from now on
    /// that match `filter` go to it.
    pub fn subscribe(self: &Arc<Self>, filter: EventFilter, capacity: usize) -> Subscription {
        let (tx, rx) = mpsc::channel(capacity.max(2));
        let id = self.next_id.fetch_add(1, Relaxed);
        self.subscribers.lock().expect("not poisoned").push(Subscriber {
            id,
            filter,
            queue: tx,
            pending_missed: 0,
        });
        Subscription { queue: rx, id, hub: Arc::clone(self) }
    }

    pub fn len(&self) -> usize {
        self.subscribers.lock().expect("not poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn missed_total(&self) -> u64 {
        self.missed_total.load(Relaxed)
    }

    /// Report gaps still pending where a queue has room again (a quiet stream would otherwise
    /// hold its last gap until the next matching event). Called on a timer.
    pub fn flush_missed(&self) {
        let mut subs = self.subscribers.lock().expect("not poisoned");
        for sub in subs.iter_mut().filter(|s| s.pending_missed > 0) {
            if sub.queue.try_send(Item::Missed(sub.pending_missed)).is_ok() {
                sub.pending_missed = 0;
            }
        }
    }

    /// Offer newly stored events to every subscriber. Never waits.
    pub fn publish(&self, events: &[(u64, Arc<Event>)]) {
        let mut subs = self.subscribers.lock().expect("not poisoned");
        if subs.is_empty() {
            return;
        }
        subs.retain_mut(|sub| {
            for (id, event) in events {
                if !sub.filter.matches(event) {
                    continue;
                }
                if sub.pending_missed > 0 {
                    match sub.queue.try_send(Item::Missed(sub.pending_missed)) {
                        Ok(()) => sub.pending_missed = 0,
                        Err(TrySendError::Full(_)) => {
                            sub.pending_missed += 1;
                            self.missed_total.fetch_add(1, Relaxed);
                            continue;
                        }
                        Err(TrySendError::Closed(_)) => return false,
                    }
                }
                match sub.queue.try_send(Item::Event(*id, Arc::clone(event))) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        sub.pending_missed += 1;
                        self.missed_total.fetch_add(1, Relaxed);
                    }
                    Err(TrySendError::Closed(_)) => return false,
                }
            }
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use rampart_proto::{
        v1::{Exec, Pod, event::Body},
        wkt::Timestamp,
    };

    use super::*;

    fn ev(ns: &str) -> Arc<Event> {
        Arc::new(Event {
            time: Some(Timestamp::from_unix_nanos(1)),
            pod: Some(Pod { namespace: ns.into(), ..Default::default() }),
            body: Some(Body::Exec(Exec::default())),
            ..Default::default()
        })
    }

    fn drain(sub: &mut Subscription) -> (Vec<u64>, u64) {
        let (mut ids, mut missed) = (Vec::new(), 0);
        while let Ok(item) = sub.queue.try_recv() {
            match item {
                Item::Event(id, _) => ids.push(id),
                Item::Missed(n) => missed += n,
            }
        }
        (ids, missed)
    }

    #[test]
    fn a_full_queue_counts_what_is_missed_and_says_so_in_place() {
        let hub = Arc::new(Hub::default());
        let mut slow = hub.subscribe(EventFilter::default(), 4);
        let batch: Vec<_> = (1..=10).map(|i| (i, ev("a"))).collect();
        hub.publish(&batch);
        // 4 fit; 6 were missed.
        let (ids, missed) = drain(&mut slow);
        assert_eq!((ids, missed), (vec![1, 2, 3, 4], 0));
        hub.publish(&[(11, ev("a"))]);
        // The gap is reported before the next event.
        assert!(matches!(slow.queue.try_recv(), Ok(Item::Missed(6))));
        assert!(matches!(slow.queue.try_recv(), Ok(Item::Event(11, _))));
        assert_eq!(hub.missed_total(), 6);
    }

    #[test]
    fn received_plus_missed_is_what_matched() {
        let hub = Arc::new(Hub::default());
        let mut sub = hub.subscribe(EventFilter { namespaces: vec!["a".into()], ..Default::default() }, 3);
        let mut got = 0;
        let mut missed = 0;
        for round in 0..50_u64 {
            let batch: Vec<_> =
                (0..7).map(|i| (round * 7 + i, ev(if i % 2 == 0 { "a" } else { "b" }))).collect();
            hub.publish(&batch);
            if round % 3 == 0 {
                let (ids, m) = drain(&mut sub);
                got += ids.len() as u64;
                missed += m;
            }
        }
        // With room again, the timer reports the last gap.
        let (ids, m) = drain(&mut sub);
        got += ids.len() as u64;
        missed += m;
        hub.flush_missed();
        let (ids, m) = drain(&mut sub);
        got += ids.len() as u64;
        missed += m;
        assert_eq!(got + missed, 50 * 4);
        assert!(missed > 0);
    }

    #[test]
    fn dropped_subscriptions_unregister() {
        let hub = Arc::new(Hub::default());
        let sub = hub.subscribe(EventFilter::default(), 4);
        assert_eq!(hub.len(), 1);
        drop(sub);
        assert!(hub.is_empty());
    }
}
