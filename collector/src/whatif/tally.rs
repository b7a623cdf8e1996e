//! [`Tally`]: the running count of a what-if — each stored event judged again and compared
//! with its stored verdict, changes grouped by (stored action, candidate action, candidate
//! policy and rule).

use std::collections::{BTreeMap, HashMap};

use rampart_policy::{Action, PolicySet};
use rampart_proto::{
    activity::Unjudgeable,
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
    /// Reused for each changed event's `namespace/pod` (most of a what-if's events may change).
    pod_name: String,
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
            pod_name: String::new(),
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
        let judgement = match event.judge_with(set) {
            Ok(None) => return,
            Err(why) => return self.unjudgeable(why),
            Ok(Some(_)) if matches!(stored, None | Some(verdict::Action::Unspecified)) => {
                return self.unjudgeable(Unjudgeable::Malformed);
            }
            Ok(Some(j)) => j,
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
            let name = &mut self.pod_name;
            name.clear();
            name.push_str(&pod.namespace);
            name.push('/');
            name.push_str(&pod.name);
            match change.pods.get_mut(name.as_str()) {
                Some(n) => *n += 1,
                None => {
                    change.pods.insert(name.clone(), 1);
                }
            }
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

#[cfg(test)]
mod tests {
    use rampart_proto::v1::{Flow, Pod, RemotePod, Verdict, event::Body, flow, pod::Attribution};

    use super::*;

    /// A stored egress open from shop/web to 10.1.0.7:5432, which was allowed, towards a pod
    /// labelled `app`.
    fn flow_to(app: &str) -> Event {
        Event {
            pod: Some(Pod {
                namespace: "shop".into(),
                name: "web-0".into(),
                labels: [("app".to_owned(), "web".to_owned())].into(),
                attribution: Attribution::Exact as i32,
                ..Default::default()
            }),
            body: Some(Body::Flow(Flow {
                direction: flow::Direction::Egress as i32,
                protocol: flow::Protocol::Tcp as i32,
                phase: flow::Phase::Open as i32,
                remote_ip: "10.1.0.7".into(),
                remote_port: 5432,
                remote_pod: Some(RemotePod {
                    namespace: "shop".into(),
                    name: format!("{app}-0"),
                    labels: [("app".to_owned(), app.to_owned())].into(),
                    ..Default::default()
                }),
                ..Default::default()
            })),
            verdict: Some(Verdict { action: verdict::Action::Allow as i32, ..Default::default() }),
            ..Default::default()
        }
    }

    /// A candidate's pod peers are matched against the pod each stored flow names.
    #[test]
    fn selector_peers_judge_the_stored_remote_pod() {
        let text = "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: web, namespace: shop}\n\
                    spec:\n  podSelector: {matchLabels: {app: web}}\n  mode: enforce\n  network:\n    egress:\n\
                    \x20     - to: [{podSelector: {matchLabels: {app: db}}}]\n        ports: [{port: 5432}]\n";
        let set = PolicySet::new(rampart_policy::parse_source("c.yaml", text).unwrap()).unwrap();
        let mut tally = Tally::new(4);
        tally.add(&set, flow_to("db"));
        tally.add(&set, flow_to("cache"));
        let report = tally.report(vec!["shop/web".into()], Vec::new());
        assert_eq!(report.judged, 2, "{report:?}");
        assert_eq!(report.changed, 1, "only the flow to a pod the selector misses: {report:?}");
        let change = &report.changes[0];
        assert_eq!(change.to, verdict::Action::Deny as i32);
        let sample = &change.samples[0];
        let Some(Body::Flow(f)) = &sample.body else { panic!("{sample:?}") };
        assert_eq!(f.remote_pod.as_ref().unwrap().name, "cache-0");
    }
}
