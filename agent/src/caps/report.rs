//! The probe's answer, printed by `rampart-agent probe -o text|json`, logged at start, exported
//! as metrics and stamped on events.

use std::{collections::BTreeMap, fmt};

use serde::Serialize;

use super::KernelInfo;
use crate::enforce::feasibility::RuleFeasibility;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Concern {
    Network,
    Rootfs,
    Privilege,
}

impl Concern {
    pub const ALL: [Concern; 3] = [Concern::Network, Concern::Rootfs, Concern::Privilege];

    /// Tiers in the order the agent prefers them. Network is enforced with cgroup programs on
    /// every kernel: they deny before the act like an LSM hook, and also cover unconnected
    /// UDP and ingress, which `socket_connect` does not.
    pub fn preference(self) -> [Tier; 4] {
        match self {
            Concern::Network => [Tier::Cgroup, Tier::Lsm, Tier::Sigkill, Tier::None],
            Concern::Rootfs | Concern::Privilege => Tier::ALL,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Concern::Network => "network",
            Concern::Rootfs => "rootfs",
            Concern::Privilege => "privilege",
        }
    }
}

/// Enforcement tiers, strongest first (the derive order is the preference order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Lsm,
    Cgroup,
    Sigkill,
    None,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Lsm, Tier::Cgroup, Tier::Sigkill, Tier::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Lsm => "lsm",
            Tier::Cgroup => "cgroup",
            Tier::Sigkill => "sigkill",
            Tier::None => "none",
        }
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierStatus {
    pub available: bool,
    /// Why not (or, when available, what was tried).
    pub reason: String,
}

impl TierStatus {
    pub fn yes(reason: impl Into<String>) -> Self {
        TierStatus { available: true, reason: reason.into() }
    }
    pub fn no(reason: impl Into<String>) -> Self {
        TierStatus { available: false, reason: reason.into() }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ConcernReport {
    /// The strongest available tier.
    pub tier: Tier,
    pub tiers: BTreeMap<Tier, TierStatus>,
}

impl ConcernReport {
    pub fn choose(tiers: [(Tier, TierStatus); 4]) -> Self {
        let tier = tiers.iter().find(|(_, s)| s.available).map_or(Tier::None, |(t, _)| *t);
        ConcernReport { tier, tiers: tiers.into_iter().collect() }
    }

    /// A concern whose tier an earlier agent of this build attached and pinned in `dir`:
    /// adopted as it is.
    pub fn adopted(c: Concern, tier: Tier, dir: &str) -> Self {
        Self::choose(c.preference().map(|t| {
            let status = if t == tier {
                TierStatus::yes(format!(
                    "adopted: attached by an earlier agent of this build, pinned in {dir}"
                ))
            } else {
                TierStatus::no(format!("not tried: the adopted {tier} tier is in use"))
            };
            (t, status)
        }))
    }

    /// A concern the agent has not engaged because nothing needs it yet: `none`, saying why.
    pub fn waiting(c: Concern, why: &str) -> Self {
        Self::choose(c.preference().map(|t| {
            (
                t,
                if t == Tier::None {
                    TierStatus::yes(why)
                } else {
                    TierStatus::no(format!("not tried: {why}"))
                },
            )
        }))
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ProbeReport {
    pub network: ConcernReport,
    pub rootfs: ConcernReport,
    pub privilege: ConcernReport,
    pub kernel: KernelInfo,
    /// With `probe --policies`: every rule, its tier here, and whether it is degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RuleFeasibility>>,
}

impl ProbeReport {
    pub fn concern(&self, c: Concern) -> &ConcernReport {
        match c {
            Concern::Network => &self.network,
            Concern::Rootfs => &self.rootfs,
            Concern::Privilege => &self.privilege,
        }
    }

    /// The answer when the kernel object cannot be loaded at all: only `none` is left.
    pub fn unloadable(kernel: KernelInfo, why: &str) -> Self {
        let concern = |c: Concern| {
            ConcernReport::choose(c.preference().map(|t| {
                (t, if t == Tier::None { TierStatus::yes("report only") } else { TierStatus::no(why) })
            }))
        };
        ProbeReport {
            network: concern(Concern::Network),
            rootfs: concern(Concern::Rootfs),
            privilege: concern(Concern::Privilege),
            kernel,
            rules: None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("probe report serializes")
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.kernel;
        writeln!(f, "kernel {} ({})", k.release, k.arch)?;
        writeln!(f, "  btf:     {}", if k.btf { "yes" } else { "no" })?;
        writeln!(
            f,
            "  lsm:     {}",
            if k.lsm.is_empty() { "(unknown)".to_string() } else { k.lsm.join(",") }
        )?;
        writeln!(f, "  cgroup2: {}", k.cgroup2.as_deref().unwrap_or("(not mounted)"))?;
        let mounted =
            if k.tracefs_mounted_by_probe { " (was not mounted; mounted by the probe)" } else { "" };
        writeln!(f, "  tracefs: {}{mounted}", k.tracefs.as_deref().unwrap_or("(unavailable)"))?;
        if let Some(e) = &k.tracefs_error {
            writeln!(f, "           {e}")?;
        }
        if let Some(e) = &k.lsm_error {
            writeln!(f, "  lsm list unreadable: {e}")?;
        }
        for c in Concern::ALL {
            let r = self.concern(c);
            writeln!(f, "{:<10} tier: {}", c.as_str(), r.tier)?;
            for (t, s) in &r.tiers {
                let mark = if s.available { "yes" } else { "no " };
                writeln!(f, "  {:<8} {mark}  {}", t.as_str(), s.reason)?;
            }
        }
        if let Some(rules) = &self.rules {
            let degraded = rules.iter().filter(|r| r.degraded).count();
            writeln!(f, "rules      {} in force, {degraded} degraded", rules.len())?;
            for r in rules {
                let mark = if r.degraded { "DEGRADED" } else { "ok" };
                writeln!(f, "  {:<8} {} {} ({}, {} tier)", mark, r.policy, r.rule, r.mode, r.tier)?;
                if r.degraded {
                    writeln!(f, "           {}", r.reason)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strongest_available_tier_wins() {
        let r = ConcernReport::choose([
            (Tier::Lsm, TierStatus::no("EPERM")),
            (Tier::Cgroup, TierStatus::yes("attached")),
            (Tier::Sigkill, TierStatus::yes("attached")),
            (Tier::None, TierStatus::yes("report only")),
        ]);
        assert_eq!(r.tier, Tier::Cgroup);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["tier"], "cgroup");
        assert_eq!(json["tiers"]["lsm"]["available"], false);
        assert_eq!(json["tiers"]["lsm"]["reason"], "EPERM");
    }
}
