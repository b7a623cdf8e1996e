//! What this node will actually do with each rule of the policies in force: the tier that acts
//! for the rule's concern, and whether an `enforce` rule is **degraded** — its tier lets the act
//! take effect. Computed whenever policies or tiers change; read by every event's verdict, the
//! probe, `/metrics`, the collector's `Status` and `--require-enforcement`.
//!
//! Degraded, per concern and tier (an `audit` rule is never degraded: it only reports):
//! - network: `cgroup` and `lsm` refuse before the packet leaves; `sigkill` and `none` do not
//!   (Rampart attaches no network programs there, so the connection is not even seen).
//! - rootfs: `lsm` refuses before the write; on `sigkill` the write lands and then the writer
//!   dies; on `none` the write is not seen.
//! - privilege: `lsm` refuses before the credentials change; on `sigkill` the credentials change
//!   in the kernel but the process is killed before it runs another instruction with them, so
//!   the gain cannot be used — not degraded; on `none` the change is not seen.

use std::collections::HashMap;

use rampart_policy::{Mode, PolicySet};
use serde::Serialize;

use crate::caps::{Concern, ProbeReport, Tier};

/// The tier acting for each concern on this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiers {
    pub network: Tier,
    pub rootfs: Tier,
    pub privilege: Tier,
}

impl Tiers {
    pub fn of(report: &ProbeReport) -> Self {
        Tiers { network: report.network.tier, rootfs: report.rootfs.tier, privilege: report.privilege.tier }
    }

    pub fn get(&self, c: Concern) -> Tier {
        match c {
            Concern::Network => self.network,
            Concern::Rootfs => self.rootfs,
            Concern::Privilege => self.privilege,
        }
    }
}

/// Why an `enforce` rule of `concern` cannot stop the act on `tier`, or `None` when it can.
pub fn weakness(concern: Concern, tier: Tier) -> Option<&'static str> {
    match (concern, tier) {
        (_, Tier::Lsm) | (Concern::Network, Tier::Cgroup) => None,
        (Concern::Privilege, Tier::Sigkill) => None,
        (Concern::Rootfs, Tier::Sigkill) => Some(
            "rootfs writes are judged at syscall tracepoints (no BPF LSM here): a denied write lands before the writer is killed",
        ),
        (Concern::Network, _) => {
            Some("no network programs are attached: connections are neither seen nor blocked")
        }
        (Concern::Rootfs, _) => Some("no rootfs programs are attached: writes are neither seen nor blocked"),
        (Concern::Privilege, _) => {
            Some("no privilege programs are attached: escalations are neither seen nor blocked")
        }
    }
}

/// One rule of one policy on this node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleFeasibility {
    /// `namespace/name`.
    pub policy: String,
    /// `network.egress`, `network.ingress`, `filesystem.rootfs`, `privilege.escalation`.
    pub rule: &'static str,
    pub concern: Concern,
    /// `enforce` or `audit`.
    pub mode: &'static str,
    pub tier: Tier,
    pub degraded: bool,
    /// Why the rule is degraded (empty when it is not).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Every rule's feasibility, and a per-policy index for events.
#[derive(Clone, Debug, Default)]
pub struct Feasibility {
    pub rules: Vec<RuleFeasibility>,
    /// Policy key → degraded per concern (network, rootfs, privilege).
    degraded: HashMap<String, [bool; 3]>,
}

fn index(c: Concern) -> usize {
    match c {
        Concern::Network => 0,
        Concern::Rootfs => 1,
        Concern::Privilege => 2,
    }
}

impl Feasibility {
    pub fn assess(policies: &PolicySet, tiers: Tiers) -> Self {
        let mut out = Feasibility::default();
        for p in policies.iter() {
            let s = &p.spec;
            let network = s.network.as_ref();
            let rules = [
                (
                    Concern::Network,
                    "network.egress",
                    network.is_some_and(|n| n.egress.is_some()),
                    s.network_mode(),
                ),
                (
                    Concern::Network,
                    "network.ingress",
                    network.is_some_and(|n| n.ingress.is_some()),
                    s.network_mode(),
                ),
                (Concern::Rootfs, "filesystem.rootfs", s.filesystem.is_some(), s.filesystem_mode()),
                (Concern::Privilege, "privilege.escalation", s.privilege.is_some(), s.privilege_mode()),
            ];
            for (concern, rule, present, mode) in rules {
                if !present {
                    continue;
                }
                let tier = tiers.get(concern);
                let weak = match mode {
                    Mode::Enforce => weakness(concern, tier),
                    Mode::Audit => None,
                };
                if weak.is_some() {
                    out.degraded.entry(p.key()).or_default()[index(concern)] = true;
                }
                out.rules.push(RuleFeasibility {
                    policy: p.key(),
                    rule,
                    concern,
                    mode: match mode {
                        Mode::Enforce => "enforce",
                        Mode::Audit => "audit",
                    },
                    tier,
                    degraded: weak.is_some(),
                    reason: weak.unwrap_or_default().to_string(),
                });
            }
        }
        out
    }

    /// Whether the rules of `policy` for `concern` are degraded on this node.
    pub fn is_degraded(&self, policy: &str, concern: Concern) -> bool {
        self.degraded.get(policy).is_some_and(|d| d[index(concern)])
    }

    /// The degraded rules.
    pub fn degraded(&self) -> impl Iterator<Item = &RuleFeasibility> {
        self.rules.iter().filter(|r| r.degraded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(yaml: &str) -> PolicySet {
        PolicySet::new(rampart_policy::parse_source("test.yaml", yaml).expect("valid")).expect("set")
    }

    const POLICY: &str = "apiVersion: rampart.dev/v1alpha1
kind: RampartPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  mode: MODE
  network: {egress: []}
  filesystem: {rootfs: readOnly}
  privilege: {escalation: deny}
";

    #[test]
    fn enforce_rules_on_a_tier_that_lets_the_act_happen_are_degraded() {
        let policies = set(&POLICY.replace("MODE", "enforce"));
        let tiers = Tiers { network: Tier::Cgroup, rootfs: Tier::Sigkill, privilege: Tier::Sigkill };
        let f = Feasibility::assess(&policies, tiers);
        let degraded: Vec<_> = f.degraded().map(|r| r.rule).collect();
        assert_eq!(degraded, ["filesystem.rootfs"]);
        assert!(f.is_degraded("shop/web", Concern::Rootfs));
        assert!(!f.is_degraded("shop/web", Concern::Network));
        assert!(!f.is_degraded("shop/web", Concern::Privilege));
        assert!(f.degraded().all(|r| r.reason.contains("lands before")));

        let lsm = Tiers { network: Tier::Cgroup, rootfs: Tier::Lsm, privilege: Tier::Lsm };
        assert_eq!(Feasibility::assess(&policies, lsm).degraded().count(), 0);
        let none = Tiers { network: Tier::None, rootfs: Tier::None, privilege: Tier::None };
        assert_eq!(Feasibility::assess(&policies, none).degraded().count(), 3);
    }

    #[test]
    fn audit_rules_are_never_degraded() {
        let policies = set(&POLICY.replace("MODE", "audit"));
        let none = Tiers { network: Tier::None, rootfs: Tier::None, privilege: Tier::None };
        let f = Feasibility::assess(&policies, none);
        assert_eq!(f.rules.len(), 3);
        assert_eq!(f.degraded().count(), 0);
    }
}
