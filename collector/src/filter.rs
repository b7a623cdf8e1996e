//! What a subscriber or a replay asks for: [`EventFilter`], checked from the wire's
//! `rampart.v1.Filter` and matched against events. The SQLite store pushes the indexed parts
//! (time, namespace, pod, kind, verdict, policy, node) into its query and matches the rest here.

use std::collections::BTreeMap;

use rampart_policy::{Cidr, LabelSelector, LabelSelectorRequirement, SelectorOperator};
use rampart_proto::{
    event::Kind,
    v1::{Event, Filter, event::Body, filter, flow, verdict::Action},
};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventFilter {
    pub namespaces: Vec<String>,
    pub pods: Vec<String>,
    pub labels: LabelSelector,
    pub kinds: Vec<Kind>,
    pub actions: Vec<Action>,
    pub policies: Vec<String>,
    pub nodes: Vec<String>,
    /// Event time window, Unix ns: `since <= time < until`.
    pub since_ns: Option<i64>,
    pub until_ns: Option<i64>,
    /// Flows with either end on one of these ports / in one of these blocks / of one of these
    /// protocols (any of them set: flows only).
    pub ports: Vec<u32>,
    pub ips: Vec<Cidr>,
    pub protocols: Vec<flow::Protocol>,
    /// Events matching any of these are left out.
    pub exclude: Vec<EventFilter>,
}

/// Most exclusions one filter may carry.
pub const MAX_EXCLUDE: usize = 64;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("filter.kinds: unknown kind value {0} (expected flow, file, privilege, exec or gap)")]
    Kind(i32),
    #[error("filter.actions: unknown verdict action value {0} (expected allow, deny or audit)")]
    Action(i32),
    #[error("filter: since ({since}) is not before until ({until})")]
    Window { since: String, until: String },
    #[error("filter.ips: {ip:?} is not an address or CIDR block: {problem}")]
    Ip { ip: String, problem: String },
    #[error("filter.ports: {0} is not a port (1-65535)")]
    Port(u32),
    #[error("filter.protocols: unknown protocol value {0} (expected tcp or udp)")]
    Protocol(i32),
    #[error(
        "filter.labelSelector: {key}: unknown operator {operator:?} (expected In, NotIn, Exists or DoesNotExist)"
    )]
    Operator { key: String, operator: String },
    #[error("filter.labelSelector: {key} {operator}: {problem}")]
    Values { key: String, operator: &'static str, problem: &'static str },
    #[error("filter.exclude: {count} exclusions; at most {MAX_EXCLUDE} are accepted")]
    TooManyExclusions { count: usize },
    #[error("filter.exclude[{index}]: {what} is not accepted in an exclusion")]
    Exclusion { index: usize, what: &'static str },
    #[error("filter.exclude[{index}]: {source}")]
    InExclusion { index: usize, source: Box<FilterError> },
}

impl TryFrom<Filter> for EventFilter {
    type Error = FilterError;

    fn try_from(f: Filter) -> Result<Self, FilterError> {
        if f.exclude.len() > MAX_EXCLUDE {
            return Err(FilterError::TooManyExclusions { count: f.exclude.len() });
        }
        let mut exclude = Vec::with_capacity(f.exclude.len());
        for (index, x) in f.exclude.into_iter().enumerate() {
            let what = if x.since.is_some() || x.until.is_some() {
                Some("a time window")
            } else if !x.exclude.is_empty() {
                Some("an exclusion")
            } else if x == Filter::default() {
                Some("an empty filter (it would leave out every event)")
            } else {
                None
            };
            if let Some(what) = what {
                return Err(FilterError::Exclusion { index, what });
            }
            let x = EventFilter::try_from(x)
                .map_err(|e| FilterError::InExclusion { index, source: Box::new(e) })?;
            exclude.push(x);
        }
        let kinds = f
            .kinds
            .iter()
            .map(|&k| {
                filter::Kind::try_from(k)
                    .ok()
                    .and_then(|k| Kind::try_from(k).ok())
                    .ok_or(FilterError::Kind(k))
            })
            .collect::<Result<_, _>>()?;
        let actions = f
            .actions
            .iter()
            .map(|&a| {
                Action::try_from(a).ok().filter(|a| *a != Action::Unspecified).ok_or(FilterError::Action(a))
            })
            .collect::<Result<_, _>>()?;
        let since_ns = f.since.map(|t| t.unix_nanos());
        let until_ns = f.until.map(|t| t.unix_nanos());
        if let (Some(s), Some(u)) = (f.since, f.until)
            && s.unix_nanos() >= u.unix_nanos()
        {
            return Err(FilterError::Window { since: s.rfc3339(9), until: u.rfc3339(9) });
        }
        Ok(EventFilter {
            namespaces: f.namespaces,
            pods: f.pods,
            labels: selector(f.label_selector.unwrap_or_default())?,
            ports: match f.ports.iter().find(|p| !(1..=65535).contains(*p)) {
                Some(p) => return Err(FilterError::Port(*p)),
                None => f.ports,
            },
            ips: f
                .ips
                .iter()
                .map(|ip| {
                    ip.parse::<Cidr>().map_err(|e| FilterError::Ip { ip: ip.clone(), problem: e.to_string() })
                })
                .collect::<Result<_, _>>()?,
            protocols: f
                .protocols
                .iter()
                .map(|&p| {
                    flow::Protocol::try_from(p)
                        .ok()
                        .filter(|p| *p != flow::Protocol::Unspecified)
                        .ok_or(FilterError::Protocol(p))
                })
                .collect::<Result<_, _>>()?,
            kinds,
            actions,
            policies: f.policies,
            nodes: f.nodes,
            since_ns,
            until_ns,
            exclude,
        })
    }
}

/// The wire's selector as the policy crate's (the same matching as policies).
fn selector(s: rampart_proto::v1::LabelSelector) -> Result<LabelSelector, FilterError> {
    let mut match_expressions = Vec::new();
    for r in s.match_expressions {
        let (operator, name, with_values) = match r.operator.as_str() {
            "In" => (SelectorOperator::In, "In", true),
            "NotIn" => (SelectorOperator::NotIn, "NotIn", true),
            "Exists" => (SelectorOperator::Exists, "Exists", false),
            "DoesNotExist" => (SelectorOperator::DoesNotExist, "DoesNotExist", false),
            _ => return Err(FilterError::Operator { key: r.key, operator: r.operator }),
        };
        if with_values == r.values.is_empty() {
            let problem = if with_values { "needs values" } else { "takes no values" };
            return Err(FilterError::Values { key: r.key, operator: name, problem });
        }
        match_expressions.push(LabelSelectorRequirement { key: r.key, operator, values: r.values });
    }
    Ok(LabelSelector { match_labels: s.match_labels, match_expressions })
}

fn any_of<T: PartialEq>(wanted: &[T], value: &T) -> bool {
    wanted.is_empty() || wanted.contains(value)
}

fn any_str(wanted: &[String], value: &str) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| w == value)
}

impl EventFilter {
    /// Whether the event time is inside the window (an event without time is outside any
    /// window that has a bound).
    pub fn matches_time(&self, time_ns: Option<i64>) -> bool {
        match time_ns {
            Some(t) => self.since_ns.is_none_or(|s| t >= s) && self.until_ns.is_none_or(|u| t < u),
            None => self.since_ns.is_none() && self.until_ns.is_none(),
        }
    }

    /// Whether `event` passes every part of the filter.
    pub fn matches(&self, event: &Event) -> bool {
        self.matches_time(event.time.map(|t| t.unix_nanos())) && self.matches_rest(event)
    }

    /// Everything but the time window.
    pub fn matches_rest(&self, event: &Event) -> bool {
        let empty = BTreeMap::new();
        let (namespace, name, labels) = match &event.pod {
            Some(p) => (p.namespace.as_str(), p.name.as_str(), &p.labels),
            None => ("", "", &empty),
        };
        let verdict = event.verdict.as_ref();
        let action = verdict.map_or(Action::Unspecified, |v| v.action());
        let policy = verdict.map_or("", |v| v.policy.as_str());
        any_str(&self.namespaces, namespace)
            && any_str(&self.pods, name)
            && any_str(&self.nodes, &event.node)
            && any_str(&self.policies, policy)
            && any_of(&self.actions, &action)
            && (self.kinds.is_empty() || event.kind().is_some_and(|k| self.kinds.contains(&k)))
            && (self.labels.is_empty() || self.labels.matches(labels))
            && self.matches_flow(event)
            && !self.exclude.iter().any(|x| x.matches_rest(event))
    }

    /// The flow parts: with none set, any event; else a flow with a matching end.
    fn matches_flow(&self, event: &Event) -> bool {
        if self.ports.is_empty() && self.ips.is_empty() && self.protocols.is_empty() {
            return true;
        }
        let Some(Body::Flow(f)) = &event.body else { return false };
        let ip = |s: &str| s.parse::<std::net::IpAddr>().ok().map(|a| a.to_canonical());
        let in_blocks = |s: &str| ip(s).is_some_and(|a| self.ips.iter().any(|c| c.contains(a)));
        (self.ports.is_empty() || self.ports.contains(&f.local_port) || self.ports.contains(&f.remote_port))
            && (self.ips.is_empty() || in_blocks(&f.local_ip) || in_blocks(&f.remote_ip))
            && (self.protocols.is_empty() || self.protocols.iter().any(|p| *p as i32 == f.protocol))
    }
}

#[cfg(test)]
mod tests {
    use rampart_proto::{
        v1::{Exec, LabelSelector as WireSelector, Pod, Verdict, event::Body},
        wkt::Timestamp,
    };

    use super::*;

    fn event(ns: &str, pod: &str, app: &str, action: Action, t: i64) -> Event {
        Event {
            time: Some(Timestamp::from_unix_nanos(t)),
            node: "n1".into(),
            pod: Some(Pod {
                namespace: ns.into(),
                name: pod.into(),
                labels: [("app".to_string(), app.to_string())].into(),
                ..Default::default()
            }),
            body: Some(Body::Exec(Exec::default())),
            verdict: Some(Verdict { action: action as i32, policy: "shop/web".into(), ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn empty_filter_matches_everything() {
        let f = EventFilter::try_from(Filter::default()).unwrap();
        assert!(f.matches(&event("a", "b", "c", Action::Allow, 5)));
        assert!(f.matches(&Event::default()));
    }

    #[test]
    fn an_event_matching_any_exclusion_is_left_out() {
        let f = EventFilter::try_from(Filter {
            namespaces: vec!["shop".into(), "bank".into()],
            exclude: vec![
                Filter { pods: vec!["db".into()], ..Default::default() },
                Filter { actions: vec![Action::Deny as i32], ..Default::default() },
            ],
            ..Default::default()
        })
        .unwrap();
        assert!(f.matches(&event("shop", "web", "web", Action::Allow, 1)));
        assert!(!f.matches(&event("shop", "db", "db", Action::Allow, 1)), "excluded pod");
        assert!(!f.matches(&event("bank", "web", "web", Action::Deny, 1)), "excluded verdict");
        assert!(!f.matches(&event("other", "web", "web", Action::Allow, 1)), "not included");

        let with = |exclude: Vec<Filter>| EventFilter::try_from(Filter { exclude, ..Default::default() });
        let timed = Filter {
            pods: vec!["a".into()],
            since: Some(Timestamp::from_unix_nanos(5)),
            ..Default::default()
        };
        assert_eq!(with(vec![timed]), Err(FilterError::Exclusion { index: 0, what: "a time window" }));
        let e = with(vec![Filter { pods: vec!["a".into()], ..Default::default() }, Filter::default()])
            .unwrap_err();
        assert!(e.to_string().starts_with("filter.exclude[1]: an empty filter"), "{e}");
        let nested =
            Filter { pods: vec!["a".into()], exclude: vec![Filter::default()], ..Default::default() };
        assert_eq!(with(vec![nested]), Err(FilterError::Exclusion { index: 0, what: "an exclusion" }));
        let bad = Filter { kinds: vec![42], ..Default::default() };
        let e = with(vec![bad]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "filter.exclude[0]: filter.kinds: unknown kind value 42 (expected flow, file, privilege, exec or gap)"
        );
        let many = vec![Filter { pods: vec!["a".into()], ..Default::default() }; MAX_EXCLUDE + 1];
        assert_eq!(with(many), Err(FilterError::TooManyExclusions { count: MAX_EXCLUDE + 1 }));
    }

    #[test]
    fn every_part_must_match() {
        let f = EventFilter::try_from(Filter {
            namespaces: vec!["shop".into()],
            pods: vec!["web-0".into(), "web-1".into()],
            label_selector: Some(WireSelector {
                match_labels: [("app".into(), "web".into())].into(),
                ..Default::default()
            }),
            kinds: vec![filter::Kind::Exec as i32],
            actions: vec![Action::Deny as i32, Action::Audit as i32],
            policies: vec!["shop/web".into()],
            nodes: vec!["n1".into()],
            since: Some(Timestamp::from_unix_nanos(10)),
            until: Some(Timestamp::from_unix_nanos(20)),
            ..Default::default()
        })
        .unwrap();
        assert!(f.matches(&event("shop", "web-1", "web", Action::Deny, 10)));
        assert!(!f.matches(&event("shop", "web-1", "web", Action::Deny, 20)), "until is exclusive");
        assert!(!f.matches(&event("shop", "web-1", "web", Action::Deny, 9)));
        assert!(!f.matches(&event("bank", "web-1", "web", Action::Deny, 15)));
        assert!(!f.matches(&event("shop", "db-0", "web", Action::Deny, 15)));
        assert!(!f.matches(&event("shop", "web-1", "db", Action::Deny, 15)));
        assert!(!f.matches(&event("shop", "web-1", "web", Action::Allow, 15)));
        let mut flow = event("shop", "web-1", "web", Action::Deny, 15);
        flow.body = None;
        assert!(!f.matches(&flow));
    }

    #[test]
    fn label_expressions_match_as_in_policies_and_bad_ones_are_refused() {
        use rampart_proto::v1::LabelRequirement;
        let req = |key: &str, operator: &str, values: &[&str]| LabelRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let with = |expressions: Vec<LabelRequirement>| {
            EventFilter::try_from(Filter {
                label_selector: Some(WireSelector { match_expressions: expressions, ..Default::default() }),
                ..Default::default()
            })
        };
        let f = with(vec![req("app", "In", &["web", "api"]), req("legacy", "DoesNotExist", &[])]).unwrap();
        assert!(f.matches(&event("shop", "web-1", "web", Action::Deny, 1)));
        assert!(!f.matches(&event("shop", "db-0", "db", Action::Deny, 1)));
        let not = with(vec![req("app", "NotIn", &["web"])]).unwrap();
        assert!(!not.matches(&event("shop", "web-1", "web", Action::Deny, 1)));
        assert!(matches!(with(vec![req("app", "Like", &["w"])]), Err(FilterError::Operator { .. })));
        assert!(matches!(with(vec![req("app", "In", &[])]), Err(FilterError::Values { .. })));
        assert!(matches!(with(vec![req("app", "Exists", &["x"])]), Err(FilterError::Values { .. })));
    }

    #[test]
    fn flow_parts_match_either_end_and_only_flows() {
        use rampart_proto::v1::Flow;
        let f = EventFilter::try_from(Filter {
            ports: vec![5432],
            ips: vec!["10.1.0.0/16".into()],
            protocols: vec![flow::Protocol::Tcp as i32],
            ..Default::default()
        })
        .unwrap();
        let mut e = event("shop", "web-1", "web", Action::Deny, 1);
        assert!(!f.matches(&e), "an exec is not a flow");
        let flow = |local: &str, lport, remote: &str, rport, protocol: flow::Protocol| Flow {
            local_ip: local.into(),
            local_port: lport,
            remote_ip: remote.into(),
            remote_port: rport,
            protocol: protocol as i32,
            ..Default::default()
        };
        e.body = Some(Body::Flow(flow("10.2.0.1", 40000, "10.1.3.4", 5432, flow::Protocol::Tcp)));
        assert!(f.matches(&e));
        e.body = Some(Body::Flow(flow("10.1.0.9", 5432, "192.0.2.1", 40000, flow::Protocol::Tcp)));
        assert!(f.matches(&e), "the local end counts too");
        e.body = Some(Body::Flow(flow("10.2.0.1", 40000, "10.1.3.4", 5432, flow::Protocol::Udp)));
        assert!(!f.matches(&e));
        e.body = Some(Body::Flow(flow("10.2.0.1", 40000, "10.9.3.4", 5432, flow::Protocol::Tcp)));
        assert!(!f.matches(&e));
        let bad = |f: Filter| EventFilter::try_from(f).unwrap_err();
        assert_eq!(bad(Filter { ports: vec![0], ..Default::default() }), FilterError::Port(0));
        assert!(matches!(
            bad(Filter { ips: vec!["10.0.0.1/8".into()], ..Default::default() }),
            FilterError::Ip { .. }
        ));
        assert_eq!(bad(Filter { protocols: vec![9], ..Default::default() }), FilterError::Protocol(9));
    }

    #[test]
    fn unknown_enum_values_and_empty_windows_are_refused() {
        let bad_kind = Filter { kinds: vec![9], ..Default::default() };
        assert_eq!(EventFilter::try_from(bad_kind), Err(FilterError::Kind(9)));
        let unspecified = Filter { kinds: vec![0], ..Default::default() };
        assert_eq!(EventFilter::try_from(unspecified), Err(FilterError::Kind(0)));
        let bad_action = Filter { actions: vec![7], ..Default::default() };
        assert_eq!(EventFilter::try_from(bad_action), Err(FilterError::Action(7)));
        let window = Filter {
            since: Some(Timestamp::from_unix_nanos(5)),
            until: Some(Timestamp::from_unix_nanos(5)),
            ..Default::default()
        };
        assert!(matches!(EventFilter::try_from(window), Err(FilterError::Window { .. })));
    }
}
