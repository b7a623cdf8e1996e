//! [`Tally`]: the running count of a what-if — each stored event judged again and compared
//! with its stored verdict, changes grouped by (stored action, candidate action, candidate
//! policy and rule).

use std::collections::{BTreeMap, HashMap};

use rampart_policy::{Action, PolicySet};
use rampart_proto::{
    activity::{Judgeable, Unjudgeable},
    event::Kind,
    v1::{Event, NameCount, Unjudged, VerdictChange, WhatIfReport, verdict},
    wkt::Timestamp,
};

/// Changes are grouped by this: (stored action, candidate action, policy, rule).
type ChangeKey = (i32, i32, String, String);

#[derive(Debug, Default)]
struct Change {
    count: u64,
    pods: HashMap<String, u64>,
    kinds: BTreeMap<&'static str, u64>,
    samples: Vec<Event>,
}

#[derive(Debug)]
pub struct Tally {
    samples: usize,
    pub events_read: u64,
    judged: u64,
    changed: u64,
    changes: HashMap<ChangeKey, Change>,
    unjudged: BTreeMap<Unjudgeable, u64>,
    first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

fn proto_action(a: Action) -> verdict::Action {
    match a {
        Action::Allow => verdict::Action::Allow,
        Action::Deny => verdict::Action::Deny,
        Action::Audit => verdict::Action::Audit,
    }
}

impl Tally {
    pub fn new(samples: usize) -> Self {
        Tally {
            samples,
            events_read: 0,
            judged: 0,
            changed: 0,
            changes: HashMap::new(),
            unjudged: BTreeMap::new(),
            first: None,
            last: None,
        }
    }

    /// Judges one stored event against `set` and counts the outcome.
    pub fn add(&mut self, set: &PolicySet, event: Event) {
        self.events_read += 1;
        if self.first.is_none() {
            self.first = event.time;
        }
        self.last = event.time;
        let stored = event.verdict.as_ref().and_then(|v| verdict::Action::try_from(v.action).ok());
        let judgement = match (event.judgeable(), stored) {
            (Judgeable::NotCounted, _) => return,
            (Judgeable::Unjudgeable(why), _) => return self.unjudgeable(why),
            (Judgeable::Activity { .. }, None | Some(verdict::Action::Unspecified)) => {
                return self.unjudgeable(Unjudgeable::Malformed);
            }
            (Judgeable::Activity { namespace, pod, activity }, Some(_)) => match pod {
                Some(pod) => set.judge(namespace, &pod.labels, &activity),
                None => set.judge(namespace, &BTreeMap::<String, String>::new(), &activity),
            },
        };
        self.judged += 1;
        let from = stored.unwrap_or_default();
        let to = proto_action(judgement.action);
        if from == to {
            return;
        }
        self.changed += 1;
        let key = (
            from as i32,
            to as i32,
            judgement.policy.unwrap_or_default(),
            judgement.rule.unwrap_or_default(),
        );
        let change = self.changes.entry(key).or_default();
        change.count += 1;
        if let Some(pod) = event.pod.as_ref().filter(|p| !p.name.is_empty()) {
            let name = format!("{}/{}", pod.namespace, pod.name);
            *change.pods.entry(name).or_default() += 1;
        }
        *change.kinds.entry(event.kind().map_or("?", Kind::as_str)).or_default() += 1;
        if change.samples.len() < self.samples {
            change.samples.push(event);
        }
    }

    fn unjudgeable(&mut self, why: Unjudgeable) {
        *self.unjudged.entry(why).or_default() += 1;
    }

    /// The report: changes most first (then by key, so equal counts keep a stable order).
    pub fn report(self, policies: Vec<String>, replaced: Vec<String>) -> WhatIfReport {
        let by_count = |m: HashMap<String, u64>| {
            let mut v: Vec<NameCount> =
                m.into_iter().map(|(name, count)| NameCount { name, count }).collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
            v
        };
        let mut changes: Vec<(ChangeKey, Change)> = self.changes.into_iter().collect();
        changes.sort_by(|(ka, a), (kb, b)| b.count.cmp(&a.count).then_with(|| ka.cmp(kb)));
        WhatIfReport {
            events_read: self.events_read,
            judged: self.judged,
            changed: self.changed,
            changes: changes
                .into_iter()
                .map(|((from, to, policy, rule), c)| VerdictChange {
                    from,
                    to,
                    policy,
                    rule,
                    count: c.count,
                    pods: by_count(c.pods),
                    kinds: c
                        .kinds
                        .into_iter()
                        .map(|(k, count)| NameCount { name: k.into(), count })
                        .collect(),
                    samples: c.samples,
                })
                .collect(),
            unjudged: self
                .unjudged
                .into_iter()
                .map(|(why, count)| Unjudged { reason: why.reason().into(), count })
                .collect(),
            policies,
            replaced,
            first: self.first,
            last: self.last,
        }
    }
}
