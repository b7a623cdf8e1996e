//! `rampart policy suggest --namespace NS [--label K=V]... [--since 7d]`: a RampartPolicy
//! learned from stored history, then checked by a what-if over the same window.
//!
//! What is learned, from the activities the verdict function would judge (decoded once by
//! `Event::judgeable`, as what-if does):
//! - **network**: per direction, the peers and ports seen. Addresses are aggregated to a `/24`
//!   (IPv6: `/64`) when at least [`AGGREGATE_AT`] addresses of it were seen, and rules group
//!   the ports that share the same peers. A direction with no connection becomes `[]` (denied).
//! - **filesystem**: `rootfs: readOnly` with `allowWrite` the directories written in. Root
//!   filesystem writes are recorded only while a `readOnly` policy watches the pod (audit mode
//!   is enough), so with no file event in the window no filesystem section is written, and a
//!   comment says why.
//! - **privilege**: `escalation: deny`, unless an escalation was seen (then `allow`).
//!
//! Denied activities are left out (they were not part of the workload as it ran) and counted
//! in a comment. Every rule carries a comment saying what it is based on. Strings from
//! workloads are written as JSON strings, which YAML reads as they are.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    net::IpAddr,
    process::ExitCode,
    time::SystemTime,
};

use anyhow::Context as _;
use rampart_policy::{Activity, Direction, Protocol, parse_source};
use rampart_proto::{
    activity::Judgeable,
    v1::{Event, PolicySource, ReplayRequest, WhatIfRequest, verdict, what_if_response},
};

use crate::{
    Server,
    args::{SuggestArgs, SuggestMode},
    connect, filter, usage, whatif,
};

/// Addresses of one /24 (IPv6: /64) seen before the rule names the whole block.
pub const AGGREGATE_AT: usize = 4;

/// Connections seen to (or from) one port.
#[derive(Debug, Default)]
struct PortSeen {
    peers: BTreeSet<IpAddr>,
    connections: u64,
}

#[derive(Debug, Default)]
pub struct Learner {
    network: BTreeMap<(Direction, Protocol, u16), PortSeen>,
    /// Directories written in, with the number of writes.
    dirs: BTreeMap<String, u64>,
    file_events: u64,
    unresolved: u64,
    escalations: u64,
    denied: u64,
    unjudged: u64,
    pods: BTreeSet<String>,
    events: u64,
}

/// The directory a write at `path` happens in (`/` for a file at the top).
fn parent(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((dir, _)) => dir.into(),
    }
}

impl Learner {
    pub fn add(&mut self, e: &Event) {
        self.events += 1;
        let action = e.verdict.as_ref().map_or(verdict::Action::Unspecified, |v| v.action());
        let (activity, pod) = match e.judgeable() {
            Judgeable::Activity { activity, pod, .. } => (activity, pod),
            Judgeable::Unjudgeable(_) => {
                self.unjudged += 1;
                return;
            }
            Judgeable::NotCounted => return,
        };
        if action == verdict::Action::Deny {
            self.denied += 1;
            return;
        }
        if let Some(p) = pod {
            self.pods.insert(format!("{}/{}", p.namespace, p.name));
        }
        match activity {
            Activity::Exec => {}
            Activity::Connection { direction, peer, port, protocol, .. } => {
                let seen = self.network.entry((direction, protocol, port)).or_default();
                seen.peers.insert(peer.to_canonical());
                seen.connections += 1;
            }
            Activity::RootfsWrite { path } => {
                self.file_events += 1;
                *self.dirs.entry(parent(path)).or_default() += 1;
            }
            Activity::RootfsTwoEnds { from, to } => {
                self.file_events += 1;
                *self.dirs.entry(parent(from)).or_default() += 1;
                *self.dirs.entry(parent(to)).or_default() += 1;
            }
            Activity::RootfsUnresolved => {
                self.file_events += 1;
                self.unresolved += 1;
            }
            Activity::Escalation => self.escalations += 1,
        }
    }

    /// The policy, as YAML with comments.
    pub fn policy(&self, namespace: &str, name: &str, labels: &[(String, String)], mode: &str) -> String {
        let q = |s: &str| serde_json::to_string(s).expect("a string serializes");
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# Learned by `rampart policy suggest` from {} stored events of {} pod{}.",
            self.events,
            self.pods.len(),
            if self.pods.len() == 1 { "" } else { "s" }
        );
        if self.denied > 0 {
            let _ = writeln!(o, "# {} denied activities were left out: they did not happen.", self.denied);
        }
        if self.unjudged > 0 {
            let _ = writeln!(
                o,
                "# {} events could not be read as activities (see what-if's \"not judged\").",
                self.unjudged
            );
        }
        let _ = writeln!(o, "apiVersion: rampart.dev/v1alpha1\nkind: RampartPolicy");
        let _ = writeln!(o, "metadata: {{name: {}, namespace: {}}}", q(name), q(namespace));
        let selector: Vec<String> = labels.iter().map(|(k, v)| format!("{}: {}", q(k), q(v))).collect();
        let _ =
            writeln!(o, "spec:\n  podSelector: {{matchLabels: {{{}}}}}\n  mode: {mode}", selector.join(", "));
        o.push_str("  network:\n");
        for (direction, key, peers_key) in
            [(Direction::Egress, "egress", "to"), (Direction::Ingress, "ingress", "from")]
        {
            let rules = self.rules(direction);
            if rules.is_empty() {
                let _ = writeln!(o, "    # no {key} connection was seen: all {key} is denied");
                let _ = writeln!(o, "    {key}: []");
                continue;
            }
            let _ = writeln!(o, "    {key}:");
            for r in rules {
                let _ = writeln!(
                    o,
                    "      # {} connection{} to {} address{}",
                    r.connections,
                    if r.connections == 1 { "" } else { "s" },
                    r.addresses,
                    if r.addresses == 1 { "" } else { "es" }
                );
                let peers: Vec<String> = r.cidrs.iter().map(|c| format!("{{cidr: {}}}", q(c))).collect();
                let ports: Vec<String> = r
                    .ports
                    .iter()
                    .map(|(proto, port)| format!("{{port: {port}, protocol: {}}}", proto_name(*proto)))
                    .collect();
                let _ = writeln!(
                    o,
                    "      - {peers_key}: [{}]\n        ports: [{}]",
                    peers.join(", "),
                    ports.join(", ")
                );
            }
        }
        if self.file_events == 0 {
            o.push_str(
                "  # filesystem: no root filesystem write was recorded. Writes are recorded only while a\n  \
                 # readOnly policy watches the pods (audit mode is enough): run one to learn allowWrite.\n",
            );
        } else {
            let dirs = self.allow_write();
            let _ = writeln!(o, "  # {} root filesystem writes recorded", self.file_events);
            if self.unresolved > 0 {
                let _ = writeln!(
                    o,
                    "  # {} writes at unresolved paths (`..`) could not be learned",
                    self.unresolved
                );
            }
            if dirs.iter().any(|(d, _)| d == "/") {
                o.push_str("  # a file at the top of the root filesystem was written: readWrite\n");
                o.push_str("  filesystem: {rootfs: readWrite}\n");
            } else {
                o.push_str("  filesystem:\n    rootfs: readOnly\n    allowWrite:\n");
                for (d, n) in dirs {
                    let _ = writeln!(o, "      - {}  # {n} write{}", q(&d), if n == 1 { "" } else { "s" });
                }
            }
        }
        if self.escalations > 0 {
            let _ = writeln!(o, "  # {} escalations were seen and went ahead: allowed", self.escalations);
            o.push_str("  privilege: {escalation: allow}\n");
        } else {
            o.push_str("  # no escalation was seen\n  privilege: {escalation: deny}\n");
        }
        o
    }

    /// Written-in directories, without those inside another one, with their write counts.
    fn allow_write(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for (dir, n) in &self.dirs {
            // Sorted, so a covering directory comes before what it covers.
            match out.last_mut() {
                Some((top, total))
                    if top == "/" || dir.strip_prefix(top.as_str()).is_some_and(|r| r.starts_with('/')) =>
                {
                    *total += n;
                }
                _ => out.push((dir.clone(), *n)),
            }
        }
        out
    }

    fn rules(&self, direction: Direction) -> Vec<Rule> {
        // Ports that share exactly the same peers share a rule.
        let mut by_peers: BTreeMap<Vec<String>, Rule> = BTreeMap::new();
        for ((d, proto, port), seen) in &self.network {
            if *d != direction {
                continue;
            }
            let cidrs = aggregate(&seen.peers);
            let rule = by_peers.entry(cidrs.clone()).or_insert_with(|| Rule { cidrs, ..Rule::default() });
            rule.ports.push((*proto, *port));
            rule.connections += seen.connections;
            rule.addresses = rule.addresses.max(seen.peers.len());
        }
        by_peers.into_values().collect()
    }
}

#[derive(Debug, Default)]
struct Rule {
    cidrs: Vec<String>,
    ports: Vec<(Protocol, u16)>,
    connections: u64,
    addresses: usize,
}

fn proto_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
    }
}

/// Addresses as CIDRs: a /24 (IPv6: /64) where [`AGGREGATE_AT`] or more of it were seen, else
/// each address alone.
fn aggregate(peers: &BTreeSet<IpAddr>) -> Vec<String> {
    let mut blocks: BTreeMap<(bool, u128), Vec<IpAddr>> = BTreeMap::new();
    for ip in peers {
        let key = match ip {
            IpAddr::V4(a) => (false, u128::from(u32::from(*a) & 0xffff_ff00)),
            IpAddr::V6(a) => (true, u128::from(*a) & !((1u128 << 64) - 1)),
        };
        blocks.entry(key).or_default().push(*ip);
    }
    let mut out = Vec::new();
    for ((v6, block), ips) in blocks {
        if ips.len() >= AGGREGATE_AT {
            out.push(if v6 {
                format!("{}/64", std::net::Ipv6Addr::from(block))
            } else {
                format!("{}/24", std::net::Ipv4Addr::from(block as u32))
            });
        } else {
            out.extend(ips.iter().map(|ip| format!("{ip}/{}", if ip.is_ipv4() { 32 } else { 128 })));
        }
    }
    out
}

pub async fn suggest(server: &Server, a: SuggestArgs, now: SystemTime) -> anyhow::Result<ExitCode> {
    let [namespace] = a.filter.namespaces.as_slice() else {
        return usage("policy suggest: give exactly one --namespace (a policy lives in one)".into());
    };
    let mut labels = Vec::new();
    for term in a.filter.labels.iter().flatten() {
        match term {
            crate::selector::LabelTerm::Equals(k, v) => labels.push((k.clone(), v.clone())),
            other => {
                return usage(format!(
                    "policy suggest: --label takes KEY=VALUE terms only (they become the podSelector), not {other:?}"
                ));
            }
        }
    }
    let filter = match filter::to_proto(&a.filter, now) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let mut client = connect(server).await?;
    let request = ReplayRequest { filter: Some(filter.clone()), limit: 0, newest: false };
    let mut stream = client.replay(request).await.context("replay")?.into_inner();
    let mut learner = Learner::default();
    while let Some(r) = stream.message().await.context("the replay failed")? {
        if let Some(e) = r.event {
            learner.add(&e);
        }
    }
    if learner.events == 0 {
        eprintln!(
            "rampart: no stored event matches: nothing to learn from (check --namespace, --label, --since)"
        );
        return Ok(ExitCode::FAILURE);
    }
    let mode = match a.mode {
        SuggestMode::Audit => "audit",
        SuggestMode::Enforce => "enforce",
    };
    let yaml = learner.policy(namespace, &a.name, &labels, mode);
    let name = format!("suggested {namespace}/{}", a.name);
    if let Err(errors) = parse_source(&name, &yaml) {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::bail!("the learned policy does not validate (a bug):\n{}\n{yaml}", errors.join("\n"));
    }
    print!("{yaml}");
    // The same window, judged by the suggestion alone.
    let candidates = vec![PolicySource { name, content: yaml }];
    let request = WhatIfRequest { filter: Some(filter), candidates, base: Vec::new(), samples: 3 };
    let mut stream = client.what_if(request).await.context("what-if")?.into_inner();
    while let Some(item) = stream.message().await.context("the what-if failed")? {
        if let Some(what_if_response::Item::Report(r)) = item.item {
            eprint!("{}", whatif::render(&r));
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use rampart_policy::{Action, PolicySet};
    use rampart_proto::v1::{File, Flow, Pod, Verdict, event::Body, file, flow, pod::Attribution};

    use super::*;

    fn event(body: Body, action: verdict::Action) -> Event {
        Event {
            pod: Some(Pod {
                namespace: "shop".into(),
                name: "api-0".into(),
                labels: [("app".to_string(), "api".to_string())].into(),
                attribution: Attribution::Exact as i32,
                ..Default::default()
            }),
            body: Some(body),
            verdict: Some(Verdict { action: action as i32, ..Default::default() }),
            ..Default::default()
        }
    }

    fn open(remote: &str, port: u32, protocol: flow::Protocol) -> Body {
        Body::Flow(Flow {
            direction: flow::Direction::Egress as i32,
            protocol: protocol as i32,
            phase: flow::Phase::Open as i32,
            remote_ip: remote.into(),
            remote_port: port,
            ..Default::default()
        })
    }

    fn write(path: &str) -> Body {
        Body::File(File {
            operation: file::Operation::Create as i32,
            path: path.into(),
            mount: "/".into(),
            ..Default::default()
        })
    }

    #[test]
    fn learns_peers_ports_and_writes_and_the_policy_denies_what_was_never_done() {
        let mut l = Learner::default();
        for i in 1..=5 {
            l.add(&event(open(&format!("10.1.2.{i}"), 443, flow::Protocol::Tcp), verdict::Action::Allow));
        }
        l.add(&event(open("10.9.0.10", 53, flow::Protocol::Udp), verdict::Action::Audit));
        l.add(&event(open("192.0.2.7", 22, flow::Protocol::Tcp), verdict::Action::Deny));
        for p in ["/var/cache/app/x", "/var/cache/app/sub/y", "/tmp/z"] {
            l.add(&event(write(p), verdict::Action::Audit));
        }
        let yaml = l.policy("shop", "learned", &[("app".into(), "api".into())], "enforce");
        assert!(
            yaml.contains("- to: [{cidr: \"10.1.2.0/24\"}]\n        ports: [{port: 443, protocol: TCP}]"),
            "{yaml}"
        );
        assert!(
            yaml.contains("- to: [{cidr: \"10.9.0.10/32\"}]\n        ports: [{port: 53, protocol: UDP}]"),
            "{yaml}"
        );
        assert!(yaml.contains("ingress: []"), "{yaml}");
        assert!(yaml.contains("# 1 denied activities were left out"), "{yaml}");
        assert!(
            yaml.contains("      - \"/tmp\"  # 1 write\n      - \"/var/cache/app\"  # 2 writes\n"),
            "{yaml}"
        );
        assert!(yaml.contains("privilege: {escalation: deny}"), "{yaml}");

        let set = PolicySet::new(parse_source("learned", &yaml).unwrap()).unwrap();
        let labels = [("app".to_string(), "api".to_string())].into_iter().collect::<BTreeMap<_, _>>();
        let judge = |a: Activity<'_>| set.judge("shop", &labels, &a).action;
        let tcp = |ip: &str, port| Activity::Connection {
            direction: Direction::Egress,
            peer: ip.parse().unwrap(),
            port,
            protocol: Protocol::Tcp,
            remote: None,
            local: None,
        };
        assert_eq!(judge(tcp("10.1.2.200", 443)), Action::Allow, "the /24 seen from five addresses");
        assert_eq!(judge(tcp("10.1.2.200", 80)), Action::Deny, "a port never used");
        assert_eq!(judge(tcp("192.0.2.7", 22)), Action::Deny, "what was denied stays denied");
        assert_eq!(judge(Activity::RootfsWrite { path: "/var/cache/app/new" }), Action::Allow);
        assert_eq!(judge(Activity::RootfsWrite { path: "/etc/passwd" }), Action::Deny);
        assert_eq!(judge(Activity::Escalation), Action::Deny);
    }

    #[test]
    fn without_file_events_no_filesystem_section_is_claimed() {
        let mut l = Learner::default();
        l.add(&event(open("10.0.0.1", 80, flow::Protocol::Tcp), verdict::Action::Allow));
        let yaml = l.policy("shop", "learned", &[], "audit");
        assert!(!yaml.contains("\n  filesystem:"), "{yaml}");
        assert!(yaml.contains("no root filesystem write was recorded"), "{yaml}");
        assert!(parse_source("learned", &yaml).is_ok(), "{yaml}");
        assert_eq!(parent("/top"), "/");
        assert_eq!(parent("/a/b/"), "/a");
    }
}
