//! Deciding and applying: the policies in force (from `--policies DIR`), and the verdict record
//! of an event — what the one verdict function (`rampart_policy::verdict::judge`) said, and
//! which tier acted on it.

pub mod feasibility;
pub mod kernel;
pub mod mounts;
pub mod policies;

use rampart_policy::verdict::{Action, Judgement};
use rampart_proto::v1::{Verdict, verdict};

use crate::caps::Tier;

/// The verdict record for an event: the judgement, the tier that acted, and whether the
/// kernel enforced it.
pub fn verdict_record(j: Judgement, tier: Tier, enforced: bool) -> Verdict {
    Verdict {
        action: match j.action {
            Action::Allow => verdict::Action::Allow,
            Action::Deny => verdict::Action::Deny,
            Action::Audit => verdict::Action::Audit,
        } as i32,
        policy: j.policy.unwrap_or_default(),
        rule: j.rule.unwrap_or_default(),
        tier: proto_tier(tier) as i32,
        enforced,
        degraded: false,
    }
}

/// Name the policy and rule of a verdict the kernel already acted on, from the verdict
/// function's judgement of the same activity. The action stays what the kernel did; `false`
/// when the two disagree (a policy changed between the kernel's decision and now).
pub fn name_verdict(v: &mut Verdict, j: Judgement) -> bool {
    let judged = match j.action {
        Action::Allow => verdict::Action::Allow,
        Action::Deny => verdict::Action::Deny,
        Action::Audit => verdict::Action::Audit,
    } as i32;
    if !v.rule.is_empty() {
        // Named by the kernel side (a pod whose policy was not known yet).
        return true;
    }
    v.policy = j.policy.unwrap_or_default();
    v.rule = j.rule.unwrap_or_default();
    v.action == judged
}

pub fn proto_tier(t: Tier) -> verdict::Tier {
    match t {
        Tier::Lsm => verdict::Tier::Lsm,
        Tier::Cgroup => verdict::Tier::Cgroup,
        Tier::Sigkill => verdict::Tier::Sigkill,
        Tier::None => verdict::Tier::None,
    }
}
