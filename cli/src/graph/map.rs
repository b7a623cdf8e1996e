//! [`FlowMap`]: who talked to whom, counted from stored flow opens.
//!
//! A place is a pod (drawn in its namespace), a node's host processes, a process no pod was
//! found for, or an outside address block. Each flow open is an edge from the client (the
//! connecting end) to the server, keyed by its outcome (allowed, audited, denied), the policy
//! that decided a refusal, and, for a candidate map, the outcome stored before. Memory grows
//! with the number of distinct edges and ports, not with the window.
//!
//! A connection between two pods on observed nodes is seen twice: at the client's egress and
//! at the server's ingress. An edge's count per port is therefore the larger of the two ends'
//! counts, not their sum, for allowed and audited flows; a refusal happens at one end only,
//! so denied counts add up. A refused connection's client sends its SYN again (and a UDP
//! client its datagrams), each refused and stored at the server's end: those from the same
//! client address and port are counted once, over the last [`RECENT_REFUSALS`] refusals.

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    net::IpAddr,
};

use rampart_policy::{Action, Cidr, PolicySet};
use rampart_proto::{
    activity::Unjudgeable,
    v1::{Event, event::Body, flow, pod::Attribution, verdict},
};
use serde::Serialize;

/// Outside addresses no `--cidr` names are grouped in blocks of these prefix lengths.
pub const DEFAULT_PREFIX_V4: u8 = 24;
pub const DEFAULT_PREFIX_V6: u8 = 64;

/// How many refusals at a server's end are remembered to recognise a client's retry.
pub const RECENT_REFUSALS: usize = 256;

/// One end of a flow, as drawn.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    Pod {
        namespace: String,
        name: String,
    },
    /// A process of the node itself (host network, no pod).
    Host {
        node: String,
    },
    /// A process the agent on `node` could not attribute.
    Unattributed {
        node: String,
    },
    /// An address that is no pod the agent knew, in this block.
    Block(Cidr),
}

impl Place {
    /// The node's name in DOT, unique in the map.
    pub fn id(&self) -> String {
        match self {
            Place::Pod { namespace, name } => format!("pod:{namespace}/{name}"),
            Place::Host { node } => format!("host:{node}"),
            Place::Unattributed { node } => format!("unattributed:{node}"),
            Place::Block(c) => format!("cidr:{c}"),
        }
    }

    /// What the node says.
    pub fn label(&self) -> String {
        match self {
            Place::Pod { name, .. } => name.clone(),
            Place::Host { node } => format!("{node} (host)"),
            Place::Unattributed { node } => format!("unattributed on {node}"),
            Place::Block(c) => c.to_string(),
        }
    }

    /// The namespace it is drawn in, for a pod.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Place::Pod { namespace, .. } => Some(namespace),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Place::Pod { .. } => "pod",
            Place::Host { .. } => "host",
            Place::Unattributed { .. } => "unattributed",
            Place::Block(_) => "cidr",
        }
    }
}

/// What happened to the flows of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allowed,
    /// A policy in audit mode would have denied them; nothing was blocked.
    Audited,
    Denied,
}

impl Outcome {
    fn from_stored(a: verdict::Action) -> Option<Outcome> {
        match a {
            verdict::Action::Allow => Some(Outcome::Allowed),
            verdict::Action::Audit => Some(Outcome::Audited),
            verdict::Action::Deny => Some(Outcome::Denied),
            verdict::Action::Unspecified => None,
        }
    }

    fn from_judged(a: Action) -> Outcome {
        match a {
            Action::Allow => Outcome::Allowed,
            Action::Audit => Outcome::Audited,
            Action::Deny => Outcome::Denied,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Audited => "audited",
            Outcome::Denied => "denied",
        }
    }
}

/// What an edge is drawn for: a (client, server) pair and what happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeKey {
    pub client: Place,
    pub server: Place,
    pub outcome: Outcome,
    /// The policy that audited or denied (`namespace/name`); none for allowed flows.
    pub policy: Option<String>,
    /// A candidate map: the outcome stored, where the candidate's differs.
    pub was: Option<Outcome>,
}

/// A server port of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Port {
    pub protocol: &'static str,
    pub port: u16,
}

#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    at_client: u64,
    at_server: u64,
}

/// An edge with its ports, most used first, and its count.
#[derive(Debug)]
pub struct Edge<'m> {
    pub key: &'m EdgeKey,
    pub count: u64,
    pub ports: Vec<(Port, u64)>,
}

/// Why a flow event was left off the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Skipped {
    /// Not a flow open (an update or close of a connection already counted, another kind).
    NotAnOpen,
    /// No verdict, or a direction, protocol or address this build does not read.
    Malformed,
}

/// The flows of a window, as edges.
#[derive(Debug, Default)]
pub struct FlowMap {
    /// `--cidr` blocks, most specific first.
    blocks: Vec<Cidr>,
    edges: BTreeMap<EdgeKey, BTreeMap<Port, Seen>>,
    pub opens: u64,
    pub skipped: BTreeMap<Skipped, u64>,
    /// A candidate map: opens the candidate could not judge (drawn as stored), by reason.
    pub unjudged: BTreeMap<Unjudgeable, u64>,
    /// The latest refusals at a server's end: (client address, client port, server port).
    recent_refusals: VecDeque<(IpAddr, u32, u32)>,
    /// Refusals left off as a client's retry of one already counted.
    pub retries: u64,
}

impl FlowMap {
    pub fn new(mut blocks: Vec<Cidr>) -> FlowMap {
        blocks.sort_by(|a, b| b.prefix_len().cmp(&a.prefix_len()).then(a.cmp(b)));
        blocks.dedup();
        FlowMap { blocks, ..FlowMap::default() }
    }

    /// Counts one stored event: as stored, or as `candidate` judges it again.
    pub fn add(&mut self, event: &Event, candidate: Option<&PolicySet>) {
        let Some(Body::Flow(f)) = &event.body else { return self.skip(Skipped::NotAnOpen) };
        if f.phase != flow::Phase::Open as i32 {
            return self.skip(Skipped::NotAnOpen);
        }
        let stored = event.verdict.as_ref().and_then(|v| {
            let outcome = Outcome::from_stored(verdict::Action::try_from(v.action).ok()?)?;
            Some((outcome, v.policy.clone()))
        });
        let (Some((stored, stored_policy)), Ok(remote_ip)) = (stored, f.remote_ip.parse::<IpAddr>()) else {
            return self.skip(Skipped::Malformed);
        };
        let protocol = match flow::Protocol::try_from(f.protocol) {
            Ok(flow::Protocol::Tcp) => "tcp",
            Ok(flow::Protocol::Udp) => "udp",
            _ => return self.skip(Skipped::Malformed),
        };
        let egress = match flow::Direction::try_from(f.direction) {
            Ok(flow::Direction::Egress) => true,
            Ok(flow::Direction::Ingress) => false,
            _ => return self.skip(Skipped::Malformed),
        };
        if !egress && stored == Outcome::Denied {
            let attempt = (remote_ip, f.remote_port, f.local_port);
            if self.recent_refusals.contains(&attempt) {
                self.retries += event.repeat_count.max(1);
                return;
            }
            if self.recent_refusals.len() == RECENT_REFUSALS {
                self.recent_refusals.pop_front();
            }
            self.recent_refusals.push_back(attempt);
        }
        let (outcome, policy, was) = match candidate.map(|set| event.judge_with(set)) {
            None => (stored, stored_policy, None),
            Some(Ok(Some(j))) => {
                let now = Outcome::from_judged(j.action);
                (now, j.policy.unwrap_or_default(), (now != stored).then_some(stored))
            }
            Some(Ok(None)) => return self.skip(Skipped::NotAnOpen),
            Some(Err(why)) => {
                *self.unjudged.entry(why).or_default() += 1;
                (stored, stored_policy, None)
            }
        };
        let local = self.local(event);
        let remote = match &f.remote_pod {
            Some(p) => Place::Pod { namespace: p.namespace.clone(), name: p.name.clone() },
            None => Place::Block(self.block(remote_ip)),
        };
        let (client, server, port) =
            if egress { (local, remote, f.remote_port) } else { (remote, local, f.local_port) };
        let key = EdgeKey {
            client,
            server,
            outcome,
            policy: (outcome != Outcome::Allowed && !policy.is_empty()).then_some(policy),
            was,
        };
        let port = Port { protocol, port: u16::try_from(port).unwrap_or(0) };
        let seen = self.edges.entry(key).or_default().entry(port).or_default();
        let times = event.repeat_count.max(1);
        if egress {
            seen.at_client += times;
        } else {
            seen.at_server += times;
        }
        self.opens += times;
    }

    fn skip(&mut self, why: Skipped) {
        *self.skipped.entry(why).or_default() += 1;
    }

    /// The event's own end.
    fn local(&self, event: &Event) -> Place {
        let pod = event.pod.as_ref();
        match pod.map(|p| Attribution::try_from(p.attribution)) {
            Some(Ok(Attribution::Exact | Attribution::Late)) => {
                let p = pod.expect("matched Some");
                Place::Pod { namespace: p.namespace.clone(), name: p.name.clone() }
            }
            Some(Ok(Attribution::Host)) => Place::Host { node: event.node.clone() },
            _ => Place::Unattributed { node: event.node.clone() },
        }
    }

    /// The block an outside address is drawn in: the most specific `--cidr` holding it, else
    /// its /24 (IPv4) or /64 (IPv6).
    fn block(&self, ip: IpAddr) -> Cidr {
        let ip = ip.to_canonical();
        if let Some(b) = self.blocks.iter().find(|b| b.contains(ip)) {
            return *b;
        }
        let len = if ip.is_ipv4() { DEFAULT_PREFIX_V4 } else { DEFAULT_PREFIX_V6 };
        Cidr::new(ip, if ip.is_ipv4() { 32 } else { 128 }).expect("a host address").truncate(len)
    }

    /// Every edge, in key order.
    pub fn edges(&self) -> impl Iterator<Item = Edge<'_>> {
        self.edges.iter().map(|(key, ports)| {
            let count_of = |s: &Seen| match key.outcome {
                Outcome::Denied => s.at_client + s.at_server,
                Outcome::Allowed | Outcome::Audited => s.at_client.max(s.at_server),
            };
            let mut ports: Vec<(Port, u64)> = ports.iter().map(|(p, s)| (*p, count_of(s))).collect();
            ports.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Edge { key, count: ports.iter().map(|p| p.1).sum(), ports }
        })
    }

    /// Every place at an end of an edge, in order.
    pub fn places(&self) -> BTreeSet<&Place> {
        self.edges.keys().flat_map(|k| [&k.client, &k.server]).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use rampart_proto::v1::{Flow, Pod, RemotePod, Verdict};

    use super::*;

    fn pod(ns: &str, name: &str, app: &str) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            labels: [("app".to_owned(), app.to_owned())].into(),
            attribution: Attribution::Exact as i32,
            ..Pod::default()
        }
    }

    /// A stored flow open of `local`: egress to (or ingress from) `remote_ip`, naming
    /// `remote` when it is a known pod.
    fn open(
        local: Pod,
        egress: bool,
        remote_ip: &str,
        remote: Option<(&str, &str, &str)>,
        port: u32,
        action: verdict::Action,
        policy: &str,
    ) -> Event {
        Event {
            node: "node-a".into(),
            pod: Some(local),
            verdict: Some(Verdict { action: action as i32, policy: policy.into(), ..Verdict::default() }),
            body: Some(Body::Flow(Flow {
                direction: if egress { flow::Direction::Egress } else { flow::Direction::Ingress } as i32,
                protocol: flow::Protocol::Tcp as i32,
                phase: flow::Phase::Open as i32,
                local_ip: "10.0.0.1".into(),
                local_port: if egress { 40000 } else { port },
                remote_ip: remote_ip.into(),
                remote_port: if egress { port } else { 40000 },
                remote_pod: remote.map(|(ns, name, app)| RemotePod {
                    namespace: ns.into(),
                    name: name.into(),
                    labels: [("app".to_owned(), app.to_owned())].into(),
                    ..RemotePod::default()
                }),
                ..Flow::default()
            })),
            ..Event::default()
        }
    }

    /// An edge as (client, server, outcome, policy, was, count, ports).
    type Row = (String, String, Outcome, Option<String>, Option<Outcome>, u64, String);

    /// The edges, sorted by their ends' ids.
    fn edges(m: &FlowMap) -> Vec<Row> {
        m.edges()
            .map(|e| {
                let ports: Vec<String> =
                    e.ports.iter().map(|(p, n)| format!("{}/{}x{n}", p.protocol, p.port)).collect();
                (
                    e.key.client.id(),
                    e.key.server.id(),
                    e.key.outcome,
                    e.key.policy.clone(),
                    e.key.was,
                    e.count,
                    ports.join(","),
                )
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    #[test]
    fn a_connection_seen_at_both_ends_counts_once_and_refusals_add_up() {
        let mut m = FlowMap::new(vec!["192.0.2.0/28".parse().unwrap()]);
        let web = || pod("shop", "web-1", "web");
        let db = || pod("shop", "db-1", "db");
        for _ in 0..2 {
            // web-1 -> db-1:5432, seen by both pods' agents.
            m.add(
                &open(
                    web(),
                    true,
                    "10.0.0.2",
                    Some(("shop", "db-1", "db")),
                    5432,
                    verdict::Action::Allow,
                    "",
                ),
                None,
            );
            m.add(
                &open(
                    db(),
                    false,
                    "10.0.0.1",
                    Some(("shop", "web-1", "web")),
                    5432,
                    verdict::Action::Allow,
                    "",
                ),
                None,
            );
        }
        // Two refusals, one at each end's policy; one outside address in the --cidr block, one not.
        m.add(
            &open(
                web(),
                true,
                "10.0.0.2",
                Some(("shop", "db-1", "db")),
                22,
                verdict::Action::Deny,
                "shop/web",
            ),
            None,
        );
        m.add(
            &open(
                db(),
                false,
                "10.0.0.1",
                Some(("shop", "web-1", "web")),
                23,
                verdict::Action::Deny,
                "shop/db",
            ),
            None,
        );
        m.add(&open(web(), true, "192.0.2.9", None, 443, verdict::Action::Audit, "shop/web"), None);
        m.add(&open(web(), true, "198.51.100.7", None, 80, verdict::Action::Allow, ""), None);
        let mut close = open(web(), true, "198.51.100.7", None, 80, verdict::Action::Allow, "");
        if let Some(Body::Flow(f)) = &mut close.body {
            f.phase = flow::Phase::Close as i32;
        }
        m.add(&close, None);
        assert_eq!(
            edges(&m),
            vec![
                (
                    "pod:shop/web-1".into(),
                    "cidr:192.0.2.0/28".into(),
                    Outcome::Audited,
                    Some("shop/web".into()),
                    None,
                    1,
                    "tcp/443x1".into()
                ),
                (
                    "pod:shop/web-1".into(),
                    "cidr:198.51.100.0/24".into(),
                    Outcome::Allowed,
                    None,
                    None,
                    1,
                    "tcp/80x1".into()
                ),
                (
                    "pod:shop/web-1".into(),
                    "pod:shop/db-1".into(),
                    Outcome::Allowed,
                    None,
                    None,
                    2,
                    "tcp/5432x2".into()
                ),
                (
                    "pod:shop/web-1".into(),
                    "pod:shop/db-1".into(),
                    Outcome::Denied,
                    Some("shop/db".into()),
                    None,
                    1,
                    "tcp/23x1".into()
                ),
                (
                    "pod:shop/web-1".into(),
                    "pod:shop/db-1".into(),
                    Outcome::Denied,
                    Some("shop/web".into()),
                    None,
                    1,
                    "tcp/22x1".into()
                ),
            ]
        );
        assert_eq!(m.opens, 8);
        assert_eq!(m.skipped.get(&Skipped::NotAnOpen), Some(&1));
    }

    #[test]
    fn a_candidate_map_shows_what_changes_and_what_was_stored() {
        let candidate = PolicySet::new(
            rampart_policy::parse_source(
                "strict.yaml",
                "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy\nmetadata: {name: strict, namespace: shop}\n\
                 spec:\n  podSelector: {matchLabels: {app: web}}\n  mode: enforce\n  network:\n    egress:\n\
                 \x20     - to: [{podSelector: {matchLabels: {app: db}}}]\n        ports: [{port: 5432}]\n",
            )
            .unwrap(),
        )
        .unwrap();
        let mut m = FlowMap::new(Vec::new());
        let web = || pod("shop", "web-1", "web");
        m.add(
            &open(web(), true, "10.0.0.2", Some(("shop", "db-1", "db")), 5432, verdict::Action::Allow, ""),
            Some(&candidate),
        );
        m.add(&open(web(), true, "198.51.100.7", None, 80, verdict::Action::Allow, ""), Some(&candidate));
        let mut unknown = open(web(), true, "198.51.100.7", None, 80, verdict::Action::Allow, "");
        unknown.pod.as_mut().unwrap().attribution = Attribution::Unknown as i32;
        m.add(&unknown, Some(&candidate));
        assert_eq!(
            edges(&m),
            vec![
                (
                    "pod:shop/web-1".into(),
                    "cidr:198.51.100.0/24".into(),
                    Outcome::Denied,
                    Some("shop/strict".into()),
                    Some(Outcome::Allowed),
                    1,
                    "tcp/80x1".into()
                ),
                (
                    "pod:shop/web-1".into(),
                    "pod:shop/db-1".into(),
                    Outcome::Allowed,
                    None,
                    None,
                    1,
                    "tcp/5432x1".into()
                ),
                (
                    "unattributed:node-a".into(),
                    "cidr:198.51.100.0/24".into(),
                    Outcome::Allowed,
                    None,
                    None,
                    1,
                    "tcp/80x1".into()
                ),
            ]
        );
        assert_eq!(m.unjudged.get(&Unjudgeable::PodUnknown), Some(&1));
    }
}
