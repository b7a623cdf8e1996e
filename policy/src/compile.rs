//! Compilation of the network section into the form the kernel enforces. Per direction, two
//! parts whose allows add up (a connection is allowed when either part allows it):
//!
//! - the **address part**, from address-block peers and rules that name no peer: a set of
//!   prefixes, each with the ports allowed for the addresses whose *longest* matching prefix it
//!   is (an LPM trie lookup);
//! - the **pod part**, from `podSelector`/`namespaceSelector` peers (and egress port names,
//!   which only a pod has): a list of (group of pods, ports) that the agent turns into the
//!   ports allowed per pod identity ([`PeerRules::ports_for`]), for the addresses the agent
//!   knows to be pods.
//!
//! Ingress port names are the judged pod's own: they are resolved to numbers here, which is why
//! an ingress rule set is compiled for one pod identity.
//!
//! For a prefix P (every `cidr` and `except` of the applicable rules, plus `/0` when some rule
//! names no peer), a rule applies to the addresses whose longest match is P exactly when it
//! names no peer, or one of its peers' `cidr` contains P and none of that peer's `except`
//! blocks does: a block that neither contains P nor is contained in it is disjoint from it,
//! and one strictly inside P would itself be the longer match. The allowed ports at P are the
//! union over the applying rules. An address matching no prefix is denied. The result agrees
//! with [`crate::judge`] on every address, port and protocol (tested below).

use std::collections::{BTreeSet, HashMap};

use crate::{
    blocks::Blocks,
    cidr::Cidr,
    document::RampartPolicy,
    identity::PodIdentity,
    model::{Mode, NetworkRule, Protocol},
    network::{NamedPortSpec, PodPeer, PortSpec},
    verdict::{Action, Activity, Direction, judge},
};

/// Ports allowed at one prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet {
    pub any_tcp: bool,
    pub any_udp: bool,
    /// Inclusive ranges, sorted and merged, none covered by an `any_*` flag.
    pub ranges: Vec<(Protocol, u16, u16)>,
}

impl PortSet {
    pub fn allows(&self, protocol: Protocol, port: u16) -> bool {
        match protocol {
            Protocol::Tcp if self.any_tcp => return true,
            Protocol::Udp if self.any_udp => return true,
            _ => {}
        }
        self.ranges.iter().any(|&(p, lo, hi)| p == protocol && (lo..=hi).contains(&port))
    }

    fn add(&mut self, any_port: bool, numbers: &[PortSpec]) {
        if any_port {
            self.any_tcp = true;
            self.any_udp = true;
        }
        for p in numbers {
            self.ranges.push((p.protocol, p.port, p.end_port.unwrap_or(p.port)));
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.any_tcp && !self.any_udp && self.ranges.is_empty()
    }

    fn normalize(&mut self) {
        let (any_tcp, any_udp) = (self.any_tcp, self.any_udp);
        self.ranges.retain(|(p, _, _)| match p {
            Protocol::Tcp => !any_tcp,
            Protocol::Udp => !any_udp,
        });
        self.ranges.sort_by_key(|&(p, lo, hi)| (p as u8, lo, hi));
        let mut merged: Vec<(Protocol, u16, u16)> = Vec::with_capacity(self.ranges.len());
        for r in self.ranges.drain(..) {
            match merged.last_mut() {
                Some(last) if last.0 == r.0 && u32::from(r.1) <= u32::from(last.2) + 1 => {
                    last.2 = last.2.max(r.2)
                }
                _ => merged.push(r),
            }
        }
        self.ranges = merged;
    }
}

/// One direction of a pod's network policy, compiled.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompiledNetwork {
    /// `Enforce` if any applicable policy enforces (the strictest mode wins).
    pub mode: Mode,
    /// The address part, sorted by prefix; an empty port set denies (it shadows shorter
    /// prefixes).
    pub prefixes: Vec<(Cidr, PortSet)>,
    /// The pod part.
    pub peers: PeerRules,
}

/// The rules of one direction that name groups of pods, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PeerRules {
    rules: Vec<PeerRule>,
}

/// Pods matched by `group`, on `any_port` or the `numbers` or the `names` (resolved in the
/// peer pod).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PeerRule {
    group: Group,
    any_port: bool,
    numbers: Vec<PortSpec>,
    names: Vec<NamedPortSpec>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Group {
    /// Every pod (a rule with no peer and egress port names).
    AnyPod,
    /// A `podSelector`/`namespaceSelector` peer of a policy in `namespace`.
    Peer { namespace: Box<str>, peer: PodPeer },
}

impl PeerRules {
    /// Whether no rule names a group of pods (the pod part allows nothing).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The ports the pod part allows towards (egress) or from (ingress) a pod of `identity`.
    pub fn ports_for(&self, identity: &PodIdentity) -> PortSet {
        let mut ports = PortSet::default();
        for r in &self.rules {
            let member = match &r.group {
                Group::AnyPod => true,
                Group::Peer { namespace, peer } => peer.selects(namespace, identity),
            };
            if !member {
                continue;
            }
            ports.add(r.any_port, &r.numbers);
            for n in &r.names {
                if let Some(port) = identity.port_named(&n.name, n.protocol) {
                    ports.ranges.push((n.protocol, port, port));
                }
            }
        }
        ports.normalize();
        ports
    }
}

/// A rule with its port names settled: for ingress resolved in the judged pod, for egress kept
/// for the peer pod.
struct Flat<'a> {
    namespace: &'a str,
    blocks: &'a Blocks,
    pods: &'a [PodPeer],
    any_peer: bool,
    any_port: bool,
    numbers: Vec<PortSpec>,
    names: Vec<NamedPortSpec>,
}

impl<'a> Flat<'a> {
    fn new(
        namespace: &'a str,
        rule: &'a NetworkRule,
        direction: Direction,
        local: Option<&PodIdentity>,
    ) -> Self {
        let mut numbers = rule.ports.clone();
        let mut names = Vec::new();
        for n in &rule.named_ports {
            match direction {
                Direction::Egress => names.push(n.clone()),
                Direction::Ingress => {
                    if let Some(port) = local.and_then(|pod| pod.port_named(&n.name, n.protocol)) {
                        numbers.push(PortSpec { port, end_port: None, protocol: n.protocol });
                    }
                }
            }
        }
        Flat {
            namespace,
            blocks: &rule.blocks,
            pods: &rule.pods,
            any_peer: rule.any_peer(),
            any_port: rule.any_port(),
            numbers,
            names,
        }
    }
}

/// Compile the `direction` rules of the policies selecting a pod (`local`: the pod, whose port
/// names ingress rules name). `None`: no applicable policy, the direction is unrestricted.
pub fn compile_network(
    selecting: &[&RampartPolicy],
    direction: Direction,
    local: Option<&PodIdentity>,
) -> Option<CompiledNetwork> {
    let mut mode = None;
    let mut rules: Vec<Flat<'_>> = Vec::new();
    for p in selecting {
        let Some(net) = &p.spec.network else { continue };
        let list = match direction {
            Direction::Egress => net.egress.as_ref(),
            Direction::Ingress => net.ingress.as_ref(),
        };
        let Some(list) = list else { continue };
        mode = Some(match (mode, p.spec.network_mode()) {
            (Some(Mode::Enforce), _) | (_, Mode::Enforce) => Mode::Enforce,
            _ => Mode::Audit,
        });
        rules.extend(list.iter().map(|r| Flat::new(&p.namespace, r, direction, local)));
    }
    let mode = mode?;

    let mut peers = PeerRules::default();
    for r in &rules {
        for peer in r.pods {
            peers.rules.push(PeerRule {
                group: Group::Peer { namespace: r.namespace.into(), peer: peer.clone() },
                any_port: r.any_port,
                numbers: r.numbers.clone(),
                names: r.names.clone(),
            });
        }
        if r.any_peer && !r.names.is_empty() {
            peers.rules.push(PeerRule {
                group: Group::AnyPod,
                any_port: false,
                numbers: Vec::new(),
                names: r.names.clone(),
            });
        }
    }

    // Which (rule, peer) name each block as `cidr`.
    let mut by_cidr: HashMap<Cidr, Vec<(usize, usize)>> = HashMap::new();
    let mut prefixes: BTreeSet<Cidr> = BTreeSet::new();
    let mut anywhere = Vec::new();
    for (ri, rule) in rules.iter().enumerate() {
        if rule.any_peer {
            anywhere.push(ri);
        }
        for (pi, peer) in rule.blocks.iter().enumerate() {
            by_cidr.entry(peer.cidr).or_default().push((ri, pi));
            prefixes.insert(peer.cidr);
            prefixes.extend(peer.except.iter().copied());
        }
    }
    if !anywhere.is_empty() {
        prefixes.insert(Cidr::everything(true));
        prefixes.insert(Cidr::everything(false));
    }

    let compiled = prefixes
        .into_iter()
        .map(|prefix| {
            let mut ports = PortSet::default();
            let mut applied = vec![false; rules.len()];
            for &ri in &anywhere {
                applied[ri] = true;
            }
            for len in 0..=prefix.prefix_len() {
                let Some(named) = by_cidr.get(&prefix.truncate(len)) else { continue };
                for &(ri, pi) in named {
                    let peer = &rules[ri].blocks[pi];
                    if !peer.except.iter().any(|e| e.contains_cidr(&prefix)) {
                        applied[ri] = true;
                    }
                }
            }
            for (ri, rule) in rules.iter().enumerate() {
                if applied[ri] {
                    ports.add(rule.any_port, &rule.numbers);
                }
            }
            ports.normalize();
            (prefix, ports)
        })
        .collect();
    Some(CompiledNetwork { mode, prefixes: compiled, peers })
}

/// The filesystem section of the policies selecting a pod, compiled.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompiledRootfs {
    /// What a write outside every allowed prefix gets: `Deny` or `Audit` (strictest mode).
    pub outside: Action,
    /// The `allowWrite` prefixes of every applicable policy, sorted and deduplicated.
    pub allow_write: Vec<String>,
}

/// Compile the filesystem sections of the policies selecting a pod; `None`: root filesystem
/// writes are not restricted (no applicable policy, or one says `rootfs: readWrite` — a union
/// of allows).
pub fn compile_rootfs(selecting: &[&RampartPolicy]) -> Option<CompiledRootfs> {
    let sections: Vec<_> = selecting.iter().filter_map(|p| p.spec.filesystem.as_ref()).collect();
    if sections.is_empty() || sections.iter().any(|f| f.rootfs == crate::model::RootfsMode::ReadWrite) {
        return None;
    }
    let mut allow_write: Vec<String> =
        sections.iter().flat_map(|f| f.allow_write.iter().map(|p| p.as_str().to_string())).collect();
    allow_write.sort();
    allow_write.dedup();
    // A path no prefix covers: what the verdict function says about it is the mode.
    let outside = judge(selecting, &Activity::RootfsWrite { path: "/\u{0}rampart-no-such-path" }).action;
    Some(CompiledRootfs { outside, allow_write })
}

/// The privilege section of the policies selecting a pod, compiled.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompiledPrivilege {
    /// What an escalation gets (the verdict function's answer for this pod).
    pub escalation: Action,
    /// Ids a uid (gid) may change to from non-zero without it being an escalation; `None`:
    /// any non-zero id. A change is allowed if any applicable policy allows it, so this is
    /// the union of the lists, or `None` as soon as one applicable policy has no list.
    pub allowed_uids: Option<Vec<u32>>,
    pub allowed_gids: Option<Vec<u32>>,
}

/// Compile the privilege sections of the policies selecting a pod; `None`: no applicable
/// policy (escalations are reported, not judged).
pub fn compile_privilege(selecting: &[&RampartPolicy]) -> Option<CompiledPrivilege> {
    let sections: Vec<_> = selecting.iter().filter_map(|p| p.spec.privilege.as_ref()).collect();
    if sections.is_empty() {
        return None;
    }
    let union = |pick: fn(&crate::model::PrivilegePolicy) -> &Option<Vec<u32>>| {
        let mut all: Vec<u32> = Vec::new();
        for s in &sections {
            all.extend(pick(s).as_ref()?);
        }
        all.sort_unstable();
        all.dedup();
        Some(all)
    };
    Some(CompiledPrivilege {
        escalation: judge(selecting, &Activity::Escalation).action,
        allowed_uids: union(|s| &s.allowed_uids),
        allowed_gids: union(|s| &s.allowed_gids),
    })
}

impl CompiledNetwork {
    /// What the kernel will decide for `addr` (canonical: IPv4-mapped already IPv4), a pod of
    /// `identity` if the agent knows it as one: the longest matching prefix's ports, or the
    /// pod part's.
    pub fn allows(
        &self,
        addr: std::net::IpAddr,
        identity: Option<&PodIdentity>,
        protocol: Protocol,
        port: u16,
    ) -> bool {
        self.prefixes
            .iter()
            .filter(|(c, _)| c.contains(addr))
            .max_by_key(|(c, _)| c.prefix_len())
            .is_some_and(|(_, ports)| ports.allows(protocol, port))
            || identity.is_some_and(|id| self.peers.ports_for(id).allows(protocol, port))
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::{
        load::parse_source,
        verdict::{Action, Activity, judge},
    };

    fn policies(yaml: &str) -> Vec<RampartPolicy> {
        parse_source("t.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"))
    }

    const TWO: &str = "
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: a, namespace: ns}
spec:
  podSelector: {}
  mode: enforce
  network:
    egress:
      - to: [{cidr: 10.0.0.0/8, except: [10.0.9.0/24, 10.1.0.0/16]}]
        ports: [{port: 5432}, {port: 8000, endPort: 8100, protocol: UDP}]
      - to: [{cidr: 10.0.9.128/25}, {cidr: 'fd00::/16', except: ['fd00:1::/32']}]
        ports: [{port: 80}]
      - to: [{cidr: 192.168.1.7}]
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: b, namespace: ns}
spec:
  podSelector: {}
  mode: audit
  network:
    egress:
      - ports: [{port: 53, protocol: UDP}]
      - to: [{cidr: 10.1.2.0/24}]
        ports: [{port: 443}]
    ingress: []
";

    #[test]
    fn agrees_with_judge_everywhere() {
        let ps = policies(TWO);
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let c = compile_network(&refs, Direction::Egress, None).unwrap();
        assert_eq!(c.mode, Mode::Enforce);
        let addrs = [
            "10.0.0.1",
            "10.0.9.1",
            "10.0.9.200",
            "10.1.0.5",
            "10.1.2.3",
            "10.200.0.1",
            "11.0.0.1",
            "192.168.1.7",
            "192.168.1.8",
            "fd00::1",
            "fd00:1::1",
            "fd00:2::1",
            "fe80::1",
            "0.0.0.0",
            "255.255.255.255",
            "::",
        ];
        let ports = [1, 53, 80, 443, 5432, 7999, 8000, 8050, 8100, 8101, 65535];
        for a in addrs {
            let ip: IpAddr = a.parse().unwrap();
            for port in ports {
                for protocol in [Protocol::Tcp, Protocol::Udp] {
                    let activity = Activity::Connection {
                        direction: Direction::Egress,
                        peer: ip,
                        port,
                        protocol,
                        remote: None,
                        local: None,
                    };
                    let judged = judge(&refs, &activity).action == Action::Allow;
                    assert_eq!(c.allows(ip, None, protocol, port), judged, "{a} {port} {protocol:?}");
                }
            }
        }
    }

    const GROUPS: &str = "
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: a, namespace: shop}
spec:
  podSelector: {}
  mode: enforce
  network:
    egress:
      - to: [{podSelector: {matchLabels: {app: db}}}]
        ports: [{port: 5432}, {port: metrics}]
      - to: [{namespaceSelector: {matchLabels: {team: ops}}}]
      - to: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [cache]}]},
              namespaceSelector: {}}]
        ports: [{port: 6379}, {port: 7000, endPort: 7002, protocol: UDP}]
      - ports: [{port: dns, protocol: UDP}]
      - to: [{cidr: 10.9.0.0/16, except: [10.9.1.0/24]}]
        ports: [{port: 443}]
    ingress:
      - from: [{podSelector: {}}, {cidr: 192.168.0.0/16}]
        ports: [{port: http}, {port: 9000}]
      - from: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {app: probe}}}]
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: b, namespace: shop}
spec:
  podSelector: {}
  mode: audit
  network:
    egress:
      - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: api}}}]
        ports: [{port: http}]
";

    fn identity(
        ns: &str,
        labels: &[(&str, &str)],
        ns_labels: &[(&str, &str)],
        ports: &[(&str, u16, Protocol)],
    ) -> PodIdentity {
        let pairs = |l: &[(&str, &str)]| {
            crate::identity::SortedLabels::new(l.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect())
        };
        let mut ports: Vec<crate::identity::NamedPort> = ports
            .iter()
            .map(|(n, port, protocol)| crate::identity::NamedPort {
                name: (*n).into(),
                port: *port,
                protocol: *protocol,
            })
            .collect();
        ports.sort();
        PodIdentity {
            namespace: ns.into(),
            labels: pairs(labels),
            namespace_labels: pairs(ns_labels),
            ports: ports.into(),
        }
    }

    /// Address part and pod part together decide what the verdict function decides, for pods
    /// and for addresses the agent does not know as pods, in both directions.
    #[test]
    fn pod_part_agrees_with_judge() {
        let ps = policies(GROUPS);
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let (tcp, udp) = (Protocol::Tcp, Protocol::Udp);
        let identities = [
            identity("shop", &[("app", "db")], &[], &[("metrics", 9102, tcp), ("http", 8080, tcp)]),
            identity("shop", &[("app", "db")], &[], &[("metrics", 9999, tcp)]),
            identity("other", &[("app", "db")], &[], &[("metrics", 9102, tcp)]),
            identity("ops", &[("app", "probe")], &[("team", "ops")], &[]),
            identity("ops", &[("app", "x")], &[("team", "ops")], &[("dns", 53, udp)]),
            identity("far", &[("tier", "cache")], &[("team", "dev")], &[("dns", 5353, udp)]),
            identity("far", &[("app", "api")], &[], &[("http", 8081, tcp), ("http", 8081, udp)]),
            identity("shop", &[], &[], &[]),
        ];
        let local = identity("shop", &[("app", "web")], &[], &[("http", 80, tcp)]);
        let addrs: [IpAddr; 4] = [
            "10.9.0.5".parse().unwrap(),
            "10.9.1.5".parse().unwrap(),
            "192.168.3.4".parse().unwrap(),
            "172.16.0.9".parse().unwrap(),
        ];
        let ports = [53, 80, 443, 5353, 5432, 6379, 7000, 7002, 7003, 8080, 8081, 9000, 9102, 9999];
        for direction in [Direction::Egress, Direction::Ingress] {
            let c = compile_network(&refs, direction, Some(&local)).unwrap();
            for addr in addrs {
                for remote in std::iter::once(None).chain(identities.iter().map(Some)) {
                    for port in ports {
                        for protocol in [tcp, udp] {
                            let activity = Activity::Connection {
                                direction,
                                peer: addr,
                                port,
                                protocol,
                                remote,
                                local: Some(&local),
                            };
                            let judged = judge(&refs, &activity).action == Action::Allow;
                            assert_eq!(
                                c.allows(addr, remote, protocol, port),
                                judged,
                                "{direction} {addr} {remote:?} {port} {protocol:?}"
                            );
                        }
                    }
                }
            }
        }
        // Spot checks of what the semantics say.
        let egress = compile_network(&refs, Direction::Egress, Some(&local)).unwrap();
        let db = &identities[0];
        assert!(egress.peers.ports_for(db).allows(tcp, 9102), "a named port resolved in the peer");
        assert!(!egress.peers.ports_for(&identities[1]).allows(tcp, 9102), "its own number for the name");
        assert!(
            !egress.peers.ports_for(&identities[2]).allows(tcp, 5432),
            "podSelector alone: own namespace"
        );
        assert!(egress.peers.ports_for(&identities[4]).allows(tcp, 1), "namespaceSelector: every port");
        let ingress = compile_network(&refs, Direction::Ingress, Some(&local)).unwrap();
        assert!(ingress.allows(addrs[2], None, tcp, 80), "an ingress name is the pod's own port");
        assert!(!ingress.allows(addrs[2], None, tcp, 8080));
    }

    #[test]
    fn deny_all_and_unrestricted() {
        let ps = policies(TWO);
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let ingress = compile_network(&refs, Direction::Ingress, None).unwrap();
        assert!(ingress.prefixes.is_empty(), "ingress: [] allows nothing");
        assert_eq!(ingress.mode, Mode::Audit, "only the audit policy has ingress");
        assert!(compile_network(&[], Direction::Egress, None).is_none());
    }

    #[test]
    fn except_prefixes_shadow_with_what_still_applies() {
        let ps = policies(TWO);
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let c = compile_network(&refs, Direction::Egress, None).unwrap();
        let at = |cidr: &str| {
            c.prefixes.iter().find(|(p, _)| p.to_string() == cidr).map(|(_, ports)| ports.clone())
        };
        // 10.0.9.0/24 is excepted from rule 0; only the anywhere-DNS rule applies there.
        let p = at("10.0.9.0/24").unwrap();
        assert!(!p.any_tcp && !p.any_udp);
        assert_eq!(p.ranges, vec![(Protocol::Udp, 53, 53)]);
        // A bare address allows every port.
        let p = at("192.168.1.7/32").unwrap();
        assert!(p.any_tcp && p.any_udp && p.ranges.is_empty());
    }

    #[test]
    fn privilege_union_of_allows() {
        let ps = policies(
            "
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: a, namespace: ns}
spec:
  podSelector: {}
  mode: enforce
  privilege: {escalation: deny, allowedUids: [1000, 1001], allowedGids: [1000]}
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: b, namespace: ns}
spec:
  podSelector: {}
  mode: audit
  privilege: {escalation: deny, allowedUids: [2000]}
",
        );
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let c = compile_privilege(&refs).unwrap();
        assert_eq!(c.escalation, Action::Deny);
        assert_eq!(c.allowed_uids, Some(vec![1000, 1001, 2000]));
        assert_eq!(c.allowed_gids, None, "b has no gid list: any non-zero gid is allowed");
        assert_eq!(compile_privilege(&refs[1..]).unwrap().escalation, Action::Audit);
        assert!(compile_privilege(&[]).is_none());
    }

    #[test]
    fn rootfs_union_and_modes() {
        let ps = policies(
            "
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: a, namespace: ns}
spec:
  podSelector: {}
  mode: audit
  filesystem: {rootfs: readOnly, allowWrite: [/tmp, /var/cache/nginx]}
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: b, namespace: ns}
spec:
  podSelector: {}
  mode: enforce
  filesystem: {rootfs: readOnly, allowWrite: [/run, /tmp]}
---
apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: c, namespace: ns}
spec:
  podSelector: {}
  mode: enforce
  filesystem: {rootfs: readWrite}
",
        );
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let c = compile_rootfs(&refs[..2]).unwrap();
        assert_eq!(c.outside, Action::Deny, "enforce wins");
        assert_eq!(c.allow_write, ["/run", "/tmp", "/var/cache/nginx"]);
        assert_eq!(compile_rootfs(&refs[..1]).unwrap().outside, Action::Audit);
        assert!(compile_rootfs(&refs).is_none(), "readWrite in any applicable policy allows every write");
        assert!(compile_rootfs(&[]).is_none());
        // The compiled prefixes agree with the verdict function.
        for (path, allowed) in
            [("/tmp/x", true), ("/tmp", true), ("/tmpfoo", false), ("/etc/passwd", false), ("/run/a/b", true)]
        {
            let judged = judge(&refs[..2], &Activity::RootfsWrite { path }).action == Action::Allow;
            let compiled = c.allow_write.iter().any(|p| path == p || path.starts_with(&format!("{p}/")));
            assert_eq!((judged, compiled), (allowed, allowed), "{path}");
        }
    }

    #[test]
    fn ranges_merge() {
        let mut p = PortSet {
            ranges: vec![
                (Protocol::Tcp, 10, 20),
                (Protocol::Tcp, 21, 30),
                (Protocol::Tcp, 5, 12),
                (Protocol::Udp, 1, 1),
            ],
            ..Default::default()
        };
        p.normalize();
        assert_eq!(p.ranges, vec![(Protocol::Tcp, 5, 30), (Protocol::Udp, 1, 1)]);
    }
}
