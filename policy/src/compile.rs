//! Compilation of the network section into the form the kernel enforces: per direction, a set
//! of prefixes, each with the ports allowed for the addresses whose *longest* matching prefix
//! it is (an LPM trie lookup).
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
    cidr::Cidr,
    document::RampartPolicy,
    model::{Mode, NetworkRule, Protocol},
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

    fn add_rule(&mut self, rule: &NetworkRule) {
        if rule.ports.is_empty() {
            self.any_tcp = true;
            self.any_udp = true;
        }
        for p in &rule.ports {
            self.ranges.push((p.protocol, p.port, p.end_port.unwrap_or(p.port)));
        }
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
    /// Sorted by prefix; an empty port set denies (it shadows shorter prefixes).
    pub prefixes: Vec<(Cidr, PortSet)>,
}

/// Compile the `direction` rules of the policies selecting a pod. `None`: no applicable
/// policy, the direction is unrestricted.
pub fn compile_network(selecting: &[&RampartPolicy], direction: Direction) -> Option<CompiledNetwork> {
    let mut mode = None;
    let mut rules: Vec<&NetworkRule> = Vec::new();
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
        rules.extend(list.iter());
    }
    let mode = mode?;

    // Which (rule, peer) name each block as `cidr`.
    let mut by_cidr: HashMap<Cidr, Vec<(usize, usize)>> = HashMap::new();
    let mut prefixes: BTreeSet<Cidr> = BTreeSet::new();
    let mut anywhere = Vec::new();
    for (ri, rule) in rules.iter().enumerate() {
        if rule.peers.is_empty() {
            anywhere.push(ri);
        }
        for (pi, peer) in rule.peers.iter().enumerate() {
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
                    let peer = &rules[ri].peers[pi];
                    if !peer.except.iter().any(|e| e.contains_cidr(&prefix)) {
                        applied[ri] = true;
                    }
                }
            }
            for (ri, rule) in rules.iter().enumerate() {
                if applied[ri] {
                    ports.add_rule(rule);
                }
            }
            ports.normalize();
            (prefix, ports)
        })
        .collect();
    Some(CompiledNetwork { mode, prefixes: compiled })
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
    /// What the kernel will decide for `addr` (canonical: IPv4-mapped already IPv4): the
    /// longest matching prefix's ports.
    pub fn allows(&self, addr: std::net::IpAddr, protocol: Protocol, port: u16) -> bool {
        self.prefixes
            .iter()
            .filter(|(c, _)| c.contains(addr))
            .max_by_key(|(c, _)| c.prefix_len())
            .is_some_and(|(_, ports)| ports.allows(protocol, port))
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
        let c = compile_network(&refs, Direction::Egress).unwrap();
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
                    let activity =
                        Activity::Connection { direction: Direction::Egress, peer: ip, port, protocol };
                    let judged = judge(&refs, &activity).action == Action::Allow;
                    assert_eq!(c.allows(ip, protocol, port), judged, "{a} {port} {protocol:?}");
                }
            }
        }
    }

    #[test]
    fn deny_all_and_unrestricted() {
        let ps = policies(TWO);
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let ingress = compile_network(&refs, Direction::Ingress).unwrap();
        assert!(ingress.prefixes.is_empty(), "ingress: [] allows nothing");
        assert_eq!(ingress.mode, Mode::Audit, "only the audit policy has ingress");
        assert!(compile_network(&[], Direction::Egress).is_none());
    }

    #[test]
    fn except_prefixes_shadow_with_what_still_applies() {
        let ps = policies(TWO);
        let refs: Vec<&RampartPolicy> = ps.iter().collect();
        let c = compile_network(&refs, Direction::Egress).unwrap();
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
